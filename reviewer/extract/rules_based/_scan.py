"""Fast scanning for regular expressions that Python's engine cannot scan quickly.

A case-insensitive pattern that opens with a word boundary and an alternation of words has no
literal prefix, so ``re`` tries the whole pattern at every character of the note. When every
match must start at one of a few literal words (or a short run of ``lead`` characters before
one), :class:`Gated` finds those words with ``str.find`` on the lower-cased text and tries the
pattern only there. The matches are exactly the pattern's own: every position where a match
can start is tried, in order, and ``finditer``'s non-overlapping rule is kept. Text holding one
of the four characters that match an ASCII letter case-insensitively without lower-casing to it
("\u0130", "\u0131", "\u017f" long s, "\u212a" Kelvin sign) goes straight to the pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

# The only characters that ``re.IGNORECASE`` matches to an ASCII character other than through
# ``str.lower()`` (and the only one whose lower case is two characters: U+0130).
_FOLD_SPECIAL = re.compile("[\u0130\u0131\u017f\u212a]")


def fold_safe(text: str) -> bool:
    """True when case-insensitive matching of ASCII patterns in ``text`` is plain ASCII case."""
    return text.isascii() or _FOLD_SPECIAL.search(text) is None


@lru_cache(maxsize=32)
def lowered(text: str) -> str | None:
    """``text.lower()`` (same length, same offsets) when ``fold_safe(text)``, else None."""
    return text.lower() if fold_safe(text) else None


class Gated:
    """``rx`` plus the literals every match starts with: ``ci`` (any case, given lower-case),
    ``cs`` (exact case). ``lead``: characters a match may start with before its literal
    (``^[ \\t]*time``). ``starts``: a simple pattern (one ``re`` can scan for, e.g. a digit)
    whose matches' starts are further places a match may start. Only for patterns that cannot
    match the empty string."""

    __slots__ = ("rx", "ci", "cs", "lead", "starts")

    def __init__(
        self,
        rx: re.Pattern,
        ci: tuple[str, ...] = (),
        cs: tuple[str, ...] = (),
        lead: str = "",
        starts: re.Pattern | None = None,
    ):
        self.rx = rx
        self.ci = ci
        self.cs = cs
        self.lead = lead
        self.starts = starts

    def _starts(self, text: str, low: str, pos: int, endpos: int) -> list[int]:
        found: set[int] = set()
        lead = self.lead
        for words, hay in ((self.ci, low), (self.cs, text)):
            for w in words:
                i = hay.find(w, pos, endpos)
                while i >= 0:
                    found.add(i)
                    j = i
                    while lead and j > pos and text[j - 1] in lead:
                        j -= 1
                        found.add(j)
                    i = hay.find(w, i + 1, endpos)
        if self.starts is not None:
            found.update(m.start() for m in self.starts.finditer(text, pos, endpos))
        return sorted(found)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match]:
        stop = len(text) if endpos is None else min(endpos, len(text))
        low = lowered(text)
        if low is None:
            yield from self.rx.finditer(text, pos, stop)
            return
        match = self.rx.match
        last = pos
        for start in self._starts(text, low, pos, stop):
            if start < last:
                continue
            m = match(text, start, stop)
            if m is not None:
                yield m
                last = m.end()

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        return next(self.finditer(text, pos, endpos), None)
