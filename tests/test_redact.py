"""Redaction takes identifiers out of a note and keeps everything the checker needs."""

from __future__ import annotations

import pytest

from reviewer.redact import identity, redact

# Synthetic notes, each with the identifiers it contains and the billing facts that must stay.
NOTES = [
    (
        # SOAP header: labelled name, MRN, DOB, phone; Medicare billing line with CQ
        "DOS: 03/11/2025   Payer: Medicare Part B\n"
        "Pt: Harriet Vance   MRN: 00552913   DOB: 07/22/1944\n"
        "Phone: 555-302-1188\n"
        "NMR 09:00-09:23 (23 min): tandem stance 3 x 30 s, CGA. Mrs. Vance needed VCs.\n"
        "Total timed: 23 min. 97112 GP CQ x2. Dx R26.81.\n",
        ["Harriet Vance", "Vance", "Harriet", "00552913", "07/22/1944", "555-302-1188"],
        ["03/11/2025", "09:00-09:23", "23 min", "97112", "GP", "CQ", "x2", "R26.81"],
    ),
    (
        # "Last, First" name, account number, email, street address with city/state/ZIP
        "Patient Name: Okafor, Chidi   Acct #: A-2231-77\n"
        "Address: 44 Linden Ave, Apt 3, Springfield, IL 62704\n"
        "Email: chidi.okafor@example.com\n"
        "Date of service 2025-04-02. TherEx 14:00-14:15 (15 min). 97110 GO x1. Dx M62.81\n",
        ["Okafor", "Chidi", "A-2231-77", "44 Linden Ave", "62704", "chidi.okafor@example.com"],
        ["2025-04-02", "14:00-14:15", "15 min", "97110", "GO", "x1", "M62.81"],
    ),
    (
        # Salutation, SSN, date of birth written out, phone with parentheses, fax
        "Dear Marguerite,\nSSN 123-45-6789; born March 3, 1939. Cell (555) 867-5309, "
        "Fax: 555.201.4455\n"
        "Gait training 10:05-10:30 (25 min), 97116 GP x2; 97530 59 x1. 12/01/2025.\n",
        ["Marguerite", "123-45-6789", "March 3, 1939", "(555) 867-5309", "555.201.4455"],
        ["10:05-10:30", "25 min", "97116", "97530", "59", "12/01/2025"],
    ),
    (
        # Client label and a street address next to codes; a CO modifier and a remittance code
        "Client: Bo Lindqvist | Member ID: XJ4471992\n"
        "Home: 1200 N. Harbor Blvd, Fullerton, CA 92832\n"
        "OT 97535 GO CO x2 (self-care 28 min). Remit: CO-45. 97530 GO x1.\n",
        ["Bo Lindqvist", "Lindqvist", "XJ4471992", "1200 N. Harbor Blvd", "92832"],
        ["97535", "GO", "CO", "x2", "28 min", "CO-45", "97530"],
    ),
]


@pytest.mark.parametrize("text,identifiers,keep", NOTES)
def test_identifiers_are_removed_and_billing_facts_kept(text, identifiers, keep):
    redacted = redact(text).text
    for value in identifiers:
        assert value not in redacted, f"{value!r} survived redaction"
    for value in keep:
        assert value in redacted, f"{value!r} was redacted but the checker needs it"


def test_a_bare_five_digit_code_is_never_taken_for_a_zip():
    text = "Billing: 97110 GP x2; 97112 GP x1; 97140 59 x1; Springfield, IL 97112"
    redacted = redact(text).text
    assert redacted.count("97112") == 2  # the therapy code after a state is not a ZIP either
    assert "97110" in redacted and "97140" in redacted


@pytest.mark.parametrize(
    "text",
    [
        "Supervising PT: Alan Cho, PT, DPT",  # a clinician, not the patient
        "Therapist name: Mary Poe, PT",  # labelled, but the line says whose name it is
        "S: Pt reports 2/10 pain. Pt: tolerated well.",  # "Pt:" followed by no name
        "Home program: 3 x 10 bridges, 10 15 20 25 reps",  # numbers are not phone numbers
    ],
)
def test_text_that_only_looks_like_an_identifier_is_left_alone(text):
    assert redact(text).text == text


def test_each_identifier_gets_a_numbered_placeholder_and_repeats_reuse_it():
    result = redact("Pt: Ada Brandt\nAda Brandt arrived. MRN 4411-2\nBrandt tolerated.")
    assert "[NAME-1]" in result.text and "[MRN-1]" in result.text
    assert result.text.count("[NAME-1]") == 2  # the full name twice
    assert result.counts()["MRN"] == 1


def test_offsets_in_the_redacted_text_map_back_to_the_input():
    text = "Pt: Ada Brandt   MRN: 4411-2\nTherEx 09:00-09:15 (15 min)"
    result = redact(text)
    start = result.text.index("TherEx")
    end = start + len("TherEx 09:00-09:15")
    s, e = result.to_source(start, end)
    assert text[s:e] == "TherEx 09:00-09:15"
    # a range covering a placeholder widens to the whole original identifier
    p = result.text.index("[NAME-1]")
    s, e = result.to_source(p, p + len("[NAME-1]"))
    assert text[s:e] == "Ada Brandt"


def test_placeholders_in_a_model_answer_are_restored_locally():
    result = redact("Patient: Ada Brandt\nDear Ada,")
    assert result.restore("Signed for [NAME-1]") == "Signed for Ada Brandt"
    assert result.restore("[UNKNOWN-9] stays") == "[UNKNOWN-9] stays"


def test_identity_redaction_changes_nothing_and_maps_offsets_one_to_one():
    result = identity("DOS 03/04/2025")
    assert result.text == "DOS 03/04/2025" and not result.changed
    assert result.to_source(4, 14) == (4, 14)
