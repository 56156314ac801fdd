"""End to end over real HTTP on 127.0.0.1: a chat-completions server started by the test replays
answers and faults. Every case ends in a review, never a crash."""

from __future__ import annotations

import json

import pytest
from test_llm_fakes import (
    NOTE,
    ChatServer,
    answer_for,
    completion,
    good_answer,
    loopback_only,  # noqa: F401 - autouse: 127.0.0.1 only
    settings,
)

from reviewer.cli import main
from reviewer.review import review_text

pytestmark = pytest.mark.integration


def good(request):
    return answer_for(request, good_answer())


def _review(server, **changes):
    values = dict(base_url=server.base_url, timeout=0.5, max_retries=1)
    values.update(changes)
    return review_text(NOTE, extractor="llm", llm_settings=settings(**values))


def test_a_good_answer_becomes_a_review_by_the_llm_extractor():
    with ChatServer(("json", 200, good)) as server:
        review = _review(server)
    assert review.extractor == "llm"
    assert review.extraction.fallback_reason is None
    assert review.units.supported_total == 3
    assert review.facts.billed_units_by_code() == {"97112": 2, "97110": 1}


@pytest.mark.parametrize(
    "actions,extractor,reason",
    [
        # slower than the timeout, every time: give up after 1 retry, fall back
        ([("slow", 1.5, good)], "rules", "timed out after 0.5 s"),
        # rate limited once (Retry-After 0), then answered
        (
            [
                ("headers", 429, {"error": {"message": "slow down"}}, {"Retry-After": "0"}),
                ("json", 200, good),
            ],
            "llm",
            None,
        ),
        # a server error on every method and every retry
        ([("json", 500, {"error": {"message": "boom"}})], "rules", "HTTP 500"),
        # the connection drops halfway through the body, then a good answer
        ([("truncated", good), ("json", 200, good)], "llm", None),
        # the body is cut every time
        ([("truncated", good)], "rules", "could not reach the LLM endpoint"),
        # a 200 whose body is not JSON at all
        ([("garbage",)], "rules", "unreadable response"),
        # valid JSON that is not a chat completion
        ([("json", 200, {"hello": "world"})], "rules", "unreadable response"),
        # a chat completion whose answer is not JSON, twice (the repair fails too)
        (
            [("json", 200, completion(content="Sure! The note looks compliant."))],
            "rules",
            "not valid JSON",
        ),
    ],
)
def test_faults_end_in_a_review_with_the_reason_for_any_fallback(actions, extractor, reason):
    with ChatServer(*actions) as server:
        review = _review(server, structured="json_mode")
    assert review.extractor == extractor
    assert review.verdict in ("ready", "review", "revise")
    if reason is None:
        assert review.extraction.fallback_reason is None
    else:
        assert review.extraction.requested == "llm"
        assert reason in review.extraction.fallback_reason


def test_a_refused_connection_falls_back():
    from test_llm_fakes import free_port

    review = review_text(
        NOTE,
        extractor="llm",
        llm_settings=settings(base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=0),
    )
    assert review.extractor == "rules"
    assert "could not reach" in review.extraction.fallback_reason


def test_reviewer_review_with_the_llm_extractor_works_from_the_command_line(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("REVIEWER_DATA_DIR", str(tmp_path / "data"))  # a fresh answer cache
    monkeypatch.setenv("REVIEWER_LLM_GUIDANCE", "0")  # no knowledge index to build in it
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = tmp_path / "note.txt"
    path.write_text(NOTE, encoding="utf-8")
    with ChatServer(("json", 200, good)) as server:
        code = main(
            [
                "review",
                str(path),
                "--format",
                "json",
                "--extractor",
                "llm",
                "--llm-base-url",
                server.base_url,
                "--llm-model",
                "test-model",
                "--llm-timeout",
                "5",
                "--llm-structured",
                "function_calling",
            ]
        )
        out = json.loads(capsys.readouterr().out)
        assert code == 0 and out["extractor"] == "llm"
        assert json.loads(server.requests[0])["tools"][0]["function"]["name"] == "note_facts"
        # the same note again: answered from the cache, no second request
        main(
            [
                "review",
                str(path),
                "--format",
                "json",
                "--extractor",
                "llm",
                "--llm-base-url",
                server.base_url,
                "--llm-model",
                "test-model",
            ]
        )
        assert json.loads(capsys.readouterr().out)["extractor"] == "llm"
        assert len(server.requests) == 1


def test_reviewer_extract_with_the_llm_extractor_prints_grounded_facts(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("REVIEWER_LLM_CACHE", "0")
    path = tmp_path / "note.txt"
    path.write_text(NOTE, encoding="utf-8")
    with ChatServer(("json", 200, good)) as server:
        code = main(["extract", str(path), "--extractor", "llm", "--llm-base-url", server.base_url])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["extractor"] == "llm"
    assert out["facts"]["total_timed_minutes"]["evidence"]["text"] == "Total timed: 40 min"


def test_hybrid_review_lists_what_the_two_extractors_read_differently():
    answer = good_answer()
    answer["interventions"][1]["code"] = "97530"  # the LLM maps TherEx to another code

    with ChatServer(("json", 200, lambda request: answer_for(request, answer))) as server:
        review = review_text(
            NOTE, extractor="hybrid", llm_settings=settings(base_url=server.base_url)
        )
    assert review.extractor == "hybrid"
    [d] = review.extraction.disagreements
    assert (d.field, d.rules, d.llm) == ("interventions[1].code", "97110", "97530")
    assert review.facts.interventions[1].code == "97110"  # the rules reading stays
