"""Patterns across notes (P001-P003): same-day pooling, low minutes per unit, cloned notes."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from reviewer.rules import registry
from reviewer.rules.patterns import (
    P002_MIN_NOTES,
    clone_text,
    date_key,
    find_patterns,
    mask,
    pattern_rules,
    patterns_by_row,
    person_key,
    similarity,
)

ASSESSMENT = (
    "A: Tandem stance on foam 20 s without LOB; needed verbal cues on 3 of 10 weight shifts. "
    "Impaired dynamic balance; still a fall risk when turning. Progressing toward STG 1."
)


@dataclass
class Row:
    """The attributes find_patterns reads (BatchResult and worklist items have the same)."""

    id: str
    patient: str | None = "Harriet Quill"
    date: str | None = "2025-06-03"
    provider: str | None = "Dana Okoye"
    method: str = "cms"
    minutes: dict[str, int] = field(default_factory=dict)
    billed: dict[str, int] = field(default_factory=dict)
    timed_minutes: int | None = None
    clone_text: str | None = None
    error: str | None = None


def _rules_fired(rows) -> dict[str, list[str]]:
    return dict(patterns_by_row(find_patterns(rows)))


# --------------------------------------------------------------------------- metadata


#: The P-family of the rule catalogue (RULES.md): id -> (name, severity, sources)
CATALOGUE = {
    "P001": ("same-day-minutes-pooled", "info", ("cms-8-minute-rule",)),
    "P002": ("low-minutes-per-unit", "warning", ("cms-8-minute-rule",)),
    "P003": ("cloned-note", "warning", ("vague-documentation",)),
}


def test_pattern_rules_match_the_catalogue():
    assert {r.id: (r.name, r.severity, r.sources) for r in pattern_rules()} == CATALOGUE


def test_pattern_rules_are_p001_to_p003_with_a_why_and_sources():
    rules = {r.id: r for r in pattern_rules()}
    assert list(rules) == ["P001", "P002", "P003"]
    assert rules["P001"].severity == "info"
    assert rules["P002"].severity == rules["P003"].severity == "warning"
    for r in rules.values():
        assert "Why" in r.doc and r.sources and r.summary
        assert r.name == r.name.lower() and " " not in r.name


def test_pattern_rules_never_run_per_note():
    from reviewer.rules.base import _RULES  # what the per-note registry runs

    assert not set(_RULES) & {"P001", "P002", "P003"}
    assert "reviewer.rules.patterns" not in registry.RULE_MODULES


def test_pattern_rules_cite_knowledge_that_exists():
    documents = pytest.importorskip("reviewer.knowledge.documents")
    for r in pattern_rules():
        for key in r.sources:
            assert key in documents.RULE_SOURCE_KEYS, (r.id, key)


# --------------------------------------------------------------------------- P001


def test_two_notes_same_patient_same_day_same_code_pool_their_minutes():
    # 10 + 10 min of 97110 is one day of 20 min: 1 unit, but 2 were billed.
    rows = [
        Row("a", minutes={"97110": 10}, billed={"97110": 1}, timed_minutes=10),
        Row("b", minutes={"97110": 10}, billed={"97110": 1}, timed_minutes=10),
    ]
    (finding,) = [f for f in find_patterns(rows) if f.rule == "P001"]
    assert finding.rows == ["a", "b"]
    assert finding.data["pooled_minutes"] == {"97110": 20}
    assert finding.data["status"] == "over"
    assert finding.data["supported_total"] == 1 and finding.data["billed_total"] == 2
    assert "10+10 = 20 min" in finding.message and "support 1" in finding.message


def test_pooled_day_that_still_supports_the_units_says_so():
    rows = [
        Row("a", minutes={"97110": 15}, billed={"97110": 1}),
        Row("b", minutes={"97110": 15}, billed={"97110": 1}),
    ]
    (finding,) = [f for f in find_patterns(rows) if f.rule == "P001"]
    assert finding.data["status"] == "supported"


def test_pooling_uses_the_notes_method():
    # ama: each code on its own; 7 + 7 = 14 min of 97140 is 1 unit, billed 0 + 1.
    rows = [
        Row("a", method="ama", minutes={"97140": 7}, billed={"97140": 1}),
        Row("b", method="ama", minutes={"97140": 7}, billed={"97140": 1}),
    ]
    (finding,) = find_patterns(rows)
    assert finding.data["method"] == "ama" and finding.data["status"] == "over"


@pytest.mark.parametrize(
    "second",
    [
        Row("b", date="2025-06-04", minutes={"97110": 10}, billed={"97110": 1}),  # another day
        Row("b", patient="Samuel Berg", minutes={"97110": 10}, billed={"97110": 1}),  # another pt
        Row("b", minutes={"97112": 10}, billed={"97112": 1}),  # another code
        Row("b", minutes={"97110": 10}, billed={"97110": 1}, error="the note is empty"),  # failed
        Row("b", patient=None, minutes={"97110": 10}, billed={"97110": 1}),  # patient unknown
    ],
)
def test_same_day_pooling_needs_one_patient_one_date_one_code(second):
    first = Row("a", minutes={"97110": 10}, billed={"97110": 1})
    assert "P001" not in {f.rule for f in find_patterns([first, second])}


def test_dates_written_differently_are_the_same_day():
    rows = [
        Row("a", date="06/03/2025", minutes={"97110": 10}, billed={"97110": 1}),
        Row(
            "b",
            date="2025-06-03",
            patient="harriet  quill",
            minutes={"97110": 10},
            billed={"97110": 1},
        ),
    ]
    assert [f.rule for f in find_patterns(rows)] == ["P001"]


def test_pooled_day_without_minutes_for_the_code_cannot_be_rechecked():
    rows = [
        Row("a", minutes={"97110": 10}, billed={"97110": 1}),
        Row("b", minutes={}, billed={"97110": 1}),
    ]
    (finding,) = find_patterns(rows)
    assert finding.data["status"] == "not_checkable"
    assert "97110 has no minutes in b" in finding.message


# --------------------------------------------------------------------------- P002


def _provider_rows(pairs, provider="Dana Okoye, PT, DPT"):
    # each note on its own patient and day so that only P002 can speak
    return [
        Row(
            f"n{i}",
            patient=f"Patient {i}",
            date=f"2025-06-{i + 1:02d}",
            provider=provider,
            billed={"97110": units},
            timed_minutes=minutes,
        )
        for i, (minutes, units) in enumerate(pairs)
    ]


def test_provider_averaging_under_15_minutes_per_unit_is_flagged():
    # 38 min -> 3 units three times: 12.7 min per unit on average
    rows = _provider_rows([(38, 3), (38, 3), (38, 3)])
    (finding,) = find_patterns(rows)
    assert finding.rule == "P002" and finding.severity == "warning"
    assert finding.data["minutes_per_unit"] == pytest.approx(114 / 9, abs=0.01)
    assert "12.7 min per unit" in finding.message


@pytest.mark.parametrize(
    "pairs",
    [
        [(45, 3), (45, 3), (45, 3)],  # exactly 15 per unit
        [(38, 3), (38, 3), (60, 3)],  # 136 / 9 = 15.1
        [(38, 3)] * (P002_MIN_NOTES - 1),  # too few notes to call it a practice
        [(38, 0), (38, 0), (38, 0)],  # no timed units billed
    ],
)
def test_provider_average_at_or_above_15_or_too_few_notes_is_not_flagged(pairs):
    assert find_patterns(_provider_rows(pairs)) == []


def test_provider_names_with_and_without_credentials_are_one_provider():
    rows = _provider_rows([(38, 3), (38, 3)], provider="Dana Okoye, PT, DPT")
    rows += _provider_rows([(38, 3)], provider="dana okoye PT")
    rows[-1].id, rows[-1].patient = "n9", "Patient 9"
    assert [f.rule for f in find_patterns(rows)] == ["P002"]


def test_notes_without_timed_minutes_do_not_count_toward_the_average():
    rows = _provider_rows([(38, 3), (38, 3), (38, 3)])
    rows[0].timed_minutes = None
    assert find_patterns(rows) == []


# --------------------------------------------------------------------------- P003

INTERVENTION = (
    "NMR 09:00-09:25 (25 min): tandem stance on Airex 3 x 30 s, lateral weight shifts to cones "
    "2 x 10 each side; CGA with gait belt, TCs at pelvis."
)


def _note(date: str, seconds: int, start: str = "09:00") -> str:
    return (
        f"DOS: {date}\nPt: Harriet Quill\n"
        + INTERVENTION.replace("09:00", start)
        + "\n"
        + ASSESSMENT.replace("20 s", f"{seconds} s")
        + "\nP: progress to head turns.\n"
    )


def test_masking_hides_dates_times_and_numbers():
    assert mask("DOS 06/03/2025 at 09:00-09:25, 3 x 30 s") == "dos <d> at <t> <t> # x # s"


def test_a_note_copied_forward_with_new_dates_times_and_numbers_is_a_clone():
    rows = [
        Row("a", date="2025-06-03", clone_text=clone_text(_note("06/03/2025", 18))),
        Row("b", date="2025-06-05", clone_text=clone_text(_note("06/05/2025", 22, "10:00"))),
    ]
    (finding,) = find_patterns(rows)
    assert finding.rule == "P003" and finding.rows == ["a", "b"]
    assert finding.data["identical"] is True
    assert "2025-06-03, 2025-06-05" in finding.message


def test_nearly_the_same_text_is_a_clone_and_says_how_similar():
    base = _note("06/03/2025", 18)
    edited = base.replace("lateral weight shifts", "forward weight shifts")
    score = similarity(clone_text(base), clone_text(edited))
    assert 0.85 <= score < 1.0
    rows = [Row("a", clone_text=clone_text(base)), Row("b", clone_text=clone_text(edited))]
    (finding,) = find_patterns(rows)
    assert finding.data["identical"] is False and "similarity" in finding.message


def test_different_visits_of_one_patient_are_not_clones():
    other = (
        "DOS: 06/05/2025\nGait training 10:00-10:20 (20 min): amb with SPC 3 x 150 ft on "
        "grass and ramp, CGA; VCs for step length.\nA: Ramp ascent without LOB today; "
        "needed cues for sequencing on descent. Toward LTG community ambulation.\n"
    )
    rows = [
        Row("a", clone_text=clone_text(_note("06/03/2025", 18))),
        Row("b", clone_text=clone_text(other)),
    ]
    assert find_patterns(rows) == []


def test_the_same_text_for_two_patients_is_not_a_clone():
    text = clone_text(_note("06/03/2025", 18))
    rows = [Row("a", clone_text=text), Row("b", patient="Samuel Berg", clone_text=text)]
    assert find_patterns(rows) == []


def test_texts_too_short_to_judge_are_ignored():
    rows = [
        Row("a", clone_text=mask("TherEx 97110 x2")),
        Row("b", clone_text=mask("TherEx 97110 x2")),
    ]
    assert find_patterns(rows) == []


def test_three_copies_make_one_cluster():
    texts = [clone_text(_note(f"06/0{d}/2025", 15 + d)) for d in (3, 5, 7)]
    rows = [Row(x, clone_text=t) for x, t in zip("abc", texts, strict=True)]
    (finding,) = find_patterns(rows)
    assert finding.rows == ["a", "b", "c"]


def test_clone_text_is_interventions_and_assessment_when_facts_have_interventions():
    from reviewer.facts import Intervention, NoteFacts, Span

    note = _note("06/03/2025", 18)
    start = note.index("NMR")
    end = note.index("\n", start)
    facts = NoteFacts(
        interventions=[
            Intervention(
                description="NMR", evidence=Span(start=start, end=end, text=note[start:end])
            )
        ]
    )
    text = clone_text(note, facts)
    assert text.startswith("nmr <t> <t>")
    assert "impaired dynamic balance" in text
    assert "harriet" not in text and "progress to head turns" not in text


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("06/03/2025", "2025-06-03"),
        ("6/3/25", "2025-06-03"),
        ("2025-06-03", "2025-06-03"),
        ("June 3, 2025", "2025-06-03"),
        ("sometime", "sometime"),  # unreadable dates still group with the same text
        ("", None),
    ],
)
def test_dates_are_compared_as_iso_dates(written, key):
    assert date_key(written) == key


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Dana Okoye, PT, DPT", "dana okoye"),
        ("Dana Okoye PT", "dana okoye"),
        ("  DANA   OKOYE ", "dana okoye"),
        ("Luis Ferreira, PTA", "luis ferreira"),
        (None, None),
    ],
)
def test_people_are_compared_without_case_spacing_or_credentials(written, key):
    assert person_key(written) == key
