"""Patterns across notes (P001-P003): what only a batch of notes can show.

These rules read many reviewed notes at once (a biller's batch or the worklist), grouped by
patient, date of service and provider. They never run on a single note, so this module is
deliberately **not** in ``reviewer.rules.registry.RULE_MODULES``; :func:`pattern_rules` lists
their metadata for ``reviewer rules`` and the UI, and :func:`find_patterns` runs them.

A row is anything with these attributes (``reviewer.batch.BatchResult`` and the worklist's
stored rows both have them): ``id``, ``patient``, ``date``, ``provider``, ``method``
(``cms``/``ama``), ``minutes`` (documented timed minutes per code), ``billed`` (billed units
per code), ``timed_minutes`` (the note's total timed minutes, or None), ``clone_text`` (the
intervention and assessment text, see :func:`clone_text`) and ``error`` (rows that failed
review are skipped).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from reviewer.rules.base import Rule, Severity

#: P002 needs this many of one provider's notes (with timed minutes and billed timed units)
#: before it calls a low average a *practice* rather than one visit's rounding.
P002_MIN_NOTES = 3
#: P002 fires below this mean of timed minutes per billed timed unit (CMS §20.2 C).
P002_MINUTES_PER_UNIT = 15.0
#: P003: word-trigram Jaccard similarity at or above this counts as "nearly the same" text.
P003_SIMILARITY = 0.85
#: P003 ignores texts shorter than this many words once masked (too little to call a clone).
P003_MIN_WORDS = 12


def _no_single_note_check(ctx: Any) -> list:
    return []


def _pattern_rule(
    id: str, name: str, severity: Severity, sources: Iterable[str], summary: str, doc: str
) -> Rule:
    return Rule(
        id=id,
        name=name,
        severity=severity,
        sources=tuple(sources),
        summary=summary,
        doc=doc.strip(),
        check=_no_single_note_check,
    )


P001 = _pattern_rule(
    "P001",
    "same-day-minutes-pooled",
    "info",
    ["cms-8-minute-rule"],
    "Two or more notes for one patient on one date bill the same timed code; their minutes are "
    "pooled before units are counted, and the day's units are re-checked.",
    """
    Notes for one patient on one date that bill the same timed code are one day of that code.

    Why: units are counted per code per day, so same-code minutes from separate notes (two
    visits, a PT and a PTA) are added before the 8-minute table is applied, and Medicare wants
    one line per code per date (cms-8-minute-rule). Two notes of 10 minutes of 97110 each
    support one unit for the day, not two. The finding shows the pooled minutes and what they
    support against the units the notes bill together (T001/T002 on the pooled day).
    """,
)

P002 = _pattern_rule(
    "P002",
    "low-minutes-per-unit",
    "warning",
    ["cms-8-minute-rule"],
    "Across one provider's notes in the batch, the mean timed minutes per billed timed unit is "
    "below 15.",
    f"""
    A provider whose notes average fewer than 15 timed minutes per billed timed unit.

    Why: CMS expects each timed unit to average 15 minutes of direct contact, and says a
    provider who consistently bills less than that per unit should be highlighted for review
    (cms-8-minute-rule, Pub. 100-04 Ch. 5 §20.2 C). One visit can round up legitimately
    (38 minutes is 3 units), so the rule needs at least {P002_MIN_NOTES} of the provider's notes
    with both timed minutes and billed timed units before it speaks.
    """,
)

P003 = _pattern_rule(
    "P003",
    "cloned-note",
    "warning",
    ["vague-documentation"],
    "A note's intervention and assessment text is identical, or nearly, to another note for the "
    "same patient once dates, times and numbers are masked.",
    f"""
    Notes for one patient whose treatment and assessment text is copied forward.

    Why: auditors treat cloned documentation (the same text visit after visit) as no evidence
    that a skilled, individualised service was furnished that day (vague-documentation). Dates,
    clock times and numbers are masked before comparing, so a note that changes only the date or
    the minutes still counts; "nearly" means a word-trigram similarity of at least
    {P003_SIMILARITY:.2f}.
    """,
)

_PATTERN_RULES = {r.id: r for r in (P001, P002, P003)}


def pattern_rules() -> list[Rule]:
    """The P-family rules (metadata only: they run through :func:`find_patterns`)."""
    return list(_PATTERN_RULES.values())


@dataclass
class PatternFinding:
    """A pattern across notes. ``rows`` are the ids of the notes involved, in input order."""

    rule: str
    name: str
    severity: str
    message: str
    rows: list[str]
    keys: list[str] = field(default_factory=list)
    guidance: list[str] = field(default_factory=list)
    patient: str | None = None
    provider: str | None = None
    date: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "rows": list(self.rows),
            "keys": list(self.keys),
            "guidance": list(self.guidance),
            "patient": self.patient,
            "provider": self.provider,
            "date": self.date,
            "data": self.data,
        }


def _finding(rule: Rule, message: str, rows: list[Any], **kw: Any) -> PatternFinding:
    return PatternFinding(
        rule=rule.id,
        name=rule.name,
        severity=rule.severity,
        message=message,
        rows=_ids(rows),
        keys=[_key(r) for r in rows],
        guidance=list(rule.sources),
        **kw,
    )


def _key(row: Any) -> str:
    """A row's unique key (``key`` when the row has one, else its id)."""
    return str(getattr(row, "key", None) or row.id)


# --------------------------------------------------------------------------- keys

_SPACE = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s'-]")
_CREDENTIAL = re.compile(
    r"\b(?:pt|dpt|mpt|mspt|pta|ot|otr|otr/l|ota|cota|cota/l|slp|ccc-slp|slpa|ms|ma|phd|ocs|ncs|"
    r"gcs|scs|atc|cscs|cht|otd|lpta|lpt|lota|lot)\b\.?",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%m-%d-%Y",
    "%m-%d-%y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%d %B %Y",
)


def person_key(name: str | None) -> str | None:
    """A comparable key for a person's name: case, spacing and credentials ignored."""
    if not name:
        return None
    text = name.split(",")[0] if "," in name else name
    text = _CREDENTIAL.sub(" ", text)
    text = _PUNCTUATION.sub(" ", text)
    text = _SPACE.sub(" ", text).strip().casefold()
    return text or None


def date_key(value: str | None) -> str | None:
    """An ISO date for a date as written (``03/04/2025`` -> ``2025-03-04``), else the text."""
    if not value:
        return None
    text = _SPACE.sub(" ", str(value).replace(",", " ")).strip()
    if not text:
        return None
    if _ISO_DATE.fullmatch(text):
        # The usual case (the extractor's ISO date), without strptime (~25 us a call): the same
        # answer as the first format below; an impossible date goes on to the other formats.
        try:
            return date(int(text[:4]), int(text[5:7]), int(text[8:])).isoformat()
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return text.casefold()


# --------------------------------------------------------------------------- clone text

_SECTION_START = re.compile(r"^\s*(?:a|assessment|assess|impression)\b[^:\n]{0,30}:", re.I)
_SECTION_END = re.compile(
    r"^\s*(?:p|plan|billing|bill|charges?|codes?|total|signed|electronically|e-signed|signature|"
    r"cpt|units|time|s|o|subjective|objective)\b[^:\n]{0,30}[:|]",
    re.I,
)
# Dates and times start at a word boundary before a digit. It is written as a digit followed by
# ``(?<!\w\d)`` (the character before that digit is no word character) rather than a leading
# ``\b``, which matches the same text but lets the regex engine skip ahead to the next digit
# instead of trying a match at every position.
_MASK_DATE = re.compile(r"\d(?<!\w\d)\d{0,3}[/-]\d{1,2}(?:[/-]\d{2,4})?\b")
_MASK_TIME = re.compile(r"\d(?<!\w\d)\d?:\d{2}(?:\s*[ap]\.?m\.?)?\b", re.I)
_MASK_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[a-z<>#]+")


def assessment_text(note_text: str) -> str:
    """The assessment section of a note (``A:`` / ``Assessment:`` up to the next section)."""
    out: list[str] = []
    inside = False
    for line in note_text.splitlines():
        if not inside:
            if _SECTION_START.match(line):
                inside = True
                out.append(line)
            continue
        if not line.strip() or _SECTION_END.match(line) or _SECTION_START.match(line):
            inside = bool(_SECTION_START.match(line))
            if inside:
                out.append(line)
            continue
        out.append(line)
    return "\n".join(out)


def mask(text: str) -> str:
    """Lower-case words with dates, clock times and numbers masked (``<d>``, ``<t>``, ``#``)."""
    text = _MASK_TIME.sub(" <t> ", text.lower())
    text = _MASK_DATE.sub(" <d> ", text)
    text = _MASK_NUMBER.sub("#", text)
    return " ".join(_WORD.findall(text))


def clone_text(note_text: str, facts: Any = None) -> str:
    """The text P003 compares: the interventions' text plus the assessment, masked.

    ``facts`` is the note's ``NoteFacts`` (its interventions' evidence spans); without
    interventions the whole note is used. Dates, times and numbers are masked (:func:`mask`).
    """
    parts: list[str] = []
    for item in getattr(facts, "interventions", None) or []:
        parts.append(item.evidence.text)
    if parts:
        parts.append(assessment_text(note_text))
    else:
        parts.append(note_text)
    return mask("\n".join(parts))


def _shingles(text: str, n: int = 3) -> set[int]:
    """The text's word n-grams, hashed (sets of ints intersect faster than sets of tuples)."""
    words = text.split()
    if len(words) < n:
        return {hash(tuple(words))}
    # zip(words, words[1:], ...) yields the same n-tuples as slicing, without a slice each
    # (it stops at the shortest, words[n - 1:]).
    return set(map(hash, zip(*(words[i:] for i in range(n)), strict=False)))


def similarity(a: str, b: str) -> float:
    """Word-trigram Jaccard similarity of two masked texts (1.0 = same words in same order)."""
    if a == b:
        return 1.0
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


# --------------------------------------------------------------------------- the rules


def _usable(rows: Iterable[Any]) -> list[Any]:
    return [r for r in rows if not getattr(r, "error", None)]


def _timed_billed(row: Any) -> dict[str, int]:
    from reviewer import codes

    out: dict[str, int] = {}
    for code, units in (getattr(row, "billed", None) or {}).items():
        if codes.is_known(code) and codes.is_timed(code):
            out[code] = out.get(code, 0) + int(units)
    return out


def _ids(rows: Iterable[Any]) -> list[str]:
    return [str(r.id) for r in rows]


def _fmt_ids(rows: Iterable[Any]) -> str:
    ids = _ids(rows)
    return ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _same_day(rows: list[Any]) -> list[PatternFinding]:
    from reviewer import units
    from reviewer.errors import UsageError

    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in rows:
        p, d = person_key(r.patient), date_key(r.date)
        if p and d:
            groups[(p, d)].append(r)
    out = []
    for (_, day), group in groups.items():
        if len(group) < 2:
            continue
        billed_by_row = [_timed_billed(r) for r in group]
        counts: dict[str, int] = defaultdict(int)
        for b in billed_by_row:
            for code in b:
                counts[code] += 1
        shared = sorted(c for c, n in counts.items() if n >= 2)
        if not shared:
            continue
        involved = [
            r for r, b in zip(group, billed_by_row, strict=True) if any(c in b for c in shared)
        ]
        methods = {r.method for r in group if getattr(r, "method", None)}
        method: Literal["cms", "ama"] = "ama" if methods == {"ama"} else "cms"
        pooled_min: dict[str, int] = defaultdict(int)
        pooled_billed: dict[str, int] = defaultdict(int)
        for r, b in zip(group, billed_by_row, strict=True):
            for code, u in b.items():
                pooled_billed[code] += u
            for code, m in (r.minutes or {}).items():
                pooled_min[code] += int(m)
        missing = [
            (c, r)
            for c in shared
            for r in involved
            if c in _timed_billed(r) and c not in (r.minutes or {})
        ]
        head = (
            f"{len(group)} notes for {group[0].patient} on {day} ({_fmt_ids(group)}) bill "
            f"{', '.join(shared)}; same-code minutes are pooled for the day"
        )
        data: dict[str, Any] = {
            "codes": shared,
            "method": method,
            "pooled_minutes": dict(pooled_min),
            "pooled_billed": dict(pooled_billed),
        }
        if missing:
            gaps = "; ".join(f"{c} has no minutes in {r.id}" for c, r in missing[:4])
            message = f"{head}, but {gaps}, so the day's units cannot be re-checked."
            data["status"] = "not_checkable"
        else:
            try:
                result = units.compute_units(dict(pooled_min), method=method)
                check = units.check_billed(result, dict(pooled_billed))
            except UsageError as exc:
                message = f"{head}, but the pooled minutes cannot be counted: {exc}"
                data["status"] = "not_checkable"
            else:
                parts = [
                    f"{c} {'+'.join(str((r.minutes or {}).get(c, 0)) for r in involved if c in (r.minutes or {}))}"
                    f" = {pooled_min[c]} min"
                    for c in shared
                ]
                pooled_desc = "; ".join(parts)
                verdict = {
                    "supported": "the notes' units together are supported",
                    "over": f"over-billed by {check.over_total or 'a unit on a code'} (T001 on the pooled day)",
                    "under": f"{_plural(check.under_total, 'unit')} fewer billed than supported (T002)",
                    "over_and_under": "the split across codes is not supported (T001)",
                }[check.status]
                message = f"{head}: {pooled_desc}. Pooled day: {check.message} Result: {verdict}."
                data.update(
                    status=check.status,
                    supported_total=check.supported_total,
                    billed_total=check.billed_total,
                    over_total=check.over_total,
                    under_total=check.under_total,
                    over_codes=check.over_codes,
                )
        out.append(_finding(P001, message, group, patient=group[0].patient, date=day, data=data))
    return out


def _provider_rate(rows: list[Any]) -> list[PatternFinding]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        key = person_key(r.provider)
        if key:
            groups[key].append(r)
    out = []
    for _, group in groups.items():
        counted = []
        for r in group:
            billed_units = sum(_timed_billed(r).values())
            minutes = getattr(r, "timed_minutes", None)
            if billed_units > 0 and minutes is not None:
                counted.append((r, int(minutes), billed_units))
        if len(counted) < P002_MIN_NOTES:
            continue
        total_min = sum(m for _, m, _ in counted)
        total_units = sum(u for _, _, u in counted)
        mean = total_min / total_units
        if mean >= P002_MINUTES_PER_UNIT:
            continue
        low = [r for r, m, u in counted if m / u < P002_MINUTES_PER_UNIT]
        message = (
            f"{group[0].provider}: {len(counted)} notes bill {total_units} timed units for "
            f"{total_min} timed minutes, {mean:.1f} min per unit on average (below "
            f"{P002_MINUTES_PER_UNIT:.0f}); {len(low)} of the notes are under 15 min per unit "
            f"({_fmt_ids(low)}). CMS asks that a consistent practice of under 15 minutes per "
            f"unit be highlighted for review."
        )
        out.append(
            _finding(
                P002,
                message,
                [r for r, _, _ in counted],
                provider=group[0].provider,
                data={
                    "notes": len(counted),
                    "timed_minutes": total_min,
                    "timed_units": total_units,
                    "minutes_per_unit": round(mean, 2),
                    "low_rows": _ids(low),
                },
            )
        )
    return out


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _clones(rows: list[Any]) -> list[PatternFinding]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        key = person_key(r.patient)
        text = getattr(r, "clone_text", None)
        if key and text and len(text.split()) >= P003_MIN_WORDS:
            groups[key].append(r)
    out = []
    for _, group in groups.items():
        if len(group) < 2:
            continue
        parent = list(range(len(group)))
        best: dict[int, float] = {}
        texts = [r.clone_text for r in group]
        sets = [_shingles(t) for t in texts]
        sizes = [len(s) for s in sets]
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                small, large = sorted((sizes[i], sizes[j]))
                if texts[i] == texts[j]:
                    score = 1.0
                elif not large or small / large < P003_SIMILARITY:
                    continue  # Jaccard can be no more than the ratio of the set sizes
                else:
                    # |A | B| = |A| + |B| - |A & B|: the same integers, without building the union
                    common = len(sets[i] & sets[j])
                    score = common / (sizes[i] + sizes[j] - common)
                if score >= P003_SIMILARITY:
                    parent[_root(parent, i)] = _root(parent, j)
                    best[i] = min(best.get(i, 1.0), score)
                    best[j] = min(best.get(j, 1.0), score)
        clusters: dict[int, list[int]] = defaultdict(list)
        for i in range(len(group)):
            if i in best:
                clusters[_root(parent, i)].append(i)
        for members in clusters.values():
            members.sort()
            cluster = [group[i] for i in members]
            lowest = min(best[i] for i in members)
            identical = len({r.clone_text for r in cluster}) == 1
            how = "the same" if identical else f"nearly the same (similarity at least {lowest:.2f})"
            dates = sorted({d for d in (date_key(r.date) for r in cluster) if d})
            when = f" on {', '.join(dates)}" if dates else ""
            message = (
                f"{len(cluster)} notes for {cluster[0].patient}{when} ({_fmt_ids(cluster)}) have "
                f"{how} intervention and assessment text once dates, times and numbers are "
                f"masked: document what was different about each visit (activities, "
                f"parameters, the patient's response)."
            )
            out.append(
                _finding(
                    P003,
                    message,
                    cluster,
                    patient=cluster[0].patient,
                    data={
                        "identical": identical,
                        "min_similarity": round(lowest, 3),
                        "dates": dates,
                    },
                )
            )
    return out


def find_patterns(rows: Iterable[Any]) -> list[PatternFinding]:
    """Run P001-P003 over reviewed rows (rows that failed review are skipped)."""
    usable = _usable(rows)
    return [*_same_day(usable), *_provider_rate(usable), *_clones(usable)]


def patterns_by_row(findings: Iterable[PatternFinding]) -> Mapping[str, list[str]]:
    """Row key -> the pattern rule ids that involve it (each id once, in P order)."""
    out: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        for row_id in f.keys:
            if f.rule not in out[row_id]:
                out[row_id].append(f.rule)
    for ids in out.values():
        ids.sort()
    return dict(out)
