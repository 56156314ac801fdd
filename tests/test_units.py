"""The unit engine: CMS manual examples, rule-derived cases, and properties of both methods."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.errors import UsageError
from reviewer.units import (
    check_billed,
    compute_units,
    minute_range_for_units,
    units_for_minutes,
)

CASES = json.loads((Path(__file__).parent / "fixtures" / "cms_unit_examples.json").read_text())
TIMED = ["97110", "97112", "97116", "97140", "97530", "97535", "97035"]


def _timed_part(alloc: dict[str, int], minutes: dict[str, int]) -> dict[str, int]:
    return {c: u for c, u in alloc.items() if c in minutes}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_reference_case(case):
    """Every CMS manual example and rule-derived case gives the expected units, ties included."""
    result = compute_units(case["minutes"], case["untimed_codes"], method="cms")
    assert result.supported_total == case["expected_total_units"]
    expected = [case["expected_units"], *case.get("alternative_expected_units", [])]
    want = sorted(sorted(_timed_part(a, case["minutes"]).items()) for a in expected)
    got = sorted(sorted(a.items()) for a in result.allocations)
    assert got == want
    for code in case["untimed_codes"]:  # untimed codes: one unit each, no minutes added
        assert result.untimed[code] == case["expected_units"][code] == 1
    assert result.total_timed_minutes == sum(case["minutes"].values())


def test_issue_example_one_gives_two_and_one():
    result = compute_units({"97112": 24, "97110": 23})
    assert result.supported_total == 3
    assert result.supported == {"97112": 2, "97110": 1}
    assert result.alternatives == []
    assert "47 timed minutes → 3 units (38–52 min)." in result.derivation
    assert any("third unit goes to 97112" in line for line in result.derivation)


def test_tie_lists_both_allocations():
    result = compute_units({"97112": 20, "97110": 20})
    assert {tuple(sorted(a.items())) for a in result.allocations} == {
        (("97110", 1), ("97112", 2)),
        (("97110", 2), ("97112", 1)),
    }


@pytest.mark.parametrize(
    ("minutes", "units"),
    [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (127, 8), (128, 9)],
)
def test_unit_table_boundaries(minutes, units):
    assert units_for_minutes(minutes) == units


def test_minute_range():
    assert minute_range_for_units(3) == (38, 52)
    assert minute_range_for_units(0) is None


def test_ama_rounds_each_code_alone():
    result = compute_units({"97112": 9, "97110": 7, "97140": 7}, method="ama")
    assert result.supported == {"97112": 1, "97110": 0, "97140": 0}
    assert result.supported_total == 1
    assert compute_units({"97112": 24, "97110": 23}, method="ama").supported_total == 4


def test_untimed_minutes_never_count():
    result = compute_units({"97110": 7}, ["97161"])
    assert result.supported_total == 0 and result.untimed == {"97161": 1}


@pytest.mark.parametrize(
    ("minutes", "untimed", "message"),
    [
        ({"97112": -1}, [], "negative"),
        ({"97112": 1441}, [], "more than a day"),
        ({"99999": 10}, [], "unknown code"),
        ({"97010": 10}, [], "untimed"),
        ({}, ["97112"], "timed code"),
    ],
)
def test_bad_input_raises_usage_error(minutes, untimed, message):
    with pytest.raises(UsageError, match=message):
        compute_units(minutes, untimed)


# --- billed allocations --------------------------------------------------------------------


def test_billed_split_within_a_tie_is_supported():
    result = compute_units({"97112": 20, "97110": 20})
    assert check_billed(result, {"97112": 1, "97110": 2}).status == "supported"
    assert check_billed(result, {"97112": 2, "97110": 1}).status == "supported"


def test_three_units_on_one_tied_code_is_over():
    check = check_billed(compute_units({"97112": 20, "97110": 20}), {"97112": 3})
    assert check.status == "over"
    assert check.over_codes == {"97112": {"billed": 3, "max_supported": 2}}
    assert "3 timed units billed; 40 timed minutes support 3 (38–52 min)" in check.message


def test_both_tied_codes_taking_the_extra_unit_is_over_total():
    check = check_billed(compute_units({"97112": 20, "97110": 20}), {"97112": 2, "97110": 2})
    assert check.status == "over" and check.over_total == 1


def test_under_billing_is_reported():
    check = check_billed(compute_units({"97112": 24, "97110": 23}), {"97112": 2})
    assert check.status == "under" and check.under_total == 1


def test_ama_over_on_a_short_code():
    result = compute_units({"97112": 9, "97110": 7, "97140": 7}, method="ama")
    check = check_billed(result, {"97112": 1, "97110": 1})
    assert check.status == "over"
    assert check.over_codes == {"97110": {"billed": 1, "max_supported": 0}}


def test_billing_a_code_with_no_minutes_is_over():
    check = check_billed(compute_units({"97112": 30}), {"97112": 2, "97140": 1})
    assert check.over_codes["97140"] == {"billed": 1, "max_supported": 0}


# --- properties ----------------------------------------------------------------------------

minutes_maps = st.dictionaries(
    st.sampled_from(TIMED), st.integers(min_value=0, max_value=90), min_size=1, max_size=5
)


@settings(max_examples=300, deadline=None)
@given(minutes_maps)
def test_cms_allocations_sum_to_total_and_respect_full_units(minutes):
    result = compute_units(minutes)
    assert result.supported_total == units_for_minutes(sum(minutes.values()))
    seen = set()
    for alloc in result.allocations:
        assert sum(alloc.values()) == result.supported_total
        for code, m in minutes.items():
            assert m // 15 <= alloc[code] <= m // 15 + 1
        key = tuple(sorted(alloc.items()))
        assert key not in seen  # no allocation listed twice
        seen.add(key)


@settings(max_examples=300, deadline=None)
@given(minutes_maps)
def test_cms_ties_enumerate_every_valid_allocation(minutes):
    """Brute force: every allocation that gives the leftover units to the largest leftovers."""
    from itertools import product

    result = compute_units(minutes)
    full = {c: m // 15 for c, m in minutes.items()}
    left = {c: m % 15 for c, m in minutes.items()}
    remaining = result.supported_total - sum(full.values())
    codes = list(minutes)
    valid = set()
    for extra in product([0, 1], repeat=len(codes)):
        if sum(extra) != remaining:
            continue
        got = [left[c] for c, e in zip(codes, extra, strict=True) if e]
        not_got = [left[c] for c, e in zip(codes, extra, strict=True) if not e]
        if got and (min(got) == 0 or (not_got and min(got) < max(not_got))):
            continue
        valid.add(tuple(sorted((c, full[c] + e) for c, e in zip(codes, extra, strict=True))))
    assert {tuple(sorted(a.items())) for a in result.allocations} == valid


@settings(max_examples=200, deadline=None)
@given(minutes_maps, st.sampled_from(TIMED), st.integers(min_value=0, max_value=90))
def test_ama_per_code_never_depends_on_other_codes(minutes, other, other_minutes):
    base = compute_units(minutes, method="ama")
    more = dict(minutes)
    if other in more:
        return
    more[other] = other_minutes
    changed = compute_units(more, method="ama")
    for code in minutes:
        assert changed.supported[code] == base.supported[code] == units_for_minutes(minutes[code])
