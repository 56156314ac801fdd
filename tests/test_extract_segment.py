"""Segmentation into interventions: codes, minutes, clock spans, blocks and non-billable time,
across SOAP, narrative, bullets, flowsheet tables and terse notes."""

from __future__ import annotations

import pytest

from reviewer.extract.rules_based import RulesExtractor, extract_facts
from reviewer.intake import prepare


def interventions(text: str):
    return [(i.code, i.minutes) for i in extract_facts(prepare(text)).interventions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # SOAP with label lines and bullets
        (
            "O:\nNeuromuscular re-ed 09:00-09:20 (20 min) - gait belt, CGA\n - SLS on Airex 3 x 30 s\n"
            "TherEx 09:20-09:40 (20 min)\n - bridges 3 x 10\n",
            [("97112", 20), ("97110", 20)],
        ),
        # clock span first, label after
        (
            "0815-0824 (9 min) neuromuscular re-education: tandem stance 3 x 30 s\n"
            "0824-0831 (7 min) therapeutic exercise: bike 5 min\n",
            [("97112", 9), ("97110", 7)],
        ),
        # narrative
        (
            "From 1:30 pm to 1:55 pm (25 minutes) we worked on neuromuscular re-education for posture: "
            "stepping x 10.\n\nFrom 1:55 pm to 2:05 pm (10 minutes) gait training in the hallway: 2 x 150 ft.\n",
            [("97112", 25), ("97116", 10)],
        ),
        # terse abbreviations and durations only
        (
            "NMR x 24 min: SLS 4 x 15 s\nTherEx x 23 min: bike L3 x 6 min; leg press 3x12\n",
            [("97112", 24), ("97110", 23)],
        ),
        (
            "15:00-15:06 NMR (6'): PNF 3 x 20 s\n15:06-15:16 TE (10'): ER 3x12\n15:16-15:20 NMR (4'): JPS x5\n",
            [("97112", 6), ("97110", 10), ("97112", 4)],
        ),
        # labels with stated codes
        (
            "Self-care training (97535) 1:30-1:55 pm, 25 min:\n- UB dressing 3 trials\n"
            "NMR (97112) 1:55-2:10 pm, 15 min:\n- reaching 2 x 10\n",
            [("97535", 25), ("97112", 15)],
        ),
        # untimed labels: minutes unknown, never guessed
        (
            "O: NMR - SLS on foam 3x20s ea\nTE - bridges, clams, LAQ.\n",
            [("97112", None), ("97110", None)],
        ),
        # vague sentences still document what was done
        (
            "Pt seen for PT today. Worked on balance. Pt did exercises. Tolerated treatment well.\n",
            [("97112", None), ("97110", None)],
        ),
        # sibling bullets under a heading
        (
            "Treatment:\n- TherEx per flowsheet.\n- MT: STM to R upper trapezius.\n",
            [("97110", None), ("97140", None)],
        ),
        # modalities, untimed codes
        ("Moist heat 10:38-10:45 (7 min): hot pack to lumbar\n", [("97010", 7)]),
        ("Paraffin bath (97018) R hand, 09:05-09:20 (15 min): 7 dips\n", [("97018", 15)]),
    ],
)
def test_interventions_in_many_formats(text, expected):
    assert interventions(text) == expected


def test_a_flowsheet_table_gives_one_intervention_per_row():
    text = (
        "Time          | Code  | Intervention        | Parameters               | Min\n"
        "14:10 - 14:34 | 97112 | Balance R ankle     | BAPS lvl 3; SLS on foam  | 24\n"
        "14:34 - 14:57 | 97110 | Strengthening       | blue band 3 x 15         | 23\n"
    )
    items = extract_facts(prepare(text)).interventions
    assert [(i.code, i.code_source, i.minutes, i.clock_span.start) for i in items] == [
        ("97112", "stated", 24, "14:10"),
        ("97110", "stated", 23, "14:34"),
    ]
    assert "BAPS" in items[0].evidence.text  # the whole row is the block


def test_a_flowsheet_row_without_details_joins_its_detail_paragraph():
    text = (
        "Intervention   | Clock       | Min\n"
        "Neuro re-ed    | 14:10-14:19 | 9\n"
        "TherEx         | 14:19-14:26 | 7\n\n"
        "Neuro re-ed: SLS on Airex 4 x 20 s; CGA, TCs at knee.\n"
        "TherEx: ankle 4-way band 1 x 15.\n"
    )
    items = extract_facts(prepare(text)).interventions
    assert [(i.code, i.minutes) for i in items] == [("97112", 9), ("97110", 7)]
    assert items[0].evidence.text.startswith("Neuro re-ed: SLS on Airex")
    assert items[0].minutes_evidence.text == "9"


def test_the_block_runs_from_the_label_line_through_its_bullets():
    text = (
        "O:\nNMR 10:05-10:30\n- weight shifts 3 x 10\n- step taps 2 x 10, CGA\n"
        "Gait training 10:30-10:43\n- amb 2 x 100 ft\n\nA: better weight acceptance.\n"
    )
    first, second = extract_facts(prepare(text)).interventions
    assert first.evidence.text == "NMR 10:05-10:30\n- weight shifts 3 x 10\n- step taps 2 x 10, CGA"
    assert second.evidence.text == "Gait training 10:30-10:43\n- amb 2 x 100 ft"


def test_a_detail_bullet_that_mentions_gait_does_not_split_the_block():
    text = "NMR 10:00-10:38 (38 min): gait belt, CGA\n  - Gait with head turns 4 x 50 ft\n  - tandem walk 3 x 15 ft\n"
    assert interventions(text) == [("97112", 38)]


def test_a_group_class_session_takes_the_billed_code_it_was_billed_under():
    text = (
        "Session 11:00-11:30 - Tuesday balance class in the gym, pt with 3 other pts.\n\n"
        "Stations, each pt rotating:\n- tandem walk 4 x 15 ft\n\nCharge: 97112 x2\n"
    )
    (item,) = extract_facts(prepare(text)).interventions
    assert (item.code, item.minutes) == ("97112", 30)
    assert "tandem walk" in item.evidence.text


def test_unattended_e_stim_maps_by_payer_and_billing():
    medicare = "Payer: Medicare\nUnattended e-stim 09:35-09:50, 15 min\n"
    commercial = "Payer: Aetna PPO\nUnattended e-stim 09:35-09:50, 15 min\n"
    assert interventions(medicare) == [("G0283", 15)]
    assert interventions(commercial) == [("97014", 15)]


def test_stated_minutes_and_clock_span_that_disagree_are_both_kept():
    (item,) = extract_facts(
        prepare("Neuromuscular re-ed, 10:02-10:29 = 30 min\n- ball sitting\n")
    ).interventions
    assert (item.minutes, item.stated_minutes, item.clock_span.minutes) == (30, 30, 27)


def test_lines_after_the_billing_are_not_interventions():
    text = (
        "Neuro re-ed 10:00-10:18 (18 min): SLS\nUltrasound 10:18-10:26 (8 min): 1 MHz\n"
        "Billed: 97112 GP 1u\nUltrasound documented but not billed: 26 timed min = 2 units.\n"
    )
    assert interventions(text) == [("97112", 18), ("97035", 8)]


def test_a_billing_line_with_units_glued_to_the_codes_ends_the_interventions():
    text = (
        "Neuro re-ed 10:00-10:18 (18 min): SLS\nUltrasound 10:18-10:26 (8 min): 1 MHz\n"
        "Billed: 97112x1 GP\nUltrasound documented but not billed: 26 timed min = 2 units.\n"
    )
    facts = extract_facts(prepare(text))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97112", 18), ("97035", 8)]
    assert facts.interventions[-1].evidence.text == "Ultrasound 10:18-10:26 (8 min): 1 MHz"


def test_assessment_and_plan_lines_are_not_interventions():
    text = "S: did her HEP exercises daily\nNMR 10:00-10:25 (25 min): SLS\nA: balance better\nP: Consider gait training.\n"
    assert interventions(text) == [("97112", 25)]


@pytest.mark.parametrize(
    ("line", "kind", "minutes", "counted"),
    [
        (
            "TherEx 97110 x 28 min (includes ~5 min seated rest between sets): STS 3x8",
            "rest",
            5,
            True,
        ),
        (
            "Therapeutic activities (28 min) - kitchen task; includes 4 min seated rest break.",
            "break",
            4,
            True,
        ),
        (
            "10:00-10:30 TA x30 min: includes 6 min setting up the kitchen station.",
            "setup",
            6,
            True,
        ),
        (
            "NMR 10:00-10:33 (33 min): SLS. PTA stepped away ~4 min to help another pt with a transfer.",
            "other_patient",
            4,
            True,
        ),
        ("TherEx 10:00-10:20 (20 min): bridges; incl. 4 min setup", "setup", 4, True),
        ("TherEx 10:00-10:20 (20 min): bridges; 5 min rest excluded", "rest", 5, False),
        (
            "TA 10:00-10:20 (20 min): typing on wrist rest, then 4 min rest, counted",
            "rest",
            4,
            True,
        ),
    ],
)
def test_nonbillable_time_inside_an_intervention(line, kind, minutes, counted):
    (item,) = extract_facts(prepare(line + "\n")).interventions
    assert [(n.kind, n.minutes, n.counted) for n in item.nonbillable] == [(kind, minutes, counted)]


@pytest.mark.parametrize(
    "line",
    [
        "TherEx 10:00-10:20 (20 min): bridges 3 x 10 with 30 s rest between sets",  # normal exercise rest
        "Therapeutic activities 13:00-13:28 (28 min): alongside another client; OT alternated",  # concurrent, not T011
        "Self-care training 10:00-10:15 (15 min): LB dressing and toileting hygiene",  # a task, not a break
        # a support called a rest, not time at rest
        "TA 10:00-10:18 (18 min): typing task 10 min w/ foam wrist rest, VCs for posture",
        "TA 10:00-10:18 (18 min): w/c propulsion 10 min; adjusted foot-rest height",
    ],
)
def test_ordinary_treatment_words_are_not_nonbillable_time(line):
    (item,) = extract_facts(prepare(line + "\n")).interventions
    assert item.nonbillable == []


def test_the_extractor_interface():
    extraction = RulesExtractor().extract(
        prepare("NMR 10:00-10:25 (25 min)\nBilling: 97112 GP x2\n")
    )
    assert extraction.extractor == "rules" and RulesExtractor.name == "rules"
    assert extraction.facts.billed[0].code == "97112"


def test_every_evidence_span_quotes_the_original_note():
    raw = "O:\r\nNMR 10:00\u201310:25 (25\u00a0min): SLS\r\nBilling: 97112 GP \u00d72\r\n\r\nAna Reyes, PT\r\n"
    f = extract_facts(prepare(raw))
    spans = [
        f.interventions[0].evidence,
        f.interventions[0].minutes_evidence,
        f.interventions[0].clock_span.evidence,
        f.billed[0].evidence,
        f.signature.evidence,
    ]
    for span in spans:
        assert raw[span.start : span.end] == span.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # time written right after the label's colon
        (
            "Neuromuscular Re-education (97112): 25 minutes - SLS on foam 3 x 30 s\n",
            [("97112", 25)],
        ),
        ("NMR: 10:00-10:25 - tandem walk 4 x 15 ft\n", [("97112", 25)]),
        # the duration before the label
        (
            "Patient participated in 10 minutes of gait training with RW 2 x 100 ft.\n",
            [("97116", 10)],
        ),
        ("Spent 15 min on therapeutic exercise: bridges 3x10\n", [("97110", 15)]),
        ("15 min TherEx: bridges 3 x 10\n", [("97110", 15)]),
        # a detail's own duration is not the intervention's
        ("TherEx - recumbent bike 6 min, bridges 3 x 10\n", [("97110", None)]),
    ],
)
def test_minutes_written_around_the_label(text, expected):
    assert interventions(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a bullet with its own code and time starts a new intervention, whatever its wording
        (
            "Tx:\n- Ther ex ~23 min: chin tucks 3 x 10\n- Manual x15 min: PA mobs gr III\n"
            "- Supine mech traction (97012) x15 min: 15 lb\n",
            [("97110", 23), ("97140", 15), ("97012", 15)],
        ),
        (
            "Tx:\n- Ther ex ~23 min: chin tucks 3 x 10\n- 97012 x 15 min: 15 lb, 60 s on/20 s off\n",
            [("97110", 23), ("97012", 15)],
        ),
        # markdown emphasis around the label, markdown headings
        (
            "## Treatment\n**NMR** (12 min): SLS 3 x 30 s\n**Gait** (10 min): 300 ft\n"
            "## Assessment\nStanding tolerance up to 10 min.\n",
            [("97112", 12), ("97116", 10)],
        ),
        # one narrative line, two interventions
        (
            "Pt performed TherEx for 20 min including bridges 3x10. Then gait training for 15 min, "
            "300 ft with RW.\n",
            [("97110", 20), ("97116", 15)],
        ),
        # decorated section headings end the treatment: a time in the response is not a service
        (
            "-- Interventions ----------\n0900 - 0926   Therapeutic activity   ( 26 min )\n"
            "     folding towels x 8\n-- Response ----------\nCardigan donned in 3 min 10 s "
            "(5 min at eval).\n",
            [("97530", 26)],
        ),
        (
            "== Treatment ==\nNMR 10:00-10:20 (20 min): SLS\n== Goals ==\nSTG 1: gait 10 min w/o rest\n",
            [("97112", 20)],
        ),
        (
            "[Treatment]\nTE 15 min: bridges 3x10\n[Plan]\nTherEx 10 min at home daily\n",
            [("97110", 15)],
        ),
    ],
)
def test_more_layouts(text, expected):
    assert interventions(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # detail bullets under one intervention stay inside it
        "NMR 10:00-10:25 (25 min):\n- SLS on foam 3 x 30 s\n- tandem walk 4 x 20 ft, 2 min rest\n",
        "TherEx 20 min:\n- bike 6 min\n- bridges 3 x 10\n",
        # a detail sentence with its own number does not start an intervention
        "TherEx 20 min: bridges 3x10. Balance reactions improved over 5 min.\n",
    ],
)
def test_details_with_numbers_stay_in_their_intervention(text):
    assert len(interventions(text)) == 1


@pytest.mark.parametrize(
    "plan",
    [
        "P: TherEx 10 min at home daily",
        "Plan: gait training 15 min next visit",
        "P: continue NMR 10 min, progress to foam",
        "Plan: HEP - TherEx 2x/day, 15 min",
    ],
)
def test_a_plan_line_about_home_or_next_visits_is_not_todays_intervention(plan):
    text = "O:\nNMR 10:00-10:25 (25 min): SLS 3 x 30 s\nA: improved\n" + plan + "\n"
    assert interventions(text) == [("97112", 25)]


def test_a_narrative_line_is_read_sentence_by_sentence():
    text = (
        "O: Pt seen 1:00-1:45 pm. Pt participated in 25 min of therapeutic activities incl. "
        "putty pinch 3 x 10. Then self-care training for 12 min: button hook x 5 trials. "
        "Paraffin to R hand x 8 min prior to tx.\n"
    )
    f = extract_facts(prepare(text))
    assert [(i.code, i.minutes) for i in f.interventions] == [
        ("97530", 25),
        ("97535", 12),
        ("97018", 8),
    ]
    # the visit's clock span in the first sentence is the visit's, not an intervention's
    assert [(s.start, s.end) for s in f.visit_spans] == [("13:00", "13:45")]


@pytest.mark.parametrize(
    "text",
    [
        # later sentences that only mention a label stay in the intervention
        "NMR 10:00-10:25 (25 min): SLS on foam 3 x 30 s. Pt did exercises at the end. Gait belt used.\n",
        "TherEx 20 min: bike 6 min. Then bridges 3 x 10. Balance reactions improved.\n",
    ],
)
def test_later_sentences_without_their_own_time_stay_in_the_intervention(text):
    assert len(interventions(text)) == 1


def test_a_flowsheet_that_also_carries_units_documents_its_interventions():
    text = (
        "| Code  | Intervention             | Time        | Min | Units |\n"
        "|-------|--------------------------|-------------|-----|-------|\n"
        "| 97112 | NMR: SLS foam 3x30s, CGA | 10:00-10:20 | 20  | 1     |\n"
        "| 97110 | TherEx: bridges 3x10     | 10:20-10:40 | 20  | 1     |\n"
    )
    f = extract_facts(prepare(text))
    assert [(i.code, i.minutes) for i in f.interventions] == [("97112", 20), ("97110", 20)]
    assert [(b.code, b.units) for b in f.billed] == [("97112", 1), ("97110", 1)]


def test_a_billing_table_with_minutes_is_not_a_record_of_the_interventions():
    # no clock times and no details: what was done must be documented elsewhere (T003)
    text = "Code | Description | Min | Units\n97112-GP | Neuromuscular re-ed | 24 | 2\n"
    assert interventions(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # label, then a dash, then the span and its stated duration
        (
            "Therapeutic exercise - from 2:10 to 2:35 pm, 30 minutes: tendon glides 10 reps\n"
            "Self-care training - from 2:35 to 2:55 pm, 20 minutes: jar key 3 trials\n",
            [("97110", 30), ("97535", 20)],
        ),
        # the same with "--" and a parenthesised duration
        (
            "NMR -- 10:00-10:25 (25 min): SLS on foam 3 x 30 s\n",
            [("97112", 25)],
        ),
        # no stated duration: the span's length
        ("Gait training - 10:00-10:12: 150 ft x 3 with RW\n", [("97116", 12)]),
    ],
)
def test_a_time_after_the_labels_dash_belongs_to_the_intervention(text, expected):
    assert interventions(text) == expected


def test_a_dash_followed_by_a_detail_number_is_not_the_interventions_time():
    # "- 3 x 10" is a dose, not a duration or a span
    assert interventions("TherEx - 3 x 10 bridges, 2 x 15 clams\n") == [("97110", None)]


@pytest.mark.parametrize(
    "visit",
    [
        "Client seen in the ADL suite from 9:00 am to 9:38 am. Husband present for the caregiver portion.",
        "Pt seen 9:00-9:38 am. Daughter present for the self-care portion.",
        # a label inside a visit sentence whose span holds the interventions' spans
        "Pt seen for therapeutic activities and self-care 9:00-9:38 am.",
    ],
)
def test_a_visit_statement_is_the_session_span_not_an_intervention(visit):
    note = (
        f"{visit}\n\n"
        "Therapeutic activities, 9:00 am to 9:31 am (31 minutes): kitchen retrieval with reacher\n\n"
        "Self-care training, 9:31 am to 9:38 am (7 minutes): sock aid 2 trials each foot\n"
    )
    facts = extract_facts(prepare(note))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97530", 31), ("97535", 7)]
    assert [(s.start, s.end) for s in facts.visit_spans] == [("09:00", "09:38")]


def test_a_label_with_its_time_in_the_same_sentence_still_starts_an_intervention():
    note = "Pt tolerated session well. Gait training 10:00-10:15 with RW 150 ft x 3.\n"
    assert interventions(note) == [("97116", 15)]


@pytest.mark.parametrize(
    ("line", "minutes", "counted"),
    [
        (
            "Self-care training 10:00-10:25 (25 min): tub transfer bench x3, CGA; the last 6 minutes"
            " of this block were spent completing this note at the computer while pt rested.",
            6,
            True,
        ),
        (
            "NMR 10:00-10:30 (30 min): SLS on foam 4 x 20 s. 5 min of this time was documentation.",
            5,
            True,
        ),
        (
            "TherEx 10:00-10:24 (24 min): bridges 3 x 10; last 4 min spent writing the daily note.",
            4,
            True,
        ),
        (
            "Gait training (23 min): 2 x 150 ft w/ rollator; includes 3 min of note writing in the EMR.",
            3,
            True,
        ),
        (
            "TA 10:00-10:28 (28 min): kitchen task; ~5 min updating the chart, not counted.",
            5,
            False,
        ),
        (
            "Manual therapy 15 min: STM R UT. Final 2 min: finishing today's note at bedside.",
            2,
            True,
        ),
        # the record named by what was done to it, not by the word "documentation"
        (
            "NMR 09:00-09:24 (24 min, incl. ~4 min keying flowsheet data at the nursing station): "
            "tandem stance 3 x 30 s",
            4,
            True,
        ),
        ("TherEx (20 min): bridges 3 x 10; updating his flowsheet x 2 min", 2, True),
        (
            "Gait training (18 min): 3 x 100 ft w/ RW; final 3 min logging distances in the EHR",
            3,
            True,
        ),
        ("TA 10:00-10:25 (25 min): box lifts 3 x 8; 2 min inputting results into the EMR", 2, True),
        ("TherEx (22 min): leg press 3 x 12; flowsheet entry ~3 min", 3, True),
        ("TherEx (22 min): leg press 3 x 12; PT updating the flowsheet 3 min", 3, True),
        ("MT (15 min): STM L UT; includes 2 min at the computer entering today's data", 2, True),
        (
            "TherEx (25 min): step-ups 3 x 10; last 3 min recording reps in the medical record, "
            "not billed",
            3,
            False,
        ),
    ],
)
def test_time_spent_writing_the_note_inside_an_intervention(line, minutes, counted):
    (item,) = extract_facts(prepare(line + "\n")).interventions
    found = [(n.kind, n.minutes, n.counted) for n in item.nonbillable]
    assert found == [("documentation", minutes, counted)]


@pytest.mark.parametrize(
    "line",
    [
        # the patient writing, as the task itself (cognitive/ADL training)
        "Therapeutic activities 10:00-10:20 (20 min): pt wrote a note in her memory book x3, 5 min each",
        "Self-care training 10:00-10:15 (15 min): pt writing notes for his pill schedule x 5 min",
        # a note mentioned without any time spent on it
        "TherEx 10:00-10:20 (20 min): bridges 3 x 10; see previous note for the 5 min HEP",
        # the patient keeping a record or typing, as the task itself
        "Therapeutic activities (20 min): pt entered his step counts into the EMR portal, 4 min",
        "Self-care training (15 min): client typed a grocery list at the computer x 5 min",
        "TherEx (20 min): pt logged his walks on the flowsheet 3 min, then bridges 3 x 10",
        # the flowsheet as the place the parameters are, with no time spent on it
        "TherEx 10:00-10:20 (20 min): see flowsheet for 3 x 10 bridges",
        "TherEx 10:00-10:20 (20 min): completed exercises per flowsheet x 20 min",
        "TherEx 10:00-10:20 (20 min): updated HEP handout per flowsheet, 5 min of instruction",
    ],
)
def test_notes_that_are_not_time_spent_documenting(line):
    (item,) = extract_facts(prepare(line + "\n")).interventions
    assert item.nonbillable == []


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        (
            "Intervention: Therapeutic activities (97530)\nTime: 9:00-9:30 (30 min)\n"
            "Detail: floor-to-shelf transfers of laundry basket x 6\n\n"
            "Intervention: Self-care training (97535)\nTime: 9:30-9:42\nDetail: LB dressing w/ reacher\n",
            [("97530", 30), ("97535", 12)],
        ),
        (
            "Activity: Gait training\nStart: 10:05  End: 10:20\nNotes: 2 x 200 ft w/ RW, CGA\n"
            "Activity: Manual therapy (97140)\nDuration: 12 min\nNotes: grade III PA glides L4-5\n",
            [("97116", 15), ("97140", 12)],
        ),
        (
            "Procedure: NMR\nTime in 2:10 pm / time out 2:35 pm\n- tandem walk 4 x 20 ft, VC\n"
            "Procedure: TherEx\nMinutes: 10\n- bridges 3 x 12\n",
            [("97112", 25), ("97110", 10)],
        ),
    ],
)
def test_labelled_field_layout_reads_the_time_field_under_the_label(note, expected):
    assert interventions(note) == expected


@pytest.mark.parametrize(
    "note",
    [
        # a sentence, not a heading naming one intervention: the time below is the visit's
        "TherEx per flowsheet. Pt tolerated well.\nTime: 1:00-1:30 pm\n",
        # two interventions on the label line: the time is the session's
        "Treatment: TherEx, NMR\nTime: 9:00-9:45\n",
        # a labelled detail after the label
        "Gait training: 3 x 150 ft with SPC\nTime in 8:30 am  Time out 9:10 am\n",
    ],
)
def test_a_time_field_under_a_sentence_or_a_list_is_not_the_interventions_time(note):
    assert all(minutes is None for _, minutes in interventions(note))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Time: 14:00-14:25 (25 min)", ("14:00", "14:25", 25)),
        ("Duration: 25 min", (None, None, 25)),
        ("Minutes: 18", (None, None, 18)),
        ("Start: 14:00  End: 14:25", ("14:00", "14:25", None)),
        ("Time: pt arrived late", None),
        ("Minutes: see flowsheet", None),
    ],
)
def test_time_field_values(line, expected):
    from reviewer.extract.rules_based.segment import _field_time

    found = _field_time(line, 0, len(line))
    if expected is None:
        assert found is None
        return
    span, duration = found
    got = (
        span.start_hhmm if span else None,
        span.end_hhmm if span else None,
        duration.minutes if duration else None,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "| Start | End | Code | Intervention | Detail |\n|---|---|---|---|---|\n"
            "| 08:00 | 08:25 | 97112 | Neuro re-ed | SLS on foam 3 x 30 s, CGA |\n"
            "| 08:25 | 08:37 | 97110 | TherEx | leg press 3 x 12 |\n",
            [("97112", 25), ("97110", 12)],
        ),
        (
            "Time in | Time out | Activity | Notes\n1:10 pm | 1:35 pm | Gait training | 3 x 150 ft RW\n"
            "1:35 pm | 1:45 pm | Manual therapy | STM R calf\n",
            [("97116", 25), ("97140", 10)],
        ),
        (
            "| From | To | Treatment | Parameters |\n| 0930 | 0952 | Therapeutic activities | "
            "sit-stand x 10 |\n",
            [("97530", 22)],
        ),
        (
            "| Time | Intervention | Detail |\n| 09:00-09:40 | Therapeutic exercise | bike 8 min |\n",
            [("97110", 40)],
        ),
        (
            "| Intervention | Min | Detail |\n| Self-care training | 18 | LB dressing |\n",
            [("97535", 18)],
        ),
    ],
)
def test_flowsheet_tables_with_start_and_end_columns(table, expected):
    assert interventions(table) == expected


def test_a_start_column_without_an_end_column_is_not_a_span():
    table = "| Start | Intervention | Min |\n| 09:00 | TherEx | 20 |\n"
    assert interventions(table) == [("97110", 20)]


@pytest.mark.parametrize(
    "stations",
    [
        # group-labelled clock-span stations with activities the vocabulary does not know
        "09:00-09:20 Seated ball passing (as a group): 2 x 20 passes, VC for trunk rotation.\n"
        "09:20-09:35 Step-ups at the counter (group exercise), 2 x 10 ea, CGA.\n",
        "9:00-9:20 am Chair circuit as a class: marching, heel raises 2 x 10, VCs\n"
        "9:20-9:35 am Hallway relay (class), SBA, VC for pacing\n",
    ],
)
def test_several_group_blocks_share_the_one_billed_timed_code(stations):
    note = (
        "OT Daily Note\nPayer: Medicare Part B\n"
        "Balance group today: 3 clients, 1 OT, all working at once.\n\n"
        f"{stations}\nTotal timed: 35 min\nBilling: 97530 GO x2\n"
    )
    timed = [(c, m) for c, m in interventions(note) if m is not None]
    assert timed == [("97530", 20), ("97530", 15)]


def test_a_group_block_does_not_take_a_code_another_intervention_documents():
    note = (
        "09:00-09:20 Seated ball passing (as a group): 2 x 20 passes\n"
        "09:20-09:35 Therapeutic activities: floor transfers x 4, CGA\n"
        "Billing: 97530 GO x2\n"
    )
    assert interventions(note) == [("97150", 20), ("97530", 15)]


_NARRATIVE_NMR = (
    "Pt arrived on time. From 9:00 to 9:25 (25 min) neuromuscular re-education was provided: "
    "tandem walk 4 x 20 ft with VC for foot placement. "
)


@pytest.mark.parametrize(
    "sentence",
    [
        "From 9:25 to 9:40 (15 min) pt did his exercises per flowsheet.",
        "9:25-9:40 patient performed her exercises, see flowsheet.",
        "From 9:25 am to 9:40 am the patient completed exercises per flowsheet.",
    ],
)
def test_a_narrative_sentence_opening_with_its_own_span_names_exercises(sentence):
    note = _NARRATIVE_NMR + sentence + " Pt completed tandem walk on 3 of 4 trials.\n"
    facts = extract_facts(prepare(note))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97112", 25), ("97110", 15)]
    # the statement about the patient that follows is not part of the exercise block
    assert "tandem" not in facts.interventions[1].evidence.text


def test_a_weak_narrative_block_keeps_the_sentences_that_describe_it():
    note = _NARRATIVE_NMR + (
        "From 9:25 to 9:40 (15 min) pt did exercises. Bridges 3 x 10, clams 2 x 15. "
        "Pt tolerated well.\n"
    )
    ex = extract_facts(prepare(note)).interventions[1]
    assert (ex.code, ex.minutes) == ("97110", 15)
    assert "clams 2 x 15." in ex.evidence.text and "tolerated" not in ex.evidence.text


@pytest.mark.parametrize(
    "sentence",
    [
        "From 9:25 to 9:40 (15 min) pt reviewed his home exercises with wife.",
        "From 9:25 to 9:40 (15 min) pt was issued HEP exercises.",
        "From 9:25 to 9:40 (15 min) pt will continue exercises at home daily.",
    ],
)
def test_home_exercise_sentences_are_not_an_exercise_block(sentence):
    note = _NARRATIVE_NMR + sentence + "\n"
    assert [c for c, _ in interventions(note)] == ["97112"]


_SELF_CARE = "Then self-care training, 10 min: LB dressing with reacher x 2 trials, min A.\n"


@pytest.mark.parametrize(
    "unnamed",
    [
        "Tasks for this client during that part of the session, 20 min: coin manipulation x 3 "
        "trials; pegboard copying x 2.\n",
        "Work at the kitchen counter (20 min): retrieving 6 items from upper shelf, CGA.\n",
        "Pt seen with one other pt at the mat table. Her tasks in that block, 20 minutes: sit to "
        "stand x 10, reaching 2 x 8.\n",
    ],
)
def test_a_block_with_minutes_and_no_name_takes_the_one_billed_code_left(unnamed):
    note = f"{unnamed}\n{_SELF_CARE}\nBilling: 97530 GO x1; 97535 GO x1\n"
    assert interventions(note) == [("97530", 20), ("97535", 10)]


@pytest.mark.parametrize(
    ("body", "billing"),
    [
        # two billed codes left: which one the block is cannot be told
        ("Tasks this block, 20 min: coin manipulation x 3.\n", "97530 x1; 97110 x1; 97535 x1"),
        # nothing left to account for
        ("Tasks this block, 20 min: coin manipulation x 3.\n", "97535 x1"),
        # two unnamed blocks
        (
            "Tasks this block, 20 min: coin manipulation x 3.\n\n"
            "Tasks after that, 8 min: pegboard x 2.\n",
            "97530 x2; 97535 x1",
        ),
        # time the note calls rest, a total, part of another block, or home
        ("Seated rest break, 5 min: vitals taken.\n", "97530 x1; 97535 x1"),
        ("Total session, 30 min: see above.\n", "97530 x1; 97535 x1"),
        ("First 10 min: pt warmed up on his own.\n", "97530 x1; 97535 x1"),
        ("Review of handout, 10 min: HEP updated.\n", "97530 x1; 97535 x1"),
    ],
)
def test_an_unnamed_timed_block_is_dropped_unless_it_is_safe(body, billing):
    note = f"{body}\n{_SELF_CARE}\nBilling: {billing}\n"
    assert interventions(note) == [("97535", 10)]


def test_named_bullets_under_an_unnamed_block_start_their_own_interventions():
    note = (
        "Station work, 20 min: rotating every 5 min\n- TherEx: bridges 3 x 10\n"
        "- NMR: SLS 3 x 20 s, CGA\nBilling: 97110 x1, 97112 x1\n"
    )
    assert interventions(note) == [("97110", None), ("97112", None)]


def test_a_code_field_names_its_interventions_code_and_the_fields_below_still_count():
    note = (
        "Intervention: Balance training\nCPT: 97112\nTime: 10:00-10:25 (25 min)\n"
        "Detail: SLS on foam 3 x 30 s, CGA\n\n"
        "Intervention: Therapeutic exercise\nCPT: 97110\nTime: 10:25-10:40 (15 min)\n"
        "Detail: bridges 3 x 10\n\nBilling: 97112 GP x2, 97110 GP x1\n"
    )
    assert interventions(note) == [("97112", 25), ("97110", 15)]


@pytest.mark.parametrize(
    "head",
    [
        "Intervention: Self-care / home management training (97535)",  # two names of one code
        "Intervention: Manual therapy / soft tissue mobilization",
    ],
)
def test_a_labelled_time_field_under_two_names_of_one_intervention(head):
    text = f"{head}\nTime: 13:10-13:22 (12 min)\nDetail: 3 trials, VCs\n"
    assert [m for _, m in interventions(text)] == [12]


def test_a_labelled_time_field_under_two_interventions_is_the_sessions():
    text = "Treatment: TherEx, NMR\nTime: 13:10-13:40 (30 min)\n"
    facts = extract_facts(prepare(text))
    assert all(i.minutes is None for i in facts.interventions)
    assert [(v.start, v.end) for v in facts.visit_spans] == [("13:10", "13:40")]


@pytest.mark.parametrize(
    "head",
    [
        "TREATMENT 14:20-14:35 (15 min) - gait training",  # a heading word, the span, the name
        "Treatment 14:20-14:35 - gait training",
        "Tx 14:20-14:35 (15 min): gait training",
        "Intervention 14:20-14:35 - gait training",
        "14:20-14:35 gait training (15 min)",  # the span opening the line
    ],
)
def test_a_heading_with_the_clock_span_before_the_interventions_name(head):
    text = (
        "Date: 02/03/2026\nEVALUATION 14:00-14:20 (97162)\nPlan: 2x/wk x 6 wk.\n\n"
        f"{head}\n- 3 x 150 ft with SPC, CGA, VCs for step length\n- curb up/down x 4\n"
        "Response: steadier on the curb.\n\nBilling: 97162 GP x1 | 97116 GP x1\n"
    )
    facts = extract_facts(prepare(text))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97162", 20), ("97116", 15)]
    assert "curb up/down x 4" in facts.interventions[1].evidence.text


@pytest.mark.parametrize(
    "line",
    [
        "Treatment 14:20-14:35 tolerated well.",  # no intervention named
        "Treatment 14:20-14:35",
        "Session 14:00-14:35 gait training 3 x 150 ft",  # the session's span (a header line)
    ],
)
def test_a_heading_with_a_span_and_no_intervention_name_is_no_intervention(line):
    assert interventions("Date: 02/03/2026\n" + line + "\n") == []


# --- two sessions on one day ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("AM SESSION 0900-0925", "PM SESSION 1330-1348"),
        ("Morning session: 9:00-9:25 am", "Afternoon session: 1:30-1:48 pm"),
        ("First visit 09:00-09:25", "Second visit 13:30-13:48"),
        ("## AM session (09:00-09:25)", "## PM session (13:30-13:48)"),
        ("1st session - 0900-0925", "2nd session - 1330-1348"),
    ],
)
def test_a_second_session_heading_ends_the_first_sessions_interventions(first, second):
    text = (
        "DOS 04/06/2026 - Medicare\n\n"
        f"{first}\n"
        "- 0900-0915 NMR, 15 min: tandem walk 4 x 20 ft, CGA\n"
        "- 0915-0925 TherEx, 10 min: mini squats 2 x 12\n"
        f"{second}\n"
        "- 1330-1340 Gait training, 10 min: 2 x 120 ft w/ SPC, gait belt\n"
        "- 1340-1348 TherEx, 8 min: heel raises 2 x 15\n\n"
        "Total timed minutes 43. Billing: 97112 GP x1, 97110 GP x1, 97116 GP x1\n"
    )
    facts = extract_facts(prepare(text))
    assert [(i.code, i.minutes) for i in facts.interventions] == [
        ("97112", 15),
        ("97110", 10),
        ("97116", 10),
        ("97110", 8),
    ]
    assert [(v.start, v.end) for v in facts.visit_spans] == [("09:00", "09:25"), ("13:30", "13:48")]
    assert second.split()[-1].strip("()") not in facts.interventions[1].evidence.text


@pytest.mark.parametrize(
    "line",
    [
        "First visit after the holiday, pt reports less pain",  # a sentence, not a heading
        "second session of the week went well",
    ],
)
def test_a_sentence_naming_a_visit_is_no_session_heading(line):
    text = f"TherEx 10:00-10:20 (20 min)\n - bridges 3 x 10\n - {line}\n"
    (item,) = extract_facts(prepare(text)).interventions
    assert line in item.evidence.text


# --- several clock-span clauses in one narrative paragraph --------------------------------------
@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "From 2:00 to 2:20 pm we worked on neuromuscular re-education with tandem walking "
            "4 x 20 ft and CGA; then from 2:20 to 2:32 pm therapeutic exercise, bridges 3 x 12 and "
            "clams 2 x 15, fatigue by the last set.",
            [("97112", 20, "14:00"), ("97110", 12, "14:20")],
        ),
        (
            "Pt seen for PT. 14:00-14:20 gait training with a rollator 3 x 150 ft, CGA, VCs for "
            "step length, 14:20-14:31 manual therapy, STM to the L calf 6 min and ankle mobs gr III.",
            [("97116", 20, "14:00"), ("97140", 11, "14:20")],
        ),
        (
            "Between 9:05 and 9:30 am we did therapeutic activities (floor to waist lifts 3 x 8, "
            "carry 2 x 50 ft) and then between 9:30 and 9:41 am self-care training for LB dressing "
            "with a reacher, min A.",
            [("97530", 25, "09:05"), ("97535", 11, "09:30")],
        ),
        (
            "From 10:00 to 10:25 neuro re-ed on foam with perturbations and TCs at the pelvis; next, "
            "10:25-10:35 ther ex on the leg press 3 x 10, and finally 10:35-10:45 gait training "
            "on the stairs x 2 flights with the rail.",
            [("97112", 25, "10:00"), ("97110", 10, "10:25"), ("97116", 10, "10:35")],
        ),
        (
            "From 3:00 to 3:22 pm NMR for standing balance with SLS 4 x 15 s; then manual therapy "
            "3:22-3:34 pm, prone lumbar PAs gr II.",
            [("97112", 22, "15:00"), ("97140", 12, "15:22")],
        ),
        (
            "NMR 3:00-3:22 pm for standing balance with SLS 4 x 15 s; next, manual therapy "
            "3:22-3:34 pm, prone lumbar PAs gr II.",
            [("97112", 22, "15:00"), ("97140", 12, "15:22")],
        ),
    ],
)
def test_each_clock_span_clause_of_a_paragraph_is_its_own_intervention(paragraph, expected):
    facts = extract_facts(prepare(paragraph + "\n"))
    got = [
        (i.code, i.minutes, i.clock_span.start if i.clock_span else None)
        for i in facts.interventions
    ]
    assert got == expected
    first, second = facts.interventions[0], facts.interventions[1]
    assert first.evidence.end <= second.evidence.start


@pytest.mark.parametrize(
    "paragraph",
    [
        # one intervention whose clause mentions other times
        "From 10:00 to 10:25 NMR on foam, rest 10:12-10:14 not counted, SLS 3 x 20 s.",
        # a span after a clause boundary that names no intervention
        "NMR 10:00-10:25 on foam with CGA; 10:25-10:30 seated rest; pt left at 10:30.",
    ],
)
def test_a_clause_with_a_span_and_no_intervention_stays_in_the_paragraphs_block(paragraph):
    facts = extract_facts(prepare(paragraph + "\n"))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97112", 25)]


# --- "GT" and SOAP letters closed by a parenthesis -----------------------------------------------
def test_gt_opening_a_timed_line_is_gait_training_and_soap_letters_with_a_parenthesis():
    text = (
        "S) Reports walking 10 min before leg fatigue.\n"
        "O)\n"
        "2:00-2:18 TE (18'): bridges 2 x 12; SLR 2 x 10\n"
        "2:18-2:40 GT (22'): 3 x 200 ft w/ SPC, CGA; VCs for step length\n"
        "A) Walked 6 min at a time (4 min last visit). Progressing toward STG 1.\n"
        "P) add stairs next visit.\n"
    )
    facts = extract_facts(prepare(text))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97110", 18), ("97116", 22)]
    assert "A)" not in facts.interventions[1].evidence.text


@pytest.mark.parametrize(
    "text",
    [
        "Manual therapy 10:00-10:15 (15 min): STM to R hip, TTP over R GT 2/10\n",  # trochanter
        "A) bridges 3 x 10\nB) clams 2 x 15\n",  # a lettered list, not SOAP
    ],
)
def test_gt_inside_a_line_or_a_lone_lettered_item_is_no_label_or_heading(text):
    facts = extract_facts(prepare(text))
    assert all(i.code != "97116" for i in facts.interventions)


# --- a duration written in its own cell of a pipe-separated line ---------------------------------
@pytest.mark.parametrize(
    ("line", "stated", "span"),
    [
        ("Neuromuscular re-ed | 10:05-10:25 | 17 min", 17, 20),
        ("Gait training | 10:05-10:25 | 20 min | SPC, CGA", 20, 20),
        ("97110 | Ther ex | 12 min | bridges 3 x 10", 12, None),
    ],
)
def test_a_duration_in_the_cell_after_the_span_is_the_stated_minutes(line, stated, span):
    (item,) = extract_facts(prepare(line + "\n")).interventions
    assert item.stated_minutes == stated
    assert (item.clock_span.minutes if item.clock_span else None) == span


@pytest.mark.parametrize(
    ("body", "billing", "fires", "quiet"),
    [
        (  # two sessions, each with its own span: the day's spans hold every minute
            "AM session 0800-0820\n- 0800-0812 TherEx, 12 min: heel slides 2 x 15, VCs\n"
            "- 0812-0820 Gait training, 8 min: 150 ft w/ RW, gait belt, CGA\n"
            "PM session 1300-1318\n- 1300-1310 Gait training, 10 min: 200 ft w/ RW, CGA\n"
            "- 1310-1318 TherEx, 8 min: bridges 2 x 10\n\nTotal timed minutes 38\n",
            "97110 GP x1, 97116 GP x2",
            set(),
            {"T007", "T003"},
        ),
        (  # a run-on paragraph with two timed clauses
            "From 2:00 to 2:24 pm gait training with SPC 3 x 150 ft, gait belt and CGA, VCs for "
            "sequencing; then from 2:24 to 2:40 pm therapeutic exercise, bridges 3 x 12.\n\n"
            "Total timed minutes 40\n",
            "97116 GP x2, 97110 GP x1",
            set(),
            {"T007", "T003", "T001"},
        ),
        (  # minutes spent on the flowsheet inside a timed code
            "TherEx 09:00-09:25 (25 min, includes ~4 min updating the flowsheet): bridges 3 x 12, "
            "VCs\n\nTotal timed minutes 25\n",
            "97110 GP x2",
            {"T011"},
            set(),
        ),
    ],
)
def test_the_families_read_end_to_end(body, billing, fires, quiet):
    from reviewer.review import review_text

    note = f"PT Daily Note\nDOS 05/04/2026  Payer: Medicare\n\n{body}Billing: {billing}\n"
    rules = {f.rule for f in review_text(note.encode()).findings}
    assert fires <= rules
    assert not (quiet & rules)


def test_numbered_intervention_fields_with_indented_code_time_and_detail_fields():
    note = (
        "Subjective: no new complaints.\n"
        "Intervention 1: Balance training\n  CPT: 97112\n  Time: 10:00-10:20 (20 min)\n"
        "  Activity: SLS on foam 3 x 30 s with CGA and VCs for trunk\n"
        "Activity #2 - Therapeutic exercise\n  Time: 10:20-10:35 (15 min)\n"
        "Response: steadier on foam.\nBilling: 97112 GP x1, 97110 GP x1\n"
    )
    facts = extract_facts(prepare(note))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97112", 20), ("97110", 15)]
    assert "SLS on foam" in facts.interventions[0].evidence.text


def test_an_export_with_each_value_indented_under_its_label():
    note = (
        "Subjective\n    no new complaints\n"
        "Intervention 1\n    Gait training (97116)\n    10:00-10:22 (22 min)\n"
        "    - 3 x 150 ft with SPC, CGA\n"
        "Intervention 2\n    Manual therapy\n    10:22-10:34\n    - grade III PA glides\n"
        "Response\n    less antalgic\n"
    )
    facts = extract_facts(prepare(note))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97116", 22), ("97140", 12)]
    assert "PA glides" in facts.interventions[1].evidence.text
    assert "less antalgic" not in facts.interventions[1].evidence.text


@pytest.mark.parametrize("head", ["Tx 9:00-9:20: NMR", "Treatment 10:46-10:58 - NMR"])
def test_a_heading_word_before_a_clock_time_is_not_a_numbered_field(head):
    assert interventions(f"{head}\n- SLS 3 x 30 s\n") == [("97112", 20 if "9:" in head else 12)]


def test_a_bare_clock_line_under_a_sentence_is_not_its_time():
    note = "TherEx per flowsheet. Pt tolerated well.\n    1:00-1:30 pm\n"
    assert all(m is None for _, m in interventions(note))


@pytest.mark.parametrize(
    "closing",
    [
        "Spent 20 min on TherEx and 15 on gait training.",
        "20 minutes of TherEx, 15 of gait training; total timed 35 min.",
    ],
)
def test_minutes_given_in_a_closing_sentence_go_to_the_interventions_it_names(closing):
    note = (
        "TherEx: bridges 3 x 10; clams 2 x 15\nGait training: 3 x 150 ft with SPC, CGA\n\n"
        f"Assessment: improving.\n{closing}\nBilling: 97110 GP x1, 97116 GP x1\n"
    )
    facts = extract_facts(prepare(note))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97110", 20), ("97116", 15)]
    assert facts.interventions[0].minutes_evidence.text == "20"


def test_a_plan_sentence_giving_minutes_is_not_todays():
    note = (
        "TherEx: bridges 3 x 10\nGait training: 3 x 150 ft with SPC\n"
        "Plan: 20 min of TherEx and 15 of gait training next visit.\n"
    )
    assert interventions(note) == [("97110", None), ("97116", None)]


@pytest.mark.parametrize("name", ["boxing circuit", "circuit class"])
def test_a_circuit_class_session_takes_the_billed_code(name):
    text = (
        f"Session 14:00-14:35. Pt took part in the Monday {name} with 3 other pts.\n"
        "Stations:\n  1. heavy bag 3 x 1 min\n  2. ladder drill 4 passes\n\n"
        "Billing: 97530 GP x2\n"
    )
    (item,) = extract_facts(prepare(text)).interventions
    assert (item.code, item.minutes) == ("97530", 35)


def test_a_minutes_field_under_the_time_field_is_the_stated_minutes():
    note = (
        "Intervention: Gait training (97116)\nTime: 10:00-10:20\nMinutes: 22\n"
        "Detail: 3 x 150 ft with SPC\n"
    )
    (item,) = extract_facts(prepare(note)).interventions
    assert (item.minutes, item.stated_minutes, item.clock_span.minutes) == (22, 22, 20)
    assert item.minutes_evidence.text == "22"


def test_a_sessions_own_total_does_not_end_the_next_sessions_interventions():
    note = (
        "--- AM SESSION 0800-0825 ---\nTherEx 0800-0815 (15 min): bridges 3 x 10\n"
        "Gait training 0815-0825 (10 min): 2 x 150 ft, CGA\nAM TCM 25 min.\n\n"
        "--- PM SESSION 1300-1322 ---\nTherEx 1300-1310 (10 min): clams 2 x 15\n"
        "NMR 1310-1322 (12 min): SLS 4 x 10 s, CGA\nPM TCM 22 min.\n\n"
        "Response: steadier.\nBilling: 97110 GP x2, 97116 GP x1, 97112 GP x1\n"
    )
    assert interventions(note) == [("97110", 15), ("97116", 10), ("97110", 10), ("97112", 12)]


def test_a_total_line_still_ends_the_interventions_without_a_session_after_it():
    note = (
        "TherEx 0800-0815 (15 min): bridges\nTotal timed: 15 min\nNMR was deferred to next week.\n"
    )
    assert interventions(note) == [("97110", 15)]


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        (
            "Payer: Medicare\nTime In: 08:00\nTime Out: 08:40\n"
            "Neuromuscular Re-education (97112) Start: 08:00\n"
            "Neuromuscular Re-education (97112) End: 08:22\n"
            "Neuromuscular Re-education Minutes: 22\n"
            "Neuromuscular Re-education Detail: tandem walk 4 x 20 ft, CGA\n"
            "Manual Therapy (97140) Start: 08:22\nManual Therapy (97140) End: 08:40\n"
            "Manual Therapy Detail: STM L upper trap\nResponse: steadier.\n",
            [("97112", 22, "tandem walk"), ("97140", 18, "STM L upper trap")],
        ),
        (
            "Therapeutic Activities Start Time: 1:00 pm\nTherapeutic Activities End Time: 1:25 pm\n"
            "Therapeutic Activities Notes: floor transfers x 3\n",
            [("97530", 25, "floor transfers")],
        ),
    ],
)
def test_a_keyed_flowsheet_repeating_the_name_before_each_field_is_one_intervention(note, expected):
    items = extract_facts(prepare(note)).interventions
    assert [(i.code, i.minutes) for i in items] == [e[:2] for e in expected]
    for item, (_, _, detail) in zip(items, expected, strict=True):
        assert detail in item.evidence.text


_SESSION_NOTE = (
    "OT Daily Note\nDate: 03/02/2026   Payer: Medicare\n\n"
    "Session 13:00-13:25 in the therapy kitchen.\nTasks:\n"
    " - wiping counter with L hand, 3 trials, VCs for L attention\n"
    " - carrying a tray 10 ft, CGA\n\nResponse: fewer cues.\n\n"
    "Total timed min: {total}\n{billing}\n\nMara Quist, OTR/L\n"
)


def test_a_session_span_over_its_task_list_is_the_one_billed_codes_time():
    note = _SESSION_NOTE.format(total=25, billing="97535 GO x2")
    ((code, minutes),) = interventions(note)
    assert (code, minutes) == ("97535", 25)


@pytest.mark.parametrize(
    ("total", "billing"),
    [
        ("", "97535 GO x2"),  # no timed total to confirm the span
        ("20", "97535 GO x1"),  # the total is not the span
        ("25", "97535 GO x1; 97530 GO x1"),  # which code the span is cannot be told
    ],
)
def test_a_session_span_is_not_an_intervention_without_that_confirmation(total, billing):
    assert interventions(_SESSION_NOTE.format(total=total, billing=billing)) == []
