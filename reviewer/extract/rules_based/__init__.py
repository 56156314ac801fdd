"""The rules-based extractor: offline, deterministic, fast.

It reads a normalised :class:`~reviewer.intake.Note` into :class:`~reviewer.facts.NoteFacts`
in this order: header (date of service, payer and the unit method it implies, discipline,
provider, signature, supervising therapist), the interventions (segmentation, codes, minutes,
clock spans, non-billable time), visit span(s) and stated totals, billed lines, assistant
involvement; then the clinical content (``content.annotate``) when that module is present.

It never guesses: a duration the note does not give stays null (no default of 15 minutes),
a total it does not state stays null, and a code is billed only where a billing statement or
billing table says so.
"""

from __future__ import annotations

from reviewer.extract.base import Extraction
from reviewer.extract.rules_based import content, header, segment, totals
from reviewer.extract.rules_based.billing import extract_billed
from reviewer.extract.rules_based.leaders import without_leaders
from reviewer.facts import NoteFacts
from reviewer.intake import Note

__all__ = ["RulesExtractor", "extract_facts"]

_ASSISTANT_ROLES = ("PTA", "OTA", "SLPA")


def extract_facts(note: Note) -> NoteFacts:
    """Every fact the rules-based extractor reads from ``note``."""
    note = without_leaders(note)  # "Time.......: 10:00-10:25" reads as "Time: 10:00-10:25"
    facts = NoteFacts()
    facts.date_of_service = header.date_of_service(note)
    facts.payer = header.payer(note)
    signature = header.signature(note)
    provider, supervisor = header.labelled_people(note)
    facts.signature = signature
    facts.provider = provider or (
        header.Person(
            name=signature.name,
            credentials=signature.credentials,
            role=signature.role,
            evidence=signature.evidence,
        )
        if signature is not None
        else None
    )
    facts.supervising_therapist = supervisor
    facts.discipline = header.discipline(note, [p for p in (provider, signature) if p is not None])

    facts.billed = extract_billed(note)
    billed_codes = [b.code for b in facts.billed]
    medicare = None
    if facts.payer is not None:
        medicare = facts.payer.method == "cms"
    facts.total_timed_minutes = totals.total_timed(note)
    blocks = segment.find_blocks(note, billed_codes, facts.total_timed_minutes)
    pairs = segment.build_interventions(
        note,
        blocks,
        billed_codes,
        facts.discipline.value if facts.discipline else None,
        medicare,
    )
    facts.interventions = [iv for _, iv in pairs]
    if (
        provider is not None
        and provider.role in _ASSISTANT_ROLES
        and signature is not None
        and signature.role not in _ASSISTANT_ROLES
    ):
        # An assistant named inside one intervention ("TherEx ..., furnished by Sam Lee, PTA")
        # on a note the therapist signs furnished that part, not the whole visit.
        ranges = [(b.start, b.end) for b in blocks]
        inner, _ = header.labelled_people(note, inside=ranges)
        if inner is None or inner.role not in _ASSISTANT_ROLES:
            provider = inner
            facts.provider = provider or header.Person(
                name=signature.name,
                credentials=signature.credentials,
                role=signature.role,
                evidence=signature.evidence,
            )
    block_lines = {note.text.rfind("\n", 0, b.start + 1) + 1 for b in blocks}
    facts.visit_spans = totals.visit_spans(
        note, block_lines, [(b.start, max(b.end, b.cand.head_end)) for b in blocks]
    )
    facts.total_treatment_minutes = totals.total_treatment(note, facts.visit_spans)
    facts.assistant = header.assistant(
        note, provider, signature, [(b.start, b.end, iv.code) for b, iv in pairs]
    )
    if facts.assistant is not None and facts.assistant.scope == "all":
        for iv in facts.interventions:
            if iv.by_assistant is None:
                iv.by_assistant = True

    content.annotate(note, facts)
    return facts


class RulesExtractor:
    """The default extractor (``--extractor rules``)."""

    name = "rules"

    def extract(self, note: Note) -> Extraction:
        return Extraction(facts=extract_facts(note), extractor=self.name)
