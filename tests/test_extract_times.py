"""Clock spans, durations and dates as therapists write them (reviewer.extract.rules_based.timeparse)."""

from __future__ import annotations

import re

import pytest

from reviewer.extract.rules_based.timeparse import (
    DATE_RE,
    find_durations,
    find_spans,
    leading_span,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "start", "end", "minutes"),
    [
        ("NMR 10:02-10:27 (25 min)", "10:02", "10:27", 25),  # 24-hour with colon
        ("0900-0925 NMR", "09:00", "09:25", 25),  # four digits, no colon
        ("Visit: 9:00 am to 9:25 am", "09:00", "09:25", 25),  # am/pm on both sides, "to"
        ("9:58a-10:21a gait", "09:58", "10:21", 23),  # a/p shorthand
        ("Session 2:00-2:40 pm", "14:00", "14:40", 40),  # pm written once, at the end
        ("From 1:30 pm to 1:55 pm (25 minutes)", "13:30", "13:55", 25),  # narrative
        ("11:45 am-12:10 pm", "11:45", "12:10", 25),  # crosses noon
        ("1:00-1:40", "13:00", "13:40", 40),  # no am/pm, clinic hours: afternoon
        ("14:10 - 14:34", "14:10", "14:34", 24),  # spaces around the dash
    ],
)
def test_a_clock_span_is_read_in_any_common_form(text, start, end, minutes):
    spans = find_spans(text)
    assert len(spans) == 1
    assert (spans[0].start_hhmm, spans[0].end_hhmm, spans[0].minutes) == (start, end, minutes)


@pytest.mark.parametrize(
    "text",
    [
        "MRN 2231-1904",  # a record number, end before start
        "MRN 5520-19",  # two digits after the dash
        "DOS 2025-03-04",  # an ISO date
        "3-4 pm",  # bare hours are not written as spans
        "BP 120/80, HR 88-104",  # vitals
        "Acct 55-20718",
    ],
)
def test_things_that_look_like_spans_are_not(text):
    assert find_spans(text) == []


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("25 min", 25),
        ("x25'", 25),
        ("25 minutes", 25),
        ("15m", 15),
        ("~23 min", 23),
        ("1 hr 5 min", 65),
        ("x 25 min", 25),
        ("(6')", 6),
        ("= 30 min", 30),
    ],
)
def test_a_duration_is_read_in_any_common_form(text, minutes):
    found = find_durations(text)
    assert [d.minutes for d in found] == [minutes]


@pytest.mark.parametrize(
    "text",
    [
        "an 0845 cardiology appointment",  # a time of day
        "at 10:30 the pt left",  # a time of day
        "SLS 3 x 30 s",  # seconds are not minutes
        "10 m walk test 12.4 s",  # metres
        "hold 5 sec",
    ],
)
def test_a_time_of_day_or_seconds_is_not_a_duration(text):
    assert find_durations(text) == []


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("03/04/2025", "2025-03-04"),
        ("3/4/25", "2025-03-04"),
        ("12/02/25", "2025-12-02"),
        ("Mar 4, 2025", "2025-03-04"),
        ("March 4 2025", "2025-03-04"),
        ("2025-03-04", "2025-03-04"),
        ("4 March 2025", "2025-03-04"),
        ("03-04-2025", "2025-03-04"),
    ],
)
def test_dates_in_common_us_forms(text, iso):
    m = DATE_RE.search(text)
    assert m is not None and parse_date(m) == iso


def test_an_impossible_date_is_not_read():
    m = DATE_RE.search("02/30/2025")
    assert m is None or parse_date(m) is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("0900 hrs - 0925 hrs", "09:00", "09:25"),  # military time with "hrs"
        ("0900h-0925h", "09:00", "09:25"),
        ("14:00 hrs to 14:30 hrs", "14:00", "14:30"),
        ("9:00 A.M. - 9:25 A.M.", "09:00", "09:25"),
    ],
)
def test_military_and_dotted_clock_spans(text, start, end):
    (span,) = find_spans(text)
    assert (span.start_hhmm, span.end_hhmm) == (start, end)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("twenty minutes of gait training", [20]),
        ("Twenty-five minutes", [25]),
        ("fifteen min of NMR", [15]),
        ("thirty-two minutes", [32]),
    ],
)
def test_durations_written_in_words(text, minutes):
    assert [d.minutes for d in find_durations(text)] == minutes


@pytest.mark.parametrize(
    "text",
    [
        "ten reps",  # a count, not a duration
        "someone minutes",  # a number word must stand alone
        "0900 hrs",  # a time of day in military form is not a duration
        "at 1430 hrs",
    ],
)
def test_words_and_military_times_that_are_not_durations(text):
    assert find_durations(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "3.4.25",  # a version or a decimal, not a date without its century
        "leg press 1.25-1.50",
        "4 Mar 26",  # day, month name and a two-digit year written with spaces: ambiguous
    ],
)
def test_numbers_that_only_look_like_dates_are_not_dates(text):
    assert DATE_RE.search(text) is None


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("9-9:25", ("09:00", "09:25")),  # a bare start hour before H:MM
        ("10 - 10:40 am", ("10:00", "10:40")),
        ("11-12:05", ("11:00", "12:05")),  # ends in the next hour
        ("10.00-10.25", ("10:00", "10:25")),  # EMR export with dots
        ("2.35-3.05 pm", ("14:35", "15:05")),
        ("from 10.00 to 10.25", ("10:00", "10:25")),
    ],
)
def test_more_clock_span_shapes(text, span):
    assert [(c.start_hhmm, c.end_hhmm) for c in find_spans(text)] == [span]


@pytest.mark.parametrize(
    "text",
    [
        "9-11:25",  # a bare start hour two hours before the end: not read
        "2-3:30",  # over 75 min from a bare hour: a ratio or a range
        "theraband 1.25-1.50 lb",  # a range of numbers with a unit
        "ratio 0.45-0.55",  # hour 0 with a dot is a decimal
        "3-4 pm",  # bare hours on both sides
    ],
)
def test_number_ranges_that_are_not_clock_spans(text):
    assert find_spans(text) == []


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1h05", 65),
        ("1h05m", 65),
        ("1h05min", 65),
        ("x1h05", 65),
    ],
)
def test_compact_hour_and_minute_durations(text, minutes):
    assert [d.minutes for d in find_durations(text)] == [minutes]


@pytest.mark.parametrize("text", ["1h05x", "1h65", "R1h05"])
def test_compact_durations_need_a_clean_end(text):
    assert find_durations(text) == []


def test_leading_span_is_the_first_span_when_it_opens_the_range():
    text = (
        "from 9:00 to 9:25 TherEx\n10:00-10:25 NMR\nFrom 3-4 pm then 2:00-2:25 pm\n"
        "x 3-4 reps 9:58a-10:21a\n  0900-0925 gait\nfrom 1.25-1.50 lb, 10:00-10:30\n"
    )
    for start in range(len(text)):
        for end in (len(text), text.find("\n", start) if "\n" in text[start:] else len(text)):
            if end <= start:
                continue
            m = re.compile(r"(?:from\s+)?", re.IGNORECASE).match(text, start, end)
            upto = m.end() if m else start
            spans = find_spans(text, start, end)
            expected = spans[0] if spans and spans[0].pos <= upto else None
            assert leading_span(text, start, upto, end) == expected


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Start: 14:00  End: 14:25", "14:00", "14:25"),
        ("Time in 9:00, time out 9:40", "09:00", "09:40"),
        ("began 2:10 pm / ended 2:35 pm", "14:10", "14:35"),
        ("in: 0900 out: 0940", "09:00", "09:40"),
    ],
)
def test_start_and_end_written_as_separate_fields(text, start, end):
    from reviewer.extract.rules_based.timeparse import find_start_end

    clock = find_start_end(text)
    assert clock is not None and (clock.start_hhmm, clock.end_hhmm) == (start, end)


@pytest.mark.parametrize(
    "text", ["Start: 9 am End: 10 am", "start 3x10 end 5", "Started 10:00 and ended 10:20 x"]
)
def test_separate_fields_that_are_not_a_clock_span(text):
    from reviewer.extract.rules_based.timeparse import find_start_end

    assert find_start_end(text) is None


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("between 14:05 and 14:31 we worked on", ("14:05", "14:31")),
        ("Between 8:50 am and 9:12 am", ("08:50", "09:12")),
        ("between 1:10 and 1:35 pm", ("13:10", "13:35")),
        ("between 0815 and 0840", ("08:15", "08:40")),
        ("between 2:05 - 2:30", ("14:05", "14:30")),
    ],
)
def test_a_span_written_between_two_times(text, span):
    assert [(c.start_hhmm, c.end_hhmm) for c in find_spans(text)] == [span]


@pytest.mark.parametrize(
    "text",
    [
        "between 2 and 3 pm",  # bare hours
        "between 8 and 10 reps",
        "rest between sets 1 and 2",
        "10:05 and 10:30",  # "and" separates two times only after "between"
        "from 14:05 and 14:31",
    ],
)
def test_and_is_no_span_separator_without_between(text):
    assert find_spans(text) == []
