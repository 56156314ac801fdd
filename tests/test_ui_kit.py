"""The app's pure helpers (highlighting, unit rows, learning pairs) and `reviewer ui`."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.commands import ui as ui_command

ROOT = Path(__file__).resolve().parents[1]
UI_DIR = str(ROOT / "ui")
sys.path.insert(0, str(ROOT / "ui"))

import uikit  # noqa: E402


def finding(rule: str, severity: str, *spans: tuple[int, int, str]) -> dict:
    return {
        "rule": rule,
        "severity": severity,
        "evidence": [{"start": a, "end": b, "text": t} for a, b, t in spans],
    }


def marks(fragment: str) -> list[tuple[str, str]]:
    """(class, text) of every <mark> in the fragment."""
    return [
        (cls, html.unescape(text))
        for cls, text in re.findall(r'<mark class="([^"]+)"[^>]*>(.*?)</mark>', fragment, re.S)
    ]


# ------------------------------------------------------------------------------ highlighting


def test_a_quote_is_wrapped_in_a_mark_coloured_by_its_severity():
    note = "O: Worked on balance.\nA: Tolerated well."
    out = uikit.highlight_note(note, [finding("D001", "warning", (3, 20, "Worked on balance"))])
    assert marks(out) == [("ev ev-warning", "Worked on balance")]
    assert 'data-rules="D001"' in out


def test_note_text_is_html_escaped_inside_and_outside_marks():
    note = "<script>alert(1)</script> & 97112 <b>x2</b>"
    start = note.index("97112")
    out = uikit.highlight_note(note, [finding("T001", "error", (start, len(note), note[start:]))])
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out
    assert marks(out) == [("ev ev-error", "97112 <b>x2</b>")]


def test_overlapping_quotes_are_split_and_the_overlap_takes_the_worse_severity():
    note = "NMR 10:00-10:20 worked on balance"
    out = uikit.highlight_note(
        note,
        [
            finding("D001", "warning", (16, 33, "worked on balance")),
            finding("S002", "error", (0, 33, note)),
        ],
    )
    pieces = marks(out)
    assert "".join(t for _, t in pieces) == note  # nothing lost or doubled
    assert pieces[-1] == ("ev ev-error", "worked on balance")  # error beats warning
    assert 'data-rules="D001, S002"' in out


def test_a_quote_whose_offsets_moved_is_found_by_its_text_and_a_missing_one_is_skipped():
    note = "Added a line.\nTolerated treatment well."
    stale = finding(
        "D003", "warning", (0, 25, "Tolerated treatment well.")
    )  # offsets of the old note
    gone = finding("D001", "warning", (0, 5, "as above"))
    assert marks(uikit.highlight_note(note, [stale, gone])) == [
        ("ev ev-warning", "Tolerated treatment well.")
    ]


def test_a_note_without_findings_is_shown_whole_with_no_marks():
    out = uikit.highlight_note("line 1\nline 2", [])
    assert marks(out) == [] and "line 1\nline 2" in out


# ------------------------------------------------------------------------------ units table


def test_unit_rows_take_their_status_from_the_reviews_own_check():
    units = {
        "status": "checked",
        "supported": {"97112": 1, "97110": 1},
        "alternatives": [],
        "minutes": {"97112": 12, "97110": 10, "97140": 9},
        "billed": {"97112": 1, "97110": 1, "97140": 1},
        "untimed": {},
        "check": {"over_codes": {"97140": {"billed": 1, "max_supported": 0}}, "under_codes": {}},
    }
    rows = {r["code"]: r for r in uikit.units_rows(units)}
    assert rows["97140"]["status"] == "over" and rows["97140"]["supported"] == 0
    assert rows["97112"]["status"] == "supported" and rows["97112"]["minutes"] == 12


def test_unit_rows_list_tied_alternatives_and_untimed_codes():
    units = {
        "status": "checked",
        "supported": {"97112": 2, "97110": 1},
        "alternatives": [{"97112": 1, "97110": 2}],  # a tie: either code may take the unit
        "minutes": {"97112": 20, "97110": 20},
        "billed": {"97112": 2, "97110": 1, "97010": 1},
        "untimed": {"97010": 1},
        "check": {"over_codes": {}, "under_codes": {}},
    }
    rows = {r["code"]: r for r in uikit.units_rows(units)}
    assert rows["97112"]["also valid"] == "1" and rows["97110"]["also valid"] == "2"
    assert rows["97010"]["status"].startswith("untimed")


def test_unit_rows_do_not_invent_per_code_support_from_a_total():
    units = {"status": "total_only", "supported": {}, "billed": {"97112": 2}, "supported_total": 2}
    [row] = uikit.units_rows(units)
    assert row["supported"] is None and row["status"] == "no minutes for this code"


# ------------------------------------------------------------------------------ learning pairs


def test_every_learning_pair_has_a_weak_note_a_rewrite_and_the_why():
    pairs = uikit.load_learn_pairs()
    assert len(pairs) >= 6
    for pair in pairs:
        assert pair["weak"] != pair["strong"]
        assert pair["watch"], pair["id"]
        assert len(pair["why"]) > 80, pair["id"]


# ------------------------------------------------------------------------------ reviewer ui


def test_the_ui_command_runs_streamlit_headless_on_loopback_without_usage_stats():
    cmd = ui_command.build_command(port=8600)
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(cmd[4]) == ROOT / "ui" / "app.py"
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags == {
        "--server.headless": "true",
        "--server.address": "127.0.0.1",
        "--server.port": "8600",
        "--browser.gatherUsageStats": "false",
        "--client.toolbarMode": "minimal",  # no "Deploy" button in a local clinical tool
    }


def test_reviewer_ui_print_command_shows_the_port(capsys):
    assert main(["ui", "--port", "8611", "--print-command"]) == 0
    assert "--server.port 8611" in capsys.readouterr().out


@pytest.mark.parametrize("port", [0, 70000])  # below and above the valid range
def test_a_bad_port_is_a_one_line_error(port, capsys):
    assert main(["ui", "--port", str(port), "--print-command"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--port" in err


def test_a_missing_app_file_is_a_one_line_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("REVIEWER_UI_APP", str(tmp_path / "nope.py"))
    assert main(["ui", "--print-command"]) == 2
    assert "REVIEWER_UI_APP" in capsys.readouterr().err


def test_llm_fallback_dropped_facts_and_disagreements_are_shown_when_present():
    from streamlit.testing.v1 import AppTest

    def page(ui_dir):
        import sys

        sys.path.insert(0, ui_dir)
        import uikit

        contract = {
            "verdict": "review",
            "extractor": "rules",
            "counts": {"error": 0, "warning": 1, "info": 0},
            "units": {"method": "cms", "status": "not_checkable", "reason": "no billing"},
            "findings": [],
            "facts": {},
            "extraction": {
                "requested": "hybrid",
                "fallback_reason": "the endpoint timed out twice",
                "dropped": [
                    {
                        "field": "interventions[0]",
                        "value": "97112",
                        "reason": "quote not in the note",
                    }
                ],
                "disagreements": [{"field": "billed[0].units", "rules": 2, "llm": 3, "note": ""}],
            },
        }
        uikit.render_review(contract, "note text", key="x")

    at = AppTest.from_function(page, default_timeout=30, args=(UI_DIR,))
    at.run()
    assert not at.exception, at.exception
    assert any("the endpoint timed out twice" in w.value for w in at.warning)
    labels = [e.label for e in at.expander]
    assert "1 LLM fact(s) dropped: their quote is not in the note" in labels
    assert "1 disagreement(s) between the extractors" in labels


def test_no_extraction_notices_for_a_plain_rules_review():
    from streamlit.testing.v1 import AppTest

    def page(ui_dir):
        import sys

        sys.path.insert(0, ui_dir)
        import uikit

        contract = {
            "verdict": "ready",
            "extractor": "rules",
            "units": {"method": "cms", "status": "checked", "supported_total": 1},
            "findings": [],
            "facts": {},
            "extraction": {"requested": "rules", "dropped": [], "disagreements": []},
        }
        uikit.render_review(contract, "note text", key="x")

    at = AppTest.from_function(page, default_timeout=30, args=(UI_DIR,))
    at.run()
    assert not at.exception, at.exception
    assert not at.warning
    assert not any("dropped" in e.label or "disagreement" in e.label for e in at.expander)
