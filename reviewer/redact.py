"""Redaction: take identifiers out of a note before its text leaves the machine.

Part of intake. Before a note is sent to an LLM endpoint that is not on this machine (and,
if asked, always), :func:`redact` replaces:

- the patient's name where a header labels it (``Pt: Eleanor Voss``, ``Patient name: ...``),
  every later use of that name's parts (``Mrs. Voss``, ``Eleanor reports``), names after an
  honorific (``Mr. Ortiz``) and names in salutations (``Dear Eleanor,``);
- dates of birth (only dates labelled DOB / date of birth / born: dates of service stay);
- MRNs, account, member, policy and claim numbers (the labelled value only);
- phone and fax numbers, email addresses, street addresses (with city, state and ZIP), SSNs.

It keeps what the checker needs: CPT codes, ICD-10 codes, modifiers, minutes, clock times and
dates of service. There is deliberately no bare five-digit ZIP pattern (it would eat ``97110``):
a ZIP is only taken after a state abbreviation in an address, and never when it is a known
therapy code.

Each identifier becomes a numbered placeholder (``[NAME-1]``, ``[MRN-1]``). The
:class:`Redaction` keeps the map from placeholders to the original text and from offsets in
the redacted text back to the input text. That map never leaves the machine: it is used only to
restore values and evidence offsets in what the model returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# --- patterns -------------------------------------------------------------------------------

_NAME_WORD = r"[A-Z][a-zA-Z'\-]+|[A-Z]\.?"
#: A person's name as written in a header: 1-4 capitalised words, optionally "Last, First".
_NAME = rf"(?:{_NAME_WORD})(?:,?[ ](?:{_NAME_WORD})){{0,3}}"

_PATIENT_LABEL = re.compile(
    r"(?m)(?<![A-Za-z])(?:(?:[Pp]atient|PATIENT|Pt|pt|[Cc]lient|CLIENT|[Rr]esident|[Bb]eneficiary)"
    r"(?:'s)?(?:[ ](?:[Ff]ull[ ])?(?:[Nn]ame|NAME))?|[Nn]ame|NAME)[ ]*[:#=][ ]*"
    rf"(?P<name>{_NAME})"
)
#: A labelled name is not the patient's when the line says whose it is.
_OTHER_PERSON = re.compile(
    r"(?i)therapist|provider|clinician|signed|signature|supervis|referr|physician|doctor|"
    r"\bMD\b|\bNP\b|caregiver|contact|emergency"
)
#: Words that look like a name in a header but are not one (``Pt: Medicare``, ``Name: PT``).
_NOT_NAMES = {
    "Medicare",
    "Medicaid",
    "Part",
    "Aetna",
    "Cigna",
    "Humana",
    "None",
    "Unknown",
    "Reports",
    "Seen",
    "Arrived",
    "Presents",
    "Male",
    "Female",
    "PT",
    "OT",
    "DOS",
    "DOB",
    "MRN",
    "Dx",
    "Date",
    "Age",
    "Sex",
    "Visit",
    "Payer",
    "Insurance",
    "Ins",
    "Therapist",
    "Provider",
}
_HONORIFIC = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Mister)\.?[ ]+(?P<name>[A-Z][a-zA-Z'\-]+(?:[ ][A-Z][a-zA-Z'\-]+)?)"
)
_SALUTATION = re.compile(
    r"(?m)^[ ]*(?:Dear|Hello|Hi)[ ]+(?P<name>[A-Z][a-zA-Z'\-]+(?:[ ][A-Z][a-zA-Z'\-]+)?)"
)

_DATE = r"(?:\d{1,2}[/\-.]\d{1,2}[/\-.]\d{2,4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.?[ ]\d{1,2},?[ ]\d{4}|\d{1,2}[ ][A-Z][a-z]{2,8}[ ]\d{4})"
_DOB = re.compile(
    rf"(?i)\b(?:DOB|D\.O\.B\.?|date[ ]of[ ]birth|birth[ ]?date|born(?:[ ]on)?)[ ]*[:#\-]?[ ]*(?P<value>{_DATE})"
)
_ID_NUMBER = re.compile(
    r"(?i)\b(?:MRN|MR\#|med(?:ical)?[ ]rec(?:ord)?(?:[ ](?:number|no\.?|\#))?|acct|account|"
    r"account[ ](?:number|no\.?|\#)|acct[ ](?:number|no\.?|\#)|patient[ ]id|pt[ ]id|member[ ]id|"
    r"subscriber[ ]id|policy(?:[ ](?:number|no\.?|\#|id))?|claim[ ](?:number|no\.?|\#|id)|"
    r"HICN|MBI|medicare[ ](?:id|number|no\.?|\#)|chart(?:[ ](?:number|no\.?|\#))?|"
    r"encounter[ ](?:number|no\.?|\#|id))"
    r"[ ]*(?:[:#=]|no\.?|number)?[ ]*(?P<value>[A-Z0-9][A-Z0-9\-]*\d[A-Z0-9\-]*)"
)
_SSN = re.compile(r"\b(?P<value>\d{3}-\d{2}-\d{4})\b")
_SSN_LABELLED = re.compile(
    r"(?i)\b(?:SSN|SS\#|social[ ]security(?:[ ]number|[ ]no\.?|[ ]\#)?)[ ]*[:#]?[ ]*(?P<value>\d{3}[ \-]?\d{2}[ \-]?\d{4})\b"
)
_PHONE = re.compile(
    r"(?<![\w/.:])(?P<value>(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .\-])\d{3}[ .\-]\d{4})(?![\w/:])"
)
_PHONE_LABELLED = re.compile(
    r"(?i)\b(?:phone|ph|tel|telephone|cell|mobile|fax)[ ]*[:#.]?[ ]*(?P<value>\+?\d[\d ().\-]{8,16}\d)"
)
_EMAIL = re.compile(r"(?P<value>[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})")

_STATES = (  # noqa: SIM905 - the list reads better as one string
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR"
).split()
_STATE = "(?:" + "|".join(_STATES) + ")"
_STREET_SUFFIX = (
    r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Ct|Court|Way|Pl|Place|"
    r"Ter|Terrace|Pkwy|Parkway|Hwy|Highway|Cir|Circle|Trl|Trail|Sq|Square)"
)
_CITY_STATE_ZIP = (
    rf"[A-Z][a-zA-Z]+(?:[ ][A-Z][a-zA-Z]+){{0,2}},?[ ]+{_STATE}[ ]+\d{{5}}(?:-\d{{4}})?"
)
_ADDRESS = re.compile(
    rf"\b(?P<value>\d{{1,6}}[ ](?:[NSEW]\.?[ ])?(?:[A-Z][a-zA-Z]+\.?[ ]){{1,4}}{_STREET_SUFFIX}\b\.?"
    rf"(?:,?[ ](?:Apt|Apartment|Unit|Suite|Ste|\#)\.?[ ]?[A-Za-z0-9\-]+)?"
    rf"(?:,[ ]*{_CITY_STATE_ZIP})?)"
)
_CITY_STATE_ZIP_RE = re.compile(rf"(?P<value>{_CITY_STATE_ZIP})\b")
_ADDRESS_LABELLED = re.compile(
    r"(?im)\b(?:address|addr)[ ]*[:#][ ]*(?P<value>\S(?:[^\n|]*?\S)?)(?=[ ]{2,}|[ ]*\||[ ]*$)"
)

_KIND_ORDER = ["EMAIL", "SSN", "DOB", "ADDRESS", "PHONE", "MRN", "NAME"]


@dataclass(frozen=True)
class Replacement:
    """One identifier taken out: where it was in the input and what stands in for it."""

    start: int
    end: int
    kind: str
    placeholder: str
    original: str = field(repr=False)


@dataclass
class Redaction:
    """The redacted text plus the local map back to the input text."""

    source: str = field(repr=False)
    text: str = field(repr=False)
    replacements: list[Replacement]
    _start_map: list[int] = field(repr=False, default_factory=list)
    _end_map: list[int] = field(repr=False, default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.replacements)

    def counts(self) -> dict[str, int]:
        """How many identifiers of each kind were replaced (safe to log: no text)."""
        out: dict[str, int] = {}
        for item in self.replacements:
            out[item.kind] = out.get(item.kind, 0) + 1
        return out

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` of the redacted text to the input text.

        A range touching a placeholder widens to the whole original identifier.
        """
        n = len(self.text)
        start = max(0, min(start, n))
        end = max(start, min(end, n))
        if start == end:
            pos = self._start_map[start] if start < n else len(self.source)
            return pos, pos
        return self._start_map[start], self._end_map[end - 1]

    def restore(self, value: str) -> str:
        """Put the original identifiers back into a string the model returned."""
        if not self.replacements or "[" not in value:
            return value
        table = {item.placeholder: item.original for item in self.replacements}
        return re.sub(r"\[[A-Z]+-\d+\]", lambda m: table.get(m.group(0), m.group(0)), value)


def identity(text: str) -> Redaction:
    """A no-op :class:`Redaction` (redaction switched off, or a local endpoint)."""
    return _build(text, [])


def redact(text: str) -> Redaction:
    """Replace identifiers in ``text`` with numbered placeholders (see the module docstring)."""
    found: list[tuple[int, int, str]] = []

    def add(pattern: re.Pattern[str], kind: str, group: str = "value") -> None:
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if end > start:
                found.append((start, end, kind))

    add(_EMAIL, "EMAIL")
    add(_SSN, "SSN")
    add(_SSN_LABELLED, "SSN")
    add(_DOB, "DOB")
    add(_ADDRESS, "ADDRESS")
    add(_ADDRESS_LABELLED, "ADDRESS")
    for match in _CITY_STATE_ZIP_RE.finditer(text):
        if not _is_known_code(match.group("value")[-5:]):
            found.append((*match.span("value"), "ADDRESS"))
    add(_PHONE, "PHONE")
    for match in _PHONE_LABELLED.finditer(text):
        if 10 <= sum(ch.isdigit() for ch in match.group("value")) <= 11:
            found.append((*match.span("value"), "PHONE"))
    add(_ID_NUMBER, "MRN")

    names: set[str] = set()
    for pattern in (_PATIENT_LABEL, _HONORIFIC, _SALUTATION):
        for match in pattern.finditer(text):
            start, end = match.span("name")
            line_start = text.rfind("\n", 0, match.start()) + 1
            if pattern is _PATIENT_LABEL and _OTHER_PERSON.search(
                text[line_start : match.start() + 1]
            ):
                continue
            value = _trim_name(text[start:end])
            if not value:
                continue
            found.append((start, start + len(value), "NAME"))
            names.add(value)
            names.update(
                part
                for part in re.split(r"[ ,]+", value)
                if len(part.rstrip(".")) >= 2 and part not in _NOT_NAMES
            )
    # Every later use of the patient's name parts ("Mrs. Voss", "Eleanor reports").
    for part in sorted(names, key=len, reverse=True):
        for match in re.finditer(rf"(?<![A-Za-z]){re.escape(part)}(?![A-Za-z])", text):
            found.append((*match.span(), "NAME"))
    return _build(text, _merge(found, text))


def _trim_name(value: str) -> str:
    words = re.split(r"([ ,]+)", value)
    kept: list[str] = []
    for word in words:
        if word.strip(" ,") and (word in _NOT_NAMES or word.upper() in {"MRN", "DOB", "DOS"}):
            break
        kept.append(word)
    out = "".join(kept).rstrip(" ,")
    return out if out and out[0].isupper() and len(out.rstrip(".")) >= 2 else ""


def _is_known_code(value: str) -> bool:
    from reviewer import codes

    return codes.is_known(value)


def _merge(found: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """Resolve overlaps: earlier start wins, then the longer match, then kind order."""
    found.sort(key=lambda t: (t[0], -(t[1] - t[0]), _KIND_ORDER.index(t[2])))
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in found:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if end > last[1]:
                merged[-1] = (last[0], end, last[2])
            continue
        merged.append((start, end, kind))
    return merged


def _build(text: str, spans: list[tuple[int, int, str]]) -> Redaction:
    out: list[str] = []
    start_map: list[int] = []
    end_map: list[int] = []
    replacements: list[Replacement] = []
    numbers: dict[str, int] = {}
    seen: dict[tuple[str, str], str] = {}
    pos = 0
    for start, end, kind in spans:
        for i in range(pos, start):
            out.append(text[i])
            start_map.append(i)
            end_map.append(i + 1)
        original = text[start:end]
        key = (kind, original.lower())
        placeholder = seen.get(key)
        if placeholder is None:
            numbers[kind] = numbers.get(kind, 0) + 1
            placeholder = f"[{kind}-{numbers[kind]}]"
            seen[key] = placeholder
        replacements.append(Replacement(start, end, kind, placeholder, original))
        for ch in placeholder:
            out.append(ch)
            start_map.append(start)
            end_map.append(end)
        pos = end
    for i in range(pos, len(text)):
        out.append(text[i])
        start_map.append(i)
        end_map.append(i + 1)
    return Redaction(
        source=text,
        text="".join(out),
        replacements=replacements,
        _start_map=start_map,
        _end_map=end_map,
    )
