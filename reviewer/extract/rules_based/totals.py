"""Visit span(s) and the stated totals (total timed-code minutes, total treatment time).

Shapes: ``Visit: 09:00-09:40``, ``Session 0900-0940``, ``Time in 1:15 pm  Time out 1:55 pm``,
``Start 15:10  End 15:38``, ``Seen 14:00-14:50.``, a clock span alone on a header line,
``0900-0923 total session``; totals ``Total timed code minutes: 40``, ``Total timed: 23 min``,
``TTT 38 / TT 45``, ``TCM 38 / TTT 48`` (beside a timed total written another way, TTT is the
treatment total), ``Total tx time: 23 min``, ``Total treatment time 09:00-09:40`` (a span),
``Total timed code min 28 (NMR 10, TherEx 10, MT 8)``. Nothing is computed or defaulted: a
total the note does not state stays null (except that a whole-visit clock span is the visit's
stated treatment time).
"""

from __future__ import annotations

import re

from reviewer.extract.rules_based._scan import Gated
from reviewer.extract.rules_based.timeparse import (
    _SPAN_SEP,
    _SPANS,
    _TIME,
    SPAN_RE,
    WORD_NUMBER,
    _part,
    resolve_pair,
    word_number,
)
from reviewer.facts import ClockSpan, NumberFact
from reviewer.intake import Note

# A stated amount of time: "38", "38 min", "1 hr 5 min", "1 h 05 m", "1 hour", "1.5 hrs".
_AMOUNT = (
    r"(?:(?P<hc>\d{1,2})h(?P<hcm>[0-5]\d)(?:m(?:in(?:ute)?s?)?)?(?![\w:])"
    r"|(?P<hr>\d{1,2}(?:\.\d{1,2})?)\s*(?:hours?|hrs?|h)\b\.?"
    r"(?:\s*(?:and\s+|,\s*)?(?P<hm>\d{1,2})\s*(?:minutes?|mins?|m)\b\.?)?"
    r"|(?P<n>\d{1,3})(?![\d:/]|\.\d)"
    # in words, as dictated ("Total timed code minutes forty four."): the minutes or the
    # sentence's end must follow ("two units" is no amount of time)
    r"|(?<!units )(?<!units: )(?<!units:)(?P<nw>"
    + WORD_NUMBER
    + r")(?=[ \t]*(?:min(?:ute)?s?\b|[.;,\n]|$)))"
)
_TIMED_WORD = r"(?:timed|time[\s-]based|billable)"
# What a total counts, in brackets between its label and its amount ("Total timed code minutes
# (excl. re-eval): 25", "Total treatment time (incl. 20 min re-eval): 45"): read past, numbers
# and all, when the amount follows.
_QUALIFIER = r"(?:[ \t]*\([^()\n]{1,40}\)[ \t]*[:=\-]?[ \t]*(?=\d))?"
# A label alone on its line, its amount alone on the next ("Total Timed Minutes" / "    40").
_NEXT_LINE = (
    r"(?:[ \t]*:?[ \t]*\n[ \t]*"
    r"(?=\d{1,3}[ \t]*(?:min(?:ute)?s?\.?|')?[ \t]*(?:\n|\Z)))?"
)
# The abbreviations of the total timed-code minutes ("TCM 38", "TTCM: 38 min", "TCTM 38"), in
# capitals, the amount right after them (an abbreviation not listed is not guessed).
_TIMED_ABBR = ("TCM", "TTCM", "TCTM")
TOTAL_TIMED_RE = re.compile(
    r"(?:(?:\btotal\s+(?:(?:direct|skilled|one[\s-]on[\s-]one|1:1|attended|constant[\s-]attendance)\s+)?"
    r"(?:timed|time[\s-]based|billable)\b|(?<![A-Za-z])(?-i:TTT)(?![A-Za-z]))"
    # (a count of units is not minutes: "Total timed units: 2")
    r"(?P<words>(?:(?!units?\b)[^\d\n|;]){0,32}?)"
    + _NEXT_LINE
    + _QUALIFIER
    + r"|(?<![A-Za-z0-9])(?-i:"
    + "|".join(_TIMED_ABBR)
    # the abbreviation spelt out in brackets ("TCM (timed code minutes): 38")
    + r")(?![A-Za-z0-9])[ \t]*(?:\([^()\n]{1,40}\)[ \t]*)?[:=\-]?[ \t]*)"
    + _AMOUNT,
    re.IGNORECASE,
)
_TIMED_FIELD = (
    r"(?:" + _TIMED_WORD + r"\s+(?:(?:cpt\s+)?codes?\s+|cpt\s+)?(?:treatment\s+|tx\s+)?"
    r"(?:minutes|mins?|time|total)(?:\s+total)?)"
    + _QUALIFIER
    + r"\s*[:=]?\s*(?P<n>\d{1,3})(?![\d:/])"
)
# At a line's start (after a bullet: "\u2022 Timed code minutes: 43"), or after a totals label
# ("Day totals: timed code minutes 46 ...").
TIMED_LINE_RE = re.compile(
    r"(?:^[ \t]*(?:[-*\u2022][ \t]*)?|(?<=totals:)[ \t]*|(?<=totals -)[ \t]*)" + _TIMED_FIELD,
    re.IGNORECASE | re.MULTILINE,
)
# The same field after a separator ("TTT 48 / Timed min 38"), read on a line "TTT" opens.
_TIMED_FIELD_RE = re.compile(
    r"(?:(?<=[/|;,\u00b7])|(?<=[/|;,\u00b7][ \t])|(?<=[/|;,\u00b7][ \t]{2}))" + _TIMED_FIELD,
    re.IGNORECASE,
)
# The timed part written inside a treatment-time total: "Treatment time: 45 minutes (45 timed)",
# "Total tx 53 min (38 min timed, 15 untimed)", "Tx time 45 min; timed 38 min", "of which 38 timed".
_TIMED_PART_RE = re.compile(
    r"(?:[(,;/|]|\band\b|\bwhich\b|\bwith\b)\s*(?:(?:of\s+)?which\s+|incl(?:uding|\.)?\s+)?"
    r"(?:(?P<n>\d{1,3})\s*(?:min(?:ute)?s?\.?\s*)?(?:(?:are|were|was)\s+)?(?<![\w-])"
    + _TIMED_WORD
    + r"(?![\w-])(?!\s*(?:codes?\s+)?units?)"
    r"|(?<![\w-])" + _TIMED_WORD + r"(?:\s+(?:code\s+)?(?:min(?:ute)?s?|time))?\s*[:=]?\s*"
    r"(?P<n2>\d{1,3})(?![\d:/])(?!\s*(?:codes?\s+)?units?))",
    re.IGNORECASE,
)
# "Tx time 31", "Treatment time 31 min", "... / Tx time 31": the label without a colon, at the
# start of a line or after a separator, when only the minutes follow.
_TX_TIME_BARE = (
    r"|(?:^[ \t]*|(?<=[/|;])|(?<=[/|;][ \t])|(?<=[/|;][ \t]{2}))"
    r"(?:treatment|tx|session)\s+(?:time|minutes|mins?)"
    r"(?=[ \t]*[:=]?[ \t]*\d{1,3}(?![\d:/]|\.\d)[ \t]*(?:min(?:ute)?s?\b\.?|')?[ \t]*(?:$|[/|;,(]))"
)
_TX_LABEL = (
    r"(?:\btotal\s+(?:treatment|tx|therapy|session|visit|rx|service)"
    r"(?:\s+(?:time|minutes|mins?|length|duration))?"
    r"|(?:^|(?<=\|))[ \t]*(?:treatment|tx|session|visit)\s+(?:time|length|duration)(?=\s*[:=])"
    r"|\btotal\s+(?:time|minutes|mins?)\b|(?<![A-Za-z])(?-i:TT)(?![A-Za-z])"
    # "whole visit 38 min", "entire session lasted 45 minutes": the minutes right after
    r"|\b(?:whole|entire)\s+(?:visit|session)(?:\s+(?:time|length|duration))?"
    r"(?=[ \t]*(?::|=|was|lasted|took)?[ \t]*\d{1,3}[ \t]*(?:min(?:ute)?s?\b|'))"
    + _TX_TIME_BARE
    + r")"
)
TOTAL_TX_RE = re.compile(
    _TX_LABEL
    + r"(?P<words>[^\d\n|;]{0,14}?)"
    + _NEXT_LINE
    + _QUALIFIER
    + _AMOUNT
    + r"(?!\s*(?:-|to)\s*\d)",
    re.IGNORECASE | re.MULTILINE,
)
TOTAL_TX_SPAN_RE = re.compile(
    _TX_LABEL + r"\s*[:=\-]?\s*\(?(?=" + SPAN_RE.pattern + r")", re.IGNORECASE | re.MULTILINE
)
_VISIT_LABEL = re.compile(
    r"(?:\b(?:visit(?:\s+ran)?|session(?:\s+today)?|seen|treatment\s+session|tx\s+session|appointment"
    r"|appt|treated)\b|^[ \t]*time\b)[^\n]{0,60}?(?="
    + SPAN_RE.pattern.replace("(?P<", "(?P<v").replace("(?(", "(?(v")
    + r")",
    re.IGNORECASE | re.MULTILINE,
)
_IN_OUT_RE = re.compile(
    r"(?:time\s*in|\bin|\bstart(?:ed)?|\barrived)\s*[:\-]?\s*"
    + _TIME.format(n="a")
    # on one line, or on the next line as a field of its own ("Session Start: 14:05" /
    # "Session End: 14:39", "Time in: 1:15 pm" / "Time out: 1:55 pm")
    + r"(?:[^\n]{0,30}?|[ \t]*\n[ \t]*(?:[-*\u2022][ \t]*)?"
    + r"(?:(?:session|visit|treatment|tx|appt|appointment)[ \t]+)?)"
    + r"(?:time\s*out|\bout|\bend(?:ed)?|\bleft|\bdeparted)\s*[:\-]?\s*"
    + _TIME.format(n="b")
    + r"(?![\d/])",
    re.IGNORECASE,
)
_BARE_SPAN_LINE = re.compile(
    r"^[ \t(]*(?=" + SPAN_RE.pattern.replace("(?P<", "(?P<w").replace("(?(", "(?(w") + r")",
    re.MULTILINE | re.IGNORECASE,
)
_SESSION_AFTER = re.compile(r"\s*\)?\s*(?:total\s+)?(?:session|visit)\b|\s*\)?\s*$", re.IGNORECASE)


# The same patterns, tried only where one of the words every match starts with is written
# (see ``_scan``): the patterns open with word alternations that ``re`` cannot scan for.
def _tx_gated(rx: re.Pattern[str]) -> Gated:
    return Gated(
        rx,
        ci=("total", "treatment", "tx", "session", "visit", "whole", "entire"),
        cs=("TT",),
        lead=" \t",
        word=True,
    )


_TOTAL_TX = _tx_gated(TOTAL_TX_RE)
_TOTAL_TX_SPAN = _tx_gated(TOTAL_TX_SPAN_RE)
_TOTAL_TIMED = Gated(TOTAL_TIMED_RE, ci=("total",), cs=("TTT", *_TIMED_ABBR), word=True)
_TIMED_LINE = Gated(TIMED_LINE_RE, ci=("timed", "time", "billable"), lead=" \t-*\u2022", word=True)
_IN_OUT = Gated(_IN_OUT_RE, ci=("in", "start", "arrived"), word=True, inner=("time",))
_VISIT = Gated(
    _VISIT_LABEL,
    ci=("visit", "session", "seen", "treatment", "tx", "appointment", "appt", "treated", "time"),
    lead=" \t",
    word=True,
)


def _clock(note: Note, start: int, end: int, a, b) -> ClockSpan | None:
    pair = resolve_pair(a, b)
    if pair is None:
        return None
    s, e = pair
    return ClockSpan(
        start=f"{s // 60:02d}:{s % 60:02d}",
        end=f"{e // 60:02d}:{e % 60:02d}",
        minutes=e - s,
        evidence=note.span(start, end),
    )


def _span_at(note: Note, pos: int, line_end: int) -> ClockSpan | None:
    m = SPAN_RE.match(note.text, pos, line_end)
    if not m:
        return None
    a, b = _part(m, "a"), _part(m, "b")
    if a is None or b is None:
        return None
    return _clock(note, m.start(), m.end(), a, b)


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def visit_spans(
    note: Note,
    intervention_lines: set[int] | None = None,
    intervention_ranges: list[tuple[int, int]] | None = None,
) -> list[ClockSpan]:
    """Clock span(s) of the whole visit. ``intervention_lines``: starts of lines that are
    intervention blocks (their spans are the intervention's, not the visit's);
    ``intervention_ranges``: the blocks themselves, which is finer (a line may hold "Pt seen
    1:00-1:45 pm." before its first intervention)."""
    text = note.text
    skip = intervention_lines or set()
    out: list[ClockSpan] = []

    def add(span: ClockSpan | None, pos: int) -> None:
        if span is None:
            return
        if intervention_ranges is not None:
            inside = any(s <= pos < e for s, e in intervention_ranges)
        else:
            inside = _line_bounds(text, pos)[0] in skip
        if inside and not _is_totals_line(text, pos):
            return
        if any(o.start == span.start and o.end == span.end for o in out):
            return
        out.append(span)

    for m in _IN_OUT.finditer(text):
        a, b = _part(m, "a"), _part(m, "b")
        if a and b:
            add(_clock(note, m.start(), m.end(), a, b), m.start())
    for m in _VISIT.finditer(text):
        _, line_end = _line_bounds(text, m.start())
        add(_span_at(note, m.end(), line_end), m.start())
    for m in _TOTAL_TX_SPAN.all(text):
        _, line_end = _line_bounds(text, m.start())
        add(_span_at(note, m.end(), line_end), m.start())
    for m in _BARE_SPAN_LINE.finditer(text):
        line_start, line_end = _line_bounds(text, m.end())
        span_m = SPAN_RE.match(text, m.end(), line_end)
        if span_m and _SESSION_AFTER.match(text, span_m.end(), line_end):
            add(_span_at(note, m.end(), line_end), m.end())
    # A span written on a totals line ("Total tx 43 min (10:00-10:43)", "... | 0900-0945").
    for m in _TOTAL_TX.all(text) + _TOTAL_TIMED.all(text):
        line_start, line_end = _line_bounds(text, m.start())
        for s in _SPANS.finditer(text, line_start, line_end):
            add(_span_at(note, s.start(), line_end), s.start())
    out.sort(key=lambda c: c.evidence.start)
    return out


def _total_between(text: str, start: int, end: int) -> bool:
    """A labelled total (treatment, timed, or a treatment span) in ``text[start:end]``."""
    # (The places of _TOTAL_TX_SPAN, and of _TOTAL_TIMED but its abbreviations ("TCM" and the
    # like), are among _TOTAL_TX's: a stretch without any is not searched.)
    return (
        _TOTAL_TX.may_match(text, start, end) or _TOTAL_TIMED.may_match(text, start, end)
    ) and bool(
        _TOTAL_TX.search(text, start, end)
        or _TOTAL_TIMED.search(text, start, end)
        or _TOTAL_TX_SPAN.search(text, start, end)
    )


def _is_totals_line(text: str, pos: int) -> bool:
    return _total_between(text, *_line_bounds(text, pos))


def is_totals_line(line: str) -> bool:
    return bool(
        _TOTAL_TX.search(line)
        or _TOTAL_TIMED.search(line)
        or _TOTAL_TX_SPAN.search(line)
        or TIMED_LINE_RE.match(line)
    )


def is_totals_line_at(text: str, start: int, end: int) -> bool:
    """``is_totals_line(text[start:end])`` for a whole line of ``text`` (no copy; the patterns
    look no further back than one character, which is a newline or nothing either way)."""
    return _total_between(text, start, end) or bool(TIMED_LINE_RE.match(text, start, end))


def _is_ttt(text: str, m: re.Match) -> bool:
    return text.startswith("TTT", m.start())


def _ttt_treatment(text: str) -> re.Match | None:
    """The "TTT" total when it names the total treatment time: the note writes its timed total
    another way ("TCM 38 / TTT 48", "Timed min 38 | TTT 48", "Total timed 38 / TTT 48") and no
    other treatment total. Beside a treatment total ("TTT 38 / TT 45", "TTT 43  Total tx time
    50") or alone ("TTT 40") it stays the total timed minutes."""
    timed = _TOTAL_TIMED.all(text)
    ttt = next((m for m in timed if _is_ttt(text, m)), None)
    if ttt is None or _TOTAL_TX.all(text) or _TOTAL_TX_SPAN.all(text):
        return None
    if any(not _is_ttt(text, m) for m in timed) or _TIMED_LINE.search(text) is not None:
        return ttt
    return ttt if _timed_after(text, ttt) is not None else None


def _timed_after(text: str, ttt: re.Match) -> re.Match | None:
    """A timed-minutes field after "TTT" on its line ("TTT 48 / Timed min 38")."""
    return _TIMED_FIELD_RE.search(text, ttt.end(), _line_bounds(text, ttt.start())[1])


def total_timed(note: Note) -> NumberFact | None:
    text = note.text
    timed = _TOTAL_TIMED.all(text)
    ttt = _ttt_treatment(text) if timed else None
    if ttt is not None:
        timed = [m for m in timed if not _is_ttt(text, m)]
    m = timed[0] if timed else _TIMED_LINE.search(text)
    if timed and all(_session_total(text, t) for t in timed):
        # "AM TCM 26" / "PM TCM 20" then "Day totals: timed code minutes 46": the day's total.
        day = next((t for t in _TIMED_LINE.finditer(text) if not _session_total(text, t)), None)
        m = day or m
    if m is None and ttt is not None:
        m = _timed_after(text, ttt)
    if m:
        return _amount_fact(note, m)
    # The timed part of a treatment-time total, on that total's line.
    for t in _TOTAL_TX.all(text):
        _, line_end = _line_bounds(text, t.start())
        part = _TIMED_PART_RE.search(text, t.end(), line_end)
        if part is None:
            continue
        group = "n" if part.group("n") is not None else "n2"
        return NumberFact(minutes=int(part.group(group)), evidence=note.span(t.start(), part.end()))
    return None


# A line a session's label opens ("AM TCM 26 min", "PM session total timed 20").
_SESSION_OPEN = re.compile(
    r"[ \t]*(?:[-*\u2022][ \t]*)?(?:(?-i:AM|PM)|morning|afternoon|session\s*#?\s*\d)(?![A-Za-z0-9])",
    re.IGNORECASE,
)


def _session_total(text: str, m: re.Match) -> bool:
    """``m`` is a total on a line opened by a session's label: that session's total."""
    return _SESSION_OPEN.match(text, _line_bounds(text, m.start())[0]) is not None


def _amount_fact(note: Note, m: re.Match) -> NumberFact | None:
    """The minutes a total states (``38``, ``38 min``, ``1 hr 5 min``) and their evidence."""
    text = note.text
    if "hc" in m.re.groupindex and m.group("hc") is not None:
        minutes = int(m.group("hc")) * 60 + int(m.group("hcm"))
        return NumberFact(minutes=minutes, evidence=note.span(m.start(), m.end()))
    if "hr" in m.re.groupindex and m.group("hr") is not None:
        minutes = round(float(m.group("hr")) * 60) + int(m.group("hm") or 0)
        end = m.end()
        while end > m.start() and text[end - 1] in " .":
            end -= 1
        return NumberFact(minutes=minutes, evidence=note.span(m.start(), end))
    if "nw" in m.re.groupindex and m.group("nw") is not None:
        end = m.end("nw")
        unit = re.match(r"[ \t]*min(?:ute)?s?\b", text[end : end + 10], re.IGNORECASE)
        end += len(unit.group(0)) if unit else 0
        return NumberFact(minutes=word_number(m.group("nw")), evidence=note.span(m.start(), end))
    end = m.end("n")
    unit = re.match(r"\s*(?:min(?:ute)?s?\b\.?|')", text[end : end + 10], re.IGNORECASE)
    if unit:
        end += len(unit.group(0).rstrip("."))
    return NumberFact(minutes=int(m.group("n")), evidence=note.span(m.start(), end))


def total_treatment(note: Note, spans: list[ClockSpan]) -> NumberFact | None:
    """The stated total treatment time; else the whole-visit clock span (which states it)."""
    text = note.text
    for m in _TOTAL_TX.all(text):
        # Not "Total timed ..." (TOTAL_TX_RE's "total time" needs a word boundary after "time").
        return _amount_fact(note, m)
    ttt = _ttt_treatment(text)
    if ttt is not None:
        return _amount_fact(note, ttt)
    for m in _TOTAL_TX_SPAN.all(text):
        _, line_end = _line_bounds(text, m.start())
        span = _span_at(note, m.end(), line_end)
        if span:
            # TOTAL_TX_SPAN_RE ends in a lookahead for SPAN_RE, tried on the whole text.
            at_span = SPAN_RE.match(text, m.end())
            assert at_span is not None
            return NumberFact(
                minutes=span.minutes,
                evidence=note.span(m.start(), m.end() + len(at_span.group(0))),
            )
    if spans:
        total = sum(s.minutes for s in spans)
        first = spans[0]
        return NumberFact(minutes=total, evidence=first.evidence)
    return None


__all__ = [
    "TOTAL_TIMED_RE",
    "TOTAL_TX_RE",
    "is_totals_line",
    "is_totals_line_at",
    "total_timed",
    "total_treatment",
    "visit_spans",
    "_SPAN_SEP",
]
