"""Render a :class:`reviewer.review.Review` for a terminal, a ticket (Markdown), or a program (JSON).

The renderers only format what the review holds; they decide nothing. ``note_text`` is the
note as given (evidence offsets index into it) and is used to say which line a quote is on.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewer.review import Review

SEVERITY_TITLES = {"error": "Errors", "warning": "Warnings", "info": "Information"}
VERDICT_TEXT = {
    "ready": "READY — nothing blocks signing and billing",
    "review": "REVIEW — warnings to look at before signing",
    "revise": "REVISE — errors to fix before this note is signed and billed",
}

_COLOURS = {
    "error": "31",
    "warning": "33",
    "info": "36",
    "ready": "32",
    "review": "33",
    "revise": "31",
    "dim": "2",
    "bold": "1",
}


def use_colour(stream=None) -> bool:
    """Colour only on a terminal and only when NO_COLOR is unset."""
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def _line_of(note_text: str | None, offset: int) -> int | None:
    if not note_text or offset > len(note_text):
        return None
    return note_text.count("\n", 0, offset) + 1


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _counts_line(review: Review) -> str:
    c = review.counts
    return (
        f"{_plural(c.get('error', 0), 'error')}, {_plural(c.get('warning', 0), 'warning')}, "
        f"{c.get('info', 0)} info"
    )


def _profile_line(review: Review) -> str:
    p = review.profile
    how = {
        "flag": "chosen with --payer",
        "env": "from REVIEWER_PAYER",
        "note": "from the note's payer",
        "default": "default: no payer method in the note",
    }[p.source]
    quoted = f' "{p.evidence.strip()}"' if p.source == "note" and p.evidence else ""
    return f"{p.name} — {p.title} ({how}{quoted})"


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _units_lines(review: Review) -> list[str]:
    u = review.units
    lines = []
    billed = ", ".join(f"{c} x{n}" for c, n in u.billed.items()) or "nothing"
    lines.append(f"Method: {u.method}   Billed: {billed}")
    if u.status == "not_checkable":
        lines.append(f"Units cannot be checked: {u.reason}.")
        return lines
    if u.total_timed_minutes is not None:
        supported = ", ".join(f"{c} x{n}" for c, n in u.supported.items())
        lines.append(
            f"Timed minutes: {u.total_timed_minutes}   Supported timed units: {u.supported_total}"
            + (f" ({supported})" if supported else "")
        )
    for alt in u.alternatives:
        lines.append("Also valid: " + ", ".join(f"{c} x{n}" for c, n in alt.items()))
    lines.extend(u.derivation)
    if u.check:
        lines.append(f"Check: {u.check.get('message', u.check.get('status'))}")
    elif u.reason:
        lines.append(f"Note: {u.reason}.")
    return lines


def _extraction_lines(review: Review) -> list[str]:
    """What a human should look at in how the facts were read (LLM modes only)."""
    lines = []
    info = review.extraction
    if info.dropped:
        reasons = "; ".join(f"{d.field}: {d.reason}" for d in info.dropped[:5])
        more = f" (+{len(info.dropped) - 5} more)" if len(info.dropped) > 5 else ""
        lines.append(
            f"{_plural(len(info.dropped), 'extracted fact')} dropped — {reasons}{more}."
        )
    for d in info.disagreements:
        lines.append(
            f"Needs a human look: the two extractors disagree on {d.field} "
            f"(rules: {d.rules!r}, LLM: {d.llm!r})" + (f" — {d.note}" if d.note else "") + "."
        )
    return lines


def render_text(review: Review, note_text: str | None = None, *, colour: bool | None = None) -> str:
    """A terminal report: verdict first, findings by severity with quotes and fixes, then units."""
    colour = use_colour() if colour is None else colour

    def paint(text: str, key: str) -> str:
        return f"\x1b[{_COLOURS[key]}m{text}\x1b[0m" if colour else text

    out = [
        paint(f"Verdict: {VERDICT_TEXT[review.verdict]}", review.verdict),
        f"{_counts_line(review)}   extractor: {review.extractor}",
        f"Payer profile: {_profile_line(review)}",
    ]
    if review.extraction.fallback_reason:
        out.append(
            paint(f"Extractor fell back to rules: {review.extraction.fallback_reason}", "warning")
        )
    for line in _extraction_lines(review):
        out.append(paint(line, "warning"))
    for err in review.errors:
        out.append(paint(f"Internal error (a check did not run): {err.message}", "error"))
    for severity in ("error", "warning", "info"):
        group = [f for f in review.findings if f.severity == severity]
        if not group:
            continue
        out.append("")
        out.append(paint(f"{SEVERITY_TITLES[severity]} ({len(group)})", severity))
        for f in group:
            out.append(f"  {paint(f.rule, severity)} {f.name}: {f.message}")
            for ev in f.evidence[:3]:
                line_no = _line_of(note_text, ev.start)
                where = f" (line {line_no})" if line_no else ""
                out.append(paint(f'      "{_quote(ev.text)}"{where}', "dim"))
            if f.fix:
                out.append(f"      Fix: {f.fix}")
            if f.guidance:
                out.append(paint(f"      Guidance: {', '.join(f.guidance)}", "dim"))
    if not review.findings:
        out.append("")
        out.append("No findings.")
    out.append("")
    out.append(paint("Units", "bold"))
    out.extend(f"  {line}" for line in _units_lines(review))
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(review: Review, note_text: str | None = None) -> str:
    """A report a biller can paste into a ticket."""
    from reviewer.review import guidance_snippets_for

    out = [
        f"## Note review: **{review.verdict.upper()}**",
        "",
        f"- Findings: {_counts_line(review)}",
        f"- Payer profile: {_profile_line(review)}",
        f"- Extractor: {review.extractor}"
        + (
            f" (fell back: {review.extraction.fallback_reason})"
            if review.extraction.fallback_reason
            else ""
        ),
        f"- Note SHA-256: `{review.note_sha256[:16]}…`",
    ]
    for err in review.errors:
        out.append(f"- **Internal error** (a check did not run): {err.message}")
    out.extend(f"- {_md_escape(line)}" for line in _extraction_lines(review))
    out.append("")
    if review.findings:
        out += ["| Severity | Rule | Finding | Quote |", "|---|---|---|---|"]
        for f in review.findings:
            quote = "; ".join(f'"{_quote(e.text, 80)}"' for e in f.evidence[:2])
            out.append(
                f"| {f.severity} | {f.rule} {f.name} | {_md_escape(f.message)} | "
                f"{_md_escape(quote)} |"
            )
        out.append("")
        out.append("### Suggested fixes")
        out.append("")
        for f in review.findings:
            if f.fix:
                out.append(f"- **{f.rule}**: {f.fix}")
        cited = sorted({g for f in review.findings for g in f.guidance})
        snippets = guidance_snippets_for(cited)
        if snippets:
            out += ["", "### Guidance", ""]
            for doc_id in cited:
                if doc_id in snippets:
                    out.append(f"- `{doc_id}`: {snippets[doc_id]}")
    else:
        out.append("No findings.")
    out += ["", "### Units", ""]
    out.extend(f"- {_md_escape(line)}" for line in _units_lines(review))
    return "\n".join(out) + "\n"


def render_json(review: Review) -> str:
    """The JSON output contract (schema_version 1), with guidance excerpts per finding."""
    return (
        json.dumps(review.to_contract(guidance_snippets=True), indent=2, ensure_ascii=False) + "\n"
    )
