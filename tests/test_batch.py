"""Batch review: reading CSV/JSONL/ZIP/folders, per-row failures, parallel review, output."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from reviewer import batch
from reviewer.errors import InputError, UsageError
from reviewer.intake import MAX_NOTE_BYTES
from reviewer.review import review_text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
EXAMPLE_BATCH = ROOT / "examples" / "batch.csv"


def corpus_notes(n: int | None = None) -> list[tuple[str, str]]:
    files = sorted(CORPUS.glob("*.txt"))[:n]
    return [(p.stem, p.read_text(encoding="utf-8")) for p in files]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def read(data: bytes, name: str) -> list[batch.BatchRow]:
    return list(batch.read_input(data, name))


# --------------------------------------------------------------------------- reading CSV


def test_csv_rows_carry_their_columns_and_other_columns_through():
    data = csv_bytes(
        ["ID", "note", "patient", "date", "provider", "payer", "clinic"],
        [["n1", "a note", "Ann Lee", "2025-06-03", "Dana Okoye", "Medicare", "North"]],
    )
    (row,) = read(data, "notes.csv")
    assert (row.id, row.note, row.patient, row.date, row.provider, row.payer) == (
        "n1",
        "a note",
        "Ann Lee",
        "2025-06-03",
        "Dana Okoye",
        "Medicare",
    )
    assert row.extra == {"clinic": "North"}
    assert row.error is None and row.source == "notes.csv:2"


def test_rows_without_an_id_are_numbered():
    rows = read(csv_bytes(["note"], [["one"], ["two"]]), "notes.csv")
    assert [r.id for r in rows] == ["row-1", "row-2"]


def test_a_csv_without_a_note_column_is_refused_before_anything_is_reviewed():
    with pytest.raises(InputError, match="no 'note' column.*columns: id, text"):
        batch.read_input(csv_bytes(["id", "text"], [["1", "x"]]), "notes.csv")


def test_an_empty_csv_is_refused():
    with pytest.raises(InputError, match="empty"):
        batch.read_input(b"", "notes.csv")


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('n2,"pt said "better" today",x\n', "',' expected"),  # unescaped quotes in the note
        ("n2,note,x,extra\n", "4 fields, the header has 3"),  # one field too many
        ("n2\n", "1 fields, the header has 3"),  # the note is missing
    ],
)
def test_a_malformed_row_becomes_that_rows_error_and_the_next_row_is_read(line, why):
    data = b"id,note,clinic\nn1,first,x\n" + line.encode() + b"n3,third,x\n"
    rows = read(data, "notes.csv")
    assert [r.id for r in rows] == ["n1", "n2", "n3"]
    assert rows[1].error and why in rows[1].error and rows[1].note is None
    assert rows[0].error is None and rows[2].error is None and rows[2].note == "third"


def test_a_quote_left_open_at_the_end_of_the_file_is_a_row_error():
    rows = read(b'id,note\nn1,first\nn2,"never closed\n', "notes.csv")
    assert rows[0].error is None
    assert "malformed CSV row" in rows[1].error


def test_invalid_utf8_in_a_note_cell_stays_bytes_so_the_review_can_say_where():
    data = b"id,note,clinic\nn1,caf\xe9 note,North\xff\n"
    (row,) = read(data, "notes.csv")
    assert isinstance(row.note, bytes) and row.note == b"caf\xe9 note"
    assert row.extra == {"clinic": "North\ufffd"}  # metadata is repaired, not refused


def test_a_cell_over_the_size_limit_is_refused_without_being_shipped_for_review():
    huge = "x" * (MAX_NOTE_BYTES + 10)
    (row,) = read(csv_bytes(["id", "note"], [["big", huge]]), "notes.csv")
    assert row.note is None and "limit is" in row.error


def test_semicolon_and_tab_separated_files_are_read_by_their_header():
    assert read(b"id;note\nn1;text, with comma\n", "x.csv")[0].note == "text, with comma"
    assert read(b"id\tnote\nn1\ttext\n", "x.tsv")[0].note == "text"


# --------------------------------------------------------------------------- JSONL, ZIP, folders


def test_jsonl_lines_become_rows_and_bad_lines_become_row_errors():
    data = b"\n".join(
        [
            json.dumps({"id": "a", "note": "first", "clinic": "N", "tags": ["x"]}).encode(),
            b"{not json",
            b"[1, 2]",
            json.dumps({"id": "d", "note": 42}).encode(),
            b"",
            json.dumps({"note": "last"}).encode(),
        ]
    )
    rows = read(data, "notes.jsonl")
    assert [r.id for r in rows] == ["a", "row-2", "row-3", "d", "row-5"]
    assert rows[0].note == "first" and rows[0].extra == {"clinic": "N", "tags": '["x"]'}
    assert "not valid JSON" in rows[1].error
    assert "not an object" in rows[2].error
    assert "must be text" in rows[3].error
    assert rows[4].note == "last"


def test_jsonl_whose_records_have_no_note_key_is_refused():
    with pytest.raises(InputError, match="no 'note' key"):
        batch.read_input(b'{"id": 1, "text": "x"}\n', "notes.jsonl")


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_zip_of_text_notes_is_one_row_per_file_and_skips_hidden_files():
    data = _zip(
        {
            "b.txt": b"note b",
            "a.txt": b"note a",
            "__MACOSX/._a.txt": b"junk",
            "readme.md": b"ignored",
            "big.txt": b"x" * (MAX_NOTE_BYTES + 1),
        }
    )
    rows = read(data, "notes.zip")
    assert [r.id for r in rows] == ["a", "b", "big"]
    assert rows[0].note == b"note a" and rows[0].source == "notes.zip/a.txt"
    assert "limit is" in rows[2].error


def test_a_zip_holding_a_csv_reads_the_csv():
    data = _zip({"export/notes.csv": csv_bytes(["id", "note"], [["n1", "x"], ["n2", "y"]])})
    assert [r.id for r in read(data, "upload.zip")] == ["n1", "n2"]


def test_a_zip_with_nothing_to_review_is_refused():
    with pytest.raises(InputError, match="no .txt notes"):
        batch.read_input(_zip({"a.pdf": b"%PDF"}), "x.zip")


def test_a_folder_of_text_notes_is_read_in_name_order(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("note b")
    (tmp_path / "sub" / "a.txt").write_text("note a")
    (tmp_path / "notes.csv").write_text("ignored")
    rows = list(batch.read_input(tmp_path))
    assert [(r.id, r.note) for r in rows] == [("b", b"note b"), ("a", b"note a")]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing.csv", "no such file"),
        ("notes.pdf", "unknown batch format"),
    ],
)
def test_unusable_inputs_are_refused_with_a_reason(tmp_path, target, message):
    path = tmp_path / target
    if target.endswith(".pdf"):
        path.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match=message):
        batch.read_input(path)


def test_the_content_hash_identifies_a_note_with_its_patient_date_and_provider():
    a = batch.BatchRow(index=1, id="x", note="text", source="s", patient="Ann", date="d")
    same = batch.BatchRow(
        index=9, id="other id", note="text", source="t", patient=" ann ", date="d"
    )
    other_day = batch.BatchRow(index=1, id="x", note="text", source="s", patient="Ann", date="e")
    assert a.content_hash == same.content_hash != other_day.content_hash


@pytest.mark.parametrize(
    ("text", "patient"),
    [
        ("DOS: 03/04/2025\nPt: Eleanor Voss           MRN: 00418827\n", "Eleanor Voss"),
        ("Patient: R. Okafor    MRN: 448120", "R. Okafor"),
        ("DOS 02/16/2026 / Medicare Part B / Pt: Walter Dunn / MRN 3382-15", "Walter Dunn"),
        ("Date of Service: 10/14/2025. Patient: Anthony Ruiz. Payer: Medicare.", "Anthony Ruiz"),
        ("Client: Imani Brooks     Acct 55-20718", "Imani Brooks"),
        ("Visit Date.....: 2025-03-04\nPatient Name...: Olu Martins\n", "Olu Martins"),
        ("S: Pt reports less pain. Pt: tolerated well", None),  # prose, not a header
    ],
)
def test_the_patient_is_read_from_the_notes_header_when_no_column_gives_it(text, patient):
    assert batch.patient_from_text(text) == patient


# --------------------------------------------------------------------------- review


def test_each_row_gets_the_same_verdict_as_a_single_review():
    notes = corpus_notes(8)
    rows = [
        batch.BatchRow(index=i, id=name, note=text, source=name)
        for i, (name, text) in enumerate(notes, 1)
    ]
    results = batch.review_rows(rows, workers=1)
    for (name, text), result in zip(notes, results, strict=True):
        single = review_text(text)
        assert result.id == name and result.error is None
        assert result.verdict == single.verdict
        assert result.counts == {s: single.counts.get(s, 0) for s in ("error", "warning", "info")}
        assert result.rules == list(dict.fromkeys(f.rule for f in single.findings))
        assert result.units_supported == single.units.supported_total
        assert result.method == single.units.method and result.extractor == single.extractor


def test_a_bad_row_never_stops_the_batch():
    good = corpus_notes(1)[0][1]
    rows = read(
        csv_bytes(["id", "note"], [["ok", good], ["empty", ""], ["blank", "   \n "]])
        + b"badbytes,\xff\xfe note\n"
        + b'broken,"unterminated\n',
        "notes.csv",
    )
    results = batch.review_rows(rows, workers=1)
    errors = {r.id: r.error for r in results}
    assert errors["ok"] is None
    assert "empty" in errors["empty"] and "empty" in errors["blank"]
    assert "not valid UTF-8" in errors["badbytes"]
    assert "malformed CSV row" in errors["broken"]
    assert [r.to_row()["verdict"] for r in results][1:] == ["failed"] * 4


class Exploding:
    """An extractor that fails on some notes (as an LLM endpoint might), never quoting them."""

    name = "exploding"

    def extract(self, note):
        if "EXPLODE" in note.text:
            raise RuntimeError(f"cannot parse {note.text!r}")
        from reviewer.extract.base import Extraction
        from reviewer.facts import NoteFacts

        return Extraction(facts=NoteFacts(), extractor="exploding")


def test_an_extractor_failure_is_that_rows_error_and_does_not_quote_the_note():
    rows = [
        batch.BatchRow(index=1, id="a", note="Fine note text", source="s"),
        batch.BatchRow(index=2, id="b", note="SECRET EXPLODE text", source="s"),
        batch.BatchRow(index=3, id="c", note="Another fine note", source="s"),
    ]
    results = batch.review_rows(rows, extractor=Exploding(), workers=2)
    assert [r.error is None for r in results] == [True, False, True]
    assert "internal error (RuntimeError" in results[1].error
    assert "SECRET" not in results[1].error


class Slow:
    """An extractor that hangs on one note (as a pathological regex might)."""

    name = "rules"

    def extract(self, note):
        import time

        if "HANG" in note.text:
            time.sleep(5)
        from reviewer.extract.base import Extraction
        from reviewer.facts import NoteFacts

        return Extraction(facts=NoteFacts(), extractor="rules")


def test_a_note_that_takes_too_long_is_stopped_and_the_batch_goes_on():
    rows = [
        batch.BatchRow(index=1, id="a", note="HANG here", source="s"),
        batch.BatchRow(index=2, id="b", note="fine", source="s"),
    ]
    results = batch.review_rows(rows, extractor=Slow(), workers=1, time_limit=0.2)
    assert "took longer than 0.2 s" in results[0].error
    assert results[1].error is None and results[1].elapsed_ms < 1000


def test_a_worker_chunk_keeps_each_note_s_time_limit_and_restores_the_alarm_handler():
    import signal

    before = signal.getsignal(signal.SIGALRM)
    rows = [
        batch.BatchRow(index=1, id="a", note="fine", source="s"),
        batch.BatchRow(index=2, id="b", note="HANG here", source="s"),
        batch.BatchRow(index=3, id="c", note="fine", source="s"),
    ]
    job = batch._Job(None, Slow(), None, False, 0.2)
    results = batch._review_chunk(rows, job)  # as a pool worker runs a chunk
    assert [r.error is None for r in results] == [True, False, True]
    assert "took longer than 0.2 s" in (results[1].error or "")
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    one = batch.review_one(rows[1], job)  # on its own, outside a chunk
    assert "took longer than 0.2 s" in (one.error or "")
    assert signal.getsignal(signal.SIGALRM) is before


def test_an_unknown_payer_profile_is_refused_before_any_row_is_reviewed():
    rows = [batch.BatchRow(index=1, id="a", note="x", source="s")]
    with pytest.raises(UsageError, match="unknown payer profile"):
        batch.review_rows(rows, payer="nosuchpayer")


def test_the_process_pool_gives_the_same_results_in_input_order(monkeypatch):
    monkeypatch.setattr(batch, "MIN_NOTES_FOR_POOL", 1)
    monkeypatch.setattr(batch, "CHUNK_SIZE", 3)
    notes = corpus_notes(12)
    rows = [  # indices out of order (rows merged from two files): the order of rows wins
        batch.BatchRow(index=100 - i, id=name, note=text, source=name)
        for i, (name, text) in enumerate(notes, 1)
    ]
    seen = []
    pooled = batch.review_rows(rows, workers=2, progress=lambda d, t: seen.append((d, t)))
    serial = batch.review_rows(rows, workers=1)
    assert [r.id for r in pooled] == [name for name, _ in notes]
    assert [r.to_row() for r in pooled] == [r.to_row() for r in serial]
    assert seen[0] == (0, 12) and seen[-1] == (12, 12)


def test_keep_review_keeps_the_full_json_contract():
    name, text = corpus_notes(1)[0]
    (result,) = batch.review_rows(
        [batch.BatchRow(index=1, id=name, note=text, source=name)], keep_review=True
    )
    assert result.review == json.loads(json.dumps(review_text(text).to_contract()))


def test_a_row_payer_column_naming_a_profile_picks_it_unless_the_flag_says_otherwise():
    assert batch._row_profile("ama") == "ama"
    assert batch._row_profile("Medicare Part B") == "cms"
    assert batch._row_profile("Blue Shield") is None  # the note decides


# --------------------------------------------------------------------------- output


def test_the_example_batch_reviews_into_one_row_per_note_with_patterns():
    results = batch.review_rows(batch.read_input(EXAMPLE_BATCH), workers=1)
    out = list(csv.DictReader(io.StringIO(batch.to_csv(results))))
    assert len(out) == 7
    assert list(out[0])[: len(batch.OUTPUT_COLUMNS)] == list(batch.OUTPUT_COLUMNS)
    assert out[0]["clinic"] == "North"  # carried through
    by_id = {r["id"]: r for r in out}
    # the PT's and the PTA's notes for one patient on one day both bill 97110
    assert "P001" in by_id["n-101"]["patterns"] and "P001" in by_id["n-102"]["patterns"]
    # the same patient's note two days later is the first one copied forward
    assert "P003" in by_id["n-105"]["patterns"]
    assert by_id["n-106"]["verdict"] == "failed" and "empty" in by_id["n-106"]["error"]
    assert by_id["n-107"]["verdict"] == "failed" and "malformed" in by_id["n-107"]["error"]
    assert by_id["n-103"]["units_billed"] == "3" and int(by_id["n-103"]["units_over"]) >= 1


def test_jsonl_output_keeps_lists_and_numbers_and_can_include_the_review():
    name, text = corpus_notes(1)[0]
    results = batch.review_rows(
        [batch.BatchRow(index=1, id=name, note=text, source=name)], keep_review=True
    )
    (line,) = batch.to_jsonl(results, include_review=True).splitlines()
    row = json.loads(line)
    assert isinstance(row["rules"], list) and isinstance(row["count_error"], int)
    assert row["review"]["schema_version"] == 1


def test_the_summary_counts_notes_verdicts_rules_and_over_billing():
    results = [
        batch.BatchResult(
            index=1, id="a", source="s", verdict="revise", rules=["T001", "D001"], units_over=2
        ),
        batch.BatchResult(index=2, id="b", source="s", verdict="review", rules=["D001"]),
        batch.BatchResult(index=3, id="c", source="s", error="the note is empty"),
    ]
    summary = batch.summarize(results, patterns=[])
    assert summary["notes"] == 3 and summary["failed"] == 1
    assert summary["verdicts"] == {"revise": 1, "review": 1, "ready": 0}
    assert summary["top_rules"][0] == {"rule": "D001", "name": "vague-language", "notes": 2}
    assert summary["units_over"] == 2 and summary["notes_over"] == 1
    text = batch.format_summary(summary)
    assert "3 notes: 1 revise, 1 review, 0 ready, 1 could not be reviewed." in text
    assert "Over-billed: 2 timed units on 1 note" in text


def test_the_progress_bar_is_quiet_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    bar = batch.ProgressBar(stream=stream)
    bar(5, 10)
    bar(10, 10)
    assert stream.getvalue() == ""
    shown = batch.ProgressBar(stream=stream, enabled=True)
    shown(10, 10)
    assert "10/10 notes" in stream.getvalue()
