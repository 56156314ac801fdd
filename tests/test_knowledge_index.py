"""The knowledge index and retrieval, built and queried with networking unavailable.

One index over the shipped documents is built once for this module (a few seconds) in a temporary
REVIEWER_DATA_DIR; tests that rebuild or corrupt an index use a small copy of three documents.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3

import pytest

from reviewer.cli import main
from reviewer.config import PROJECT_DIR
from reviewer.errors import ConfigError, UsageError
from reviewer.knowledge import index as kb_index
from reviewer.knowledge.index import COLLECTION, open_index
from reviewer.knowledge.retrieve import KnowledgeRetriever, query_for_note, retrieve

SMALL_SET = ("cms-8-minute-rule", "cms-assistant-modifiers", "vague-documentation")


class NetworkAttempt(AssertionError):
    pass


@pytest.fixture(scope="module")
def network_attempts():
    """Make every outbound connection fail loudly while this module runs, and record who tried.

    Module scope: the patch is undone when this module's tests end, so later test modules
    (the LLM tests talk to a server on 127.0.0.1) are not affected."""
    attempts: list[str] = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args[:2]))
        raise NetworkAttempt(f"network access attempted: {args[:2]!r}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        yield attempts


@pytest.fixture(scope="module")
def built_data_dir(tmp_path_factory, network_attempts):
    data = tmp_path_factory.mktemp("kb-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REVIEWER_DATA_DIR", str(data))
        mp.delenv("REVIEWER_KNOWLEDGE_DIR", raising=False)
        opened = open_index()
    assert opened.built and opened.chunks > 50
    return data


@pytest.fixture(autouse=True)
def offline_kb(monkeypatch, network_attempts, built_data_dir):
    """Every test here runs against the session index, with the network refused."""
    monkeypatch.setenv("REVIEWER_DATA_DIR", str(built_data_dir))
    monkeypatch.delenv("REVIEWER_KNOWLEDGE_DIR", raising=False)
    yield
    assert network_attempts == [], "something tried to reach the network"


@pytest.fixture
def small_kb(tmp_path, monkeypatch):
    """A private data dir and a knowledge dir holding three of the shipped documents."""
    docs = tmp_path / "knowledge"
    docs.mkdir()
    for doc_id in SMALL_SET:
        shutil.copy(PROJECT_DIR / "knowledge" / f"{doc_id}.md", docs / f"{doc_id}.md")
    monkeypatch.setenv("REVIEWER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REVIEWER_KNOWLEDGE_DIR", str(docs))
    return docs


# --------------------------------------------------------------------------- retrieval


def test_the_8_minute_rule_question_finds_the_8_minute_rule_first():
    assert retrieve("8 minute rule mixed remainder")[0].id == "cms-8-minute-rule"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PTA treated the patient, which modifier", "cms-assistant-modifiers"),
        ("is 'tolerated well' enough", "vague-documentation"),
        ("does CO mean chiropractor", "cms-assistant-modifiers"),
        ("97010 hot pack x2 units", "cms-timed-untimed"),  # a code only BM25 reliably matches
        ("therapist worked with three patients at the same time", "cms-group-therapy"),
    ],
)
def test_typical_questions_find_their_document_in_the_top_three(query, expected):
    assert expected in [hit.id for hit in retrieve(query, k=3)]


def test_the_first_hits_do_not_depend_on_k():
    query = "97010 hot pack x2 units"
    assert [h.id for h in retrieve(query, k=2)] == [h.id for h in retrieve(query, k=8)][:2]


def test_hits_are_distinct_documents_with_their_best_section():
    hits = retrieve("CQ CO modifiers for assistants", k=5)
    assert len(hits) == 5
    assert len({h.id for h in hits}) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    first = hits[0]
    assert first.title and first.source and first.heading and first.text
    assert not first.text.startswith(first.title), "the title line is not part of the text"


@pytest.mark.parametrize("query", ["", "   \n\t "])
def test_an_empty_query_is_a_usage_error(query):
    with pytest.raises(UsageError, match="empty"):
        retrieve(query)


def test_the_langchain_retriever_returns_documents_with_ids():
    docs = KnowledgeRetriever(k=2).invoke("does CO mean chiropractor")
    assert len(docs) == 2
    assert docs[0].metadata["id"] == "cms-assistant-modifiers"
    assert {"title", "source", "score", "heading"} <= set(docs[0].metadata)


def test_query_for_note_puts_codes_and_modifier_meanings_before_the_note_text():
    query = query_for_note(
        "Pt seen by PTA.\n  SLS on foam   3x30s", ["97112", "97112"], ["gp", "CQ"]
    )
    assert query.startswith("97112 Neuromuscular reeducation")
    assert query.count("97112") == 1
    assert "physical therapist assistant" in query
    assert query.endswith("Pt seen by PTA. SLS on foam 3x30s")
    assert "cms-assistant-modifiers" in [h.id for h in retrieve(query, k=3)]


def test_query_for_note_without_codes_is_the_note_text():
    assert query_for_note("  worked on balance ", [], []) == "worked on balance"


def test_a_reopened_collection_embeds_queries_with_the_registered_function(built_data_dir):
    # The collection persists the embedding function's name; Chroma rebuilds it from the
    # registry, so a raw client with no embedding function can still query by text.
    import chromadb
    from chromadb.config import Settings

    kb_index.reset_open_index()
    client = chromadb.PersistentClient(
        path=str(built_data_dir / "chroma"),
        settings=Settings(anonymized_telemetry=False, allow_reset=False),
    )
    collection = client.get_collection(COLLECTION)
    result = collection.query(query_texts=["physical therapist assistant modifier"], n_results=1)
    assert result["metadatas"][0][0]["doc_id"] == "cms-assistant-modifiers"
    kb_index.reset_open_index()


# --------------------------------------------------------------------------- index lifecycle


def test_the_index_is_built_on_first_use_and_then_reused(small_kb):
    first = open_index()
    assert first.built
    assert open_index() is first


def test_the_index_rebuilds_itself_when_a_document_changes(small_kb):
    before = open_index()
    assert before.built
    path = small_kb / "vague-documentation.md"
    path.write_text(
        path.read_text() + "\n## Zygomorphic flowchart\n\nQuokka marmalade documentation.\n"
    )
    after = open_index()
    assert after.built and after.content_hash != before.content_hash
    assert after.chunks == before.chunks + 1
    top = retrieve("quokka marmalade", k=1)[0]
    assert (top.id, top.heading) == ("vague-documentation", "Zygomorphic flowchart")


def test_a_new_process_finds_an_up_to_date_index_and_does_not_rebuild(small_kb):
    built = open_index()
    kb_index.reset_open_index()  # as if a new process started
    reopened = open_index()
    assert built.built and not reopened.built
    assert reopened.content_hash == built.content_hash


def test_a_corrupted_index_directory_is_rebuilt(small_kb):
    built = open_index()
    kb_index.reset_open_index()
    (built.path / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    recovered = open_index()
    assert recovered.built
    assert retrieve("8 minute rule mixed remainder", k=1)[0].id == "cms-8-minute-rule"


def test_an_index_path_that_is_a_file_is_replaced(small_kb):
    path = kb_index.index_dir()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a directory")
    assert open_index().built
    assert path.is_dir()


def test_a_locked_index_is_a_clear_error_and_is_left_alone(small_kb, monkeypatch):
    built = open_index()
    kb_index.reset_open_index()
    before = sorted(p.name for p in built.path.iterdir())

    def locked(path, force):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(kb_index, "_open_or_build", locked)
    with pytest.raises(ConfigError, match="locked by another process"):
        open_index()
    assert sorted(p.name for p in built.path.iterdir()) == before


def test_a_broken_document_stops_the_build_with_the_file_name(small_kb):
    bad = small_kb / "cms-8-minute-rule.md"
    bad.write_text(bad.read_text().replace("codes:", "reviewed_by: me\ncodes:", 1))
    with pytest.raises(ConfigError, match="unknown front matter key 'reviewed_by'"):
        open_index()


# --------------------------------------------------------------------------- CLI


def test_cli_search_json_is_a_list_of_hits(capsys):
    assert (
        main(
            [
                "kb",
                "search",
                "PTA treated the patient, which modifier",
                "--k",
                "3",
                "--format",
                "json",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3
    assert all(set(row) == {"id", "title", "source", "score", "text"} for row in rows)
    assert rows[0]["id"] == "cms-assistant-modifiers"


def test_cli_search_text_names_the_documents(capsys):
    assert main(["kb", "search", "8 minute rule mixed remainder", "--k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. cms-8-minute-rule")


@pytest.mark.parametrize(
    "argv", [["kb", "search", ""], ["kb", "search", "   "], ["kb", "search", "x", "--k", "0"]]
)
def test_cli_bad_search_is_one_line_and_exit_2(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("reviewer: error:") and err.count("\n") == 1


def test_cli_list_shows_every_document(capsys):
    assert main(["kb", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"cms-8-minute-rule", "profile", "code-97150"} <= {r["id"] for r in rows}
    assert all(r["source"] and r["title"] for r in rows)


def test_cli_build_reports_an_up_to_date_index(capsys):
    assert main(["kb", "build"]) == 0
    assert "up to date" in capsys.readouterr().out
