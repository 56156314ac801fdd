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
from dataclasses import dataclass

from reviewer.facts import BilledLine
from reviewer.intake import Note

MODIFIERS = ("GP", "GO", "GN", "CQ", "CO", "KX", "59", "XE", "XS", "XP", "XU", "AT")

CODE = r"(?:9[5-7]\d{3}|G0\d{3})"
CODE_RE = re.compile(r"(?<![\w.-])" + CODE + r"(?![\w])")
# One modifier; CO followed by a 2-3 digit number is a remittance group code (CO-45, CO 236).
_MOD = r"(?:GP|GO|GN|CQ|KX|59|XE|XS|XP|XU|AT|CO(?!\s*-\s*\d{2,3}\b|\s+\d{2,3}\b))(?![A-Za-z0-9])"
_MODS = r"(?:\s*[-/,(]?\s*" + _MOD + r"\)?)*"
_UNITS = (
    r"(?:\s*(?:[-:,]\s*)?\(?\s*"
    r"(?:x\s*(?P<ux>\d{1,2})(?!\s*(?:min|mins|minutes|'|m\b|s\b|sec|seconds|ft|reps?|sets?|lb|#|\d))"
    r"(?:\s*units?\b)?"
    r"|(?P<uu>\d{1,2})\s*(?:u\b|units?\b)|(?<=\()(?P<up>\d)(?=\s*\)))\s*\)?)"
)
ENTRY_RE = re.compile(
    r"(?<![\w.-])(?P<code>" + CODE + r")(?![\w])"
    r"(?P<mods>" + _MODS + r")"
    r"(?P<units>" + _UNITS + r")?"
    r"(?P<mods2>" + _MODS + r")",
    re.IGNORECASE,
)
MOD_RE = re.compile(_MOD, re.IGNORECASE)
_MIN_ON_LINE = re.compile(r"\s*\(\s*(\d{1,3})\s*min(?:utes?|s)?\s*\)", re.IGNORECASE)

KEYWORD_RE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:billing(?:\s+codes?)?|billed(?:\s+codes?)?|bill|charges?|charged|"
    r"cpt(?:\s+codes?)?|hcpcs|codes?(?:\s+billed)?|units\s+billed|procedures?\s+billed|"
    r"services\s+billed|billing\s+summary)\b\s*(?:[:\-]\s*)?",
    re.IGNORECASE,
)
# A line that starts with a code followed directly by modifiers/units.
CODE_START_RE = re.compile(
    r"^\s*(?:[-*]\s*)?(?P<code>" + CODE + r")(?![\w])" + _MODS + r"(?:" + _UNITS + r")",
    re.IGNORECASE,
)
BARE_CODE_LINE_RE = re.compile(
    r"^\s*(?:[-*]\s*)?"
    + CODE
    + r"(?![\w])"
    + _MODS
    + r"(?:"
    + _UNITS
    + r")?"
    + _MODS
    + r"\s*(?:\([^)\n]{0,40}\))?\s*[.;,]?\s*$",
    re.IGNORECASE,
)


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


def _mods(text: str) -> list[str]:
    out: list[str] = []
    for m in MOD_RE.finditer(text or ""):
        mod = m.group(0).upper()
        if mod not in out:
            out.append(mod)
    return out


def _entries(
    note: Note, line: _Line, offset: int = 0, require_units: bool = False
) -> list[BilledLine]:
    text = note.text
    out: list[BilledLine] = []
    for m in ENTRY_RE.finditer(text, line.start + offset, line.end):
        units_txt = m.group("units")
        units = None
        if units_txt:
            units = int(m.group("ux") or m.group("uu") or m.group("up"))
        if require_units and units is None:
            continue
        minutes = None
        mm = _MIN_ON_LINE.match(text, m.end(), line.end)
        if mm:
            minutes = int(mm.group(1))
        out.append(
            BilledLine(
                code=m.group("code").upper(),
                units=units,
                modifiers=_mods((m.group("mods") or "") + " " + (m.group("mods2") or "")),
                minutes=minutes,
                evidence=note.span(m.start(), m.end()),
            )
        )
    return out


def _cells(text: str) -> list[str]:
    return [c.strip() for c in text.strip().strip("|").split("|")]


_HEAD_CODE = re.compile(r"^(?:cpt|code|codes|hcpcs|cpt\s*code|cpt/hcpcs|billing\s+code)s?\b", re.I)
_HEAD_UNITS = re.compile(r"^units?\b|^#\s*units|^billed\s+units", re.I)
_HEAD_MOD = re.compile(r"^mod(?:ifier)?s?\b", re.I)
_HEAD_MIN = re.compile(r"^(?:min|mins|minutes)\b", re.I)


def _table(note: Note, lines: list[_Line], i: int) -> tuple[list[BilledLine], int] | None:
    """A billing table whose header is ``lines[i]``: (lines, index after the table) or None."""
    header = _cells(lines[i].text)
    col = {"code": None, "units": None, "mod": None, "min": None}
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
        km = KEYWORD_RE.match(text)
        if km and not re.match(r"\s*billing\s+comment", text, re.I):
            found = _entries(note, line, km.end())
            billed.extend(found)
            # A heading ("Charges:", "Billing") followed by one code per line.
            k = i + 1
            if not text[km.end() :].strip() or not found:
                while k < len(lines) and BARE_CODE_LINE_RE.match(lines[k].text):
                    billed.extend(_entries(note, lines[k]))
                    k += 1
            i = max(k, i + 1)
            continue
        if CODE_START_RE.match(text):
            billed.extend(_entries(note, line, require_units=False))
        i += 1
    out: list[BilledLine] = []
    seen: set[str] = set()
    for b in billed:
        if b.code in seen:
            continue
        seen.add(b.code)
        out.append(b)
    return out
