"""Rules T001-T012 on hand-built facts: each table case states the numbers it is about."""

from __future__ import annotations

import pytest

from reviewer import units
from reviewer.facts import (
    BilledLine,
    ClockSpan,
    Intervention,
    NonBillable,
    NoteFacts,
    NumberFact,
    Span,
)
from reviewer.profiles import get_profile
from reviewer.rules.base import Context
from reviewer.rules.registry import get_rule

EV = Span(start=0, end=1, text="x")


def _hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def item(code, minutes=None, *, span=None, stated=None, nonbillable=()):
    clock = None
    if span is not None:
        s, e = span
        clock = ClockSpan(start=_hhmm(s), end=_hhmm(e), minutes=e - s, evidence=EV)
    return Intervention(
        description=code or "?",
        code=code,
        minutes=minutes,
        stated_minutes=stated,
        clock_span=clock,
        minutes_evidence=EV if minutes is not None else None,
        nonbillable=list(nonbillable),
        evidence=EV,
    )


def bill(**units_by_code):
    return [
        BilledLine(code=c.lstrip("_"), units=u, modifiers=["GP"], evidence=EV)
        for c, u in units_by_code.items()
    ]


def facts(items=(), billed=(), timed_total=None, treat_total=None, visit=None):
    f = NoteFacts(interventions=list(items), billed=list(billed))
    if timed_total is not None:
        f.total_timed_minutes = NumberFact(minutes=timed_total, evidence=EV)
    if treat_total is not None:
        f.total_treatment_minutes = NumberFact(minutes=treat_total, evidence=EV)
    if visit is not None:
        s, e = visit
        f.visit_spans = [ClockSpan(start=_hhmm(s), end=_hhmm(e), minutes=e - s, evidence=EV)]
    return f


def run(rule_id, f, method="cms", profile=None):
    prof = get_profile(profile or method)
    minutes = f.timed_minutes_by_code()
    result = units.compute_units(minutes, (), method=prof.method) if minutes else None
    return get_rule(rule_id).run(Context(facts=f, profile=prof, units=result))


# --------------------------------------------------------------------------- T001 / T002


@pytest.mark.parametrize(
    ("minutes", "billed", "method", "t001", "t002"),
    [
        (
            {"97112": 24, "97110": 23},
            {"97112": 2, "97110": 1},
            "cms",
            False,
            False,
        ),  # manual example 1
        (
            {"97112": 20, "97110": 20},
            {"97112": 1, "97110": 2},
            "cms",
            False,
            False,
        ),  # tie: either code gets 2
        (
            {"97112": 20, "97110": 20},
            {"97112": 3},
            "cms",
            True,
            False,
        ),  # all 3 units piled on one code
        (
            {"97112": 20, "97110": 20},
            {"97112": 2, "97110": 2},
            "cms",
            True,
            False,
        ),  # 40 min support 3, 4 billed
        (
            {"97110": 33, "97140": 7},
            {"97110": 2, "97140": 1},
            "cms",
            False,
            False,
        ),  # manual example 3
        (
            {"97112": 9, "97110": 7, "97140": 7},
            {"97112": 1, "97140": 1},
            "cms",
            False,
            False,
        ),  # 23 min, tie at 7
        (
            {"97112": 9, "97110": 7, "97140": 7},
            {"97112": 1, "97110": 1},
            "ama",
            True,
            False,
        ),  # 7 min = 0 per code
        ({"97112": 38}, {"97112": 2}, "ama", False, True),  # 38 min support 3, 2 billed
        (
            {"97112": 24, "97110": 23},
            {"97112": 2, "97110": 1},
            "ama",
            False,
            True,
        ),  # per code 2 + 2
        (
            {"97112": 25, "97110": 18},
            {"97112": 1, "97110": 1},
            "cms",
            False,
            True,
        ),  # 43 min support 3
    ],
)
def test_billed_units_against_documented_minutes(minutes, billed, method, t001, t002):
    f = facts([item(c, m) for c, m in minutes.items()], bill(**billed))
    assert bool(run("T001", f, method)) is t001
    assert bool(run("T002", f, method)) is t002


def test_t001_message_states_the_numbers():
    f = facts([item("97112", 31)], bill(_97112=3))
    (finding,) = run("T001", f)
    assert "3 timed units billed; 31 timed minutes support 2 (23–37 min)" in finding.message


def test_a_billed_code_with_no_minutes_at_all_counts_as_zero_minutes():
    # 97140 is billed but never documented: it cannot take any unit (T003 says why).
    f = facts([item("97112", 38)], bill(_97112=3, _97140=1))
    assert run("T001", f)


@pytest.mark.parametrize(
    ("stated", "billed", "method", "t001", "t002"),
    [
        (36, {"97530": 2, "97535": 1}, "cms", True, False),  # 36 min support 2, 3 billed
        (40, {"97112": 2, "97110": 1}, "cms", False, False),  # 40 min support 3
        (40, {"97112": 1, "97110": 1}, "cms", False, True),  # 40 min support 3, 2 billed
        (30, {"97110": 1, "97140": 1}, "ama", False, False),  # per-code split unknown: 2 can fit
        (
            20,
            {"97110": 2, "97140": 1},
            "ama",
            True,
            False,
        ),  # 20 min cannot give 3 units even per code
    ],
)
def test_without_per_code_minutes_the_billed_total_is_checked_against_the_stated_total(
    stated, billed, method, t001, t002
):
    f = facts([item(c) for c in billed], bill(**billed), timed_total=stated)
    assert bool(run("T001", f, method)) is t001
    assert bool(run("T002", f, method)) is t002
    assert {x.data["code"] for x in run("T012", f, method)} == set(billed)


def test_no_minutes_and_no_stated_total_cannot_be_checked():
    f = facts([item("97112")], bill(_97112=4))
    assert run("T001", f) == [] and run("T002", f) == []


def test_no_billing_statement_is_not_under_billing():
    assert run("T002", facts([item("97112", 38)])) == []


# --------------------------------------------------------------------------- T003 T004 T005 T006


def test_t003_a_billed_code_without_an_intervention():
    f = facts([item("97112", 25)], bill(_97112=2, _G0283=1))
    assert [x.data["code"] for x in run("T003", f)] == ["G0283"]
    assert run("T003", facts([item("97112", 25)], bill(_97112=2))) == []


@pytest.mark.parametrize(
    ("f", "fires"),
    [
        (facts([item("97112", 25)], bill(_97112=2)), True),  # timed code, no stated total
        (facts([item("97112", 25)], bill(_97112=2), timed_total=25), False),
        (facts([item("97010", 15)], bill(_97010=1)), False),  # untimed only: nothing to total
    ],
)
def test_t004_total_timed_minutes_missing(f, fires):
    assert bool(run("T004", f)) is fires


@pytest.mark.parametrize(
    ("f", "fires"),
    [
        (
            facts([item("97112", 25, span=(600, 625))], bill(_97112=2), timed_total=25),
            True,
        ),  # intervention spans only
        (facts([item("97112", 25)], bill(_97112=2), treat_total=25), False),
        (
            facts([item("97112", 25)], bill(_97112=2), visit=(600, 630)),
            False,
        ),  # a visit span states it
    ],
)
def test_t005_total_treatment_time_missing(f, fires):
    assert bool(run("T005", f)) is fires


@pytest.mark.parametrize(
    ("f", "fires"),
    [
        (facts([item("97112", 25)], bill(_97112=2)), True),  # durations only
        (facts([item("97112", 25, span=(600, 625))], bill(_97112=2)), False),
        (facts([item("97112", 25)], bill(_97112=2), visit=(600, 630)), False),
        (facts([item("97010", 15)], bill(_97010=1)), False),  # untimed only
    ],
)
def test_t006_clock_times_missing(f, fires):
    assert bool(run("T006", f)) is fires


# --------------------------------------------------------------------------- T007


@pytest.mark.parametrize(
    ("f", "kinds"),
    [
        # 25 + 15 + 5 = 45 documented in a 40-minute visit; 45 timed > 40 treatment
        (
            facts(
                [item("97112", 25), item("97116", 15), item("97110", 5)],
                timed_total=45,
                treat_total=40,
                visit=(840, 880),
            ),
            {"exceeds_visit", "treatment_below_timed"},
        ),
        # stated 45, documented 25 + 13 = 38 (the 7-minute hot pack is untimed)
        (
            facts(
                [item("97112", 25), item("97110", 13), item("97010", 7)],
                timed_total=45,
                treat_total=45,
            ),
            {"total_vs_sum"},
        ),
        (
            facts(
                [
                    item("97112", 30, span=(602, 629), stated=30),
                    item("97530", 13, span=(629, 642), stated=13),
                ],
                timed_total=43,
                treat_total=45,
                visit=(600, 645),
            ),
            {"duration_vs_span"},
        ),  # 30 min for 27
        # without a visit span, the outer extent of the intervention spans is the visit
        (
            facts([item("97112", 25, span=(480, 505)), item("97116", 20, span=(500, 520))]),
            {"exceeds_visit"},
        ),
        # consistent: 1-minute rounding tolerated on the totals
        (
            facts(
                [item("97112", 25, span=(600, 625)), item("97110", 13, span=(625, 638))],
                timed_total=39,
                treat_total=40,
                visit=(600, 640),
            ),
            set(),
        ),
        # unknown per-code minutes: the stated total cannot be compared
        (facts([item("97112"), item("97110")], timed_total=40, treat_total=40), set()),
    ],
)
def test_t007_minutes_inconsistent(f, kinds):
    assert {x.data["kind"] for x in run("T007", f)} == kinds


# --------------------------------------------------------------------------- T008 T009 T010


@pytest.mark.parametrize(
    ("a", "b", "fires"),
    [
        ((480, 505), (507, 525), False),  # a gap
        ((480, 505), (505, 525), False),  # touching end-to-start is not overlap
        ((480, 505), (500, 520), True),  # 5 minutes counted twice
        ((480, 540), (490, 500), True),  # one inside the other
    ],
)
def test_t008_overlapping_timed_intervals(a, b, fires):
    f = facts([item("97112", a[1] - a[0], span=a), item("97110", b[1] - b[0], span=b)])
    assert bool(run("T008", f)) is fires


def test_t008_untimed_services_may_overlap_timed_ones():
    f = facts([item("97112", 25, span=(600, 625)), item("97010", 15, span=(610, 625))])
    assert run("T008", f) == []


def test_t009_uses_the_profiles_daily_thresholds():
    from reviewer.rules.time_units import _DAILY_CAPS_PROFILE

    f = facts([item("97112", 75)], bill(_97112=5))
    assert run("T009", f) == []  # cms: no thresholds
    (finding,) = run("T009", f, profile=_DAILY_CAPS_PROFILE)
    assert finding.data == {"code": "97112", "billed": 5, "threshold": 4}


@pytest.mark.parametrize(
    ("billed", "fires"),
    [
        ({"97010": 2}, True),  # hot pack x2
        ({"G0283": 2}, True),  # unattended e-stim x2
        ({"97162": 1}, False),  # evaluation x1
        ({"97112": 3}, False),  # timed codes are T001's
    ],
)
def test_t010_untimed_code_units(billed, fires):
    assert bool(run("T010", facts([], bill(**billed)))) is fires


# --------------------------------------------------------------------------- T011 T012


@pytest.mark.parametrize(
    ("code", "counted", "fires"),
    [
        ("97110", True, True),  # rest inside TherEx minutes
        ("97110", False, False),  # the note says it was excluded
        ("97010", True, False),  # an untimed service has no minutes to inflate
    ],
)
def test_t011_nonbillable_time_counted(code, counted, fires):
    nb = NonBillable(kind="rest", minutes=5, counted=counted, evidence=EV)
    assert bool(run("T011", facts([item(code, 28, nonbillable=[nb])]))) is fires


def test_t012_only_for_documented_codes_without_minutes():
    f = facts([item("97112", 20), item("97110")], bill(_97112=1, _97110=1, _97140=1))
    # 97110 is documented without minutes; 97140 is not documented at all (that is T003's).
    assert [x.data["code"] for x in run("T012", f)] == ["97110"]
