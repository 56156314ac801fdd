"""Batch review: many notes in, one row per note out, plus the patterns across them.

The library behind ``reviewer batch``, ``reviewer worklist import`` and the UI's triage page::

    rows = read_input("notes.csv")                  # CSV, JSONL, ZIP or a folder of .txt
    results = review_rows(rows, workers=None)       # every core for the rules extractor
    findings = apply_patterns(results)              # P001-P003, fills result.patterns
    to_csv(results, out)                            # one row per note
    summarize(results, findings)                    # notes, verdicts, top rules, over-billing

A row that cannot be read or reviewed (malformed CSV row, empty note, invalid UTF-8, a cell
over the size limit, an LLM failure) becomes that row's ``error``; it never stops the batch.
Only a problem with the whole input (missing ``note`` column, unreadable file) raises
:class:`reviewer.errors.InputError` before anything is reviewed.

Note text is a health record: nothing here logs or prints it.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import signal
import sys
import threading
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from reviewer.errors import InputError, ReviewerError
from reviewer.intake import MAX_NOTE_BYTES

#: Columns with a meaning; any other input column is carried through to the output.
KNOWN_COLUMNS = ("id", "note", "patient", "date", "provider", "payer")
#: Output columns, in order (carried-through input columns follow).
OUTPUT_COLUMNS = (
    "id",
    "patient",
    "date",
    "provider",
    "payer",
    "verdict",
    "count_error",
    "count_warning",
    "count_info",
    "rules",
    "patterns",
    "units_billed",
    "units_supported",
    "units_over",
    "units_under",
    "billed_codes",
    "method",
    "extractor",
    "fallback_reason",
    "error",
    "source",
)
#: How many notes a worker reviews per task: big enough that pickling does not dominate.
CHUNK_SIZE = 64
#: Below this many notes a process pool costs more than it saves.
MIN_NOTES_FOR_POOL = 200
#: Notes reviewed at once with an LLM extractor (threads; the endpoint is the bottleneck).
LLM_CONCURRENCY = 4
#: Seconds one note may take before its review is stopped and the row gets an error
#: (typical reviews take milliseconds).
NOTE_TIME_LIMIT = 30.0
#: Largest input file read into memory (a CSV of 10,000 notes is about 30 MB).
MAX_INPUT_BYTES = 2_000_000_000

Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------- rows


@dataclass
class BatchRow:
    """One note of a batch as read, before review.

    ``note`` is the text (``bytes`` when it is not valid UTF-8, so the review can say where);
    ``error`` is set when the row itself could not be read (then ``note`` is None).
    """

    index: int
    id: str
    note: str | bytes | None
    source: str
    patient: str | None = None
    date: str | None = None
    provider: str | None = None
    payer: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def key(self) -> str:
        """Unique within the batch (ids given in the input may repeat)."""
        return str(self.index)

    @property
    def content_hash(self) -> str:
        """sha256 of the note and its patient/date/provider: the worklist's identity."""
        h = hashlib.sha256()
        note = self.note if self.note is not None else f"\x00unreadable:{self.source}:{self.id}"
        h.update(note if isinstance(note, bytes) else note.encode("utf-8", "surrogatepass"))
        for part in (self.patient, self.date, self.provider):
            h.update(b"\x1f" + (part or "").strip().casefold().encode("utf-8", "replace"))
        return h.hexdigest()


def _clean_meta(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if _has_surrogates(text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = text.strip()
    return text or None


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _note_value(value: Any) -> tuple[str | bytes | None, str | None]:
    """(note, error) for a cell: bytes for invalid UTF-8, an error for non-text or oversize."""
    if value is None:
        return None, "the row has no note"
    if not isinstance(value, str):
        return None, f"the note must be text, not {type(value).__name__}"
    note: str | bytes = value
    if _has_surrogates(value):  # bytes that were not UTF-8 (decoded with surrogateescape)
        note = value.encode("utf-8", "surrogateescape")
    if len(value) > MAX_NOTE_BYTES:  # refuse now rather than ship megabytes to a worker
        from reviewer.intake import prepare

        try:
            prepare(note)
        except InputError as exc:
            return None, str(exc)
    return note, None


def _make_row(index: int, default_id: str, source: str, record: dict[str, Any]) -> BatchRow:
    note, error = _note_value(record.get("note"))
    row_id = _clean_meta(record.get("id")) or default_id
    return BatchRow(
        index=index,
        id=row_id,
        note=note,
        source=source,
        patient=_clean_meta(record.get("patient")),
        date=_clean_meta(record.get("date")),
        provider=_clean_meta(record.get("provider")),
        payer=_clean_meta(record.get("payer")),
        extra={k: _clean_meta(v) or "" for k, v in record.items() if k not in KNOWN_COLUMNS},
        error=error,
    )


def _error_row(index: int, row_id: str, source: str, error: str) -> BatchRow:
    return BatchRow(index=index, id=row_id, note=None, source=source, error=error)


# --------------------------------------------------------------------------- readers


def _decode_file(data: bytes) -> str:
    """Decode a whole file; bytes that are not UTF-8 survive as surrogates (per-row errors)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    return data.decode("utf-8-sig", errors="surrogateescape")


def _read_csv(data: bytes, name: str, start: int = 1) -> Iterator[BatchRow]:
    text = _decode_file(data)
    csv.field_size_limit(max(csv.field_size_limit(), 256 * 1024 * 1024))
    header_line = text.split("\n", 1)[0]
    delimiter = ","  # the header decides: a tab or semicolon file has none of these commas
    if "," not in header_line:
        delimiter = next((d for d in ("\t", ";", "|") if d in header_line), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{name}: the CSV file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{name}: cannot read the CSV header ({exc})") from None
    columns = [_clean_meta(h) or f"column_{i + 1}" for i, h in enumerate(header)]
    lowered = [c.casefold() for c in columns]
    if "note" not in lowered:
        shown = ", ".join(columns[:12]) + (" ..." if len(columns) > 12 else "")
        raise InputError(
            f"{name}: the CSV has no 'note' column (columns: {shown}); the note text must be in "
            "a column named 'note' (id, patient, date, provider, payer are optional)"
        )
    keys = [c.casefold() if c.casefold() in KNOWN_COLUMNS else c for c in columns]
    return _iter_csv(reader, keys, name, start, text, delimiter)


def _id_from_line(text: str, line: int, keys: list[str], delimiter: str) -> str | None:
    """Best effort: the ``id`` cell of a row the CSV parser refused (its raw first line)."""
    if "id" not in keys:
        return None
    lines = text.split("\n", line)
    if len(lines) < line:
        return None
    cells = lines[line - 1].split(delimiter)
    position = keys.index("id")
    if position >= len(cells) or '"' in cells[position]:
        return None
    return _clean_meta(cells[position])


def _iter_csv(
    reader: Any, keys: list[str], name: str, start: int, text: str, delimiter: str
) -> Iterator[BatchRow]:
    index = start
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _error_row(
                index,
                _id_from_line(text, line, keys, delimiter) or f"row-{index - start + 1}",
                f"{name}:{line}",
                f"malformed CSV row starting on line {line}: {exc}",
            )
            index += 1
            continue
        if not fields or all(not f.strip() for f in fields) and len(fields) <= 1:
            continue  # a blank line
        source = f"{name}:{line}"
        default_id = f"row-{index - start + 1}"
        if len(fields) != len(keys):
            record = dict(zip(keys, fields, strict=False))
            yield _error_row(
                index,
                _clean_meta(record.get("id")) or default_id,
                source,
                f"malformed CSV row on line {line}: {len(fields)} fields, the header has "
                f"{len(keys)} (check the quoting of the note)",
            )
        else:
            yield _make_row(index, default_id, source, dict(zip(keys, fields, strict=True)))
        index += 1


def _read_jsonl(data: bytes, name: str, start: int = 1) -> Iterator[BatchRow]:
    lines = data.split(b"\n")
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise InputError(f"{name}: the JSONL file is empty")
    try:
        obj = json.loads(first.decode("utf-8-sig", errors="replace"))
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict) and not any(k.casefold() == "note" for k in obj):
        raise InputError(
            f"{name}: the first record has no 'note' key (keys: {', '.join(list(obj)[:12])}); "
            "each line must be a JSON object with the note text under 'note'"
        )
    return _iter_jsonl(lines, name, start)


def _iter_jsonl(lines: list[bytes], name: str, start: int) -> Iterator[BatchRow]:
    index = start
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        source = f"{name}:{number}"
        default_id = f"row-{index - start + 1}"
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8", errors="surrogateescape")
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            yield _error_row(index, default_id, source, f"line {number} is not valid JSON ({msg})")
        else:
            if not isinstance(obj, dict):
                yield _error_row(
                    index,
                    default_id,
                    source,
                    f"line {number} is a JSON {type(obj).__name__}, not an object",
                )
            else:
                record = {
                    (k.casefold() if k.casefold() in KNOWN_COLUMNS else k): v
                    for k, v in obj.items()
                }
                for k, v in list(record.items()):
                    if k != "note" and isinstance(v, dict | list):
                        record[k] = json.dumps(v, ensure_ascii=False)
                yield _make_row(index, default_id, source, record)
        index += 1


def _text_file_row(index: int, name: str, data: bytes) -> BatchRow:
    row_id = Path(name).stem
    if len(data) > MAX_NOTE_BYTES:
        return _error_row(
            index,
            row_id,
            name,
            f"the note is {len(data):,} bytes; the limit is {MAX_NOTE_BYTES:,} bytes",
        )
    return BatchRow(index=index, id=row_id, note=data, source=name)


def _is_hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in Path(name).parts)


def _read_zip(data: bytes, name: str) -> Iterator[BatchRow]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir() and not _is_hidden(m.filename)]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{name}: not a readable ZIP file ({exc})") from None
    tables = [
        m for m in members if Path(m.filename).suffix.lower() in (".csv", ".jsonl", ".ndjson")
    ]
    texts = [m for m in members if Path(m.filename).suffix.lower() == ".txt"]
    if not tables and not texts:
        raise InputError(f"{name}: the ZIP holds no .txt notes and no .csv/.jsonl file")
    readers: list[Iterator[BatchRow]] = []
    start = 1
    for m in sorted(tables, key=lambda m: m.filename):
        inner = archive.read(m)
        label = f"{name}/{m.filename}"
        reader = _read_csv if m.filename.lower().endswith(".csv") else _read_jsonl
        rows = list(reader(inner, label, start))
        start += len(rows)
        readers.append(iter(rows))

    def texts_iter(first: int) -> Iterator[BatchRow]:
        for i, m in enumerate(sorted(texts, key=lambda m: m.filename)):
            label = f"{name}/{m.filename}"
            if m.file_size > MAX_NOTE_BYTES:
                yield _error_row(
                    first + i,
                    Path(m.filename).stem,
                    label,
                    f"the note is {m.file_size:,} bytes; the limit is {MAX_NOTE_BYTES:,} bytes",
                )
                continue
            try:
                with archive.open(m) as fh:
                    inner = fh.read(MAX_NOTE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                yield _error_row(
                    first + i,
                    Path(m.filename).stem,
                    label,
                    f"cannot read {m.filename} from the ZIP ({exc})",
                )
                continue
            yield _text_file_row(first + i, label, inner)

    readers.append(texts_iter(start))
    return (row for reader in readers for row in reader)


def _read_folder(path: Path) -> Iterator[BatchRow]:
    files = sorted(
        p for p in path.rglob("*.txt") if p.is_file() and not _is_hidden(str(p.relative_to(path)))
    )
    if not files:
        raise InputError(f"{path}: the folder holds no .txt notes")

    def rows() -> Iterator[BatchRow]:
        for i, p in enumerate(files, 1):
            label = str(p.relative_to(path))
            try:
                size = p.stat().st_size
                if size > MAX_NOTE_BYTES:
                    yield _error_row(
                        i,
                        p.stem,
                        label,
                        f"the note is {size:,} bytes; the limit is {MAX_NOTE_BYTES:,} bytes",
                    )
                    continue
                data = p.read_bytes()
            except OSError as exc:
                yield _error_row(i, p.stem, label, f"cannot read {label}: {exc.strerror}")
                continue
            yield _text_file_row(i, label, data)

    return rows()


def read_input(
    path_or_bytes: str | os.PathLike[str] | bytes, name: str | None = None
) -> Iterator[BatchRow]:
    """Read a batch: CSV, JSONL, ZIP (of .txt notes, or holding a CSV/JSONL) or a folder of .txt.

    ``path_or_bytes`` is a path, or the file's bytes (an upload) with ``name`` giving its file
    name (the extension picks the format). Problems with the whole input (unreadable, unknown
    format, no ``note`` column) raise :class:`InputError` now; problems with one row become that
    row's ``error``.
    """
    if isinstance(path_or_bytes, bytes | bytearray):
        data = bytes(path_or_bytes)
        label = name or "upload"
    else:
        path = Path(path_or_bytes)
        label = name or str(path)
        if path.is_dir():
            return _read_folder(path)
        try:
            size = path.stat().st_size
            if size > MAX_INPUT_BYTES:
                raise InputError(
                    f"{label}: {size:,} bytes is more than a batch can hold "
                    f"({MAX_INPUT_BYTES:,}); split it"
                )
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{label}: no such file or folder") from None
        except IsADirectoryError:
            raise InputError(f"{label}: is a directory") from None
        except OSError as exc:
            raise InputError(f"{label}: cannot read it ({exc.strerror})") from None
    suffix = Path(label).suffix.lower()
    if suffix == ".zip" or (not suffix and data[:4] == b"PK\x03\x04"):
        return _read_zip(data, label)
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(data, label)
    if suffix in (".csv", ".tsv"):
        return _read_csv(data, label)
    if suffix == ".txt":
        return iter([_text_file_row(1, label, data)])
    raise InputError(
        f"{label}: unknown batch format {suffix or '(no extension)'!r}; use a .csv, .jsonl, .zip "
        "or a folder of .txt notes"
    )


# --------------------------------------------------------------------------- results


@dataclass
class BatchResult:
    """One reviewed row: what the output file shows, and what the patterns read."""

    index: int
    id: str
    source: str
    patient: str | None = None
    date: str | None = None
    provider: str | None = None
    payer: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    verdict: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    rules: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    method: str | None = None
    units_status: str | None = None
    units_billed: int | None = None
    units_supported: int | None = None
    units_over: int | None = None
    units_under: int | None = None
    billed: dict[str, int] = field(default_factory=dict)
    minutes: dict[str, int] = field(default_factory=dict)
    timed_minutes: int | None = None
    extractor: str | None = None
    fallback_reason: str | None = None
    error: str | None = None
    clone_text: str | None = None
    review_json: str | None = None
    elapsed_ms: float | None = None

    @property
    def key(self) -> str:
        return str(self.index)

    @property
    def review(self) -> dict[str, Any] | None:
        """The full review (JSON contract) when it was kept (``keep_review=True``)."""
        return json.loads(self.review_json) if self.review_json else None

    def to_row(self) -> dict[str, Any]:
        """The output row: :data:`OUTPUT_COLUMNS` then the carried-through input columns."""
        row: dict[str, Any] = {
            "id": self.id,
            "patient": self.patient,
            "date": self.date,
            "provider": self.provider,
            "payer": self.payer,
            "verdict": self.verdict if self.error is None else "failed",
            "count_error": self.counts.get("error", 0) if self.error is None else None,
            "count_warning": self.counts.get("warning", 0) if self.error is None else None,
            "count_info": self.counts.get("info", 0) if self.error is None else None,
            "rules": list(self.rules),
            "patterns": list(self.patterns),
            "units_billed": self.units_billed,
            "units_supported": self.units_supported,
            "units_over": self.units_over,
            "units_under": self.units_under,
            "billed_codes": dict(self.billed),
            "method": self.method,
            "extractor": self.extractor,
            "fallback_reason": self.fallback_reason,
            "error": self.error,
            "source": self.source,
        }
        for k, v in self.extra.items():
            row.setdefault(k, v)
        return row


#: The whitespace runs are possessive (``+``): what follows each one (a keyword letter, ``:``,
#: a capital) is never whitespace, so giving any back could not make a match; without it a
#: note with no patient line backtracked through every run of aligned columns (~0.3 ms).
_PATIENT = re.compile(
    r"(?m)(?:^|[|/;]|\s{2,}+|\.\s)\s*+(?i:pt|patient|client|pt name|patient name|name)\s*+:\s*+"
    r"((?:[A-Z]\.|[A-Z][A-Za-z'\-]+)(?: (?:[A-Z]\.|[A-Z][A-Za-z'\-]+)){0,3})"
)
#: Header words that end a name written with single spaces ("Pt: Ann Lee MRN 1").
_NOT_NAME = {
    "mrn",
    "dob",
    "dos",
    "acct",
    "dx",
    "payer",
    "age",
    "ins",
    "medicare",
    "account",
    "date",
    "id",
    "sex",
    "provider",
    "therapist",
    "insurance",
}


def patient_from_text(text: str) -> str | None:
    """The patient's name from a header line ("Pt: Eleanor Voss", "Patient: R. Okafor",
    "Client.........: Ann Lee")."""
    from reviewer.extract.rules_based.leaders import strip_leaders

    m = _PATIENT.search(strip_leaders(text[:1500]))
    if not m:
        return None
    words = []
    for word in m.group(1).split():
        if word.casefold().rstrip(".") in _NOT_NAME:
            break
        words.append(word)
    name = " ".join(words)
    return name if sum(c.isalpha() for c in name) > 1 else None


def _units_fields(units: dict[str, Any]) -> dict[str, Any]:
    from reviewer import codes

    billed = {c: int(u) for c, u in (units.get("billed") or {}).items()}
    timed_billed = sum(u for c, u in billed.items() if codes.is_known(c) and codes.is_timed(c))
    check = units.get("check") or {}
    return {
        "units_status": units.get("status"),
        "units_billed": timed_billed if billed else None,
        "units_supported": units.get("supported_total"),
        "units_over": check.get("over_total") if check else None,
        "units_under": check.get("under_total") if check else None,
        "billed": billed,
        "minutes": {c: int(m) for c, m in (units.get("minutes") or {}).items()},
        "timed_minutes": units.get("total_timed_minutes"),
    }


def _internal_error(exc: BaseException) -> str:
    """Say what broke without quoting any text (exception messages may contain the note)."""
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if "/reviewer/" in frame.filename.replace("\\", "/"):
            where = f" at {Path(frame.filename).name}:{frame.lineno}"
            break
    return f"internal error ({type(exc).__name__}{where}); the note could not be reviewed"


@dataclass(frozen=True)
class _Job:
    payer: str | None
    extractor: str | None
    llm_settings: Any
    keep_review: bool
    time_limit: float | None = NOTE_TIME_LIMIT


class _NoteTimeout(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _NoteTimeout


def _alarm_usable(seconds: float | None) -> bool:
    """Whether a time limit can be kept here: only a process's main thread gets SIGALRM."""
    return bool(
        seconds
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )


#: True while :func:`_alarm_handler` has ``_on_alarm`` installed for a run of notes.
_alarm_ready = False


@contextlib.contextmanager
def _alarm_handler(seconds: float | None) -> Iterator[None]:
    """Install the SIGALRM handler once around many notes (a worker's chunk, a serial batch):
    each note's :func:`_time_limit` then only arms and disarms the timer."""
    global _alarm_ready
    if _alarm_ready or not _alarm_usable(seconds):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _alarm_ready = True
    try:
        yield
    finally:
        _alarm_ready = False
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Stop a review that runs longer than ``seconds`` (a pathological note must not hold a
    worker for minutes). Works in a process's main thread (the CLI, pool workers); elsewhere
    (threads: the UI, LLM extraction, which has its own timeouts) it does nothing."""
    if not _alarm_usable(seconds):
        yield
        return
    if _alarm_ready:  # the handler is in place already
        signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def review_one(row: BatchRow, job: _Job) -> BatchResult:
    """Review one row; any failure becomes the row's ``error``."""
    result = BatchResult(
        index=row.index,
        id=row.id,
        source=row.source,
        patient=row.patient,
        date=row.date,
        provider=row.provider,
        payer=row.payer,
        extra=row.extra,
    )
    if row.error is not None or row.note is None:
        result.error = row.error or "the row has no note"
        return result
    from reviewer.review import review_text

    started = time.perf_counter()
    try:
        with _time_limit(job.time_limit):
            review = review_text(
                row.note,
                payer=job.payer or _row_profile(row.payer),
                extractor=job.extractor,
                llm_settings=job.llm_settings,
            )
    except _NoteTimeout:
        result.error = (
            f"the review took longer than {job.time_limit:g} s and was stopped; "
            "check this note (an unusually long line or a pasted document?)"
        )
        return result
    except ReviewerError as exc:
        result.error = str(exc)
        return result
    except Exception as exc:  # one broken note never stops the batch
        result.error = _internal_error(exc)
        return result
    finally:
        result.elapsed_ms = (time.perf_counter() - started) * 1000
    facts = review.facts
    result.verdict = review.verdict
    result.counts = {s: review.counts.get(s, 0) for s in ("error", "warning", "info")}
    result.rules = list(dict.fromkeys(f.rule for f in review.findings))
    result.method = review.units.method
    result.extractor = review.extractor
    result.fallback_reason = review.extraction.fallback_reason
    # The report's fields as they are (ints, str-keyed dicts of ints): what a JSON dump would
    # give for the fields _units_fields reads, without building the dump.
    units = dict(review.units)
    for k, v in _units_fields(units).items():
        setattr(result, k, v)
    if result.timed_minutes is None and facts.total_timed_minutes is not None:
        result.timed_minutes = facts.total_timed_minutes.minutes
    if result.date is None and facts.date_of_service is not None:
        result.date = facts.date_of_service.value or facts.date_of_service.evidence.text
    if result.provider is None:
        person = facts.provider or facts.signature
        if person is not None and person.name:
            result.provider = person.name
    text = row.note if isinstance(row.note, str) else row.note.decode("utf-8-sig", "replace")
    if result.patient is None:
        result.patient = patient_from_text(text)
    from reviewer.rules.patterns import clone_text

    result.clone_text = clone_text(text, facts)
    if job.keep_review:
        result.review_json = json.dumps(
            review.to_contract(), ensure_ascii=False, separators=(",", ":")
        )
    return result


def _row_profile(payer: str | None) -> str | None:
    """A row's ``payer`` cell as a profile name, when it names one (else the note decides)."""
    if not payer:
        return None
    from reviewer.profiles import builtin_profiles

    profiles = builtin_profiles()
    key = payer.strip().lower()
    if key in profiles:
        return key
    for name in sorted(profiles, key=lambda n: n == "cms"):
        if any(re.search(p, payer, re.IGNORECASE) for p in profiles[name].payer_patterns):
            return name
    return None


def _review_chunk(rows: list[BatchRow], job: _Job) -> list[BatchResult]:
    with _alarm_handler(job.time_limit):
        return [review_one(row, job) for row in rows]


def _chunks(items: Sequence[BatchRow], size: int) -> Iterator[list[BatchRow]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def _effective_extractor(extractor: Any) -> str:
    """The extractor's name: a name given, an extractor object's ``name``, or the default."""
    if extractor is not None and not isinstance(extractor, str):
        return str(getattr(extractor, "name", "custom"))
    return (extractor or os.environ.get("REVIEWER_EXTRACTOR") or "rules").strip().lower()


def preflight(
    payer: str | None = None, extractor: str | None = None, llm_settings: Any = None
) -> None:
    """Raise now (not once per row) when the payer profile or the extractor is unusable."""
    from reviewer.profiles import get_profile
    from reviewer.review import choose_extractor

    if payer:
        get_profile(payer)
    choose_extractor(extractor, llm_settings)


class BatchReviewer:
    """Reviews rows with the right kind of concurrency; reuse one for many calls.

    - rules extractor: a process pool over ``workers`` processes (default: every core),
      rows sent in chunks of :data:`CHUNK_SIZE`; fewer than :data:`MIN_NOTES_FOR_POOL` rows
      are reviewed in this process;
    - LLM or hybrid extractor: ``workers`` threads (default :data:`LLM_CONCURRENCY`).
    """

    def __init__(
        self,
        *,
        payer: str | None = None,
        extractor: str | None = None,
        workers: int | None = None,
        llm_settings: Any = None,
        keep_review: bool = False,
        time_limit: float | None = NOTE_TIME_LIMIT,
    ) -> None:
        if workers is not None and workers < 1:
            raise InputError(f"--workers must be at least 1, not {workers}")
        self.job = _Job(payer, extractor, llm_settings, keep_review, time_limit)
        self.kind = _effective_extractor(extractor)
        self.uses_threads = self.kind != "rules"
        self.workers = workers or (LLM_CONCURRENCY if self.uses_threads else os.cpu_count() or 1)
        self._executor: Executor | None = None

    def __enter__(self) -> BatchReviewer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.uses_threads:
                from concurrent.futures import ThreadPoolExecutor

                self._executor = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="reviewer-batch"
                )
            else:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                # fork shares the warm, imported reviewer; it is only safe with one thread.
                method = (
                    "fork"
                    if (
                        threading.active_count() == 1
                        and sys.platform != "win32"
                        and "fork" in multiprocessing.get_all_start_methods()
                    )
                    else "spawn"
                )
                _warm_up()
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context(method)
                )
        return self._executor

    def review(
        self, rows: Iterable[BatchRow], progress: Progress | None = None
    ) -> list[BatchResult]:
        """Review ``rows``; results come back in the order of ``rows``. ``progress(done, total)``."""
        items = list(rows)
        total = len(items)
        if progress:
            progress(0, total)
        serial = (
            self.workers == 1
            if self.uses_threads
            else self.workers == 1 or total < MIN_NOTES_FOR_POOL or not _processes_are_safe()
        )
        if serial:
            out = []
            with _alarm_handler(self.job.time_limit):
                for i, row in enumerate(items, 1):
                    out.append(review_one(row, self.job))
                    if progress:
                        progress(i, total)
            return out
        if self.uses_threads:
            tasks = [[row] for row in items]
        else:
            size = max(1, min(CHUNK_SIZE, -(-total // (self.workers * 4))))
            tasks = list(_chunks(items, size))
        return self._run(tasks, total, progress)

    def _run(
        self, tasks: list[list[BatchRow]], total: int, progress: Progress | None
    ) -> list[BatchResult]:
        pool = self._pool()
        results: list[BatchResult | None] = [None] * total
        pending: dict[Future[list[BatchResult]], int] = {}  # future -> position of its first row
        queue = iter(tasks)
        position = 0
        limit = self.workers * 3
        done = 0
        try:
            while True:
                while len(pending) < limit:
                    task = next(queue, None)
                    if task is None:
                        break
                    pending[pool.submit(_review_chunk, task, self.job)] = position
                    position += len(task)
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    first = pending.pop(fut)
                    chunk = fut.result()
                    results[first : first + len(chunk)] = chunk
                    done += len(chunk)
                if progress:
                    progress(done, total)
        except BaseException:
            for fut in pending:
                fut.cancel()
            self.close()
            raise
        return [r for r in results if r is not None]


def _processes_are_safe() -> bool:
    """Whether a process pool can start here.

    With other threads running the pool must spawn, and a spawned worker re-runs the parent's
    ``__main__``: inside Streamlit (the UI's triage page, or its AppTest) that is the app
    script, not a program meant to be imported. There the batch runs in this process instead
    (a few ms a note, so a thousand notes take seconds).
    """
    if threading.active_count() == 1 and "fork" in _start_methods():
        return True
    return "streamlit" not in sys.modules


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods() if sys.platform != "win32" else ["spawn"]


def _warm_up() -> None:
    """Load the rules, vocabularies and profiles once, before worker processes fork."""
    from reviewer.review import review_text

    with contextlib.suppress(Exception):  # best effort; real errors show per row
        review_text("Date: 01/02/2025\nTherEx 10:00-10:15 (15 min)\n97110 GP x1\nA. Tester, PT\n")


def review_rows(
    rows: Iterable[BatchRow],
    payer: str | None = None,
    extractor: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    llm_settings: Any = None,
    keep_review: bool = False,
    patterns: bool = True,
    time_limit: float | None = NOTE_TIME_LIMIT,
) -> list[BatchResult]:
    """Review every row (in parallel), then find the patterns across them.

    ``keep_review=True`` keeps each note's full review (JSON contract) in
    ``result.review_json``; ``patterns=True`` fills ``result.patterns`` (P001-P003);
    a note whose review runs past ``time_limit`` seconds gets an error instead.
    Raises only for a bad payer profile or an unusable extractor, before any row is reviewed.
    """
    preflight(payer, extractor, llm_settings)
    with BatchReviewer(
        payer=payer,
        extractor=extractor,
        workers=workers,
        llm_settings=llm_settings,
        keep_review=keep_review,
        time_limit=time_limit,
    ) as reviewer:
        results = reviewer.review(rows, progress)
    if patterns:
        apply_patterns(results)
    return results


def apply_patterns(results: Sequence[BatchResult]) -> list[Any]:
    """Run P001-P003 over ``results``; set each result's ``patterns``; return the findings."""
    from reviewer.rules.patterns import find_patterns, patterns_by_row

    findings = find_patterns(results)
    by_row = patterns_by_row(findings)
    for r in results:
        r.patterns = by_row.get(r.key, [])
    return findings


# --------------------------------------------------------------------------- output


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}x{v}" for k, v in value.items())
    return str(value)


def _columns(results: Sequence[BatchResult]) -> list[str]:
    cols = list(OUTPUT_COLUMNS)
    seen = set(cols)
    for r in results:
        for k in r.extra:
            if k not in seen:
                seen.add(k)
                cols.append(k)
    return cols


def to_csv(results: Sequence[BatchResult], out: TextIO | None = None) -> str:
    """One CSV row per note (lists space-separated, billed codes as ``97112x2``).

    Writes to ``out`` when given (and returns ""), else returns the CSV text.
    """
    buffer = io.StringIO()
    target = out if out is not None else buffer
    cols = _columns(results)
    writer = csv.DictWriter(target, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in results:
        writer.writerow({k: _cell(v) for k, v in r.to_row().items()})
    return "" if out is not None else buffer.getvalue()


def to_jsonl(
    results: Sequence[BatchResult], out: TextIO | None = None, *, include_review: bool = False
) -> str:
    """One JSON object per note (lists stay lists); ``include_review`` adds the full review."""
    buffer = io.StringIO()
    target = out if out is not None else buffer
    for r in results:
        row = r.to_row()
        if include_review and r.review_json:
            row["review"] = r.review
        target.write(json.dumps(row, ensure_ascii=False) + "\n")
    return "" if out is not None else buffer.getvalue()


def summarize(
    results: Sequence[BatchResult], patterns: Sequence[Any] | None = None, top: int = 5
) -> dict[str, Any]:
    """Counts for the end of a batch: notes, verdicts, failures, top rules, over-billing."""
    if patterns is None:
        from reviewer.rules.patterns import find_patterns

        patterns = find_patterns(results)
    ok = [r for r in results if r.error is None]
    verdicts = Counter(r.verdict for r in ok)
    rules = Counter(rule for r in ok for rule in r.rules)
    over = [r for r in ok if r.units_over]
    under = [r for r in ok if r.units_under]
    return {
        "notes": len(results),
        "reviewed": len(ok),
        "failed": len(results) - len(ok),
        "verdicts": {v: verdicts.get(v, 0) for v in ("revise", "review", "ready")},
        "top_rules": [
            {"rule": k, "name": _rule_name(k), "notes": n} for k, n in rules.most_common(top)
        ],
        "units_over": sum(r.units_over or 0 for r in over),
        "notes_over": len(over),
        "units_under": sum(r.units_under or 0 for r in under),
        "notes_under": len(under),
        "patterns": dict(Counter(p.rule for p in patterns)),
        "pattern_findings": [p.to_dict() for p in patterns],
    }


def _rule_name(rule_id: str) -> str | None:
    try:
        from reviewer.rules.registry import get_rule

        return get_rule(rule_id).name
    except Exception:  # a rule module that cannot load: the id alone still says it
        return None


def _n(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as a few lines for a terminal."""
    v = summary["verdicts"]
    lines = [
        f"{summary['notes']} notes: {v['revise']} revise, {v['review']} review, "
        f"{v['ready']} ready, {summary['failed']} could not be reviewed.",
        f"Over-billed: {_n(summary['units_over'], 'timed unit')} on {_n(summary['notes_over'], 'note')}; "
        f"under-billed: {_n(summary['units_under'], 'unit')} on {_n(summary['notes_under'], 'note')}.",
    ]
    if summary["top_rules"]:
        lines.append(
            "Top rules: "
            + ", ".join(
                f"{t['rule']} {t.get('name') or ''} ({t['notes']})".replace("  ", " ")
                for t in summary["top_rules"]
            )
        )
    if summary["pattern_findings"]:
        lines.append("Patterns across notes:")
        lines.extend(
            f"  {p['rule']} {p['name']} [{p['severity']}]: {p['message']}"
            for p in summary["pattern_findings"]
        )
    else:
        lines.append("Patterns across notes: none.")
    return "\n".join(lines)


class ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(
        self, label: str = "Reviewing", stream: TextIO | None = None, enabled: bool | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = label
        self.started = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = width * done // total if total else width
        rate = done / (now - self.started) if now > self.started else 0.0
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
            f"{done}/{total} notes  {rate:,.0f}/s "
        )
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
