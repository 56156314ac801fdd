"""The LLM extractor, with scripted HTTP responses (httpx.MockTransport): no key, no network."""

from __future__ import annotations

import json

import pytest
from test_llm_fakes import (
    IDENTIFIERS,
    NOTE,
    Script,
    answer_for,
    completion,
    good_answer,
    loopback_only,  # noqa: F401 - autouse: 127.0.0.1 only
    method_of,
    reply,
    settings,
    status,
)

from reviewer.errors import ConfigError
from reviewer.extract.llm import get_extractor
from reviewer.extract.llm.extractor import LLMExtractor
from reviewer.extract.llm.settings import LLMSettings
from reviewer.intake import prepare


@pytest.fixture
def note():
    return prepare(NOTE)


def _extract(note, script, **changes):
    return LLMExtractor(settings(**changes), http_client=script.client()).extract(note)


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_each_structured_output_method_yields_grounded_facts(note, method):
    script = Script(reply(good_answer()))
    result = _extract(note, script, structured=method)
    assert method_of(script.requests[0]) == method
    assert result.extractor == "llm" and result.fallback_reason is None
    assert result.facts.billed_units_by_code() == {"97112": 2, "97110": 1}
    assert result.facts.timed_minutes_by_code() == {"97112": 25, "97110": 15}
    assert result.dropped == []


def test_the_request_carries_the_schema_with_the_closed_code_list(note):
    script = Script(reply(good_answer()))
    _extract(note, script, structured="function_calling")
    tool = script.requests[0]["tools"][0]["function"]
    assert tool["name"] == "note_facts"
    assert "97112" in json.dumps(tool["parameters"])


def test_ungrounded_facts_are_dropped_and_reported(note):
    answer = good_answer(goal_refs=[{"text": "x", "quote": "Goal: walk 500 ft unassisted"}])
    result = _extract(note, Script(reply(answer)))
    assert result.facts.goal_refs == []
    assert [(d.field, d.reason) for d in result.dropped] == [
        ("goal_refs[0]", "quote not found in the note")
    ]


def test_codes_outside_the_list_are_dropped_and_reported(note):
    answer = good_answer()
    answer["billed"].append({"code": "97999", "units": 1, "quote": "97110 GP x1"})
    result = _extract(note, Script(reply(answer)))
    assert "97999" not in result.facts.billed_units_by_code()
    assert any(d.reason == "code not in the known code list" for d in result.dropped)


def test_keys_outside_the_schema_are_ignored_and_reported(note):
    answer = good_answer(verdict="ready", compliant=True)
    result = _extract(note, Script(reply(answer)))
    assert {d.field for d in result.dropped} == {"verdict", "compliant"}


def test_malformed_json_gets_one_repair_request_with_the_error(note):
    script = Script(reply('{"interventions": [ {"desc'), reply(good_answer()))
    result = _extract(note, script, structured="json_mode")
    assert result.extractor == "llm"
    assert len(script.requests) == 2
    assert "not valid JSON" in script.requests[1]["messages"][-1]["content"]


def test_a_schema_error_gets_one_repair_request_naming_the_field(note):
    bad = good_answer(total_timed_minutes={"minutes": "forty", "quote": "Total timed: 40 min"})
    script = Script(reply(bad), reply(good_answer()))
    result = _extract(note, script)
    assert result.extractor == "llm" and len(script.requests) == 2
    assert "total_timed_minutes.minutes" in script.requests[1]["messages"][-1]["content"]


def test_an_answer_still_invalid_after_the_repair_falls_back_to_rules(note):
    script = Script(reply("this is not json"))
    result = _extract(note, script)
    assert len(script.requests) == 2  # one call plus one repair, no more
    assert result.extractor == "rules" and result.requested == "llm"
    assert "not valid JSON" in result.fallback_reason
    assert result.facts.billed  # the rules-based extractor read the note


def test_an_endpoint_rejecting_json_schema_gets_function_calling_instead(note):
    def handler(body):
        if method_of(body) == "json_schema":  # what llama.cpp's server does
            return 500, {"error": {"message": "json_schema is not supported"}}
        return 200, answer_for(body, good_answer())

    script = Script(handler)
    result = _extract(note, script, structured="json_schema", model="rejects-json-schema")
    assert [method_of(r) for r in script.requests] == ["json_schema", "function_calling"]
    assert result.extractor == "llm"


def test_the_automatic_method_is_function_calling_on_loopback_and_json_schema_remotely():
    local = LLMSettings(base_url="http://127.0.0.1:8080/v1")
    remote = LLMSettings(base_url="https://llm.example.org/v1", api_key="test")
    assert local.method_chain()[0] == "function_calling"
    assert remote.method_chain()[0] == "json_schema"
    assert LLMSettings(structured="json_mode").method_chain()[0] == "json_mode"


@pytest.mark.parametrize(
    "steps,calls,extractor",
    [
        ([status(429), reply(good_answer())], 2, "llm"),  # rate limited once, then fine
        ([status(503), status(502), reply(good_answer())], 3, "llm"),  # two 5xx, then fine
        ([status(503)], 3, "rules"),  # 5xx every time: 1 call + 2 retries, then fall back
        ([status(401)], 1, "rules"),  # bad credentials: no retry
        ([status(404)], 1, "rules"),  # unknown model: no retry
    ],
)
def test_transient_errors_are_retried_a_bounded_number_of_times(note, steps, calls, extractor):
    sleeps: list[float] = []
    script = Script(*steps)
    ex = LLMExtractor(
        settings(max_retries=2, backoff_seconds=0.5, structured="json_mode"),
        http_client=script.client(),
        sleep=sleeps.append,
    )
    result = ex.extract(note)
    assert len(script.requests) == calls
    assert result.extractor == extractor
    assert all(a < b for a, b in zip(sleeps, sleeps[1:], strict=False))  # backoff grows


def test_a_refusal_falls_back_without_a_repair(note):
    script = Script(lambda body: (200, completion(refusal="I can't help with that.")))
    result = _extract(note, script, structured="json_schema")
    assert len(script.requests) == 1
    assert result.extractor == "rules" and result.fallback_reason == "the model refused the request"


def test_a_garbage_body_falls_back_with_a_reason(note):
    result = _extract(note, Script(lambda body: (200, b"<html>bad gateway</html>")))
    assert result.extractor == "rules"
    assert "unreadable response" in result.fallback_reason


def test_with_no_endpoint_configured_the_llm_is_never_constructed(note):
    result = LLMExtractor(LLMSettings()).extract(note)
    assert result.extractor == "rules" and result.requested == "llm"
    assert "no LLM endpoint is configured" in result.fallback_reason


def test_a_remote_endpoint_receives_the_note_redacted(note):
    script = Script(reply(good_answer()))
    _extract(note, script, base_url="https://llm.example.org/v1", api_key="sk-test")
    sent = script.raw_bodies[0]
    assert not [value for value in IDENTIFIERS if json.dumps(value)[1:-1] in sent]
    for kept in ("97112 GP x2", "13:00-13:25", "(25 min)", "05/06/2025"):
        assert kept in sent


def test_a_loopback_endpoint_receives_the_note_as_written_unless_asked_to_redact(note):
    plain, redacted = Script(reply(good_answer())), Script(reply(good_answer()))
    _extract(note, plain)
    _extract(note, redacted, redact="always")
    assert "Janet Quill" in plain.raw_bodies[0]
    assert "Janet Quill" not in redacted.raw_bodies[0]


def test_a_second_review_of_the_same_note_is_answered_from_the_cache(note, tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_DATA_DIR", str(tmp_path))
    script = Script(reply(good_answer()))
    first = _extract(note, script, cache=True)
    second = _extract(note, script, cache=True)
    assert len(script.requests) == 1
    assert (first.cached, second.cached) == (False, True)
    assert second.facts == first.facts
    other = _extract(note, script, cache=True, model="another-model")  # the model is in the key
    assert len(script.requests) == 2 and not other.cached


def test_the_api_key_never_appears_in_a_repr_or_a_settings_error():
    s = LLMSettings(api_key="sk-secret-123")
    assert "sk-secret-123" not in repr(s) and "sk-secret-123" not in s.model_dump_json()
    with pytest.raises(ConfigError) as err:
        LLMSettings.from_env({"OPENAI_API_KEY": "sk-secret-123", "REVIEWER_LLM_TIMEOUT": "soon"})
    assert "sk-secret-123" not in str(err.value) and "REVIEWER_LLM_TIMEOUT" in str(err.value)


def test_settings_come_from_the_environment_and_flags_win():
    env = {
        "REVIEWER_LLM_BASE_URL": "http://localhost:11434/v1",
        "REVIEWER_LLM_MODEL": "llama3",
        "REVIEWER_LLM_TIMEOUT": "30",
        "REVIEWER_REDACT": "always",
        "REVIEWER_LLM_CACHE": "0",
    }
    s = LLMSettings.from_env(env, model="qwen2.5", timeout=None)
    assert (s.model, s.timeout, s.redact, s.cache) == ("qwen2.5", 30.0, "always", False)
    assert s.is_local and s.should_redact


def test_get_extractor_builds_each_extractor_by_name():
    assert get_extractor("rules").name == "rules"
    assert get_extractor("llm", LLMSettings()).name == "llm"
    assert get_extractor("hybrid", {"model": "m"}).settings.model == "m"


class _Hit:
    def __init__(self, id, text):
        self.id, self.title, self.heading, self.text = id, f"Title of {id}", "", text


def test_retrieved_guidance_goes_into_the_prompt_and_is_reported(note, monkeypatch):
    import reviewer.knowledge.retrieve as retrieve

    monkeypatch.setattr(
        retrieve,
        "retrieve",
        lambda query, k=5: [_Hit("cms-8-minute-rule", "Total timed minutes set the units.")][:k],
    )
    script = Script(reply(good_answer()))
    result = _extract(note, script, guidance_chunks=2)
    prompt = script.requests[0]["messages"][1]["content"]
    assert "Total timed minutes set the units." in prompt and "(cms-8-minute-rule)" in prompt
    assert result.guidance == ["cms-8-minute-rule"]


def test_when_retrieval_fails_the_prompt_and_the_extraction_say_no_guidance_was_retrieved(
    note, monkeypatch
):
    import reviewer.knowledge.retrieve as retrieve

    def broken(query, k=5):
        raise RuntimeError("index missing")

    monkeypatch.setattr(retrieve, "retrieve", broken)
    script = Script(reply(good_answer()))
    result = _extract(note, script, guidance_chunks=2)
    assert "No guidance was retrieved" in script.requests[0]["messages"][1]["content"]
    assert result.extractor == "llm"
    assert any("no guidance was retrieved" in n for n in result.notes)
