"""Segmentation: the note's treatment text cut into interventions.

An intervention starts where an intervention label (``NMR``, ``Neuro re-ed``, ``TherEx``,
``Gait training``, ``Moist heat`` ... from the vocabulary) stands at the head of a line, a
bullet, a table row, or a sentence of an untimed paragraph ("Worked on balance. Pt did
exercises."). Its block runs through the lines that belong to it (bullets, indented or plain
continuation lines) until the next start, a section heading (S/A/P, Response, Goals ...), the
totals or the billing. ``Intervention.evidence`` is that whole block, so content extraction can
search inside it.

Per intervention: the stated code (``TherEx 97110``, ``(97535)``) or the code its label maps to;
the stated duration near the label (``(20 min)``, ``x 25 min``, ``= 30 min``, ``(6')``) and the
clock span (``09:00-09:20``); minutes = the stated duration, else the span's length, else null.
Time the block itself calls rest, setup, waiting, documentation or another patient's is recorded
as ``nonbillable``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from reviewer.extract.rules_based import timeparse as _tp
from reviewer.extract.rules_based._scan import fold_safe, lowered
from reviewer.extract.rules_based.billing import (
    CODE_RE,
    CODE_START_RE,
    FIELD_KEYS,
    KEYWORD_RE,
    code_field,
    is_billing_header,
)
from reviewer.extract.rules_based.lexicon import Label, lexicon
from reviewer.extract.rules_based.timeparse import (
    Clock,
    Duration,
    find_durations,
    find_spans,
    leading_span,
)
from reviewer.extract.rules_based.totals import is_totals_line_at
from reviewer.facts import ClockSpan, Intervention, NonBillable, NonBillableKind, NumberFact
from reviewer.intake import Note

_SECTION_KINDS = {
    "s": "subjective",
    "subjective": "subjective",
    "history": "subjective",
    "hpi": "subjective",
    "o": "objective",
    "objective": "objective",
    "treatment": "objective",
    "tx": "objective",
    "interventions": "objective",
    "intervention": "objective",
    "procedures": "objective",
    "procedure": "objective",
    "activity": "objective",
    "objective/treatment": "objective",
    "objective / treatment": "objective",
    "post-tx": "objective",
    "post tx": "objective",
    "treatment provided": "objective",
    "today's treatment": "objective",
    "a": "assessment",
    "assessment": "assessment",
    "response": "assessment",
    "pt response": "assessment",
    "patient response": "assessment",
    "client response": "assessment",
    "pt performance": "assessment",
    "goals": "assessment",
    "goal": "assessment",
    "goal link": "assessment",
    "goal progress": "assessment",
    "goal(s)": "assessment",
    "stg": "assessment",
    "ltg": "assessment",
    "impairments": "assessment",
    "impairment": "assessment",
    "assessment/goal": "assessment",
    "impression": "assessment",
    "a/p": "assessment",
    "p": "plan",
    "plan": "plan",
    "next visit": "plan",
    "rtc": "plan",
    "hep": "plan",
    "education": "plan",
    "hep issued": "plan",
    "note": "other",
    "notes": "other",
    "reviewer note": "other",
    "message": "other",
    "billing comment": "other",
    "dx": "other",
    "diagnosis": "other",
    "precautions": "other",
    "tests": "other",
    "measures": "other",
    "occupational profile": "other",
    "frequency": "other",
    "frequency/duration": "other",
    "comment": "other",
    "comments": "other",
    "summary": "other",
}
_SECTION_RE = re.compile(
    # Headings may be decorated: "-- Response ----", "== Goals ==", "## Plan", "[Response]".
    r"^[ \t]*(?:(?:[-=*#_~]{2,}|#|\[)[ \t]*)?(?:\*\*)?(?P<sec>"
    + "|".join(sorted((re.escape(k) for k in _SECTION_KINDS if len(k) > 1), key=len, reverse=True))
    + r")(?:\s+from\s+[^:\n]{0,40})?(?:\*\*)?"
    r"(?:[ \t]*(?:\]|[-=*#_~]{2,})[ \t]*$|\s*(?::|-(?=\s)|$|(?=\s*\n)))"
    r"|^[ \t]*(?P<letter>[SOAP])\s*(?::|-(?!\w))",
    re.IGNORECASE | re.MULTILINE,
)
# A numbered intervention field opening its line, with its name after it or on the lines below
# ("Intervention 1: Neuromuscular re-education", "Activity #2 -", "Intervention 2" alone): a
# treatment heading like "Intervention:" (never a clock time, "Tx 9:00-9:20").
_NUMBERED_FIELD = re.compile(
    r"^[ \t]*(?:\*\*)?" + FIELD_KEYS + r"[ \t]*#?\d{1,2}(?:\*\*)?[ \t]*(?::(?!\d)|-(?=\s)|$)",
    re.IGNORECASE,
)
# SOAP letters closed by a parenthesis ("S) ...", "O)", "A) ...", "P) ..."): headings only in a note
# that writes two of them so (an "A)" alone may be a list item).
_PAREN_SECTION = re.compile(r"^[ \t]*(?P<letter>[SOAP])\)(?=[ \t]|$)", re.MULTILINE)
# One of the day's sessions, its decoration included ("--- PM SESSION", "Second visit").
_DAY_SESSION = (
    r"(?:[-=*#_~]{2,}[ \t]*|#+[ \t]*|\[[ \t]*)?(?:\*\*)?(?:am|pm|a\.m\.|p\.m\.|morning"
    r"|afternoon|evening|first|second|third|1st|2nd|3rd)\s+(?:(?:treatment|tx|therapy)\s+)?"
    r"(?:session|visit)\b"
)
_HEADER_RE = re.compile(
    r"^[ \t]*(?:(?:pt|patient|client|name|date(?:\s+of\s+service)?|diagnosis|payer|insurance|ins|"
    r"referring|referral|provider|treating(?:\s+clinician)?|supervising\s+\w+|age|acct|account|"
    r"signed|electronically\s+signed|co-signed|time|visit|session)\s*[:#]"
    r"|(?:dos|dx|mrn|dob)\b|(?:visit|session|seen|time\s+in|start|time)\b\s*(?:\d|ran\b|today\b|\d+\s+of\b)"
    # One of the day's sessions: "AM SESSION 0830-0852", "PM session:", "Second visit 2:00-2:20".
    r"|" + _DAY_SESSION + r"(?=[ \t]*(?:[:#(\-\u2013\u2014\]=]|\*\*|\d|$)))",
    re.IGNORECASE,
)
# One of the day's sessions opening its line ("--- PM SESSION 1400-1420 ---", "Second visit:").
_SESSION_HEADING = re.compile(r"^[ \t]*" + _DAY_SESSION, re.IGNORECASE)
_HEADER_LABEL = re.compile(r"^[ \t]*(?:session|visit|time|seen)\s*:?\s*", re.IGNORECASE)
_BULLET_RE = re.compile(r"^[ \t]*(?:[-*+>~]|\d{1,2}[.)]|[a-z][.)])[ \t]+")
_LABEL_COLON = re.compile(r"(?<!\d):(?!\d)|\s-\s(?=[a-zA-Z])|\s--\s")
_PREFIX_RE = re.compile(
    r"(?:(?:pt|patient|client|we|then|individual|one-on-one|1:1|skilled|the|pt's|his|her|their|did|worked\s+on|"
    r"performed|participated\s+in|attended|completed|received|provided|initiated|continued|"
    r"practiced|trialed|spent|engaged\s+in|tolerated)\s+"
    r"|\d{1,3}\s*(?:minutes?|mins?|')\s+(?:of|on|in)\s+"
    r"|[*_]{1,2}(?![\s*_])){0,5}",  # markdown emphasis: "**Gait** (10 min)"
    re.IGNORECASE,
)
_GAP_OK = re.compile(
    r"[\s,;:()=x~\-.*_|]*(?:(?:approx\.?|approximately|about|total|for|performed|provided|completed|"
    r"done|was|were|x|times|of|session)[\s,;:()=~\-.]*){0,3}",
    re.IGNORECASE,
)
# Time written right after the label's colon or dash ("NMR: 10:00-10:25", "TherEx - from 2:10 to
# 2:35 pm, 30 minutes").
_AFTER_COLON = re.compile(
    r"(?::|\s*-{1,2}(?=\s))\s*(?:\(\s*)?(?=(?:from\s+)?~?\s*\d)", re.IGNORECASE
)
# What may separate a clock span written after the label from its stated duration: ", 30 minutes",
# " (30 min)", " = 30 min".
_SPAN_DUR_GAP = re.compile(r"[\s,(=~]{0,4}")
# A duration opening the line, before its label ("25 minutes of neuromuscular re-ed", "15' TherEx").
_LEAD_DURATION = re.compile(
    r"(?:\(\s*)?(?:~\s*)?\d{1,3}\s*(?:minutes?|mins?|')\s*\)?\s*(?:of\s+|on\s+|in\s+|[-:,]\s*)?",
    re.IGNORECASE,
)
# A plan line about home or the next visits, not today's treatment.
_HOME_OR_FUTURE = re.compile(
    r"\b(?:at\s+home|home\s+(?:program|exercise)|HEP|daily|(?:\d|x)\s*/\s*(?:day|wk|week)|"
    r"per\s+day|next\s+(?:visit|session|week|time|tx)|will\b|plan\s+to|continue\b|progress\b)",
    re.IGNORECASE,
)
_FROM = re.compile(r"(?:from\s+)?", re.IGNORECASE)
_DUR_PAREN = re.compile(r"\s*\(\s*(?:~\s*)?\d{1,3}\s*(?:min(?:ute)?s?|')\s*\)", re.IGNORECASE)
_BARE_COLON = re.compile(r"(?<!\d):(?!\d)")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(]|\d{1,2}:?\d\d\s*(?:-|to\b))")
_TABLE_LABEL = re.compile(r"intervention|activity|treatment|procedure|service|exercise|code", re.I)
_TABLE_TIME = re.compile(r"^(?:time|clock|start\s*-\s*end|times?)\b", re.I)
_TABLE_MIN = re.compile(r"^(?:min|mins|minutes|duration)\b", re.I)
_TABLE_CODE = re.compile(r"^(?:code|cpt|hcpcs)\b", re.I)
_TABLE_UNITS = re.compile(r"\bunits?\b", re.I)
# Separate start and end clock columns ("Start | End", "Time in | Time out", "From | To").
_TABLE_START = re.compile(r"(?:start|begin|from|time\s*in|in)(?:\s*time)?", re.I)
_TABLE_END = re.compile(r"(?:end|stop|finish|to|time\s*out|out)(?:\s*time)?", re.I)
_TABLE_DETAIL = re.compile(r"detail|parameter|dose|notes?|description|assist", re.I)

# The therapist writing this note: "spent completing this note at the computer", "writing the
# daily note", "updating the chart", "note writing" (not a patient's "writing a note" task).
_NB_NOTE_WRITING = (
    r"\b(?:complet|writ|finish|typ|enter|finaliz|updat|work)\w*\s+(?:on\s+)?"
    r"(?:(?:(?:the|this|my|his|her|today'?s)\s+)(?:(?:daily|treatment|tx|visit|session|progress)\s+)?"
    r"(?:note|chart|documentation)|(?:(?:daily|treatment|tx|visit|session)\s+)note"
    r"|documentation|charting)\b|\bnote[\s-]?writing\b"
)
# The record kept by the therapist, named by what was done to it rather than by the word
# "documentation": "entering flowsheet data at the workstation", "updating the flowsheet",
# "logging today's exercises in the EMR", "inputting vitals into the EHR", "keying data at the
# workstation", "flowsheet entry".
_NB_RECORD = (
    r"(?:flow[\s-]?sheets?|EMR|EHR|e-?chart|(?:electronic\s+)?(?:medical|health)\s+records?)"
)
_NB_OWNER = r"(?:(?:the|this|my|his|her|their|today'?s|pt'?s|patient'?s|client'?s)\s+)?"
_NB_RECORD_KEEPING = (
    # "updating the flowsheet", "entering flowsheet data", "completing the EMR"
    r"\b(?:enter(?:ing|ed)?|input(?:ting|ted)|typ(?:ing|ed)|key(?:ing|ed)|updat(?:ing|ed|e)|logg(?:ing|ed)"
    r"|record(?:ing|ed)|complet(?:ing|ed)|fill(?:ing|ed)\s+(?:out|in)|finaliz(?:ing|ed))\s+"
    + _NB_OWNER
    + _NB_RECORD
    + r"\b"
    # "logging exercises in the EMR", "inputting vitals into the EHR" (not "... per flowsheet")
    r"|\b(?:enter(?:ing|ed)?|input(?:ting|ted)|typ(?:ing|ed)|key(?:ing|ed)|updat(?:ing|ed)|logg(?:ing|ed)"
    r"|record(?:ing|ed)|writ(?:ing|ten))\s+(?:(?!per\b|see\b|as\b)[\w'\u2019/-]+\s+){1,3}?"
    r"(?:in|into|on|onto)\s+" + _NB_OWNER + _NB_RECORD + r"\b"
    # "flowsheet entry", "EMR update"
    r"|\b"
    + _NB_RECORD
    + r"\s+(?:data\s+)?(?:entry|entries|input|updates?|updating|review\s+and\s+entry)\b"
    # "keying data at the workstation", "at the computer entering today's data"
    r"|\b(?:enter|input|typ|key)(?:ing|ed|ting|ted)?\s+(?:[\w'\u2019-]+\s+){0,2}?data\s+"
    r"(?:in|into|on|at)\s+(?:the|a)\s+(?:computer|workstation|terminal)\b"
    r"|\bat\s+the\s+(?:computer|workstation|terminal)\s+(?:enter|input|typ|key)(?:ing|ed|ting|ted)?\s+"
    r"(?:[\w'\u2019-]+\s+){0,2}?data\b"
)
# The patient doing it, as the task itself ("pt entered the data on the computer", "pt logged
# his walks in the flowsheet"); "PT" in capitals is the therapist.
_NB_PATIENT_RECORDS = re.compile(
    r"\b(?:(?-i:[Pp]t)|patient|client|he|she|they)\s+(?:\w+\s+){0,2}?(?:enter|input|typ|key|updat|"
    r"logg|record|complet|fill|writ|track)\w*",
    re.IGNORECASE,
)
# Time the note itself calls non-treatment.
_NB_KINDS: list[tuple[NonBillableKind, re.Pattern[str]]] = [
    (
        "other_patient",
        re.compile(
            r"(?:help|assist|attend|transfer|treat|see|check)\w*\s+(?:to\s+|on\s+|with\s+)?(?:another|other|a\s+different|a\s+second)\s+"
            r"(?:pt|patient|client)|stepped\s+(?:away|out)|step\s+(?:away|out)|phone\s+call|answer\w*\s+(?:the\s+)?phone",
            re.IGNORECASE,
        ),
    ),
    (
        "setup",
        re.compile(r"\bset[\s-]?up\b|\bsetting\s+up\b|\bsetup\b|\bequipment\s+prep", re.IGNORECASE),
    ),
    ("waiting", re.compile(r"\bwait(?:ing|ed)?\b", re.IGNORECASE)),
    (
        "documentation",
        re.compile(
            r"\bdocument(?:ation|ing)\b|\bcharting\b|"
            + _NB_NOTE_WRITING
            + "|"
            + _NB_RECORD_KEEPING,
            re.IGNORECASE,
        ),
    ),
    ("toileting", re.compile(r"\b(?:toileting|bathroom|restroom)\s+break\b", re.IGNORECASE)),
    ("break", re.compile(r"\b(?:rest\s+)?breaks?\b", re.IGNORECASE)),
    (
        "rest",
        re.compile(
            r"\b(?:seated\s+|standing\s+|supine\s+)?rest(?:\s+periods?)?\b(?!\s*(?:of\s+)?(?:the|session))",
            re.IGNORECASE,
        ),
    ),
]
# The literals each kind above needs, one of them at least (any case): a clause without one
# has no such time.
_NB_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "other_patient": ("other", "different", "second", "step", "phone", "answer"),
    "setup": ("set", "equipment"),
    "waiting": ("wait",),
    # + writing the note, the flowsheet, the EMR/EHR, the medical record, data at the computer
    "documentation": (
        "document",
        "charting",
        "note",
        "chart",
        "sheet",
        "emr",
        "ehr",
        "record",
        "data",
    ),
    "toileting": ("break",),
    "break": ("break",),
    "rest": ("rest",),
}
# A support named "rest" by what it holds ("wrist rest", "arm rest", "foot-rest", "head rest").
_REST_SUPPORT = re.compile(
    r"\b(?:wrist|arm|foot|head|elbow|forearm|hand|chin|leg|back|neck)[ \t-]?$", re.IGNORECASE
)
_NB_WORDS = tuple(dict.fromkeys(w for words in _NB_KIND_WORDS.values() for w in words))
_NB_INCLUDES = re.compile(
    r"\binclud\w*|\bincl\b\.?|\bduring\s+this\b|\bwithin\s+(?:this|the)\b|\bcounted\b",
    re.IGNORECASE,
)
_NB_EXCLUDED = re.compile(
    r"\bexclud\w*|\bnot\s+(?:counted|included|billed|timed)|\boff\s+the\s+clock|\bsubtract\w*|\bdeduct\w*|"
    r"\bremoved\s+from|\bnot\s+part\s+of",
    re.IGNORECASE,
)
_NB_MIN = re.compile(r"(?P<n>\d{1,2})\s*(?:min(?:ute)?s?\b|')", re.IGNORECASE)
_ASSISTANT_IN_BLOCK = re.compile(r"\b(?:PTA|OTA|COTA(?:/L)?|SLPA)\b")


def _assistant_in(text: str, start: int, end: int) -> bool:
    """An assistant's credential in ``text[start:end]``."""
    # Every match holds "TA" (PTA, OTA, COTA) or "SLPA": str.find rules most blocks out faster
    # than the pattern, which has no literal prefix to scan for.
    if text.find("TA", start, end) < 0 and text.find("SLPA", start, end) < 0:
        return False
    return _ASSISTANT_IN_BLOCK.search(text, start, end) is not None


@dataclass
class _Line:
    idx: int
    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class _Cand:
    start: int  # offset where the block starts (line content start)
    label: Label | None
    at_start: bool
    span: Clock | None
    duration: Duration | None
    code: tuple[str, int, int] | None
    head_end: int
    unnamed: bool = False  # minutes with no label or code (``_unnamed_block``)

    @property
    def timed(self) -> bool:
        return self.span is not None or self.duration is not None


@dataclass
class _Block:
    cand: _Cand
    start: int
    end: int
    bullet: bool
    lines: int = 1
    blank_after: bool = False
    table_row: bool = False
    row_has_detail: bool = True
    description: str | None = None
    extra: dict = field(default_factory=dict)


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for i, raw in enumerate(text.split("\n")):
        out.append(_Line(i, pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _head_end(text: str, start: int, end: int) -> int:
    stop = min(end, start + 140)
    # (Every match holds a ":" or a "-"; str.find rules the rest out faster than the pattern.)
    if text.find(":", start, stop) >= 0 or text.find("-", start, stop) >= 0:
        m = _LABEL_COLON.search(text, start, stop)
        if m:
            return m.start()
    return min(end, start + 120)


# A gap that ends in ",", "(", "=", "x" or "-" (then perhaps "~", "approx", "about"): the
# duration after it is written as the anchor's ("TherEx, ~15 min", "NMR x 25 min").
_GAP_LEAD_IN = re.compile(r"(?:[,(=]|\bx|-)\s*(?:~|approx\.?\s*|about\s+)?$")
_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


def _adjacent_duration(
    text: str, durations: list[Duration], anchors: list[int], head_end: int
) -> Duration | None:
    """The intervention's own duration: written right by its label/code/span, not a detail."""
    for d in durations:
        if d.pos >= head_end:
            continue
        gap_from = max((a for a in anchors if a <= d.pos), default=None)
        if gap_from is None:
            continue
        gap = text[gap_from : d.pos]
        if _GAP_OK.fullmatch(gap):
            return d
        if (
            len(gap) <= 45
            and _GAP_LEAD_IN.search(gap)
            and ":" not in gap
            and ";" not in gap
            # From the line's start, past other numbers ("done in 3 min 10 s (5 min ...)"), the
            # duration belongs to something else.
            and not (gap_from == anchors[0] and _DIGIT.search(gap))
        ):
            return d
    return None


# The candidates of the last note read, by range: a line is often tried more than once (as a
# whole and sentence by sentence). The memo is replaced whole, so threads never share a dict
# across notes.
_CAND_MEMO: tuple[str, dict] = ("", {})


def _candidate(text: str, start: int, end: int) -> _Cand | None:
    """Does an intervention start at ``text[start:end]`` (one line or sentence)?"""
    global _CAND_MEMO
    memo = _CAND_MEMO
    if memo[0] is not text:
        memo = _CAND_MEMO = (text, {})
    key = (start, end)
    if key in memo[1]:
        return memo[1][key]
    c = memo[1][key] = _read_candidate(text, start, end)
    return c


# A heading word before the clock span of the intervention it names ("Treatment 10:46-10:58 -
# gait training", "TX: 9:00-9:20 NMR").
_SPAN_HEADING = re.compile(FIELD_KEYS + r"s?[ \t]*(?:[:\-][ \t]*)?(?=(?:from[ \t]+)?\d)", re.I)
_SPAN_HEADING_FIRST = frozenset("iIaApPsStTmM")


def _read_candidate(text: str, start: int, end: int) -> _Cand | None:
    lex = lexicon()
    pos = start
    while pos < end and text[pos] in " \t":
        pos += 1
    content = pos
    m_from = _FROM.match(text, pos, end)
    lead_span = leading_span(text, pos, m_from.end() if m_from else pos, end)
    if lead_span is None and pos < end and text[pos] in _SPAN_HEADING_FIRST:
        # "TREATMENT 10:46-10:58 (12 min) - self-care training": a heading word, then the
        # clock span and the intervention's name, as if the span opened the line.
        heading = _SPAN_HEADING.match(text, pos, end)
        if heading is not None:
            m_from = _FROM.match(text, heading.end(), end)
            at = heading.end()
            lead_span = leading_span(text, at, m_from.end() if m_from else at, end)
    if lead_span is not None:
        pos = lead_span.endpos
        dur_paren = _DUR_PAREN.match(text, pos, end)
        if dur_paren:
            pos = dur_paren.end()
        while pos < end and text[pos] in " \t,-:":
            pos += 1
    lead_dur = _LEAD_DURATION.match(text, pos, end) if lead_span is None else None
    if lead_dur is not None and lead_dur.end() > pos:
        pos = lead_dur.end()
    else:
        lead_dur = None
    head_end = _head_end(text, pos, end)
    if head_end <= pos:
        head_end = _head_end(text, head_end + 1, end)
    labels = [lab for lab in lex.find(text, pos, head_end)]
    if not labels and head_end < end and text[head_end] != ":":
        colon = _BARE_COLON.search(text, head_end, min(end, pos + 140))
        if colon:
            head_end = colon.start()
            labels = [lab for lab in lex.find(text, pos, head_end)]
    label = labels[0] if labels else None
    at_start = False
    if label is not None:
        pre = _PREFIX_RE.match(text, pos, label.start)
        at_start = pre is not None and pre.end() == label.start
    # (A code starts with "9" or "G0": str.find rules most heads out faster than the pattern.)
    code_m = (
        CODE_RE.search(text, content, head_end)
        if text.find("9", content, head_end) >= 0 or text.find("G0", content, head_end) >= 0
        else None
    )
    code = (code_m.group(0).upper(), code_m.start(), code_m.end()) if code_m else None
    # Neither a label nor a code: no intervention (most lines; decided before any time is read).
    if label is None and code is None:
        return None
    cand_label = label
    if label is not None and label.entry.strength == "weak" and not at_start:
        cand_label = next((lab for lab in labels[1:] if lab.entry.strength == "strong"), None)
        if cand_label is None and code is None:
            return None
    # Time written right after the label's colon ("NMR: 10:00-10:25", "TherEx (97110): 15 min").
    after = (
        _AFTER_COLON.match(text, head_end, end)
        if head_end < end and text[head_end] in ": -"
        else None
    )
    span = lead_span or next(
        (
            s
            for s in find_spans(text, content, end)
            if s.pos < head_end or (after is not None and s.pos == after.end())
        ),
        None,
    )
    anchors = [content]
    if label is not None:
        anchors.append(label.end)
    if code is not None:
        anchors.append(code[2])
    if span is not None:
        anchors.append(span.endpos)
    limit = head_end
    if after is not None:
        anchors.append(after.end())
        limit = after.end() + 1
        if span is not None and span.pos == after.end():
            # "Label - from 2:10 to 2:35 pm, 30 minutes:": the duration right after the span.
            gap = _SPAN_DUR_GAP.match(text, span.endpos, end)
            assert gap is not None  # it matches the empty string; the span ends before ``end``
            limit = max(limit, gap.end() + 1)
    durations = find_durations(text, content, min(end, max(head_end, limit) + 60))
    duration = _adjacent_duration(text, durations, sorted(anchors), limit)
    if duration is None and label is not None and at_start:
        # "Patient participated in 10 minutes of gait training": the duration in the lead-in.
        inside = [d for d in durations if pos <= d.pos and d.endpos <= label.start]
        duration = inside[0] if inside else None
    if duration is None and lead_dur is not None:
        found = find_durations(text, lead_dur.start(), lead_dur.end())
        duration = found[0] if found else None
    return _Cand(content, cand_label, at_start, span, duration, code, head_end)


def _label_colon_start(text: str, c: _Cand) -> bool:
    """ "Therapeutic activities: ..." - a strong label opening the line, followed by a colon/dash."""
    if c.label is None or not c.at_start or c.label.entry.strength != "strong":
        return False
    if c.label.start - c.start > 2:
        return False
    return (
        re.match(r"\s*(?:\(\w+\)\s*)?(?::|-\s|--)", text[c.label.end : c.label.end + 12])
        is not None
    )


def _group_session(text: str, start: int, end: int) -> _Cand | None:
    """A header line that is a group/class session ("Session: UE coordination group, 14:00-14:30")."""
    lex = lexicon()
    low = lowered(text)
    if (
        low is not None
        and lex.group_words is not None
        and not any(low.find(w, start, end) >= 0 for w in lex.group_words)
    ):
        return None  # no group label can be written here
    labels = lex.find(text, start, end)
    group = next((lab for lab in labels if lab.entry.kind == "group"), None)
    if group is None:
        return None
    spans = find_spans(text, start, end)
    if not spans:
        return None
    span = spans[0]
    durations = find_durations(text, span.endpos, min(end, span.endpos + 14))
    duration = durations[0] if durations and durations[0].pos - span.endpos <= 4 else None
    return _Cand(start, group, True, span, duration, None, end)


# A labelled time field on its own line under an intervention's label line ("Time: 14:00-14:25
# (25 min)", "Start: 14:00  End: 14:25", "Duration: 25 min", "Minutes: 25", "Time spent - 20'").
_TIME_FIELD = re.compile(
    r"[ \t]*(?:[-*+>][ \t]+)?(?P<key>time(?:\s+spent)?|times|clock(?:\s+time)?|duration|minutes|mins?"
    r"|(?=start|began|time\s+in))(?:[ \t]*(?:[:=]|-(?=\s))[ \t]*|(?=start|began|time\s+in))",
    re.IGNORECASE,
)
# The key of a labelled intervention field ("Intervention:", "Activity 2 -", "Procedure #1:").
_FIELD_HEAD = re.compile(
    r"^[\s*#>-]*" + FIELD_KEYS + r"\s*(?:#?\d{1,2})?"
    r"\s*(?::|-(?=\s))",
    re.IGNORECASE,
)
_FIELD_BARE_MIN = re.compile(r"[ \t]*(?:~[ \t]*)?(\d{1,3})[ \t]*$")


def _field_time(text: str, start: int, end: int) -> tuple[Clock | None, Duration | None] | None:
    """The clock span and/or minutes of a labelled time field line, or None when the line is not
    one (the value must open the field; "Time: pt arrived late" is not a time)."""
    m = _TIME_FIELD.match(text, start, end)
    if m is None:
        return None
    value = m.end()
    span: Clock | None = None
    if not m.group("key"):
        span = _tp.find_start_end(text, value, end)
        if span is None or span.pos != value:
            return None
        after = span.endpos
    else:
        spans = find_spans(text, value, end)
        if spans and spans[0].pos - value <= 5:
            span = spans[0]
        after = span.endpos if span is not None else value
    durations = [d for d in find_durations(text, after, end) if d.pos - after <= 4]
    duration = durations[0] if durations else None
    if span is None and duration is None and m.group("key"):
        bare = _FIELD_BARE_MIN.match(text, value, end)
        if bare and re.match(r"min", m.group("key"), re.IGNORECASE):
            duration = Duration(int(bare.group(1)), bare.start(1), bare.end(1))
    if span is None and duration is None:
        return None
    return span, duration


def _bare_time_line(text: str, start: int, end: int) -> tuple[Clock, Duration | None] | None:
    """A line that is only a clock span, perhaps with its minutes ("13:00-13:25 (25 min)"): the
    value of an export that writes each field's value indented under its label."""
    pos = start
    while pos < end and text[pos] in " \t":
        pos += 1
    span = leading_span(text, pos, pos, end)
    if span is None:
        return None
    rest = text[span.endpos : end]
    if not rest.strip():
        return span, None
    dur = _DUR_PAREN.match(text, span.endpos, end)
    if dur is None or text[dur.end() : end].strip():
        return None
    durations = find_durations(text, span.endpos, dur.end())
    return span, (durations[0] if durations else None)


def _attach_field_time(text: str, b: _Block, line: _Line) -> bool:
    """An untimed intervention whose label line names one intervention ("Intervention:
    Neuromuscular re-education (97112)") takes the time of a labelled time field among its
    lines ("Time: 14:00-14:25 (25 min)")."""
    c = b.cand
    if b.table_row or b.blank_after or (c.label is None and c.code is None):
        return False
    line_end = line.start + len(line.text.rstrip())
    if c.timed:
        # "Time: 08:30-08:55" then "Minutes: 28": the stated minutes beside the field's span
        if c.duration is not None or not b.extra.get("field_time"):
            return False
        more = _field_time(text, line.start, line_end)
        if more is None or more[0] is not None or more[1] is None:
            return False
        b.cand = replace(c, duration=more[1])
        b.end = line_end
        b.lines += 1
        return True
    found = _field_time(text, line.start, line_end)
    if found is None and b.lines == 1 and line.text[:1] in (" ", "\t"):
        # "Wheelchair management (97542)" then, indented below it, "13:00-13:25 (25 min)"
        found = _bare_time_line(text, line.start, line_end)
    if found is None:
        return False
    first_end = text.find("\n", b.start)
    first_end = len(text) if first_end < 0 else first_end
    labels = lexicon().find(text, b.start, first_end)
    named = {(lab.entry.code, lab.entry.payer_dependent, lab.entry.by_discipline) for lab in labels}
    if len(named) > 1:
        # "Treatment: TherEx, NMR" then "Time: ...": the session's time ("Self-care / home
        # management training", two names of one code, is one intervention)
        return False
    # The label line is a heading naming the intervention, not a sentence or a detail ("TherEx
    # per flowsheet. Pt tolerated well." then "Time: 1:00-1:30 pm" is the visit's time).
    rest = text[b.start : first_end]
    for lab in labels:
        rest = rest.replace(lab.text, " ", 1)
    rest = CODE_RE.sub(" ", rest)
    rest = _FIELD_HEAD.sub(" ", rest)
    if ":" in rest or len(re.sub(r"[\W_]+", "", rest)) > 20:
        return False
    b.cand = _Cand(c.start, c.label, c.at_start, found[0], found[1], c.code, c.head_end)
    b.extra["field_time"] = True
    b.end = line.start + len(line.text.rstrip())
    b.lines += 1
    return True


# A key-value flowsheet whose keys repeat the intervention's name before each field ("Gait
# Training (97116) Start: 10:15", "Gait Training (97116) End: 10:38", "Gait Training Minutes: 23",
# "Gait Training Detail: ..."): the run of lines sharing the name is one intervention.
_KEYED_FIELD = re.compile(
    r"[ \t]*(?P<name>[A-Za-z][A-Za-z/&.' -]{1,50}?)[ \t]*(?:\((?P<code>\d{5}|G\d{4})\)[ \t]*)?"
    r"(?P<key>start(?:[ \t]+time)?|end(?:[ \t]+time)?|stop|minutes|mins?|duration|detail|details"
    r"|notes?|parameters|description)[ \t]*:[ \t]*",
    re.IGNORECASE,
)


def _keyed_run(text: str, lines: list[_Line], i: int) -> tuple[_Block, int] | None:
    """The intervention of a run of keyed fields opening at ``lines[i]`` and the index after it,
    or None: the name must be one intervention's and the run must give its time."""
    first = _KEYED_FIELD.match(lines[i].text)
    if first is None:
        return None
    name = first.group("name").strip().lower()
    line0 = lines[i]
    labels = lexicon().find(
        text, line0.start + first.start("name"), line0.start + first.end("name")
    )
    if len({lab.entry.code for lab in labels}) != 1:
        return None
    fields: dict[str, tuple[int, int]] = {}
    code: tuple[str, int, int] | None = None
    j = i
    while j < len(lines):
        m = _KEYED_FIELD.match(lines[j].text)
        if m is None or m.group("name").strip().lower() != name:
            break
        ln = lines[j]
        key = m.group("key").lower().split()[0]
        key = {"stop": "end", "mins": "minutes", "min": "minutes", "duration": "minutes"}.get(
            key, key
        )
        if key in fields and key in ("start", "end", "minutes"):
            break
        fields[key] = (ln.start + m.end(), ln.start + len(ln.text.rstrip()))
        if m.group("code") and code is None:
            code = (m.group("code").upper(), ln.start + m.start("code"), ln.start + m.end("code"))
        j += 1
    if j - i < 2:
        return None
    span: Clock | None = None
    if "start" in fields and "end" in fields:
        span = _tp.start_end_span(text, fields["start"], fields["end"])
    duration: Duration | None = None
    if "minutes" in fields:
        lo, hi = fields["minutes"]
        bare = _FIELD_BARE_MIN.match(text, lo, hi)
        if bare:
            duration = Duration(int(bare.group(1)), bare.start(1), bare.end(1))
        else:
            found = [d for d in find_durations(text, lo, hi) if d.pos - lo <= 2]
            duration = found[0] if found else None
    if span is None and duration is None:
        return None
    start = line0.start + first.start("name")
    cand = _Cand(start, labels[0], True, span, duration, code, line0.start + first.start("key"))
    last = lines[j - 1]
    b = _Block(cand, start, last.start + len(last.text.rstrip()), False, lines=j - i)
    return b, j


_SESSION_WORD = re.compile(r"[ \t]*(?:session|visit)\b", re.IGNORECASE)


def _session_is_the_timed_time(
    span: Clock, billed_codes: list[str], total_timed: NumberFact | None
) -> bool:
    """The note bills one timed code and states a timed total of the session span's minutes."""
    from reviewer import codes as code_table

    timed = {c for c in billed_codes if code_table.is_known(c) and code_table.is_timed(c)}
    return len(timed) == 1 and total_timed is not None and total_timed.minutes == span.minutes


def _session_statement_span(text: str, value: int, end: int) -> Clock | None:
    """The clock span opening the value of a "Session"/"Visit" header line, or None."""
    line_start = text.rfind("\n", 0, value) + 1
    if not _SESSION_WORD.match(text, line_start, value):
        return None
    return leading_span(text, value, value + 5, end)


def _valid(c: _Cand | None, allow_untimed_anywhere: bool = False) -> bool:
    if c is None:
        return False
    if c.at_start:
        return True
    if c.code is not None and (c.timed or c.label is not None):
        return True
    return c.label is not None and (c.timed or allow_untimed_anywhere)


def _opens_with_own_span(text: str, c: _Cand, start: int, end: int) -> bool:
    """ "From 10:55 to 11:10 (15 min) pt did exercises.": a sentence of a narrative that opens with
    its own clock span and names a (weak) intervention right after it is that intervention's
    block; not one about home or later ("... reviewed her home exercises")."""
    return (
        c.span is not None
        and c.span.pos == start
        and c.label is not None
        and c.label.start - c.span.endpos <= 40
        and not _HOME_OR_FUTURE.search(text, start, end)
    )


_SUBJECT_OPENS = re.compile(r"(?:pt|patient|client|he|she|they)\b", re.IGNORECASE)


def _weak_block_end(text: str, b: _Block, sentences: list[tuple[int, int]], end: int) -> int:
    """Where the last block of a narrative line ends: the line's end; but a block a weak label
    names ("From 10:55 to 11:10 (15 min) pt did exercises.") holds only the sentences that go on
    describing it ("Bridges 3 x 10."), not the next statement about the patient ("Pt completed
    the turns on 8 of 10 trials ...")."""
    c = b.cand
    if c.label is None or c.label.entry.strength != "weak" or c.code is not None:
        return end
    if c.span is None or c.span.pos != b.start:
        return end
    out = end
    for s, e in sentences:
        if s <= b.start:
            continue
        if _SUBJECT_OPENS.match(text, s, e):
            prev = [pe for ps, pe in sentences if pe <= s]
            out = prev[-1] if prev else end
            break
    return out


# A block that gives its own minutes but names no intervention: "Tasks for this client during
# that block, 25 min: ...", "Second part of the session (20 min): ...".
_UNNAMED_HEAD = re.compile(
    r"(?P<head>[A-Za-z][^:;\n]{2,70}?)[,\s(~-]*(?P<dur>\d{1,3}\s*(?:minutes?|mins?)\.?)\)?\s*:\s+\S",
    re.IGNORECASE,
)
_UNNAMED_NOT = re.compile(
    r"\b(?:total|session\s+time|visit|treatment\s+time|tx\s+time|time\s+in|eval\w*|re-?eval\w*|"
    r"home|HEP|daily|next|plan|will|goal|STG|LTG|history|pain|reports?|states?|"
    r"first|last|final|remaining|initial|warm[\s-]?up|cool[\s-]?down)\b",
    re.IGNORECASE,
)


def _unnamed_block(text: str, start: int, end: int) -> _Cand | None:
    """A sentence or line whose head is its own duration and a colon, with no intervention label
    or code ("Tasks for this client during that block, 25 min: in-hand manipulation ..."): a
    candidate with no label and no code, kept only if the note leaves exactly one billed timed
    code undocumented (``build_interventions``); never time the note calls rest, setup, waiting
    or documentation, a total, an evaluation or home/plan text."""
    pos = start
    while pos < end and text[pos] in " \t":
        pos += 1
    m = _UNNAMED_HEAD.match(text, pos, end)
    if m is None:
        return None
    head = m.group("head")
    if _UNNAMED_NOT.search(head) or any(rx.search(head) for _, rx in _NB_KINDS):
        return None
    if CODE_RE.search(head) or lexicon().find(text, pos, m.end("dur")):
        return None
    if re.search(r"\b(?:HEP|home)\b", text[pos:end], re.IGNORECASE):
        return None
    durations = find_durations(text, m.start("dur"), m.end("dur"))
    if not durations:
        return None
    colon = text.find(":", m.end("dur"))
    return _Cand(pos, None, True, None, durations[0], None, colon, unnamed=True)


def _time_in_label_sentence(c: _Cand, sentences: list[tuple[int, int]]) -> bool:
    """Is the candidate's clock span or duration in the sentence of its label (or code)?"""
    anchor = c.label.start if c.label is not None else (c.code[1] if c.code else c.start)
    sentence = next(((s, e) for s, e in sentences if s <= anchor < e), None)
    if sentence is None:
        return True
    times = [t.pos for t in (c.span, c.duration) if t is not None]
    return any(sentence[0] <= t < sentence[1] for t in times)


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    # A split follows a ".", "!" or "?" (the one before ``start`` included): without one the
    # range is one sentence.
    before = max(0, start - 1)
    if all(text.find(c, before, end) < 0 for c in ".!?"):
        return [(start, end)]
    out, pos = [], start
    for m in _SENTENCE_SPLIT.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    return out


# Where a clause of a narrative sentence ends before the next clause opens with its own clock
# span ("...; then from 10:27 to 10:38 manual therapy ...", ", 10:27-10:38 gait training ...",
# "... and then between 10:40 and 10:52 ..."); the pattern ends at the span.
_CONNECTIVE = (
    r"(?:and\s+)?(?:then|next|finally|lastly|later|afterwards?|after\s+that|followed\s+by)\s*,?\s*"
)
_CLAUSE_BEFORE_SPAN = re.compile(
    r"(?:[;,]|\s(?=(?:and\s+)?then\b))\s*(?:" + _CONNECTIVE + r"|and\s+)?$", re.IGNORECASE
)
# ... or names its intervention right before its span ("; then manual therapy 10:27-10:38 ...").
_CLAUSE_BEFORE_LABEL = re.compile(
    r"(?:;|,?\s(?=(?:and\s+)?then\b))\s*(?:" + _CONNECTIVE + r")?", re.IGNORECASE
)
# The name between that boundary and the span: words only (no numbers, cells or clauses).
_CLAUSE_NAME = re.compile(r"[^\d|;:()\n]{2,40}")
# A connective opening a sentence before its clock span ("Then from 10:27 to 10:38 ...").
_LEAD_CONNECTIVE = re.compile(_CONNECTIVE + r"(?<=\s)(?=(?:from\s+|between\s+)?\d)", re.IGNORECASE)


def _opens_timed_clause(text: str, start: int, end: int, span_pos: int) -> bool:
    """Does ``text[start:end]`` open with an intervention that the clock span at ``span_pos`` times
    ("from 10:27 to 10:38 manual therapy, ...", "manual therapy 10:27-10:38, ...")?"""
    c = _candidate(text, start, end)
    return (
        c is not None
        and c.at_start
        and c.label is not None
        and c.span is not None
        and c.span.pos == span_pos
    )


def _clause_parts(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences, each cut further where a clause opens with its own clock span and names
    its intervention (several timed interventions in one run-on sentence: "From 10:00 to 10:27 we
    did neuro re-ed ...; then from 10:27 to 10:38 manual therapy ..."). A connective before the
    span ("then", "next") is left out of the clause."""
    line_spans = find_spans(text, sentences[0][0], sentences[-1][1]) if sentences else []
    if not line_spans:
        return sentences
    out: list[tuple[int, int]] = []
    for s, e in sentences:
        spans = [sp for sp in line_spans if s <= sp.pos and sp.endpos <= e]
        if spans and spans[0].pos - s <= 30:
            lead = _LEAD_CONNECTIVE.match(text, s, spans[0].pos)
            if lead is not None and _opens_timed_clause(text, lead.end(), e, lead.end()):
                s = lead.end()
        if len(spans) < 2:
            out.append((s, e))
            continue
        cut_from = s
        prev_end = spans[0].endpos
        for sp in spans[1:]:
            window = max(prev_end, sp.pos - 40)
            before = _CLAUSE_BEFORE_SPAN.search(text, window, sp.pos)
            if before is not None and _opens_timed_clause(text, sp.pos, e, sp.pos):
                out.append((cut_from, before.start()))
                cut_from = sp.pos
            else:
                for m in reversed(list(_CLAUSE_BEFORE_LABEL.finditer(text, window, sp.pos))):
                    if m.end() == m.start() or not _CLAUSE_NAME.fullmatch(text, m.end(), sp.pos):
                        continue
                    if _opens_timed_clause(text, m.end(), e, sp.pos):
                        out.append((cut_from, m.start()))
                        cut_from = m.end()
                        break
            prev_end = sp.endpos
        out.append((cut_from, e))
    return out


def _is_billing(line: str) -> bool:
    if KEYWORD_RE.match(line) and CODE_RE.search(line):
        return True
    if KEYWORD_RE.match(line) and re.fullmatch(
        r"\s*(?:billing|billed|charges?|cpt|codes?)\s*:?\s*", line, re.I
    ):
        return True
    return bool(CODE_START_RE.match(line)) or is_billing_header(line)


def _table_header(cells: list[str]) -> dict | None:
    cols: dict[str, int] = {}
    units = False
    for j, cell in enumerate(cells):
        c = cell.strip()
        if _TABLE_UNITS.search(c):
            units = True
            continue
        if "start" not in cols and _TABLE_START.fullmatch(c):
            cols["start"] = j
        elif "end" not in cols and "start" in cols and _TABLE_END.fullmatch(c):
            cols["end"] = j
        elif "time" not in cols and _TABLE_TIME.match(c):
            cols["time"] = j
        elif "min" not in cols and _TABLE_MIN.match(c):
            cols["min"] = j
        elif "code" not in cols and _TABLE_CODE.match(c) and not re.search(r"interv", c, re.I):
            cols["code"] = j
        elif "label" not in cols and _TABLE_LABEL.search(c) and not _TABLE_DETAIL.search(c):
            cols["label"] = j
        elif "detail" not in cols and _TABLE_DETAIL.search(c):
            cols["detail"] = j
    details = "detail" in cols and not re.match(r"desc", cells[cols["detail"]].strip(), re.I)
    if "end" not in cols and "start" in cols:
        j = cols.pop("start")
        if "time" not in cols and _TABLE_TIME.match(cells[j].strip()):
            cols["time"] = j  # "Time in" alone: a column of spans
    if "start" in cols and "time" not in cols:
        cols["time"] = cols["start"]  # the start cell holds no span: start and end are read
    if units and not ("time" in cols or details):
        # A billing table ("Code | Min | Units"), not a record of what was done. A flowsheet
        # that also carries units has clock times or details per row.
        return None
    if ("label" in cols or "code" in cols) and ("time" in cols or "min" in cols):
        return cols
    return None


def _cells_with_offsets(line: _Line) -> list[tuple[str, int, int]]:
    out = []
    pos = line.start
    for raw in line.text.split("|"):
        s = pos + len(raw) - len(raw.lstrip())
        e = pos + len(raw.rstrip())
        out.append((raw.strip(), s, max(s, e)))
        pos += len(raw) + 1
    if out and not out[0][0]:
        out = out[1:]
    if out and not out[-1][0]:
        out = out[:-1]
    return out


def _table_rows(text: str, lines: list[_Line], i: int, cols: dict) -> tuple[list[_Block], int]:
    blocks: list[_Block] = []
    k = i + 1
    lex = lexicon()
    while k < len(lines) and "|" in lines[k].text:
        line = lines[k]
        if re.fullmatch(r"[\s|:\-+=]*", line.text):
            k += 1
            continue
        cells = _cells_with_offsets(line)

        def cell(name, cells=cells):
            j = cols.get(name)
            return cells[j] if j is not None and j < len(cells) else None

        label_cell = cell("label") or cell("code")
        if label_cell is None:
            break
        span = None
        tcell = cell("time")
        if tcell:
            spans = find_spans(text, tcell[1], tcell[2])
            span = spans[0] if spans else None
        t0, t1 = cell("start"), cell("end")
        if span is None and t0 and t1:
            span = _tp.start_end_span(text, t0[1:], t1[1:])
        duration = None
        mcell = cell("min")
        if mcell:
            mm = re.fullmatch(r"(?:~\s*)?(\d{1,3})\s*(?:min(?:ute)?s?|')?", mcell[0], re.IGNORECASE)
            if mm:
                duration = Duration(int(mm.group(1)), mcell[1], mcell[2])
        code = None
        for c in (cell("code"), cell("label")):
            if c is None:
                continue
            cm = CODE_RE.search(text, c[1], c[2])
            if cm:
                code = (cm.group(0).upper(), cm.start(), cm.end())
                break
        lab_start, lab_end = label_cell[1], label_cell[2]
        colon = text.find(":", lab_start, lab_end)
        head_end = colon if colon > 0 else lab_end
        labels = lex.find(text, lab_start, head_end)
        label = next(
            (lab for lab in labels if lab.entry.strength == "strong"), labels[0] if labels else None
        )
        if label is None and code is None and span is None:
            k += 1
            continue
        stripped_end = line.start + len(line.text.rstrip())
        lead = len(line.text) - len(line.text.lstrip())
        cand = _Cand(line.start + lead, label, True, span, duration, code, head_end)
        detail = cell("detail")
        b = _Block(cand, line.start + lead, stripped_end, bullet=False, table_row=True)
        b.row_has_detail = bool(detail and detail[0]) or (colon > 0)
        b.description = text[lab_start:head_end].strip()
        blocks.append(b)
        k += 1
    return blocks, k


def find_blocks(
    note: Note, billed_codes: list[str] | None = None, total_timed: NumberFact | None = None
) -> list[_Block]:
    """The intervention blocks of ``note``. ``billed_codes`` and ``total_timed`` (what the
    billing and the stated timed total say) decide only whether a bare session span over a task
    list is the one billed timed code's time."""
    text = note.text
    lines = _lines(text)
    blocks: list[_Block] = []
    open_b: _Block | None = None
    section: str | None = None
    i = 0
    session_line: tuple[int, Clock] | None = None
    paren_soap = (
        text.find(")") >= 0 and len({m.group("letter") for m in _PAREN_SECTION.finditer(text)}) > 1
    )

    def close() -> None:
        nonlocal open_b
        open_b = None

    def start(c: _Cand, line: _Line, bullet: bool, end: int | None = None) -> _Block:
        nonlocal open_b
        b = _Block(
            c, c.start, end if end is not None else line.start + len(line.text.rstrip()), bullet
        )
        blocks.append(b)
        open_b = b
        return b

    def try_plain(line: _Line, from_pos: int, bullet: bool, in_block: bool) -> bool:
        """Try to start intervention(s) on a plain line (or a section line's rest)."""
        end = line.start + len(line.text.rstrip())
        sentences = _sentences(text, from_pos, end)
        parts = _clause_parts(text, sentences)
        if len(parts) > 1:
            # A narrative line, sentence by sentence: "Pt seen 1:00-1:45 pm. Pt participated in
            # 25 min of therapeutic activities ... Then self-care training for 12 min: ...";
            # and clause by clause where a clause opens with its own clock span.
            started = False
            for k, (s, e) in enumerate(parts):
                sc = _candidate(text, s, e) or (None if in_block else _unnamed_block(text, s, e))
                if sc is None or not sc.timed or not _valid(sc):
                    continue
                if started and not (
                    sc.at_start
                    and (
                        sc.code is not None
                        or (sc.label is not None and sc.label.entry.strength == "strong")
                        or _opens_with_own_span(text, sc, s, e)
                    )
                ):
                    continue
                if started and open_b is not None:
                    open_b.end = parts[k - 1][1]
                    while open_b.end > open_b.start and text[open_b.end - 1] == " ":
                        open_b.end -= 1
                start(sc, line, bullet)
                started = True
            if started:
                if open_b is not None:
                    open_b.end = _weak_block_end(text, open_b, sentences, end)
                return True
        c = _candidate(text, from_pos, end) or (
            None if in_block else _unnamed_block(text, from_pos, end)
        )
        if (
            c is not None
            and c.timed
            and len(sentences) > 1
            and not _time_in_label_sentence(c, sentences)
        ):
            # "Seen from 9:00 to 9:38 am. Husband present for the caregiver portion.": the time
            # belongs to another sentence than the label; the line is not a timed intervention.
            c = None
        if c is not None and c.timed:
            if _valid(c):
                start(c, line, bullet)
                return True
            return False
        if in_block and not (c is not None and c.at_start):
            return False
        # Untimed text: each sentence may name an intervention ("Worked on balance. Pt did exercises.")
        started = False
        for s, e in _sentences(text, from_pos, end):
            sc = _candidate(text, s, e)
            if sc is not None and sc.at_start:
                if open_b is not None and started:
                    open_b.end = s - 1 if text[s - 1] == " " else s
                    while open_b.end > open_b.start and text[open_b.end - 1] == " ":
                        open_b.end -= 1
                start(sc, line, bullet)
                started = True
        return started

    while i < len(lines):
        line = lines[i]
        raw = line.text
        if line.blank:
            if open_b is not None:
                open_b.blank_after = True
            if section in ("other", "subjective"):
                section = None
            i += 1
            continue
        # Flowsheet tables (one that also carries units is read here and by the billing).
        if "|" in raw and i + 1 < len(lines) and "|" in lines[i + 1].text:
            cols = _table_header([c[0] for c in _cells_with_offsets(line)])
            if cols is not None:
                close()
                rows, i = _table_rows(text, lines, i, cols)
                blocks.extend(rows)
                continue
        keyed = _keyed_run(text, lines, i)
        if keyed is not None:
            close()
            blocks.append(keyed[0])
            i = keyed[1]
            continue
        cf = code_field(lines, i)
        if cf is not None:
            # "CPT: 97112" among an intervention's fields names its code; it bills nothing.
            if open_b is not None:
                if open_b.cand.code is None:
                    code = (cf.group("code").upper(), line.start + cf.start("code"),
                            line.start + cf.end("code"))  # fmt: skip
                    open_b.cand = replace(open_b.cand, code=code)
                open_b.end = line.start + len(raw.rstrip())
                open_b.lines += 1
            i += 1
            continue
        if blocks and (is_totals_line_at(text, line.start, line.end) or _is_billing(raw)):
            if not _is_billing(raw) and _session_follows(lines, i + 1):
                # "AM TCM 26 min." closing one session of a split visit; the next one follows
                close()
                i += 1
                continue
            break
        if blocks and _is_summary_of(text, line, blocks):
            close()  # its minutes are given to those interventions after the loop
            i += 1
            continue
        numbered = _NUMBERED_FIELD.match(raw)
        sec = (
            numbered
            or _SECTION_RE.match(raw)
            or (_PAREN_SECTION.match(raw) if paren_soap else None)
        )
        if sec:
            if numbered:
                kind = "objective"
            else:
                name = (sec.groupdict().get("sec") or sec.group("letter") or "").lower()
                kind = _SECTION_KINDS.get(_SPACES.sub(" ", name), "other")
            rest = line.start + sec.end()
            if (
                kind == "objective"
                and not numbered
                and open_b is not None
                and not open_b.table_row
                and not open_b.blank_after
                and raw[:1] in (" ", "\t")
            ):
                # "  Activity: R UE weight bearing ..." indented under "Intervention 1: NMR": a
                # field of the open intervention, unless it names an intervention of its own.
                if not (
                    text[rest : line.end].strip()
                    and try_plain(line, rest, bullet=False, in_block=True)
                ):
                    open_b.end = line.start + len(raw.rstrip())
                    open_b.lines += 1
                i += 1
                continue
            close()
            if kind == "objective":
                section = "objective"
                if text[rest : line.end].strip():
                    try_plain(line, rest, bullet=False, in_block=False)
                i += 1
                continue
            # A timed intervention line right after an S/A/P line still starts (no O: heading).
            section = kind
            i += 1
            continue
        bullet_m = _BULLET_RE.match(raw)
        bullet = bullet_m is not None
        content = line.start + (bullet_m.end() if bullet_m else 0)
        indented = raw[:1] in (" ", "\t")
        end = line.start + len(raw.rstrip())

        if open_b is not None and _attach_field_time(text, open_b, line):
            i += 1
            continue

        if _HEADER_RE.match(raw):
            header_m = _HEADER_LABEL.match(raw)
            c = _group_session(
                text,
                line.start + header_m.end() if header_m else content,
                end,
            )
            if c is None and session_line is None and not blocks and header_m is not None:
                span0 = _session_statement_span(text, line.start + header_m.end(), end)
                if span0 is not None:
                    session_line = (i, span0)
            if c is not None:
                close()
                start(c, line, bullet)
            elif open_b is None or not (bullet or indented):
                close()
            i += 1
            continue

        if section in ("subjective", "assessment", "plan", "other"):
            c = _candidate(text, content, end)
            if section == "plan" and c is not None and _HOME_OR_FUTURE.search(text, content, end):
                c = None  # "TherEx 10 min at home daily", "gait training 15 min next visit"
            if c is not None and (
                (c.timed and (c.at_start or (section == "other" and c.label is not None)))
                or (not bullet and not indented and _label_colon_start(text, c))
            ):
                section = "objective"
                close()
                start(c, line, bullet)
            elif open_b is not None and (bullet or indented) and not open_b.blank_after:
                open_b.end = end
                open_b.lines += 1
            i += 1
            continue

        if open_b is not None and not open_b.table_row:
            if open_b.blank_after:
                absorb = open_b.lines == 1 and (bullet or raw.rstrip().endswith(":"))
                if not absorb:
                    close()
            if open_b is not None:
                if bullet or indented:
                    c = _candidate(text, content, end)
                    if c is not None and (
                        (open_b.bullet and bullet and c.at_start)
                        or (c.at_start and (c.timed or c.code is not None))
                        or (c.span is not None and c.label is not None)
                        # "- Supine mech traction (97012) x15 min": its own code and time
                        or (bullet and c.code is not None and c.timed)
                        # a named intervention under a block that names none
                        or (open_b.cand.unnamed and c.at_start)
                    ):
                        start(c, line, bullet)
                    else:
                        open_b.end = end
                        open_b.lines += 1
                        open_b.blank_after = False
                else:
                    if not try_plain(line, content, bullet=False, in_block=True):
                        open_b.end = end
                        open_b.lines += 1
                        open_b.blank_after = False
                i += 1
                continue
        if open_b is not None and open_b.table_row:
            close()
        try_plain(line, content, bullet=bullet, in_block=False)
        i += 1
    if (
        not blocks
        and session_line is not None
        and _session_is_the_timed_time(session_line[1], billed_codes or [], total_timed)
    ):
        # "Session 10:00-10:30 in ADL kitchen." over the session's task list, in a note that names
        # no intervention, bills one timed code and states as many timed minutes as the span
        # holds: the span is that code's time (``build_interventions``).
        k, span0 = session_line
        last = k
        while last + 1 < len(lines) and not lines[last + 1].blank:
            last += 1
        if last > k:
            first, tail = lines[k], lines[last]
            c = _Cand(first.start, None, True, span0, None, None, first.end, unnamed=True)
            blocks.append(
                _Block(c, first.start, tail.start + len(tail.text.rstrip()), False, last - k + 1)
            )
    blocks = _without_session_statements(blocks)
    if any(not b.cand.timed and b.cand.label is not None for b in blocks):
        _minutes_from_summary(text, lines, blocks)
    return blocks


# One item of a sentence that gives the interventions' minutes after them ("Spent 23 min on ther
# ex and 15 on balance", "25 minutes of gait training, 10 of manual therapy"): the minutes, then
# the intervention's name; the unit may be left out after the first item.
_SUMMARY_ITEM = re.compile(
    r"(?<![\d:./#-])(?P<n>\d{1,3})(?P<u>[ \t]*(?:min(?:ute)?s?\b\.?|'))?[ \t]+"
    r"(?:on|of|for|doing|in)[ \t]+(?:the[ \t]+)?",
    re.IGNORECASE,
)
_SUMMARY_JOIN = re.compile(r"[ \t]*(?:,|;|\+|&|,?[ \t]*and)[ \t]*(?:then[ \t]+)?", re.IGNORECASE)


def _minutes_from_summary(text: str, lines: list[_Line], blocks: list[_Block]) -> None:
    """Interventions written without their minutes take them from a sentence outside every
    block that gives each one's minutes ("Spent 23 min on ther ex and 15 on balance."): an
    intervention written once, untimed, takes the minutes of the item that names it."""
    found: list[tuple[Label, Duration]] = []
    for line in lines:
        if line.blank or not _DIGIT.search(line.text):
            continue
        if any(b.start <= line.end and line.start <= b.end for b in blocks):
            continue
        found.extend(_summary_items(text, line.start, line.start + len(line.text.rstrip())))
    for label, duration in found:
        same = _untimed_named(blocks, label)
        if same is not None:
            same.cand = replace(same.cand, duration=duration)


def _untimed_named(blocks: list[_Block], label: Label) -> _Block | None:
    """The one block the label names, if it has no time of its own."""
    same = [
        b
        for b in blocks
        if b.cand.label is not None and b.cand.label.entry == label.entry and not b.table_row
    ]
    return same[0] if len(same) == 1 and not same[0].cand.timed else None


def _summary_items(text: str, start: int, end: int) -> list[tuple[Label, Duration]]:
    """The items of the sentences of ``text[start:end]`` that give minutes, then an
    intervention's name ("23 min on ther ex", "and 15 on balance"); none about home or later."""
    lex = lexicon()
    found: list[tuple[Label, Duration]] = []
    for s, e in _sentences(text, start, end):
        if _HOME_OR_FUTURE.search(text, s, e):
            continue
        prev_end: int | None = None
        for m in _SUMMARY_ITEM.finditer(text, s, e):
            joined = prev_end is not None and _SUMMARY_JOIN.fullmatch(text, prev_end, m.start())
            if m.group("u") is None and not joined:
                continue
            labels = lex.find(text, m.end(), min(e, m.end() + 40))
            if not labels or labels[0].start != m.end():
                continue
            found.append((labels[0], Duration(int(m.group("n")), m.start(), m.end("n"))))
            prev_end = labels[0].end
    return found


def _is_summary_of(text: str, line: _Line, blocks: list[_Block]) -> bool:
    """A line giving the minutes of two or more interventions already written above without
    their time ("Spent 20 min on TherEx and 15 on gait training."): not an intervention."""
    if not _DIGIT.search(line.text) or not any(not b.cand.timed for b in blocks):
        return False
    items = _summary_items(text, line.start, line.start + len(line.text.rstrip()))
    return len(items) >= 2 and all(_untimed_named(blocks, lab) is not None for lab, _ in items)


def _session_follows(lines: list[_Line], i: int) -> bool:
    """Is a session heading of a split visit written at or after line ``i``, before any billing?"""
    for line in lines[i:]:
        if _SESSION_HEADING.match(line.text):
            return True
        if _is_billing(line.text):
            return False
    return False


def _without_session_statements(blocks: list[_Block]) -> list[_Block]:
    """A line whose label is not its subject and whose clock span holds other interventions'
    spans ("Client seen in the therapy kitchen from 9:00 to 9:38 am." before "Therapeutic
    activities 9:00-9:31 ..."): that is the session's span, not an intervention of its own."""
    out = []
    for b in blocks:
        s = b.cand.span
        if s is not None and not b.table_row and not b.cand.at_start and b.cand.code is None:
            inner = [
                o.cand.span
                for o in blocks
                if o is not b
                and o.cand.span is not None
                and s.start <= o.cand.span.start
                and o.cand.span.end <= s.end
                and (o.cand.span.start, o.cand.span.end) != (s.start, s.end)
            ]
            if inner:
                continue
        out.append(b)
    return out


# ---------------------------------------------------------------------------------------------


def _nonbillable(note: Note, start: int, end: int) -> list[NonBillable]:
    text = note.text
    block = text[start:end]
    if fold_safe(block):
        block_low = block.lower()
        if not any(w in block_low for w in _NB_WORDS):
            return []  # no clause of the block holds a word every kind needs (below)
    out: list[NonBillable] = []
    for s, e in _clauses(text, start, end):
        clause = text[s:e]
        low = clause.lower() if fold_safe(clause) else None
        if low is not None and not any(w in low for w in _NB_WORDS):
            continue
        for kind, rx in _NB_KINDS:
            if low is not None and not any(w in low for w in _NB_KIND_WORDS[kind]):
                continue  # (the pattern cannot match)
            if kind == "rest":
                # "w/ gel wrist rest", "on the armrest": a support, not time at rest
                km = next(
                    (
                        r
                        for r in rx.finditer(clause)
                        if not _REST_SUPPORT.search(clause, 0, r.start())
                    ),
                    None,
                )
            else:
                km = rx.search(clause)
            if not km:
                continue
            includes = bool(_NB_INCLUDES.search(clause))
            mins = [m for m in _NB_MIN.finditer(clause)]
            if (
                kind == "rest"
                and not includes
                and re.search(r"between\s+(?:sets|reps|bouts|trials|rounds)", clause, re.I)
            ):
                break
            if not (includes or mins or kind == "other_patient"):
                break
            if kind == "other_patient" and not re.search(
                r"another|other|second|different|phone", clause, re.I
            ):
                break
            if kind == "documentation" and _NB_PATIENT_RECORDS.search(clause, 0, km.end()):
                continue  # the patient keeping a log or typing, as the task itself
            near = min(mins, key=lambda m: abs(m.start() - km.start())) if mins else None
            out.append(
                NonBillable(
                    kind=kind,
                    minutes=int(near.group("n")) if near else None,
                    counted=not _NB_EXCLUDED.search(clause),
                    evidence=note.span(s, e),
                )
            )
            break
    return out


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for m in re.finditer(r"[.;\n](?:\s|$)|\)\s*:", text[start:end]):
        e = start + m.start() + (1 if text[start + m.start()] == ")" else 0)
        if e > pos:
            out.append((pos, e))
        pos = start + m.end()
    if pos < end:
        out.append((pos, end))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in out if text[s:e].strip()]


def build_interventions(
    note: Note,
    blocks: list[_Block],
    billed_codes: list[str],
    discipline: str | None,
    medicare: bool | None,
) -> list[tuple[_Block, Intervention]]:
    """One intervention per block (a flowsheet row without details merges into its detail
    paragraph), each paired with its block."""
    from reviewer import codes as code_table

    text = note.text
    resolved: list[str | None] = []
    sources: list[Literal["stated", "mapped"] | None] = []
    pending: list[int] = []
    for idx, b in enumerate(blocks):
        c = b.cand
        if c.code is not None and code_table.is_known(c.code[0]):
            resolved.append(c.code[0])
            sources.append("stated")
            continue
        if c.label is None:
            resolved.append(None)
            sources.append(None)
            pending.append(idx)
            continue
        cands = c.label.entry.candidates(discipline, medicare)
        hit = next((x for x in cands if x in billed_codes), None)
        if hit is not None and c.label.entry.kind != "group":
            resolved.append(hit)
            sources.append("mapped")
            continue
        if c.label.entry.kind == "group" and hit is not None:
            resolved.append(hit)
            sources.append("mapped")
            continue
        resolved.append(cands[0] if cands else None)
        sources.append("mapped")
        if c.label.entry.kind == "group" or c.label.entry.strength == "weak":
            pending.append(idx)
    # A group/class session or an unlabelled timed block: the one billed code nothing else documents.
    # (Several such blocks share that code: a class written as two clock-span stations, each
    # group-labelled, is one billed code; they never take it from one another.)
    for idx in pending:
        others = {r for j, r in enumerate(resolved) if j != idx and r and j not in pending}
        free = [
            x
            for x in billed_codes
            if x not in others and code_table.is_known(x) and code_table.is_timed(x)
        ]
        current = resolved[idx]
        if current in billed_codes:
            continue
        cand_label = blocks[idx].cand.label
        if len(free) == 1 and (cand_label is None or cand_label.entry.kind == "group"):
            resolved[idx] = free[0]
            sources[idx] = "mapped"

    # A detail paragraph for a flowsheet row that has no details of its own: one intervention.
    merged_into: dict[int, int] = {}
    for idx, b in enumerate(blocks):
        if b.table_row or b.cand.timed or resolved[idx] is None:
            continue
        for j, row in enumerate(blocks):
            if (
                row.table_row
                and not row.row_has_detail
                and resolved[j] == resolved[idx]
                and j not in merged_into.values()
            ):
                merged_into[idx] = j
                break

    # A block with minutes but no name or code stands only for the one billed timed code left.
    unnamed = [j for j, b in enumerate(blocks) if b.cand.unnamed]
    dropped = {j for j in unnamed if len(unnamed) > 1 or resolved[j] is None}

    out: list[tuple[_Block, Intervention]] = []
    for idx, b in enumerate(blocks):
        if idx in merged_into.values() or idx in dropped:
            continue
        src = blocks[merged_into[idx]] if idx in merged_into else b
        c = src.cand
        clock = None
        if c.span is not None:
            clock = ClockSpan(
                start=c.span.start_hhmm,
                end=c.span.end_hhmm,
                minutes=c.span.minutes,
                evidence=note.span(c.span.pos, c.span.endpos),
            )
        stated = c.duration.minutes if c.duration is not None else None
        minutes = stated if stated is not None else (clock.minutes if clock else None)
        if c.duration is not None:
            m_ev = note.span(c.duration.pos, c.duration.endpos)
        elif clock is not None:
            m_ev = clock.evidence
        else:
            m_ev = None
        label = b.cand.label
        description = b.description or (
            label.text
            if label
            else (b.cand.code[0] if b.cand.code else text[b.start : b.cand.head_end].strip())
        )
        by_assistant = True if _assistant_in(text, b.start, b.end) else None
        out.append(
            (
                b,
                Intervention(
                    description=description,
                    code=resolved[idx],
                    code_source=sources[idx] if resolved[idx] else None,
                    minutes=minutes,
                    stated_minutes=stated,
                    minutes_evidence=m_ev,
                    clock_span=clock,
                    by_assistant=by_assistant,
                    nonbillable=_nonbillable(note, b.start, b.end),
                    evidence=note.span(b.start, b.end),
                ),
            )
        )
    return out
