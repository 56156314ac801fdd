"""Billed lines come only from a billing statement or a billing table, never from prose."""

from __future__ import annotations

import pytest

from reviewer.extract.rules_based.billing import extract_billed
from reviewer.intake import prepare


def billed(text: str) -> dict[str, tuple[int | None, list[str]]]:
    return {b.code: (b.units, b.modifiers) for b in extract_billed(prepare(text))}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("97112 x2 GP", {"97112": (2, ["GP"])}),  # units before the modifier
        ("97112-GP (2 units)", {"97112": (2, ["GP"])}),
        ("CPT: 97110 GP 1u; 97112 GP 2u", {"97110": (1, ["GP"]), "97112": (2, ["GP"])}),
        ("97112 GP x2 units", {"97112": (2, ["GP"])}),
        (
            "Billing: 97112 GP x2 units; 97110 GP x1 unit",
            {"97112": (2, ["GP"]), "97110": (1, ["GP"])},
        ),
        ("Billed: 97112-GP x1; 97140-GP x1.", {"97112": (1, ["GP"]), "97140": (1, ["GP"])}),
        ("97112 GO — 2 units", {"97112": (2, ["GO"])}),  # em dash before the units
        (
            "Billing: 97112-GP x2 | 97110-GP x1 | G0283-GP x1",
            {"97112": (2, ["GP"]), "97110": (1, ["GP"]), "G0283": (1, ["GP"])},
        ),
        (
            "97112 GP CQ x2 / 97110 GP CQ x1",
            {"97112": (2, ["GP", "CQ"]), "97110": (1, ["GP", "CQ"])},
        ),
        ("97535 GO CO - 2 units", {"97535": (2, ["GO", "CO"])}),  # CO the OTA modifier
        ("Billed: 97112-GP, 2 units.", {"97112": (2, ["GP"])}),
        ("Billing: 97530-59 GP x1", {"97530": (1, ["59", "GP"])}),  # distinct-service modifier
        ("Charges:\n97112 GP x1\n97110 GP x1", {"97112": (1, ["GP"]), "97110": (1, ["GP"])}),
        ("Billing\n97112 GP x2\n97110 GP x2", {"97112": (2, ["GP"]), "97110": (2, ["GP"])}),
        ("Charge: 97112 x2", {"97112": (2, [])}),  # no modifier at all
        ("Billed: 97112-GP", {"97112": (None, ["GP"])}),  # a billing statement without units
        (
            "Billing: 97162 GP x1 (untimed) | 97112 GP x1",
            {"97162": (1, ["GP"]), "97112": (1, ["GP"])},
        ),
    ],
)
def test_billing_statements_in_many_shapes(text, expected):
    assert billed(text) == expected


def test_a_billing_table_with_a_modifier_column():
    text = "CPT   | Mod | Units\n97112 | GP  | 1\n97110 | GP  | 1\n"
    assert billed(text) == {"97112": (1, ["GP"]), "97110": (1, ["GP"])}


def test_a_billing_table_with_minutes_keeps_the_minutes_on_the_line():
    text = "Code | Minutes | Units\n97112-GP | 24 | 2\n97110-GP | 23 | 2\n"
    lines = extract_billed(prepare(text))
    assert [(b.code, b.units, b.modifiers, b.minutes) for b in lines] == [
        ("97112", 2, ["GP"], 24),
        ("97110", 2, ["GP"], 23),
    ]


def test_minutes_written_on_a_billing_line_are_kept():
    (line,) = extract_billed(prepare("97530 GP x2 (30 min)"))
    assert (line.units, line.minutes) == (2, 30)


@pytest.mark.parametrize(
    "text",
    [
        "P: Consider 97530 for car transfers next visit.",  # a prose mention
        "TherEx 97110 x 28 min (includes rest)",  # an intervention's own code and minutes
        "IFC (97014) x 15 min after NMR",
        "Time | Code | Intervention | Min\n14:10-14:34 | 97112 | Balance | 24\n",  # a flowsheet, not billing
        "Billing comment (front desk): DOS 05/14 claim adjusted CO-45, contractual.",
        "(97110 and 97140 each under 8 min - not billed per payer's per-code rule)",
    ],
)
def test_a_code_mentioned_outside_billing_is_not_billed(text):
    assert billed(text) == {}


@pytest.mark.parametrize(
    ("text", "mods"),
    [
        ("Billing: 97112 GP x1; remit CO-45 applied", ["GP"]),  # CO-45 is a remittance group code
        ("Billing: 97112 GP x1 (prior claim CO 236)", ["GP"]),
        ("Billing: 97112 GO CO x1", ["GO", "CO"]),  # CO alone is the OTA modifier
    ],
)
def test_co_next_to_a_number_is_a_claim_adjustment_code_not_the_modifier(text, mods):
    assert billed(text)["97112"][1] == mods


def test_the_same_code_in_two_billing_statements_is_one_line():
    text = "Billing: 97112 GP x2\nCode | Minutes | Units\n97112-GP | 25 | 2\n"
    assert len(extract_billed(prepare(text))) == 1


def test_evidence_points_into_the_original_note():
    raw = "Note\r\nBilling: 97112 GP \u00d72\r\n"  # CRLF and a multiplication sign
    (line,) = extract_billed(prepare(raw))
    assert raw[line.evidence.start : line.evidence.end] == line.evidence.text
    assert line.units == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Codes: 97112 GP (2), 97110 GP (1)", {"97112": (2, ["GP"]), "97110": (1, ["GP"])}),
        ("Billing: 97116 (GP) x1", {"97116": (1, ["GP"])}),
        (
            "CPT codes billed: 97112-GP-CQ x 2; 97110-GP-CQ x 1",
            {"97112": (2, ["GP", "CQ"]), "97110": (1, ["GP", "CQ"])},
        ),
    ],
)
def test_more_billing_shapes(text, expected):
    assert billed(text) == expected
