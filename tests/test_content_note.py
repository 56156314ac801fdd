"""Note-level content: responses, goal links, impairments, diagnoses, safety, group statements,
vague phrases, and evidence offsets into the note as given."""

from __future__ import annotations

import pytest

from reviewer.extract.rules_based import content
from reviewer.facts import Intervention, NoteFacts
from reviewer.intake import normalise


def annotate(text: str, *blocks: str) -> NoteFacts:
    note = normalise(text)
    items = []
    for block in blocks:
        start = note.text.index(block)
        items.append(
            Intervention(description=block[:20], evidence=note.span(start, start + len(block)))
        )
    facts = NoteFacts(interventions=items)
    content.annotate(note, facts)
    return facts


# --- responses ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sentence",
    [
        "SLS on foam 10 s (4 s at eval).",  # change against a baseline
        "Needed VCs on 3 of 8 turns today vs 7 of 8 last week.",  # cue need
        "Lateral ankle pain 3/10 -> 2/10.",  # symptoms with change
        "DF ROM 8° → 12° after glides.",
        "R knee buckled once during side-stepping, caught with CGA.",
        'Pt reports feeling "steadier" turning by the end of the session.',
        "Foam EC 10 s on 2/3 trials.",
    ],
)
def test_a_response_to_treatment_is_found(sentence):
    assert annotate(f"A: {sentence}\n").responses


@pytest.mark.parametrize(
    "text",
    [
        "A: Tolerated treatment well.\n",  # tolerated well alone does not count
        "A: Pt tolerated tx well.\n",
        "S: Pt says he is doing ok today.\n",
        "STG: BBS >= 45/56 by 04/08/2025\n",  # a goal is not a response
        "Visit 6 of 12 this cert period.\n",  # a visit count is not a response
        "Total timed 40 min / Total tx 40 min\n",
    ],
)
def test_stock_phrases_goals_and_header_lines_are_not_responses(text):
    assert annotate(text).responses == []


# Responses written as comparisons with an earlier measurement, performance within the session,
# cue need, or vital signs: (sentence, whether it counts as a response)
RESPONSE_FAMILY = [
    ("SLS R 10 s, L 7 s (R 6 s / L 4 s two weeks ago).", True),  # earlier measure, no arrow
    ("Grip 18 lb, 3 lb more than at the last progress note compared to baseline.", True),
    ("TUG 14 s, down from baseline of 19 s.", True),
    ("Initially needed mod A for the transfer; CGA by the third trial.", True),
    ("No foot contact with the hurdles on the last 3 laps.", True),  # performance in-session
    ("Lost neutral spine on the final 2 reps of dead bug.", True),
    ("Stepped out of tandem 3 times on foam.", True),
    ("Verbal correction each time he looked down at his feet.", True),  # cue need
    ("Cues faded to none by the end of the session.", True),
    ("RPE 13/20 on the bike, SpO2 96% throughout.", True),  # vital signs
    ("Client return-demonstrated the jar key with 1 VC.", True),
    ("Good carryover of hip hinge from last visit.", True),
    ("Pulleys 8 min, performed independently as a warm-up, no cues.", False),  # no outcome
    ("TCs at the MCPs to avoid ulnar deviation.", False),  # intent, not an observation
    ("Radial and ulnar deviation AROM 2 x 10.", False),  # a movement, not a deviation seen
    ("History: fell 2 weeks ago getting out of the car.", False),  # history, not a response
]


# What the treatment was for, why skilled care is needed, and the plan for next time are not
# responses, unless the sentence also compares (then and now, "vs", "from ... to").
NOT_A_RESPONSE_FAMILY = [
    ("A: Shoulder weakness with reduced reach limits dressing; skilled OT needed.", False),
    ("Lumbar stenosis w/ reduced standing tolerance; skilled PT indicated.", False),
    ("Tx directed at STG 2 - stand 15 min at the sink w/o pain > 3/10.", False),
    ("Today's session addressed LTG 1 (lift 15 lb from floor) and STG 3.", False),
    ("P: progress to 8 inch step-ups next visit.", False),
    ("Plan: add 5 lb to the sled if pain stays <= 2/10.", False),
    ("Reach improved from 90 to 110 deg; skilled OT still needed.", True),
    ("Tx directed at STG 2: stood 12 min today vs 6 min last visit.", True),
    # walking without a device is how a task was set up, or a goal; it is an outcome only when
    # the sentence says it is new ("today", "now", "for the first time", "able to")
    ("Gait training 12 min: amb without AD 3 x 200 ft, CGA.", False),
    ("LTG: community amb without AD.", False),
    ("Walked 150 ft without AD for the first time.", True),
    ("Pt now able to amb in the clinic without a cane.", True),
]


@pytest.mark.parametrize(("sentence", "found"), RESPONSE_FAMILY + NOT_A_RESPONSE_FAMILY)
def test_the_ways_a_response_is_written(sentence, found):
    assert bool(annotate(f"{sentence}\n").responses) is found


# --- goal links -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sentence",
    [
        "Progress toward STG 2 (tandem stance 30 s): 20 s today.",
        "Working toward her goal of walking the park loop.",
        "Continues to need skilled NMR and gait training for L hemiparesis.",
        "LTG remains: pt to ambulate household distances without a fall.",
        "Plan of care sent to Dr. Whitaker for certification.",
        "Pt progressing to STG 1, 20 s of 30 s.",
        "Progressing toward independence with stairs.",
    ],
)
def test_a_goal_or_plan_of_care_link_is_found(sentence):
    assert annotate(f"{sentence}\n").goal_refs


@pytest.mark.parametrize(
    "text",
    [
        "P: Continue POC.\n",
        "Plan: continue per plan of care.\n",
        "P: cont plan.\n",
        "RTC Friday.\n",
        "P: progress to SLS on foam next visit.\n",  # an exercise progression, not a goal
        "Plan: progressing to 10 lb when pain allows.\n",
    ],
)
def test_continue_per_poc_alone_is_not_a_goal_link(text):
    assert annotate(text).goal_refs == []


# --- impairments and diagnoses ----------------------------------------------------------------
@pytest.mark.parametrize(
    "phrase",
    [
        "impaired dynamic balance",
        "high fall risk",
        "proprioceptive deficit",
        "R hemiparesis",
        "foot drop",
        "deconditioning",
        "quad weakness",
        "poor postural control",
        "dysmetria",
        "poor lumbopelvic control",  # control of a region
        "decreased scapular stability",
        "grip weakness",
    ],
)
def test_impairments_are_found(phrase):
    assert annotate(f"A: {phrase} persists.\n").impairments


def test_plain_performance_lines_name_no_impairment():
    text = "SLS R improved from 8 s to 11 s; backward walking with 1 off-line step per pass.\n"
    assert annotate(text).impairments == []


def test_diagnoses_are_read_with_codes_and_text():
    facts = annotate(
        "Pt: A. B.   MRN 1   Dx: R26.81 Unsteadiness on feet; Z91.81 History of falling\n"
    )
    assert [(d.code, d.text) for d in facts.diagnoses] == [
        ("R26.81", "Unsteadiness on feet"),
        ("Z91.81", "History of falling"),
    ]


def test_a_diagnosis_without_a_code_is_kept_as_text_and_three_character_codes_are_read():
    facts = annotate("Dx: CVA with L hemiparesis\nDx: G35 multiple sclerosis\n")
    assert [(d.code, d.text) for d in facts.diagnoses] == [
        (None, "CVA with L hemiparesis"),
        ("G35", "multiple sclerosis"),
    ]


def test_codes_in_prose_are_not_diagnoses():
    assert annotate("Bike L3 x 8 min; L4-L5 CPA gr III.\n").diagnoses == []


# --- safety, group statements --------------------------------------------------------------------
@pytest.mark.parametrize(
    "phrase",
    [
        "gait belt on",
        "CGA throughout",
        "in parallel bars",
        "PT guarding the pt on foam",
        "at counter",
        "chair behind him",
        "fingertip support at counter",
        "along hallway rail",
        "in // bars",  # the parallel-bars shorthand
        "close SBA with belt",
        "counter support",
        "min guard",
        "at the kitchen sink",
        "PT standing behind pt",
        "within arm's reach",
        "HHA x1",
        "light touch on rail",
        "hands at hips for safety",
    ],
)
def test_safety_measures_are_found(phrase):
    assert annotate(f"NMR: tandem stance 3 x 30 s, {phrase}.\n").safety_measures


@pytest.mark.parametrize(
    "phrase",
    [
        "without a belt",  # negated
        "VCs for posture",  # a cue is not a safety measure
        "red resistance band",
    ],
)
def test_negated_or_unrelated_phrases_are_not_safety_measures(phrase):
    assert annotate(f"NMR: tandem stance 3 x 30 s, {phrase}.\n").safety_measures == []


@pytest.mark.parametrize(
    "goal",
    [
        "Goals: STG 1 - stand at the sink 5 min for grooming without LOB.",
        "STG 2: prepare a snack at the counter with SBA; LTG: return to meal prep.",
    ],
)
def test_a_place_a_goal_aims_at_is_not_a_safety_measure(goal):
    facts = annotate(f"NMR: tandem stance 3 x 30 s, SLS 3 x 10 s.\n{goal}\n")
    assert facts.safety_measures == []


def test_a_place_used_today_is_a_safety_measure_even_in_a_goal_sentence():
    facts = annotate("NMR: SLS 3 x 10 s.\nSTG 1: stand 5 min (3 min at the counter today).\n")
    assert [s.text for s in facts.safety_measures] == ["at the counter"]
    facts = annotate("NMR: SLS 3 x 10 s at the counter. Progressing toward STG 1.\n")
    assert [s.text for s in facts.safety_measures] == ["at the counter"]


def test_cues_and_a_cane_are_not_safety_measures():
    assert (
        annotate("Gait: amb with SPC 3 x 150 ft on ramp; VCs, TCs at knee.\n").safety_measures == []
    )


def test_group_statements_are_collected():
    facts = annotate(
        "Session: UE coordination group, 14:00-14:30 - 3 clients, 1 OT, same room, same time.\n"
    )
    assert facts.group_statements


# --- vague phrases ------------------------------------------------------------------------------
def test_vague_phrases_are_found_with_categories():
    facts = annotate(
        "O: Worked on balance. Pt did exercises.\nA: Tolerated treatment well.\nP: Continue POC.\n"
    )
    assert [(v.phrase, v.category) for v in facts.vague_phrases] == [
        ("worked on balance", "generic_activity"),
        ("pt did exercises", "generic_activity"),
        ("tolerated treatment well", "tolerance"),
        ("continue per POC", "plan"),
    ]
    assert content.vague_target("worked on balance") == "balance"


def test_a_vague_phrase_inside_an_intervention_points_to_it():
    text = "NMR 10:00-10:20: SLS 3 x 10 s, CGA.\nTherEx 10:20-10:35 per flowsheet.\n"
    facts = annotate(
        text, "NMR 10:00-10:20: SLS 3 x 10 s, CGA.", "TherEx 10:20-10:35 per flowsheet."
    )
    assert [(v.phrase, v.intervention) for v in facts.vague_phrases] == [("per flowsheet", 1)]


def test_progressing_toward_a_goal_is_not_vague():
    assert annotate("Progressing toward LTG #1.\n").vague_phrases == []


# --- evidence offsets --------------------------------------------------------------------------
def test_evidence_offsets_index_the_note_as_given():
    original = "DOS\u00a003/04/2025\r\nNMR\u2013 SLS on foam 3\u00d730 s, CGA.\r\nA: pain 3/10 \u2192 1/10.\r\n"
    note = normalise(original)
    block = "NMR- SLS on foam 3x30 s, CGA."
    start = note.text.index(block)
    facts = NoteFacts(
        interventions=[
            Intervention(description="NMR", evidence=note.span(start, start + len(block)))
        ]
    )
    content.annotate(note, facts)
    spans = [a.evidence for a in facts.interventions[0].activities]
    spans += [p.evidence for a in facts.interventions[0].activities for p in a.parameters]
    spans += [g.evidence for g in facts.interventions[0].guidance] + [
        r.evidence for r in facts.responses
    ]
    assert spans
    for span in spans:
        assert original[span.start : span.end] == span.text
    assert any(
        p.value == "3x30 s" and p.evidence.text == "3\u00d730 s"
        for a in facts.interventions[0].activities
        for p in a.parameters
    )


def test_annotate_is_deterministic():
    text = "NMR: SLS on foam 3 x 20 s, CGA, VCs.\nA: SLS 10 s (4 s last week).\nGoal: STG 1.\n"
    first = annotate(text, "NMR: SLS on foam 3 x 20 s, CGA, VCs.").model_dump()
    assert annotate(text, "NMR: SLS on foam 3 x 20 s, CGA, VCs.").model_dump() == first


# --- negation and sections ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Supervision only; no cues or hands-on assistance given.\n", False),  # negated
        ("Tandem walk 4 x 20 ft without a gait belt.\n", False),
        ("SLS 3 x 10 s without UE support at counter.\n", True),  # the counter is still there
        ("SLS 3 x 10 s, no LOB, gait belt on.\n", True),  # the negator governs LOB only
    ],
)
def test_a_negated_safety_measure_does_not_count(text, found):
    assert bool(annotate(text).safety_measures) is found


def test_a_negated_cue_is_not_guidance():
    facts = annotate(
        "NMR: SLS 4 x 10 s; supervision only, no cues or hands-on assistance given.\n",
        "NMR: SLS 4 x 10 s; supervision only, no cues or hands-on assistance given.",
    )
    kinds = {g.kind for g in facts.interventions[0].guidance}
    assert "standby_supervision" in kinds
    assert not kinds & {"verbal_cues", "physical_assistance", "guarding"}


def test_the_subjective_report_is_not_a_response_but_lowercase_sections_after_it_are():
    text = (
        "subj: Groin pain 2/10 walking.\n"
        "obj:\n"
        "assessment: EC foam 15 s x3 (could not hold 8 s last wk).\n"
    )
    assert [r.text for r in annotate(text).responses] == [
        "EC foam 15 s x3 (could not hold 8 s last wk)."
    ]
    assert annotate("S: Pain 5/10 on arrival.\nP: add hops.\n").responses == []
