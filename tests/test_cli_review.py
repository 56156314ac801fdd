"""`reviewer review|extract|rules` from the command line: formats, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reviewer", *argv],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )


# --- unusable input: exit 2, one line, never a traceback -----------------------------------


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"", "empty"),  # empty file
        (b"  \n\n \t", "empty"),  # whitespace only
        (b"\x00\x01\x02PK\x03\x04binary", "binary"),  # a zip's bytes
        (b"Note \xc3\x28 bad", "UTF-8"),  # invalid UTF-8 sequence
        (b"a" * 200_001, "limit"),  # over MAX_NOTE_BYTES
    ],
)
def test_unusable_input_exits_2_with_one_line(tmp_path, content, expect):
    path = tmp_path / "note.txt"
    path.write_bytes(content)
    proc = run("review", str(path))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert expect in err and err.count("\n") == 1 and "Traceback" not in err
    assert proc.stdout == b""


def test_a_missing_file_exits_2_with_one_line(tmp_path):
    proc = run("review", str(tmp_path / "nope.txt"))
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == f"reviewer: error: no such file: {tmp_path / 'nope.txt'}"


def test_an_unknown_payer_exits_2(tmp_path):
    proc = run("review", str(EXAMPLES / "clean-medicare.txt"), "--payer", "nosuch")
    assert proc.returncode == 2 and "unknown payer profile" in proc.stderr.decode()


# --- formats and exit codes ----------------------------------------------------------------


def test_json_output_follows_the_contract_and_exits_0():
    proc = run("review", str(EXAMPLES / "overbilled-medicare.txt"), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["schema_version"] == 1
    assert data["verdict"] == "revise"
    assert "T001" in {f["rule"] for f in data["findings"]}


def test_a_note_can_be_read_from_stdin():
    note = (EXAMPLES / "clean-medicare.txt").read_bytes()
    proc = run("review", "-", "--format", "json", stdin=note)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["verdict"] == "ready"


@pytest.mark.parametrize(
    ("example", "fail_on", "status"),
    [
        ("overbilled-medicare.txt", None, 0),  # the review ran: 0 without --fail-on
        ("overbilled-medicare.txt", "error", 1),  # has errors
        ("vague-balance.txt", "error", 0),  # warnings only
        ("vague-balance.txt", "warning", 1),  # warning level includes warnings
        ("clean-medicare.txt", "warning", 0),  # nothing to fail on
    ],
)
def test_fail_on_sets_the_exit_status(capsys, example, fail_on, status):
    argv = ["review", str(EXAMPLES / example)] + (["--fail-on", fail_on] if fail_on else [])
    assert main(argv) == status


def test_the_text_report_starts_with_the_verdict_and_quotes_the_note(capsys):
    main(["review", str(EXAMPLES / "overbilled-medicare.txt")])
    out = capsys.readouterr().out
    assert out.startswith("Verdict: REVISE")
    assert "\x1b[" not in out  # no colour when stdout is not a terminal
    assert "line " in out and "Fix:" in out and "Units" in out


def test_the_markdown_report_has_a_findings_table(capsys):
    main(["review", str(EXAMPLES / "overbilled-medicare.txt"), "--format", "markdown"])
    out = capsys.readouterr().out
    assert out.startswith("## Note review: **REVISE**")
    assert "| Severity | Rule | Finding | Quote |" in out


def test_payer_flag_switches_the_method(capsys):
    main(["review", str(EXAMPLES / "clean-medicare.txt"), "--format", "json", "--payer", "ama"])
    data = json.loads(capsys.readouterr().out)
    assert data["units"]["method"] == "ama" and data["profile"]["source"] == "flag"


def test_extract_prints_the_facts_as_json(capsys):
    assert main(["extract", str(EXAMPLES / "clean-medicare.txt")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {b["code"] for b in data["facts"]["billed"]} == {"97112", "97110"}


def test_extract_text_lists_billed_lines_and_interventions(capsys):
    assert main(["extract", str(EXAMPLES / "clean-medicare.txt"), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "Billed:" in out and "97112 x2 GP" in out and "Interventions:" in out


def test_rules_lists_every_rule_as_json(capsys):
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"B001", "T001", "S001", "D001", "P001"} <= {r["id"] for r in rows}
    assert all(set(r) == {"id", "name", "severity", "summary", "sources", "scope"} for r in rows)
    # the P-family reads many notes at once: listed, but only for batches and the worklist
    assert {r["id"] for r in rows if r["scope"] == "batch"} == {"P001", "P002", "P003"}
