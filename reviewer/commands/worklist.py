"""``reviewer worklist import|list|show|set-status|export``: the billers' worklist."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from reviewer.errors import UsageError

HELP = "import reviewed notes into the worklist and work through them"
STATUSES = ("open", "fixed", "accepted", "escalated")
VERDICTS = ("revise", "review", "ready", "failed")


def register(subparsers: argparse._SubParsersAction) -> None:
    from reviewer.commands.batch import add_review_arguments

    p = subparsers.add_parser(
        "worklist",
        help=HELP,
        description=HELP + ". The database lives in REVIEWER_DATA_DIR (default "
        "~/.local/share/reviewer/worklist.sqlite3); --db picks another file.",
    )
    p.add_argument("--db", metavar="PATH", help="worklist database file")
    sub = p.add_subparsers(dest="worklist_command", metavar="ACTION", parser_class=type(p))

    imp = sub.add_parser("import", help="review a batch and add its notes (idempotent)")
    imp.add_argument("input", metavar="INPUT", help=".csv, .jsonl, .zip or a folder of .txt")
    imp.add_argument("--who", help="recorded as the importer (default: $USER)")
    add_review_arguments(imp)
    imp.set_defaults(func=run_import)

    ls = sub.add_parser("list", help="notes, riskiest first")
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument("--verdict", choices=VERDICTS)
    ls.add_argument("--rule", help="only notes where this rule (or pattern) fired, e.g. T001")
    ls.add_argument("--limit", type=int, metavar="N")
    ls.add_argument("--format", choices=["table", "json"], default="table")
    ls.set_defaults(func=run_list)

    show = sub.add_parser("show", help="one note's review, patterns and status history")
    show.add_argument("id", metavar="ID", help="the worklist id (first column of `list`)")
    show.add_argument("--note", action="store_true", help="also print the note text")
    show.add_argument("--format", choices=["text", "json"], default="text")
    show.set_defaults(func=run_show)

    st = sub.add_parser("set-status", help="set a note's status, with a comment")
    st.add_argument("id", metavar="ID")
    st.add_argument(
        "status", metavar="STATUS", choices=STATUSES, help="open, fixed, accepted or escalated"
    )
    st.add_argument("--comment", help="why (kept in the history)")
    st.add_argument("--who", help="recorded as who made the change (default: $USER)")
    st.set_defaults(func=run_set_status)

    ex = sub.add_parser("export", help="one row per note as CSV or JSONL")
    ex.add_argument("--out", metavar="FILE", help="default: stdout")
    ex.add_argument("--format", choices=["csv", "jsonl"], default=None)
    ex.add_argument("--status", choices=STATUSES)
    ex.add_argument("--verdict", choices=VERDICTS)
    ex.set_defaults(func=run_export)

    for action in (imp, ls, show, st, ex):  # --db also works after the action
        action.add_argument(
            "--db", metavar="PATH", default=argparse.SUPPRESS, help="worklist database file"
        )
    p.set_defaults(func=lambda args: _no_action(p))


def _no_action(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _open(args: argparse.Namespace):
    from reviewer.worklist import Worklist

    return Worklist(args.db)


def run_import(args: argparse.Namespace) -> int:
    from reviewer import batch
    from reviewer.commands._llm_flags import llm_settings_from_args

    rows = list(batch.read_input(args.input))
    progress = None if args.no_progress else batch.ProgressBar("Importing")
    with _open(args) as wl:
        report = wl.import_rows(
            rows,
            progress,
            payer=args.payer,
            extractor=args.extractor,
            workers=args.workers,
            llm_settings=llm_settings_from_args(args),
            source=str(args.input),
            who=args.who,
            time_limit=args.note_timeout,
        )
        counts = wl.counts()
    print(
        f"{report.added} notes added ({report.failed} could not be reviewed), "
        f"{report.skipped} already in the worklist; {report.patterns} patterns across notes. "
        f"Worklist: " + ", ".join(f"{n} {v}" for v, n in sorted(counts["verdict"].items())),
        file=sys.stderr,
    )
    return 0


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def run_list(args: argparse.Namespace) -> int:
    with _open(args) as wl:
        items = wl.list(status=args.status, verdict=args.verdict, rule=args.rule, limit=args.limit)
    if args.format == "json":
        for item in items:
            print(json.dumps(item.to_row(), ensure_ascii=False))
        return 0
    if not items:
        print("No notes match.", file=sys.stderr)
        return 0
    cols = [
        ("ID", 5),
        ("VERDICT", 7),
        ("E/W/I", 8),
        ("OVER", 4),
        ("STATUS", 9),
        ("NOTE ID", 14),
        ("PATIENT", 18),
        ("DATE", 10),
        ("PROVIDER", 18),
        ("RULES", 40),
    ]
    print("  ".join(name.ljust(w) for name, w in cols).rstrip())
    for it in items:
        rules = " ".join(it.rules + it.patterns) if not it.error else f"error: {it.error}"
        values = [
            it.id,
            it.verdict,
            f"{it.counts['error']}/{it.counts['warning']}/{it.counts['info']}",
            it.units_over or "",
            it.status,
            it.external_id,
            it.patient,
            it.date,
            it.provider,
            rules,
        ]
        print(
            "  ".join(_cell(v, w).ljust(w) for v, (_, w) in zip(values, cols, strict=True)).rstrip()
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    with _open(args) as wl:
        item = wl.get(args.id)
        history = wl.history(item.id)
        patterns = wl.patterns_for(item.id)
    if args.format == "json":
        data = item.to_row()
        data["review"] = item.review
        data["pattern_findings"] = patterns
        data["history"] = [vars(h) for h in history]
        if args.note:
            data["note"] = item.note_text
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    out = [
        f"#{item.id}  {item.external_id or ''}  verdict: {item.verdict.upper()}  "
        f"status: {item.status}"
    ]
    meta = [
        f"patient: {item.patient or '-'}",
        f"date: {item.date or '-'}",
        f"provider: {item.provider or '-'}",
        f"source: {item.source or '-'}",
    ]
    out.append("  " + "   ".join(meta))
    if item.error:
        out.append(f"Could not be reviewed: {item.error}")
    review = item.review or {}
    units = review.get("units") or {}
    check = units.get("check") or {}
    if check.get("message"):
        out.append(f"Units ({units.get('method')}): {check['message']}")
    elif units.get("reason"):
        out.append(f"Units ({units.get('method')}): {units['reason']}")
    findings = review.get("findings") or []
    if findings:
        out.append("")
        out.append(f"Findings ({len(findings)}):")
    for f in findings:
        out.append(f"  {f['rule']} {f['name']} [{f['severity']}]: {f['message']}")
        for ev in f.get("evidence") or []:
            out.append(f'      "{_one_line(ev.get("text", ""))}"')
        if f.get("fix"):
            out.append(f"      fix: {f['fix']}")
    if patterns:
        out.append("")
        out.append("Patterns across notes:")
        for p in patterns:
            out.append(f"  {p['rule']} {p['name']} [{p['severity']}]: {p['message']}")
    out.append("")
    out.append("Status history:")
    if not history:
        out.append("  (none: open since import " + item.imported_at + ")")
    for h in history:
        comment = f" — {h.comment}" if h.comment else ""
        out.append(f"  {h.at}  {h.previous or '?'} -> {h.status}  by {h.who}{comment}")
    if args.note:
        out.append("")
        out.append("Note:")
        out.append(item.note_text or "")
    print("\n".join(out))
    return 0


def _one_line(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def run_set_status(args: argparse.Namespace) -> int:
    with _open(args) as wl:
        item = wl.set_status(args.id, args.status, args.comment, who=args.who)
    print(f"#{item.id}: {item.status} (by {item.status_who} at {item.status_at})", file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    fmt = args.format or (
        "jsonl" if args.out and args.out.lower().endswith((".jsonl", ".ndjson")) else "csv"
    )
    with _open(args) as wl:
        if args.out:
            try:
                with open(args.out, "w", encoding="utf-8", newline="") as fh:
                    wl.export(fmt, status=args.status, verdict=args.verdict, out=fh)
            except OSError as exc:
                raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
        else:
            wl.export(fmt, status=args.status, verdict=args.verdict, out=sys.stdout)
    return 0
