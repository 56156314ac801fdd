"""The worklist database: idempotent import, status with history, ordering, export, safety."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import sqlite3
import sys
from pathlib import Path

import pytest

from reviewer import batch, worklist
from reviewer.errors import UsageError
from reviewer.worklist import MIGRATIONS, Worklist

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
EXAMPLE_BATCH = ROOT / "examples" / "batch.csv"


def corpus_rows(n: int, start: int = 0) -> list[batch.BatchRow]:
    files = sorted(CORPUS.glob("*.txt"))[start : start + n]
    return [
        batch.BatchRow(index=i, id=p.stem, note=p.read_text(encoding="utf-8"), source=p.name)
        for i, p in enumerate(files, 1)
    ]


@pytest.fixture
def wl(tmp_path):
    with Worklist(tmp_path / "wl.sqlite3") as w:
        yield w


def test_a_new_database_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path):
    path = tmp_path / "wl.sqlite3"
    with Worklist(path) as w:
        assert w.schema_version() == len(MIGRATIONS)
        assert w.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Worklist(path) as again:  # reopening applies nothing twice
        rows = again.db.execute("SELECT version FROM schema_version").fetchall()
        assert [r[0] for r in rows] == list(range(1, len(MIGRATIONS) + 1))


def test_the_default_database_lives_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_DATA_DIR", str(tmp_path / "data"))
    with Worklist() as w:
        assert w.path == tmp_path / "data" / worklist.DB_NAME


def test_importing_reviews_every_row_and_importing_again_adds_nothing(wl):
    rows = list(batch.read_input(EXAMPLE_BATCH))
    first = wl.import_rows(rows, who="jo")
    assert first.added == len(rows) == 7 and first.skipped == 0
    assert first.failed == 2  # the empty note and the malformed row
    second = wl.import_rows(list(batch.read_input(EXAMPLE_BATCH)))
    assert second.added == 0 and second.skipped == 7
    assert len(wl.list()) == 7


def test_the_same_note_twice_in_one_batch_is_stored_once(wl):
    (row,) = corpus_rows(1)
    twin = batch.BatchRow(index=2, id="copy", note=row.note, source="again")
    report = wl.import_rows([row, twin])
    assert (report.added, report.skipped) == (1, 1)


def test_a_stored_item_keeps_its_note_review_and_columns(wl):
    (row,) = corpus_rows(1)
    row.extra = {"clinic": "North"}
    wl.import_rows([row])
    (listed,) = wl.list()
    item = wl.get(listed.id)
    assert item.note_text == row.note
    assert item.review["schema_version"] == 1 and item.review["verdict"] == item.verdict
    assert item.extra == {"clinic": "North"} and item.status == "open"
    assert item.counts == {k: item.review["counts"][k] for k in ("error", "warning", "info")}


def test_set_status_records_who_when_and_why_and_keeps_the_history(wl):
    wl.import_rows(corpus_rows(1))
    (item,) = wl.list()
    wl.set_status(item.id, "escalated", "ask the PT about the minutes", who="jo")
    updated = wl.set_status(item.id, "fixed", "PT amended the note", who="sam")
    assert (updated.status, updated.status_comment, updated.status_who) == (
        "fixed",
        "PT amended the note",
        "sam",
    )
    history = wl.history(item.id)
    assert [(h.previous, h.status, h.who) for h in history] == [
        ("open", "escalated", "jo"),
        ("escalated", "fixed", "sam"),
    ]
    assert all(h.at for h in history)


def test_who_defaults_to_the_user(wl, monkeypatch):
    monkeypatch.setenv("USER", "billing-lead")
    wl.import_rows(corpus_rows(1))
    (item,) = wl.list()
    assert wl.set_status(item.id, "accepted").status_who == "billing-lead"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w: w.set_status(1, "done"), "unknown status 'done'"),
        (lambda w: w.set_status(999, "fixed"), "no worklist item 999"),
        (lambda w: w.get("abc"), "worklist ids are numbers"),
        (lambda w: w.history(999), "no worklist item 999"),
        (lambda w: w.list(verdict="bad"), "unknown verdict"),
        (lambda w: w.export("xml"), "unknown export format"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message(wl, call, message):
    wl.import_rows(corpus_rows(1))
    with pytest.raises(UsageError, match=message):
        call(wl)


def test_the_list_puts_the_riskiest_notes_first_and_filters(wl):
    wl.import_rows(list(batch.read_input(EXAMPLE_BATCH)) + corpus_rows(10, start=5))
    items = wl.list()
    rank = {"failed": 0, "revise": 1, "review": 2, "ready": 3}
    keys = [(rank[i.verdict], -i.counts["error"], -i.counts["warning"]) for i in items]
    assert keys == sorted(keys)
    revise = wl.list(verdict="revise")
    assert revise and {i.verdict for i in revise} == {"revise"}
    wl.set_status(revise[0].id, "fixed")
    assert [i.id for i in wl.list(status="fixed")] == [revise[0].id]
    assert len(wl.list(status="open")) == len(items) - 1
    rule = revise[0].rules[0]
    assert all(rule in i.rules for i in wl.list(rule=rule))


def test_patterns_across_the_whole_worklist_are_stored_per_note(wl):
    rows = list(batch.read_input(EXAMPLE_BATCH))
    wl.import_rows(rows[:1])  # the PT's note today ...
    wl.import_rows(rows[1:])  # ... and the PTA's note for the same day in a later import
    by_id = {i.external_id: i for i in wl.list()}
    assert "P001" in by_id["n-101"].patterns and "P001" in by_id["n-102"].patterns
    found = wl.patterns_for(by_id["n-101"].id)
    assert any(p["rule"] == "P001" and by_id["n-102"].id in p["note_ids"] for p in found)


def test_export_is_one_row_per_note_in_csv_or_jsonl(wl):
    wl.import_rows(list(batch.read_input(EXAMPLE_BATCH)))
    wl.set_status(1, "accepted", "ok", who="jo")
    rows = list(csv.DictReader(io.StringIO(wl.export("csv"))))
    assert len(rows) == 7 and {"worklist_id", "verdict", "status", "clinic"} <= set(rows[0])
    lines = wl.export("jsonl", status="accepted").splitlines()
    assert [json.loads(x)["worklist_id"] for x in lines] == [1]
    empty = wl.export("csv", status="escalated")
    assert empty.splitlines()[0].startswith("worklist_id,")  # a header even with no rows


def test_an_import_killed_halfway_keeps_whole_chunks_and_resumes(wl, monkeypatch):
    rows = corpus_rows(9)
    real_review = batch.BatchReviewer.review
    calls = {"n": 0}

    def dies_on_second_chunk(self, items, progress=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the biller pressed Ctrl-C mid-import
        return real_review(self, items, progress)

    monkeypatch.setattr(batch.BatchReviewer, "review", dies_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        wl.import_rows(rows, chunk=4)
    assert len(wl.list()) == 4  # the first chunk, complete
    assert wl.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    monkeypatch.setattr(batch.BatchReviewer, "review", real_review)
    resumed = wl.import_rows(rows, chunk=4)
    assert (resumed.added, resumed.skipped) == (5, 4)
    assert len(wl.list()) == 9


def _import_in_another_process(path: str, start: int, barrier) -> int:
    rows = corpus_rows(12, start=start)
    barrier.wait()
    with Worklist(path) as w:
        return w.import_rows(rows, workers=1, chunk=3).added


def test_two_processes_importing_at_once_neither_corrupt_nor_duplicate(tmp_path, monkeypatch):
    # Spawned processes re-run the parent's __main__; after the UI tests that is a Streamlit
    # AppTest script, so give them a bare one (this test is about SQLite, not start-up).
    import types

    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    path = str(tmp_path / "shared.sqlite3")
    Worklist(path).close()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(2)
        with ctx.Pool(2) as pool:
            # overlapping batches: notes 0-11 and 6-17
            added = pool.starmap(
                _import_in_another_process, [(path, 0, barrier), (path, 6, barrier)]
            )
    assert sum(added) == 18
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT content_hash) FROM notes"
        ).fetchone() == (18, 18)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    from reviewer.errors import InputError

    bad = tmp_path / "wl.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="worklist database"):
        Worklist(bad)


KILLED_IMPORT = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_worklist import corpus_rows
from reviewer.worklist import Worklist

rows = corpus_rows(60)
with Worklist({path!r}) as w:
    w.import_rows(rows, workers=1, chunk=5)
"""


@pytest.mark.integration
def test_an_import_killed_with_sigkill_leaves_a_consistent_database_that_resumes(tmp_path):
    import signal
    import subprocess
    import time

    path = str(tmp_path / "wl.sqlite3")
    Worklist(path).close()
    script = KILLED_IMPORT.format(tests=str(ROOT / "tests"), path=path)
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 120
        count = 0
        while time.monotonic() < deadline and proc.poll() is None:
            with sqlite3.connect(path, timeout=30) as db:
                count = db.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
            if count >= 10:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)  # no cleanup, no rollback handlers: a power cut
    finally:
        proc.wait(timeout=30)
    with Worklist(path) as w:
        assert w.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = len(w.list())
        assert kept >= 10 and kept % 5 == 0  # whole chunks only
        resumed = w.import_rows(corpus_rows(60), workers=1)
        assert (resumed.added, resumed.skipped) == (60 - kept, kept)
        assert len(w.list()) == 60
