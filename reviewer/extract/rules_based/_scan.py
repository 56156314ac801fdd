"""Fast scanning for regular expressions that Python's engine cannot scan quickly.

A case-insensitive pattern that opens with a word boundary and an alternation of words has no
literal prefix, so ``re`` tries the whole pattern at every character of the note. When every
match must start at one of a few literal words (or a short run of ``lead`` characters before
one), :class:`Gated` finds those words on the lower-cased text (the words of all patterns at
once, with an Aho-Corasick automaton: one pass per text) and tries the pattern only there (a range of the text is searched through the places found once in the whole
text). The matches are exactly the pattern's own: every position where a match can start is
tried, in order, and ``finditer``'s non-overlapping rule is kept. Text holding one
of the four characters that match an ASCII letter case-insensitively without lower-casing to it
("\u0130", "\u0131", "\u017f" long s, "\u212a" Kelvin sign) goes straight to the pattern.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from functools import lru_cache

import ahocorasick

# The only characters that ``re.IGNORECASE`` matches to an ASCII character other than through
# ``str.lower()`` (and the only one whose lower case is two characters: U+0130).
_FOLD_SPECIAL = re.compile("[\u0130\u0131\u017f\u212a]")


# The answer for the last non-ASCII text (by identity): the lexicon asks it of the whole note
# for every line it reads, and the search reads the whole note.
_LAST_FOLD: tuple[str, bool] = ("", True)


def fold_safe(text: str) -> bool:
    """True when case-insensitive matching of ASCII patterns in ``text`` is plain ASCII case."""
    global _LAST_FOLD
    if text.isascii():
        return True
    last = _LAST_FOLD
    if last[0] is text:
        return last[1]
    safe = _FOLD_SPECIAL.search(text) is None
    _LAST_FOLD = (text, safe)
    return safe


@lru_cache(maxsize=32)
def lowered(text: str) -> str | None:
    """``text.lower()`` (same length, same offsets) when ``fold_safe(text)``, else None."""
    return text.lower() if fold_safe(text) else None


_ASCII_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=16)
def _starts_of(rx: re.Pattern, text: str) -> tuple[int, ...]:
    """Where ``rx`` matches in ``text`` (shared by the patterns that start at a digit)."""
    return tuple([m.start() for m in rx.finditer(text)])


class _Literals:
    """The literals of every :class:`Gated` pattern, found in one pass over a text.

    Two Aho-Corasick automata (the case-insensitive literals over the lower-cased text, the
    exact-case ones over the text) report every occurrence of every literal, overlapping ones
    too, as a ``str.find`` loop per literal and pattern would. The occurrences of the last text
    are remembered (by identity), so each pattern then reads its own literals' places."""

    def __init__(self) -> None:
        self.low_words: set[str] = set()
        self.cs_words: set[str] = set()
        self._automata: tuple[ahocorasick.Automaton | None, ahocorasick.Automaton | None] | None
        self._automata = None
        self._last: tuple[str, dict[str, list[int]], dict[str, list[int]]] = ("", {}, {})

    def add(self, low_words: tuple[str, ...], cs_words: tuple[str, ...]) -> None:
        self.low_words.update(low_words)
        self.cs_words.update(cs_words)
        self._automata = None
        self._last = ("", {}, {})

    def hits(self, text: str, low: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """Start offsets of each literal: (case-insensitive ones in ``low``, exact in ``text``)."""
        last = self._last
        if last[0] is text:
            return last[1], last[2]
        if self._automata is None:
            self._automata = (_automaton(self.low_words), _automaton(self.cs_words))
        out: list[dict[str, list[int]]] = []
        for ac, hay in zip(self._automata, (low, text), strict=True):
            found: dict[str, list[int]] = {}
            if ac is not None:
                for end, w in ac.iter(hay):
                    starts = found.get(w)
                    if starts is None:
                        found[w] = [end - len(w) + 1]
                    else:
                        starts.append(end - len(w) + 1)
            out.append(found)
        self._last = (text, out[0], out[1])
        return out[0], out[1]


def _automaton(words: set[str]) -> ahocorasick.Automaton | None:
    if not words:
        return None
    ac = ahocorasick.Automaton()
    for w in words:
        ac.add_word(w, w)
    ac.make_automaton()
    return ac


_LITERALS = _Literals()


class Gated:
    """``rx`` plus the literals every match starts with: ``ci`` (any case, given lower-case),
    ``cs`` (exact case). ``lead``: characters a match may start with before its literal
    (``^[ \\t]*time``). ``starts``: a simple pattern (one ``re`` can scan for, e.g. a digit)
    whose matches' starts are further places a match may start. ``word``: the pattern has a
    word boundary or ``(?<![A-Za-z])`` before every ``ci``/``cs`` literal, so one written right
    after an ASCII letter ("tra*in*ing") is no place; ``inner``: more ``ci`` literals without
    that boundary. Only for patterns that cannot match the empty string.

    The places are found once per text (the last text is remembered), so that many searches
    in ranges of one note (its lines, its sentences) cost a lookup each."""

    __slots__ = ("rx", "ci", "cs", "lead", "starts", "word", "inner", "_last", "_all")

    def __init__(
        self,
        rx: re.Pattern,
        ci: tuple[str, ...] = (),
        cs: tuple[str, ...] = (),
        lead: str = "",
        starts: re.Pattern | None = None,
        word: bool = False,
        inner: tuple[str, ...] = (),
    ):
        self.rx = rx
        self.ci = ci
        self.cs = cs
        self.lead = lead
        self.starts = starts
        self.word = word
        self.inner = inner
        self._last: tuple[str, list[int] | None] = ("", [])
        self._all: tuple[str, list[re.Match]] = ("", [])
        _LITERALS.add(ci + inner, cs)

    def _places(self, text: str) -> list[int] | None:
        """Sorted places where a match of ``rx`` may start in ``text`` (None: not fold-safe)."""
        last = self._last
        if last[0] is text:
            return last[1]
        low = lowered(text)
        if low is None:
            self._last = (text, None)
            return None
        found: set[int] = set()
        word = self.word
        low_hits, cs_hits = _LITERALS.hits(text, low)
        for words, hits, bounded in (
            (self.ci, low_hits, word),
            (self.cs, cs_hits, word),
            (self.inner, low_hits, False),
        ):
            for w in words:
                for i in hits.get(w, ()):
                    if not (bounded and i and low[i - 1] in _ASCII_LOWER):
                        found.add(i)
        if self.starts is not None:
            found.update(_starts_of(self.starts, text))
        lead = self.lead
        if lead:
            for i in list(found):
                while i > 0 and text[i - 1] in lead:
                    i -= 1
                    found.add(i)
        places = sorted(found)
        self._last = (text, places)
        return places

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match]:
        stop = len(text) if endpos is None else min(endpos, len(text))
        places = self._places(text)
        if places is None:
            yield from self.rx.finditer(text, pos, stop)
            return
        match = self.rx.match
        last = pos
        for k in range(bisect_left(places, pos), len(places)):
            start = places[k]
            if start >= stop:
                return
            if start < last:
                continue
            m = match(text, start, stop)
            if m is not None:
                yield m
                last = m.end()

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        stop = len(text) if endpos is None else min(endpos, len(text))
        places = self._places(text)
        if places is None:
            return self.rx.search(text, pos, stop)
        match = self.rx.match
        for k in range(bisect_left(places, pos), len(places)):
            start = places[k]
            if start >= stop:
                return None
            m = match(text, start, stop)
            if m is not None:
                return m
        return None

    def first(self, text: str, pos: int, upto: int, endpos: int) -> re.Match | None:
        """The first match of ``finditer(text, pos, endpos)`` when it starts at or before
        ``upto``, else None (found without trying the places after ``upto``)."""
        stop = min(endpos, len(text))
        places = self._places(text)
        if places is None:
            m = self.rx.search(text, pos, stop)
            return m if m is not None and m.start() <= upto else None
        match = self.rx.match
        for k in range(bisect_left(places, pos), len(places)):
            start = places[k]
            if start > upto or start >= stop:
                return None
            m = match(text, start, stop)
            if m is not None:
                return m
        return None

    def may_match(self, text: str, pos: int, endpos: int) -> bool:
        """False when no match can start in ``text[pos:endpos]`` (no place there)."""
        places = self._places(text)
        if places is None:
            return True
        k = bisect_left(places, pos)
        return k < len(places) and places[k] < min(endpos, len(text))

    def all(self, text: str) -> list[re.Match]:
        """``list(self.finditer(text))`` over the whole text, remembered for the last text
        (several readers of one note scan it whole for the same pattern)."""
        last = self._all
        if last[0] is text:
            return last[1]
        found = list(self.finditer(text))
        self._all = (text, found)
        return found
