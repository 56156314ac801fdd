"""One review: note text in, a :class:`Review` (units, findings, verdict, facts) out.

The path every front end takes (CLI, batch, UI)::

    intake.prepare -> extractor -> payer profile -> units (once) -> every rule -> verdict

A rule that raises never kills the review: its error is reported in ``errors`` and the note
cannot be ``ready`` (one check did not run). Nothing here prints or logs the note's text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reviewer.errors import ConfigError, UsageError
from reviewer.extract.base import Disagreement, Dropped, Extraction
from reviewer.facts import NoteFacts
from reviewer.intake import Note, prepare
from reviewer.profiles import Profile, builtin_profiles, get_profile
from reviewer.rules.base import SEVERITY_ORDER, Context, Finding, Rule

SCHEMA_VERSION = 1
EXTRACTORS = ("rules", "llm", "hybrid")

Verdict = Literal["ready", "review", "revise"]


class UnitsReport(BaseModel):
    """The ``units`` object of the JSON contract, with how it was obtained.

    ``status``:

    - ``checked``: per-code timed minutes are documented; ``supported`` is one valid allocation;
    - ``total_only``: no per-code minutes, but the note states its total timed minutes
      (``cms`` only): ``supported_total`` comes from that total and ``supported`` is empty;
    - ``not_checkable``: nothing to count units from (``reason`` says why); ``supported_total``
      is null.
    """

    model_config = ConfigDict(extra="forbid")

    method: Literal["cms", "ama"]
    status: Literal["checked", "total_only", "not_checkable"]
    reason: str | None = None
    total_timed_minutes: int | None = None
    supported_total: int | None = None
    supported: dict[str, int] = Field(default_factory=dict)
    alternatives: list[dict[str, int]] = Field(default_factory=list)
    billed: dict[str, int] = Field(default_factory=dict, description="Units billed per code.")
    minutes: dict[str, int] = Field(default_factory=dict, description="Timed minutes per code.")
    untimed: dict[str, int] = Field(default_factory=dict)
    minute_range: tuple[int, int] | None = None
    derivation: list[str] = Field(default_factory=list)
    check: dict[str, Any] | None = Field(
        default=None, description="The billed timed units against what the minutes support."
    )


class ProfileInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    method: Literal["cms", "ama"]
    source: Literal["flag", "env", "note", "default"] = Field(
        description="Where the choice came from: --payer, REVIEWER_PAYER, the note, or default."
    )
    evidence: str | None = Field(default=None, description="The note's payer text, if used.")


class ExtractionInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requested: str
    fallback_reason: str | None = None
    dropped: list[Dropped] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    model: str | None = None
    cached: bool = False
    guidance: list[str] = Field(
        default_factory=list, description="Knowledge chunk ids put in the LLM prompt, if any."
    )
    notes: list[str] = Field(default_factory=list, description="How the extraction ran.")


class InternalError(BaseModel):
    """A check that could not run (a bug, never the note's fault): reported, never hidden."""

    model_config = ConfigDict(extra="forbid")
    stage: Literal["rule", "units"]
    rule: str | None = None
    message: str


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    extractor: str
    verdict: Verdict
    units: UnitsReport
    findings: list[Finding] = Field(default_factory=list)
    facts: NoteFacts
    profile: ProfileInfo
    extraction: ExtractionInfo
    counts: dict[str, int] = Field(default_factory=dict)
    errors: list[InternalError] = Field(default_factory=list)
    note_sha256: str

    def to_contract(self, *, guidance_snippets: bool = False) -> dict[str, Any]:
        """The JSON output contract (schema_version 1) of ARCHITECTURE.md, plus added keys.

        ``guidance_snippets=True`` adds ``guidance_text`` (document id -> short excerpt) to each
        finding, read from the knowledge base (skipped quietly when it is unavailable).
        """
        findings = []
        for f in self.findings:
            item: dict[str, Any] = {
                "rule": f.rule,
                "name": f.name,
                "severity": f.severity,
                "message": f.message,
                "evidence": [e.model_dump(mode="json") for e in f.evidence],
                "guidance": list(f.guidance),
                "fix": f.fix,
                "data": f.data,
            }
            if guidance_snippets:
                item["guidance_text"] = guidance_snippets_for(f.guidance)
            findings.append(item)
        return {
            "schema_version": self.schema_version,
            "extractor": self.extractor,
            "verdict": self.verdict,
            "units": self.units.model_dump(mode="json"),
            "findings": findings,
            "facts": self.facts.model_dump(mode="json"),
            "profile": self.profile.model_dump(mode="json"),
            "counts": dict(self.counts),
            "extraction": self.extraction.model_dump(mode="json"),
            "errors": [e.model_dump(mode="json") for e in self.errors],
            "note_sha256": self.note_sha256,
        }


# --------------------------------------------------------------------------- guidance


def guidance_snippets_for(doc_ids: Iterable[str], max_chars: int = 240) -> dict[str, str]:
    """Short excerpts of the cited knowledge documents ({} if the knowledge base is absent)."""
    from reviewer.knowledge.documents import snippet

    out: dict[str, str] = {}
    for doc_id in doc_ids:
        try:
            out[doc_id] = snippet(doc_id, max_chars=max_chars)
        except ConfigError:
            continue
    return out


# --------------------------------------------------------------------------- extractor


def choose_extractor(name: str | None, llm_settings: Any = None):
    """The extractor for ``name`` (``rules`` default, else ``REVIEWER_EXTRACTOR``)."""
    if name is not None and not isinstance(name, str):
        return name  # an extractor object (tests, callers with their own)
    chosen = (name or os.environ.get("REVIEWER_EXTRACTOR") or "rules").strip().lower()
    if chosen not in EXTRACTORS:
        raise UsageError(f"unknown extractor {chosen!r}: use one of {', '.join(EXTRACTORS)}")
    if chosen == "rules":
        from reviewer.extract.rules_based import RulesExtractor

        return RulesExtractor()
    from reviewer.extract.llm import get_extractor  # LangChain loads only when asked for

    return get_extractor(chosen, llm_settings)


# --------------------------------------------------------------------------- profile


def choose_profile(facts: NoteFacts, payer: str | None = None) -> tuple[Profile, ProfileInfo]:
    """``payer`` (the --payer flag) wins; else ``REVIEWER_PAYER``; else what the note's payer
    implies (its method, or a profile's ``payer_patterns``); else ``cms``."""
    if payer:
        profile = get_profile(payer)
        return profile, _info(profile, "flag")
    env = os.environ.get("REVIEWER_PAYER", "").strip()
    if env:
        profile = get_profile(env)
        return profile, _info(profile, "env")
    found = profile_from_note(facts)
    if found is not None:
        return found, _info(found, "note", facts.payer.evidence.text if facts.payer else None)
    profile = get_profile("cms")
    return profile, _info(profile, "default")


def profile_from_note(facts: NoteFacts) -> Profile | None:
    """The built-in profile the note's payer line implies, or None."""
    if facts.payer is None:
        return None
    profiles = builtin_profiles()
    if facts.payer.method and facts.payer.method in profiles:
        return profiles[facts.payer.method]
    text = f"{facts.payer.name} {facts.payer.evidence.text}"
    # A method named outright ("per-code", "AMA") is more specific than a payer's name, so
    # profiles other than the default are tried first.
    for name in sorted(profiles, key=lambda n: n == "cms"):
        for pattern in profiles[name].payer_patterns:
            if re.search(pattern, text, re.IGNORECASE):
                return profiles[name]
    return None


def _info(
    profile: Profile,
    source: Literal["flag", "env", "note", "default"],
    evidence: str | None = None,
) -> ProfileInfo:
    return ProfileInfo(
        name=profile.name,
        title=profile.title,
        method=profile.method,
        source=source,
        evidence=evidence,
    )


# --------------------------------------------------------------------------- units


def compute_note_units(facts: NoteFacts, method: Literal["cms", "ama"]) -> tuple[Any, UnitsReport]:
    """Units for the note, computed once: (``UnitsResult`` or None, the contract report)."""
    result, report, _ = _note_units(Context(facts=facts, profile=get_profile(method)), method)
    return result, report


def _note_units(ctx: Context, method: Literal["cms", "ama"]) -> tuple[Any, UnitsReport, Any]:
    """:func:`compute_note_units` from the rules' context (its per-code tallies), plus the
    check of the billed timed units against the result (``BilledCheck``, or None). The report
    is validated, so it holds copies of the context's dicts, never the dicts themselves."""
    from reviewer import codes, units

    facts = ctx.facts
    billed = ctx.billed_units
    timed_billed = ctx.timed_billed
    untimed = [c for c in billed if (known := codes.get(c)) is not None and not known.timed]
    minutes = ctx.timed_minutes

    if minutes:
        result = units.compute_units(minutes, untimed, method=method)
        report = UnitsReport(
            method=result.method,
            status="checked",
            total_timed_minutes=result.total_timed_minutes,
            supported_total=result.supported_total,
            supported=result.supported,
            alternatives=result.alternatives,
            billed=billed,
            minutes=result.minutes,
            untimed=result.untimed,
            minute_range=result.minute_range,
            derivation=result.derivation,
        )
        check = None
        if billed:
            check = units.check_billed(result, timed_billed)
            report.check = check.model_dump(mode="json")
        else:
            report.reason = (
                "the note has no billing statement, so the billed units cannot be checked; "
                "the figures show what the documented minutes would support"
            )
        return result, report, check

    stated = facts.total_timed_minutes.minutes if facts.total_timed_minutes else None
    if timed_billed and stated is not None and method == "cms":
        supported_total = units.units_for_minutes(stated)
        billed_total = sum(timed_billed.values())
        rng = units.minute_range_for_units(supported_total)
        derivation = [
            f"No minutes are documented per code; the stated total of {stated} timed minutes "
            f"supports {supported_total} unit{'s' if supported_total != 1 else ''}"
            + (f" ({rng[0]}–{rng[1]} min)." if rng else " (under 8 min).")
        ]
        status = (
            "over"
            if billed_total > supported_total
            else ("under" if billed_total < supported_total else "supported")
        )
        return (
            None,
            UnitsReport(
                method=method,
                status="total_only",
                reason="no minutes are documented per code; only the billed total can be checked",
                total_timed_minutes=stated,
                supported_total=supported_total,
                billed=billed,
                untimed={c: 1 for c in untimed},
                minute_range=rng,
                derivation=derivation,
                check={
                    "status": status,
                    "billed_total": billed_total,
                    "supported_total": supported_total,
                    "over_total": max(0, billed_total - supported_total),
                    "under_total": max(0, supported_total - billed_total),
                    "message": f"{billed_total} timed unit{'s' if billed_total != 1 else ''} billed; "
                    f"the stated {stated} timed minutes support {supported_total}.",
                },
            ),
            None,
        )
    if billed and not timed_billed:
        return (
            None,
            UnitsReport(
                method=method,
                status="checked",
                reason="only untimed codes are billed (one unit per service)",
                total_timed_minutes=0,
                supported_total=0,
                billed=billed,
                untimed={c: 1 for c in untimed},
                derivation=[f"{c} is untimed: 1 unit per service." for c in untimed],
            ),
            None,
        )
    if not billed:
        reason = "the note has no billing statement and documents no timed minutes"
    elif method == "ama" and stated is not None:
        reason = "the per-code method needs minutes for each code; the note gives only a total"
    else:
        reason = "no timed minutes are documented (per code, by clock span, or as a total)"
    return (
        None,
        UnitsReport(
            method=method,
            status="not_checkable",
            reason=reason,
            billed=billed,
            untimed={c: 1 for c in untimed},
        ),
        None,
    )


# --------------------------------------------------------------------------- rules


def load_rules() -> list[Rule]:
    """Every registered per-note rule, in catalogue order."""
    from reviewer.rules import registry

    return registry.all_rules()


def run_rules(ctx: Context, rules: Iterable[Rule]) -> tuple[list[Finding], list[InternalError]]:
    findings: list[Finding] = []
    errors: list[InternalError] = []
    for r in rules:
        try:
            findings.extend(r.run(ctx))
        except Exception as exc:  # one broken rule never kills the review
            errors.append(
                InternalError(
                    stage="rule",
                    rule=r.id,
                    message=f"{r.id} could not run: {type(exc).__name__}: {exc}",
                )
            )
    findings.sort(
        key=lambda f: (
            SEVERITY_ORDER.get(f.severity, 9),
            f.rule,
            f.evidence[0].start if f.evidence else -1,
        )
    )
    return findings, errors


def verdict_for(findings: Iterable[Finding], errors: Iterable[InternalError] = ()) -> Verdict:
    """Any error -> revise; else any warning (or a check that could not run) -> review."""
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "revise"
    if "warning" in severities or any(True for _ in errors):
        return "review"
    return "ready"


# --------------------------------------------------------------------------- entry points


def review_text(
    raw: str | bytes,
    *,
    payer: str | None = None,
    extractor: Any = None,
    llm_settings: Any = None,
) -> Review:
    """Review one note. Raises :class:`reviewer.errors.InputError` for unusable input."""
    return review_note(prepare(raw), payer=payer, extractor=extractor, llm_settings=llm_settings)


def review_note(
    note: Note,
    *,
    payer: str | None = None,
    extractor: Any = None,
    llm_settings: Any = None,
) -> Review:
    requested = extractor if isinstance(extractor, str) else None
    ext = choose_extractor(extractor, llm_settings)
    extraction: Extraction = ext.extract(note)
    return review_extraction(
        note,
        extraction,
        payer=payer,
        requested=requested or os.environ.get("REVIEWER_EXTRACTOR") or extraction.extractor,
    )


def review_extraction(
    note: Note, extraction: Extraction, *, payer: str | None = None, requested: str | None = None
) -> Review:
    """The checker half of a review, for facts already extracted."""
    facts = extraction.facts
    profile, info = choose_profile(facts, payer)
    errors: list[InternalError] = []
    ctx = Context(facts=facts, profile=profile, note=note)
    try:
        result, units_report, check = _note_units(ctx, profile.method)
    except UsageError as exc:  # minutes the unit engine refuses (e.g. more than a day)
        result, check = None, None
        units_report = UnitsReport(
            method=profile.method,
            status="not_checkable",
            reason=str(exc),
            billed=facts.billed_units_by_code(),
        )
    ctx.units = result
    ctx.extra["units_report"] = units_report
    if check is not None:  # the billed check of ``result`` (= ctx.units_result): made once
        ctx.billed_check = check
    findings, rule_errors = run_rules(ctx, load_rules())
    errors.extend(rule_errors)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    return Review(
        extractor=extraction.extractor,
        verdict=verdict_for(findings, errors),
        units=units_report,
        findings=findings,
        facts=facts,
        profile=info,
        extraction=ExtractionInfo(
            requested=(extraction.requested or requested or extraction.extractor),
            fallback_reason=extraction.fallback_reason,
            dropped=extraction.dropped,
            disagreements=extraction.disagreements,
            model=extraction.model,
            cached=extraction.cached,
            guidance=extraction.guidance,
            notes=extraction.notes,
        ),
        counts=counts,
        errors=errors,
        note_sha256=note.sha256,
    )
