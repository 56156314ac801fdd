"""Billed lines: read ONLY from a billing statement or a billing table, never from prose.

Recognised shapes (one or more entries per line, separated by ``;`` ``,`` ``|`` ``/``):

- a billing line with a keyword: ``Billing: 97112 GP x2 units; 97110 GP x1 unit``,
  ``Billed: 97112-GP, 2 units.``, ``CPT: 97110 GP 1u; 97112 GP 2u``, ``Charges:`` followed by
  one code per line;
- a line that starts with a code and gives units: ``97112 x2 GP``, ``97112 GO - 2 units``,
  ``97530 GP x2 (30 min)``;
- a billing table whose header names a code column and a units column (``CPT | Mod | Units``,
  ``Code | Minutes | Units`` with rows like ``97112-GP | 24 | 2``).

A code mentioned in prose ("Consider 97530 next visit", "TherEx 97110 x 28 min") is not billed.
``CO-45`` / ``CO 236`` next to a number are claim-adjustment group codes, not the OTA modifier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from reviewer.extract.rules_based._scan import fold_safe
from reviewer.extract.rules_based.timeparse import WORD_COUNT, word_number
from reviewer.facts import BilledLine
from reviewer.intake import Note

MODIFIERS = (
    "GP", "GO", "GN", "CQ", "CO", "KX", "59", "XE", "XS", "XP", "XU", "AT", "95", "GA", "GY", "GZ"
)  # fmt: skip

CODE = r"(?:9[5-7]\d{3}|G0\d{3})"
# Where a code ends: no letter or digit follows, or its units are glued to it ("97110x3",
# "97110X2", "97110x 2"), read wherever the spaced form ("97110 x3") is.
CODE_END = r"(?:(?![\w])|(?=[xX][ \t]?\d))"
CODE_RE = re.compile(r"(?<![\w.-])" + CODE + CODE_END)
# One modifier; CO followed by a 2-3 digit number is a remittance group code (CO-45, CO 236);
# a number followed by minutes or units is not a modifier ("(59 min)"). Units may be glued to
# the modifier ("97110-GPx2"), as they may to the code.
_MOD = (
    r"(?:GP|GO|GN|CQ|KX|XE|XS|XP|XU|AT|GA|GY|GZ|CO(?!\s*-\s*\d{2,3}\b|\s+\d{2,3}\b)"
    r"|(?:59|95)(?!\s*(?:min|mins|minutes|m|'|units?|u|sec|s|%)(?![A-Za-z])))"
    r"(?:(?![A-Za-z0-9])|(?=[xX][ \t]?\d))"
)
_MODS = r"(?:\s*[-/,(]?\s*" + _MOD + r"\)?)*"
_UNITS = (
    # a dotted leader may run up to the units ("97530-GP ........ 2 units")
    r"(?:\s*(?:[-:,]\s*|\.{2,}[ \t]*)?\(?\s*"
    r"(?:x\s*(?P<ux>\d{1,2})(?!\d)(?!\s*(?:min|mins|minutes|'|m\b|s\b|sec|seconds|ft|reps?|sets?|lb|#|"
    r"\d{1,3}\s*(?:min|'|x\b|reps?|sets?)))"
    r"(?:\s*units?\b)?"
    r"|(?P<uu>\d{1,2})\s*(?:u\b|units?\b)|(?<=\()(?P<up>\d)(?=\s*\))"
    # the count in words, as dictated ("x two", "times two", "two units")
    r"|(?:x|times)[ \t]+(?P<uxw>"
    + WORD_COUNT
    + r")(?![ \t]*(?:min|minutes|sec|seconds|reps?|sets?)\b)"
    r"(?:[ \t]+units?\b)?"
    r"|(?P<uuw>" + WORD_COUNT + r")[ \t]+units?\b)\s*\)?)"
)
# Units written before the code ("2 units 97112", "1u 97110", "2 x 97530").
_UNITS_BEFORE = (
    r"(?:(?P<ub>\d{1,2})\s*(?:units?|u)\b\s*(?:of\s+)?(?:[-:x]\s*)?|(?P<ubx>\d{1,2})\s*x\s*"
    r"|(?P<ubw>" + WORD_COUNT + r")[ \t]+units?\b\s*(?:of\s+)?(?:[-:]\s*)?)"
)
ENTRY_RE = re.compile(
    r"(?:(?<![\w.:/-])" + _UNITS_BEFORE + r")?"
    r"(?<![\w.-])(?P<code>" + CODE + r")" + CODE_END + r"(?P<mods>" + _MODS + r")"
    r"(?P<units>" + _UNITS + r")?"
    r"(?P<mods2>" + _MODS + r")",
    re.IGNORECASE,
)
MOD_RE = re.compile(_MOD, re.IGNORECASE)
_MIN_ON_LINE = re.compile(r"\s*\(\s*(\d{1,3})\s*min(?:utes?|s)?\s*\)", re.IGNORECASE)

KEYWORD_RE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:billing(?:\s+codes?)?|billed(?:\s+codes?)?|bill|charges?|charged|"
    r"cpt(?:\s+codes?)?|hcpcs|codes?(?:\s+billed)?|units\s+billed|procedures?\s+billed|"
    r"services\s+billed|billing\s+summary|claim\s+lines?)\b"
    # a bracketed note before the colon ("Charges (entered per session):")
    r"(?:[ \t]*\([^()\n]{1,40}\))?\s*(?:[:\-]\s*)?",
    re.IGNORECASE,
)
# A line that starts with a code followed directly by modifiers/units.
CODE_START_RE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:(?P<code>" + CODE + r")" + CODE_END + _MODS + r"(?:" + _UNITS + r")"
    r"|" + _UNITS_BEFORE.replace("?P<", "?P<s") + CODE + r"(?![\w]))",
    re.IGNORECASE,
)
# A bare number after a code and its modifiers, in a billing statement or table ("97530  GO  2").
_BARE_UNITS = re.compile(
    r"[ \t]*[:=\-]?[ \t]*(?P<n>\d{1,2})(?![\d:/.'%])"
    r"(?=[ \t]*(?:$|[;,|/]|\n|[ \t](?:\d{1,2}\s*(?:units?|u)\b\s*)?" + CODE + r"(?!\w)))",
    re.IGNORECASE,
)
BARE_CODE_LINE_RE = re.compile(
    r"^\s*(?:[-*]\s*)?"
    + CODE
    + CODE_END
    + _MODS
    + r"(?:"
    + _UNITS
    + r")?"
    + _MODS
    + r"(?:[ \t]*[:=\-]?[ \t]*\d{1,2})?"
    + r"\s*(?:\([^)\n]{0,40}\))?\s*[.;,]?\s*$",
    re.IGNORECASE,
)


# A field holding one code and nothing else ("CPT: 97112", "Code - 97110"): among an
# intervention's other labelled fields it names that intervention's code, it bills nothing.
CODE_FIELD_RE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:cpt|hcpcs|code)(?:\s*code)?\s*#?\s*(?:[:=]|-(?=\s))\s*(?P<code>"
    + CODE
    + r")(?![\w])\s*[.;]?\s*$",
    re.IGNORECASE,
)
#: The keys that open an intervention's labelled fields ("Intervention:", "Activity 2 -"); the
#: segmentation reads the same heads (``segment._FIELD_HEAD``).
FIELD_KEYS = r"(?:intervention|activity|procedure|service|treatment|tx|modality)"
# Any labelled field of an intervention ("Intervention: ...", "Time: ...", "Detail: ...").
_INTERVENTION_FIELD = re.compile(
    r"^[\s*#>-]*(?:" + FIELD_KEYS + r"|time|start|duration|minutes|detail|details|description"
    r"|parameters)\b[^:\n]{0,20}[:=\-]",
    re.IGNORECASE,
)


class _HasText(Protocol):
    text: str


def code_field(lines: Sequence[_HasText], i: int) -> re.Match[str] | None:
    """``lines[i]`` as an intervention's code field ("CPT: 97112" directly under "Intervention:
    Neuromuscular re-education" or above "Time: 14:00-14:25"), which bills nothing; else None."""
    m = CODE_FIELD_RE.match(lines[i].text)
    if m is None:
        return None
    near = [lines[k].text for k in (i - 1, i + 1) if 0 <= k < len(lines)]
    if any(_INTERVENTION_FIELD.match(x) and not CODE_FIELD_RE.match(x) for x in near):
        return m
    return None


@dataclass
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


# A session's label opening a line of a billing list ("AM: 97116 GP x1", "PM session - ...",
# "Session 2: ..."): a split visit billed per session.
_SESSION_LEAD = re.compile(
    r"^\s*(?:[-*]\s*)?(?:(?:AM|PM|morning|afternoon|evening|1st|2nd|first|second)"
    r"(?:\s+(?:session|visit|tx))?|(?:session|visit)\s*#?\s*[12]|[12](?:st|nd)\s+session)"
    r"\s*[:\-\u2013\u2014]\s*(?=" + CODE + r")",
    re.IGNORECASE,
)


def _session_line(text: str) -> int | None:
    """Where the billing entries start on a session-labelled line of a billing list, else None."""
    m = _SESSION_LEAD.match(text)
    if m is None or not CODE_START_RE.match(text[m.end() :]):
        return None
    return m.end()


def _sum_sessions(found: list[BilledLine]) -> list[BilledLine]:
    """Per-session lines of one billing list, one line per code: a code billed in two sessions
    bills the units of both."""
    out: dict[str, BilledLine] = {}
    for b in found:
        first = out.get(b.code)
        if first is None:
            out[b.code] = b
            continue
        if first.units is not None and b.units is not None:
            first.units += b.units
        first.modifiers += [x for x in b.modifiers if x not in first.modifiers]
    return list(out.values())


def _count(m: re.Match, groups: tuple[str, ...]) -> int | None:
    """The first of ``groups`` that matched, as a number (digits, or words: "two")."""
    for g in groups:
        value = m.group(g)
        if value:
            return int(value) if value.isdigit() else word_number(value)
    return None


def _mods(text: str) -> list[str]:
    out: list[str] = []
    for m in MOD_RE.finditer(text or ""):
        mod = m.group(0).upper()
        if mod not in out:
            out.append(mod)
    return out


# A code the billing line names as not billed: "97110 7 min not billed - under 8 min",
# "97140 not billed", "97110 - n/c", "(no charge for 97110)", "not billed: 97110, 97140".
_NOT_BILLED = (
    r"(?:(?:was|is|were|are)\s+)?(?:not\s+(?:billed|charged|billable|claimed|coded)"
    r"|no\s+charge(?:d)?|n/c|non-?billable|unbilled|did\s*n[o']t\s+bill|not\s+billing)(?![\w/])"
)
_UNDER_8 = r"(?:under|below|less\s+than|<)\s*8\s*-?\s*(?:min(?:ute)?s?|')(?![\w])"
# After the code (and its modifiers): at most its minutes, then the words.
_NOT_BILLED_AFTER = re.compile(
    r"[ \t]*(?:[-\u2013\u2014:,(][ \t]*)?"
    r"(?:(?:x[ \t]*)?\d{1,3}[ \t]*(?:min(?:ute)?s?|')\.?[ \t]*\)?[ \t]*(?:[-\u2013\u2014:,(][ \t]*)?)?"
    r"(?:each[ \t]+)?(?:(?P<neg>" + _NOT_BILLED + r")|(?P<u8>" + _UNDER_8 + r"))"
    # "no charge for the hot pack", "not billed: 97110": about something else.
    r"(?![ \t]*for\b(?![ \t]+(?:this|today|per)\b))"
    r"(?![ \t]*:[ \t]*(?:(?:cpt|code)[ \t]+)?" + CODE + r")",
    re.IGNORECASE,
)
# Before the code, in its own clause.
_NOT_BILLED_BEFORE = re.compile(
    r"(?:" + _NOT_BILLED + r")[ \t]*(?:for|:|-|\u2013|\u2014)?[ \t]*(?:(?:cpt|code)[ \t]+)?$",
    re.IGNORECASE,
)
# Codes listed together ("97110, 97140 not billed"; "no charge for 97110 or 97140").
_LIST_JOIN = re.compile(r"[ \t]*(?:,|/|&|\+|and|or)[ \t]*(?:(?:cpt|code)[ \t]+)?$", re.IGNORECASE)


def _not_billed_flags(
    text: str, found: list[tuple[re.Match, int, bool]], line_start: int, line_end: int
) -> list[bool]:
    """For each entry (its match, where it ends, whether units are written): is it named as
    not billed? Words after the code or before it in its clause; a list shares them."""
    flags: list[bool] = []
    for k, (m, end, has_units) in enumerate(found):
        nxt = found[k + 1][0].start() if k + 1 < len(found) else line_end
        after = _NOT_BILLED_AFTER.match(text, end, line_end)
        after = after if after and after.end() <= nxt else None
        neg = bool(after and (after.group("neg") or not has_units))
        if not neg:
            prev = found[k - 1][1] if k else line_start
            clause = re.split(r"[;|().]", text[prev : m.start()])[-1]
            neg = bool(_NOT_BILLED_BEFORE.search(clause))
        flags.append(neg)
    for _ in range(2):  # share along a list, both ways
        for k in range(len(found) - 1):
            m, end, has_units = found[k]
            if has_units or (m.group("mods") or m.group("mods2") or "").strip():
                continue  # a code with its own units or modifiers is a line of its own
            if not _LIST_JOIN.match(text[end : found[k + 1][0].start()]):
                continue
            if flags[k] or flags[k + 1]:
                flags[k] = flags[k + 1] = True
    return flags


def _entries(
    note: Note, line: _Line, offset: int = 0, require_units: bool = False, bare: bool = False
) -> list[BilledLine]:
    """The billed entries on ``line``; ``bare``: a billing context, where a plain number after
    the code and its modifiers is the units ("97530  GO  2")."""
    text = note.text
    out: list[BilledLine] = []
    found: list[tuple[re.Match, int, bool]] = []
    pos = line.start + offset
    while True:
        m = ENTRY_RE.search(text, pos, line.end)
        if m is None:
            break
        pos = max(m.end(), pos + 1)
        end = m.end()
        units = _count(m, ("ub", "ubx", "ubw"))
        if units is not None and m.group("units"):
            # "2 units 97112 GP, 1 unit 97110": the units after belong to the next code.
            end = pos = m.start("units")
        if units is None:
            units = _count(m, ("ux", "uu", "up", "uxw", "uuw"))
        if units is None and bare:
            bm = _BARE_UNITS.match(text, m.end(), line.end)
            if bm:
                units = int(bm.group("n"))
                end = bm.end()
        if require_units and units is None:
            continue
        minutes = None
        mm = _MIN_ON_LINE.match(text, end, line.end)
        if mm:
            minutes = int(mm.group(1))
        out.append(
            BilledLine(
                code=m.group("code").upper(),
                units=units,
                modifiers=_mods((m.group("mods") or "") + " " + (m.group("mods2") or "")),
                minutes=minutes,
                evidence=note.span(m.start(), end),
            )
        )
        found.append((m, end, units is not None))
    if not found:
        return out
    flags = _not_billed_flags(text, found, line.start + offset, line.end)
    return [b for b, neg in zip(out, flags, strict=True) if not neg]


def _cells(text: str) -> list[str]:
    return [c.strip() for c in text.strip().strip("|").split("|")]


_HEAD_CODE = re.compile(
    r"^(?:cpt|code|codes|hcpcs|cpt\s*code|cpt/hcpcs|hcpcs/cpt|billing\s+code|charge\s+code"
    r"|service\s+code|proc(?:edure)?(?:\s+code)?|proc\.)s?\b",
    re.I,
)
_HEAD_UNITS = re.compile(
    r"^(?:units?|unit\(s\)|#\s*(?:of\s+)?units?|no\.?\s+(?:of\s+)?units?|billed\s+units?"
    r"|units?\s+billed|qty|quantity)(?![A-Za-z])",
    re.I,
)
_HEAD_MOD = re.compile(r"^mod(?:ifier)?s?\b", re.I)
_HEAD_MIN = re.compile(r"^(?:min|mins|minutes)\b", re.I)


def _table(note: Note, lines: list[_Line], i: int) -> tuple[list[BilledLine], int] | None:
    """A billing table whose header is ``lines[i]``: (lines, index after the table) or None."""
    header = _cells(lines[i].text)
    col: dict[str, int | None] = {"code": None, "units": None, "mod": None, "min": None}
    for j, cell in enumerate(header):
        for key, rx in (
            ("code", _HEAD_CODE),
            ("units", _HEAD_UNITS),
            ("mod", _HEAD_MOD),
            ("min", _HEAD_MIN),
        ):
            if col[key] is None and rx.match(cell):
                col[key] = j
    if col["code"] is None or col["units"] is None:
        return None
    out: list[BilledLine] = []
    k = i + 1
    while k < len(lines) and "|" in lines[k].text:
        line = lines[k]
        if re.fullmatch(r"[\s|:\-+=]*", line.text):
            k += 1
            continue
        cells = _cells(line.text)
        code_cell = cells[col["code"]] if col["code"] < len(cells) else ""
        m = CODE_RE.search(code_cell)
        if not m:
            break
        units_cell = cells[col["units"]] if col["units"] < len(cells) else ""
        um = re.search(r"\d{1,2}", units_cell)
        mods = _mods(code_cell[m.end() :])
        if col["mod"] is not None and col["mod"] < len(cells):
            mods += [x for x in _mods(cells[col["mod"]]) if x not in mods]
        minutes = None
        if col["min"] is not None and col["min"] < len(cells):
            mm = re.fullmatch(r"\s*(\d{1,3})\s*(?:min)?\s*", cells[col["min"]])
            minutes = int(mm.group(1)) if mm else None
        stripped = line.text.rstrip()
        lead = len(line.text) - len(line.text.lstrip())
        out.append(
            BilledLine(
                code=m.group(0).upper(),
                units=int(um.group(0)) if um else None,
                modifiers=mods,
                minutes=minutes,
                evidence=note.span(line.start + lead, line.start + len(stripped)),
            )
        )
        k += 1
    return out, k


_HEAD_WORD = re.compile(
    r"(?:cpt|codes?|hcpcs|cpt/hcpcs|proc(?:edure)?|mods?|modifiers?|units?|unit\(s\)|qty|quantity"
    r"|min|mins|minutes|description|service|#)",
    re.I,
)
_SPACE_CELL = re.compile(r"\S+(?: \S+)*")
_SPACE_GAP = re.compile(r"\S {2,}\S")
_ROW_START = re.compile(r"^\s*(?:[-*]\s*)?" + CODE + CODE_END, re.IGNORECASE)


def _space_header(text: str) -> dict[str, tuple[int, int]] | None:
    """Columns of a header aligned with spaces ("CPT    Mod   Units"): name -> (start, end)."""
    if "|" in text:
        return None
    if "  " not in text or not _SPACE_GAP.search(text):
        # Single spaces (tabs are normalised to one space): only header words on the line;
        # the rows are then read as billing statements.
        words = text.split()
        if (
            2 <= len(words) <= 6
            and all(_HEAD_WORD.fullmatch(w) for w in words)
            and any(_HEAD_CODE.match(w) for w in words)
            and any(_HEAD_UNITS.match(w) for w in words)
        ):
            return {}
        return None
    cols: dict[str, tuple[int, int]] = {}
    cells = list(_SPACE_CELL.finditer(text))
    if len(cells) < 2 or len(cells) > 8:
        return None
    for cell in cells:
        for key, rx in (
            ("code", _HEAD_CODE),
            ("units", _HEAD_UNITS),
            ("mod", _HEAD_MOD),
            ("min", _HEAD_MIN),
        ):
            if key not in cols and rx.match(cell.group(0)):
                cols[key] = (cell.start(), cell.end())
                break
    if "code" not in cols or "units" not in cols:
        return None
    return cols


def _space_table(
    note: Note, lines: list[_Line], i: int, cols: dict[str, tuple[int, int]]
) -> tuple[list[BilledLine], int]:
    """Rows under a space-aligned billing header: each cell goes to the column it sits under."""
    out: list[BilledLine] = []
    k = i + 1
    while k < len(lines) and _ROW_START.match(lines[k].text):
        line = lines[k]
        cells: dict[str, str] = {}
        for cell in _SPACE_CELL.finditer(line.text) if cols else ():
            best, score = None, None
            for key, (hs, he) in cols.items():
                overlap = min(cell.end(), he) - max(cell.start(), hs)
                dist = (
                    -overlap if overlap > 0 else min(abs(cell.start() - he), abs(hs - cell.end()))
                )
                if score is None or dist < score:
                    best, score = key, dist
            if best is not None:
                cells[best] = (cells.get(best, "") + " " + cell.group(0)).strip()
        code_cell = cells.get("code", "")
        m = CODE_RE.search(code_cell)
        if not m and not cols:
            out.extend(_entries(note, line, bare=True))
            k += 1
            continue
        if not m:
            break
        um = re.fullmatch(r"\s*(?:x\s*)?(\d{1,2})\s*(?:units?|u)?\s*", cells.get("units", ""), re.I)
        mods = _mods(code_cell[m.end() :])
        mods += [x for x in _mods(cells.get("mod", "")) if x not in mods]
        mm = re.fullmatch(r"\s*(\d{1,3})\s*(?:min\w*|')?\s*", cells.get("min", ""), re.I)
        stripped = line.text.rstrip()
        lead = len(line.text) - len(line.text.lstrip())
        units = int(um.group(1)) if um else None
        if units is None:
            # Not aligned after all: read the row as a billing statement.
            found = _entries(note, line, bare=True)
            out.extend(found)
            k += 1
            continue
        out.append(
            BilledLine(
                code=m.group(0).upper(),
                units=units,
                modifiers=mods,
                minutes=int(mm.group(1)) if mm else None,
                evidence=note.span(line.start + lead, line.start + len(stripped)),
            )
        )
        k += 1
    return out, k


def is_billing_header(line: str) -> bool:
    """A billing table's header row (``CPT | Mod | Units``, ``Code    Units``)."""
    if fold_safe(line):
        # Every shape needs a units column, whose header names units or a quantity.
        low = line.lower()
        if "unit" not in low and "qty" not in low and "quantit" not in low:
            return False
    if "|" in line:
        cells = _cells(line)
        return any(_HEAD_CODE.match(c) for c in cells) and any(_HEAD_UNITS.match(c) for c in cells)
    return _space_header(line) is not None


_BILLING_COMMENT = re.compile(r"\s*billing\s+comment", re.IGNORECASE)


def extract_billed(note: Note) -> list[BilledLine]:
    """Every billed line of the note, in order; one line per code (the first statement wins)."""
    lines = _lines(note.text)
    billed: list[BilledLine] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        text = line.text
        if "|" in text and i + 1 < len(lines):
            table = _table(note, lines, i)
            if table is not None:
                billed.extend(table[0])
                i = table[1]
                continue
        # A space-aligned billing table: its header, then a row that starts with a code (the
        # cheaper test first).
        if i + 1 < len(lines) and _ROW_START.match(lines[i + 1].text):
            space_cols = _space_header(text)
            if space_cols is not None:
                rows, i = _space_table(note, lines, i, space_cols)
                billed.extend(rows)
                continue
        km = KEYWORD_RE.match(text)
        if km and code_field(lines, i):
            i += 1  # an intervention's code field ("CPT: 97112" under "Intervention: NMR")
            continue
        if km and not _BILLING_COMMENT.match(text):
            found = _entries(note, line, km.end(), bare=True)
            billed.extend(found)
            # A heading ("Charges:", "Billing") followed by one code per line.
            k = i + 1
            if not text[km.end() :].strip() or not found:
                listed: list[BilledLine] = []
                by_session = False
                while k < len(lines):
                    if BARE_CODE_LINE_RE.match(lines[k].text):
                        listed.extend(_entries(note, lines[k], bare=True))
                    elif (lead := _session_line(lines[k].text)) is not None:
                        listed.extend(_entries(note, lines[k], lead, bare=True))
                        by_session = True
                    else:
                        break
                    k += 1
                billed.extend(_sum_sessions(listed) if by_session else listed)
            i = max(k, i + 1)
            continue
        if CODE_START_RE.match(text):
            billed.extend(_entries(note, line, require_units=False))
        i += 1
    out: list[BilledLine] = []
    seen: dict[str, BilledLine] = {}
    for b in billed:
        first = seen.get(b.code)
        if first is not None:
            # A later statement of the same code names the modifiers the first left out (a
            # treatment grid with code and units columns, then "Charges: 97112-GP x2").
            if not first.modifiers and b.modifiers:
                first.modifiers = list(b.modifiers)
            continue
        seen[b.code] = b
        out.append(b)
    return out
