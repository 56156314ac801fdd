"""The labelled dev corpus as a test: aggregate accuracy targets, not per-note exactness.

The notes and gold labels are a copy of ``../shared/corpus/dev`` kept in
``tests/fixtures/corpus`` so the suite never depends on a folder outside the repository.
Measured by ``benchmarks/accuracy.py`` (the same code the benchmark README reports).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def _accuracy_module():
    spec = importlib.util.spec_from_file_location("accuracy", ROOT / "benchmarks" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("accuracy", module)  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def summary():
    _, result = _accuracy_module().evaluate(CORPUS)
    return result


def test_the_corpus_copy_is_there_and_labelled():
    assert len(list(CORPUS.glob("*.txt"))) == len(list(CORPUS.glob("*.json"))) >= 60


def test_no_note_crashes_the_review(summary):
    assert summary["crashed"] == []
    assert summary["internal_errors"] == {}


def test_supported_units_are_exact_on_every_note(summary):
    assert summary["units"]["accuracy"] == 1.0, summary["units"]


def test_findings_precision_is_at_least_95_percent(summary):
    assert summary["findings"]["precision"] >= 0.95, summary["findings"]


def test_findings_recall_is_at_least_95_percent(summary):
    assert summary["findings"]["recall"] >= 0.95, summary["findings"]


def test_the_verdict_matches_on_at_least_95_percent_of_notes(summary):
    assert summary["verdict"]["accuracy"] >= 0.95, summary["verdict"]
