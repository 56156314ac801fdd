"""Hybrid extraction: rules first, grounded LLM facts fill the gaps, disagreements are listed."""

from __future__ import annotations

import pytest
from test_llm_fakes import (
    NOTE,
    Script,
    good_answer,
    loopback_only,  # noqa: F401 - autouse: 127.0.0.1 only
    reply,
    settings,
    status,
)

from reviewer.extract.llm.extractor import LLMExtractor
from reviewer.extract.llm.hybrid import HybridExtractor, merge
from reviewer.extract.rules_based import RulesExtractor
from reviewer.intake import prepare


@pytest.fixture
def note():
    return prepare(NOTE)


def _hybrid(script, **changes):
    s = settings(**changes)
    return HybridExtractor(s, llm=LLMExtractor(s, http_client=script.client()))


def _readings(note):
    rules = RulesExtractor().extract(note).facts
    llm = _hybrid(Script(reply(good_answer()))).llm.run(note).facts
    return rules, llm


def test_when_both_extractors_agree_there_is_nothing_to_look_at(note):
    result = _hybrid(Script(reply(good_answer()))).extract(note)
    assert result.extractor == "hybrid" and result.disagreements == []
    assert result.facts.timed_minutes_by_code() == {"97112": 25, "97110": 15}


def test_llm_facts_fill_what_the_rules_extractor_missed(note):
    rules, llm = _readings(note)
    rules = rules.model_copy(update={"total_timed_minutes": None, "goal_refs": []})
    merged, disagreements = merge(rules, llm)
    assert merged.total_timed_minutes.minutes == 40
    assert merged.goal_refs and not disagreements


def test_a_number_read_differently_keeps_the_rules_reading_and_lists_both(note):
    rules, llm = _readings(note)
    changed = llm.interventions[1].model_copy(update={"minutes": 20})
    llm = llm.model_copy(update={"interventions": [llm.interventions[0], changed]})
    merged, disagreements = merge(rules, llm)
    assert merged.timed_minutes_by_code()["97110"] == 15
    [d] = disagreements
    assert (d.field, d.rules, d.llm) == ("interventions[1].minutes", 15, 20)
    assert "Check the note" in d.note


def test_a_code_or_units_read_differently_is_listed(note):
    rules, llm = _readings(note)
    billed = [llm.billed[0].model_copy(update={"units": 3}), llm.billed[1]]
    first = llm.interventions[0].model_copy(update={"code": "97530"})
    llm = llm.model_copy(update={"billed": billed, "interventions": [first, llm.interventions[1]]})
    _, disagreements = merge(rules, llm)
    assert {d.field for d in disagreements} == {"billed[0].units", "interventions[0].code"}


def test_an_intervention_only_the_llm_found_is_added(note):
    rules, llm = _readings(note)
    rules = rules.model_copy(update={"interventions": rules.interventions[:1]})
    merged, _ = merge(rules, llm)
    assert [i.code for i in merged.interventions] == ["97112", "97110"]


def test_when_the_llm_fails_hybrid_returns_the_rules_reading_and_says_why(note):
    result = _hybrid(Script(status(503)), max_retries=0).extract(note)
    assert result.extractor == "rules" and result.requested == "hybrid"
    assert "HTTP 503" in result.fallback_reason
