"""Clinical content of a note: what was done, how, and what it showed.

:func:`annotate` fills the content fields of :class:`reviewer.facts.NoteFacts` in place, after
the structural extractor has found the header, the times, the interventions and the billing:

- per intervention (searched only inside that intervention's own block of text): the named
  activities with their parameters, the kinds of clinician input (cues, facilitation,
  assistance, guarding, perturbation, stand-by supervision), whether part of it was done
  independently, and whether it was a group or concurrent session;
- for the whole note: patient responses, goal and plan-of-care links, impairments,
  diagnoses, safety measures, group statements and generic ("vague") phrases.

Every phrase list is data in ``reviewer/data/vocab/content/*.json`` (see
``docs/sections/content.md``); the patterns are compiled once, at import. Everything here is
deterministic and reads only ``Note.text`` (normalised); evidence is mapped back to the
note as given with ``Note.span``.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from reviewer.facts import (
    Activity,
    Diagnosis,
    Guidance,
    Intervention,
    NoteFacts,
    Parameter,
    Span,
    TextFact,
    VaguePhrase,
)
from reviewer.intake import Note

VOCAB_DIR = Path(__file__).resolve().parents[2] / "data" / "vocab" / "content"

_FLAGS = re.IGNORECASE | re.ASCII  # ASCII: compiles several times faster


def _load(name: str) -> dict[str, Any]:
    return json.loads((VOCAB_DIR / name).read_text(encoding="utf-8"))


def _one_line(pattern: str) -> str:
    """Vocabulary whitespace never crosses a line: ``\\s`` becomes space or tab (inside a
    character class too)."""
    out = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            if pair == "\\s":
                out.append(" \\t" if in_class else "[ \\t]")
            else:
                out.append(pair)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def _word(pattern: str) -> re.Pattern[str]:
    """Compile a vocabulary pattern with word boundaries (letters/digits) at both ends."""
    pattern = _one_line(pattern)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{pattern})(?![A-Za-z0-9])", _FLAGS)


def _words(patterns: list[str]) -> list[re.Pattern[str]]:
    return [_word(p) for p in patterns]


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class _Entry:
    """One vocabulary entry: what it means and the compiled patterns that find it."""

    key: str  # canonical name / kind
    category: str
    regexes: tuple[re.Pattern[str], ...]
    level: str | None = None
    target: str | None = None
    excludes: tuple[re.Pattern[str], ...] = ()


def _entries_activities() -> list[_Entry]:
    return [
        _Entry(a["name"], a["category"], tuple(_words(a["patterns"])))
        for a in _load("activities.json")["activities"]
    ]


def _entries_parameters() -> list[_Entry]:
    return [
        _Entry(p["kind"], p["kind"], tuple(_words(p["patterns"])))
        for p in _load("parameters.json")["parameters"]
    ]


def _entries_guidance() -> list[_Entry]:
    return [
        _Entry(
            g["kind"],
            g["kind"],
            tuple(_words(g["patterns"])),
            level=g.get("level"),
            excludes=tuple(_words(g.get("exclude", []))),
        )
        for g in _load("guidance.json")["guidance"]
    ]


def _entries_vague() -> list[_Entry]:
    return [
        _Entry(v["phrase"], v["category"], tuple(_words(v["patterns"])), target=v.get("target"))
        for v in _load("vague.json")["phrases"]
    ]


ACTIVITIES = _entries_activities()
PARAMETERS = _entries_parameters()
GUIDANCE = _entries_guidance()
VAGUE = _entries_vague()

_CATEGORIES = _load("categories.json")
#: Activity categories that are not neuromuscular re-education (S001).
NOT_NMR: frozenset[str] = frozenset(_CATEGORIES["not_nmr"])
#: Activity categories that need a safety measure in the note (D008).
BALANCE_OR_GAIT: frozenset[str] = frozenset(_CATEGORIES["balance_or_gait"])
#: Activity categories D002 does not ask parameters of.
NO_PARAMETERS_NEEDED: frozenset[str] = frozenset(_CATEGORIES["no_parameters_needed"])
#: Guidance kinds that are skilled therapist input (S002).
SKILLED_GUIDANCE: frozenset[str] = frozenset(_CATEGORIES["skilled_guidance"])
#: Vague-phrase categories that replace a description of what was done (D001).
DESCRIPTION_STAND_INS: frozenset[str] = frozenset({"generic_activity", "flowsheet", "copy_forward"})
#: Vague-phrase categories that summarise (tolerance, plan, progress) rather than describe.
SUMMARY_PHRASES: frozenset[str] = frozenset({"tolerance", "plan", "progress"})

_VAGUE_TARGETS = {e.key.lower(): e.target for e in VAGUE}


def vague_target(phrase: str) -> str | None:
    """What a lexicon phrase shows was worked on ('balance', 'gait', ...), if anything."""
    return _VAGUE_TARGETS.get(phrase.lower())


_INDEP = _load("independence.json")
INDEPENDENT = _words(_INDEP["patterns"])
INDEPENDENT_WEAK = _words(_INDEP["weak"])
INDEPENDENT_CONTEXT = _words(_INDEP["context"])
INDEPENDENT_EXCLUDE = [re.compile(p, _FLAGS) for p in _INDEP["exclude"]]

_GROUP = _load("group.json")
GROUP = _words(_GROUP["group"])
GROUP_NAMED = _words(_GROUP["group_named"])
CONCURRENT = _words(_GROUP["concurrent"])
ONE_ON_ONE = _words(_GROUP["one_on_one"])
GROUP_EXCLUDE = _words(_GROUP["exclude"])

_STATEMENTS = _load("statements.json")
RESPONSES = _words(_STATEMENTS["responses"]["patterns"])
RESPONSE_SKIP = [re.compile(p, _FLAGS) for p in _STATEMENTS["responses"]["exclude"]]
RESPONSE_VAGUE_ONLY = [re.compile(p, _FLAGS) for p in _STATEMENTS["responses"]["vague_only"]]
GOALS = _words(_STATEMENTS["goals"]["patterns"])
GOAL_VAGUE_PLAN = _words(_STATEMENTS["goals"]["vague_plan"])
IMPAIRMENTS = _words(_STATEMENTS["impairments"]["patterns"])
SAFETY = _words(_STATEMENTS["safety"]["patterns"])

# Diagnoses: a "Dx"/"Diagnosis" label, then ICD-10 codes with their text, to the line's end.
_DX_LABEL = re.compile(
    r"(?:^|(?<=\|)|(?<=\s\s)|(?<=\s/\s))\s*(?:Dx|Diagnos[ie]s|ICD[- ]?10(?: codes?)?)"
    r"(?:\s*\([^)\n]*\))?\s*[:\-]?[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_ICD10 = re.compile(r"(?<![A-Za-z0-9.])([A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?![A-Za-z0-9])")
_FIELD_END = re.compile(r"\s\|\s|\s{3,}(?=[A-Z][A-Za-z ]{1,20}:)|\n")

# Sentence/clause splitting.
_SENTENCE_BREAK = re.compile(r"\n|(?<=[.!?])\s+(?=[A-Z(\"'])|\s\|\s|(?<=\S)\s{3,}(?=\S)")
_CLAUSE_BREAK = re.compile(r"[;\n|•*]|(?<=[.!?])\s+(?=[A-Za-z(])|\s[-–]\s")
_LABEL = re.compile(r"^\s*(?:[-•*]\s*)?[A-Za-z][A-Za-z /#&.-]{0,30}:\s*")


# --------------------------------------------------------------------------- helpers


def _to_clean(note: Note, span: Span) -> tuple[int, int]:
    """Map a span in original offsets back to a ``[start, end)`` range of ``note.text``."""
    start = bisect.bisect_left(note.index_map, span.start, 0, len(note.text))
    end = bisect.bisect_left(note.index_map, span.end, 0, len(note.text))
    return start, max(start, end)


def _finditer(
    regexes: list[re.Pattern[str]] | tuple[re.Pattern[str], ...], text: str, offset: int = 0
) -> list[tuple[int, int]]:
    out = []
    for rx in regexes:
        for m in rx.finditer(text):
            if m.end() > m.start():
                out.append((m.start() + offset, m.end() + offset))
    return out


def _leftmost_longest(matches: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """Keep non-overlapping matches, preferring the earliest start, then the longest."""
    kept: list[tuple[int, int, Any]] = []
    last_end = -1
    for start, end, item in sorted(matches, key=lambda m: (m[0], -(m[1] - m[0]))):
        if start >= last_end:
            kept.append((start, end, item))
            last_end = end
    return kept


def _overlaps(a: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _segments(
    text: str, breaker: re.Pattern[str], start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` at ``breaker``; return trimmed non-empty ranges."""
    end = len(text) if end is None else end
    out = []
    pos = start
    for m in breaker.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    trimmed = []
    for s, e in out:
        while s < e and text[s] in " \t-–•*>:,":
            s += 1
        while e > s and text[e - 1] in " \t,;":
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def _containing(ranges: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    for s, e in ranges:
        if s <= pos < e:
            return s, e
    return None


# --------------------------------------------------------------------------- per intervention


@dataclass
class _Block:
    index: int
    item: Intervention
    start: int
    end: int
    #: The block's text with the intervention's own minutes and clock span blanked out.
    work: str


def _blocks(note: Note, facts: NoteFacts) -> list[_Block]:
    blocks = []
    text = note.text
    for i, item in enumerate(facts.interventions):
        start, end = _to_clean(note, item.evidence)
        chars = list(text[start:end])
        for ev in (item.minutes_evidence, item.clock_span.evidence if item.clock_span else None):
            if ev is None:
                continue
            s, e = _to_clean(note, ev)
            for k in range(max(s, start), min(e, end)):
                chars[k - start] = " "
        blocks.append(_Block(i, item, start, end, "".join(chars)))
    return blocks


def _label_minutes(block: _Block, text: str) -> list[tuple[int, int]]:
    """The duration written on the block's first line when it equals the intervention's minutes
    (e.g. '(20 min)' after the label), which is billed time, not a parameter."""
    minutes = (
        block.item.stated_minutes if block.item.stated_minutes is not None else block.item.minutes
    )
    if minutes is None:
        return []
    first_line_end = text.find("\n", block.start, block.end)
    first_line_end = block.end if first_line_end < 0 else first_line_end
    rx = re.compile(rf"(?:x\s*)?(?<!\d){minutes}\s*(?:min(?:ute)?s?|')", re.IGNORECASE)
    return [
        (m.start() + block.start, m.end() + block.start)
        for m in rx.finditer(block.work, 0, first_line_end - block.start)
    ][:1]


def _find_activities(block: _Block) -> list[tuple[int, int, _Entry]]:
    found: list[tuple[int, int, Any]] = []
    for entry in ACTIVITIES:
        for s, e in _finditer(entry.regexes, block.work, block.start):
            found.append((s, e, entry))
    return _leftmost_longest(found)


def _find_parameters(block: _Block, skip: list[tuple[int, int]]) -> list[tuple[int, int, _Entry]]:
    found: list[tuple[int, int, Any]] = []
    for entry in PARAMETERS:
        for s, e in _finditer(entry.regexes, block.work, block.start):
            if not _overlaps((s, e), skip):
                found.append((s, e, entry))
    # Same start: the longer wins; an equally long tie keeps the earlier vocabulary entry.
    order = {id(e): i for i, e in enumerate(PARAMETERS)}
    found.sort(key=lambda m: (m[0], -(m[1] - m[0]), order[id(m[2])]))
    kept: list[tuple[int, int, _Entry]] = []
    last_end = -1
    for s, e, entry in found:
        if s >= last_end:
            kept.append((s, e, entry))
            last_end = e
    return kept


#: Parameter kinds that dose a task; a clause with one of these but no known activity names a
#: task the vocabulary does not know ("ball kicks 3 x 10"), kept with category "other".
_DOSE = frozenset({"sets_reps", "sets", "reps", "distance", "duration", "load"})
_OTHER = _Entry("task", "other", ())


def _unnamed_tasks(
    text: str,
    block: _Block,
    acts: list[tuple[int, int, _Entry]],
    params: list[tuple[int, int, _Entry]],
    clauses: list[tuple[int, int]],
) -> list[tuple[int, int, _Entry]]:
    out: list[tuple[int, int, _Entry]] = []
    for cs, ce in clauses:
        if any(cs <= s < ce for s, _, _ in acts):
            continue
        doses = [ps for ps, _, entry in params if cs <= ps < ce and entry.key in _DOSE]
        if not doses:
            continue
        start = cs
        colon = text.rfind(":", cs, doses[0])
        if colon >= 0:
            start = colon + 1
        end = doses[0]
        while start < end and not text[start].isalnum():
            start += 1
        while end > start and not text[end - 1].isalnum():
            end -= 1
        name = block.work[start - block.start : end - block.start].strip()
        if len(name) >= 3 and any(ch.isalpha() for ch in name):
            out.append((start, end, _OTHER))
    return out


def _annotate_activities(note: Note, block: _Block) -> None:
    text = note.text
    acts = _find_activities(block)
    params = _find_parameters(block, _label_minutes(block, text))
    clauses = _segments(text, _CLAUSE_BREAK, block.start, block.end)
    acts = acts + _unnamed_tasks(text, block, acts, params, clauses)
    acts.sort(key=lambda a: a[0])
    if not acts:
        return
    activities = [
        Activity(name=text[s:e].strip(), category=entry.category, evidence=note.span(s, e))
        for s, e, entry in acts
    ]
    starts = [s for s, _, _ in acts]
    for ps, pe, entry in params:
        clause = _containing(clauses, ps)
        in_clause = [k for k, s in enumerate(starts) if clause and clause[0] <= s < clause[1]]
        if in_clause:
            before = [k for k in in_clause if starts[k] <= ps]
            target = before[-1] if before else in_clause[0]
        else:
            before = [k for k, s in enumerate(starts) if s <= ps]
            target = before[-1] if before else 0
        activities[target].parameters.append(
            Parameter(kind=entry.key, value=text[ps:pe].strip(), evidence=note.span(ps, pe))
        )
    block.item.activities = activities


def _annotate_guidance(note: Note, block: _Block) -> None:
    text = note.text
    seen: set[tuple[str, int, int]] = set()
    out: list[tuple[int, Guidance]] = []
    for entry in GUIDANCE:
        excluded = _finditer(entry.excludes, block.work, block.start)
        for s, e in _finditer(entry.regexes, block.work, block.start):
            if _overlaps((s, e), excluded) or (entry.key, s, e) in seen:
                continue
            # a longer match of the same kind already covers this one
            if any(k == entry.key and s0 <= s and e <= e0 for k, s0, e0 in seen):
                continue
            seen.add((entry.key, s, e))
            level = None
            if entry.level == "{0}":
                level = _assist_level(text[s:e])
            elif entry.level:
                level = entry.level
            out.append((s, Guidance(kind=entry.key, level=level, evidence=note.span(s, e))))
    out.sort(key=lambda g: g[0])
    block.item.guidance = [g for _, g in out]


_LEVEL = re.compile(r"(min|mod|max|total|dependent|hand[- ]held|\d+%)", re.IGNORECASE)


def _assist_level(matched: str) -> str:
    m = _LEVEL.search(matched)
    if not m:
        return matched.strip()
    word = m.group(1).lower()
    if word.startswith(("min", "mod", "max")):
        return f"{word[:3]} A"
    return matched.strip()


def _annotate_independent(note: Note, block: _Block) -> None:
    text = note.text
    clauses = _segments(
        text, re.compile(r"[;\n|:()]|(?<=[.!?])\s+(?=[A-Za-z])"), block.start, block.end
    )
    strong = [(s, e, True) for s, e in _finditer(INDEPENDENT, block.work, block.start)]
    weak = [(s, e, False) for s, e in _finditer(INDEPENDENT_WEAK, block.work, block.start)]
    for s, _e, is_strong in sorted(strong + weak):
        clause = _containing(clauses, s) or (s, _e)
        clause_text = block.work[clause[0] - block.start : clause[1] - block.start]
        if any(rx.search(clause_text) for rx in INDEPENDENT_EXCLUDE):
            continue
        if not is_strong and not any(rx.search(clause_text) for rx in INDEPENDENT_CONTEXT):
            continue
        block.item.independent = True
        block.item.independent_evidence = note.span(*clause)
        return


def _group_matches(
    text: str, start: int = 0, end: int | None = None, *, named: bool = True
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Group and concurrent statements in ``text[start:end]``; ``named=False`` leaves out
    matches that only name a group or class without saying who was there."""
    end = len(text) if end is None else end
    chunk = text[start:end]
    excluded = _finditer(GROUP_EXCLUDE, chunk, start)
    regexes = GROUP + GROUP_NAMED if named else GROUP
    group = [m for m in _finditer(regexes, chunk, start) if not _overlaps(m, excluded)]
    concurrent = [m for m in _finditer(CONCURRENT, chunk, start) if not _overlaps(m, excluded)]
    return sorted(group), sorted(concurrent)


def _annotate_group(note: Note, block: _Block) -> None:
    text = note.text
    if _finditer(ONE_ON_ONE, block.work):
        return
    group, concurrent = _group_matches(block.work)
    if not group and not concurrent:
        return
    block.item.group = bool(group)
    block.item.concurrent = bool(concurrent)
    first = min(group + concurrent)
    clauses = _segments(text, _SENTENCE_BREAK, block.start, block.end)
    clause = _containing(clauses, first[0] + block.start)
    s, e = clause if clause else (first[0] + block.start, first[1] + block.start)
    block.item.group_evidence = note.span(s, e)


# --------------------------------------------------------------------------- note level


def _sentences(text: str) -> list[tuple[int, int]]:
    return _segments(text, _SENTENCE_BREAK)


def _line_of(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : len(text) if end < 0 else end]


_SUBJECTIVE = re.compile(
    r"^[ \t]*(?:S|Subj(?:ective)?)[ \t]*[:\-]|^[ \t]*SUBJECTIVE\b", re.M | re.I
)
_SECTION_START = re.compile(
    r"^[ \t]*(?:[A-Z][A-Za-z /&#]{0,30}[ \t]*[:\-|]|[A-Z][A-Z /&]{3,}$|\d)", re.M
)


def _subjective(text: str) -> list[tuple[int, int]]:
    """Ranges of the subjective section: the patient's report on arrival, not a response to
    today's treatment. It runs from an 'S:'/'Subjective' label to the next label, heading or
    blank line."""
    out = []
    for m in _SUBJECTIVE.finditer(text):
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        while end < len(text):
            nxt = text.find("\n", end + 1)
            nxt = len(text) if nxt < 0 else nxt
            line = text[end + 1 : nxt]
            if not line.strip() or _SECTION_START.match(line):
                break
            end = nxt
        out.append((m.start(), end))
    return out


def _responses(
    note: Note, sentences: list[tuple[int, int]], vague: list[tuple[int, int]]
) -> list[TextFact]:
    text = note.text
    out = []
    subjective = _subjective(text)
    for s, e in sentences:
        if _overlaps((s, e), subjective):
            continue
        sentence = text[s:e]
        line = _line_of(text, s)
        if any(rx.search(line) for rx in RESPONSE_SKIP) or any(
            rx.search(sentence) for rx in RESPONSE_SKIP
        ):
            continue
        if any(rx.search(sentence.strip()) for rx in RESPONSE_VAGUE_ONLY):
            continue
        if any(not _overlaps(m, vague) for m in _finditer(RESPONSES, sentence, s)):
            label = _LABEL.match(sentence)
            s0 = s + (label.end() if label and label.end() < len(sentence) else 0)
            out.append(TextFact(text=text[s0:e].strip(), evidence=note.span(s0, e)))
    return out


def _goal_refs(note: Note, sentences: list[tuple[int, int]]) -> list[TextFact]:
    text = note.text
    out = []
    for s, e in sentences:
        sentence = text[s:e]
        vague = _finditer(GOAL_VAGUE_PLAN, sentence)
        hits = [m for m in _finditer(GOALS, sentence) if not _overlaps(m, vague)]
        if hits:
            out.append(TextFact(text=sentence.strip(), evidence=note.span(s, e)))
    return out


def _phrases(note: Note, regexes: list[re.Pattern[str]]) -> list[TextFact]:
    text = note.text
    kept = _leftmost_longest([(s, e, None) for s, e in _finditer(regexes, text)])
    return [TextFact(text=text[s:e], evidence=note.span(s, e)) for s, e, _ in kept]


def _diagnoses(note: Note) -> list[Diagnosis]:
    text = note.text
    out: list[Diagnosis] = []
    for label in _DX_LABEL.finditer(text):
        start = label.end()
        stop = _FIELD_END.search(text, start)
        end = stop.start() if stop else len(text)
        if end <= start:
            continue
        codes = list(_ICD10.finditer(text, start, end))
        if not codes:
            chunk = text[start:end].strip(" ;,.")
            if chunk:
                s = text.index(chunk, start)
                out.append(Diagnosis(code=None, text=chunk, evidence=note.span(s, s + len(chunk))))
            continue
        for k, m in enumerate(codes):
            nxt = codes[k + 1].start() if k + 1 < len(codes) else end
            s, e = m.start(), nxt
            while e > s and text[e - 1] in " ;,.\t":
                e -= 1
            desc = text[m.end() : e].strip(" ;,.-")
            out.append(
                Diagnosis(code=m.group(1), text=desc or m.group(1), evidence=note.span(s, e))
            )
    return out


def _group_statements(note: Note, sentences: list[tuple[int, int]]) -> list[TextFact]:
    text = note.text
    out = []
    clauses = _segments(text, re.compile(r"\n|;|(?<=[.!?])\s+(?=[A-Z(])"))
    group, concurrent = _group_matches(text)
    seen: set[tuple[int, int]] = set()
    for s, _e in sorted(group + concurrent):
        clause = _containing(clauses, s)
        if clause is None or clause in seen:
            continue
        seen.add(clause)
        out.append(TextFact(text=text[clause[0] : clause[1]], evidence=note.span(*clause)))
    return out


def _vague(note: Note, blocks: list[_Block]) -> list[VaguePhrase]:
    text = note.text
    found: list[tuple[int, int, Any]] = []
    for entry in VAGUE:
        for s, e in _finditer(entry.regexes, text):
            found.append((s, e, entry))
    out = []
    for s, e, entry in _leftmost_longest(found):
        owner = next((b.index for b in blocks if b.start <= s < b.end), None)
        out.append(
            VaguePhrase(
                phrase=entry.key,
                category=entry.category,
                intervention=owner,
                evidence=note.span(s, e),
            )
        )
    return out


# --------------------------------------------------------------------------- entry point


def annotate(note: Note, facts: NoteFacts) -> None:
    """Fill the content fields of ``facts`` from ``note`` (in place).

    Per intervention: ``activities`` (with ``parameters``), ``guidance``, ``independent``
    (+ evidence), ``group``/``concurrent`` (+ evidence). Note level: ``responses``,
    ``goal_refs``, ``impairments``, ``diagnoses``, ``safety_measures``, ``group_statements``,
    ``vague_phrases``. Fields already filled by another extractor are replaced.
    """
    text = note.text
    blocks = _blocks(note, facts)
    for block in blocks:
        block.item.activities = []
        block.item.guidance = []
        _annotate_activities(note, block)
        _annotate_guidance(note, block)
        _annotate_independent(note, block)
        _annotate_group(note, block)

    sentences = _sentences(text)
    facts.vague_phrases = _vague(note, blocks)
    vague_spans = [_to_clean(note, v.evidence) for v in facts.vague_phrases]
    facts.responses = _responses(note, sentences, vague_spans)
    facts.goal_refs = _goal_refs(note, sentences)
    facts.impairments = _phrases(note, IMPAIRMENTS)
    facts.diagnoses = _diagnoses(note)
    facts.safety_measures = _phrases(note, SAFETY)
    facts.group_statements = _group_statements(note, sentences)

    # A group statement outside every intervention block (e.g. a session line above the list of
    # the patient's stations) applies to the interventions that do not say they were one-on-one.
    if (
        facts.group_statements
        and blocks
        and not any(b.item.group or b.item.concurrent for b in blocks)
    ):
        outside = []
        for g in facts.group_statements:
            s, e = _to_clean(note, g.evidence)
            if any(b.start <= s < b.end for b in blocks):
                continue
            if any(_group_matches(text, s, e, named=False)):
                outside.append(g)
        if outside:
            for block in blocks:
                if _finditer(ONE_ON_ONE, block.work):
                    continue
                if block.item.code and block.item.code.startswith("9716"):
                    continue
                block.item.group = True
                block.item.group_evidence = outside[0].evidence


@lru_cache(maxsize=1)
def vocabulary_summary() -> dict[str, int]:
    """How many entries each vocabulary file holds (for ``reviewer reference`` and docs)."""
    return {
        "activities": len(ACTIVITIES),
        "parameters": len(PARAMETERS),
        "guidance": len(GUIDANCE),
        "vague_phrases": len(VAGUE),
        "response_patterns": len(RESPONSES),
        "goal_patterns": len(GOALS),
        "impairment_patterns": len(IMPAIRMENTS),
        "safety_patterns": len(SAFETY),
    }
