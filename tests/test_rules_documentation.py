"""D001-D008 on hand-built facts."""

from __future__ import annotations

from reviewer.extract.rules_based import content
from reviewer.facts import (
    AssistantInvolvement,
    BilledLine,
    DateFact,
    Intervention,
    NoteFacts,
    Person,
    Signature,
    Span,
)
from reviewer.intake import normalise
from reviewer.profiles import get_profile
from reviewer.rules import documentation
from reviewer.rules.base import Context, Rule

RULES = {r.id: r for r in vars(documentation).values() if isinstance(r, Rule)}
HERE = Span(start=0, end=1, text="x")


def facts_for(text: str, blocks: dict[str, str] | None = None, **minutes: int) -> NoteFacts:
    note = normalise(text)
    items = []
    for block, code in (blocks or {}).items():
        start = note.text.index(block)
        items.append(
            Intervention(
                description=block.split(" ")[0],
                code=code,
                minutes=minutes.get(f"m{code}"),
                stated_minutes=minutes.get(f"m{code}"),
                evidence=note.span(start, start + len(block)),
            )
        )
    facts = NoteFacts(interventions=items)
    content.annotate(note, facts)
    facts.billed = [BilledLine(code=c, units=1, evidence=HERE) for c in (blocks or {}).values()]
    return facts


def fired(rule_id: str, facts: NoteFacts) -> list:
    return RULES[rule_id].run(Context(facts=facts, profile=get_profile("cms")))


VAGUE_NOTE = (
    "O: Worked on balance. Pt did exercises.\nA: Tolerated treatment well.\nP: Continue POC.\n"
)


# --- D001 vague-language -----------------------------------------------------------------------
def test_d001_quotes_every_stand_in_when_nothing_specific_is_documented():
    quotes = [f.evidence[0].text for f in fired("D001", facts_for(VAGUE_NOTE))]
    assert quotes == [
        "Worked on balance",
        "Pt did exercises",
        "Tolerated treatment well",
        "Continue POC",
    ]


def test_d001_fires_for_the_intervention_a_flowsheet_reference_stands_in_for():
    nmr = "NMR 09:00-09:20: SLS on foam 3 x 30 s, CGA, VCs."
    ther = "TherEx 09:20-09:35 per flowsheet."
    findings = fired(
        "D001", facts_for(f"{nmr}\n{ther}\nA: Tolerated well.\n", {nmr: "97112", ther: "97110"})
    )
    assert [f.evidence[0].text for f in findings] == ["per flowsheet"]


def test_d001_reads_a_phrase_outside_the_blocks_as_describing_a_bare_label():
    nmr = "NMR 09:00-09:20: SLS on foam 3 x 30 s, CGA, VCs."
    ther = "TherEx 09:20-09:35"
    text = f"{nmr}\n{ther}\nPt did exercises.\n"
    findings = fired("D001", facts_for(text, {nmr: "97112", ther: "97110"}))
    assert [f.evidence[0].text for f in findings] == ["Pt did exercises"]


def test_d001_leaves_tolerated_well_alone_next_to_a_specific_description():
    nmr = "NMR: SLS on foam 3 x 30 s, CGA, VCs."
    assert fired("D001", facts_for(f"{nmr}\nTolerated well. Continue POC.\n", {nmr: "97112"})) == []


# --- D002 parameters-missing -------------------------------------------------------------------
def test_d002_fires_on_named_exercises_without_any_dose():
    ther = "Therapeutic exercise: hip abduction, hamstring curls, heel raises, mini squats."
    findings = fired("D002", facts_for(ther, {ther: "97110"}))
    assert len(findings) == 1
    assert "'hip abduction'" in findings[0].message


def test_d002_is_quiet_when_one_parameter_or_an_assist_level_is_given():
    for ther in ("TherEx: bridges 3 x 12, clams, LAQ.", "Self-care: LB dressing, min A."):
        assert fired("D002", facts_for(ther, {ther: "97110"})) == [], ther


def test_d002_does_not_count_the_billed_minutes_as_a_dose():
    ther = "TherEx (15 min): bridges, clams, LAQ."
    assert len(fired("D002", facts_for(ther, {ther: "97110"}, m97110=15))) == 1


def test_d002_skips_evaluations_modalities_and_interventions_with_no_activity():
    ev = "Evaluation 13:00-13:45: history, tests; gait with short steps."
    hot = "Moist hot pack to R knee, seated."
    vague = "TherEx per flowsheet."
    facts = facts_for(f"{ev}\n{hot}\n{vague}\n", {ev: "97162", hot: "97010", vague: "97110"})
    assert fired("D002", facts) == []


# --- D003 response-missing / D004 goal-link-missing ---------------------------------------------------
def test_d003_fires_when_only_tolerated_well_is_said_and_quotes_it():
    findings = fired("D003", facts_for(VAGUE_NOTE))
    assert len(findings) == 1 and "Tolerated treatment well" in findings[0].message


def test_d003_is_quiet_with_a_measured_response():
    assert fired("D003", facts_for("A: SLS 10 s on foam (4 s last week).\n")) == []


def test_d004_fires_on_continue_poc_alone():
    findings = fired("D004", facts_for("A: SLS 10 s (4 s last week).\nP: Continue POC.\n"))
    assert len(findings) == 1 and "Continue POC" in findings[0].message


def test_d004_is_quiet_with_a_goal_reference():
    assert fired("D004", facts_for("Progress toward STG 2: 20 s today.\n")) == []


# --- D005 D006 D007 read the header facts ----------------------------------------------------------
def test_d005_needs_a_signature_with_name_and_credentials():
    assert len(fired("D005", NoteFacts())) == 1
    unsigned = NoteFacts(signature=Signature(name="Dana Whitfield", credentials=[], evidence=HERE))
    assert len(fired("D005", unsigned)) == 1
    signed = NoteFacts(
        signature=Signature(name="Dana Whitfield", credentials=["PT"], role="PT", evidence=HERE)
    )
    assert fired("D005", signed) == []


def test_d006_needs_a_date_of_service():
    assert len(fired("D006", NoteFacts())) == 1
    assert (
        fired("D006", NoteFacts(date_of_service=DateFact(value="2025-03-04", evidence=HERE))) == []
    )


def test_d007_fires_for_an_assistant_without_a_supervising_therapist():
    pta = NoteFacts(assistant=AssistantInvolvement(role="PTA", scope="all", evidence=HERE))
    findings = fired("D007", pta)
    assert len(findings) == 1 and "supervising PT" in findings[0].message
    pta.supervising_therapist = Person(
        name="Alan Cho", credentials=["PT"], role="PT", evidence=HERE
    )
    assert fired("D007", pta) == []


def test_d007_reads_an_assistant_signature_when_no_involvement_is_recorded():
    cota = NoteFacts(
        signature=Signature(name="Maria Lopez", credentials=["COTA/L"], role="OTA", evidence=HERE)
    )
    assert "supervising OT" in fired("D007", cota)[0].message
    pt = NoteFacts(
        signature=Signature(name="Dana Whitfield", credentials=["PT"], role="PT", evidence=HERE)
    )
    assert fired("D007", pt) == []


# --- D008 safety-missing -------------------------------------------------------------------------
def test_d008_fires_on_balance_work_with_no_safety_measure():
    nmr = "NMR: SLS R and L 4 x 10 s, in the middle of the gym; tandem walk 4 x 20 ft; VCs."
    findings = fired("D008", facts_for(nmr, {nmr: "97112"}))
    assert len(findings) == 1 and findings[0].severity == "info"


def test_d008_counts_worked_on_balance_as_balance_work():
    assert len(fired("D008", facts_for(VAGUE_NOTE))) == 1


def test_d008_accepts_a_safety_measure_anywhere_in_the_note():
    nmr = "NMR: SLS R and L 4 x 10 s; tandem walk 4 x 20 ft; VCs."
    facts = facts_for(f"{nmr}\nTherEx: heel raises at counter 2 x 15.\n", {nmr: "97112"})
    assert fired("D008", facts) == []


def test_d008_ignores_seated_coordination_and_strength_work():
    ot = "TA: in-hand manipulation with coins 3 trials; 9-hole peg x 3; putty 3 x 10."
    assert fired("D008", facts_for(ot, {ot: "97530"})) == []
