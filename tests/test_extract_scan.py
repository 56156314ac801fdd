"""The gated scans find exactly what their plain patterns find, in whole notes and in ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.extract.rules_based import _scan, header, timeparse, totals
from reviewer.extract.rules_based.lexicon import lexicon
from reviewer.intake import prepare

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
GATED = [
    g
    for mod in (totals, timeparse, header)
    for g in vars(mod).values()
    if isinstance(g, _scan.Gated)
]
TEXTS = [prepare(p.read_bytes()).text for p in sorted(FIXTURES.glob("*.txt"))[:20]] + [
    "Total tx time: 38 min (10:00-10:38)\nTTT 38 / TT 45\n",
    "Time in 9:00 am  Time out 9:40 am. Seen 14:00-14:50.",
    # The Kelvin sign matches "k" case-insensitively: such text takes the plain pattern.
    "Supervising PT: \u212aate Lee, PT\nInsurance: Medicare\ntwenty minutes of TherEx",
]


def _spans(matches):
    return [(m.start(), m.end(), m.group(0)) for m in matches]


@pytest.mark.parametrize("gated", GATED, ids=lambda g: g.rx.pattern[:24])
def test_a_gated_scan_finds_what_its_pattern_finds(gated):
    for text in TEXTS:
        assert _spans(gated.finditer(text)) == _spans(gated.rx.finditer(text))


@pytest.mark.parametrize("gated", GATED, ids=lambda g: g.rx.pattern[:24])
def test_a_gated_scan_in_a_range_finds_what_its_pattern_finds_there(gated):
    for text in TEXTS:
        for start in range(0, len(text), 37):
            end = min(len(text), start + 90)
            assert _spans(gated.finditer(text, start, end)) == _spans(
                gated.rx.finditer(text, start, end)
            )
            first = gated.rx.search(text, start, end)
            found = gated.search(text, start, end)
            assert (found and found.span()) == (first and first.span())


def test_lexicon_phrases_grouped_by_first_letter_match_like_the_plain_alternation():
    lex = lexicon()
    for text in TEXTS:
        plain = _spans(lex.phrase_re.finditer(text))
        assert _spans(lex.ascii_phrase_re.finditer(text)) == plain


@pytest.mark.parametrize("gated", GATED, ids=lambda g: g.rx.pattern[:24])
def test_first_is_the_first_match_of_a_range_when_it_starts_early_enough(gated):
    for text in TEXTS:
        for start in range(0, len(text), 37):
            end = min(len(text), start + 90)
            matches = list(gated.rx.finditer(text, start, end))
            for upto in (start, start + 5, start + 40):
                expected = matches[0].span() if matches and matches[0].start() <= upto else None
                found = gated.first(text, start, upto, end)
                assert (found and found.span()) == expected


@pytest.mark.parametrize("gated", GATED, ids=lambda g: g.rx.pattern[:24])
def test_may_match_is_false_only_where_nothing_matches(gated):
    for text in TEXTS:
        for start in range(0, len(text), 11):
            end = min(len(text), start + 60)
            if not gated.may_match(text, start, end):
                assert gated.rx.search(text, start, end) is None


@pytest.mark.parametrize("gated", GATED, ids=lambda g: g.rx.pattern[:24])
def test_all_is_every_match_of_the_whole_text(gated):
    for text in TEXTS:
        assert _spans(gated.all(text)) == _spans(gated.rx.finditer(text))
        assert gated.all(text) is gated.all(text)
