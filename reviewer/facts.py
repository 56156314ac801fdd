"""The facts a note documents: what the checker reads instead of raw text.

Every fact carries its evidence: a :class:`Span` with offsets into the note **as given**
(before any normalisation) and the quoted text. A fact without evidence does not exist.
Both extractors (rules-based and LLM) fill this one model; the rules never read raw text.

Field descriptions double as the schema an LLM sees, so they are written for a reader who
has only this model and the note.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Discipline = Literal["PT", "OT", "SLP"]
AssistantRole = Literal["PTA", "OTA", "SLPA"]
Method = Literal["cms", "ama"]

GuidanceKind = Literal[
    "manual_facilitation",  # hands-on facilitation, handling, PNF patterns applied by the clinician
    "tactile_cues",  # TCs, tactile cueing
    "verbal_cues",  # VCs, verbal cues or corrections
    "visual_cues",  # demonstration, mirror feedback, visual targets
    "physical_assistance",  # min/mod/max A, CGA given as assistance (level in `level`)
    "guarding",  # contact guard / guarding / spotting for safety
    "perturbation",  # clinician-applied perturbations
    "standby_supervision",  # SBA, supervision only, monitored
    "independent",  # performed independently / without cues
]

ActivityCategory = Literal[
    "balance",
    "postural_control",
    "proprioception",
    "coordination",
    "motor_control",
    "pnf",
    "weight_shifting",
    "perturbation",
    "vestibular",
    "gait",
    "transfers",
    "functional_task",
    "self_care",
    "strengthening",
    "stretching",
    "range_of_motion",
    "conditioning",
    "manual_therapy",
    "modality",
    "education",
    "other",
]

ParameterKind = Literal[
    "sets_reps",  # "3 x 10", "3x30 s" (sets and reps or sets and hold time)
    "sets",
    "reps",
    "duration",  # "30 s", "2 min" (hold or bout time; not the intervention's billed minutes)
    "distance",  # "100 ft", "4 x 20 ft"
    "load",  # "2#", "3 lb", "blue band", "10 kg"
    "surface",  # "foam", "Airex", "level tile", "grass"
    "equipment",  # "BAPS", "parallel bars", "quad cane", "rollator"
    "assist_level",  # "CGA", "min A"
    "speed",
    "grade",  # manual therapy grade, e.g. "gr III"
    "other",
]

NonBillableKind = Literal[
    "setup", "rest", "waiting", "break", "documentation", "other_patient", "toileting", "other"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Model):
    """Where a fact stands in the note: offsets into the note as given, and the text there."""

    start: int = Field(ge=0, description="Start offset (characters) into the original note.")
    end: int = Field(ge=0, description="End offset (exclusive) into the original note.")
    text: str = Field(description="The note's text between start and end, quoted exactly.")


class TextFact(_Model):
    """A statement found in the note (a response, a goal reference, a safety measure ...)."""

    text: str = Field(description="What the statement says, as short as possible.")
    evidence: Span


class DateFact(_Model):
    value: str | None = Field(
        default=None, description="ISO date (YYYY-MM-DD) if it could be read, else null."
    )
    evidence: Span


class ValueFact(_Model):
    """A single stated value, e.g. the discipline ("PT") or the payer name."""

    value: str
    evidence: Span


class NumberFact(_Model):
    """A stated number of minutes (e.g. 'Total timed code tx: 38 min')."""

    minutes: int = Field(ge=0)
    evidence: Span


class Payer(_Model):
    name: str = Field(description="The payer as written ('Medicare Part B', 'Aetna').")
    method: Method | None = Field(
        default=None,
        description="Unit method the payer implies: 'cms' for Medicare/Medicare-method payers, "
        "'ama' where the note says per-code/AMA/CPT midpoint units; null if not implied.",
    )
    evidence: Span


class Person(_Model):
    name: str | None = None
    credentials: list[str] = Field(
        default_factory=list, description="Credentials as written: PT, DPT, PTA, OTR/L, COTA ..."
    )
    role: Literal["PT", "PTA", "OT", "OTA", "SLP", "SLPA"] | None = Field(
        default=None, description="The licence the credentials imply (DPT -> PT, OTR/L -> OT)."
    )
    evidence: Span


class Signature(Person):
    """The signature line: provider name with credentials (electronic or written)."""

    electronic: bool = False
    signed_date: str | None = Field(default=None, description="ISO date next to the signature.")


class AssistantInvolvement(_Model):
    """An assistant (PTA/OTA) furnished some or all of the service."""

    role: AssistantRole
    scope: Literal["all", "part", "unknown"] = Field(
        default="unknown",
        description="'all' when the assistant furnished the whole visit (e.g. the note is "
        "written and signed by the PTA); 'part' when only some interventions.",
    )
    codes: list[str] = Field(
        default_factory=list,
        description="Codes (or intervention codes) the assistant furnished, if the note says.",
    )
    minutes: int | None = Field(
        default=None, description="Minutes furnished by the assistant, if stated."
    )
    evidence: Span


class ClockSpan(_Model):
    """A start-end pair of clock times, in 24-hour HH:MM."""

    start: str = Field(description="Start time, 24-hour HH:MM.")
    end: str = Field(description="End time, 24-hour HH:MM.")
    minutes: int = Field(ge=0, description="End minus start, in minutes.")
    evidence: Span


class Parameter(_Model):
    kind: ParameterKind
    value: str = Field(description="As written: '3 x 10', 'foam', '2#', 'CGA'.")
    evidence: Span


class Activity(_Model):
    """A named task or technique (SLS on foam, tandem walk, PNF D2, sit to stand, bridges)."""

    name: str = Field(description="The activity as written, short.")
    category: ActivityCategory
    parameters: list[Parameter] = Field(default_factory=list)
    evidence: Span


class Guidance(_Model):
    """Skilled input (or the lack of it) during an intervention."""

    kind: GuidanceKind
    level: str | None = Field(
        default=None, description="Assistance level where stated: CGA, min A, mod A, max A."
    )
    evidence: Span


class NonBillable(_Model):
    """Time the note itself describes as not treatment: setup, rest, waiting, documentation."""

    kind: NonBillableKind
    minutes: int | None = None
    counted: bool = Field(
        default=True,
        description="True when the note counts this time inside the intervention's minutes "
        "('28 min (includes ~5 min rest)'); false when it says it was excluded.",
    )
    evidence: Span


class Intervention(_Model):
    """One documented intervention (a block of treatment under one code)."""

    description: str = Field(description="The intervention's label as written ('NMR', 'TherEx').")
    code: str | None = Field(
        default=None,
        description="CPT/HCPCS code: stated next to the intervention, or mapped from its name "
        "(NMR/neuro re-ed -> 97112, TherEx -> 97110, gait training -> 97116, manual/STM -> "
        "97140, TherAct -> 97530, self-care/ADL training -> 97535, group -> 97150).",
    )
    code_source: Literal["stated", "mapped"] | None = None
    minutes: int | None = Field(
        default=None,
        description="Minutes documented for this intervention: the stated duration, else the "
        "length of its own clock span; null when the note gives neither (never guessed).",
    )
    stated_minutes: int | None = Field(
        default=None, description="The duration as written (e.g. '(20 min)'), if any."
    )
    minutes_evidence: Span | None = None
    clock_span: ClockSpan | None = None
    activities: list[Activity] = Field(default_factory=list)
    guidance: list[Guidance] = Field(default_factory=list)
    independent: bool = Field(
        default=False,
        description="The note says this was done independently/unsupervised/alone "
        "(including a home program done in clinic without instruction).",
    )
    independent_evidence: Span | None = None
    group: bool = Field(default=False, description="Done in a group (2+ patients at once).")
    concurrent: bool = Field(
        default=False, description="Concurrent: clinician treating 2+ patients at once."
    )
    group_evidence: Span | None = None
    by_assistant: bool | None = Field(
        default=None, description="True if the note says an assistant furnished it."
    )
    nonbillable: list[NonBillable] = Field(default_factory=list)
    evidence: Span = Field(description="The whole intervention block (label through details).")


class BilledLine(_Model):
    """A code billed, read only from a billing statement or table (never from prose)."""

    code: str
    units: int | None = Field(default=None, ge=0)
    modifiers: list[str] = Field(
        default_factory=list, description="GP, GO, GN, CQ, CO, KX, 59, XE, XS, XP, XU ..."
    )
    minutes: int | None = Field(
        default=None, description="Minutes written on the billing line itself, if any."
    )
    evidence: Span


class Diagnosis(_Model):
    code: str | None = Field(default=None, description="ICD-10 code if given (R26.81).")
    text: str
    evidence: Span


class VaguePhrase(_Model):
    phrase: str = Field(description="The lexicon phrase matched ('tolerated well').")
    category: str = Field(
        default="generic",
        description="Lexicon category: generic_activity, tolerance, plan, flowsheet, "
        "copy_forward, supervision ...",
    )
    intervention: int | None = Field(
        default=None, description="Index into `interventions` when the phrase describes one."
    )
    evidence: Span


class NoteFacts(_Model):
    """Everything the checker needs from one note. Serialisable to JSON."""

    date_of_service: DateFact | None = None
    discipline: ValueFact | None = Field(
        default=None, description="PT, OT or SLP: the plan-of-care discipline of the note."
    )
    payer: Payer | None = None
    provider: Person | None = Field(
        default=None, description="The clinician who furnished the service (often the signer)."
    )
    signature: Signature | None = None
    supervising_therapist: Person | None = None
    assistant: AssistantInvolvement | None = None

    visit_spans: list[ClockSpan] = Field(
        default_factory=list, description="Clock span(s) of the whole visit/session."
    )
    total_timed_minutes: NumberFact | None = Field(
        default=None, description="The stated total timed-code treatment minutes."
    )
    total_treatment_minutes: NumberFact | None = Field(
        default=None, description="The stated total treatment time (timed plus untimed)."
    )

    interventions: list[Intervention] = Field(default_factory=list)
    billed: list[BilledLine] = Field(default_factory=list)

    responses: list[TextFact] = Field(
        default_factory=list,
        description="Patient response statements (performance, change, cue need, symptoms).",
    )
    goal_refs: list[TextFact] = Field(
        default_factory=list,
        description="References to goals/plan of care/progress toward a goal/need for skill.",
    )
    impairments: list[TextFact] = Field(
        default_factory=list, description="Impairments or functional deficits named."
    )
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    safety_measures: list[TextFact] = Field(
        default_factory=list, description="Gait belt, guarding, CGA, parallel bars, spotting ..."
    )
    group_statements: list[TextFact] = Field(
        default_factory=list, description="Statements that the visit was group/concurrent."
    )
    vague_phrases: list[VaguePhrase] = Field(default_factory=list)

    def timed_minutes_by_code(self) -> dict[str, int]:
        """Documented minutes pooled per code (interventions with known minutes and a code)."""
        from reviewer import codes

        out: dict[str, int] = {}
        for item in self.interventions:
            if item.code and item.minutes is not None and codes.is_known(item.code) and codes.is_timed(item.code):
                out[item.code] = out.get(item.code, 0) + item.minutes
        return out

    def billed_units_by_code(self) -> dict[str, int]:
        """Billed units pooled per code (lines with no units stated count as 1)."""
        out: dict[str, int] = {}
        for line in self.billed:
            out[line.code] = out.get(line.code, 0) + (line.units if line.units is not None else 1)
        return out
