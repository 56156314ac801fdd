"""The intervention vocabulary: names, abbreviations and their spelling variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.extract.rules_based.lexicon import lexicon


def labels(text: str) -> list[tuple[str, str]]:
    return [(lab.text, lab.entry.code) for lab in lexicon().find(text)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # "therapeutic" / "activity" / "exercise" / "training" in their shortened spellings
        ("Ther activity", "97530"),
        ("Ther activities", "97530"),
        ("Thera act", "97530"),
        ("Therapeutic act.", "97530"),
        ("Ther. ex.", "97110"),
        ("Therapeutic exs", "97110"),
        ("Self-care trng", "97535"),
        ("Self care tr'g", "97535"),
        ("ADL trg", "97535"),
        ("Gait trn", "97116"),
        ("Transfer trng", "97530"),
        ("Func mobility trng", "97530"),
        ("Neuromusc re-ed", "97112"),
        ("Mech traction", "97012"),
        ("Joint mob", "97140"),
        ("Unattended elec stim", "G0283"),
        ("Home mgmt training", "97535"),
        ("W/C mgmt", "97542"),
    ],
)
def test_shortened_spellings_of_multi_word_labels(text, code):
    assert labels(text) == [(text, code)]


@pytest.mark.parametrize(
    "text",
    [
        "ex-smoker",  # a variant spelling alone is not a label
        "act now",
        "the train station",
        "mob",
        "stim",
    ],
)
def test_a_shortened_word_alone_is_not_a_label(text):
    assert labels(text) == []


def test_a_longer_label_wins_over_its_first_word():
    assert labels("Gait trng 10 min") == [("Gait trng", "97116")]
    assert labels("Balance tr 10 min") == [("Balance tr", "97112")]


@pytest.mark.parametrize(
    "text",
    [
        "Cardigan donned in 3 min 10 s (5 min at eval).",
        "ROM improved since initial eval",
        "Pain 2/10 vs. eval 6/10",
        "Grip 40 lb (28 lb at the re-eval)",
        "TUG 11 s compared to eval 18 s",
        "Goals updated per re-eval",
    ],
)
def test_an_evaluation_named_as_a_point_in_time_is_not_a_label(text):
    assert labels(text) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Re-eval 10:00-10:30: ROM, MMT, goals updated", "97164"),
        ("PT eval completed today", "97161"),
    ],
)
def test_an_evaluation_performed_today_is_a_label(text, code):
    assert [c for _, c in labels(text)][:1] == [code]


@pytest.mark.parametrize(
    "text",
    [
        "Client seen in the ADL suite",  # a room named after the service
        "walked to the gait lab",
        "met in the ADL kitchen",
        "in the TherEx area",
    ],
)
def test_a_label_naming_a_place_is_not_a_label(text):
    assert labels(text) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ADL training in the kitchen", "97535"),  # the place comes later, not right after
        ("Gait training to the lab", "97116"),
    ],
)
def test_a_label_followed_by_other_words_is_still_a_label(text, code):
    assert [c for _, c in labels(text)][:1] == [code]


def test_every_group_label_holds_one_of_the_group_words():
    lex = lexicon()
    assert lex.group_words
    corpus = Path(__file__).parent / "fixtures" / "corpus"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))]
    texts += [key for key, entry in lex.phrases.items() if entry.kind == "group"]
    texts += ["GROUP TX 10:00-10:30", "Balance  Class", "exercise-class", "Fall-prevention CLASS."]
    texts += ["Boxing Circuit", "circuit-class"]
    seen = 0
    for text in texts:
        for lab in lex.find(text):
            if lab.entry.kind == "group":
                seen += 1
                assert any(w in lab.text.lower() for w in lex.group_words), lab.text
    assert seen >= len(texts) - len(list(corpus.glob("*.txt")))


@pytest.mark.parametrize(
    "text", ["Ball toss (as a group)", "circuit done as a group", "worked in a group of 3"]
)
def test_as_a_group_is_a_group_label(text):
    found = lexicon().find(text)
    assert [lab.entry.kind for lab in found] == ["group"]
    assert found[0].entry.strength == "strong"


@pytest.mark.parametrize(
    ("text", "code"),
    [("GT: amb w/ RW 3 x 100 ft, CGA", "97116"), ("MT: R GH inf glides", "97140")],
)
def test_common_intervention_abbreviations(text, code):
    assert labels(text)[:1] == [(text.split(":")[0], code)]


def test_gait_training_by_its_abbreviation_gets_its_minutes():
    from reviewer.extract.rules_based import extract_facts
    from reviewer.intake import prepare

    note = prepare(
        "DOS 03/02/2026  Medicare\n- TherEx 10 min: bridges 2 x 10\n"
        "- GT 12 min: amb w/ RW 2 x 150 ft, CGA\nBilling: 97110 GP x1, 97116 GP x1\n"
    )
    minutes = {iv.code: iv.minutes for iv in extract_facts(note).interventions}
    assert minutes == {"97110": 10, "97116": 12}


@pytest.mark.parametrize(
    "text",
    [
        "Canalith repositioning 10:00-10:12",
        "Epley maneuver L x 2",
        "Semont maneuver R",
        "canalith repositioning procedure (L posterior canal)",
    ],
)
def test_canalith_repositioning_names_95992(text):
    assert {code for _, code in labels(text)} == {"95992"}


def test_a_vestibular_visit_documents_its_repositioning_code():
    from reviewer.extract.rules_based import extract_facts
    from reviewer.intake import prepare

    note = (
        "Visit: 1300-1340\nO:\nCanalith repositioning 1300-1312: L Dix-Hallpike positive; "
        "Epley maneuver L x 2.\nNMR 1312-1340 (28 min): VOR x1 standing 3 x 30 s, CGA, VCs\n"
        "Billing: 95992 GP x1; 97112 GP x2\n"
    )
    codes = [i.code for i in extract_facts(prepare(note)).interventions]
    assert codes == ["95992", "97112"]
