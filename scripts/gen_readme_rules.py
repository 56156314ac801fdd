"""Write the rule catalogue table into README.md between the rules markers.

    python scripts/gen_readme_rules.py          # rewrite README.md in place
    python scripts/gen_readme_rules.py --check  # exit 1 if README.md is out of date

The table is exactly ``reviewer rules --format markdown``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

START = "<!-- rules:start -->"
END = "<!-- rules:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def render_block(table: str) -> str:
    return f"{START}\n{table}{END}"


def current_block(text: str) -> str | None:
    """The README's block between the markers (markers included), or None if absent."""
    start = text.find(START)
    end = text.find(END, start)
    if start < 0 or end < 0:
        return None
    return text[start : end + len(END)]


def main(argv: list[str] | None = None) -> int:
    from reviewer.commands.rules import markdown_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    block = current_block(text)
    if block is None:
        print(f"{args.readme}: no {START} ... {END} markers", file=sys.stderr)
        return 2
    wanted = render_block(markdown_table())
    if args.check:
        if block != wanted:
            print(f"{args.readme}: the rules table is out of date; run {__file__}", file=sys.stderr)
            return 1
        return 0
    args.readme.write_text(text.replace(block, wanted), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
