"""The billers' worklist: reviewed notes in a SQLite database, with a status per note.

::

    wl = Worklist()                       # data_dir()/worklist.sqlite3 (or a path)
    wl.import_rows(read_input("notes.csv"))  # reviews new notes; re-importing adds nothing
    for item in wl.list(status="open"):   # riskiest first
        ...
    wl.set_status(item.id, "fixed", "added CQ", who="jo")
    wl.history(item.id)                   # every status change, oldest first

Design:

- Plain ``sqlite3``, WAL mode, ``busy_timeout``; every write is one ``BEGIN IMMEDIATE``
  transaction, so two processes importing at once wait for each other instead of corrupting
  anything. Migrations are numbered SQL steps recorded in ``schema_version``.
- A note's identity is :attr:`reviewer.batch.BatchRow.content_hash` (the note text with its
  patient, date and provider): re-importing the same notes adds nothing and keeps their status.
- Import reviews and commits in chunks: an import killed halfway keeps what it committed, and
  running it again reviews only the rest.
- Patterns across notes (P001-P003) are recomputed over the whole worklist after an import.
- The database stores note text (needed to review again); nothing here logs it.
"""

from __future__ import annotations

import builtins
import csv
import io
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from reviewer.errors import InputError, UsageError

STATUSES = ("open", "fixed", "accepted", "escalated")
VERDICTS = ("revise", "review", "ready", "failed")
#: Notes reviewed and committed per transaction during an import.
IMPORT_CHUNK = 256
DB_NAME = "worklist.sqlite3"

Progress = Callable[[int, int], None]

_RISK_ORDER = (
    "CASE verdict WHEN 'failed' THEN 0 WHEN 'revise' THEN 1 WHEN 'review' THEN 2 "
    "WHEN 'ready' THEN 3 ELSE 4 END"
)

#: Numbered schema steps. Never edit a released step; append a new one.
MIGRATIONS: list[list[str]] = [
    [  # 1: notes, status history, patterns
        """CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            external_id TEXT,
            source TEXT,
            patient TEXT,
            date_of_service TEXT,
            provider TEXT,
            payer TEXT,
            extra_json TEXT NOT NULL DEFAULT '{}',
            note_text BLOB,
            verdict TEXT NOT NULL,
            count_error INTEGER NOT NULL DEFAULT 0,
            count_warning INTEGER NOT NULL DEFAULT 0,
            count_info INTEGER NOT NULL DEFAULT 0,
            rules TEXT NOT NULL DEFAULT '',
            patterns TEXT NOT NULL DEFAULT '',
            method TEXT,
            units_billed INTEGER,
            units_supported INTEGER,
            units_over INTEGER,
            units_under INTEGER,
            billed_json TEXT NOT NULL DEFAULT '{}',
            minutes_json TEXT NOT NULL DEFAULT '{}',
            timed_minutes INTEGER,
            clone_text TEXT,
            extractor TEXT,
            fallback_reason TEXT,
            error TEXT,
            review_json TEXT,
            status TEXT NOT NULL DEFAULT 'open',
            status_comment TEXT,
            status_who TEXT,
            status_at TEXT,
            imported_at TEXT NOT NULL,
            import_id INTEGER
        )""",
        "CREATE INDEX notes_status ON notes(status)",
        "CREATE INDEX notes_verdict ON notes(verdict)",
        "CREATE INDEX notes_patient ON notes(patient, date_of_service)",
        """CREATE TABLE status_history (
            id INTEGER PRIMARY KEY,
            note_id INTEGER NOT NULL REFERENCES notes(id),
            status TEXT NOT NULL,
            previous TEXT,
            comment TEXT,
            who TEXT,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX history_note ON status_history(note_id)",
        """CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            source TEXT,
            who TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            added INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE pattern_findings (
            id INTEGER PRIMARY KEY,
            rule TEXT NOT NULL,
            name TEXT NOT NULL,
            severity TEXT NOT NULL,
            message TEXT NOT NULL,
            note_ids TEXT NOT NULL,
            data_json TEXT NOT NULL DEFAULT '{}',
            computed_at TEXT NOT NULL
        )""",
    ],
]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_who() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def default_path() -> Path:
    from reviewer.config import data_dir

    return data_dir() / DB_NAME


@dataclass
class Item:
    """One note in the worklist (``note_text`` and ``review`` only from :meth:`Worklist.get`)."""

    id: int
    external_id: str | None
    source: str | None
    patient: str | None
    date: str | None
    provider: str | None
    payer: str | None
    verdict: str
    counts: dict[str, int]
    rules: list[str]
    patterns: list[str]
    method: str | None
    units_billed: int | None
    units_supported: int | None
    units_over: int | None
    units_under: int | None
    billed: dict[str, int]
    minutes: dict[str, int]
    timed_minutes: int | None
    extractor: str | None
    fallback_reason: str | None
    error: str | None
    status: str
    status_comment: str | None
    status_who: str | None
    status_at: str | None
    imported_at: str
    extra: dict[str, str] = field(default_factory=dict)
    clone_text: str | None = None
    note_text: str | None = None
    review: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return str(self.id)

    def to_row(self) -> dict[str, Any]:
        """The export row (one per note)."""
        row: dict[str, Any] = {
            "worklist_id": self.id,
            "id": self.external_id,
            "patient": self.patient,
            "date": self.date,
            "provider": self.provider,
            "payer": self.payer,
            "verdict": self.verdict,
            "count_error": self.counts["error"],
            "count_warning": self.counts["warning"],
            "count_info": self.counts["info"],
            "rules": self.rules,
            "patterns": self.patterns,
            "units_billed": self.units_billed,
            "units_supported": self.units_supported,
            "units_over": self.units_over,
            "units_under": self.units_under,
            "billed_codes": self.billed,
            "method": self.method,
            "extractor": self.extractor,
            "fallback_reason": self.fallback_reason,
            "error": self.error,
            "status": self.status,
            "status_comment": self.status_comment,
            "status_who": self.status_who,
            "status_at": self.status_at,
            "imported_at": self.imported_at,
            "source": self.source,
        }
        for k, v in self.extra.items():
            row.setdefault(k, v)
        return row


@dataclass
class HistoryEntry:
    status: str
    previous: str | None
    comment: str | None
    who: str | None
    at: str


@dataclass
class ImportReport:
    """What an import did: notes added, already present (skipped), failed rows among the added."""

    added: int = 0
    skipped: int = 0
    failed: int = 0
    patterns: int = 0
    ids: list[int] = field(default_factory=list)


_LIST_COLUMNS = (
    "id, external_id, source, patient, date_of_service, provider, payer, verdict, count_error, "
    "count_warning, count_info, rules, patterns, method, units_billed, units_supported, "
    "units_over, units_under, billed_json, minutes_json, timed_minutes, extractor, "
    "fallback_reason, error, status, status_comment, status_who, status_at, imported_at, "
    "extra_json, clone_text"
)


def _split(text: str | None) -> list[str]:
    return text.split() if text else []


def _item(row: sqlite3.Row, full: bool = False) -> Item:
    item = Item(
        id=row["id"],
        external_id=row["external_id"],
        source=row["source"],
        patient=row["patient"],
        date=row["date_of_service"],
        provider=row["provider"],
        payer=row["payer"],
        verdict=row["verdict"],
        counts={
            "error": row["count_error"],
            "warning": row["count_warning"],
            "info": row["count_info"],
        },
        rules=_split(row["rules"]),
        patterns=_split(row["patterns"]),
        method=row["method"],
        units_billed=row["units_billed"],
        units_supported=row["units_supported"],
        units_over=row["units_over"],
        units_under=row["units_under"],
        billed=json.loads(row["billed_json"] or "{}"),
        minutes=json.loads(row["minutes_json"] or "{}"),
        timed_minutes=row["timed_minutes"],
        extractor=row["extractor"],
        fallback_reason=row["fallback_reason"],
        error=row["error"],
        status=row["status"],
        status_comment=row["status_comment"],
        status_who=row["status_who"],
        status_at=row["status_at"],
        imported_at=row["imported_at"],
        extra=json.loads(row["extra_json"] or "{}"),
        clone_text=row["clone_text"],
    )
    if full:
        text = row["note_text"]
        item.note_text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        item.review = json.loads(row["review_json"]) if row["review_json"] else None
    return item


class Worklist:
    """The worklist database. ``path`` defaults to ``data_dir()/worklist.sqlite3``."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, timeout: float = 30.0
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self.db.row_factory = sqlite3.Row
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"worklist database {self.path}: {exc}") from None

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Worklist:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at the start (BEGIN IMMEDIATE) so writers queue."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def schema_version(self) -> int:
        row = self.db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _migrate(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        if self.schema_version() >= len(MIGRATIONS):
            return
        with self._write() as db:  # re-read inside the lock: another process may have done it
            current = self.schema_version()
            for number, steps in enumerate(MIGRATIONS[current:], start=current + 1):
                for sql in steps:
                    db.execute(sql)
                db.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (number, _now()),
                )

    # ------------------------------------------------------------------ import

    def known_hashes(self, hashes: Iterable[str]) -> set[str]:
        found: set[str] = set()
        batch = list(hashes)
        for i in range(0, len(batch), 500):
            part = batch[i : i + 500]
            marks = ",".join("?" * len(part))
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT content_hash FROM notes WHERE content_hash IN ({marks})", part
                )
            )
        return found

    def import_rows(
        self,
        rows: Iterable[Any],
        progress: Progress | None = None,
        *,
        payer: str | None = None,
        extractor: str | None = None,
        workers: int | None = None,
        llm_settings: Any = None,
        source: str | None = None,
        who: str | None = None,
        chunk: int = IMPORT_CHUNK,
        time_limit: float | None = None,
    ) -> ImportReport:
        """Review and add ``rows`` (:class:`reviewer.batch.BatchRow`); skip notes already here.

        Each chunk of ``chunk`` notes is reviewed, then committed in one transaction, so an
        interrupted import keeps its finished chunks and a second run picks up the rest.
        ``progress(done, total)`` counts rows, skipped ones included. ``time_limit`` seconds
        per note (default ``reviewer.batch.NOTE_TIME_LIMIT``; 0 for none).
        """
        from reviewer.batch import NOTE_TIME_LIMIT, BatchReviewer, preflight

        items = list(rows)
        total = len(items)
        report = ImportReport()
        preflight(payer, extractor, llm_settings)
        with self._write() as db:
            import_id = db.execute(
                "INSERT INTO imports (source, who, started_at) VALUES (?, ?, ?)",
                (source, who or default_who(), _now()),
            ).lastrowid
        assert import_id is not None
        done = 0
        if progress:
            progress(0, total)
        with BatchReviewer(
            payer=payer,
            extractor=extractor,
            workers=workers,
            llm_settings=llm_settings,
            keep_review=True,
            time_limit=NOTE_TIME_LIMIT if time_limit is None else time_limit,
        ) as reviewer:
            for start in range(0, total, chunk):
                part = items[start : start + chunk]
                hashes = {id(r): r.content_hash for r in part}
                present = self.known_hashes(hashes.values())
                seen: set[str] = set()
                fresh = []
                for r in part:
                    h = hashes[id(r)]
                    if h in present or h in seen:
                        report.skipped += 1
                    else:
                        seen.add(h)
                        fresh.append(r)
                results = reviewer.review(fresh) if fresh else []
                with self._write() as db:
                    for row, res in zip(fresh, results, strict=True):
                        cur = db.execute(
                            _INSERT, _insert_values(row, res, hashes[id(row)], import_id)
                        )
                        if cur.rowcount:  # another process may have added it meanwhile
                            report.added += 1
                            report.failed += res.error is not None
                            report.ids.append(int(cur.lastrowid or 0))
                        else:
                            report.skipped += 1
                    db.execute(
                        "UPDATE imports SET added = ?, skipped = ? WHERE id = ?",
                        (report.added, report.skipped, import_id),
                    )
                done += len(part)
                if progress:
                    progress(done, total)
        report.patterns = len(self.refresh_patterns())
        with self._write() as db:
            db.execute("UPDATE imports SET finished_at = ? WHERE id = ?", (_now(), import_id))
        return report

    def refresh_patterns(self) -> builtins.list[Any]:
        """Recompute P001-P003 over every note in the worklist; returns the findings."""
        from reviewer.rules.patterns import find_patterns, patterns_by_row

        rows = [
            _item(r)
            for r in self.db.execute(
                f"SELECT {_LIST_COLUMNS} FROM notes WHERE error IS NULL ORDER BY id"
            )
        ]
        findings = find_patterns(rows)
        by_row = patterns_by_row(findings)
        now = _now()
        with self._write() as db:
            db.execute("DELETE FROM pattern_findings")
            db.executemany(
                "INSERT INTO pattern_findings (rule, name, severity, message, note_ids, "
                "data_json, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        f.rule,
                        f.name,
                        f.severity,
                        f.message,
                        " ".join(f.keys),
                        json.dumps(f.data, default=str),
                        now,
                    )
                    for f in findings
                ],
            )
            db.execute("UPDATE notes SET patterns = '' WHERE patterns != ''")
            db.executemany(
                "UPDATE notes SET patterns = ? WHERE id = ?",
                [(" ".join(ids), int(key)) for key, ids in by_row.items()],
            )
        return findings

    # ------------------------------------------------------------------ query

    def list(
        self,
        status: str | None = None,
        verdict: str | None = None,
        *,
        patient: str | None = None,
        provider: str | None = None,
        rule: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[Item]:
        """Items, riskiest first: failed, revise, review, ready; then most errors, warnings."""
        where, args = [], []
        if status:
            _check_choice("status", status, STATUSES)
            where.append("status = ?")
            args.append(status)
        if verdict:
            _check_choice("verdict", verdict, VERDICTS)
            where.append("verdict = ?")
            args.append(verdict)
        if patient:
            where.append("patient = ? COLLATE NOCASE")
            args.append(patient)
        if provider:
            where.append("provider = ? COLLATE NOCASE")
            args.append(provider)
        if rule:
            where.append("(' ' || rules || ' ' || patterns || ' ') LIKE ?")
            args.append(f"% {rule.upper()} %")
        sql = f"SELECT {_LIST_COLUMNS} FROM notes"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += (
            f" ORDER BY {_RISK_ORDER}, count_error DESC, count_warning DESC, "
            "COALESCE(units_over, 0) DESC, id"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_item(r) for r in self.db.execute(sql, args)]

    def get(self, item_id: int | str) -> Item:
        """One item with its note text and full review. Unknown ids raise ``UsageError``."""
        row = self.db.execute("SELECT * FROM notes WHERE id = ?", (_as_id(item_id),)).fetchone()
        if row is None:
            raise UsageError(f"no worklist item {item_id} (see `reviewer worklist list`)")
        return _item(row, full=True)

    def patterns_for(self, item_id: int | str) -> builtins.list[dict[str, Any]]:
        """The pattern findings that involve an item."""
        key = str(_as_id(item_id))
        out = []
        for r in self.db.execute("SELECT * FROM pattern_findings ORDER BY rule, id"):
            if key in r["note_ids"].split():
                out.append(
                    {
                        "rule": r["rule"],
                        "name": r["name"],
                        "severity": r["severity"],
                        "message": r["message"],
                        "note_ids": [int(i) for i in r["note_ids"].split()],
                        "data": json.loads(r["data_json"]),
                    }
                )
        return out

    def pattern_findings(self) -> builtins.list[dict[str, Any]]:
        return [
            {
                "rule": r["rule"],
                "name": r["name"],
                "severity": r["severity"],
                "message": r["message"],
                "note_ids": [int(i) for i in r["note_ids"].split()],
            }
            for r in self.db.execute("SELECT * FROM pattern_findings ORDER BY rule, id")
        ]

    def counts(self) -> dict[str, dict[str, int]]:
        """Items per status and per verdict."""
        out: dict[str, dict[str, int]] = {"status": {}, "verdict": {}}
        for col in ("status", "verdict"):
            for value, n in self.db.execute(f"SELECT {col}, COUNT(*) FROM notes GROUP BY {col}"):
                out[col][value] = n
        return out

    # ------------------------------------------------------------------ status

    def set_status(
        self, item_id: int | str, status: str, comment: str | None = None, who: str | None = None
    ) -> Item:
        """Set an item's status (open, fixed, accepted, escalated); the change is kept in the
        history with who and when."""
        _check_choice("status", status, STATUSES)
        note_id = _as_id(item_id)
        who = who or default_who()
        now = _now()
        with self._write() as db:
            row = db.execute("SELECT status FROM notes WHERE id = ?", (note_id,)).fetchone()
            if row is None:
                raise UsageError(f"no worklist item {item_id} (see `reviewer worklist list`)")
            db.execute(
                "UPDATE notes SET status = ?, status_comment = ?, status_who = ?, "
                "status_at = ? WHERE id = ?",
                (status, comment, who, now, note_id),
            )
            db.execute(
                "INSERT INTO status_history (note_id, status, previous, comment, who, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (note_id, status, row["status"], comment, who, now),
            )
        return self.get(note_id)

    def history(self, item_id: int | str) -> builtins.list[HistoryEntry]:
        """Every status change of an item, oldest first."""
        note_id = _as_id(item_id)
        if self.db.execute("SELECT 1 FROM notes WHERE id = ?", (note_id,)).fetchone() is None:
            raise UsageError(f"no worklist item {item_id} (see `reviewer worklist list`)")
        return [
            HistoryEntry(r["status"], r["previous"], r["comment"], r["who"], r["at"])
            for r in self.db.execute(
                "SELECT * FROM status_history WHERE note_id = ? ORDER BY id", (note_id,)
            )
        ]

    # ------------------------------------------------------------------ export

    def export(
        self,
        format: str = "csv",
        *,
        status: str | None = None,
        verdict: str | None = None,
        out: TextIO | None = None,
    ) -> str:
        """One row per note as CSV or JSONL (riskiest first). Writes to ``out`` when given
        (returning ""), else returns the text."""
        if format not in ("csv", "jsonl"):
            raise UsageError(f"unknown export format {format!r}: use csv or jsonl")
        items = self.list(status=status, verdict=verdict)
        buffer = io.StringIO()
        target = out if out is not None else buffer
        rows = [i.to_row() for i in items]
        if format == "jsonl":
            for row in rows:
                target.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            cols: list[str] = []
            for row in rows or [Item.to_row(_empty_item())]:
                cols.extend(k for k in row if k not in cols)
            writer = csv.DictWriter(target, fieldnames=cols, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(v) for k, v in row.items()})
        return "" if out is not None else buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}x{v}" for k, v in value.items())
    return str(value)


def _empty_item() -> Item:
    return Item(
        id=0,
        external_id=None,
        source=None,
        patient=None,
        date=None,
        provider=None,
        payer=None,
        verdict="",
        counts={"error": 0, "warning": 0, "info": 0},
        rules=[],
        patterns=[],
        method=None,
        units_billed=None,
        units_supported=None,
        units_over=None,
        units_under=None,
        billed={},
        minutes={},
        timed_minutes=None,
        extractor=None,
        fallback_reason=None,
        error=None,
        status="",
        status_comment=None,
        status_who=None,
        status_at=None,
        imported_at="",
    )


def _check_choice(what: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise UsageError(f"unknown {what} {value!r}: use one of {', '.join(choices)}")


def _as_id(item_id: int | str) -> int:
    try:
        return int(item_id)
    except (TypeError, ValueError):
        raise UsageError(
            f"worklist ids are numbers (see `reviewer worklist list`), not {item_id!r}"
        ) from None


_INSERT = """INSERT OR IGNORE INTO notes (
    content_hash, external_id, source, patient, date_of_service, provider, payer, extra_json,
    note_text, verdict, count_error, count_warning, count_info, rules, patterns, method,
    units_billed, units_supported, units_over, units_under, billed_json, minutes_json,
    timed_minutes, clone_text, extractor, fallback_reason, error, review_json, status,
    imported_at, import_id
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
          'open', ?, ?)"""


def _insert_values(row: Any, res: Any, content_hash: str, import_id: int) -> tuple:
    note = row.note
    if isinstance(note, str) and not _encodable(note):
        note = note.encode("utf-8", "surrogateescape")
    return (
        content_hash,
        res.id,
        res.source,
        res.patient,
        res.date,
        res.provider,
        res.payer,
        json.dumps(res.extra, ensure_ascii=False),
        note,
        res.verdict if res.error is None else "failed",
        res.counts.get("error", 0),
        res.counts.get("warning", 0),
        res.counts.get("info", 0),
        " ".join(res.rules),
        "",
        res.method,
        res.units_billed,
        res.units_supported,
        res.units_over,
        res.units_under,
        json.dumps(res.billed),
        json.dumps(res.minutes),
        res.timed_minutes,
        res.clone_text,
        res.extractor,
        res.fallback_reason,
        res.error,
        res.review_json,
        _now(),
        import_id,
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
