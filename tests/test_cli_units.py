"""``reviewer units`` on the command line: output contract and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from reviewer.cli import main


def test_json_output_is_the_units_contract(capsys):
    assert main(["units", "97112=24", "97110=23", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "cms"
    assert out["total_timed_minutes"] == 47
    assert out["supported_total"] == 3
    assert out["supported"] == {"97112": 2, "97110": 1}
    assert out["alternatives"] == []


def test_tie_lists_both_allocations_in_json(capsys):
    assert main(["units", "97112=20", "97110=20", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    allocations = [out["supported"], *out["alternatives"]]
    assert {"97112": 2, "97110": 1} in allocations and {"97112": 1, "97110": 2} in allocations


def test_text_output_shows_the_derivation(capsys):
    assert main(["units", "97112=24", "97110=23", "97010"]) == 0
    out = capsys.readouterr().out
    assert "47 timed minutes → 3 units (38–52 min)." in out
    assert "97010 x1" in out


def test_same_code_twice_is_pooled(capsys):
    assert main(["units", "97112=10", "97112=8", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["minutes"] == {"97112": 18}


def test_billed_check(capsys):
    assert main(["units", "97112=20", "97110=20", "--billed", "97112=3", "--format", "json"]) == 0
    check = json.loads(capsys.readouterr().out)["check"]
    assert check["status"] == "over"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["97112=abc"], "whole number"),  # minutes not a number
        (["97112=-5"], "negative"),
        (["97112=1500"], "more than a day"),  # absurd: over 24 h
        (["99999=10"], "REVIEWER_EXTRA_CODES"),  # unknown code says how to declare one
        (["97112"], "give its minutes"),  # a timed code without minutes
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, capsys):
    assert main(["units", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) <= 2 and "Traceback" not in err


def test_unknown_method_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["units", "97112=20", "--method", "xyz"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "reviewer", "units", "97110=33", "97140=7", "--format", "json"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["supported"] == {"97110": 2, "97140": 1}


def test_unknown_code_from_extra_codes_env(monkeypatch, capsys):
    from reviewer import codes

    monkeypatch.setenv("REVIEWER_EXTRA_CODES", "97799:timed")
    codes._table.cache_clear()
    try:
        assert main(["units", "97799=23", "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["supported"] == {"97799": 2}
    finally:
        codes._table.cache_clear()
