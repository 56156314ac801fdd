"""S001-S005 on hand-built facts: each rule reads the content facts, never the raw text."""

from __future__ import annotations

from reviewer.extract.rules_based import content
from reviewer.facts import BilledLine, Intervention, NoteFacts, Span, TextFact
from reviewer.intake import normalise
from reviewer.profiles import get_profile
from reviewer.rules import skilled
from reviewer.rules.base import Context, Rule

RULES = {r.id: r for r in vars(skilled).values() if isinstance(r, Rule)}


def facts_for(
    text: str, blocks: dict[str, str], billed: dict[str, int], **minutes: int
) -> NoteFacts:
    """Facts for ``text`` with one intervention per ``{block text: code}`` and billed lines."""
    note = normalise(text)
    items = []
    for block, code in blocks.items():
        start = note.text.index(block)
        items.append(
            Intervention(
                description=block.split(" ")[0],
                code=code,
                code_source="mapped",
                minutes=minutes.get(f"m{code}"),
                evidence=note.span(start, start + len(block)),
            )
        )
    facts = NoteFacts(interventions=items)
    content.annotate(note, facts)
    facts.billed = [
        BilledLine(code=code, units=units, evidence=Span(start=0, end=1, text=text[0]))
        for code, units in billed.items()
    ]
    return facts


def fired(rule_id: str, facts: NoteFacts, payer: str = "cms") -> list:
    return RULES[rule_id].run(Context(facts=facts, profile=get_profile(payer)))


# --- S001 nmr-activity-missing ------------------------------------------------------------------
def test_s001_fires_when_97112_holds_only_strengthening_and_stretching():
    nmr = "NMR (28 min): SLR 3 x 10 with 2 lb; quad sets 2 x 15; leg press 50 lb 3 x 12; hamstring stretch 3 x 30 s"
    findings = fired("S001", facts_for(nmr, {nmr: "97112"}, {"97112": 2}))
    assert len(findings) == 1
    assert "SLR" in findings[0].message and "2 units" in findings[0].message


def test_s001_reads_banded_rows_and_rotation_as_strengthening():
    nmr = "NMR (15 min): UBE 5 min; TheraBand rows 3 x 15; shoulder ER/IR with yellow band 3 x 12; VCs"
    assert len(fired("S001", facts_for(nmr, {nmr: "97112"}, {"97112": 1}))) == 1


def test_s001_is_quiet_on_unrecognised_content_given_with_clinician_input():
    nmr = "NMR: Feldenkrais awareness sequence in supine, TCs at pelvis"
    assert fired("S001", facts_for(nmr, {nmr: "97112"}, {"97112": 1})) == []


def test_s001_is_quiet_when_any_balance_or_proprioception_task_is_documented():
    nmr = "NMR: SLR 3 x 10; SLS on foam 3 x 20 s"
    assert fired("S001", facts_for(nmr, {nmr: "97112"}, {"97112": 1})) == []


def test_s001_leaves_worked_on_balance_to_d001():
    text = "O: Worked on balance. Pt did exercises.\n"
    assert fired("S001", facts_for(text, {}, {"97112": 2, "97110": 1})) == []


def test_s001_fires_when_nothing_is_documented_under_97112():
    text = "TherEx: bridges 3 x 12\n"
    findings = fired(
        "S001", facts_for(text, {"TherEx: bridges 3 x 12": "97110"}, {"97112": 1, "97110": 1})
    )
    assert len(findings) == 1


def test_s001_needs_97112_billed():
    nmr = "TherEx: SLR 3 x 10"
    assert fired("S001", facts_for(nmr, {nmr: "97110"}, {"97110": 1})) == []


# --- S002 skilled-guidance-missing ---------------------------------------------------------------
def test_s002_fires_on_standby_supervision_only_and_quotes_it():
    nmr = (
        "Balance 11:00-11:30: feet together stance 3 x 30 s, in parallel bars, SBA/supervision only"
    )
    findings = fired("S002", facts_for(nmr, {nmr: "97112"}, {"97112": 2}))
    assert len(findings) == 1
    assert "SBA" in findings[0].message


def test_s002_fires_when_a_patient_only_corrects_himself():
    nmr = "NMRE (9'): SLS 3 x 10-15 s each; SBA, supervision only, pt self-corrected"
    assert len(fired("S002", facts_for(nmr, {nmr: "97112"}, {"97112": 1}))) == 1


def test_s002_accepts_any_skilled_input():
    # each of these alone is skilled input
    for extra in (
        "VCs for trunk",
        "TCs at pelvis",
        "manual facilitation at hip",
        "CGA",
        "min A",
        "PT perturbations",
        "verbal correction when he looked down",
    ):
        nmr = f"NMR: tandem stance 3 x 30 s; {extra}"
        assert fired("S002", facts_for(nmr, {nmr: "97112"}, {"97112": 1})) == [], extra


# --- S003 independent-activity-billed --------------------------------------------------------------
def test_s003_fires_on_independent_minutes_inside_a_timed_code():
    block = "TherEx 13:00-13:23: Recumbent bike warm-up L3 x 8 min, independent; bridges 3 x 12"
    findings = fired("S003", facts_for(block, {block: "97110"}, {"97110": 1}, m97110=23))
    assert len(findings) == 1
    assert "23 min of 97110" in findings[0].message
    assert findings[0].evidence[0].text == "Recumbent bike warm-up L3 x 8 min, independent"


def test_s003_fires_on_a_home_program_done_by_the_patient_himself():
    for block, quote in (
        (
            "TherEx 0900-0922: first 6 min pt did his HEP at the mat by himself (bridges 2 x 10); "
            "then squats 3 x 10 with VCs",
            "pt did his HEP at the mat by himself",
        ),
        (
            "TherEx 0900-0922: HEP review 6 min (SLR 2 x 10, clams 2 x 10), no cues or instruction "
            "given; then squats 3 x 10 with VCs",
            "no cues or instruction given",
        ),
        (
            "TherEx 0900-0922: warm-up exercises completed by herself on the mat 5 min; then "
            "squats 3 x 10 with VCs",
            "warm-up exercises completed by herself on the mat 5 min",
        ),
    ):
        findings = fired("S003", facts_for(block, {block: "97110"}, {"97110": 1}, m97110=22))
        assert len(findings) == 1, block
        assert quote in findings[0].evidence[0].text


def test_s003_ignores_what_the_patient_can_now_do_by_himself():
    for block in (
        "Self-care: LB dressing 3 trials, min A; goal to don socks by himself",
        "Self-care: pt able to don socks by himself with the sock aid after 2 trials",
        "Gait training: 3 x 150 ft w/ RW, CGA; VCs for step length; no cues needed by lap 3",
    ):
        code = "97116" if block.startswith("Gait") else "97535"
        assert fired("S003", facts_for(block, {block: code}, {code: 1}, **{f"m{code}": 15})) == []


def test_s003_ignores_independence_in_goals():
    block = "Self-care: LB dressing 3 trials, min A; goal to dress independently"
    assert fired("S003", facts_for(block, {block: "97535"}, {"97535": 1}, m97535=15)) == []


def test_s003_ignores_untimed_codes():
    block = "Hot pack 10 min, pt alone in the booth"
    assert fired("S003", facts_for(block, {block: "97010"}, {"97010": 1}, m97010=10)) == []


# --- S004 group-billed-as-individual ------------------------------------------------------------------
def test_s004_fires_when_a_class_is_billed_as_97112():
    block = "Balance class 10:00-10:30, 4 participants with 1 PT: tandem stance 3 x 30 s"
    findings = fired("S004", facts_for(block, {block: "97112"}, {"97112": 2}))
    assert len(findings) == 1
    assert "97150" in findings[0].message and "97112 x2" in findings[0].message


def test_s004_is_quiet_when_97150_covers_the_group_and_the_individual_code_its_own_time():
    group = "Group therapy (97150): balance group, 3 pts with 1 PT: marching 2 x 1 min"
    nmr = "Individual NMR (97112), one-on-one: turns x 8 each way, TCs"
    facts = facts_for(group + "\n" + nmr, {group: "97150", nmr: "97112"}, {"97150": 1, "97112": 1})
    assert fired("S004", facts) == []


def test_s004_reads_a_group_statement_outside_the_interventions():
    text = "Session 11:00-11:30, pt participated with 3 other pts (4 total), one PT leading.\nNMR: tandem walk 4 x 15 ft"
    facts = facts_for(text, {"NMR: tandem walk 4 x 15 ft": "97112"}, {"97112": 2})
    assert len(fired("S004", facts)) == 1


def test_s004_is_quiet_on_a_one_on_one_note():
    nmr = "NMR: tandem stance 3 x 30 s, CGA"
    assert fired("S004", facts_for(nmr, {nmr: "97112"}, {"97112": 1})) == []


# --- S005 impairment-missing --------------------------------------------------------------------------
def test_s005_fires_with_no_impairment_and_no_diagnosis():
    nmr = "NMR: SLS R and L 4 x 10 s each; VCs"
    assert len(fired("S005", facts_for(nmr, {nmr: "97112"}, {"97112": 1}))) == 1


def test_s005_accepts_a_diagnosis_or_an_impairment():
    nmr = "NMR: SLS R and L 4 x 10 s each; VCs"
    with_dx = facts_for("Dx: R26.81 Unsteadiness on feet\n" + nmr, {nmr: "97112"}, {"97112": 1})
    assert fired("S005", with_dx) == []
    with_impairment = facts_for(nmr, {nmr: "97112"}, {"97112": 1})
    with_impairment.impairments = [
        TextFact(text="impaired balance", evidence=Span(start=0, end=1, text="N"))
    ]
    assert fired("S005", with_impairment) == []
