"""``reviewer batch INPUT``: review many notes, one output row per note, then a summary."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reviewer.commands._llm_flags import add_llm_arguments, llm_settings_from_args
from reviewer.errors import UsageError

HELP = "review many notes (CSV, JSONL, ZIP or a folder of .txt) into one row per note"


def add_review_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags shared by ``batch`` and ``worklist import``."""
    parser.add_argument(
        "--payer",
        help="payer profile for every note: cms, ama or a profile "
        ".json (default: the row's payer column, else what each note says)",
    )
    parser.add_argument(
        "--extractor",
        choices=["rules", "llm", "hybrid"],
        help="fact extractor (default: rules, or REVIEWER_EXTRACTOR)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="parallel workers (default: every core for rules, 4 for an LLM)",
    )
    parser.add_argument(
        "--note-timeout",
        type=float,
        metavar="SECONDS",
        default=30.0,
        help="stop a note's review after this long and give the row an error (default: 30)",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (it is shown only on a terminal anyway)",
    )
    add_llm_arguments(parser)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "batch",
        help=HELP,
        description=HELP + ". Columns: id, patient, date, provider, payer "
        "(optional) and note (required); other columns are carried through. A row that cannot "
        "be reviewed gets an error and the batch goes on. The summary goes to stderr.",
    )
    p.add_argument("input", metavar="INPUT", help=".csv, .jsonl, .zip or a folder of .txt notes")
    p.add_argument("--out", metavar="FILE", help="write the rows here (default: stdout)")
    p.add_argument(
        "--format",
        choices=["csv", "jsonl"],
        help="output format (default: from --out's extension, else csv)",
    )
    p.add_argument(
        "--full", action="store_true", help="with --format jsonl: include each note's full review"
    )
    p.add_argument(
        "--summary-json",
        metavar="FILE",
        help="also write the summary (with pattern findings) as JSON",
    )
    add_review_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reviewer import batch

    fmt = args.format or (
        "jsonl" if args.out and Path(args.out).suffix.lower() in (".jsonl", ".ndjson") else "csv"
    )
    if args.full and fmt != "jsonl":
        raise UsageError("--full needs --format jsonl (a CSV row cannot hold a whole review)")
    rows = list(batch.read_input(args.input))
    progress = None if args.no_progress else batch.ProgressBar()
    results = batch.review_rows(
        rows,
        payer=args.payer,
        extractor=args.extractor,
        workers=args.workers,
        progress=progress,
        llm_settings=llm_settings_from_args(args),
        keep_review=args.full,
        time_limit=args.note_timeout,
        patterns=False,
    )
    findings = batch.apply_patterns(results)
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8", newline="") as fh:
                _write(batch, results, fmt, fh, args.full)
        except OSError as exc:
            raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
    else:
        _write(batch, results, fmt, sys.stdout, args.full)
        sys.stdout.flush()
    summary = batch.summarize(results, findings)
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(batch.format_summary(summary), file=sys.stderr)
    return 0


def _write(batch, results, fmt: str, out, full: bool) -> None:
    if fmt == "jsonl":
        batch.to_jsonl(results, out, include_review=full)
    else:
        batch.to_csv(results, out)
