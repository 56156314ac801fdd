"""B001-B006 read the billed lines and who furnished the service (hand-built facts, no extractor)."""

from __future__ import annotations

import pytest

from reviewer.facts import (
    AssistantInvolvement,
    BilledLine,
    Intervention,
    NoteFacts,
    Signature,
    Span,
    ValueFact,
)
from reviewer.profiles import get_profile
from reviewer.rules import billing
from reviewer.rules.base import Context

HERE = Span(start=0, end=4, text="here")


def line(code: str, units: int = 1, *mods: str) -> BilledLine:
    return BilledLine(code=code, units=units, modifiers=list(mods), evidence=HERE)


def item(code: str, minutes: int | None) -> Intervention:
    return Intervention(description=code, code=code, minutes=minutes, evidence=HERE)


def facts(billed, *, discipline="PT", signer=None, assistant=None, interventions=()) -> NoteFacts:
    return NoteFacts(
        billed=list(billed),
        discipline=ValueFact(value=discipline, evidence=HERE) if discipline else None,
        signature=Signature(role=signer, credentials=[signer], evidence=HERE) if signer else None,
        assistant=assistant,
        interventions=list(interventions),
    )


def fired(rule, f: NoteFacts, payer: str = "cms") -> list:
    return rule.run(Context(facts=f, profile=get_profile(payer)))


# --- B001 discipline-modifier-missing -------------------------------------------------------


def test_a_line_without_gp_go_or_gn_is_flagged_once_per_line():
    found = fired(
        billing.discipline_modifier_missing, facts([line("97112", 2), line("97110", 1, "GP")])
    )
    assert [f.data["code"] for f in found] == ["97112"]
    assert "needs GP" in found[0].message


def test_every_line_with_a_discipline_modifier_passes_b001():
    assert fired(billing.discipline_modifier_missing, facts([line("97112", 2, "GP", "KX")])) == []


# --- B002 discipline-modifier-mismatch ------------------------------------------------------


@pytest.mark.parametrize(
    ("discipline", "modifier", "fires"),
    [
        ("PT", "GO", True),  # GO on a physical therapist's note
        ("OT", "GP", True),  # GP on an occupational therapist's note
        ("PT", "GP", False),  # matches
        ("OT", "GO", False),  # matches
    ],
)
def test_the_discipline_modifier_must_match_the_notes_discipline(discipline, modifier, fires):
    found = fired(
        billing.discipline_modifier_mismatch,
        facts([line("97530", 1, modifier)], discipline=discipline),
    )
    assert bool(found) is fires


def test_b002_falls_back_to_the_signers_licence_when_no_discipline_is_stated():
    found = fired(
        billing.discipline_modifier_mismatch,
        facts([line("97530", 1, "GP")], discipline=None, signer="OT"),
    )
    assert found and found[0].data["expected"] == "GO"


# --- B003 assistant-modifier-missing --------------------------------------------------------


def test_a_pta_note_under_medicare_without_cq_fires_b003_on_every_line():
    f = facts(
        [line("97112", 2, "GP"), line("97116", 1, "GP")],
        signer="PTA",
        assistant=AssistantInvolvement(role="PTA", scope="all", evidence=HERE),
    )
    assert sorted(x.data["code"] for x in fired(billing.assistant_modifier_missing, f)) == [
        "97112",
        "97116",
    ]


def test_b003_is_a_medicare_rule_and_stays_quiet_under_the_ama_profile():
    f = facts(
        [line("97112", 2, "GP")],
        assistant=AssistantInvolvement(role="PTA", scope="all", evidence=HERE),
    )
    assert fired(billing.assistant_modifier_missing, f, payer="ama") == []


def test_an_ota_line_carrying_cq_instead_of_co_fires_b003_and_b004():
    f = facts(
        [line("97530", 2, "GO", "CQ")],
        discipline="OT",
        signer="OTA",
        assistant=AssistantInvolvement(role="OTA", scope="all", evidence=HERE),
    )
    assert fired(billing.assistant_modifier_missing, f)
    assert fired(billing.assistant_modifier_wrong, f)


def test_b003_only_covers_the_codes_the_assistant_furnished():
    f = facts(
        [line("97112", 2, "GP"), line("97110", 1, "GP")],
        assistant=AssistantInvolvement(role="PTA", scope="part", codes=["97110"], evidence=HERE),
    )
    assert [x.data["code"] for x in fired(billing.assistant_modifier_missing, f)] == ["97110"]


def test_an_assistant_share_of_ten_percent_or_less_does_not_need_cq():
    f = facts(
        [line("97110", 2, "GP")],
        interventions=[item("97110", 30)],
        assistant=AssistantInvolvement(
            role="PTA", scope="part", codes=["97110"], minutes=3, evidence=HERE
        ),
    )
    assert fired(billing.assistant_modifier_missing, f) == []


def test_a_pta_line_with_cq_passes_b003():
    f = facts(
        [line("97112", 2, "GP", "CQ")],
        assistant=AssistantInvolvement(role="PTA", scope="all", evidence=HERE),
    )
    assert fired(billing.assistant_modifier_missing, f) == []


# --- B004 assistant-modifier-wrong ----------------------------------------------------------


def test_cq_without_any_assistant_documented_is_wrong():
    found = fired(
        billing.assistant_modifier_wrong, facts([line("97112", 1, "GP", "CQ")], signer="PT")
    )
    assert found and "no assistant" in found[0].message


def test_co_on_a_physical_therapy_line_is_wrong_even_under_ama():
    f = facts(
        [line("97110", 1, "GP", "CO")],
        signer="PTA",
        assistant=AssistantInvolvement(role="PTA", scope="all", evidence=HERE),
    )
    found = fired(billing.assistant_modifier_wrong, f, payer="ama")
    assert found and found[0].data["expected"] == "CQ"


def test_co_on_an_ota_occupational_therapy_line_is_right():
    f = facts(
        [line("97535", 1, "GO", "CO")],
        discipline="OT",
        assistant=AssistantInvolvement(role="OTA", scope="all", evidence=HERE),
    )
    assert fired(billing.assistant_modifier_wrong, f) == []


# --- B005 ncci-pair-modifier-missing --------------------------------------------------------


def test_a_ptp_pair_billed_without_59_or_x_modifier_fires_b005():
    found = fired(
        billing.ncci_pair_modifier_missing, facts([line("97530", 1, "GP"), line("97140", 1, "GP")])
    )
    assert found and found[0].data["codes"] == ["97530", "97140"]


@pytest.mark.parametrize("modifier", ["59", "XE", "XS", "XP", "XU"])
def test_a_distinct_service_modifier_on_either_line_satisfies_b005(modifier):
    f = facts([line("97530", 1, "GP"), line("97140", 1, "GP", modifier)])
    assert fired(billing.ncci_pair_modifier_missing, f) == []


# --- B006 documented-not-billed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "fires"),
    [
        (8, True),  # 8 documented minutes: the threshold
        (7, False),  # under 8: not flagged
        (20, True),
    ],
)
def test_documented_timed_minutes_without_a_billed_line(minutes, fires):
    f = facts([line("97112", 2, "GP")], interventions=[item("97112", 25), item("97116", minutes)])
    found = fired(billing.documented_not_billed, f)
    assert bool(found) is fires
    if fires:
        assert found[0].data == {"code": "97116", "minutes": minutes}


def test_minutes_of_one_code_are_pooled_before_the_8_minute_threshold():
    f = facts(
        [line("97112", 1, "GP")],
        interventions=[item("97112", 15), item("97110", 5), item("97110", 5)],
    )
    assert [x.data["minutes"] for x in fired(billing.documented_not_billed, f)] == [10]


def test_b006_is_silent_when_the_note_has_no_billing_at_all():
    assert fired(billing.documented_not_billed, facts([], interventions=[item("97110", 20)])) == []
