"""Grounding: keep only what the note actually says.

The model returns :class:`~reviewer.extract.llm.schema.LLMNoteFacts`, where every fact has a
``quote``. Here each quote is looked up in the text the model was shown (tolerant of
whitespace and case, of Unicode dashes and quotes, and of an ellipsis standing for skipped
words), mapped back through redaction and intake normalisation to offsets in the ORIGINAL note,
and turned into a :class:`reviewer.facts.Span`. A fact is dropped (and listed in
``Extraction.dropped`` with the reason) when:

- its quote is not in the note;
- its number is not in its quote (minutes, units, clock times): a quoted line cannot carry an
  invented number;
- its code is not one ``reviewer.codes`` knows, or (for a billed line) not in its quote;
- a modifier, credential or ICD-10 code is not in its quote.

Placeholders from redaction (``[NAME-1]``) in returned values are restored locally.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from reviewer import facts as F
from reviewer.extract.base import Dropped
from reviewer.extract.llm import schema as S
from reviewer.intake import Note, normalise
from reviewer.redact import Redaction, identity

NOT_FOUND = "quote not found in the note"
INSTRUCTION = "quote is from text addressed to the reviewer (possible prompt injection), not a fact"
_MAX_GAP = 240  # characters an ellipsis in a quote may stand for


@dataclass
class Located:
    """A quote found in the text the model saw: ``[start, end)`` in that text."""

    start: int
    end: int
    text: str


class Locator:
    """Finds quotes in the text the model saw and maps them to the original note."""

    def __init__(self, note: Note, redaction: Redaction | None = None) -> None:
        self.note = note
        self.redaction = redaction or identity(note.text)
        self.hay = self.redaction.text
        #: Lines addressed to the reviewer/model ("ignore previous instructions ..."): a quote
        #: from them is never evidence of a fact.
        self.blocked = instruction_spans(self.hay)
        self.last_blocked = False

    def find(
        self, quote: str | None, *, within: tuple[int, int] | None = None, after: int = 0
    ) -> Located | None:
        """Locate ``quote``; prefer a match inside ``within``, then at or after ``after``."""
        pattern = _quote_pattern(quote)
        if pattern is None:
            return None
        matches = list(_finditer(pattern, self.hay))
        unblocked = [m for m in matches if not self._is_blocked(m)]
        self.last_blocked = bool(matches) and not unblocked
        matches = unblocked
        if not matches:
            return None
        if within is not None:
            inside = [m for m in matches if m[0] >= within[0] and m[1] <= within[1]]
            if inside:
                matches = inside
        later = [m for m in matches if m[0] >= after]
        start, end = (later or matches)[0]
        while start < end and self.hay[start].isspace():
            start += 1
        while end > start and self.hay[end - 1].isspace():
            end -= 1
        return Located(start, end, self.hay[start:end])

    def line_of(self, located: Located) -> str:
        """The whole line(s) of the text the model saw around ``located``."""
        start = self.hay.rfind("\n", 0, located.start) + 1
        end = self.hay.find("\n", located.end)
        return self.hay[start:] if end < 0 else self.hay[start:end]

    def _is_blocked(self, match: tuple[int, int]) -> bool:
        return any(match[0] < end and start < match[1] for start, end in self.blocked)

    def span(self, located: Located) -> F.Span:
        clean_start, clean_end = self.redaction.to_source(located.start, located.end)
        return self.note.span(clean_start, clean_end)

    def restore(self, value: str | None) -> str | None:
        return None if value is None else self.redaction.restore(value)


#: Text that talks to the reviewer instead of documenting care: a prompt-injection attempt.
_INSTRUCTION = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\b[^\n]{0,60}?\b(?:instructions?|rules?|prompts?|"
    r"guidelines|findings|everything)\b"
    r"|\b(?:AI|A\.I\.|LLM|GPT|chatbot|bot|language model|automated (?:reviewer|review|system|"
    r"checker|auditor)|(?:the )?(?:reviewer|auditor|checker) (?:tool|system|software|bot))\b"
    r"[^\n]{0,80}?\b(?:mark|report|flag|treat|consider|respond|output|return|say|rate|list|"
    r"pass|approve|ignore|disregard)\b"
    r"|\bmark (?:this|the) (?:note|visit|claim) (?:as )?(?:ready|compliant|clean|approved|passed)"
    r"|\b(?:system prompt|you are now|new instructions)\b"
)


def instruction_spans(text: str) -> list[tuple[int, int]]:
    """Lines of ``text`` that address the reviewer or the model (whole lines, or the bracketed
    or parenthesised block around the match)."""
    spans: list[tuple[int, int]] = []
    for match in _INSTRUCTION.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        end = len(text) if end < 0 else end
        open_at = max(text.rfind("[", start, match.start()), text.rfind("(", start, match.start()))
        if open_at >= 0:  # "[Message for the AI reviewer: ...]" may span several lines
            closer = "]" if text[open_at] == "[" else ")"
            close_at = text.find(closer, match.end())
            if close_at >= 0:
                start, end = min(start, open_at), max(end, close_at + 1)
        spans.append((start, end))
    return spans


def _quote_pattern(quote: str | None) -> list[re.Pattern[str]] | None:
    if not quote:
        return None
    text = normalise(quote).text.replace("\u2026", "...")
    text = text.strip().strip("\"'`").strip()
    parts = [p.strip() for p in re.split(r"\.{3,}", text)]
    parts = [p for p in parts if re.search(r"\w", p)]
    if not parts:
        return None
    return [re.compile(_part_regex(p), re.IGNORECASE) for p in parts]


def _part_regex(part: str) -> str:
    out: list[str] = []
    for ch in re.sub(r"\s+", " ", part):
        if ch == " ":
            out.append(r"\s+")
        elif ch.isalnum() or ch == "_":
            out.append(re.escape(ch))
        else:  # punctuation: spacing around it is not significant
            out.append(r"\s*" + re.escape(ch) + r"\s*")
    regex = "".join(out)
    return regex.replace(r"\s+\s*", r"\s*").replace(r"\s*\s+", r"\s*")


def _finditer(patterns: list[re.Pattern[str]], hay: str):
    first, rest = patterns[0], patterns[1:]
    for match in first.finditer(hay):
        start, end = match.span()
        ok = True
        for pattern in rest:
            nxt = pattern.search(hay, end, min(len(hay), end + _MAX_GAP + 400))
            if nxt is None or nxt.start() - end > _MAX_GAP:
                ok = False
                break
            end = nxt.end()
        if ok:
            yield start, end


# --- value checks -----------------------------------------------------------------------------


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def has_number(text: str, number: int) -> bool:
    """``number`` is written in ``text`` (not as part of a longer number or a clock time)."""
    return re.search(rf"(?<![\d.])(?<!\d:)0*{number}(?!\d)(?!:\d)", text) is not None


def parse_hhmm(value: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"\s*(\d{1,2}):?(\d{2})\s*", value or "")
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def has_time(text: str, value: str) -> bool:
    parsed = parse_hhmm(value)
    if parsed is None:
        return False
    hour, minute = parsed
    hours = {hour, hour % 12 or 12}
    patterns = []
    for h in hours:
        patterns.append(rf"(?<!\d)0?{h}\s*[:.h]\s*{minute:02d}(?!\d)")
        if minute == 0:
            patterns.append(rf"(?<!\d){h}\s*(?:a\.?m\.?|p\.?m\.?|o'?clock)")
    patterns.append(rf"(?<!\d){hour:02d}{minute:02d}(?!\d)")  # military 0900
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


def span_minutes(start: tuple[int, int], end: tuple[int, int]) -> int:
    minutes = (end[0] * 60 + end[1]) - (start[0] * 60 + start[1])
    if minutes < 0:  # 12:50-1:10 written on a 12-hour clock, or past midnight
        minutes += 720 if minutes > -720 else 1440
    return minutes


_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def iso_date(value: str | None, text: str | None = None) -> str | None:
    """``value`` if it is a real YYYY-MM-DD date (and, given ``text``, its day is in it)."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
    if text is not None:
        low = text.lower()
        month_ok = has_number(text, day.month) or _MONTHS[day.month - 1] in low
        if not (has_number(text, day.day) and month_ok):
            return None
    return day.isoformat()


#: A line that bills a code: units, a modifier, or a billing word (not a mention in prose).
_BILLING_WORDS = re.compile(
    r"(?i)(?<![a-z])x\s*\d|\d\s*(?:units?|u)\b|\bunits?\b|\bbill(?:ed|ing)?\b|"
    r"\bcharges?\b|\bCPT\b|\bcod(?:ed|es?)\b|\bclaim\b|\|"
)
_MODIFIER = re.compile(r"(?<![A-Za-z0-9])(?:GP|GO|GN|CQ|CO|KX|59|X[ESPU])(?![A-Za-z0-9])")


def is_billing_line(line: str) -> bool:
    return bool(_BILLING_WORDS.search(line) or _MODIFIER.search(line))


def has_token(text: str, token: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", text, re.I) is not None


# --- conversion -------------------------------------------------------------------------------


@dataclass
class Grounder:
    """Turns :class:`LLMNoteFacts` into :class:`NoteFacts`, dropping what is not in the note."""

    locator: Locator
    dropped: list[Dropped] = field(default_factory=list)

    def drop(self, where: str, value: Any, reason: str) -> None:
        if isinstance(value, str):
            value = self.locator.restore(value)
            if len(value) > 160:
                value = value[:157] + "..."
        self.dropped.append(Dropped(field=where, value=value, reason=reason))

    def locate(
        self, where: str, quote: str | None, *, within=None, after: int = 0, value: Any = None
    ) -> Located | None:
        found = self.locator.find(quote, within=within, after=after)
        if found is None:
            reason = INSTRUCTION if self.locator.last_blocked else NOT_FOUND
            self.drop(where, value if value is not None else quote, reason)
        return found

    # -- leaves --

    def text_fact(self, where: str, item: S.QText, within=None) -> F.TextFact | None:
        found = self.locate(where, item.quote, within=within)
        if found is None:
            return None
        return F.TextFact(
            text=self.locator.restore(item.text) or found.text, evidence=self.locator.span(found)
        )

    def minutes_fact(self, where: str, item: S.QMinutes | None) -> F.NumberFact | None:
        if item is None:
            return None
        found = self.locate(where, item.quote, value={"minutes": item.minutes, "quote": item.quote})
        if found is None:
            return None
        if not has_number(found.text, item.minutes):
            self.drop(
                where,
                {"minutes": item.minutes, "quote": item.quote},
                f"the number {item.minutes} is not in the quoted text",
            )
            return None
        return F.NumberFact(minutes=item.minutes, evidence=self.locator.span(found))

    def clock(
        self, where: str, item: S.QClock | None, within=None
    ) -> tuple[F.ClockSpan, Located] | None:
        if item is None:
            return None
        value = {"start": item.start, "end": item.end, "quote": item.quote}
        found = self.locate(where, item.quote, within=within, value=value)
        if found is None:
            return None
        start, end = parse_hhmm(item.start), parse_hhmm(item.end)
        if start is None or end is None:
            self.drop(where, value, "clock times are not HH:MM")
            return None
        if not (has_time(found.text, item.start) and has_time(found.text, item.end)):
            self.drop(where, value, "the clock times are not in the quoted text")
            return None
        span = F.ClockSpan(
            start=f"{start[0]:02d}:{start[1]:02d}",
            end=f"{end[0]:02d}:{end[1]:02d}",
            minutes=span_minutes(start, end),
            evidence=self.locator.span(found),
        )
        return span, found

    def person(self, where: str, item: S.QPerson | None, cls=F.Person) -> Any:
        if item is None:
            return None
        found = self.locate(where, item.quote, value=item.name or item.quote)
        if found is None:
            return None
        creds = [c for c in item.credentials if has_token(found.text, c)]
        for cred in item.credentials:
            if cred not in creds:
                self.drop(f"{where}.credentials", cred, "credential not in the quoted text")
        data: dict[str, Any] = dict(
            name=self.locator.restore(item.name),
            credentials=creds,
            role=item.role,
            evidence=self.locator.span(found),
        )
        if cls is F.Signature and isinstance(item, S.QSignature):
            data["electronic"] = item.electronic
            data["signed_date"] = iso_date(item.signed_date)
        return cls(**data)

    # -- interventions --

    def interventions(
        self, items: list[S.QIntervention]
    ) -> tuple[list[F.Intervention], dict[int, int]]:
        heads: list[tuple[int, S.QIntervention, Located]] = []
        cursor = 0
        for i, item in enumerate(items):
            found = self.locate(
                f"interventions[{i}]", item.quote, after=cursor, value=item.description
            )
            if found is None:
                continue
            heads.append((i, item, found))
            cursor = found.start
        starts = sorted(h[2].start for h in heads)
        out: list[F.Intervention] = []
        index_map: dict[int, int] = {}
        for i, item, head in heads:
            later = [s for s in starts if s > head.start]
            region = (head.start, later[0] if later else len(self.locator.hay))
            built = self.intervention(f"interventions[{i}]", item, head, region)
            index_map[i] = len(out)
            out.append(built)
        return out, index_map

    def intervention(
        self, where: str, item: S.QIntervention, head: Located, region: tuple[int, int]
    ) -> F.Intervention:
        loc = self.locator
        extent = [head.start, head.end]

        def grow(found: Located | None) -> Located | None:
            if found is not None:
                extent[0] = min(extent[0], found.start)
                extent[1] = max(extent[1], found.end)
            return found

        code: str | None = None
        code_source: Literal["stated", "mapped"] | None = None
        if item.code is not None:
            if item.code.strip().upper() in S.allowed_codes():
                code = item.code.strip().upper()
                region_text = loc.hay[region[0] : region[1]]
                code_source = "stated" if has_token(region_text, code) else "mapped"
            else:
                self.drop(f"{where}.code", item.code, "code not in the known code list")

        clock = self.clock(f"{where}.clock_span", item.clock_span, within=region)
        clock_span = None
        if clock is not None:
            clock_span = clock[0]
            grow(clock[1])

        minutes = stated = None
        minutes_evidence = None
        if item.minutes is not None:
            quote = item.minutes_quote or item.quote
            found = loc.find(quote, within=region, after=head.start)
            if found is not None and has_number(found.text, item.minutes):
                minutes, stated = item.minutes, item.minutes
                minutes_evidence = loc.span(grow(found) or found)
            elif clock_span is not None and clock_span.minutes == item.minutes:
                minutes, minutes_evidence = item.minutes, clock_span.evidence
            else:
                reason = (
                    NOT_FOUND
                    if found is None
                    else (f"the number {item.minutes} is not in the quoted text")
                )
                self.drop(f"{where}.minutes", {"minutes": item.minutes, "quote": quote}, reason)
        if minutes is None and clock_span is not None:
            minutes, minutes_evidence = clock_span.minutes, clock_span.evidence

        activities = []
        for j, act in enumerate(item.activities):
            found = grow(
                self.locate(f"{where}.activities[{j}]", act.quote, within=region, value=act.name)
            )
            if found is None:
                continue
            params = []
            near = (found.start, _line_end(loc.hay, found.end))  # the activity's own line first
            for k, par in enumerate(act.parameters):
                pf = loc.find(par.quote, within=near, after=found.start)
                if pf is None or not (region[0] <= pf.start < region[1]):
                    pf = self.locate(
                        f"{where}.activities[{j}].parameters[{k}]",
                        par.quote,
                        within=region,
                        value=par.value,
                    )
                pf = grow(pf)
                if pf is not None:
                    params.append(
                        F.Parameter(
                            kind=par.kind,
                            value=loc.restore(par.value) or pf.text,
                            evidence=loc.span(pf),
                        )
                    )
            activities.append(
                F.Activity(
                    name=loc.restore(act.name) or found.text,
                    category=act.category,
                    parameters=params,
                    evidence=loc.span(found),
                )
            )

        guidance = []
        for j, gd in enumerate(item.guidance):
            found = grow(
                self.locate(f"{where}.guidance[{j}]", gd.quote, within=region, value=gd.kind)
            )
            if found is not None:
                guidance.append(F.Guidance(kind=gd.kind, level=gd.level, evidence=loc.span(found)))

        nonbillable = []
        for j, nb in enumerate(item.nonbillable):
            found = grow(
                self.locate(f"{where}.nonbillable[{j}]", nb.quote, within=region, value=nb.kind)
            )
            if found is None:
                continue
            nb_minutes = nb.minutes
            if nb_minutes is not None and not has_number(found.text, nb_minutes):
                self.drop(
                    f"{where}.nonbillable[{j}].minutes",
                    nb_minutes,
                    f"the number {nb_minutes} is not in the quoted text",
                )
                nb_minutes = None
            nonbillable.append(
                F.NonBillable(
                    kind=nb.kind, minutes=nb_minutes, counted=nb.counted, evidence=loc.span(found)
                )
            )

        independent, independent_evidence = False, None
        if item.independent:
            found = grow(
                self.locate(
                    f"{where}.independent",
                    item.independent_quote,
                    within=region,
                    value=item.independent_quote or "independent",
                )
            )
            if found is not None:
                independent, independent_evidence = True, loc.span(found)
        group = concurrent = False
        group_evidence = None
        if item.group or item.concurrent:
            found = grow(
                self.locate(
                    f"{where}.group",
                    item.group_quote,
                    within=region,
                    value=item.group_quote or "group",
                )
            )
            if found is not None:
                group, concurrent, group_evidence = item.group, item.concurrent, loc.span(found)

        evidence = loc.span(Located(extent[0], extent[1], loc.hay[extent[0] : extent[1]]))
        return F.Intervention(
            description=loc.restore(item.description) or head.text,
            code=code,
            code_source=code_source,
            minutes=minutes,
            stated_minutes=stated,
            minutes_evidence=minutes_evidence,
            clock_span=clock_span,
            activities=activities,
            guidance=guidance,
            independent=independent,
            independent_evidence=independent_evidence,
            group=group,
            concurrent=concurrent,
            group_evidence=group_evidence,
            by_assistant=item.by_assistant,
            nonbillable=nonbillable,
            evidence=evidence,
        )

    # -- billing --

    def billed(self, items: list[S.QBilledLine]) -> list[F.BilledLine]:
        out: list[F.BilledLine] = []
        cursor = 0
        allowed = set(S.allowed_codes())
        for i, item in enumerate(items):
            where = f"billed[{i}]"
            code = item.code.strip().upper()
            if code not in allowed:
                self.drop(where, item.code, "code not in the known code list")
                continue
            found = self.locate(where, item.quote, after=cursor, value=item.quote or code)
            if found is None:
                continue
            if not has_token(found.text, code):
                self.drop(
                    where, {"code": code, "quote": item.quote}, "the code is not in the quoted text"
                )
                continue
            if not is_billing_line(self.locator.line_of(found)):
                self.drop(
                    where,
                    {"code": code, "quote": item.quote},
                    "not a billing statement (a code mentioned in prose is not billed)",
                )
                continue
            cursor = found.start
            units = item.units
            if units is not None and not has_number(found.text.replace(code, " "), units):
                self.drop(f"{where}.units", units, f"the number {units} is not in the quoted text")
                units = None
            modifiers = []
            for mod in item.modifiers:
                mod = mod.strip().upper()
                if has_token(found.text, mod):
                    if mod not in modifiers:
                        modifiers.append(mod)
                else:
                    self.drop(f"{where}.modifiers", mod, "modifier not in the quoted text")
            minutes = item.minutes
            if minutes is not None and not has_number(found.text.replace(code, " "), minutes):
                self.drop(
                    f"{where}.minutes", minutes, f"the number {minutes} is not in the quoted text"
                )
                minutes = None
            out.append(
                F.BilledLine(
                    code=code,
                    units=units,
                    modifiers=modifiers,
                    minutes=minutes,
                    evidence=self.locator.span(found),
                )
            )
        return out

    # -- whole note --

    def facts(self, data: S.LLMNoteFacts) -> F.NoteFacts:
        loc = self.locator
        out: dict[str, Any] = {}

        if data.date_of_service is not None:
            found = self.locate(
                "date_of_service", data.date_of_service.quote, value=data.date_of_service.value
            )
            if found is not None:
                value = iso_date(data.date_of_service.value, found.text)
                if data.date_of_service.value and value is None:
                    self.drop(
                        "date_of_service.value",
                        data.date_of_service.value,
                        "not a date in the quoted text",
                    )
                out["date_of_service"] = F.DateFact(value=value, evidence=loc.span(found))

        if data.discipline is not None:
            value = data.discipline.value.strip().upper()
            found = self.locate("discipline", data.discipline.quote, value=value)
            if found is not None:
                if value in ("PT", "OT", "SLP"):
                    out["discipline"] = F.ValueFact(value=value, evidence=loc.span(found))
                else:
                    self.drop("discipline", value, "not PT, OT or SLP")

        if data.payer is not None:
            found = self.locate("payer", data.payer.quote, value=data.payer.name)
            if found is not None:
                out["payer"] = F.Payer(
                    name=loc.restore(data.payer.name) or found.text,
                    method=data.payer.method,
                    evidence=loc.span(found),
                )

        out["provider"] = self.person("provider", data.provider)
        out["signature"] = self.person("signature", data.signature, F.Signature)
        out["supervising_therapist"] = self.person(
            "supervising_therapist", data.supervising_therapist
        )

        if data.assistant is not None:
            a = data.assistant
            found = self.locate("assistant", a.quote, value=a.role)
            if found is not None:
                allowed = set(S.allowed_codes())
                codes = [c.strip().upper() for c in a.codes if c.strip().upper() in allowed]
                for c in a.codes:
                    if c.strip().upper() not in allowed:
                        self.drop("assistant.codes", c, "code not in the known code list")
                out["assistant"] = F.AssistantInvolvement(
                    role=a.role,
                    scope=a.scope,
                    codes=codes,
                    minutes=a.minutes,
                    evidence=loc.span(found),
                )

        out["visit_spans"] = [
            span_pair[0]
            for i, item in enumerate(data.visit_spans)
            if (span_pair := self.clock(f"visit_spans[{i}]", item)) is not None
        ]
        out["total_timed_minutes"] = self.minutes_fact(
            "total_timed_minutes", data.total_timed_minutes
        )
        out["total_treatment_minutes"] = self.minutes_fact(
            "total_treatment_minutes", data.total_treatment_minutes
        )

        interventions, index_map = self.interventions(data.interventions)
        out["interventions"] = interventions
        out["billed"] = self.billed(data.billed)

        for name in (
            "responses",
            "goal_refs",
            "impairments",
            "safety_measures",
            "group_statements",
        ):
            items = getattr(data, name)
            out[name] = [
                f
                for i, it in enumerate(items)
                if (f := self.text_fact(f"{name}[{i}]", it)) is not None
            ]

        diagnoses = []
        for i, dx in enumerate(data.diagnoses):
            found = self.locate(f"diagnoses[{i}]", dx.quote, value=dx.text)
            if found is None:
                continue
            code = dx.code.strip().upper() if dx.code else None
            if code and not has_token(found.text, code):
                self.drop(f"diagnoses[{i}].code", code, "the code is not in the quoted text")
                code = None
            diagnoses.append(
                F.Diagnosis(
                    code=code, text=loc.restore(dx.text) or found.text, evidence=loc.span(found)
                )
            )
        out["diagnoses"] = diagnoses

        vague = []
        for i, vp in enumerate(data.vague_phrases):
            found = self.locate(f"vague_phrases[{i}]", vp.quote, value=vp.phrase)
            if found is None:
                continue
            vague.append(
                F.VaguePhrase(
                    phrase=vp.phrase,
                    category=vp.category,
                    intervention=index_map.get(vp.intervention)
                    if vp.intervention is not None
                    else None,
                    evidence=loc.span(found),
                )
            )
        out["vague_phrases"] = vague
        return F.NoteFacts(**out)


def ground(
    data: S.LLMNoteFacts, note: Note, redaction: Redaction | None = None
) -> tuple[F.NoteFacts, list[Dropped]]:
    """Ground the model's answer in ``note``: facts with original offsets, and what was dropped."""
    grounder = Grounder(Locator(note, redaction))
    return grounder.facts(data), grounder.dropped


__all__ = ["ground", "Locator", "Grounder", "has_number", "has_time", "iso_date"]
