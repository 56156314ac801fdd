"""Dotted leaders: a field key padded with dots up to its colon reads as the bare key.

Flowsheets and EHR printouts align their fields with a run of dots (and spaces) between the key
and the colon: ``Date.............: 2026-01-05``, ``Time.............: 10:00-10:25 (25 min)``,
``Total Timed Min..: 34``, ``Intervention . . . : Gait training``. Every reader of labelled
fields (header, totals, billing, segmentation) reads the key written bare (``Time: ...``), so
the extractor reads the note once with each leader taken out (``Time: ...``), keeping the map
from every character back to the note as given: evidence still quotes the original text.

A leader is two dots or more (single spaces between them allowed), right before a colon, after a
key's last character (a letter, a digit, ``)``, ``#``, ``/`` ...). A single dot before a colon is
an abbreviation's ("Min.:", "Pt.:"), which the readers already handle as written.
"""

from __future__ import annotations

import re

from reviewer.intake import Note

_LEADER = re.compile(r"(?<=[\w)\]#%/'])[ \t]*\.(?:[ \t]?\.)+[ \t]*(?=:)")


def strip_leaders(text: str) -> str:
    """``text`` with every field key's dotted leader taken out ("Client.....: Ann" -> "Client:
    Ann")."""
    if ".." not in text and ". ." not in text:
        return text
    return _LEADER.sub("", text)


def without_leaders(note: Note) -> Note:
    """``note`` with every dotted leader taken out of its clean text, the offsets still mapped
    to the original (the same note when it has none)."""
    text = note.text
    if ".." not in text and ". ." not in text:
        return note
    found = list(_LEADER.finditer(text))
    if not found:
        return note
    pieces: list[str] = []
    index_map: list[int] = []
    old = note.index_map
    pos = 0
    for m in found:
        pieces.append(text[pos : m.start()])
        index_map.extend(old[pos : m.start()])
        pos = m.end()
    pieces.append(text[pos:])
    index_map.extend(old[pos:])  # with the extra entry at the end
    return Note(original=note.original, text="".join(pieces), index_map=index_map)
