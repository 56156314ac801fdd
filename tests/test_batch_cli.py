"""`reviewer batch` and `reviewer worklist` from the command line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_BATCH = ROOT / "examples" / "batch.csv"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_batch_writes_one_csv_row_per_note_to_stdout_and_a_summary_to_stderr(capsys):
    code, out, err = run(capsys, "batch", str(EXAMPLE_BATCH), "--workers", "1")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == [f"n-10{i}" for i in range(1, 8)]
    assert "7 notes:" in err and "2 could not be reviewed" in err
    assert "P001" in err and "Top rules:" in err


def test_batch_out_file_picks_jsonl_from_its_extension(tmp_path, capsys):
    target = tmp_path / "report.jsonl"
    code, out, _ = run(capsys, "batch", str(EXAMPLE_BATCH), "--out", str(target), "--full")
    assert code == 0 and out == ""
    lines = [json.loads(x) for x in target.read_text().splitlines()]
    assert len(lines) == 7
    assert lines[0]["review"]["schema_version"] == 1
    assert lines[-1]["verdict"] == "failed" and "review" not in lines[-1]


def test_batch_summary_json_lists_the_pattern_findings(tmp_path, capsys):
    summary = tmp_path / "summary.json"
    run(
        capsys,
        "batch",
        str(EXAMPLE_BATCH),
        "--out",
        str(tmp_path / "r.csv"),
        "--summary-json",
        str(summary),
    )
    data = json.loads(summary.read_text())
    assert data["notes"] == 7
    assert {p["rule"] for p in data["pattern_findings"]} >= {"P001", "P003"}


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("id,text\n1,hello\n", "notes.csv", "no 'note' column"),
        ("", "empty.csv", "the CSV file is empty"),
        ("%PDF", "notes.pdf", "unknown batch format"),
    ],
)
def test_an_unusable_batch_is_one_line_on_stderr_and_exit_2(
    tmp_path, capsys, content, name, message
):
    path = tmp_path / name
    path.write_text(content)
    code, out, err = run(capsys, "batch", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("reviewer: error:")


def test_full_without_jsonl_is_a_usage_error(capsys):
    code, _, err = run(capsys, "batch", str(EXAMPLE_BATCH), "--full")
    assert code == 2 and "--full needs --format jsonl" in err


def test_a_biller_imports_works_and_exports_the_worklist(tmp_path, capsys, data_dir):
    code, _, err = run(capsys, "worklist", "import", str(EXAMPLE_BATCH), "--who", "jo")
    assert code == 0 and "7 notes added (2 could not be reviewed)" in err
    code, _, err = run(capsys, "worklist", "import", str(EXAMPLE_BATCH))
    assert "0 notes added" in err and "7 already in the worklist" in err
    assert (data_dir / "worklist.sqlite3").exists()

    code, out, _ = run(capsys, "worklist", "list")
    lines = out.splitlines()
    assert lines[0].startswith("ID") and len(lines) == 8
    first_revise = next(line for line in lines[1:] if " revise " in line)
    item_id = first_revise.split()[0]

    code, out, _ = run(
        capsys,
        "worklist",
        "set-status",
        item_id,
        "escalated",
        "--comment",
        "ask the PT",
        "--who",
        "sam",
    )
    assert code == 0
    code, out, _ = run(capsys, "worklist", "show", item_id)
    assert f"#{item_id}" in out and "status: escalated" in out
    assert "open -> escalated  by sam — ask the PT" in out and "Findings" in out

    code, out, _ = run(capsys, "worklist", "list", "--status", "escalated", "--format", "json")
    assert [json.loads(x)["worklist_id"] for x in out.splitlines()] == [int(item_id)]

    target = tmp_path / "export.csv"
    code, _, _ = run(capsys, "worklist", "export", "--out", str(target))
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 7 and rows[0]["status"] in ("open", "escalated")


def test_worklist_show_of_an_unknown_id_is_one_line_and_exit_2(capsys):
    run(capsys, "worklist", "import", str(EXAMPLE_BATCH))
    code, out, err = run(capsys, "worklist", "show", "999")
    assert code == 2 and "no worklist item 999" in err and err.count("\n") == 1


def test_worklist_set_status_refuses_an_unknown_status(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["worklist", "set-status", "1", "done"])
    assert exc.value.code == 2
    assert "invalid choice: 'done'" in capsys.readouterr().err


@pytest.mark.integration
def test_the_installed_command_runs_a_batch_end_to_end(tmp_path):
    env = dict(os.environ, REVIEWER_DATA_DIR=str(tmp_path))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewer",
            "batch",
            str(EXAMPLE_BATCH),
            "--out",
            str(tmp_path / "report.csv"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(list(csv.DictReader((tmp_path / "report.csv").open()))) == 7
    assert "Traceback" not in proc.stderr


def test_worklist_db_may_come_before_or_after_the_action(tmp_path, capsys):
    db = str(tmp_path / "elsewhere.sqlite3")
    assert run(capsys, "worklist", "--db", db, "import", str(EXAMPLE_BATCH))[0] == 0
    code, out, _ = run(capsys, "worklist", "list", "--db", db, "--format", "json")
    assert code == 0 and len(out.splitlines()) == 7
