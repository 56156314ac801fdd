"""Stated totals and visit spans (reviewer.extract.rules_based.totals)."""

from __future__ import annotations

import pytest

from reviewer.extract.rules_based import totals
from reviewer.intake import prepare


def read(text: str):
    note = prepare(text)
    spans = totals.visit_spans(note)
    timed = totals.total_timed(note)
    treat = totals.total_treatment(note, spans)
    return (
        timed.minutes if timed else None,
        treat.minutes if treat else None,
        [(s.start, s.end) for s in spans],
    )


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        ("Total timed code tx: 38 min", 38, None),
        ("TTT 38 / TT 45", 38, 45),
        ("Total timed: 23 min | Total tx time: 23 min", 23, 23),
        ("Total timed code minutes: 40     Total treatment time: 40 min", 40, 40),
        ("Total timed code min 28 (NMR 10, TherEx 10, MT 8); total treatment time 43 min", 28, 43),
        ("Total timed minutes: 15 (97112)   Total treatment time: 45 min (13:00-13:45)", 15, 45),
        ("Total timed 45 min. Total tx time 45 min (10:00-10:45).", 45, 45),
        ("Total tx min: 38", None, 38),
        ("Timed code minutes: 38", 38, None),
    ],
)
def test_stated_totals_in_many_shapes(text, timed, treatment):
    got_timed, got_treat, _ = read(text + "\n")
    assert (got_timed, got_treat) == (timed, treatment)


def test_a_total_treatment_time_written_as_a_clock_span_is_a_stated_total():
    timed, treat, spans = read("Total timed minutes 40 | Total treatment time 09:00-09:40\n")
    assert (timed, treat, spans) == (40, 40, [("09:00", "09:40")])


def test_units_arithmetic_in_prose_is_not_a_total():
    assert read("Note: 23 timed minutes = 2 units under the total-time method.\n")[:2] == (
        None,
        None,
    )


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Visit: 09:00-09:40", ("09:00", "09:40")),
        ("Session 0900-0940", ("09:00", "09:40")),
        ("Time in 1:15 pm   Time out 1:55 pm", ("13:15", "13:55")),
        ("Time in 0930 / Time out 1010", ("09:30", "10:10")),
        ("Start 15:10    End 15:38", ("15:10", "15:38")),
        ("Seen 14:00-14:50.", ("14:00", "14:50")),
        ("0900-0923 total session", ("09:00", "09:23")),
        ("Dx: R26.81\n10:00-10:45\n", ("10:00", "10:45")),  # a span alone on a header line
        (
            "Pt seen for a short session today (0815-0838) because of an appointment.",
            ("08:15", "08:38"),
        ),
        ("Visit ran 1:30 pm to 2:05 pm.", ("13:30", "14:05")),
        # start and end as fields on lines of their own
        ("Session Start: 14:05\nSession End: 14:39", ("14:05", "14:39")),
        ("Time in: 1:15 pm\nTime out: 1:55 pm", ("13:15", "13:55")),
        ("- Start: 0800\n- End: 0835", ("08:00", "08:35")),
        ("Visit start: 09:00\nVisit end: 09:38", ("09:00", "09:38")),
    ],
)
def test_the_visit_span_counts_as_the_stated_treatment_time(text, span):
    _, treat, spans = read(text + "\n")
    assert spans == [span]
    start_h, start_m = map(int, span[0].split(":"))
    end_h, end_m = map(int, span[1].split(":"))
    assert treat == (end_h * 60 + end_m) - (start_h * 60 + start_m)


def test_a_stated_total_wins_over_the_visit_span():
    assert read("Time in 08:00    Time out 09:00\nTotal tx: 53 min\n")[1] == 53


def test_start_and_end_fields_apart_are_not_a_visit_span():
    # a start field with no end on the next line is not paired with one further down
    assert read("Start: 14:05\nPain 3/10\nEnd of session: pt left at 14:39\n")[2] == []


def test_nothing_stated_means_no_totals():
    assert read("NMR 10:00-10:25 (25 min): SLS\nBilling: 97112 GP x2\n") == (None, None, [])


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        # Hours and minutes, as a total is often written for a long visit.
        ("Total timed minutes: 47 | Total treatment time: 1 hr 5 min", 47, 65),
        ("Total tx time: 1 hour 10 minutes", None, 70),
        ("Total treatment time 1 h 05 m", None, 65),
        ("Total session time: 1.5 hrs", None, 90),
        ("Total visit time: 1 hr", None, 60),
        ("Total timed: 1 hr 2 min", 62, None),
        # "Total minutes" is the visit's total; "timed minutes" the timed part.
        ("Timed minutes: 39; total minutes: 39 (1:00-1:39 pm).", 39, 39),
        ("Total mins 53", None, 53),
        ("Total billable minutes: 38", 38, None),
        ("Billable time: 38 min", 38, None),
        ("Timed code minutes total: 38", 38, None),
        # A sentence period right after the number is not a decimal.
        ("Total timed code minutes: 40. Total tx time: 40 min.", 40, 40),
    ],
)
def test_totals_with_hours_and_other_labels(text, timed, treatment):
    got_timed, got_treat, _ = read(text + "\n")
    assert (got_timed, got_treat) == (timed, treatment)


@pytest.mark.parametrize(
    "text",
    [
        "Walked 1 hr total at home yesterday",  # no total label
        "Total reps 30; total distance 300 ft",
        "Pt reports total knee pain 4/10",
        "Total timed minutes: [total timed minutes]",  # a placeholder, not a number
    ],
)
def test_text_that_is_not_a_stated_total(text):
    got_timed, got_treat, _ = read(text + "\n")
    assert (got_timed, got_treat) == (None, None)


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        # the timed part written inside the treatment-time total
        ("Treatment time: 45 minutes (45 timed)", 45, 45),
        ("Total tx time 53 min (38 min timed, 15 untimed)", 38, 53),
        ("Total treatment time: 53 min; timed 38 min", 38, 53),
        ("Total session 50 min, of which 35 were timed", 35, 50),
        ("Tx time: 40 min (timed: 32)", 32, 40),
        # other spellings of the timed total
        ("Total time-based minutes: 38", 38, None),
        ("Total skilled timed minutes: 38", 38, None),
        ("Timed code total: 38", 38, None),
        ("Billable minutes: 38", 38, None),
    ],
)
def test_the_timed_total_in_more_shapes(text, timed, treatment):
    got_timed, got_treat, _ = read(text + "\n")
    assert (got_timed, got_treat) == (timed, treatment)


@pytest.mark.parametrize(
    "text",
    [
        "Total treatment time: 45 minutes (7 untimed)",  # only the untimed part is stated
        "Total tx time 45 min (3 timed units)",  # units, not minutes
        "Treatment time: 45 min",  # no timed part at all
        "TherEx 15 min timed with a stopwatch",  # not a totals line
    ],
)
def test_no_timed_total_is_read_where_none_is_stated(text):
    assert read(text + "\n")[0] is None


def test_a_compact_hour_and_minute_total():
    assert read("Total tx time: 1h05\n")[1] == 65


def test_an_intervention_written_with_a_bare_start_hour():
    from reviewer.extract.rules_based import extract_facts

    facts = extract_facts(prepare("NMR 9-9:25: SLS 3 x 30 s\nTherEx 9:25-9:40: bike\n"))
    assert [(i.code, i.minutes) for i in facts.interventions] == [("97112", 25), ("97110", 15)]


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        ("Tx time 42", None, 42),
        ("Tx time: 42", None, 42),
        ("Treatment time 42 min", None, 42),
        ("Total tx 42", None, 42),
        ("Session time 50 min", None, 50),
        ("Timed min 38 (NMR 23, TE 15) / Tx time 45", 38, 45),
        ("Timed minutes 30 | Treatment time 36 min", 30, 36),
        ("Treatment time 44 min (timed 30)", 30, 44),
    ],
)
def test_a_treatment_time_label_without_a_colon(text, timed, treatment):
    assert read(text)[:2] == (timed, treatment)


@pytest.mark.parametrize(
    "text",
    [
        "Treatment time 10 min: bike warm-up before the exercises",  # an activity's time
        "Tx time 15 min of gait training with the rollator",
        "Discussed treatment time 20 min with the patient's daughter",  # not a label
        "Treatment time 09:00-09:40 was shortened",  # a clock span, not minutes
    ],
)
def test_a_treatment_time_phrase_that_is_not_a_total(text):
    assert read(text)[1] is None


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        # TCM (timed code minutes) beside TTT (total treatment time), in any separator and order
        ("TCM 32 / TTT 41", 32, 41),
        ("TCM 30 | TTT 52", 30, 52),
        ("TCM 36 \u00b7 TTT 36", 36, 36),
        ("TCM 22 min / TTT 47 min", 22, 47),
        ("TCM 44 min, TTT 44 min", 44, 44),
        ("TCM=27; TTT=33", 27, 33),
        ("TTT 51 / TCM 39", 39, 51),
        ("TTT: 46 min | TCM: 31 min", 31, 46),
        # the same two totals in other abbreviations
        ("TTCM 29 / TTT 40", 29, 40),
        ("TTCM: 34 min   TTT: 39 min", 34, 39),
        ("TCTM 26 / TTT 35", 26, 35),
        ("Timed min 28 / TTT 43", 28, 43),
        ("TTT 43 / Timed min 28", 28, 43),
        ("Timed minutes: 37 | TTT: 50", 37, 50),
        ("Total timed 31 min / TTT 38 min", 31, 38),
        ("TCM 24 / Total Tx 30", 24, 30),
        ("TCM 42 / TT 53", 42, 53),
        # on two lines
        ("TCM 33\nTTT 45", 33, 45),
    ],
)
def test_abbreviated_timed_code_and_treatment_totals(text, timed, treatment):
    assert read(text + "\n")[:2] == (timed, treatment)


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        # TTT beside a treatment total, or alone, stays the timed total
        ("TTT 41 / TT 50", 41, 50),
        ("TTT 35 min   Total tx time 44 min", 35, 44),
        ("TTT 39", 39, None),
        # an abbreviation that is not known is not guessed
        ("TXM 31 / TTT 47", 47, None),
        ("TQM 31", None, None),
        # TCM that is not a total (a visit type) or not in capitals
        ("Hx: TCM visit with PCP 2 wk ago", None, None),
        ("TCM f/u in 2 wk", None, None),
        ("tcm 38", None, None),
    ],
)
def test_a_ttt_not_paired_with_a_timed_abbreviation(text, timed, treatment):
    assert read(text + "\n")[:2] == (timed, treatment)


def test_a_stated_ttt_wins_over_the_visit_span_when_it_is_the_treatment_total():
    text = "Time in 0900  Time out 0946\nTCM 31 / TTT 44\n"
    timed, treat, spans = read(text)
    assert (timed, treat, spans) == (31, 44, [("09:00", "09:46")])


def test_a_line_of_abbreviated_totals_is_a_totals_line():
    assert totals.is_totals_line("TCM 38 min")
    assert totals.is_totals_line("TTCM: 40")
    assert not totals.is_totals_line("Hx: TCM visit 2 wk ago")


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        # A re-evaluation day: what a total counts, in brackets between its label and amount
        ("Total tx time (incl. re-eval): 52 min", None, 52),
        ("Total treatment time (including 20 min eval): 47 min", None, 47),
        ("Total treatment time (eval 18 + timed 27): 45", None, 45),
        ("Total timed minutes (excl. re-eval): 27", 27, None),
        ("Total timed code minutes (97112, 97530): 31", 31, None),
        ("Total timed min (not incl. 97163): 26 | Total tx time: 49", 26, 49),
        ("Timed minutes (excluding eval): 29", 29, None),
        ("TTT (excl. eval) 24 / TT 44", 24, 44),
        ("TCM 23 (re-eval 22 untimed) / TTT 45", 23, 45),
        # the amount inside the brackets when none follows them
        ("Total tx time (41 min)", None, 41),
        ("Total visit time 46 min (eval 21 + timed 25)", None, 46),
    ],
)
def test_a_bracketed_qualifier_between_a_total_and_its_amount(text, timed, treatment):
    assert read(text + "\n")[:2] == (timed, treatment)


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        # the abbreviation spelt out in brackets before the colon
        ("TCM (timed code minutes): 30    TTT (total treatment time): 41 min", 30, 41),
        ("TTCM (total timed code min) = 25", 25, None),
        # a bulleted totals field
        ("Totals\n\u2022 Timed code minutes: 33\n\u2022 Total treatment time: 35 min", 33, 35),
        ("- Timed minutes: 27\n- Total treatment time: 27 min", 27, 27),
        # the label alone on a line, its amount alone on the next
        ("Total Timed Minutes\n   52\nTotal Treatment Time\n   60 min", 52, 60),
        ("Total timed code minutes:\n31\n", 31, None),
    ],
)
def test_timed_totals_in_export_and_bulleted_layouts(text, timed, treatment):
    got_timed, got_treat, _ = read(text + "\n")
    assert (got_timed, got_treat) == (timed, treatment)


def test_a_label_whose_next_line_is_not_only_an_amount_states_nothing():
    got_timed, _, _ = read("Total timed minutes\n3 x 10 bridges\n")
    assert got_timed is None


def test_the_day_total_of_a_split_visit_wins_over_the_session_totals():
    text = (
        "AM TCM 24 min.\n"
        "PM TCM 15 min.\n"
        "Day totals: timed code minutes 39; total treatment time 39 min.\n"
    )
    got_timed, got_treat, _ = read(text)
    assert (got_timed, got_treat) == (39, 39)


def test_session_totals_alone_keep_the_first():
    got_timed, _, _ = read("AM TCM 24 min.\nPM TCM 15 min.\n")
    assert got_timed == 24


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        ("Did 20 min of gait and 10 of TA; total timed 30 min, whole visit 35 min.", 30, 35),
        ("Timed minutes 25; the entire session lasted 40 minutes.", 25, 40),
        ("Entire visit: 50 min", None, 50),
    ],
)
def test_the_treatment_time_in_a_closing_sentence(text, timed, treatment):
    got_timed, got_treat, _ = read(text + "\n")
    assert (got_timed, got_treat) == (timed, treatment)


@pytest.mark.parametrize(
    "text",
    ["Pt stood for the whole session 3 x 10 reps", "Wore the brace the whole visit, 2 falls"],
)
def test_whole_visit_without_minutes_is_no_total(text):
    _, got_treat, _ = read(text + "\n")
    assert got_treat is None


@pytest.mark.parametrize(
    ("text", "timed", "treatment"),
    [
        # dictated totals: the minutes in words
        ("Total timed code minutes thirty eight. Total treatment time fifty minutes.", 38, 50),
        ("Total timed: twenty-six min / Total tx time: forty one min", 26, 41),
        ("Total timed minutes nineteen\nBilling: 97110 GP x1", 19, None),
    ],
)
def test_totals_written_in_words(text, timed, treatment):
    got_timed, got_treat, _ = read(text + "\n")
    assert (got_timed, got_treat) == (timed, treatment)


@pytest.mark.parametrize(
    "text",
    [
        "Total timed units: two.",  # units, not minutes
        "Total treatment time one hour",  # an hour in words is not read
        "Total time one-on-one with pt",
        "Total tx time was an hour",
    ],
)
def test_words_that_are_not_a_total_in_minutes(text):
    got_timed, got_treat, _ = read(text + "\n")
    assert (got_timed, got_treat) == (None, None)


@pytest.mark.parametrize(
    ("line", "timed"),
    [
        ("Total timed units: 2", None),  # a count of units is not minutes
        ("Total timed unit 3", None),
        ("Total timed code min (2 units): 25", 25),
        ("Total timed minutes: 25", 25),
    ],
)
def test_a_total_of_units_is_not_a_total_of_minutes(line, timed):
    assert read(line + "\n")[0] == timed
