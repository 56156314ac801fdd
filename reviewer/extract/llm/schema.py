"""The schema the model fills: a simplified mirror of :class:`reviewer.facts.NoteFacts`.

Where ``NoteFacts`` carries a :class:`~reviewer.facts.Span` (offsets), each fact here carries a
``quote``: the exact words of the note that show it. :mod:`reviewer.extract.llm.grounding`
finds each quote in the note, maps it to offsets in the original note, and drops what it
cannot find. Field descriptions are the documentation the model reads (in the tool / JSON
schema, and in the prompt's field guide), so they are written for a reader who has only the
note and this schema.

There is deliberately no field for a verdict, a finding or compliance: the model only reports
what the note says; the rules decide.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from reviewer.facts import (
    ActivityCategory,
    AssistantRole,
    Discipline,
    GuidanceKind,
    Method,
    NonBillableKind,
    ParameterKind,
)

QUOTE = (
    "The exact words of the note that show this fact, copied character for character "
    "(a short phrase or one line; do not paraphrase, do not add words)."
)


class _LLM(BaseModel):
    # Unknown keys are ignored (and reported as dropped by the extractor), never fatal.
    model_config = ConfigDict(extra="ignore")


class QText(_LLM):
    text: str = Field(description="What the statement says, as short as possible.")
    quote: str = Field(description=QUOTE)


class QValue(_LLM):
    value: str = Field(description="The value as written.")
    quote: str = Field(description=QUOTE)


class QDate(_LLM):
    value: str | None = Field(default=None, description="The date as YYYY-MM-DD, or null.")
    quote: str = Field(description=QUOTE)


class QMinutes(_LLM):
    minutes: int = Field(ge=0, description="The number of minutes the note states.")
    quote: str = Field(description=QUOTE + " Must contain the number.")


class QClock(_LLM):
    start: str = Field(description="Start clock time, 24-hour HH:MM (2:00 pm -> 14:00).")
    end: str = Field(description="End clock time, 24-hour HH:MM.")
    quote: str = Field(description=QUOTE + " Must contain both times.")


class QPayer(_LLM):
    name: str = Field(description="The payer as written ('Medicare Part B', 'Aetna').")
    method: Method | None = Field(
        default=None,
        description="'cms' for Medicare or a payer following Medicare's total-time method; "
        "'ama' where the note says per-code / AMA / CPT midpoint units; else null.",
    )
    quote: str = Field(description=QUOTE)


class QPerson(_LLM):
    name: str | None = Field(default=None, description="The person's name as written.")
    credentials: list[str] = Field(
        default_factory=list, description="Credentials as written: PT, DPT, PTA, OTR/L, COTA."
    )
    role: Literal["PT", "PTA", "OT", "OTA", "SLP", "SLPA"] | None = Field(
        default=None, description="The licence the credentials imply (DPT -> PT, OTR/L -> OT)."
    )
    quote: str = Field(description=QUOTE)


class QSignature(QPerson):
    electronic: bool = Field(default=False, description="Electronically signed.")
    signed_date: str | None = Field(
        default=None, description="Date next to the signature, YYYY-MM-DD."
    )


class QAssistant(_LLM):
    role: AssistantRole = Field(description="PTA, OTA or SLPA.")
    scope: Literal["all", "part", "unknown"] = Field(
        default="unknown",
        description="'all' when the assistant furnished the whole visit (e.g. the note is "
        "written and signed by the PTA); 'part' when only some interventions.",
    )
    codes: list[str] = Field(default_factory=list, description="Codes the assistant furnished.")
    minutes: int | None = Field(default=None, description="Minutes the assistant furnished.")
    quote: str = Field(description=QUOTE)


class QParameter(_LLM):
    kind: ParameterKind = Field(description="sets_reps, distance, load, surface, equipment ...")
    value: str = Field(description="As written: '3 x 10', 'foam', '2#', 'CGA'.")
    quote: str = Field(description=QUOTE)


class QActivity(_LLM):
    name: str = Field(description="A named task or technique, short ('SLS on foam').")
    category: ActivityCategory = Field(description="What the activity trains.")
    parameters: list[QParameter] = Field(
        default_factory=list,
        description="Sets, reps, hold time, distance, load, surface, equipment, assist level.",
    )
    quote: str = Field(description=QUOTE)


class QGuidance(_LLM):
    kind: GuidanceKind = Field(
        description="The clinician's input: manual_facilitation, tactile_cues, verbal_cues, "
        "visual_cues, physical_assistance, guarding, perturbation; or its absence: "
        "standby_supervision, independent."
    )
    level: str | None = Field(default=None, description="Assist level if stated: CGA, min A ...")
    quote: str = Field(description=QUOTE)


class QNonBillable(_LLM):
    kind: NonBillableKind = Field(description="setup, rest, waiting, break, documentation ...")
    minutes: int | None = Field(default=None, description="Minutes, if stated.")
    counted: bool = Field(
        default=True,
        description="True when the note counts this time inside the intervention's minutes; "
        "false when it says the time was excluded.",
    )
    quote: str = Field(description=QUOTE)


class QIntervention(_LLM):
    description: str = Field(description="The intervention's label as written ('NMR', 'TherEx').")
    code: str | None = Field(
        default=None,
        description="CPT/HCPCS code from the allowed list only: the code written next to the "
        "intervention, or the code its name maps to (NMR/neuro re-ed -> 97112, TherEx -> "
        "97110, gait training -> 97116, manual/STM -> 97140, TherAct -> 97530, self-care/ADL "
        "-> 97535, group -> 97150); null if none fits.",
    )
    minutes: int | None = Field(
        default=None,
        description="Minutes documented for this intervention: the stated duration, else the "
        "length of its own clock span; null when the note gives neither (never guess).",
    )
    minutes_quote: str | None = Field(
        default=None,
        description="The words stating the minutes or the clock span, e.g. '(20 min)'.",
    )
    clock_span: QClock | None = Field(default=None, description="Its own start-end times, if any.")
    activities: list[QActivity] = Field(default_factory=list)
    guidance: list[QGuidance] = Field(default_factory=list)
    independent: bool = Field(
        default=False,
        description="The note says this was done independently / unsupervised / alone.",
    )
    independent_quote: str | None = Field(default=None, description="Words saying so.")
    group: bool = Field(default=False, description="Done in a group (2+ patients at once).")
    concurrent: bool = Field(default=False, description="Clinician treating 2+ patients at once.")
    group_quote: str | None = Field(default=None, description="Words saying group/concurrent.")
    by_assistant: bool | None = Field(
        default=None, description="True if the note says an assistant furnished it."
    )
    nonbillable: list[QNonBillable] = Field(
        default_factory=list, description="Setup, rest, waiting ... time the note mentions."
    )
    quote: str = Field(description="The intervention's heading line as written (label, times).")


class QBilledLine(_LLM):
    code: str = Field(description="The billed code, from the allowed list only.")
    units: int | None = Field(default=None, ge=0, description="Units billed, if stated.")
    modifiers: list[str] = Field(
        default_factory=list, description="Modifiers on this line: GP, GO, GN, CQ, CO, KX, 59 ..."
    )
    minutes: int | None = Field(default=None, description="Minutes written on the billing line.")
    quote: str = Field(
        description="The billing statement for this code, e.g. '97112 GP x2'. Only from a "
        "billing statement or table, never from a mention in prose."
    )


class QDiagnosis(_LLM):
    code: str | None = Field(default=None, description="ICD-10 code if given (R26.81).")
    text: str = Field(description="The diagnosis as written.")
    quote: str = Field(description=QUOTE)


class QVague(_LLM):
    phrase: str = Field(
        description="A generic phrase standing in for a description: 'worked on balance', "
        "'tolerated treatment well', 'continue per POC', 'per flowsheet', 'as above'."
    )
    category: str = Field(
        default="generic",
        description="generic_activity, tolerance, plan, flowsheet, copy_forward, supervision.",
    )
    intervention: int | None = Field(
        default=None, description="Index into `interventions` when it describes one."
    )
    quote: str = Field(description=QUOTE)


class LLMNoteFacts(_LLM):
    """What the note documents. Report only what the note says; leave out what it does not."""

    date_of_service: QDate | None = Field(default=None, description="Date of service.")
    discipline: QValue | None = Field(
        default=None, description="PT, OT or SLP: the plan-of-care discipline of the note."
    )
    payer: QPayer | None = None
    provider: QPerson | None = Field(
        default=None, description="The clinician who furnished the service."
    )
    signature: QSignature | None = Field(
        default=None, description="The signature line (name and credentials)."
    )
    supervising_therapist: QPerson | None = None
    assistant: QAssistant | None = Field(
        default=None, description="A PTA/OTA furnished some or all of the service."
    )
    visit_spans: list[QClock] = Field(
        default_factory=list, description="Clock span(s) of the whole visit/session."
    )
    total_timed_minutes: QMinutes | None = Field(
        default=None, description="The stated total timed-code treatment minutes."
    )
    total_treatment_minutes: QMinutes | None = Field(
        default=None, description="The stated total treatment time (timed plus untimed)."
    )
    interventions: list[QIntervention] = Field(
        default_factory=list, description="Each documented intervention (block of treatment)."
    )
    billed: list[QBilledLine] = Field(
        default_factory=list, description="Billed codes, from the billing statement only."
    )
    responses: list[QText] = Field(
        default_factory=list,
        description="Patient response statements (performance, change, cue need, symptoms).",
    )
    goal_refs: list[QText] = Field(
        default_factory=list,
        description="References to goals/plan of care/progress toward a goal/need for skill.",
    )
    impairments: list[QText] = Field(
        default_factory=list, description="Impairments or functional deficits named."
    )
    diagnoses: list[QDiagnosis] = Field(default_factory=list)
    safety_measures: list[QText] = Field(
        default_factory=list, description="Gait belt, guarding, CGA, parallel bars, spotting."
    )
    group_statements: list[QText] = Field(
        default_factory=list, description="Statements that the visit was group/concurrent."
    )
    vague_phrases: list[QVague] = Field(default_factory=list)


SCHEMA_NAME = "note_facts"


def allowed_codes() -> list[str]:
    from reviewer import codes

    return sorted(codes.all_codes())


def json_schema() -> dict[str, Any]:
    """The JSON schema sent to the endpoint: the pydantic schema with the code list closed.

    Every ``code`` field of an intervention or a billed line is an enum of the codes
    ``reviewer.codes`` knows, so a constrained decoder cannot produce anything else (and a
    model that ignores the schema has its unknown codes dropped in grounding).
    """
    return json.loads(json.dumps(_schema_cached(tuple(allowed_codes()))))


@lru_cache(maxsize=4)
def _schema_cached(codes: tuple[str, ...]) -> dict[str, Any]:
    schema = LLMNoteFacts.model_json_schema()
    schema["title"] = SCHEMA_NAME
    schema["description"] = (
        "Facts documented in one PT/OT daily treatment note, each with the exact quote from "
        "the note that shows it."
    )
    _strip(schema)
    defs = schema.get("$defs", {})
    for name in ("QIntervention", "QBilledLine"):
        prop = defs[name]["properties"]["code"]
        if "anyOf" in prop:
            prop["anyOf"] = [{"type": "string", "enum": list(codes)}, {"type": "null"}]
        else:
            prop["enum"] = list(codes)
    return schema


def _strip(node: Any, top: bool = True) -> None:
    """Drop what the model does not need (per-property titles, null defaults) to save tokens."""
    if isinstance(node, dict):
        if not top and isinstance(node.get("title"), str) and "properties" not in node:
            node.pop("title")
        if node.get("default", 0) is None or node.get("default") == []:
            node.pop("default")
        for key, value in list(node.items()):
            if key == "properties" and isinstance(value, dict):
                for prop in value.values():
                    _strip(prop, top=False)
            else:
                _strip(value, top=False)
    elif isinstance(node, list):
        for item in node:
            _strip(item, top=False)


def schema_fingerprint() -> str:
    """Changes whenever the schema the model sees changes (part of the cache key)."""
    text = json.dumps(json_schema(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def field_guide() -> str:
    """A compact, human-readable list of every field and its description (for the prompt)."""
    lines: list[str] = []
    _walk(LLMNoteFacts, "", lines, {})
    return "\n".join(lines)


def _walk(model: type[BaseModel], prefix: str, lines: list[str], seen: dict[type, str]) -> None:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        sub, many = _submodel(info.annotation)
        choices = _literal_choices(info.annotation)
        desc = info.description or ""
        if sub is not None and not desc:
            desc = (sub.__doc__ or "").strip().splitlines()[0] if sub.__doc__ else ""
        extra = f" One of: {', '.join(choices)}." if choices and len(choices) <= 24 else ""
        if desc.startswith(QUOTE):
            rest = desc[len(QUOTE) :].strip()
            lines.append(f"- {path}: exact words from the note (required). {rest}".rstrip())
            continue
        kind = "list of objects" if (sub is not None and many) else ("object" if sub else "")
        if sub is not None and sub in seen:  # described once already: point there
            kind += f" with the fields of {seen[sub]}"
        label = f" ({kind})" if kind else ""
        lines.append(f"- {path}{label}: {desc}{extra}".rstrip(": "))
        if sub is not None and sub not in seen:
            seen[sub] = path
            child = f"{path}[]." if many else f"{path}."
            _walk(sub, child, lines, seen)


def _submodel(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    args = get_args(annotation)
    origin = getattr(annotation, "__origin__", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0], True
    for arg in args:
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, False
    return None, False


def _literal_choices(annotation: Any) -> list[str]:
    out: list[str] = []
    for arg in (annotation, *get_args(annotation)):
        if (
            getattr(arg, "__origin__", None) is Literal
            or str(getattr(arg, "__origin__", "")) == "typing.Literal"
        ):
            out.extend(str(a) for a in get_args(arg))
    return out


# Names other modules use (kept explicit for readers).
__all__ = [
    "LLMNoteFacts",
    "QIntervention",
    "QBilledLine",
    "QActivity",
    "QGuidance",
    "QParameter",
    "QClock",
    "QMinutes",
    "QText",
    "QValue",
    "QDate",
    "QPayer",
    "QPerson",
    "QSignature",
    "QAssistant",
    "QNonBillable",
    "QDiagnosis",
    "QVague",
    "json_schema",
    "field_guide",
    "schema_fingerprint",
    "allowed_codes",
    "SCHEMA_NAME",
    "Discipline",
]
