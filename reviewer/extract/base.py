"""The one interface every extractor implements.

``rules`` (default, offline, deterministic) lives in ``reviewer.extract.rules_based``;
``llm`` and ``hybrid`` live in ``reviewer.extract.llm``. The checker never knows which ran.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from reviewer.facts import NoteFacts
from reviewer.intake import Note


class Dropped(BaseModel):
    """A fact an LLM returned that was thrown away, and why (ungrounded, unknown code ...)."""

    model_config = ConfigDict(extra="forbid")
    field: str = Field(description="Where the fact was: 'interventions[1].code', 'billed[0]'.")
    value: Any = None
    reason: str


class Disagreement(BaseModel):
    """In hybrid mode: the two extractors read a number or a code differently."""

    model_config = ConfigDict(extra="forbid")
    field: str
    rules: Any = None
    llm: Any = None
    note: str = ""


class Extraction(BaseModel):
    """What an extractor returns: the facts plus how they were obtained."""

    model_config = ConfigDict(extra="forbid")
    facts: NoteFacts
    extractor: str = Field(description="'rules', 'llm' or 'hybrid' — what produced the facts.")
    requested: str | None = Field(
        default=None, description="The extractor the user asked for, when a fallback happened."
    )
    fallback_reason: str | None = None
    dropped: list[Dropped] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    model: str | None = None
    cached: bool = False
    guidance: list[str] = Field(
        default_factory=list,
        description="Knowledge-base chunks (document ids) the LLM prompt included.",
    )
    notes: list[str] = Field(
        default_factory=list,
        description="How the extraction ran, for the reader: e.g. that no guidance was "
        "retrieved, or what was redacted before sending (counts, never the text).",
    )


class Extractor(Protocol):
    name: str

    def extract(self, note: Note) -> Extraction: ...
