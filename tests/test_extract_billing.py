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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Codes separated by spaces only: "x2" followed by the next code is still 2 units.
        (
            "97112 GP CQ x2   97116 GP CQ x1",
            {"97112": (2, ["GP", "CQ"]), "97116": (1, ["GP", "CQ"])},
        ),
        ("Billing: 97110 GP x2 97140 GP x1", {"97110": (2, ["GP"]), "97140": (1, ["GP"])}),
        # Units written before the code.
        (
            "Billing: 2 units 97112 GP, 1 unit 97110 GP",
            {"97112": (2, ["GP"]), "97110": (1, ["GP"])},
        ),
        ("Billing: 2u 97112-GP; 1u 97110-GP", {"97112": (2, ["GP"]), "97110": (1, ["GP"])}),
        ("2 units 97112-GP\n1 unit 97110-GP", {"97112": (2, ["GP"]), "97110": (1, ["GP"])}),
        ("Billed: 2 x 97530 GO", {"97530": (2, ["GO"])}),
        # A bare number after the modifiers inside a billing statement is the units.
        ("Billing: 97530 GO 2; 97535 GO 1", {"97530": (2, ["GO"]), "97535": (1, ["GO"])}),
        (
            "Charges:\n97530   GO  CO    2\n97535   GO  CO    1\n",
            {"97530": (2, ["GO", "CO"]), "97535": (1, ["GO", "CO"])},
        ),
        ("Billing: 97530 GN x2 / 97535 GN x1", {"97530": (2, ["GN"]), "97535": (1, ["GN"])}),
    ],
)
def test_units_in_every_position(text, expected):
    assert billed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "97110 3 x 10 bridges",  # a code at the head of an exercise line, not a statement
        "Did 3 x 10 bridges; 97110 discussed",
        "Pt did 2 x 97110 style exercises at home",  # no billing keyword, no units word
        "TherEx 97110 x2 sets of 10",  # sets, not units
        "Billing: 97110 x 2 30 min",  # ambiguous: the number is not read as units
    ],
)
def test_numbers_near_a_code_are_not_always_units(text):
    assert all(units is None for units, _ in billed(text).values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Columns aligned with spaces, as EMR exports print them.
        (
            "CPT    Mod   Units\n97530  GO    2\n97535  GO    1\n",
            {"97530": (2, ["GO"]), "97535": (1, ["GO"])},
        ),
        (
            "Code     Description              Min   Units\n"
            "97112    Neuromuscular re-ed      24    2\n"
            "97110    Ther ex                  8     1\n",
            {"97112": (2, []), "97110": (1, [])},
        ),
        ("Procedure\tModifier\tQty\n97116\tGP\t1\n", {"97116": (1, ["GP"])}),
        ("CPT/HCPCS   Mods      # Units\n97140       GP, 59    1\n", {"97140": (1, ["GP", "59"])}),
        ("Proc code | Unit(s)\n97110-GP | 2\n", {"97110": (2, ["GP"])}),
    ],
)
def test_billing_tables_aligned_with_spaces_or_named_differently(text, expected):
    assert billed(text) == expected


def test_a_space_aligned_table_keeps_the_minutes_column():
    text = (
        "Code     Description              Min   Units\n97112    Neuromuscular re-ed      24    2\n"
    )
    (line,) = extract_billed(prepare(text))
    assert (line.minutes, line.units) == (24, 2)


@pytest.mark.parametrize(
    "text",
    [
        "Exercise    Sets   Reps\nBridges     3      10\n",  # an exercise table, no code column
        "Time   Activity    Min\n0900   97110 TherEx   15\n",  # a flowsheet without units
        "Code     Units\nSee billing sheet\n",  # a header with no code rows
    ],
)
def test_space_aligned_tables_that_are_not_billing(text):
    assert billed(text) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the code named as not billed after it, with or without its minutes
        ("Billing: 97112 GP x2 (97140 6 min not billed - under 8 min)", {"97112": (2, ["GP"])}),
        ("Billed: 97116 GP x1; 97140 not billed", {"97116": (1, ["GP"])}),
        ("Charges: 97112 GP x2; 97110 GP - n/c", {"97112": (2, ["GP"])}),
        ("CPT: 97530 GO x2 / 97535 GO (6') not charged", {"97530": (2, ["GO"])}),
        ("Billed: 97112 GP x1, 97110 GP 5 min - under 8 min", {"97112": (1, ["GP"])}),
        ("97110 GP x1 - no charge\n97112 GP x1", {"97112": (1, ["GP"])}),
        # named as not billed before it, in its own clause
        ("Billing: 97530 GP x2 (no charge for 97110)", {"97530": (2, ["GP"])}),
        ("Billed: 97112 GP x2; not billed: 97140", {"97112": (2, ["GP"])}),
        # a list of codes shares the words
        ("Billed: 97112 GP x2; not billed: 97110, 97140", {"97112": (2, ["GP"])}),
        (
            "Billing: 97116 GP x2 | 97110 and 97140 not billed (each under 8 min)",
            {"97116": (2, ["GP"])},
        ),
        (
            "Billed: 97112 GP x1 unit (97110 and 97530 each under 8 min - not billed)",
            {"97112": (1, ["GP"])},
        ),
    ],
)
def test_a_code_named_as_not_billed_is_not_a_billed_line(text, expected):
    assert billed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the words are about something else on the line
        ("Billing: 97530 GO x2 (rest break not billed)", {"97530": (2, ["GO"])}),
        ("Billing: 97530 GO x2 - 5 min rest not billed", {"97530": (2, ["GO"])}),
        (
            "Charges: 97110 GP x2, 97014 GP x1 (no charge for hot pack)",
            {"97110": (2, ["GP"]), "97014": (1, ["GP"])},
        ),
        # under 8 min with the units written: billed under the total-time method
        (
            "Billed: 97112 GP x2, 97110 GP x1 (under 8 min; billed on total time)",
            {"97112": (2, ["GP"]), "97110": (1, ["GP"])},
        ),
        # a unit-bearing code before a code that is not billed keeps its units
        ("Billed: 97112 GP x2, 97140 not billed", {"97112": (2, ["GP"])}),
        # a code with its own modifier is not part of the next code's list
        ("Billing: 97116 GP, 97140 GP not billed", {"97116": (None, ["GP"])}),
    ],
)
def test_not_billed_words_about_something_else_keep_the_line(text, expected):
    assert billed(text) == expected


@pytest.mark.parametrize(
    "fields",
    [
        "Intervention: Neuromuscular re-education\nCPT: 97112\nTime: 10:00-10:25 (25 min)\n",
        "Activity 1 - Gait training\nCode: 97116\nDetail: 3 x 150 ft with RW\n",
        "CPT code: 97110\nTime: 9:00-9:15\n",
    ],
)
def test_a_code_field_among_an_interventions_fields_bills_nothing(fields):
    note = "Date: 01/02/2026\n" + fields + "\nBilling: 97530 GP x1\n"
    assert list(billed(note)) == ["97530"]


@pytest.mark.parametrize(
    "line",
    ["CPT: 97112", "CPT: 97112 GP x2", "Code: 97110 (1 unit)"],
)
def test_a_code_line_on_its_own_or_with_units_is_still_billing(line):
    # No intervention field next to it (or units on it): a billing statement as before.
    assert "971" in "".join(billed("Date: 01/02/2026\nPt tolerated well.\n" + line + "\n"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Units glued to the code, read wherever the spaced form ("97116 x2") is.
        ("Billing: 97116x2 GP, 97530x1 GP", {"97116": (2, ["GP"]), "97530": (1, ["GP"])}),
        ("Charges: 97116X2 GO; 97530X1 GO", {"97116": (2, ["GO"]), "97530": (1, ["GO"])}),
        ("Billed: 97116x 2 GP", {"97116": (2, ["GP"])}),
        (
            "Billed: 97116x2 GP   97530x1 GP   97018x1 GP",
            {"97116": (2, ["GP"]), "97530": (1, ["GP"]), "97018": (1, ["GP"])},
        ),
        ("97116x2 GP\n97530x1 GP", {"97116": (2, ["GP"]), "97530": (1, ["GP"])}),  # code lines
        ("Billing\n97116x2 GP\n97530x1 GP", {"97116": (2, ["GP"]), "97530": (1, ["GP"])}),
    ],
)
def test_units_glued_to_the_code(text, expected):
    assert billed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Gait 97116x18 min with RW",  # minutes glued to a code in prose
        "P: next visit 97530x2 sessions",
        "97116xa GP",
    ],
)
def test_a_glued_code_outside_billing_or_with_minutes_is_not_billed(text):
    assert billed(text) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Modifiers joined to the code and to each other with hyphens, read wherever the spaced
        # form is, with the units after them.
        (
            "Billing: 97530-GO-95 x2; 97535-GO-95 x1",
            {"97530": (2, ["GO", "95"]), "97535": (1, ["GO", "95"])},
        ),
        ("Charges: 97116-GP x3, 97140-GP x1", {"97116": (3, ["GP"]), "97140": (1, ["GP"])}),
        ("Billed: 97140-GP-59 x1", {"97140": (1, ["GP", "59"])}),
        ("Billed: 97140-59-GP x1", {"97140": (1, ["59", "GP"])}),
        ("Billing: 97116 -GP x2", {"97116": (2, ["GP"])}),
        ("Billing: 97530-95-GO x3", {"97530": (3, ["95", "GO"])}),
        ("Billing: 97110-GP-KX-95 x3", {"97110": (3, ["GP", "KX", "95"])}),
        ("CPT: 97112-GP-95, 2 units", {"97112": (2, ["GP", "95"])}),
        ("Billing: 97112-GP-95 (2 units)", {"97112": (2, ["GP", "95"])}),
        ("Billing: 97535 (GO, 95) x1", {"97535": (1, ["GO", "95"])}),
        ("Billing: 97116-GPx2", {"97116": (2, ["GP"])}),  # units glued to the modifier
        ("Billing: 97116x2-GP-95", {"97116": (2, ["GP", "95"])}),
        ("Billing: 97110-GP-GA x1", {"97110": (1, ["GP", "GA"])}),  # an ABN modifier
        # code lines and tables
        (
            "97530-GO-95 x2\n97535-GO-95 x1",
            {"97530": (2, ["GO", "95"]), "97535": (1, ["GO", "95"])},
        ),
        ("Code | Min | Units\n97116-GP-95 | 24 | 2\n", {"97116": (2, ["GP", "95"])}),
        ("CPT        Units\n97116-GP-95   2\n", {"97116": (2, ["GP", "95"])}),
        # a parenthesised modifier after units glued to the code
        ("97116x2 (GP)\n97140x1 (GP)", {"97116": (2, ["GP"]), "97140": (1, ["GP"])}),
        ("97116x2 (GP, KX)", {"97116": (2, ["GP", "KX"])}),
        ("Billing: 97116x2 (GP), 97140x1 (GP)", {"97116": (2, ["GP"]), "97140": (1, ["GP"])}),
    ],
)
def test_hyphen_joined_modifiers(text, expected):
    assert billed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("97116 GP x2 (59 min)", {"97116": (2, ["GP"])}),  # minutes, not the 59 modifier
        ("Billing: 97116 GP x2 (95 min total)", {"97116": (2, ["GP"])}),
        ("97116 GP x2 - 95% of the session", {"97116": (2, ["GP"])}),
    ],
)
def test_a_number_that_is_minutes_is_not_a_numeric_modifier(text, expected):
    assert billed(text) == expected


def test_a_later_statement_names_the_modifiers_a_billing_grid_left_out():
    text = (
        "Start | End | Min | Units | Code | Intervention\n"
        "0900 | 0923 | 23 | 2 | 97530 | Therapeutic activities\n"
        "0923 | 0935 | 12 | 1 | 97535 | Self-care training\n"
        "\n"
        "Charges: 97530-GO x2, 97535-GO x1\n"
    )
    assert billed(text) == {"97530": (2, ["GO"]), "97535": (1, ["GO"])}
    # the first statement's units stand; modifiers it names are not replaced
    text = "Billing: 97112 GP x2\nCharges: 97112-KX x3\n"
    assert billed(text) == {"97112": (2, ["GP"])}


def test_a_split_visit_billed_per_session_sums_a_code_billed_in_both():
    text = (
        "Charges (by session):\n"
        "AM: 97530 GP x1, 97140 GP x1\n"
        "PM session - 97530 GP x1; 97116 GP x1\n"
    )
    assert billed(text) == {"97530": (2, ["GP"]), "97140": (1, ["GP"]), "97116": (1, ["GP"])}


def test_a_session_label_in_prose_bills_nothing():
    assert billed("AM: 97110 reviewed with pt, plan 97530 next week") == {}


@pytest.mark.parametrize(
    "text",
    [
        "Claim lines:\n  97110-GP-KX ....... 2 units\n  97140-59-GP ... 1 unit\n",
        "97110-GP-KX ....... 2 units\n97140-59-GP ... 1 unit\n",
    ],
)
def test_a_dotted_leader_between_code_and_units(text):
    assert billed(text) == {"97110": (2, ["GP", "KX"]), "97140": (1, ["59", "GP"])}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # dictated billing: the units in words
        (
            "Billing 97530 GP times two comma 97116 GP times one.",
            {"97530": (2, ["GP"]), "97116": (1, ["GP"])},
        ),
        (
            "Billed: two units of 97112 GO, one unit of 97535 GO",
            {"97112": (2, ["GO"]), "97535": (1, ["GO"])},
        ),
        ("CPT: 97140 GP x three", {"97140": (3, ["GP"])}),
        ("Charges: 97110 GP three units", {"97110": (3, ["GP"])}),
    ],
)
def test_units_written_in_words(text, expected):
    assert billed(text + "\n") == expected


@pytest.mark.parametrize(
    "text",
    [
        "Billing: 97530 GP one-on-one",  # not a count
        "Billing: 97110 GP x a few",
        "Billing: 97112 GP times three sets",  # sets, not units
    ],
)
def test_words_after_a_code_that_are_not_its_units(text):
    assert billed(text + "\n") == {text.split()[1]: (None, ["GP"])}
