"""``reviewer rules``: the rule catalogue (id, name, severity, summary, sources).

``--format markdown`` prints the table that README.md carries between the ``rules:start`` and
``rules:end`` markers (``scripts/gen_readme_rules.py`` writes it there).
"""

from __future__ import annotations

import argparse
import json
import sys


def catalogue() -> list[dict]:
    """Every per-note rule, then the batch-only P-family (scope says which)."""
    from reviewer.review import load_rules
    from reviewer.rules.patterns import pattern_rules

    rules = load_rules()
    return [
        {
            "id": r.id,
            "name": r.name,
            "severity": r.severity,
            "summary": r.summary,
            "sources": list(r.sources),
            "scope": scope,
        }
        for scope, group in (("note", rules), ("batch", pattern_rules()))
        for r in group
    ]


def markdown_table(rows: list[dict] | None = None) -> str:
    rows = catalogue() if rows is None else rows
    out = ["| id | name | severity | what it checks | guidance |", "|---|---|---|---|---|"]
    for row in rows:
        summary = row["summary"].replace("|", "\\|").replace("\n", " ")
        if row.get("scope") == "batch":
            summary += " (batch and worklist only)"
        out.append(
            f"| {row['id']} | {row['name']} | {row['severity']} | {summary} | "
            f"{', '.join(row['sources'])} |"
        )
    return "\n".join(out) + "\n"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rules",
        help="list the rules the checker applies",
        description="Print the rule catalogue: id, name, severity, summary and "
        "the guidance each rule cites.",
    )
    p.add_argument("--format", choices=["markdown", "json"], default="markdown")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.format == "json":
        sys.stdout.write(json.dumps(catalogue(), indent=2) + "\n")
    else:
        sys.stdout.write(markdown_table())
    return 0
