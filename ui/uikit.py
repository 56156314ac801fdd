"""Shared pieces of the Streamlit pages: call the library, render what it returns.

Nothing here decides anything about a note. The review comes from
:func:`reviewer.review.review_text`; this module turns its JSON contract (``Review.to_contract()``,
the same object the CLI prints and the worklist stores) into banners, tables and a highlighted
copy of the note. The pure helpers (``highlight_note``, ``findings_by_severity``,
``units_rows`` ...) take plain data and are unit-tested without a browser.
"""

from __future__ import annotations

import html
import inspect
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

SEVERITIES = ("error", "warning", "info")
SEVERITY_LABEL = {"error": "Errors", "warning": "Warnings", "info": "Notes"}
SEVERITY_ICON = {
    "error": ":material/error:",
    "warning": ":material/warning:",
    "info": ":material/info:",
}
#: Background and underline colour of highlighted evidence, by severity.
SEVERITY_COLOUR = {
    "error": ("#fde0dd", "#c62828"),
    "warning": ("#fff1c2", "#b26a00"),
    "info": ("#dcebff", "#1f5fbf"),
}
VERDICT_TEXT = {
    "revise": "Revise before signing",
    "review": "Review before signing",
    "ready": "Ready to sign",
}
PAYER_CHOICES = {
    "note": "From the note (else CMS)",
    "cms": "CMS total-time (8-minute rule)",
    "ama": "AMA per-code",
}
EXTRACTOR_CHOICES = {
    "rules": "Rules-based (offline)",
    "hybrid": "Hybrid (rules + LLM, compared)",
    "llm": "LLM (falls back to rules)",
}


# --------------------------------------------------------------------------------------------
# Calling the library
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one review attempt gave: the review (and its contract dict) or a one-line error."""

    review: Any = None
    contract: dict[str, Any] | None = None
    error: str | None = None


def llm_endpoint() -> str | None:
    """The configured LLM endpoint (``REVIEWER_LLM_BASE_URL``), or None when none is set."""
    url = os.environ.get("REVIEWER_LLM_BASE_URL", "").strip()
    return url or None


def run_review(
    text: str | bytes, payer: str | None = None, extractor: str | None = None
) -> Outcome:
    """Review one note; unusable input becomes ``Outcome.error`` (one line, never a traceback)."""
    from reviewer.errors import ReviewerError

    try:
        from reviewer.review import review_text

        review = review_text(text, payer=payer, extractor=extractor)
        return Outcome(review=review, contract=review.to_contract())
    except ReviewerError as exc:
        return Outcome(error=str(exc))
    except Exception as exc:  # a bug must not show the user a stack trace
        return Outcome(
            error=f"the review failed unexpectedly ({type(exc).__name__}); "
            "please report this with the note's id, not its text"
        )


@st.cache_data(show_spinner=False)
def guidance_doc(doc_id: str) -> dict[str, str] | None:
    """Title, source, url and a short excerpt of a knowledge document (None if unknown)."""
    try:
        from reviewer.knowledge.documents import get_document, snippet

        doc = get_document(doc_id)
        return {
            "id": doc.id,
            "title": doc.title,
            "source": getattr(doc, "source", "") or "",
            "url": getattr(doc, "url", "") or "",
            "effective": str(getattr(doc, "effective", "") or ""),
            "snippet": snippet(doc_id, max_chars=700),
        }
    except Exception:
        return None


@st.cache_data(show_spinner=False)
def rule_catalogue() -> list[dict[str, Any]]:
    """Every per-note rule as plain data (id, name, severity, summary, doc, sources, examples)."""
    from reviewer.rules.registry import all_rules

    out = []
    for r in all_rules():
        out.append(
            {
                "id": r.id,
                "name": r.name,
                "severity": r.severity,
                "summary": r.summary,
                "doc": inspect.cleandoc(r.doc),
                "sources": list(r.sources),
                "fails": [{"note": e.note, "payer": e.payer, "why": e.why} for e in r.fails],
                "passes": [{"note": e.note, "payer": e.payer, "why": e.why} for e in r.passes],
            }
        )
    return out


# --------------------------------------------------------------------------------------------
# Pure helpers (unit-tested)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    severity: str
    rule: str


def evidence_marks(note_text: str, findings: Iterable[Mapping[str, Any]]) -> list[Mark]:
    """The evidence spans of the findings that can be placed in ``note_text``.

    A span whose offsets do not hold its quoted text (a note edited since the review) is placed
    at the quote's first occurrence instead; a quote not in the note at all is left out.
    """
    marks: list[Mark] = []
    for f in findings:
        for ev in f.get("evidence") or []:
            start, end, quote = ev.get("start"), ev.get("end"), ev.get("text") or ""
            if not isinstance(start, int) or not isinstance(end, int):
                continue
            if note_text[start:end] != quote or end <= start:
                found = note_text.find(quote) if quote else -1
                if found < 0:
                    continue
                start, end = found, found + len(quote)
            marks.append(Mark(start, end, f.get("severity", "info"), f.get("rule", "")))
    return marks


def highlight_note(note_text: str, findings: Iterable[Mapping[str, Any]]) -> str:
    """The note as HTML with every evidence quote inside ``<mark>`` (text HTML-escaped).

    Overlapping quotes are split at their boundaries; each piece takes the colour of the most
    severe finding covering it and lists the rule ids in its tooltip. The rule ids are also
    shown as a small tag after each quote.
    """
    marks = evidence_marks(note_text, findings)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    cuts = sorted({0, len(note_text), *(m.start for m in marks), *(m.end for m in marks)})
    tags_at: dict[int, list[str]] = {}
    for m in marks:
        tags_at.setdefault(m.end, [])
        if m.rule and m.rule not in tags_at[m.end]:
            tags_at[m.end].append(m.rule)
    parts: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = html.escape(note_text[a:b])
        covering = [m for m in marks if m.start <= a and b <= m.end]
        if covering:
            worst = min(covering, key=lambda m: rank.get(m.severity, 9)).severity
            bg, line = SEVERITY_COLOUR.get(worst, SEVERITY_COLOUR["info"])
            rules = ", ".join(sorted({m.rule for m in covering if m.rule}))
            parts.append(
                f'<mark class="ev ev-{worst}" data-rules="{html.escape(rules)}" '
                f'title="{html.escape(rules)}" style="background:{bg};'
                f'border-bottom:2px solid {line};padding:0 1px;border-radius:2px;color:inherit">'
                f"{piece}</mark>"
            )
        else:
            parts.append(piece)
        if b in tags_at and tags_at[b]:
            label = html.escape(" ".join(sorted(tags_at[b])))
            parts.append(
                f'<sup class="ev-tag" style="font-size:0.68em;color:#555;font-family:sans-serif;'
                f'margin-left:1px">{label}</sup>'
            )
    body = "".join(parts)
    return (
        '<div class="note-view" style="white-space:pre-wrap;font-family:ui-monospace,'
        "SFMono-Regular,Menlo,Consolas,monospace;font-size:0.86rem;line-height:1.5;"
        "border:1px solid #ddd;border-radius:6px;padding:0.8rem 1rem;background:#fcfcfc;"
        f'max-height:36rem;overflow:auto">{body}</div>'
    )


def findings_by_severity(
    findings: Sequence[Mapping[str, Any]],
) -> dict[str, list[Mapping[str, Any]]]:
    """Findings grouped as error, warning, info (each group keeps the review's order)."""
    out: dict[str, list[Mapping[str, Any]]] = {s: [] for s in SEVERITIES}
    for f in findings:
        out.setdefault(f.get("severity", "info"), []).append(f)
    return out


def counts_line(counts: Mapping[str, int]) -> str:
    """'2 errors, 1 warning, 0 notes' from the review's counts."""

    def n(k: str, word: str) -> str:
        v = int(counts.get(k, 0) or 0)
        return f"{v} {word}" + ("" if v == 1 else "s")

    return ", ".join([n("error", "error"), n("warning", "warning"), n("info", "note")])


def units_rows(
    units: Mapping[str, Any], facts: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """One row per code: documented minutes, supported units (and other valid counts), billed.

    The per-code status comes from the review's own check (``units.check``): "over" where the
    check lists the code as over-billed, "under" where it lists it as under-billed.
    """
    supported = dict(units.get("supported") or {})
    minutes = dict(units.get("minutes") or {})
    billed = dict(units.get("billed") or {})
    untimed = dict(units.get("untimed") or {})
    check = units.get("check") or {}
    over = dict(check.get("over_codes") or {})
    under = dict(check.get("under_codes") or {})
    per_code = units.get("status") == "checked"
    alternatives = [dict(a) for a in units.get("alternatives") or []]
    codes: list[str] = []
    for source in (supported, minutes, untimed, billed):
        for code in source:
            if code not in codes:
                codes.append(code)
    rows = []
    for code in codes:
        if code in untimed:
            sup: Any = 1
            status = "untimed: 1 unit per service"
        elif per_code:
            sup = supported.get(code, 0)
            status = "over" if code in over else "under" if code in under else "supported"
            if code not in billed:
                status = "not billed" if sup else "under 8 min, not billed"
        else:
            sup = None
            status = "no minutes for this code"
        other = sorted({a.get(code, 0) for a in alternatives} - {sup}) if per_code else []
        rows.append(
            {
                "code": code,
                "minutes": minutes.get(code),
                "supported": sup,
                "also valid": ", ".join(str(o) for o in other),
                "billed": billed.get(code),
                "status": status,
            }
        )
    return rows


def _join(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values if v not in (None, ""))


def intervention_rows(facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in facts.get("interventions") or []:
        span = item.get("clock_span") or {}
        params = [
            f"{p.get('kind')}: {p.get('value')}"
            for a in item.get("activities") or []
            for p in a.get("parameters") or []
        ]
        flags = [
            name
            for name, on in (
                ("independent", item.get("independent")),
                ("group", item.get("group")),
                ("concurrent", item.get("concurrent")),
                ("by assistant", item.get("by_assistant")),
            )
            if on
        ]
        rows.append(
            {
                "intervention": item.get("description"),
                "code": item.get("code"),
                "minutes": item.get("minutes"),
                "clock": f"{span.get('start')}-{span.get('end')}" if span else "",
                "activities": _join(a.get("name") for a in item.get("activities") or []),
                "guidance": _join(
                    g.get("kind", "").replace("_", " ")
                    + (f" ({g['level']})" if g.get("level") else "")
                    for g in item.get("guidance") or []
                ),
                "parameters": _join(params),
                "non-billable": _join(
                    f"{n.get('kind')}{' ' + str(n['minutes']) + ' min' if n.get('minutes') else ''}"
                    for n in item.get("nonbillable") or []
                ),
                "flags": _join(flags),
            }
        )
    return rows


def billed_rows(facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "code": line.get("code"),
            "units": line.get("units"),
            "modifiers": " ".join(line.get("modifiers") or []),
            "minutes on line": line.get("minutes"),
            "as written": (line.get("evidence") or {}).get("text", ""),
        }
        for line in facts.get("billed") or []
    ]


def header_rows(facts: Mapping[str, Any]) -> list[dict[str, str]]:
    """The note's header facts (date, payer, provider, totals ...) as label/value/quote rows."""
    rows = []

    def add(label: str, value: Any, fact: Mapping[str, Any] | None) -> None:
        if fact:
            rows.append(
                {
                    "fact": label,
                    "value": "" if value is None else str(value),
                    "as written": (fact.get("evidence") or {}).get("text", ""),
                }
            )

    def person(p: Mapping[str, Any] | None) -> str:
        if not p:
            return ""
        return _join([p.get("name"), " ".join(p.get("credentials") or [])])

    add(
        "Date of service",
        (facts.get("date_of_service") or {}).get("value"),
        facts.get("date_of_service"),
    )
    add("Discipline", (facts.get("discipline") or {}).get("value"), facts.get("discipline"))
    payer = facts.get("payer") or {}
    add(
        "Payer",
        _join([payer.get("name"), payer.get("method") and f"method {payer['method']}"]),
        payer or None,
    )
    add("Provider", person(facts.get("provider")), facts.get("provider"))
    add("Signature", person(facts.get("signature")), facts.get("signature"))
    add(
        "Supervising therapist",
        person(facts.get("supervising_therapist")),
        facts.get("supervising_therapist"),
    )
    assistant = facts.get("assistant") or {}
    add("Assistant", _join([assistant.get("role"), assistant.get("scope")]), assistant or None)
    for span in facts.get("visit_spans") or []:
        add("Visit", f"{span.get('start')}-{span.get('end')} ({span.get('minutes')} min)", span)
    tt = facts.get("total_timed_minutes") or {}
    add("Total timed minutes (stated)", tt.get("minutes"), tt or None)
    tr = facts.get("total_treatment_minutes") or {}
    add("Total treatment minutes (stated)", tr.get("minutes"), tr or None)
    for dx in facts.get("diagnoses") or []:
        add("Diagnosis", _join([dx.get("code"), dx.get("text")]), dx)
    return rows


def text_fact_rows(facts: Mapping[str, Any]) -> list[dict[str, str]]:
    labels = {
        "responses": "Patient response",
        "goal_refs": "Goal / plan of care",
        "impairments": "Impairment",
        "safety_measures": "Safety measure",
        "group_statements": "Group / concurrent",
    }
    rows = []
    for key, label in labels.items():
        for item in facts.get(key) or []:
            rows.append(
                {
                    "kind": label,
                    "as written": (item.get("evidence") or {}).get("text") or item.get("text", ""),
                }
            )
    for v in facts.get("vague_phrases") or []:
        rows.append(
            {
                "kind": f"Vague phrase ({v.get('category', 'generic')})",
                "as written": (v.get("evidence") or {}).get("text", ""),
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def verdict_banner(contract: Mapping[str, Any]) -> None:
    verdict = contract.get("verdict", "review")
    counts = contract.get("counts") or {
        s: sum(1 for f in contract.get("findings") or [] if f.get("severity") == s)
        for s in SEVERITIES
    }
    units = contract.get("units") or {}
    text = f"**{VERDICT_TEXT.get(verdict, verdict)}** · {counts_line(counts)}"
    check = units.get("check") or {}
    if isinstance(check, Mapping) and check.get("message"):
        text += f"  \n{check['message']}"
    if verdict == "revise":
        st.error(text, icon=":material/block:")
    elif verdict == "review":
        st.warning(text, icon=":material/rate_review:")
    else:
        st.success(text, icon=":material/check_circle:")


def guidance_markdown(ids: Sequence[str]) -> str:
    """The cited knowledge documents as one Markdown block: title, source, link, excerpt."""
    parts = []
    for doc_id in ids:
        doc = guidance_doc(doc_id)
        if doc is None:
            parts.append(f"`{doc_id}` (document not available)")
            continue
        source = f" · {doc['source']}" if doc["source"] else ""
        link = f" · [source]({doc['url']})" if doc["url"] else ""
        parts.append(f"**{doc['title']}**{source}{link}  \n{md_escape(doc['snippet'])}")
    return "\n\n".join(parts)


def render_guidance(ids: Sequence[str]) -> None:
    st.markdown(guidance_markdown(ids))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>$|~#])")


def md_escape(text: str) -> str:
    """Text from a note or a message shown literally in Markdown (no emphasis, no LaTeX)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def finding_markdown(f: Mapping[str, Any]) -> str:
    """One finding as a single Markdown block: rule, message, quotes, suggested fix."""
    sev = f.get("severity", "info")
    parts = [
        f"{SEVERITY_ICON.get(sev, '')} **{f.get('rule')}** `{f.get('name')}`",
        md_escape(f.get("message", "")),
    ]
    quotes = [ev.get("text", "") for ev in f.get("evidence") or [] if ev.get("text")]
    if quotes:
        parts.append("  \n".join(f"> “{md_escape(' '.join(q.split()))}”" for q in quotes[:6]))
    if f.get("fix"):
        parts.append(f":material/edit_note: **Suggested fix:** {md_escape(f['fix'])}")
    return "\n\n".join(parts)


def render_finding(f: Mapping[str, Any], key: str) -> None:
    with st.container(border=True):
        st.markdown(finding_markdown(f))
        ids = list(f.get("guidance") or [])
        if ids:
            with st.expander("Why: the guidance this rests on", icon=":material/menu_book:"):
                render_guidance(ids)


def render_findings(contract: Mapping[str, Any], key: str = "f") -> None:
    groups = findings_by_severity(contract.get("findings") or [])
    if not any(groups.values()):
        st.success("No findings: the minutes support the billed units and the note is specific.")
        return
    for sev in SEVERITIES:
        items = groups.get(sev) or []
        if not items:
            continue
        st.markdown(f"#### {SEVERITY_LABEL[sev]} ({len(items)})")
        for i, f in enumerate(items):
            render_finding(f, key=f"{key}-{sev}-{i}")


def render_units(contract: Mapping[str, Any]) -> None:
    units = contract.get("units") or {}
    facts = contract.get("facts") or {}
    profile = contract.get("profile") or {}
    status = units.get("status")
    if status == "not_checkable":
        st.info(
            f"Units cannot be checked: {units.get('reason') or 'nothing to count from'}.",
            icon=":material/help:",
        )
    elif units.get("reason"):
        st.caption(units["reason"][:1].upper() + units["reason"][1:] + ".")
    method = units.get("method", "cms")
    billed = units.get("billed") or {}
    c1, c2, c3 = st.columns(3)
    c1.metric("Timed minutes", _dash(units.get("total_timed_minutes")))
    c2.metric("Timed units supported", _dash(units.get("supported_total")))
    check = units.get("check") or {}
    c3.metric(
        "Timed units billed",
        _dash(
            check.get("billed_total", sum(int(v or 0) for v in billed.values()) if billed else None)
        ),
    )
    method_text = (
        "CMS total-time (8-minute rule)"
        if method == "cms"
        else "AMA per-code (substantial portion)"
    )
    source = {
        "flag": "chosen here",
        "env": "from REVIEWER_PAYER",
        "note": "from the note's payer",
        "default": "default: the note names no payer",
    }.get(profile.get("source", ""), "")
    st.caption(
        f"Method: {method_text}"
        + (f" · {profile.get('title') or profile.get('name')} ({source})" if profile else "")
    )
    if isinstance(check, Mapping) and check.get("message"):
        st.markdown(check["message"])
    rows = units_rows(units, facts)
    if rows:
        table(rows)
    alternatives = units.get("alternatives") or []
    if alternatives:
        st.caption(
            "Leftover minutes tie, so more than one allocation is valid: "
            + "; ".join(
                ", ".join(f"{c} x{u}" for c, u in a.items())
                for a in [units.get("supported") or {}, *alternatives]
            )
        )
    derivation = units.get("derivation") or []
    if derivation:
        with st.expander("How the units were counted", expanded=True, icon=":material/calculate:"):
            st.markdown("\n".join(f"1. {step}" for step in derivation))


def _dash(value: Any) -> Any:
    return "–" if value is None else value


def render_facts(contract: Mapping[str, Any]) -> None:
    facts = contract.get("facts") or {}
    rows = intervention_rows(facts)
    st.markdown("**Interventions**")
    if rows:
        table(rows)
    else:
        st.caption("No interventions were found in the note.")
    st.markdown("**Billed lines**")
    brows = billed_rows(facts)
    if brows:
        table(brows)
    else:
        st.caption("No billing statement was found.")
    hrows = header_rows(facts)
    if hrows:
        st.markdown("**Header, totals and signature**")
        table(hrows)
    trows = text_fact_rows(facts)
    if trows:
        st.markdown("**Responses, goals, impairments, safety, vague phrases**")
        table(trows)


def render_extraction(contract: Mapping[str, Any]) -> None:
    """Fallbacks, dropped LLM facts and extractor disagreements, when there are any."""
    ex = contract.get("extraction") or {}
    if ex.get("fallback_reason"):
        st.warning(
            f"The {ex.get('requested', 'LLM')} extractor was not used: {ex['fallback_reason']}. "
            f"The review used the {contract.get('extractor', 'rules')} extractor.",
            icon=":material/swap_horiz:",
        )
    dropped = ex.get("dropped") or []
    if dropped:
        with st.expander(f"{len(dropped)} LLM fact(s) dropped: their quote is not in the note"):
            table([_flat(d) for d in dropped])
    disagreements = ex.get("disagreements") or []
    if disagreements:
        with st.expander(
            f"{len(disagreements)} disagreement(s) between the extractors", expanded=True
        ):
            table([_flat(d) for d in disagreements])
    errors = contract.get("errors") or []
    if errors:
        st.warning(
            "Some checks could not run, so the note cannot be marked ready: "
            + "; ".join(
                str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in errors
            ),
            icon=":material/report:",
        )


def _flat(item: Any) -> dict[str, str]:
    if isinstance(item, Mapping):
        return {
            str(k): v if isinstance(v, str | int | float | type(None)) else str(v)
            for k, v in item.items()
        }
    return {"detail": str(item)}


def render_review(
    contract: Mapping[str, Any], note_text: str, *, key: str = "rv", compact: bool = False
) -> None:
    """The whole review: banner, highlighted note, findings, units, facts."""
    verdict_banner(contract)
    render_extraction(contract)
    findings = contract.get("findings") or []
    if compact:
        st.html(highlight_note(note_text, findings))
        render_findings(contract, key=key)
        return
    left, right = st.columns([5, 6], gap="medium")
    with left:
        st.markdown("##### The note, with the evidence marked")
        st.html(highlight_note(note_text, findings))
        st.caption("Red: error · amber: warning · blue: note. Hover a mark to see its rule.")
    with right:
        st.markdown("##### Findings")
        render_findings(contract, key=key)
    # Lazy tabs: only the selected tab's content is built and sent to the browser.
    units_tab, facts_tab = st.tabs(
        ["Units: supported vs billed", "What the reviewer read (facts)"],
        key=f"{key}-tabs",
        on_change="rerun",
    )
    if units_tab.open:
        with units_tab:
            render_units(contract)
    if facts_tab.open:
        with facts_tab:
            render_facts(contract)


# --------------------------------------------------------------------------------------------
# Cached reviews and the learning pairs
# --------------------------------------------------------------------------------------------

LEARN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "learn_pairs")


@st.cache_data(show_spinner=False, max_entries=256)
def cached_review(text: str, payer: str | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """(contract, error) for a note, rules extractor; cached so reruns never re-review."""
    outcome = run_review(text, payer=payer, extractor="rules")
    return outcome.contract, outcome.error


def load_learn_pairs(directory: str = LEARN_DIR) -> list[dict[str, Any]]:
    """The curated weak/defensible note pairs (``ui/learn_pairs/*.json``), in file order."""
    import json

    pairs = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                pair = json.load(fh)
            for key in ("id", "title", "problem", "why", "weak", "strong"):
                if not pair.get(key):
                    raise ValueError(f"learning pair {name} has no {key!r}")
            pairs.append(pair)
    return pairs


def rule_ids(contract: Mapping[str, Any] | None) -> list[str]:
    """The distinct rule ids a review fired, in the review's order."""
    out: list[str] = []
    for f in (contract or {}).get("findings") or []:
        if f.get("rule") not in out:
            out.append(f.get("rule"))
    return out


def table(rows: Sequence[Mapping[str, Any]]) -> None:
    """A small static table (lighter in the browser than an interactive data grid)."""
    import pandas as pd

    frame = pd.DataFrame(list(rows)).astype(object)
    st.table(frame.where(frame.notna(), ""), hide_index=True)
