"""The registry is complete: every catalogue rule is registered once, cites known guidance,
explains itself, and has examples; README's rules table is `reviewer rules` output."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.rules.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent

#: Every rule id of RULES.md except the P-family (batch-only, registered elsewhere).
CATALOGUE_IDS = [
    *(f"T{n:03d}" for n in range(1, 13)),  # T001-T012 time and units
    *(f"S{n:03d}" for n in range(1, 6)),  # S001-S005 skilled service
    *(f"D{n:03d}" for n in range(1, 9)),  # D001-D008 documentation content
    *(f"B{n:03d}" for n in range(1, 7)),  # B001-B006 billing codes and modifiers
]

#: The source keys RULES.md cites, written out here independently of the code.
SOURCE_KEYS = {
    "cms-8-minute-rule",
    "ama-midpoint",
    "mbpm-220-3",
    "mbpm-220-2",
    "mbpm-230",
    "cpt-97112",
    "lcd-97112",
    "cms-group-therapy",
    "cms-timed-untimed",
    "therapy-modifiers",
    "cms-assistant-modifiers",
    "ncci-ptp",
    "vague-documentation",
    "payer-clock-times",
    "profile",
}


def _document_ids() -> set[str]:
    from reviewer.knowledge.documents import document_ids

    return set(document_ids())


def test_every_catalogue_source_key_has_a_knowledge_document():
    assert sorted(SOURCE_KEYS - _document_ids()) == []


RULES = all_rules()


def test_every_catalogue_rule_is_registered():
    registered = {r.id for r in RULES}
    assert sorted(set(CATALOGUE_IDS) - registered) == []


def test_rule_ids_are_unique_and_well_formed():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[TSDBP]\d{3}", i) for i in ids)


def test_the_catalogue_list_in_this_test_has_no_duplicates():
    assert len(CATALOGUE_IDS) == len(set(CATALOGUE_IDS)) == 31


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_each_rule_cites_only_known_guidance(r):
    assert r.sources, f"{r.id} cites no guidance"
    assert set(r.sources) <= SOURCE_KEYS  # a key of the catalogue ...
    assert set(r.sources) <= _document_ids()  # ... and a knowledge document the finding links to


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_each_rule_explains_why_in_its_docstring(r):
    assert "Why" in r.doc, f"{r.id} has no 'Why' in its docstring"


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_each_rule_has_a_kebab_name_a_severity_and_examples_both_ways(r):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name)
    assert r.severity in ("error", "warning", "info")
    assert r.fails, f"{r.id} has no example that fails it"
    assert r.passes, f"{r.id} has no example that passes it"


def test_the_readme_rules_table_is_the_output_of_reviewer_rules():
    out = subprocess.run(
        [sys.executable, "-m", "reviewer", "rules", "--format", "markdown"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- rules:start -->\n", "<!-- rules:end -->"
    assert start in readme and end in readme, "README.md lacks the rules markers"
    block = readme[readme.index(start) + len(start) : readme.index(end)]
    assert block == out, "README's rules table is stale: run python scripts/gen_readme_rules.py"
