"""Content inside one intervention: activities, parameters, guidance, independence, group.

Interventions are built by hand here (label line through details as the evidence span), the
way the structural extractor hands them to ``content.annotate``.
"""

from __future__ import annotations

import pytest

from reviewer.extract.rules_based import content
from reviewer.facts import Intervention, NoteFacts
from reviewer.intake import normalise


def annotate_blocks(
    text: str, *blocks: str, code: str | None = "97112", minutes: int | None = None
):
    """Annotate ``text`` with one intervention per block (each block a substring of text)."""
    note = normalise(text)
    items = []
    for block in blocks:
        start = note.text.index(block)
        items.append(
            Intervention(
                description=block.split(":")[0][:30],
                code=code,
                minutes=minutes,
                stated_minutes=minutes,
                evidence=note.span(start, start + len(block)),
            )
        )
    facts = NoteFacts(interventions=items)
    content.annotate(note, facts)
    return facts


def one(text: str, **kw) -> Intervention:
    return annotate_blocks(text, text, **kw).interventions[0]


# --- activities: (text, expected category of the first activity) -------------------------
ACTIVITY_CASES = [
    ("NMR: SLS on foam 3 x 20 s", "balance"),  # abbreviation
    ("NMR: tandem walk 4 x 15 ft", "balance"),
    ("NMR: Romberg EO/EC on foam 3 x 30 s", "balance"),
    ("NMR: lateral weight shifts 2 x 10", "weight_shifting"),
    ("NMR: PT perturbations at pelvis 3 x 30 s", "perturbation"),
    ("NMR: PNF D2 flexion 3 x 8", "pnf"),
    ("NMR: BAPS board lvl 3, 3 x 1 min", "proprioception"),
    ("NMR: finger-to-nose 2 x 10", "coordination"),
    ("NMR: VOR x1 gaze stabilization 3 x 45 s", "vestibular"),
    ("Gait training: amb with RW 3 x 75 ft, CGA", "gait"),
    ("TherEx: sit to stand 3 x 10", "transfers"),
    ("TherEx: bridges 3 x 12", "strengthening"),
    ("TherEx: seated hip flexion marches 2# 3 x 10", "strengthening"),  # seated beats marches
    ("TherEx: hamstring stretch 3 x 30 s", "stretching"),
    ("TherEx: heel slides 2 x 15", "range_of_motion"),
    ("TherEx: recumbent bike L3 x 8 min", "conditioning"),
    ("MT: R talocrural posterior glides gr III 3 x 30 s", "manual_therapy"),
    ("Self-care: UB dressing 3 trials", "self_care"),
    ("TA: simulated meal prep, 2 trials", "functional_task"),
]


@pytest.mark.parametrize(("text", "category"), ACTIVITY_CASES)
def test_a_named_activity_gets_its_category(text, category):
    item = one(text)
    assert item.activities, f"no activity found in {text!r}"
    assert item.activities[0].category == category


# --- dosed tasks the vocabulary does not name: classified by keywords, else "other" ----------
UNNAMED_CASES = [
    ("NMR: ball kicks L LE 3 x 10", "balance"),  # 'kicks'
    ("TherEx: cable pulldowns 3 x 12", "strengthening"),  # 'pull' keyword
    ("TherEx: quadruped thingamajig 3 x 12 with 2#", "strengthening"),  # a load in the clause
    ("NMR: Feldenkrais sequence 2 x 5", "other"),  # nothing to go on
]


@pytest.mark.parametrize(("text", "category"), UNNAMED_CASES)
def test_a_dosed_task_the_vocabulary_does_not_know_is_kept_and_classified(text, category):
    item = one(text)
    assert [a.category for a in item.activities] == [category]
    assert item.activities[0].parameters


@pytest.mark.parametrize(
    "text",
    [
        "NMR: worked on balance.",  # generic: D001's, not an activity
        "TherEx per flowsheet.",
        "TherEx: pt did exercises.",
    ],
)
def test_generic_phrases_are_not_activities(text):
    assert one(text).activities == []


# --- parameters: (text, kinds that must be among the first activity's parameters) -----------
PARAMETER_CASES = [
    ("TherEx: bridges 3 x 12", {"sets_reps"}),
    ("NMR: SLS on Airex 3 x 30 s", {"surface", "sets_reps"}),
    (
        "Gait training: amb 2 x 100 ft with quad cane, CGA",
        {"distance", "equipment", "assist_level"},
    ),
    ("TherEx: standing hip abduction 2# 3 x 12", {"load"}),
    ("TherEx: clamshells with green TheraBand 2 x 15", {"load"}),
    ('NMR: step taps to 4" step x 10 each', {"equipment", "reps"}),
    ("MT: PA glides gr III 4 x 30 s", {"grade"}),
    ("TA: stirring batter 2 min", {"duration"}),
]


@pytest.mark.parametrize(("text", "kinds"), PARAMETER_CASES)
def test_parameters_are_read_and_typed(text, kinds):
    params = {p.kind for a in one(text).activities for p in a.parameters}
    assert kinds <= params, f"{text!r}: got {params}"


def test_the_interventions_own_minutes_are_not_a_parameter():
    item = one("TherEx (15 min): bridges, clams, LAQ.", code="97110", minutes=15)
    assert [a.name for a in item.activities] == ["bridges", "clams", "LAQ"]
    assert all(a.parameters == [] for a in item.activities)


def test_a_parameter_after_two_activities_goes_to_the_nearest_preceding_one():
    item = one("NMR: SLS on Airex 4 x 20 s, star-excursion reaches x 6 each direction")
    by_name = {a.name: {p.value for p in a.parameters} for a in item.activities}
    assert "4 x 20 s" in by_name["SLS"]
    assert any(v.startswith("x 6") for v in by_name["star-excursion reaches"])


def test_parameters_do_not_reach_across_lines():
    item = one("NMR:\n - tandem stance 3\n - 180° turns x 8 each direction")
    values = [p.value for a in item.activities for p in a.parameters]
    assert all("\n" not in v for v in values)


# --- guidance: (text, kinds expected) ---------------------------------------------------------
GUIDANCE_CASES = [
    ("NMR: SLS 3 x 10 s, VCs for hip strategy", {"verbal_cues"}),
    ("NMR: SLS 3 x 10 s, TCs at pelvis", {"tactile_cues"}),
    ("NMR: weight shifts with mirror feedback", {"visual_cues"}),
    ("NMR: weight shifts 3 x 10, manual facilitation at L hip", {"manual_facilitation"}),
    ("NMR: tandem 3 x 30 s, CGA", {"physical_assistance"}),
    ("NMR: reach 2 x 8, min A for weight acceptance", {"physical_assistance"}),
    ("NMR: foam stance 3 x 30 s, PT guarding", {"guarding"}),
    ("NMR: rocker board with PT-applied perturbations 3 x 45 s", {"perturbation"}),
    ("NMR: SLS 3 x 10 s in parallel bars, SBA/supervision only", {"standby_supervision"}),
    # the many ways cues and hands-on input are written
    ("NMR: SLS 3 x 10 s, verbal prompting to slow down", {"verbal_cues"}),
    ("NMR: SLS 3 x 10 s, PT verbally cued hip strategy", {"verbal_cues"}),
    ("NMR: SLS 3 x 10 s, cues x 3 for foot placement", {"verbal_cues"}),
    ("NMR: SLS 3 x 10 s, corrective feedback on knee alignment", {"verbal_cues"}),
    ("NMR: SLS 3 x 10 s, reminded pt to breathe", {"verbal_cues"}),
    ("NMR: weight shifts 2 x 10, tactile facilitation at pelvis", {"tactile_cues"}),
    ("NMR: weight shifts 2 x 10, tapping to glutes", {"tactile_cues"}),
    ("NMR: weight shifts 2 x 10, proprioceptive input at knee", {"tactile_cues"}),
    ("TA: grasp and release 10 x, HOH assist to release", {"manual_facilitation"}),
    ("TA: grasp and release 10 x, physical prompts to open hand", {"manual_facilitation"}),
    ("NMR: bridges 2 x 10, PT provided resistance at pelvis", {"manual_facilitation"}),
    ("TA: sequencing task 3 trials, gestural cues", {"visual_cues"}),
    ("TA: sequencing task 3 trials, modeled by therapist", {"visual_cues"}),
    ("Gait: amb 100 ft x 2, assist x1 for balance", {"physical_assistance"}),
]


@pytest.mark.parametrize(
    "text",
    [
        "NMR: SLS 3 x 10 s, pt self-prompted",  # the patient's own cue
        "NMR: SLS 3 x 10 s, no verbal prompts needed",  # negated
        "TherEx: rows with red resistance band 3 x 10",  # a band, not manual resistance
    ],
)
def test_self_cues_negated_cues_and_bands_are_not_clinician_input(text):
    kinds = {g.kind for g in one(text).guidance}
    assert not kinds & {"verbal_cues", "manual_facilitation", "tactile_cues"}


@pytest.mark.parametrize(("text", "kinds"), GUIDANCE_CASES)
def test_guidance_kinds_are_recognised(text, kinds):
    assert kinds <= {g.kind for g in one(text).guidance}


def test_assist_level_is_recorded():
    levels = {g.level for g in one("NMR: reach, min A first set, CGA by third").guidance}
    assert {"min A", "CGA"} <= levels


def test_a_patient_correcting_himself_is_not_a_therapist_cue():
    kinds = {
        g.kind for g in one("NMR: SLS 3 x 10 s, SBA, supervision only, pt self-corrected").guidance
    }
    assert "verbal_cues" not in kinds
    assert "standby_supervision" in kinds


# --- independence ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "quote"),
    [
        (
            "TherEx: Recumbent bike warm-up L3 x 8 min, independent; bridges 3 x 12",
            "Recumbent bike warm-up L3 x 8 min, independent",
        ),
        (
            "TherEx: recumbent bike 8 min, pt pedaled on his own, no cues needed; step-ups 2 x 10",
            "recumbent bike 8 min, pt pedaled on his own, no cues needed",
        ),
        (
            "TherEx:\n  - first 10 min: pt completed his printed HEP on his own, no instruction given",
            "pt completed his printed HEP on his own, no instruction given",
        ),
        (
            "TherEx: pt performed her HEP independently x 6 min (bridges 2 x 15)",
            "pt performed her HEP independently x 6 min",
        ),
    ],
)
def test_independent_work_inside_an_intervention_is_flagged_with_its_clause(text, quote):
    item = one(text, code="97110")
    assert item.independent
    assert item.independent_evidence.text == quote


@pytest.mark.parametrize(
    "text",
    [
        "Self-care: LB dressing 3 trials, min A -> SBA; goal to dress independently",  # a goal
        "Self-care: UB dressing 3 trials; now able to don shirt independently",  # an outcome
        "TA: meal prep 2 trials, CGA; STG modified independence",
        "NMR: SLS 3 x 10 s, SBA, pt self-corrected",  # stand-by is not independent
    ],
)
def test_goals_outcomes_and_standby_are_not_independent_activity(text):
    assert not one(text).independent


# --- group and concurrent ---------------------------------------------------------------------
def test_a_class_with_a_head_count_is_group():
    item = one("Balance class 10:00-10:30, 4 participants with 1 PT: tandem stance 3 x 30 s")
    assert item.group and not item.concurrent
    assert "4 participants with 1 PT" in item.group_evidence.text


def test_alternating_between_two_clients_is_concurrent():
    item = one(
        "TA (28 min): seated alongside another client; OT alternated between the two clients "
        "throughout (concurrent). Coins 3 trials.",
        code="97530",
    )
    assert item.concurrent


def test_one_on_one_is_not_group_even_in_a_group_visit():
    item = one("Individual NMR (97112), one-on-one in a private room: turns x 8 each way")
    assert not item.group and not item.concurrent


def test_muscle_groups_and_co_treatment_are_not_group_therapy():
    assert not one("TherEx: hip muscle group strengthening 3 x 10").group
    assert not one("NMR: co-treat with OT, SLS 3 x 10 s").group


# --- category edge cases (table: text, category of the first activity) ---------------------------
EDGE_CASES = [
    ("TherEx: supine TrA bracing with marching 3 x 10", "strengthening"),  # not standing marches
    ("NMR: marching in place on foam 3 x 20 s", "balance"),
    ("TherEx: thoracic ext over foam roll 2 x 10", "range_of_motion"),  # a foam roll is not foam
    ("TA: folding 8 towels at table", "other"),  # a count of objects is a dose
    ("TherEx: bridges with march 2 x 10", "strengthening"),  # a supine march is not balance
    ("TherEx: hooklying alternating marching 2 x 12", "strengthening"),
    ("TherEx: marching bridges 2 x 8", "strengthening"),
    ("NMR: standing marches on foam 3 x 20", "balance"),
    ("TherEx: composite fist around foam block 2 x 10", "range_of_motion"),  # hand therapy
    ("TherEx: tendon gliding 10 reps x 5 positions", "range_of_motion"),
    ("TherEx: squeeze foam ball 2 x 15", "other"),  # a foam object is not a foam surface
    ("NMR: walking across foam 4 x 20 ft", "balance"),  # unnamed, but on a compliant surface
    ("Traction: mechanical lumbar traction, intermittent 60/20 s, 75 lb", "modality"),
    ("Traction: cervical traction 12 lb x 10 min", "modality"),
    ("TherEx: wrist flex/ext AROM 2 x 15", "range_of_motion"),  # joint + movement + AROM
    ("TherEx: shoulder flexion AAROM with wand 2 x 10", "range_of_motion"),
    ("TherEx: ankle pumps 2 x 20", "range_of_motion"),
    ("Gait: step-over-step on stairs x 12 with 1 rail", "gait"),  # a stair pattern, no hurdle
    ("TherEx: prone knee hangs 3 min", "stretching"),
    ("NMR: smooth pursuits 2 x 10", "vestibular"),
    ("NMR: head-eye coordination 2 x 10", "vestibular"),
    ("TherEx: scapular squeezes 2 x 15", "strengthening"),
    ("TherEx: towel scrunches 2 x 1 min", "strengthening"),
    ("TA: kneeling to standing 3 reps", "transfers"),
]


def test_a_cue_target_is_not_swallowed_into_an_activity_name():
    item = one("Gait: amb 150 ft x 3, VCs for heel strike and knee extension at terminal stance")
    assert "knee extension" in [a.name for a in item.activities]


@pytest.mark.parametrize(("text", "category"), EDGE_CASES)
def test_category_edge_cases(text, category):
    item = one(text)
    assert item.activities[0].category == category
    assert any(a.parameters for a in item.activities)


def test_clock_time_leftovers_are_not_a_task_name():
    # 'from 2:10 to 2:35 pm' is billed time the segmenter may not have taken out
    item = one("Therapeutic exercise - from 2:10 to 2:35 pm, 25 minutes: towel folding 2 x 5")
    assert all(a.name[0].isalpha() for a in item.activities)
    assert not any(a.name.lower().endswith("pm") for a in item.activities)


def test_for_grasp_maintenance_is_not_an_activity():
    assert one("TA: TCs at L wrist for grasp maintenance").activities == []


@pytest.mark.parametrize(
    "text",
    [
        # a figure-8 wrap, bandage or taping is edema or joint care, not figure-8 walking
        "Self-care: compression wrap to R LE, VCs for figure-8 at ankle, 2 trials",
        "Self-care: taught figure-eight bandaging of the hand, 2 trials",
        "MT: edema mgmt, figure 8 wrap over the dorsum, 2 trials",
        "Self-care: applied figure-8 taping x 2 trials",
        # single-leg with a load, press, bridge or extension is strengthening, not stance
        "TherEx: leg press 80 lb 3x10, then single-leg L 35 lb 2x10",
        "TherEx: single-leg press 30 lb 3x10",
        "TherEx: single-leg bridges 3x10",
        "TherEx: single-leg knee ext 5# 3x10",
    ],
)
def test_wraps_and_single_leg_resistance_work_are_not_balance_work(text):
    item = one(text)
    assert "balance" not in {a.category for a in item.activities}


def test_figure_8_walking_is_still_balance_work():
    item = one("NMR: figure-8 walking around 2 cones x 4 laps, CGA")
    assert item.activities[0].category == "balance"


@pytest.mark.parametrize(
    "text", ["NMR: single-leg stance on foam 3 x 20 s", "NMR: single-leg 4 x 15 s, CGA"]
)
def test_single_leg_stance_is_still_balance_work(text):
    assert one(text).activities[0].category == "balance"


@pytest.mark.parametrize(
    "text",
    [
        "Self-care: sit-to-supine transfer x 3 on his own recliner, VCs for sequencing",
        "Self-care: pt practiced on her own walker at the curb, CGA, cues for step-to pattern",
        "TA: car transfer into their own car 2 trials, min A, VCs for hand placement",
    ],
)
def test_own_before_a_noun_is_possessive_not_unsupervised(text):
    assert not one(text).independent


def test_on_his_own_followed_by_a_preposition_is_still_unsupervised():
    item = one(
        "TherEx: bike 8 min on his own while PT set up the mat; bridges 3 x 12", code="97110"
    )
    assert item.independent
