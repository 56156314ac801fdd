"""Grounding keeps only what the note says, with offsets into the ORIGINAL note."""

from __future__ import annotations

import pytest
from test_llm_fakes import (
    NOTE,
    good_answer,
    loopback_only,  # noqa: F401 - autouse: 127.0.0.1 only
)

from reviewer.extract.llm.grounding import Locator, ground, has_time
from reviewer.extract.llm.schema import LLMNoteFacts, json_schema
from reviewer.intake import prepare
from reviewer.redact import redact


def _ground(answer, text=NOTE, redacted=False):
    note = prepare(text)
    red = redact(note.text) if redacted else None
    return ground(LLMNoteFacts.model_validate(answer), note, red)


def _reasons(dropped):
    return {(d.field, d.reason) for d in dropped}


def test_a_correct_answer_is_grounded_completely_with_nothing_dropped():
    facts, dropped = _ground(good_answer())
    assert dropped == []
    assert facts.timed_minutes_by_code() == {"97112": 25, "97110": 15}
    assert facts.billed_units_by_code() == {"97112": 2, "97110": 1}
    assert facts.total_timed_minutes.minutes == 40
    assert facts.interventions[0].guidance[1].kind == "verbal_cues"


def test_every_evidence_span_quotes_the_original_note_at_its_offsets():
    facts, _ = _ground(good_answer())
    spans = [
        facts.total_timed_minutes.evidence,
        facts.billed[0].evidence,
        facts.interventions[0].evidence,
        facts.interventions[0].activities[0].evidence,
    ]
    for span in spans:
        assert NOTE[span.start : span.end] == span.text


def test_offsets_survive_crlf_unicode_dashes_and_nbsp_in_the_original():
    original = (
        NOTE.replace("\n", "\r\n")
        .replace("13:00-13:25", "13:00\u201313:25")
        .replace("Total timed: 40", "Total\u00a0timed: 40")
    )
    facts, dropped = _ground(good_answer(), text=original)
    assert not dropped
    ev = facts.interventions[0].clock_span.evidence
    assert original[ev.start : ev.end] == "13:00\u201313:25"
    ev = facts.total_timed_minutes.evidence
    assert original[ev.start : ev.end] == "Total\u00a0timed: 40 min"


@pytest.mark.parametrize(
    "quote",
    [
        "total TIMED:   40 min",  # case and spacing differ
        "Total timed :40 min",  # spacing around punctuation
        '"Total timed: 40 min"',  # wrapped in quotation marks
        "Total timed: 40 min. Total ... time: 40 min",  # an ellipsis for skipped words
    ],
)
def test_a_quote_is_found_despite_whitespace_case_and_ellipsis(quote):
    answer = good_answer(total_timed_minutes={"minutes": 40, "quote": quote})
    facts, dropped = _ground(answer)
    assert facts.total_timed_minutes is not None and not dropped


def test_a_fact_whose_quote_is_not_in_the_note_is_dropped_and_counted():
    answer = good_answer(responses=[{"text": "great", "quote": "Pt did great today"}])
    facts, dropped = _ground(answer)
    assert facts.responses == []
    assert ("responses[0]", "quote not found in the note") in _reasons(dropped)


def test_a_number_that_is_not_in_its_quote_is_dropped():
    # the quote is real, the number invented: grounding refuses it
    answer = good_answer(total_timed_minutes={"minutes": 60, "quote": "Total timed: 40 min"})
    facts, dropped = _ground(answer)
    assert facts.total_timed_minutes is None
    assert ("total_timed_minutes", "the number 60 is not in the quoted text") in _reasons(dropped)


def test_intervention_minutes_may_come_from_its_own_clock_span():
    answer = good_answer()
    answer["interventions"][0]["minutes_quote"] = None
    answer["interventions"][0]["quote"] = "NMR 13:00-13:25"
    facts, dropped = _ground(answer)
    assert facts.interventions[0].minutes == 25 and not dropped
    assert facts.interventions[0].stated_minutes is None  # from the span, not a stated duration


def test_codes_outside_the_known_list_are_rejected():
    answer = good_answer()
    answer["interventions"][1]["code"] = "99999"
    answer["billed"].append({"code": "G9999", "units": 1, "quote": "97110 GP x1"})
    facts, dropped = _ground(answer)
    assert facts.interventions[1].code is None
    assert [line.code for line in facts.billed] == ["97112", "97110"]
    reasons = _reasons(dropped)
    assert ("interventions[1].code", "code not in the known code list") in reasons
    assert ("billed[2]", "code not in the known code list") in reasons


def test_a_code_mentioned_in_prose_is_not_read_as_billed():
    text = NOTE + "P: consider 97530 for car transfers next visit\n"
    answer = good_answer()
    answer["billed"].append(
        {"code": "97530", "units": 1, "quote": "consider 97530 for car transfers"}
    )
    facts, dropped = _ground(answer, text=text)
    assert "97530" not in facts.billed_units_by_code()
    assert any("not a billing statement" in d.reason for d in dropped)


def test_a_modifier_or_units_not_written_on_the_billing_line_are_dropped():
    answer = good_answer()
    answer["billed"][0] = {
        "code": "97112",
        "units": 3,
        "modifiers": ["GP", "59"],
        "quote": "97112 GP x2",
    }
    facts, dropped = _ground(answer)
    assert facts.billed[0].modifiers == ["GP"] and facts.billed[0].units is None
    assert {d.field for d in dropped} == {"billed[0].units", "billed[0].modifiers"}


def test_quotes_through_redaction_map_back_and_names_are_restored():
    answer = good_answer(provider={"name": "[NAME-1]", "quote": "Pt: [NAME-1]"})
    facts, dropped = _ground(answer, redacted=True)
    assert not dropped
    assert facts.provider.name == "Janet Quill"
    assert facts.provider.evidence.text == "Pt: Janet Quill"


def test_vague_phrase_indexes_follow_dropped_interventions():
    answer = good_answer(vague_phrases=[{"phrase": "x", "quote": "bridges", "intervention": 1}])
    answer["interventions"][0]["quote"] = "a heading that is not in the note"
    facts, _ = _ground(answer)
    assert len(facts.interventions) == 1
    assert facts.vague_phrases[0].intervention == 0


@pytest.mark.parametrize(
    "text,value,found",
    [
        ("2:00 pm - 2:40 pm", "14:00", True),  # 12-hour clock
        ("0900-0940", "09:00", True),  # military
        ("09:00-09:40", "9:40", True),  # leading zero optional
        ("09:00-09:40", "10:40", False),  # a time that is not there
        ("2 pm", "14:00", True),  # on the hour, no minutes
    ],
)
def test_clock_times_are_recognised_in_common_spellings(text, value, found):
    assert has_time(text, value) is found


def test_the_locator_prefers_a_match_inside_the_given_region():
    note = prepare("CGA here\nNMR: CGA there")
    loc = Locator(note)
    found = loc.find("CGA", within=(9, len(note.text)))
    assert found.start == note.text.index("CGA there")


def test_the_schema_sent_to_the_model_closes_the_code_list():
    schema = json_schema()
    code = schema["$defs"]["QBilledLine"]["properties"]["code"]
    assert "97112" in code["enum"] and "99213" not in code["enum"]
    assert "verdict" not in schema["properties"]  # the model has nowhere to put a judgement
