"""Dotted leaders: "Time.........: 10:00-10:25" reads as "Time: 10:00-10:25" in every reader
(header, totals, billing, segmentation), and evidence still quotes the note as written."""

from __future__ import annotations

import pytest

from reviewer.extract.rules_based import extract_facts
from reviewer.extract.rules_based.leaders import strip_leaders, without_leaders
from reviewer.intake import prepare

FLOWSHEET = (
    "Visit Type.......: PT Daily Note\n"
    "DOS..............: 03/09/2026\n"
    "Payer............: Medicare Part B\n"
    "Therapist........: Lena Okafor, PT, DPT\n"
    "\n"
    "Intervention.....: Neuromuscular re-education (97112)\n"
    "Time.............: 09:00-09:23 (23 min)\n"
    "Detail...........: tandem stance on foam 4 x 30 s, CGA with gait belt, TCs at pelvis\n"
    "\n"
    "Intervention.....: Gait training (97116)\n"
    "Time.............: 09:23-09:38 (15 min)\n"
    "Detail...........: 3 x 150 ft with SPC, VCs for heel strike\n"
    "\n"
    "Total Timed Min..: 38\n"
    "Total Tx Time....: 38\n"
    "CPT..............: 97112 (2) GP; 97116 (1) GP\n"
)


def test_a_flowsheet_with_dotted_leaders_reads_like_one_without():
    with_leaders = extract_facts(prepare(FLOWSHEET))
    bare = extract_facts(prepare(strip_leaders(FLOWSHEET)))
    assert "..." not in strip_leaders(FLOWSHEET)
    for f in (with_leaders, bare):
        assert [(i.code, i.minutes) for i in f.interventions] == [("97112", 23), ("97116", 15)]
        assert [(b.code, b.units, b.modifiers) for b in f.billed] == [
            ("97112", 2, ["GP"]),
            ("97116", 1, ["GP"]),
        ]
        assert f.total_timed_minutes is not None and f.total_timed_minutes.minutes == 38
        assert f.total_treatment_minutes is not None and f.total_treatment_minutes.minutes == 38
        assert f.date_of_service is not None and f.date_of_service.value == "2026-03-09"
        assert f.payer is not None and f.payer.method == "cms"
        assert f.provider is not None and f.provider.name == "Lena Okafor"


def test_evidence_quotes_the_note_as_written_with_its_leaders():
    raw = FLOWSHEET.replace("\n", "\r\n")  # a length-changing normalisation as well
    f = extract_facts(prepare(raw))
    spans = [
        f.interventions[0].evidence,
        f.interventions[1].clock_span.evidence,
        f.total_timed_minutes.evidence,
        f.billed[0].evidence,
        f.date_of_service.evidence,
    ]
    for span in spans:
        assert raw[span.start : span.end] == span.text
    assert f.total_timed_minutes.evidence.text == "Total Timed Min..: 38"
    assert "Time.............: 09:23-09:38" in f.interventions[1].evidence.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Time.......: 10:00", "Time: 10:00"),
        ("Total Min..: 30", "Total Min: 30"),
        ("Intervention . . . . : Gait", "Intervention: Gait"),
        ("Units .....  : 2", "Units: 2"),
        ("Acct #.....: 5-1", "Acct #: 5-1"),
        ("Pain (0-10)....: 3", "Pain (0-10): 3"),
        # not a leader: one dot (an abbreviation), dots not before a colon, an ellipsis alone
        ("Min.: 30", "Min.: 30"),
        ("Gait training........ 23 min", "Gait training........ 23 min"),
        ("Pt reports ... better", "Pt reports ... better"),
        ("...: nothing keyed", "...: nothing keyed"),
    ],
)
def test_what_a_leader_is(text, expected):
    assert strip_leaders(text) == expected


def test_a_note_without_leaders_is_the_same_note():
    note = prepare("Time: 10:00-10:25\nGait training 3 x 150 ft...\n")
    assert without_leaders(note) is note


def test_an_interventions_code_field_with_a_leader_bills_nothing():
    text = (
        "Date.............: 03/09/2026\n"
        "Intervention.....: Neuromuscular re-education\n"
        "CPT..............: 97112\n"
        "Time.............: 09:00-09:23 (23 min)\n\n"
        "Billing..........: 97112 GP x2\n"
    )
    f = extract_facts(prepare(text))
    assert [(i.code, i.minutes) for i in f.interventions] == [("97112", 23)]
    assert [(b.code, b.units) for b in f.billed] == [("97112", 2)]
