"""Intake: turn what the user pasted into a clean note, or refuse it with a clear reason.

Normalisation (Unicode dashes and spaces, line endings, tabs, smart quotes) keeps a map from
every character of the clean text back to the original, so evidence offsets always index into
the note **as given**.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from reviewer.errors import InputError

#: The largest note we review, in bytes of UTF-8. A real daily note is 1-10 KB; anything over
#: this is a paste of something else (a whole chart, a PDF's bytes) and is refused.
MAX_NOTE_BYTES = 100_000

_REPLACE = {
    # dashes and minus signs -> "-"
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-",
    # spaces -> " "
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ",
    "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u205f": " ",
    "\u3000": " ", "\t": " ",
    # quotes
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    # multiplication sign, bullets
    "\u00d7": "x", "\u2022": "*", "\u25cf": "*", "\u25aa": "*", "\u2023": "*",
    # zero-width characters vanish
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u2060": "",
}


#: One-for-one replacements (the common case) keep every offset; only a carriage return or a
#: zero-width character changes the length and needs the character loop. They are made with
#: ``str.replace``, character by character, for the characters the text holds: the same result
#: as ``str.translate`` (no replacement is itself replaced), which is slower, as it looks every
#: character of a non-ASCII text up in a dict.
_ONE_FOR_ONE = tuple((k, v) for k, v in _REPLACE.items() if len(v) == 1)
_ONE_FOR_ONE_ASCII = tuple((k, v) for k, v in _ONE_FOR_ONE if k.isascii())


def _replace_one_for_one(text: str) -> str:
    for k, v in _ONE_FOR_ONE_ASCII if text.isascii() else _ONE_FOR_ONE:
        if k in text:
            text = text.replace(k, v)
    return text
_LENGTH_CHANGING = re.compile("[\r" + "".join(k for k, v in _REPLACE.items() if len(v) != 1) + "]")


#: Unicode category Cc (C0, DEL, C1 controls) except the whitespace a note may contain.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


@dataclass
class Note:
    """A note ready for extraction: ``text`` is normalised, ``original`` is as given."""

    original: str
    text: str
    #: ``index_map[i]`` is the offset in ``original`` of ``text[i]``; one extra entry at the end
    #: (a ``range`` when normalisation kept every offset, which is the usual case).
    index_map: Sequence[int] = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.original.encode("utf-8")).hexdigest()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` range of the clean text to the original note."""
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        o_start = self.index_map[start]
        o_end = self.index_map[end - 1] + 1 if end > start else o_start
        return o_start, o_end

    def span(self, start: int, end: int):
        """A :class:`reviewer.facts.Span` for a range of the clean text, in original offsets."""
        from reviewer.facts import Span

        o_start, o_end = self.to_original(start, end)
        # Validating three plain fields is faster than ``model_construct`` (pydantic-core does
        # it in one call); extraction builds thousands of spans a second.
        return Span(start=o_start, end=o_end, text=self.original[o_start:o_end])


def _decode(raw: str | bytes) -> str:
    if isinstance(raw, str):
        return raw
    if b"\x00" in raw[:8192]:
        raise InputError("this looks like a binary file, not a text note (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the note is not valid UTF-8 (bad byte at position {exc.start}); "
            "save it as UTF-8 text and try again"
        ) from None


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:4096]
    controls = len(_CONTROL.findall(sample))
    return controls > max(8, len(sample) // 50)


def normalise(original: str) -> Note:
    """Normalise without validating (used by tests and by :func:`prepare`)."""
    if not _LENGTH_CHANGING.search(original):
        return Note(original, _replace_one_for_one(original), range(len(original) + 1))
    return _normalise_slow(original)


def _normalise_slow(original: str) -> Note:
    """The character loop, for text whose length changes (CRLF, zero-width characters)."""
    out: list[str] = []
    index_map: list[int] = []
    i = 0
    n = len(original)
    while i < n:
        ch = original[i]
        if ch == "\r":
            out.append("\n")
            index_map.append(i)
            i += 2 if i + 1 < n and original[i + 1] == "\n" else 1
            continue
        rep = _REPLACE.get(ch)
        if rep is None:
            out.append(ch)
            index_map.append(i)
        else:
            for piece in rep:
                out.append(piece)
                index_map.append(i)
        i += 1
    index_map.append(n)
    return Note(original=original, text="".join(out), index_map=index_map)


def prepare(raw: str | bytes, *, max_bytes: int = MAX_NOTE_BYTES) -> Note:
    """Validate and normalise a note. Raises :class:`InputError` with a one-line reason."""
    if isinstance(raw, bytes) and len(raw) > max_bytes:
        # Readers stop one byte past the limit, so the true size may be larger than len(raw).
        raise InputError(
            f"the note is over {max_bytes:,} bytes, the limit (a daily note is "
            "usually under 10 KB). Paste one note at a time, or use `reviewer batch` for many."
        )
    text = _decode(raw)
    size = len(text.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise InputError(
            f"the note is {size:,} bytes; the limit is {max_bytes:,} bytes (a daily note is "
            "usually under 10 KB). Paste one note at a time, or use `reviewer batch` for many."
        )
    if _looks_binary(text):
        raise InputError("this looks like a binary file, not a text note")
    if not text.strip():
        raise InputError("the note is empty: paste the treatment note text")
    return normalise(text)
