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
README.md, "What the reviewer reads in the note's content"); the patterns are parsed once, at
import, and compiled (with one Aho-Corasick index of their literals) on first use. Everything
here is deterministic and reads only ``Note.text`` (normalised); evidence is mapped back to the
note as given as ``Note.span`` maps it.
"""

from __future__ import annotations

import bisect
import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import ahocorasick

from reviewer.facts import (
    Activity,
    ActivityCategory,
    Diagnosis,
    Guidance,
    GuidanceKind,
    Intervention,
    NoteFacts,
    Parameter,
    ParameterKind,
    Span,
    TextFact,
    VaguePhrase,
)
from reviewer.intake import Note

# Private stdlib modules (3.11+; typeshed has no stubs for them): used only to read literals
# off patterns for a prefilter.
_c: Any
_parser: Any
try:
    _c = importlib.import_module("re._constants")
    _parser = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - without them every pattern simply runs
    _c = _parser = None

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


_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_REPEATS = (
    {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)} if _c else set()
)


def _required(items: list[Any], cased: bool | None = None) -> list[str] | None:
    """Literal strings one of which any match of the parsed sequence must contain (lowercase),
    or None when no such literal can be read off the pattern.

    With ``cased`` (whether the sequence is case-sensitive: False at the top of a pattern
    compiled case-insensitively), only the literals of the case-sensitive parts of the pattern
    ('(?-i:ER)'), as written: one of them occurs, in that case, in any match."""
    best: list[str] | None = None
    run: list[str] = []

    def better(candidate: list[str] | None) -> None:
        nonlocal best
        if not candidate or not all(candidate):
            return
        if best is None or min(map(len, candidate)) > min(map(len, best)):
            best = candidate

    def flush() -> None:
        if run:
            better(["".join(run)])
            run.clear()

    for op, av in items:
        if op is _c.LITERAL and cased is not False:
            run.append(chr(av).lower() if cased is None else chr(av))
            continue
        flush()
        if op is _c.SUBPATTERN:
            inner = (
                None
                if cased is None
                else (cased or bool(av[2] & re.IGNORECASE)) and not av[1] & re.IGNORECASE
            )
            better(_required(list(av[-1]), inner))
        elif op is _c.BRANCH:
            branches = [_required(list(b), cased) for b in av[1]]
            if all(branches):
                better([x for b in branches if b for x in b])
        elif op in _REPEATS and av[0] >= 1:
            better(_required(list(av[2]), cased))
    flush()
    return best


_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT} if _c else set()
#: Stands for "a digit" in a pattern's start set.
_DIGIT = "\x00digit"


def _starts(items: list[Any]) -> set[str] | None:
    """Strings (lowercase), one of which every match of the parsed sequence starts with
    (``_DIGIT``: a digit), or None when the pattern can start otherwise (a class, ``\\w``)."""
    for k, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue  # an anchor or lookaround consumes nothing
        if op is _c.LITERAL:
            run = []
            for op2, av2 in items[k:]:
                if op2 is not _c.LITERAL:
                    break
                run.append(chr(av2).lower())
            return {"".join(run)}
        if op is _c.IN:
            out = set()
            for op2, av2 in av:
                if op2 is _c.LITERAL:
                    out.add(chr(av2).lower())
                elif (op2 is _c.CATEGORY and av2 is _c.CATEGORY_DIGIT) or (
                    op2 is _c.RANGE and av2 == (ord("0"), ord("9"))
                ):
                    out.add(_DIGIT)
                else:
                    return None
            return out or None
        if op is _c.SUBPATTERN:
            return _starts(list(av[-1]))
        if op is _c.BRANCH:
            out = set()
            for branch in av[1]:
                first = _starts(list(branch))
                if not first:
                    return None
                out |= first
            return out
        if op in _REPEATS:
            first = _starts(list(av[2]))
            if not first:
                return None
            if av[0] >= 1:
                return first
            rest = _starts(items[k + 1 :])  # optional: the match may start after it
            return first | rest if rest else None
        return None
    return None


#: At most this many start strings per pattern (``_prefixes`` stops extending beyond it).
_MAX_PREFIXES = 16
#: ``_prefixes`` carries a start string on until it is this long.
_PREFIX_LENGTH = 8


def _prefixes(items: list[Any]) -> set[str] | None:
    """Like :func:`_starts`, but each string carried on as far as the pattern fixes it:
    ``(?:on|in) \\d+`` -> 'on ', 'in '; ``(?:min|mod)[ \\t]*A`` (parsed as ``m(?:in|od)...``)
    -> 'min', 'mod'. Longer strings occur at fewer places, so the pattern is tried at fewer.
    None when some match may start otherwise (or with nothing fixed)."""
    out = {s for s, _ in _prefix_run(items)}
    if not out or "" in out:
        return None
    # a string that extends another one adds no place to try
    return {s for s in out if not any(s.startswith(t) and s != t for t in out)}


def _prefix_run(items: list[Any]) -> list[tuple[str, bool]]:
    """``(text, whole)`` pairs: every match of the sequence starts with one of the texts, and
    ``whole`` says the sequence can match nothing more than that text (so what follows the
    sequence may extend it)."""
    cur: list[tuple[str, bool]] = [("", True)]
    for op, av in items:
        if not any(whole for _, whole in cur):
            break
        step = _prefix_op(op, av)
        new: list[tuple[str, bool]] = []
        for text, whole in cur:
            if whole and len(text) < _PREFIX_LENGTH:
                new.extend((text + more, whole2) for more, whole2 in step)
            else:
                new.append((text, False))
        new = list(dict.fromkeys(new))
        if len(new) > _MAX_PREFIXES:
            return [(text, False) for text, _ in cur]
        cur = new
    return cur


def _prefix_op(op: Any, av: Any) -> list[tuple[str, bool]]:
    if op is _c.LITERAL:
        return [(chr(av).lower(), True)]
    if op is _c.IN and av and all(op2 is _c.LITERAL for op2, _ in av):
        return [(chr(av2).lower(), True) for _, av2 in av]
    if op is _c.SUBPATTERN:
        return _prefix_run(list(av[-1]))
    if op is _c.BRANCH:
        return [pair for branch in av[1] for pair in _prefix_run(list(branch))]
    if op in _REPEATS:
        low, high, body = av[0], av[1], list(av[2])
        if low == high == 1:
            return _prefix_run(body)
        if low == 0 and high == 1:
            return _prefix_run(body) + [("", True)]
        first = [(text, False) for text, _ in _prefix_run(body)]
        return first + ([("", True)] if low == 0 else [])
    if op in _ZERO_WIDTH:
        return [("", True)]
    return [("", False)]  # a class, a category, any character: the string stops here


class _Hay:
    """A text to run patterns over, with its lowercase form and, read off that in one pass on
    first use (see :class:`_LiteralIndex`), the vocabulary literals it holds and where each
    pattern start string occurs in it."""

    __slots__ = ("text", "lowered", "aligned", "_found", "_at", "_short")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower()
        #: lowercasing kept every offset (it almost always does), so a position found in
        #: ``lowered`` is the same position in ``text``
        self.aligned = len(self.lowered) == len(text)
        self._found: set[str] | None = None
        self._at: dict[str, list[int]] = {}
        self._short: dict[str, bool] = {}

    def holds(self, literal: str) -> bool:
        """Whether ``lowered`` holds a short literal (tested once, when a bank first asks)."""
        held = self._short.get(literal)
        if held is None:
            held = self._short[literal] = literal in self.lowered
        return held

    @property
    def found(self) -> set[str]:
        """Exactly the vocabulary literals of ``_INDEXED_LENGTH`` characters or more that occur
        in ``lowered`` (shorter ones: :meth:`holds`)."""
        if self._found is None:
            self._found, self._at = _index().scan(self.lowered)
        return self._found

    @property
    def at(self) -> dict[str, list[int]]:
        """Start string (``_INDEXED_LENGTH`` characters or more) -> where each of its
        occurrences in ``lowered`` ENDS (the position of its last character), in order."""
        if self._found is None:
            self._found, self._at = _index().scan(self.lowered)
        return self._at


#: A pattern that opens with a greedy run of digits ('\\d+', not '\\d+?' or '\\d++').
_DIGITS_FIRST = re.compile(r"\\d\+(?![?+])")
#: Above this many candidate positions, a pattern scans the whole text instead.
_MAX_TRIES = 24
#: Literals and start strings this long or longer are found by the literal index's automaton;
#: shorter ones ('in', 'at', 'x') occur at so many places that a plain search is cheaper.
_INDEXED_LENGTH = 3


class _Rx:
    """A vocabulary pattern: word-bounded, kept on one line, compiled on first use, and skipped
    outright when the text lacks every literal a match would need (most patterns, most notes).

    The left word boundary is checked in Python, not with a lookbehind: a pattern that starts
    with a literal then lets the regex engine jump straight to candidate positions.
    """

    __slots__ = ("source", "literals", "cased", "starts", "indexed", "_keyed", "_lead", "_rx")

    def __init__(self, pattern: str) -> None:
        self.source = _one_line(pattern)
        try:
            tree = list(_parser.parse(self.source, _FLAGS)) if _parser is not None else []
        except re.error:
            tree = []
        found = _required(tree) if tree else None
        self.literals: tuple[str, ...] | None = tuple(sorted(set(found))) if found else None
        cased = _required(tree, False) if tree else None
        #: Strings as written, one of which the text itself holds when the pattern can match
        #: (from case-sensitive parts such as '(?-i:ER)'; the literals above are lowercase).
        self.cased: tuple[str, ...] | None = tuple(sorted(set(cased))) if cased else None
        # A pattern that does not open with a literal ('\d+ x \d+') keeps the lookbehind, so
        # it is tried only at word starts: inside a long run of digits it would otherwise
        # restart (and backtrack) at every position.
        starts_literal = bool(tree) and tree[0][0] is _c.LITERAL
        self._lead = "" if starts_literal else "(?<![A-Za-z0-9])"
        starts = _starts(tree) if tree else None
        if (
            self._lead
            and _DIGITS_FIRST.match(self.source)
            and tree[0][0] in _REPEATS
            and tree[0][1][0] == 1
            and list(tree[0][1][2]) == [(_c.IN, [(_c.CATEGORY, _c.CATEGORY_DIGIT)])]
        ):
            # '\\d+' first: test the word boundary after the first digit instead of before it
            # (the same test), so that the pattern opens with a digit class and ``re`` skips
            # from digit to digit by itself instead of trying every position.
            self._lead = ""
            self.source = r"\d(?<![A-Za-z0-9]\d)\d*" + self.source[3:]
            starts = None
        if starts and _DIGIT not in starts:
            starts = _prefixes(tree) or starts
        self.starts: tuple[str, ...] | None = (
            tuple(sorted(starts)) if starts and all(starts) else None
        )
        #: Every start string is in the literal index (``_INDEXED_LENGTH`` characters or
        #: more, not "a digit"), so the haystack already knows where they occur.
        self.indexed = self.starts is not None and all(
            len(start) >= _INDEXED_LENGTH and start != _DIGIT for start in self.starts
        )
        #: Each start string with the distance from its last character back to its first.
        self._keyed = tuple((start, len(start) - 1) for start in self.starts or ())
        self._rx: re.Pattern[str] | None = None
        _ALL.append(self)

    def _compiled(self) -> re.Pattern[str]:
        if self._rx is None:
            self._rx = re.compile(rf"{self._lead}(?:{self.source})(?![A-Za-z0-9])", _FLAGS)
        return self._rx

    def run(self, hay: _Hay) -> list[tuple[int, int]]:
        """Every match in the text, without the literal pre-check.

        The same matches as ``finditer``. When every match must start with one of a few
        strings, and those occur at only a few places, the pattern is tried only there (in
        ``finditer``'s order: the leftmost match, then the next one from where it ended):
        ``str.find`` gets to them far faster than ``re`` can on a case-insensitive pattern,
        which it has to try at every position."""
        text = hay.text
        rx = self._rx or self._compiled()
        out: list[tuple[int, int]] = []
        if self.cased is not None and not any(lit in text for lit in self.cased):
            return out
        candidates: list[int] | None
        if self.indexed and hay.aligned:
            # ``_candidates`` read off the haystack's index instead of searched for
            index = hay.at
            candidates = None
            several = False
            for key, back in self._keyed:
                ends = index.get(key)
                if ends:
                    if candidates is None:
                        candidates = [end - back for end in ends]
                    else:
                        candidates += [end - back for end in ends]
                        several = True
            if candidates is None:
                return out
            if several:
                candidates = sorted(set(candidates))
            if self._lead:  # the pattern's own lookbehind would refuse the rest
                candidates = [a for a in candidates if not (a and text[a - 1] in _ALNUM)]
            if len(candidates) > _MAX_TRIES:
                candidates = None
        elif self.starts is None or not hay.aligned:
            candidates = None
        else:
            candidates = self._candidates(hay)
        if candidates is None:
            for m in rx.finditer(text):
                start, end = m.span()
                if end > start and (start == 0 or text[start - 1] not in _ALNUM):
                    out.append((start, end))
            return out
        after = 0
        match = rx.match
        for at in candidates:
            if at < after:
                continue
            hit = match(text, at)
            if hit is None:
                continue
            start, end = hit.span()
            after = end  # never empty: it holds a start string
            if start == 0 or text[start - 1] not in _ALNUM:
                out.append((start, end))
        return out

    def _candidates(self, hay: _Hay) -> list[int] | None:
        """Where a match may start, in order; None when there are too many to try one by one
        (or the pattern may start with any digit)."""
        if _DIGIT in self.starts:  # type: ignore[operator]
            return None
        text, lowered = hay.text, hay.lowered
        word_start = bool(self._lead)  # the pattern's own lookbehind would refuse the rest
        out: list[int] = []
        for start in self.starts:  # type: ignore[union-attr]
            at = lowered.find(start)
            while at >= 0:
                if not (word_start and at and text[at - 1] in _ALNUM):
                    out.append(at)
                    if len(out) > _MAX_TRIES:
                        return None
                at = lowered.find(start, at + 1)
        if len(self.starts) > 1:  # type: ignore[arg-type]
            out = sorted(set(out))
        return out


def _words(patterns: list[str]) -> list[_Rx]:
    return [_Rx(p) for p in patterns]


#: Every vocabulary pattern made so far (the literal index below covers them all).
_ALL: list[_Rx] = []


class _LiteralIndex:
    """Which of the vocabulary's required literals a (lowercased) text contains, and where
    each pattern start string occurs in it, found in one pass instead of one substring search
    per literal and per start string.

    An Aho-Corasick automaton (``pyahocorasick``) over the literals and start strings of
    ``_INDEXED_LENGTH`` characters or more reports every occurrence of each, overlapping ones
    included, so the literal set is exactly the one ``lit in lowered`` would accept. The few
    shorter literals are plain ``in`` tests, made only for the banks that need them
    (``_Hay.holds``): through the automaton they would be reported at a great many positions.
    Patterns with a short start string find their starts themselves.
    """

    def __init__(self) -> None:
        self.size = len(_ALL)
        literals = {lit for rx in _ALL for lit in rx.literals or ()}
        starts = {start for rx in _ALL if rx.indexed for start in rx.starts or ()}
        self.long = frozenset(lit for lit in literals if len(lit) >= _INDEXED_LENGTH)
        self._ac: Any = None
        keys = sorted(self.long | starts)
        if keys:
            self._ac = ahocorasick.Automaton()
            for key in keys:
                self._ac.add_word(key, key)
            self._ac.make_automaton()

    def scan(self, lowered: str) -> tuple[set[str], dict[str, list[int]]]:
        """The (long) literals in ``lowered``, and where each key's occurrences end
        (ascending; the loop runs once per occurrence, so it does no more than record the
        end)."""
        at: dict[str, list[int]] = {}
        if self._ac is not None:
            for end, key in self._ac.iter(lowered):
                where = at.get(key)
                if where is None:
                    at[key] = [end]
                else:
                    where.append(end)
        return set(self.long.intersection(at)), at


_INDEX: _LiteralIndex | None = None


def _index() -> _LiteralIndex:
    """The literal index over every pattern made so far (built on first use)."""
    global _INDEX
    if _INDEX is None or _INDEX.size != len(_ALL):
        _INDEX = _LiteralIndex()
    return _INDEX


class _Bank:
    """An ordered list of patterns (each with a tag: its vocabulary entry, or None) and an
    index from each required literal to the patterns that need it, so that for a note only the
    patterns whose literal occurs in it are looked at, not the whole vocabulary."""

    __slots__ = ("items", "always", "by_literal", "literals", "short")

    def __init__(self, items: list[tuple[_Rx, Any]]) -> None:
        self.items = tuple(items)
        self.always = [k for k, (rx, _) in enumerate(items) if rx.literals is None]
        by_literal: dict[str, list[int]] = {}
        for k, (rx, _) in enumerate(items):
            for lit in rx.literals or ():
                by_literal.setdefault(lit, []).append(k)
        self.by_literal = by_literal
        self.literals = frozenset(lit for lit in by_literal if len(lit) >= _INDEXED_LENGTH)
        self.short = tuple(sorted(lit for lit in by_literal if len(lit) < _INDEXED_LENGTH))

    @classmethod
    def of(cls, regexes: list[_Rx] | tuple[_Rx, ...]) -> _Bank:
        return cls([(rx, None) for rx in regexes])

    @classmethod
    def of_entries(cls, entries: list[_Entry], attr: str = "regexes") -> _Bank:
        return cls([(rx, e) for e in entries for rx in getattr(e, attr)])

    def matches(self, hay: _Hay) -> list[tuple[int, int, Any]]:
        """Every match in ``hay`` as ``(start, end, tag)``, in bank order then text order,
        exactly as running each pattern in turn would give (a pattern none of whose literals
        occur in the text cannot match, and is not run)."""
        picked = set(self.always)
        for lit in self.literals.intersection(hay.found):
            picked.update(self.by_literal[lit])
        for lit in self.short:
            if hay.holds(lit):
                picked.update(self.by_literal[lit])
        out = []
        items = self.items
        for k in sorted(picked):
            rx, tag = items[k]
            for s, e in rx.run(hay):
                out.append((s, e, tag))
        return out


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class _Entry:
    """One vocabulary entry: what it means and the compiled patterns that find it."""

    key: str  # canonical name / kind
    category: str
    regexes: tuple[_Rx, ...]
    level: str | None = None
    target: str | None = None
    excludes: tuple[_Rx, ...] = ()


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
#: Sentences that are not responses whatever they hold: a statement of what the treatment was
#: for ("Tx directed at LTG 1 ...") or of why skilled care is needed ("... reduced pinch
#: limits IADLs; skilled OT needed"), unless it also compares (a number then and now, "vs").
RESPONSE_SKIP_SENTENCE = [
    re.compile(p, _FLAGS) for p in _STATEMENTS["responses"].get("exclude_sentence", [])
]
RESPONSE_SKIP_UNLESS = re.compile(
    _STATEMENTS["responses"].get("exclude_sentence_unless") or r"(?!)", _FLAGS
)
GOALS = _words(_STATEMENTS["goals"]["patterns"])
GOAL_VAGUE_PLAN = _words(_STATEMENTS["goals"]["vague_plan"])
IMPAIRMENTS = _words(_STATEMENTS["impairments"]["patterns"])
_NEG = _STATEMENTS["negation"]
_NEGATED = re.compile(
    r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, _NEG["negators"])) + r")[ \t]+"
    r"((?:[A-Za-z0-9/'-]+[ \t]+){0,3})$",
    _FLAGS,
)
_PLACE_WORDS = frozenset(w.lower() for w in _NEG["place_words"])
_CLAUSE_END = re.compile(r"[,;.:()\n|]")


def _negated(text: str, start: int) -> bool:
    """Whether a negator ('no', 'without' ...) governs the phrase at ``start`` within its
    clause: 'no cues or hands-on assistance given', but not 'without UE support at counter'."""
    first = re.match(r"[A-Za-z]+", text[start : start + 12])
    if first and first.group(0).lower() in _PLACE_WORDS:
        return False  # 'without UE support at counter': the counter is still there
    lo = max(0, start - 40)
    window = text[lo:start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(window)), default=0)
    m = _NEGATED.search(window[cut:])
    if not m:
        return False
    return not any(w.lower() in _PLACE_WORDS for w in m.group(1).split())


SAFETY = _words(_STATEMENTS["safety"]["patterns"])

# The same vocabulary as banks: the patterns a note's literals call for, in vocabulary order.
_ACTIVITY_BANK = _Bank.of_entries(ACTIVITIES)
_PARAMETER_BANK = _Bank.of_entries(PARAMETERS)
_GUIDANCE_BANK = _Bank.of_entries(GUIDANCE)
_GUIDANCE_EXCLUDE_BANK = _Bank.of_entries(GUIDANCE, "excludes")
_VAGUE_BANK = _Bank.of_entries(VAGUE)
_INDEPENDENT_BANK = _Bank(
    [(rx, True) for rx in INDEPENDENT] + [(rx, False) for rx in INDEPENDENT_WEAK]
)
_INDEPENDENT_CONTEXT_BANK = _Bank.of(INDEPENDENT_CONTEXT)
_ONE_ON_ONE_BANK = _Bank.of(ONE_ON_ONE)
_GROUP_BANK = _Bank.of(GROUP)
_GROUP_ALL_BANK = _Bank.of(GROUP + GROUP_NAMED)
_CONCURRENT_BANK = _Bank.of(CONCURRENT)
_GROUP_EXCLUDE_BANK = _Bank.of(GROUP_EXCLUDE)
_RESPONSE_BANK = _Bank.of(RESPONSES)
_GOAL_BANK = _Bank.of(GOALS)
_GOAL_VAGUE_PLAN_BANK = _Bank.of(GOAL_VAGUE_PLAN)
_IMPAIRMENT_BANK = _Bank.of(IMPAIRMENTS)
_SAFETY_BANK = _Bank.of(SAFETY)

# Diagnoses: a "Dx"/"Diagnosis" label, then ICD-10 codes with their text, to the line's end.
_DX_LABEL = re.compile(
    # The label starts a line, follows a '|' or a wide gap; no leading run of spaces is
    # scanned from every position (that was quadratic on long blank lines).
    r"(?:^[ \t]*|(?<=\|)[ \t]*|(?<=[ \t]{2})|(?<=[ \t]/[ \t]))(?:Dx|Diagnos[ie]s|ICD[- ]?10(?: codes?)?)"
    r"(?:[ \t]*\([^)\n]*\))?[ \t]*[:\-]?[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_ICD10 = re.compile(r"(?<![A-Za-z0-9.])([A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?![A-Za-z0-9])")
_FIELD_END = re.compile(r"[ \t]\|[ \t]|(?<![ \t])[ \t]{3,}(?=[A-Z][A-Za-z ]{1,20}:)|\n")

# Sentence/clause splitting.
# Each break opens with one character of a class, then tells its kind by looking back at it:
# a pattern that opens with a class lets ``re`` skip straight to those characters, where an
# alternation of lookbehinds would be tried at every position. The same matches as
# r"\n|(?<=[.!?])[ \t]+(?=[A-Z(\"'])|[ \t]\|[ \t]|(?<=\S)[ \t]{3,}(?=\S)" and
# r"[;\n|•*]|(?<=[.!?])[ \t]+(?=[A-Za-z(])|[ \t][-–][ \t]".
_SENTENCE_BREAK = re.compile(
    r"[\n \t](?:(?<=\n)|(?<=[.!?][ \t])[ \t]*(?=[A-Z(\"'])|(?<=[ \t])\|[ \t]"
    r"|(?<=\S[ \t])[ \t]{2,}(?=\S))"
)
_CLAUSE_BREAK = re.compile(
    r"[;\n|•* \t](?:(?<=[;\n|•*])|(?<=[.!?][ \t])[ \t]*(?=[A-Za-z(])|(?<=[ \t])[-–][ \t])"
)
_LABEL = re.compile(r"^\s*(?:[-•*]\s*)?[A-Za-z][A-Za-z /#&.-]{0,30}:\s*")


# --------------------------------------------------------------------------- helpers


_SPAN = Span.__pydantic_validator__.validate_python


def _span(note: Note, start: int, end: int) -> Span:
    """``note.span(start, end)``: the same clamping and mapping (``Note.to_original``), but
    the ``Span`` built by one call of its validator, several times cheaper than
    ``model_construct`` (a note's content facts need dozens of spans)."""
    size = len(note.text)
    start = max(0, min(start, size))
    end = max(start, min(end, size))
    index_map = note.index_map
    o_start = index_map[start]
    o_end = index_map[end - 1] + 1 if end > start else o_start
    return cast(
        "Span", _SPAN({"start": o_start, "end": o_end, "text": note.original[o_start:o_end]})
    )


def _to_clean(note: Note, span: Span) -> tuple[int, int]:
    """Map a span in original offsets back to a ``[start, end)`` range of ``note.text``."""
    start = bisect.bisect_left(note.index_map, span.start, 0, len(note.text))
    end = bisect.bisect_left(note.index_map, span.end, 0, len(note.text))
    return start, max(start, end)


def _note_hay(text: str) -> _Hay:
    """The whole note as a haystack, with exactly the vocabulary literals in it."""
    return _Hay(text)


def _finditer(
    bank: _Bank, text: _Hay, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Every match of the bank's patterns in ``text[start:end]`` (``text``: the whole note),
    in note offsets."""
    if start == 0 and end is None:
        return [(s, e) for s, e, _ in bank.matches(text)]
    chunk = _Hay(text.text[start:end])
    return [(s + start, e + start) for s, e, _ in bank.matches(chunk)]


def _leftmost_longest(matches: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """Keep non-overlapping matches, preferring the earliest start, then the longest."""
    kept: list[tuple[int, int, Any]] = []
    last_end = -1
    for start, end, item in sorted(matches, key=lambda m: (m[0], -(m[1] - m[0]))):
        if start >= last_end:
            kept.append((start, end, item))
            last_end = end
    return kept


class _Intervals:
    """A set of character ranges merged into disjoint sorted intervals, for fast overlap
    tests (a note can hold thousands of matches; pairwise tests would be quadratic)."""

    __slots__ = ("starts", "ends")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def hits(self, a: tuple[int, int]) -> bool:
        k = bisect.bisect_left(self.starts, a[1]) - 1  # last interval starting before a's end
        return k >= 0 and self.ends[k] > a[0]


def _overlaps(a: tuple[int, int], spans: list[tuple[int, int]] | _Intervals) -> bool:
    if isinstance(spans, _Intervals):
        return spans.hits(a)
    return any(a[0] < e and s < a[1] for s, e in spans)


def _starts_within(starts: list[int], s: int, e: int) -> bool:
    """Whether a sorted list of positions holds one in ``[s, e)``."""
    k = bisect.bisect_left(starts, s)
    return k < len(starts) and starts[k] < e


class _Ranges(list):  # type: ignore[type-arg]
    """Sorted, disjoint ranges (sentences, clauses) with their starts kept for bisection."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        super().__init__(ranges)
        self.starts = [r[0] for r in ranges]


def _segments(
    text: str, breaker: re.Pattern[str], start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` at ``breaker``; return trimmed non-empty ranges."""
    end = len(text) if end is None else end
    bounds = [start]
    for m in breaker.finditer(text, start, end):
        bounds += m.span()
    bounds.append(end)
    trimmed = []
    for k in range(0, len(bounds), 2):
        s, e = bounds[k], bounds[k + 1]
        # strip the leading marks, then the trailing ones from what is left
        piece = text[s:e].lstrip(" \t-–•*>:,")
        s = e - len(piece)
        e = s + len(piece.rstrip(" \t,;"))
        if e > s:
            trimmed.append((s, e))
    return _Ranges(trimmed)


def _containing(ranges: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    starts = ranges.starts if isinstance(ranges, _Ranges) else [r[0] for r in ranges]
    k = bisect.bisect_right(starts, pos) - 1
    if k >= 0 and ranges[k][0] <= pos < ranges[k][1]:
        return ranges[k]
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

    def holds(self, start: int) -> bool:
        return self.start <= start < self.end


def _work_text(note: Note, facts: NoteFacts) -> tuple[str, list[tuple[int, int, Intervention]]]:
    """The note's text with every intervention's own minutes and clock span blanked out (they
    are billed time, not parameters), and each intervention's range in it."""
    chars = list(note.text)
    ranges = []
    for item in facts.interventions:
        start, end = _to_clean(note, item.evidence)
        ranges.append((start, end, item))
        for ev in (item.minutes_evidence, item.clock_span.evidence if item.clock_span else None):
            if ev is None:
                continue
            s, e = _to_clean(note, ev)
            for k in range(max(s, start), min(e, end)):
                chars[k] = " "
    return "".join(chars), ranges


@dataclass
class _Scan:
    """Every per-intervention vocabulary match, found once over the whole (blanked) note and
    then handed to the intervention whose block holds it."""

    work: str
    activities: list[tuple[int, int, _Entry]]
    parameters: list[tuple[int, int, _Entry]]
    guidance: list[tuple[int, int, _Entry]]
    independent: list[tuple[int, int, bool]]
    one_on_one: list[tuple[int, int]]


def _scan(work: str, ranges: list[tuple[int, int]]) -> _Scan:
    """Run the per-intervention vocabulary over the intervention blocks only (joined by
    newlines, which no pattern crosses) and map every match back to note offsets."""
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif end > start:
            merged.append([start, end])
    pieces = []
    piece_starts: list[int] = []  # offset of each piece in the joined text
    shifts: list[int] = []  # note offset minus joined offset, per piece
    pos = 0
    for start, end in merged:
        pieces.append(work[start:end])
        piece_starts.append(pos)
        shifts.append(start - pos)
        pos += end - start + 1
    joined = "\n".join(pieces)
    hay = _Hay(joined)

    def to_note(s: int, e: int) -> tuple[int, int]:
        shift = shifts[bisect.bisect_right(piece_starts, s) - 1]
        return s + shift, e + shift

    def run(bank: _Bank) -> list[tuple[int, int, Any]]:
        return [(*to_note(s, e), tag) for s, e, tag in bank.matches(hay)]

    activities = _leftmost_longest(run(_ACTIVITY_BANK))
    order = _PARAMETER_ORDER
    parameters = sorted(run(_PARAMETER_BANK), key=lambda m: (m[0], -(m[1] - m[0]), order[id(m[2])]))
    exclude_spans: dict[int, list[tuple[int, int]]] = {}
    for s, e, entry in run(_GUIDANCE_EXCLUDE_BANK):
        exclude_spans.setdefault(id(entry), []).append((s, e))
    excluded = {key: _Intervals(spans) for key, spans in exclude_spans.items()}
    guidance = [
        (s, e, entry)
        for s, e, entry in run(_GUIDANCE_BANK)
        if not (id(entry) in excluded and excluded[id(entry)].hits((s, e)))
        and (entry.key == "independent" or not _negated(work, s))
    ]
    independent = [(s, e, strong) for s, e, strong in run(_INDEPENDENT_BANK)]
    one_on_one = [(s, e) for s, e, _ in run(_ONE_ON_ONE_BANK)]
    return _Scan(work, activities, parameters, guidance, sorted(independent), one_on_one)


_PARAMETER_ORDER = {id(e): i for i, e in enumerate(PARAMETERS)}


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


def _block_parameters(
    scan: _Scan, block: _Block, skip: list[tuple[int, int]]
) -> list[tuple[int, int, _Entry]]:
    # Same start: the longer wins; an equally long tie keeps the earlier vocabulary entry.
    kept: list[tuple[int, int, _Entry]] = []
    last_end = -1
    for s, e, entry in scan.parameters:
        if not block.holds(s) or _overlaps((s, e), skip):
            continue
        if s >= last_end:
            kept.append((s, e, entry))
            last_end = e
    return kept


#: Parameter kinds that dose a task; a clause with one of these but no known activity names a
#: task the vocabulary does not know ("ball kicks 3 x 10"), kept with category "other".
_DOSE = frozenset({"sets_reps", "sets", "reps", "distance", "duration", "load"})
_UNNAMED = [
    _Entry("task", u["category"], tuple(_words(u["patterns"])))
    for u in _CATEGORIES.get("unnamed_tasks", [])
]
_OTHER = _Entry("task", "other", ())
#: A dosed task's name holds a word of three letters or more, and is not a time of day.
_TASK_NAME = re.compile(r"[A-Za-z]{3}")
_CLOCK_WORDS = re.compile(r"(?:[ap]\.?m\.?|noon|hrs?|hours?|o'?clock)\b.*", re.IGNORECASE)
_STRENGTH = _Entry("task", "strengthening", ())


_UNNAMED_BANK = _Bank.of_entries(_UNNAMED)


def _classify_unnamed(name: str, loaded: bool) -> _Entry:
    """The category of a dosed task the vocabulary does not name, from keywords in its name
    (categories.json ``unnamed_tasks``); a load in its clause means strengthening."""
    hits = _UNNAMED_BANK.matches(_Hay(name))
    if hits:
        return hits[0][2]
    return _STRENGTH if loaded else _OTHER


def _unnamed_tasks(
    text: str,
    block: _Block,
    acts: list[tuple[int, int, _Entry]],
    params: list[tuple[int, int, _Entry]],
    clauses: list[tuple[int, int]],
) -> list[tuple[int, int, _Entry]]:
    out: list[tuple[int, int, _Entry]] = []
    act_starts = sorted(s for s, _, _ in acts)
    dose_starts = sorted(ps for ps, _, entry in params if entry.key in _DOSE)
    for cs, ce in clauses:
        if _starts_within(act_starts, cs, ce):
            continue
        k = bisect.bisect_left(dose_starts, cs)
        if k >= len(dose_starts) or dose_starts[k] >= ce:
            continue
        doses = [dose_starts[k]]
        start = cs
        colon = text.rfind(":", cs, doses[0])
        if colon >= 0:
            start = colon + 1
        end = doses[0]
        # A task's name starts at a word: leftover digits of a clock time ('42  Mechanical
        # traction', '35 pm') are not part of it.
        while start < end and not text[start].isalpha():
            start += 1
        while end > start and not text[end - 1].isalnum():
            end -= 1
        name = block.work[start - block.start : end - block.start].strip()
        if _TASK_NAME.search(name) and not _CLOCK_WORDS.fullmatch(name):
            loaded = any(cs <= ps < ce and entry.key == "load" for ps, _, entry in params)
            out.append((start, end, _classify_unnamed(name, loaded)))
    return out


def _annotate_activities(note: Note, block: _Block, scan: _Scan) -> None:
    text = note.text
    acts = [a for a in scan.activities if block.holds(a[0]) and a[1] <= block.end]
    params = _block_parameters(scan, block, _label_minutes(block, text))
    clauses = _segments(text, _CLAUSE_BREAK, block.start, block.end)
    acts = acts + _unnamed_tasks(text, block, acts, params, clauses)
    acts.sort(key=lambda a: a[0])
    if not acts:
        return
    activities = [
        Activity(
            name=text[s:e].strip(),
            category=cast("ActivityCategory", entry.category),  # validated by Activity
            evidence=_span(note, s, e),
        )
        for s, e, entry in acts
    ]
    starts = [s for s, _, _ in acts]
    for ps, pe, entry in params:
        # The nearest activity before the parameter in its clause, else the clause's first
        # activity, else the nearest activity before it in the block, else the first one.
        before = bisect.bisect_right(starts, ps) - 1
        clause = _containing(clauses, ps)
        if clause and before >= 0 and starts[before] >= clause[0]:
            target = before
        elif clause and _starts_within(starts, clause[0], clause[1]):
            target = bisect.bisect_left(starts, clause[0])
        else:
            target = max(before, 0)
        activities[target].parameters.append(
            Parameter(
                kind=cast("ParameterKind", entry.key),  # validated by Parameter
                value=text[ps:pe].strip(),
                evidence=_span(note, ps, pe),
            )
        )
    block.item.activities = activities


def _annotate_guidance(note: Note, block: _Block, scan: _Scan) -> None:
    text = note.text
    out: list[tuple[int, Guidance]] = []
    mine = sorted(
        ((s, e, entry) for s, e, entry in scan.guidance if block.holds(s)),
        key=lambda m: (m[2].key, m[0], -(m[1] - m[0])),
    )
    reach: dict[str, int] = {}
    for s, e, entry in mine:
        # a longer (or equal) match of the same kind already covers this one
        if e <= reach.get(entry.key, -1):
            continue
        reach[entry.key] = e
        level = None
        if entry.level == "{0}":
            level = _assist_level(text[s:e])
        elif entry.level:
            level = entry.level
        guidance = Guidance(
            kind=cast("GuidanceKind", entry.key),  # validated by Guidance
            level=level,
            evidence=_span(note, s, e),
        )
        out.append((s, guidance))
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


_INDEPENDENT_CLAUSE = re.compile(r"[;\n|:()]|(?<=[.!?])\s+(?=[A-Za-z])")


def _annotate_independent(note: Note, block: _Block, scan: _Scan) -> None:
    hits = [h for h in scan.independent if block.holds(h[0])]
    if not hits:
        return
    clauses = _segments(note.text, _INDEPENDENT_CLAUSE, block.start, block.end)
    for s, _e, is_strong in hits:
        clause = _containing(clauses, s) or (s, _e)
        clause_text = block.work[clause[0] - block.start : clause[1] - block.start]
        if any(rx.search(clause_text) for rx in INDEPENDENT_EXCLUDE):
            continue
        if not is_strong and not _INDEPENDENT_CONTEXT_BANK.matches(_Hay(clause_text)):
            continue
        block.item.independent = True
        block.item.independent_evidence = _span(note, *clause)
        return


def _group_matches(
    text: _Hay, start: int = 0, end: int | None = None, *, named: bool = True
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Group and concurrent statements in ``text[start:end]``; ``named=False`` leaves out
    matches that only name a group or class without saying who was there."""
    excluded = _Intervals(_finditer(_GROUP_EXCLUDE_BANK, text, start, end))
    bank = _GROUP_ALL_BANK if named else _GROUP_BANK
    group = [m for m in _finditer(bank, text, start, end) if not _overlaps(m, excluded)]
    concurrent = [
        m for m in _finditer(_CONCURRENT_BANK, text, start, end) if not _overlaps(m, excluded)
    ]
    return sorted(group), sorted(concurrent)


def _annotate_group(
    note: Note,
    block: _Block,
    scan: _Scan,
    group_all: list[tuple[int, int]],
    concurrent_all: list[tuple[int, int]],
) -> None:
    if any(block.holds(s) for s, _ in scan.one_on_one):
        return
    group = [m for m in group_all if block.holds(m[0])]
    concurrent = [m for m in concurrent_all if block.holds(m[0])]
    if not group and not concurrent:
        return
    block.item.group = bool(group)
    block.item.concurrent = bool(concurrent)
    first = min(group + concurrent)
    clauses = _segments(note.text, _SENTENCE_BREAK, block.start, block.end)
    clause = _containing(clauses, first[0])
    s, e = clause if clause else first
    block.item.group_evidence = _span(note, s, e)


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
    r"^[ \t]*(?:[A-Za-z][A-Za-z /&#]{0,30}[ \t]*[:\-|]|[A-Z][A-Z /&]{3,}$|\d)", re.M
)


def _subjective(text: str, block_starts: list[int] = ()) -> list[tuple[int, int]]:  # type: ignore[assignment]
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
            if not line.strip() or _SECTION_START.match(line) or (end + 1) in block_starts:
                break
            end = nxt
        out.append((m.start(), end))
    return out


def _responses(
    note: Note,
    sentences: list[tuple[int, int]],
    vague: list[tuple[int, int]],
    block_starts: list[int],
    clean: _Hay,
) -> list[TextFact]:
    text = note.text
    out = []
    subjective = _subjective(text, block_starts)
    vague_iv = _Intervals(vague)
    hits = sorted(m[0] for m in _finditer(_RESPONSE_BANK, clean) if not vague_iv.hits(m))
    for s, e in sentences:
        # (the cheap tests first: most sentences hold no response)
        if not _starts_within(hits, s, e) or _overlaps((s, e), subjective):
            continue
        sentence = text[s:e]
        line = _line_of(text, s)
        if any(rx.search(line) for rx in RESPONSE_SKIP) or any(
            rx.search(sentence) for rx in RESPONSE_SKIP
        ):
            continue
        if any(rx.search(sentence.strip()) for rx in RESPONSE_VAGUE_ONLY) or (
            any(rx.search(sentence) for rx in RESPONSE_SKIP_SENTENCE)
            and not RESPONSE_SKIP_UNLESS.search(sentence)
        ):
            continue
        label = _LABEL.match(sentence)
        s0 = s + (label.end() if label and label.end() < len(sentence) else 0)
        out.append(TextFact(text=text[s0:e].strip(), evidence=_span(note, s0, e)))
    return out


def _goal_refs(
    note: Note,
    sentences: list[tuple[int, int]],
    clean: _Hay,
    goal_matches: list[tuple[int, int]],
) -> list[TextFact]:
    """Sentences holding a goal or plan-of-care match (``goal_matches``: the goal bank's
    matches in the note) that is not a vague "continue per POC"."""
    text = note.text
    out = []
    vague = _Intervals(_finditer(_GOAL_VAGUE_PLAN_BANK, clean))
    hits = sorted(m[0] for m in goal_matches if not vague.hits(m))
    for s, e in sentences:
        if _starts_within(hits, s, e):
            out.append(TextFact(text=text[s:e].strip(), evidence=_span(note, s, e)))
    return out


#: A measure named by where the patient stood ("at the sink", "next to the counter").
_PLACE_MEASURE = re.compile(r"(?:at|along|next\s+to|near|in\s+front\s+of|beside)\b", re.IGNORECASE)
#: What today's session did, in a goal sentence ("(100 ft CGA today)").
_TODAY = re.compile(r"\b(?:today|this\s+(?:session|visit|date))\b", re.IGNORECASE)


def _not_goal_targets(
    note: Note,
    found: list[TextFact],
    goal_refs: list[TextFact],
    goal_matches: list[tuple[int, int]],
) -> list[TextFact]:
    """Places that are part of what a goal aims at: in "STG 2 - stand 10 min at the sink for
    grooming", "at the sink" is the goal's target, not a support used today. A place after a
    goal marker in its sentence, in a clause that does not say "today", is left out."""
    if not found or not goal_refs:
        return found
    ranges = [_to_clean(note, g.evidence) for g in goal_refs]
    hits = sorted(m[0] for m in goal_matches)
    text = note.text
    out = []
    for f in found:
        if not _PLACE_MEASURE.match(f.text):
            out.append(f)
            continue
        s, _ = _to_clean(note, f.evidence)
        sentence = next(((gs, ge) for gs, ge in ranges if gs <= s < ge), None)
        if sentence is not None and _starts_within(hits, sentence[0], s):
            cs = max(text.rfind(c, sentence[0], s) for c in ";(,")
            ce = min(
                (x for x in (text.find(c, s, sentence[1]) for c in ";)") if x >= 0),
                default=sentence[1],
            )
            if not _TODAY.search(text, max(cs, sentence[0]), ce):
                continue
        out.append(f)
    return out


def _phrases(note: Note, bank: _Bank, clean: _Hay, *, negatable: bool = False) -> list[TextFact]:
    text = note.text
    found = [(s, e, None) for s, e in _finditer(bank, clean)]
    if negatable:
        found = [m for m in found if not _negated(text, m[0])]
    kept = _leftmost_longest(found)
    return [TextFact(text=text[s:e], evidence=_span(note, s, e)) for s, e, _ in kept]


#: Characters that ``re`` matches to an ASCII letter ignoring case (Unicode mode), or that
#: lowercase to one: where any occurs, ``_dx_label_ends`` searches the plain way.
_ODD_CASE = re.compile("[\u0130\u0131\u017f\u212a]")
#: Every ``_DX_LABEL`` match holds one of these (lowercase).
_DX_WORDS = ("dx", "diagnos", "icd")


def _dx_label_ends(text: str, lowered: str) -> list[int]:
    """Where each ``_DX_LABEL.finditer(text)`` match ends, tried only where one can start.

    The label opens at a line start, after a '|' (then blanks), or after two blanks or
    ' / ' (right at its word), so a match starts either at one of its words or where the run
    of blanks before that word starts. Trying the pattern there, in order and from where the
    last match ended, gives ``finditer``'s matches; ``finditer`` itself would try the
    lookbehinds at every position of the note."""
    if len(lowered) != len(text) or (not text.isascii() and _ODD_CASE.search(text)):
        return [m.end() for m in _DX_LABEL.finditer(text)]
    starts = set()
    for word in _DX_WORDS:
        at = lowered.find(word)
        while at >= 0:
            starts.add(at)
            blank = at
            while blank and text[blank - 1] in " \t":
                blank -= 1
            starts.add(blank)
            at = lowered.find(word, at + 1)
    ends = []
    after = 0
    for start in sorted(starts):
        if start < after:
            continue
        m = _DX_LABEL.match(text, start)
        if m:  # never empty: it holds one of the words
            after = m.end()
            ends.append(after)
    return ends


def _diagnoses(note: Note, lowered: str) -> list[Diagnosis]:
    text = note.text
    out: list[Diagnosis] = []
    for start in _dx_label_ends(text, lowered):
        stop = _FIELD_END.search(text, start)
        end = stop.start() if stop else len(text)
        if end <= start:
            continue
        codes = list(_ICD10.finditer(text, start, end))
        if not codes:
            chunk = text[start:end].strip(" ;,.")
            if chunk:
                s = text.index(chunk, start)
                out.append(
                    Diagnosis(code=None, text=chunk, evidence=_span(note, s, s + len(chunk)))
                )
            continue
        for k, m in enumerate(codes):
            nxt = codes[k + 1].start() if k + 1 < len(codes) else end
            s, e = m.start(), nxt
            while e > s and text[e - 1] in " ;,.\t":
                e -= 1
            desc = text[m.end() : e].strip(" ;,.-")
            out.append(
                Diagnosis(code=m.group(1), text=desc or m.group(1), evidence=_span(note, s, e))
            )
    return out


_STATEMENT_BREAK = re.compile(r"\n|;|(?<=[.!?])\s+(?=[A-Z(])")


def _group_statements(note: Note, matches: list[tuple[int, int]]) -> list[TextFact]:
    text = note.text
    out: list[TextFact] = []
    if not matches:
        return out
    clauses = _segments(text, _STATEMENT_BREAK)
    seen: set[tuple[int, int]] = set()
    for s, _e in sorted(matches):
        clause = _containing(clauses, s)
        if clause is None or clause in seen:
            continue
        seen.add(clause)
        out.append(TextFact(text=text[clause[0] : clause[1]], evidence=_span(note, *clause)))
    return out


def _vague(note: Note, blocks: list[_Block], clean: _Hay) -> list[VaguePhrase]:
    found = _VAGUE_BANK.matches(clean)
    out = []
    for s, e, entry in _leftmost_longest(found):
        owner = next((b.index for b in blocks if b.start <= s < b.end), None)
        out.append(
            VaguePhrase(
                phrase=entry.key,
                category=entry.category,
                intervention=owner,
                evidence=_span(note, s, e),
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
    clean = _note_hay(text)
    work, ranges = _work_text(note, facts)
    blocks = [
        _Block(k, item, start, end, work[start:end]) for k, (start, end, item) in enumerate(ranges)
    ]
    scan = _scan(work, [(b.start, b.end) for b in blocks])
    group_all, concurrent_all = _group_matches(clean)
    for block in blocks:
        block.item.activities = []
        block.item.guidance = []
        _annotate_activities(note, block, scan)
        _annotate_guidance(note, block, scan)
        _annotate_independent(note, block, scan)
        _annotate_group(note, block, scan, group_all, concurrent_all)

    sentences = _sentences(text)
    facts.vague_phrases = _vague(note, blocks, clean)
    vague_spans = [_to_clean(note, v.evidence) for v in facts.vague_phrases]
    facts.responses = _responses(note, sentences, vague_spans, [b.start for b in blocks], clean)
    goal_matches = _finditer(_GOAL_BANK, clean)  # (once: goal links and safety measures use it)
    facts.goal_refs = _goal_refs(note, sentences, clean, goal_matches)
    facts.impairments = _phrases(note, _IMPAIRMENT_BANK, clean)
    facts.diagnoses = _diagnoses(note, clean.lowered)
    facts.safety_measures = _not_goal_targets(
        note, _phrases(note, _SAFETY_BANK, clean, negatable=True), facts.goal_refs, goal_matches
    )
    facts.group_statements = _group_statements(note, group_all + concurrent_all)

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
            if any(b.holds(s) for b in blocks):
                continue
            if any(_group_matches(clean, s, e, named=False)):
                outside.append(g)
        if outside:
            for block in blocks:
                if any(block.holds(s) for s, _ in scan.one_on_one):
                    continue
                if block.item.code and block.item.code.startswith("9716"):
                    continue
                block.item.group = True
                block.item.group_evidence = outside[0].evidence
