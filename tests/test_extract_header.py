"""Header and sign-off: date of service, payer and method, discipline, signature, supervisor,
assistant involvement (reviewer.extract.rules_based.header)."""

from __future__ import annotations

import pytest

from reviewer.extract.rules_based import extract_facts, header
from reviewer.intake import prepare


def facts(text: str):
    return extract_facts(prepare(text))


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("DOS: 03/04/2025   Payer: Medicare", "2025-03-04"),
        ("Date of service: 04/17/2025", "2025-04-17"),
        ("PT note - DOS 09/10/2025 - Medicare Part B", "2025-09-10"),
        ("Date: Mar 4, 2025", "2025-03-04"),
        ("12/02/25 PT f/u #8 - Medicare", "2025-12-02"),  # an unlabelled date opening the note
        ("Pt: J. Doe   DOB 06/14/1941\nDate of service: 2025-04-02", "2025-04-02"),
    ],
)
def test_the_date_of_service_is_read_from_labels_and_the_first_line(text, iso):
    found = header.date_of_service(prepare(text))
    assert found is not None and found.value == iso


@pytest.mark.parametrize(
    "text",
    [
        "Patient: Harold Biggs   DOB 06/14/1941\nDx: R26.81",  # a date of birth only
        "PT daily note - Medicare\nS: fell on 03/01/2025 at home",  # a date inside the history
        "PT daily note\nSigned: Ana Reyes, PT",  # no date at all
    ],
)
def test_a_birth_or_history_date_is_not_the_date_of_service(text):
    assert header.date_of_service(prepare(text)) is None


@pytest.mark.parametrize(
    ("text", "name", "method"),
    [
        ("Payer: Medicare Part B", "Medicare Part B", "cms"),
        ("DOS 03/11/2025   Medicare B", "Medicare B", "cms"),
        ("Payer: Humana Medicare Advantage", "Humana Medicare Advantage", "cms"),
        (
            "Ins: Aetna Choice POS II (commercial) - AMA per-code unit rules",
            "Aetna Choice POS II",
            "ama",
        ),
        ("Payer: Humana commercial PPO - units per code (AMA)", "Humana commercial PPO", "ama"),
        ("Insurance: UHC (commercial; CPT midpoint rule)", "UHC", "ama"),
        # The labelled notes read a plain commercial payer as per-code (AMA) counting.
        ("Payer: Cigna PPO", "Cigna PPO", "ama"),
        ("Payer: BCBS PPO (follows the CMS 8-minute rule)", "BCBS PPO", "cms"),
        ("Payer: State Medicaid", "State Medicaid", None),  # no method implied
    ],
)
def test_the_payer_and_the_unit_method_it_implies(text, name, method):
    payer = header.payer(prepare(text + "\n"))
    assert payer is not None
    assert (payer.name, payer.method) == (name, method)


def test_a_plan_heading_is_not_a_payer():
    assert header.payer(prepare("PT note\nP: Plan to progress balance work\n")) is None


@pytest.mark.parametrize(
    ("line", "name", "role", "electronic"),
    [
        ("Electronically signed: Marcus Hale, PT, DPT 03/04/2025", "Marcus Hale", "PT", True),
        ("Signed: Priya Natarajan, PT", "Priya Natarajan", "PT", False),
        ("Sofia Marchetti, PTA", "Sofia Marchetti", "PTA", False),
        ("B. Farris, PT", "B. Farris", "PT", False),  # a name + credentials line is a signature
        ("- J. Okafor, PT 01/28/25", "J. Okafor", "PT", False),
        ("Electronically signed by Tessa Lindqvist, PT", "Tessa Lindqvist", "PT", True),
        ("Kelsey Brandt, PT, DPT - signed 10/14/2025", "Kelsey Brandt", "PT", False),
        ("Jasmine Ortiz, COTA/L", "Jasmine Ortiz", "OTA", False),
        ("Lena Dorsey, OTR/L", "Lena Dorsey", "OT", False),
        (
            "Alicia Romero, COTA/L    Co-signed: Megan Fitzgerald, OTR/L",
            "Alicia Romero",
            "OTA",
            False,
        ),
    ],
)
def test_signature_lines(line, name, role, electronic):
    sig = header.signature(prepare("PT note\nBilling: 97112 GP x1\n\n" + line + "\n"))
    assert sig is not None
    assert (sig.name, sig.role, sig.electronic) == (name, role, electronic)


@pytest.mark.parametrize("above", ["Note", "CGA", "Pt", "GP", "VCs", "Plan"])
def test_a_signature_name_never_takes_a_capitalised_word_from_the_line_above(above):
    sig = header.signature(prepare("PT note\nBilling: 97110 GP x1\n" + above + "\nJane Doe, PTA\n"))
    assert sig is not None
    assert (sig.name, sig.role, sig.evidence.text) == ("Jane Doe", "PTA", "Jane Doe, PTA")


@pytest.mark.parametrize(
    "tail",
    [
        "",  # nothing after the billing
        "[signature pending]",
        "Marcus Hale, PT - not signed",
        "Supervising PT: Alan Cho, PT, DPT",  # a labelled field is not a signature
        "Standing at bar, PT cued posture",  # a sentence, not a name
    ],
)
def test_an_unsigned_note_has_no_signature(tail):
    assert (
        header.signature(prepare("PT DAILY NOTE - DRAFT\nBilling: 97112 GP x1\n" + tail + "\n"))
        is None
    )


def test_a_supervising_therapist_needs_a_name():
    f = facts("PT note (PTA)\nSupervising PT: Alan Cho, PT, DPT (on site)\nSofia Marchetti, PTA\n")
    assert f.supervising_therapist is not None and f.supervising_therapist.name == "Alan Cho"
    f = facts("PT note\nPlan: per supervising PT, progress gait.\nTyler Greaves, PTA\n")
    assert f.supervising_therapist is None


def test_under_supervision_of_names_the_supervisor():
    f = facts("Provider: Alicia Romero, COTA/L, under supervision of Megan Fitzgerald, OTR/L\n")
    assert f.supervising_therapist.name == "Megan Fitzgerald"
    assert f.provider.name == "Alicia Romero" and f.provider.role == "OTA"


def test_a_note_signed_by_an_assistant_is_the_assistants_whole_visit():
    f = facts(
        "PT Daily Note\nNMR 10:00-10:25 (25 min): SLS 3 x 10 s\nBilling: 97112 GP x2\n\nSofia Marchetti, PTA\n"
    )
    assert (f.assistant.role, f.assistant.scope) == ("PTA", "all")
    assert f.interventions[0].by_assistant is True


def test_an_assistant_named_in_one_intervention_is_part_of_the_visit():
    f = facts(
        "PT Daily Note\nNMR 10:00-10:25 (25 min): SLS 3 x 10 s; TCs at pelvis\n"
        "TherEx 10:25-10:38 (13 min): PTA performed bridges 3 x 10\n"
        "Billing: 97112 GP x2; 97110 GP CQ x1\n\nDana Lee, PT, DPT\n"
    )
    assert (f.assistant.role, f.assistant.scope, f.assistant.codes) == ("PTA", "part", ["97110"])


def test_no_assistant_is_invented():
    f = facts(
        "OT note\nTherapeutic activities 13:00-13:28 (28 min): OT alternated between two clients\n"
        "Billing: 97530 GO CO x2\n\nRenee Caldwell, OTR/L\n"
    )
    assert f.assistant is None


@pytest.mark.parametrize(
    ("text", "disc"),
    [
        (
            "PT DAILY NOTE\nBilling: 97112 GO x1\n\nK. Lindgren, DPT\n",
            "PT",
        ),  # GO does not make it OT
        ("Occupational Therapy Daily Note\nBilling: 97530 GP x2\n\nLena Dorsey, OTR/L\n", "OT"),
        (
            "Pt: Nora F.   DOS 11/12/2025\nBilling: 97110 GP x2\nLucia Ferrante, PT\n",
            "PT",
        ),  # from the signer
    ],
)
def test_the_discipline_comes_from_the_title_or_the_clinician_never_the_modifier(text, disc):
    assert facts(text).discipline.value == disc


@pytest.mark.parametrize(
    ("line", "name", "role"),
    [
        ("Signed electronically by Jane Doe, PTA on 03/04/2025 at 10:52", "Jane Doe", "PTA"),
        ("Therapist signature: Omar Haddad, OTR/L  NPI 1234567890", "Omar Haddad", "OT"),
        ("Jane Doe PT, DPT", "Jane Doe", "PT"),
    ],
)
def test_more_signature_shapes(line, name, role):
    sig = header.signature(prepare("PT note\nBilling: 97112 GP x1\n\n" + line + "\n"))
    assert sig is not None and (sig.name, sig.role) == (name, role)


@pytest.mark.parametrize(
    ("text", "supervisor"),
    [
        (
            "OT note\nSupervising OTR/L: Michael Chen, OTR/L\nJo Ames, COTA\n",
            "Michael Chen",
        ),  # credential label
        ("PT note\nSupervised by Ann Lee, PT\nTom Ray, PTA\n", "Ann Lee"),
        ("PT note\nPT supervisor: Ann Lee, DPT\nTom Ray, PTA\n", "Ann Lee"),
    ],
)
def test_supervisor_labels(text, supervisor):
    assert facts(text).supervising_therapist.name == supervisor


def test_signer_and_supervisor_on_one_line():
    f = facts(
        "PT note\nBilling: 97112 GP x2\n\nSigned: Kevin Marsh, PTA     Supervising PT: Priya Natarajan, PT, DPT\n"
    )
    assert (f.signature.name, f.signature.role) == ("Kevin Marsh", "PTA")
    assert f.supervising_therapist.name == "Priya Natarajan"
    assert (f.assistant.role, f.assistant.scope) == ("PTA", "all")


@pytest.mark.parametrize(
    "label",
    [
        "Sup PT: M. Adebayo, PT (on site)",  # abbreviated label
        "Supv PT: M. Adebayo, PT",
        "Sup. PT - M. Adebayo, DPT",
        "Supervising: M. Adebayo, PT",
        "Supervising physical therapist: M. Adebayo, PT, DPT",
        "PT on site: M. Adebayo, PT",
        "Supervision: M. Adebayo, PT on site",
        "Under the direct supervision of M. Adebayo, PT",
        "Overseen by M. Adebayo, PT",
        "Co-signed: M. Adebayo, PT 03/25/2025",
    ],
)
def test_supervisor_label_variants(label):
    f = facts("PT daily - PTA\n" + label + "\nNMR x25': SLS\n\nPaloma Reyes, PTA  3/25/25\n")
    assert f.supervising_therapist is not None
    assert f.supervising_therapist.name == "M. Adebayo"
    assert (f.signature.name, f.signature.role) == ("Paloma Reyes", "PTA")


@pytest.mark.parametrize(
    "text",
    [
        "PT note\nSupine PT: 3 x 10 bridges\nTom Ray, PTA\n",  # not a label: no name
        "PT note\nPlan: discuss with supervising PT next week.\nTom Ray, PTA\n",
        "PT note\nSupport: Ann Lee, PT\nTom Ray, PTA\n",  # "Sup" must be a word
    ],
)
def test_no_supervisor_without_a_supervisor_label_and_name(text):
    assert facts(text).supervising_therapist is None


def test_an_assistant_furnishing_one_labelled_intervention_is_part_of_the_visit():
    f = facts(
        "PT Daily Note\nVisit 10:00-10:45\n\n"
        "NMR 10:00-10:25 (25 min), M. Diaz, PT: foam stance 3 x 30 s; CGA\n"
        "TherEx 10:25-10:45 (20 min), furnished by Sam Lee, PTA, under supervision of "
        "M. Diaz, PT: sit to stand 3 x 10\n\n"
        "Billing: 97112 GP x2; 97110 GP CQ x1\n\nManuel Diaz, PT\n"
    )
    assert (f.assistant.role, f.assistant.scope, f.assistant.codes) == ("PTA", "part", ["97110"])
    assert [iv.by_assistant for iv in f.interventions] == [None, True]
    assert (f.provider.name, f.provider.role) == ("Manuel Diaz", "PT")


def test_an_assistant_named_as_provider_in_the_header_furnished_the_whole_visit():
    f = facts(
        "PT Daily Note\nProvider: Sam Lee, PTA\nNMR 10:00-10:25 (25 min): foam stance\n"
        "Billing: 97112 GP CQ x2\n\nCo-signed: Manuel Diaz, PT\n"
    )
    assert (f.assistant.role, f.assistant.scope) == ("PTA", "all")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        # an unlabelled date in a long header, after the sixth line but before the first section
        (
            "Outpatient Rehab\nPhysical Therapy\nDaily Note\nPt: A. B.\nMRN 123\nDx: R26.81\n"
            "Payer: Medicare\n03/04/2025   PT f/u\n\nS: better\n",
            "2025-03-04",
        ),
        ("Encounter date: 2025-03-04", "2025-03-04"),
        ("Session date - Mar 4, 2025", "2025-03-04"),
        ("Pt seen 03/04/2025 for PT f/u", "2025-03-04"),
        ("Date of encounter: 3/4/25", "2025-03-04"),
    ],
)
def test_more_ways_to_write_the_date_of_service(text, iso):
    found = header.date_of_service(prepare(text))
    assert found is not None and found.value == iso


@pytest.mark.parametrize(
    "text",
    [
        # a date after the first section heading is history, not the visit
        "PT daily note\nMedicare\nS:\nPt reports\nthat she\nwas\nwell\n03/01/2025 was her surgery\n",
        "PT daily note\nPlan: next seen 03/11/2025\n",  # a future visit
        "PT daily note\nLast seen 02/25/2025\n",
    ],
)
def test_dates_that_are_not_the_date_of_service(text):
    assert header.date_of_service(prepare(text)) is None


@pytest.mark.parametrize(
    ("line", "name", "role", "signed"),
    [
        ("Signed, Ezekiel Barnard, PT  07/21/2026", "Ezekiel Barnard", "PT", "2026-07-21"),
        ("Dr. Amy Cole, DPT", "Dr. Amy Cole", "PT", None),  # a doctor title before the name
        ("Signed: Dr. Amy Cole, PT, DPT 07/21/2026", "Dr. Amy Cole", "PT", "2026-07-21"),
        ("Lena van der Berg, OTR/L", "Lena van der Berg", "OT", None),  # surname particles
        ("Signed 07/21/2026 14:05 by Amy Cole, PT", "Amy Cole", "PT", "2026-07-21"),
        ("Sign-off: Amy Cole, PTA", "Amy Cole", "PTA", None),
        ("Signature/Date: Amy Cole, OTR/L 07/21/2026", "Amy Cole", "OT", "2026-07-21"),
        # two signers on one line: the first is the note's signature
        ("Renata Quist, PT, DPT      Dominic Ashworth, PTA", "Renata Quist", "PT", None),
        ("Ann Lee, PT / Tom Ray, PTA  07/21/2026", "Ann Lee", "PT", "2026-07-21"),
    ],
)
def test_signature_lines_in_more_shapes(line, name, role, signed):
    sig = header.signature(prepare("PT note\nBilling: 97112 GP x1\n\n" + line + "\n"))
    assert sig is not None and (sig.name, sig.role, sig.signed_date) == (name, role, signed)


@pytest.mark.parametrize(
    "line",
    [
        "Renata Quist, PT, DPT will reassess next week",  # a sentence, not a sign-off
        "Signed, Amy Cole, PT - signature pending",  # unsigned
        "Dr. Amy Cole ordered a re-eval",  # no credentials
    ],
)
def test_lines_that_are_not_a_signature(line):
    assert header.signature(prepare("PT note\nBilling: 97112 GP x1\n\n" + line + "\n")) is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("HAND THERAPY - DAILY NOTE        04-Mar-2026\nPayer: Cigna", "2026-03-04"),
        ("DOS: 04-Mar-26", "2026-03-04"),
        ("Date of service: Mar-04-2026", "2026-03-04"),
        ("DOS 2026/03/04", "2026-03-04"),
        ("Visit date: 03.04.2026", "2026-03-04"),
        ("Date: March 4th 2026", "2026-03-04"),
    ],
)
def test_the_date_of_service_in_emr_date_shapes(text, iso):
    found = header.date_of_service(prepare(text))
    assert found is not None and found.value == iso


@pytest.mark.parametrize(
    ("text", "quote", "iso"),
    [
        # a label's words never run across a line break; a label starting its own line is one
        ("OT Daily Treatment\nDate: 04/14/2026\n", "Date: 04/14/2026", "2026-04-14"),
        ("PT Daily Visit\nDate: 07/09/2025   Medicare\n", "Date: 07/09/2025", "2025-07-09"),
        (
            "PT - TREATMENT ENCOUNTER\nDATE OF SERVICE: 06/03/2025\nPrior DOS 05/20/2025 adjusted\n",
            "DATE OF SERVICE: 06/03/2025",
            "2025-06-03",
        ),
    ],
)
def test_a_date_label_is_read_on_its_own_line(text, quote, iso):
    found = header.date_of_service(prepare(text))
    assert found is not None and (found.evidence.text, found.value) == (quote, iso)


def test_date_inside_a_sentence_is_not_a_label():
    found = header.date_of_service(prepare("PT note 03/02/2026\nHEP up to date: 5 exercises\n"))
    assert found is not None and found.evidence.text == "03/02/2026"


def test_a_date_only_on_the_signature_line_is_not_the_date_of_service():
    # The signature date records when the note was signed (often later than the visit); the
    # labelled notes never read it as the date of service, and the extractor never guesses.
    note = "PT Daily Note\nNMR 10:00-10:25 (25 min): SLS 3 x 30 s\nBilling: 97112 GP x2\n\n"
    f = facts(note + "Amy Cole, PT  07/21/2026\n")
    assert f.date_of_service is None
    assert f.signature is not None and f.signature.signed_date == "2026-07-21"


@pytest.mark.parametrize(
    ("line", "name", "role", "signed"),
    [
        (
            "Evaluating therapist: Ruth Okonjo, PT, DPT  08/14/2026 10:45",
            "Ruth Okonjo",
            "PT",
            "2026-08-14",
        ),
        ("Treating therapist - Milo Fairchild, OTR/L", "Milo Fairchild", "OT", None),
        (
            "Treating clinician: Ines Vatter, PTA 8/14/26 2:15 pm",
            "Ines Vatter",
            "PTA",
            "2026-08-14",
        ),
        ("Therapist: Ruth Okonjo, PT", "Ruth Okonjo", "PT", None),
        (
            "Rendering provider \u2014 Milo Fairchild, COTA 08/14/2026",
            "Milo Fairchild",
            "OTA",
            "2026-08-14",
        ),
        # co-signature and a date line may follow the sign-off
        (
            "Treating therapist: Ines Vatter, PTA\nCo-signed: Ruth Okonjo, PT 08/15/2026\n08/14/2026",
            "Ines Vatter",
            "PTA",
            None,
        ),
        ("Signed: Ines Vatter, PTA 8/14/26 2:15 pm", "Ines Vatter", "PTA", "2026-08-14"),
    ],
)
def test_a_labelled_sign_off_at_the_end_is_the_signature(line, name, role, signed):
    sig = header.signature(prepare("PT note\nBilling: 97112 GP x1\n\n" + line + "\n\n"))
    assert sig is not None and (sig.name, sig.role, sig.signed_date) == (name, role, signed)


@pytest.mark.parametrize(
    "text",
    [
        # the provider field at the top of an unsigned note
        "PT note\nTreating therapist: Ruth Okonjo, PT\nDOS 08/14/2026\nBilling: 97112 GP x1\n",
        "PT note\nTherapist: Ruth Okonjo, PT   Date: 08/14/2026\nBilling: 97112 GP x1\n",
        # labelled, but the note says it is not signed
        "PT note\nBilling: 97112 GP x1\nTreating therapist: Ruth Okonjo, PT\nAwaiting signature\n",
        "PT note\nBilling: 97112 GP x1\nTherapist: Ruth Okonjo, PT - not yet signed\n",
        # a supervisor's field is not the sign-off
        "PTA note\nBilling: 97112 GP CQ x1\nSupervising therapist: Ruth Okonjo, PT\n",
    ],
)
def test_a_labelled_person_that_is_not_the_sign_off(text):
    assert header.signature(prepare(text)) is None


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Signed: Inés Carvalho-Lund, PT, DPT   05/02/2026", "Inés Carvalho-Lund"),
        ("Élodie Brandt, OTR/L   05/02/2026", "Élodie Brandt"),
        ("Electronically signed: Jörg Åkesson, PT", "Jörg Åkesson"),
    ],
)
def test_a_signature_with_accented_letters_in_the_name(line, name):
    f = facts("PT daily note\nTherEx 10 min\n" + line + "\n")
    assert f.signature is not None and f.signature.name == name


def test_a_supervisor_with_accented_letters_in_the_name():
    text = (
        "OT note\nTreating: Dana Kiel, COTA/L\nSupervising OT: Søren Ibáñez, OTR/L (on site)\n"
        "Dana Kiel, COTA/L\n"
    )
    f = facts(text)
    assert f.supervising_therapist is not None
    assert f.supervising_therapist.name == "Søren Ibáñez"


@pytest.mark.parametrize(
    ("line", "name", "role", "signed"),
    [
        # a co-signature written "Cosign:" or "Reviewed/co-signed:" after the signer's date
        (
            "Tobias Wren, PTA  03/12/2026    Cosign: Hilda Marsh, PT",
            "Tobias Wren",
            "PTA",
            "2026-03-12",
        ),
        (
            "Ines Volk, COTA/L  03/12/2026  Reviewed/co-signed: Ada Birch, OTR/L",
            "Ines Volk",
            "OTA",
            "2026-03-12",
        ),
        (
            "Ines Volk, OTA 03/12/2026 - reviewed by Ada Birch, OTR/L",
            "Ines Volk",
            "OTA",
            "2026-03-12",
        ),
        # speech recognition spells the commas out
        (
            "Electronically signed Morgan Tillery comma PT comma DPT. 03/12/2026",
            "Morgan Tillery",
            "PT",
            "2026-03-12",
        ),
        ("Morgan Tillery comma OTR/L", "Morgan Tillery", "OT", None),
    ],
)
def test_co_signed_and_dictated_signature_lines(line, name, role, signed):
    sig = header.signature(prepare("PT note\nBilling: 97112 GP x1\n\n" + line + "\n"))
    assert sig is not None and (sig.name, sig.role, sig.signed_date) == (name, role, signed)
    assert "comma" not in " ".join(sig.credentials)


@pytest.mark.parametrize(
    "line",
    [
        "Morgan Tillery comma PT comma will reassess next week",  # a dictated sentence
        "Morgan Tillery, PT reviewed the HEP with pt",  # "reviewed" is not a co-signature here
        "Tobias Wren, PTA comma signature pending",
    ],
)
def test_lines_that_are_still_not_a_signature(line):
    assert header.signature(prepare("PT note\nBilling: 97112 GP x1\n\n" + line + "\n")) is None
