"""Intake: what is refused, how text is cleaned, and that offsets map back to the note as given."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.errors import InputError
from reviewer.intake import _REPLACE, MAX_NOTE_BYTES, _normalise_slow, normalise, prepare


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   \n\t  ", "empty"),  # whitespace only
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),  # a picture, not a note
        (b"Visit 09:00\xff\xfe 97112", "not valid UTF-8"),
        ("x" * (MAX_NOTE_BYTES + 1), "limit"),
        (b"x" * (MAX_NOTE_BYTES + 1), "limit"),
        ("a\x01b\x02c\x03d\x04e\x05f\x06g\x07h\x08i\x0ej\x0fk\x10" * 3, "binary"),
    ],
)
def test_unusable_input_is_refused_with_a_reason(raw, message):
    with pytest.raises(InputError, match=message):
        prepare(raw)


def test_dashes_spaces_quotes_and_times_signs_are_cleaned():
    note = prepare("Visit: 09:00\u201309:40\u00a0NMR \u00d7 20\u2019 \u201cok\u201d")
    assert note.text == "Visit: 09:00-09:40 NMR x 20' \"ok\""


def test_crlf_and_zero_width_characters_keep_offsets_into_the_original():
    original = "DOS: 03/04/2025\r\nNMR\u200b 09:00\u201309:20\r\nBilling: 97112 GP x2"
    note = prepare(original)
    assert "\r" not in note.text and "\u200b" not in note.text
    start = note.text.index("09:00-09:20")
    span = note.span(start, start + len("09:00-09:20"))
    assert span.text == "09:00\u201309:20"
    assert original[span.start : span.end] == span.text


def test_utf8_bom_is_dropped():
    assert prepare("\ufeffPT note".encode("utf-8-sig")).text == "PT note"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab 9:-\r\n\t\u2013\u00a0\u200b\u2019\u00d7")), max_size=60))
def test_fast_and_slow_normalisation_agree(text):
    """The translate fast path and the character loop give the same text and offsets."""
    fast, slow = normalise(text), _normalise_slow(text)
    assert fast.text == slow.text
    assert list(fast.index_map) == list(slow.index_map)
    for i in range(len(fast.text)):
        assert fast.span(i, i + 1).text == slow.span(i, i + 1).text


_ONE_FOR_ONE_KEYS = [k for k, v in _REPLACE.items() if len(v) == 1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*_ONE_FOR_ONE_KEYS, *"ab -'\"x*\u00e9"]), max_size=80))
def test_one_for_one_replacements_are_a_translation(text):
    """Every replaced character, wherever it stands, becomes its replacement (as
    ``str.translate`` would make it), and the offsets are kept."""
    note = normalise(text)
    assert note.text == text.translate(str.maketrans({k: _REPLACE[k] for k in _ONE_FOR_ONE_KEYS}))
    assert list(note.index_map) == list(range(len(text) + 1))
