"""``reviewer review FILE|-``: review one note and print the report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewer.commands._llm_flags import add_llm_arguments, llm_settings_from_args
from reviewer.errors import InputError


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    """The note argument and the extractor/LLM flags shared by ``review`` and ``extract``."""
    p.add_argument("file", metavar="FILE", help="the note as a text file, or - for stdin")
    p.add_argument(
        "--extractor",
        choices=["rules", "llm", "hybrid"],
        default=None,
        help="how facts are read from the note (default rules, or REVIEWER_EXTRACTOR)",
    )
    add_llm_arguments(p)  # --llm-base-url, --llm-model ... (shared with batch and worklist)


def read_note(file: str) -> bytes:
    """The note's bytes from a path or ``-`` (stdin). Raises InputError in one line."""
    from reviewer.intake import MAX_NOTE_BYTES

    limit = MAX_NOTE_BYTES + 1  # read one byte more than allowed, so intake can refuse it
    if file == "-":
        return sys.stdin.buffer.read(limit)
    path = Path(file)
    if not path.exists():
        raise InputError(f"no such file: {file}")
    if path.is_dir():
        raise InputError(f"{file} is a folder; give one note file (or use `reviewer batch`)")
    try:
        with path.open("rb") as fh:
            return fh.read(limit)
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review",
        help="review one note: units, findings, verdict",
        description="Review one daily treatment note: do the documented minutes support the "
        "billed units, and is the note specific enough to defend? Exit 0 when the review ran "
        "(1 with --fail-on when a finding at that level exists), 2 for unusable input.",
    )
    add_common_arguments(p)
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    p.add_argument(
        "--payer",
        metavar="cms|ama|PATH.json",
        default=None,
        help="payer profile (default: REVIEWER_PAYER, else what the note's payer "
        "implies, else cms)",
    )
    p.add_argument(
        "--fail-on",
        choices=["error", "warning"],
        default=None,
        help="exit 1 when a finding at this severity (or worse) exists",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reviewer import report
    from reviewer.review import review_text

    raw = read_note(args.file)
    review = review_text(
        raw, payer=args.payer, extractor=args.extractor, llm_settings=llm_settings_from_args(args)
    )
    note_text = raw.decode("utf-8-sig", errors="replace")
    if args.format == "json":
        out = report.render_json(review)
    elif args.format == "markdown":
        out = report.render_markdown(review, note_text)
    else:
        out = report.render_text(review, note_text)
    sys.stdout.write(out)
    return exit_status(review, args.fail_on)


def exit_status(review, fail_on: str | None) -> int:
    """0, or 1 when ``--fail-on`` names a severity the review found (warning includes error)."""
    if fail_on is None:
        return 0
    levels = {"error": ("error",), "warning": ("error", "warning")}[fail_on]
    return 1 if any(review.counts.get(level, 0) for level in levels) else 0
