"""The intervention vocabulary: names and abbreviations therapists write, mapped to codes.

The data lives in ``reviewer/data/vocab/intervention_codes.json`` (see the README there); this
module compiles it once into two regular expressions (phrases, case-insensitive; abbreviations,
case-sensitive) and answers "which intervention label is written here, and what code is it".
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from reviewer.config import PACKAGE_DIR
from reviewer.extract.rules_based._scan import fold_safe

VOCAB_FILE = PACKAGE_DIR / "data" / "vocab" / "intervention_codes.json"

_BOUND_L = r"(?<![A-Za-z0-9])"
# Words before an evaluation label that make it a point in time ("at eval", "since the re-eval").
_POINT_IN_TIME = re.compile(
    r"(?<![A-Za-z])(?:at|since|from|on|vs\.?|versus|than|per|prior\s+to|before|after|last|"
    r"previous|prior|compared\s+(?:to|with))\s+(?:the\s+|her\s+|his\s+|their\s+|last\s+|initial\s+)?$",
    re.IGNORECASE,
)
_BOUND_R = r"(?![A-Za-z0-9])"


@dataclass(frozen=True)
class Entry:
    code: str
    strength: str  # "strong": a label anywhere in a line's head; "weak": only where a label starts
    kind: str = "procedure"  # "group" for group/class labels
    payer_dependent: tuple[tuple[str, str], ...] = ()
    by_discipline: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def candidates(self, discipline: str | None, medicare: bool | None) -> list[str]:
        """Codes this label can mean, most likely first."""
        if self.by_discipline:
            table = dict(self.by_discipline)
            out = list(table.get(discipline or "PT", ()))
            for codes in table.values():
                out.extend(c for c in codes if c not in out)
            return out
        if self.payer_dependent:
            by_payer = dict(self.payer_dependent)
            first = by_payer["medicare"] if medicare is not False else by_payer["other"]
            return [first] + [c for c in by_payer.values() if c != first]
        return [self.code]


@dataclass(frozen=True)
class Label:
    entry: Entry
    start: int
    end: int
    text: str


@dataclass
class Lexicon:
    phrase_re: re.Pattern
    #: ``phrase_re`` grouped by first character, for ``fold_safe`` text only.
    ascii_phrase_re: re.Pattern
    abbrev_re: re.Pattern
    not_label_re: re.Pattern
    place_re: re.Pattern
    phrases: dict[str, Entry] = field(default_factory=dict)
    abbrevs: dict[str, Entry] = field(default_factory=dict)
    #: Lower-case words one of which every group/class label holds as written (see
    #: ``_group_words``); None when some group label has no such word.
    group_words: tuple[str, ...] | None = None

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Label]:
        """Every label in ``text[start:end]``, in order, overlapping matches resolved longest-first."""
        stop = len(text) if end is None else end
        found: list[Label] = []
        phrase_re = self.ascii_phrase_re if fold_safe(text) else self.phrase_re
        for m in phrase_re.finditer(text, start, stop):
            if self.not_label_re.match(text, m.start()) or self.place_re.match(text, m.end()):
                continue
            entry = self.phrases.get(_key(m.group(0)))
            if entry is not None:
                if entry.kind == "evaluation" and _POINT_IN_TIME.search(
                    text, max(0, m.start() - 24), m.start()
                ):
                    continue  # "(5 min at eval)", "since initial eval": a time, not a service
                found.append(Label(entry, m.start(), m.end(), m.group(0)))
        for m in self.abbrev_re.finditer(text, start, stop):
            if self.place_re.match(text, m.end()):
                continue  # "in the ADL suite", "gait lab": a place, not a service
            entry = self.abbrevs.get(m.group(0))
            if entry is not None:
                found.append(Label(entry, m.start(), m.end(), m.group(0)))
        found.sort(key=lambda lab: (lab.start, -(lab.end - lab.start)))
        out: list[Label] = []
        for lab in found:
            if out and lab.start < out[-1].end:
                continue
            out.append(lab)
        return out


#: word -> its canonical spelling, for the words of multi-word phrases ("trng" -> "training").
_CANON: dict[str, str] = {}
#: canonical word -> regex of all its spellings.
_VARIANT_RX: dict[str, str] = {}
#: canonical word -> its spellings in the order of ``_VARIANT_RX``.
_VARIANT_ORDER: dict[str, list[str]] = {}


def _key(text: str) -> str:
    words = [w.rstrip(".") for w in re.split(r"[\s\-]+", text.lower()) if w.strip(".")]
    if len(words) > 1:
        words = [_CANON.get(w, w) for w in words]
    return " ".join(words)


def _phrase_regex(phrase: str) -> str:
    words = [p for p in re.split(r"[\s\-]+", phrase.strip()) if p]
    if len(words) == 1:
        return re.escape(words[0])
    parts = []
    for w in words:
        canon = _CANON.get(w.lower().rstrip("."), w.lower().rstrip("."))
        if canon in _VARIANT_RX:
            parts.append(_VARIANT_RX[canon])
        else:
            parts.append(re.escape(w))
    return r"[\s\-]*".join(parts)


def _load_variants(raw: dict) -> None:
    _CANON.clear()
    _VARIANT_RX.clear()
    _VARIANT_ORDER.clear()
    for canon, variants in raw.get("word_variants", {}).items():
        spellings = sorted({canon, *variants}, key=len, reverse=True)
        _VARIANT_ORDER[canon] = spellings
        for v in spellings:
            _CANON[v.lower()] = canon
        _VARIANT_RX[canon] = (
            "(?:" + "|".join(re.escape(v) for v in spellings) + r")(?:\.(?![A-Za-z0-9]))?"
        )


def _phrase_regex_from(phrase: str, first: str) -> str | None:
    """``_phrase_regex(phrase)`` for the matches that start with ``first`` (lower case), less
    that first character; None when none can."""
    words = [p for p in re.split(r"[\s\-]+", phrase.strip()) if p]
    spellings = [v for v in _spellings_of_first_word(phrase) if v[0].lower() == first]
    if not spellings:
        return None
    if len(words) == 1:
        return re.escape(words[0][1:])
    canon = _CANON.get(words[0].lower().rstrip("."), words[0].lower().rstrip("."))
    if canon in _VARIANT_RX:
        head = "(?:" + "|".join(re.escape(v[1:]) for v in spellings) + r")(?:\.(?![A-Za-z0-9]))?"
    else:
        head = re.escape(words[0][1:])
    rest = _phrase_regex(" ".join(words[1:]))
    if len(words) == 2:  # _phrase_regex of one word does not apply its variants
        canon2 = _CANON.get(words[1].lower().rstrip("."), words[1].lower().rstrip("."))
        rest = _VARIANT_RX[canon2] if canon2 in _VARIANT_RX else re.escape(words[1])
    return head + r"[\s\-]*" + rest


def _by_first_char(ordered: list[str]) -> str:
    """The alternation of ``ordered`` phrases as one branch per first character, each opening
    with a case-sensitive character class: ``re`` skips a branch whose class does not match
    in one step, where a case-insensitive alternation tries every phrase at every word. Within
    a branch the phrases keep their order (longest first), so the same phrase wins. Only for
    text where ``_scan.fold_safe`` holds ("\u212a", the Kelvin sign, matches "k" otherwise)."""
    groups: dict[str, list[str]] = {}
    for phrase in ordered:
        for c in sorted({v[0].lower() for v in _spellings_of_first_word(phrase)}):
            alt = _phrase_regex_from(phrase, c)
            if alt is not None:
                groups.setdefault(c, []).append(alt)
    branches = []
    for c, alts in groups.items():
        cls = re.escape(c) + (re.escape(c.upper()) if c.upper() != c else "")
        branches.append("(?-i:[" + cls + "])(?:" + "|".join(alts) + ")")
    return "|".join(branches) or "(?!)"


def _spellings_of_first_word(phrase: str) -> list[str]:
    words = [p for p in re.split(r"[\s\-]+", phrase.strip()) if p]
    if len(words) > 1:
        canon = _CANON.get(words[0].lower().rstrip("."), words[0].lower().rstrip("."))
        if canon in _VARIANT_RX:
            return _VARIANT_ORDER[canon]
    return [words[0]]


def _group_words(phrases: dict[str, Entry], abbrevs: dict[str, Entry]) -> tuple[str, ...] | None:
    """A word of each group label that every spelling of it writes as is (a word with no
    variants): a text without any of them (in any case) holds no group label."""
    choices: list[list[str]] = []
    for key, entry in phrases.items():
        if entry.kind != "group":
            continue
        parts = key.split(" ")
        # A one-word phrase is matched as written; in a longer one a word with variants may be
        # written another way, any other as written.
        plain = parts if len(parts) == 1 else [w for w in parts if w not in _VARIANT_RX]
        if not plain:
            return None
        choices.append(plain)
    # Of each phrase's words, the one most group phrases share ("group", "class"): few words.
    shared = Counter(w for plain in choices for w in set(plain))
    words = {max(plain, key=lambda w: shared[w]) for plain in choices}
    words.update(a.lower() for a, entry in abbrevs.items() if entry.kind == "group")
    return tuple(sorted(words))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = json.loads(VOCAB_FILE.read_text(encoding="utf-8"))
    _load_variants(raw)
    phrases: dict[str, Entry] = {}
    abbrevs: dict[str, Entry] = {}
    for item in raw["interventions"]:
        entry = Entry(
            code=item["code"],
            strength=item.get("strength", "strong"),
            kind=item.get("kind", "procedure"),
            payer_dependent=tuple(sorted(item.get("payer_dependent", {}).items())),
            by_discipline=tuple((k, tuple(v)) for k, v in item.get("by_discipline", {}).items()),
        )
        for phrase in item.get("phrases", []):
            phrases.setdefault(_key(phrase), entry)
        for abbr in item.get("abbreviations", []):
            abbrevs.setdefault(abbr, entry)
    # Longest first so that "neuromuscular re-education" wins over "neuro".
    ordered = sorted(phrases, key=len, reverse=True)
    phrase_alt = "|".join(_phrase_regex(p) for p in ordered)
    abbrev_alt = "|".join(re.escape(a) for a in sorted(abbrevs, key=len, reverse=True))
    not_labels = raw.get("not_labels", [])
    not_alt = "|".join(_phrase_regex(p) for p in sorted(not_labels, key=len, reverse=True))
    places = raw.get("place_words", [])
    place_alt = "|".join(_phrase_regex(p) for p in sorted(places, key=len, reverse=True))
    return Lexicon(
        place_re=re.compile(r"[ \t]+(?:" + (place_alt or "(?!)") + r")(?![A-Za-z])", re.IGNORECASE),
        phrase_re=re.compile(_BOUND_L + "(?:" + phrase_alt + ")" + _BOUND_R, re.IGNORECASE),
        ascii_phrase_re=re.compile(
            _BOUND_L + "(?:" + _by_first_char(ordered) + ")" + _BOUND_R, re.IGNORECASE
        ),
        abbrev_re=re.compile(_BOUND_L + "(?:" + abbrev_alt + ")" + _BOUND_R),
        not_label_re=re.compile("(?:" + (not_alt or "(?!)") + ")" + _BOUND_R, re.IGNORECASE),
        phrases=phrases,
        abbrevs=abbrevs,
        group_words=_group_words(phrases, abbrevs),
    )
