"""Hybrid extraction: the rules-based extractor and the LLM, merged.

The rules-based reading is the base. Grounded LLM facts fill what it missed (a total it did not
find, an intervention's minutes, activities, a billed line). Where both read a number or a code
and read it differently, the rules reading stays in the facts, both readings are listed in
``Extraction.disagreements``, and the review shows them as needing a human look. If the LLM
fails, the result is the rules extraction with ``requested="hybrid"`` and the reason.
"""

from __future__ import annotations

from typing import Any

from reviewer import facts as F
from reviewer.extract.base import Disagreement, Extraction
from reviewer.extract.llm.extractor import LLMExtractor, LLMFailure, _extra_fields, rules_extract
from reviewer.extract.llm.settings import LLMSettings
from reviewer.intake import Note

NOTE = "the rules-based and LLM extractors read this differently; the rules reading is used. Check the note."


class HybridExtractor:
    name = "hybrid"

    def __init__(self, settings: LLMSettings, *, llm: LLMExtractor | None = None) -> None:
        self.settings = settings
        self.llm = llm or LLMExtractor(settings)

    def extract(self, note: Note) -> Extraction:
        rules = rules_extract(note)
        try:
            run = self.llm.run(note)
        except LLMFailure as exc:
            return rules.model_copy(update={"requested": self.name, "fallback_reason": exc.reason})
        except Exception as exc:  # one note's LLM trouble never ends the review
            reason = f"unexpected error in the LLM extractor ({type(exc).__name__})"
            return rules.model_copy(update={"requested": self.name, "fallback_reason": reason})
        facts, disagreements = merge(rules.facts, run.facts)
        return Extraction(
            facts=facts,
            extractor="hybrid",
            dropped=run.dropped,
            disagreements=disagreements,
            model=self.settings.model,
            cached=run.cached,
            **_extra_fields(run),
        )


# --- merging ----------------------------------------------------------------------------------


def _overlaps(a: F.Span | None, b: F.Span | None) -> bool:
    return a is not None and b is not None and a.start < b.end and b.start < a.end


def _q(span: F.Span | None) -> str:
    return f'"{" ".join(span.text.split())[:80]}"' if span is not None else "(no quote)"


class _Merger:
    def __init__(self) -> None:
        self.disagreements: list[Disagreement] = []

    def differ(self, field: str, rules: Any, llm: Any, rules_ev=None, llm_ev=None) -> None:
        where = f" (rules: {_q(rules_ev)}; LLM: {_q(llm_ev)})" if rules_ev or llm_ev else ""
        self.disagreements.append(
            Disagreement(field=field, rules=rules, llm=llm, note=NOTE + where)
        )

    def scalar(self, field: str, rules: Any, llm: Any, attr: str | None) -> Any:
        """Fill a missing fact; compare a value present in both."""
        if rules is None:
            return llm
        if llm is None or attr is None:
            return rules
        rv, lv = getattr(rules, attr), getattr(llm, attr)
        if rv is not None and lv is not None and rv != lv:
            self.differ(f"{field}.{attr}", rv, lv, rules.evidence, llm.evidence)
        elif rv is None and lv is not None:
            return rules.model_copy(update={attr: lv})
        return rules

    def intervention(self, i: int, r: F.Intervention, m: F.Intervention) -> F.Intervention:
        where = f"interventions[{i}]"
        upd: dict[str, Any] = {}
        if r.code is None and m.code is not None:
            upd.update(code=m.code, code_source=m.code_source)
        elif r.code and m.code and r.code != m.code:
            self.differ(f"{where}.code", r.code, m.code, r.evidence, m.evidence)
        if r.minutes is None and m.minutes is not None:
            upd.update(
                minutes=m.minutes,
                stated_minutes=m.stated_minutes,
                minutes_evidence=m.minutes_evidence,
            )
        elif r.minutes is not None and m.minutes is not None and r.minutes != m.minutes:
            self.differ(
                f"{where}.minutes",
                r.minutes,
                m.minutes,
                r.minutes_evidence or r.evidence,
                m.minutes_evidence or m.evidence,
            )
        if r.clock_span is None and m.clock_span is not None:
            upd["clock_span"] = m.clock_span
        elif (
            r.clock_span
            and m.clock_span
            and ((r.clock_span.start, r.clock_span.end) != (m.clock_span.start, m.clock_span.end))
        ):
            self.differ(
                f"{where}.clock_span",
                f"{r.clock_span.start}-{r.clock_span.end}",
                f"{m.clock_span.start}-{m.clock_span.end}",
                r.clock_span.evidence,
                m.clock_span.evidence,
            )
        for name in ("activities", "guidance", "nonbillable"):
            if not getattr(r, name) and getattr(m, name):
                upd[name] = getattr(m, name)
        if not r.independent and m.independent:
            upd.update(independent=True, independent_evidence=m.independent_evidence)
        if not (r.group or r.concurrent) and (m.group or m.concurrent):
            upd.update(group=m.group, concurrent=m.concurrent, group_evidence=m.group_evidence)
        if r.by_assistant is None and m.by_assistant is not None:
            upd["by_assistant"] = m.by_assistant
        return r.model_copy(update=upd) if upd else r

    def billed_line(self, i: int, r: F.BilledLine, m: F.BilledLine) -> F.BilledLine:
        where = f"billed[{i}]"
        upd: dict[str, Any] = {}
        if r.units is None and m.units is not None:
            upd["units"] = m.units
        elif r.units is not None and m.units is not None and r.units != m.units:
            self.differ(f"{where}.units", r.units, m.units, r.evidence, m.evidence)
        if not r.modifiers and m.modifiers:
            upd["modifiers"] = m.modifiers
        elif r.modifiers and m.modifiers and sorted(r.modifiers) != sorted(m.modifiers):
            self.differ(f"{where}.modifiers", r.modifiers, m.modifiers, r.evidence, m.evidence)
        if r.minutes is None and m.minutes is not None:
            upd["minutes"] = m.minutes
        return r.model_copy(update=upd) if upd else r


def _match_interventions(rules: list[F.Intervention], llm: list[F.Intervention]) -> dict[int, int]:
    """llm index -> rules index: overlapping evidence first, then the same code."""
    out: dict[int, int] = {}
    used: set[int] = set()
    for j, m in enumerate(llm):
        for i, r in enumerate(rules):
            if i not in used and _overlaps(r.evidence, m.evidence):
                out[j] = i
                used.add(i)
                break
    for j, m in enumerate(llm):
        if j in out or m.code is None:
            continue
        same = [i for i, r in enumerate(rules) if i not in used and r.code == m.code]
        if len(same) == 1:
            out[j] = same[0]
            used.add(same[0])
    return out


def merge(rules: F.NoteFacts, llm: F.NoteFacts) -> tuple[F.NoteFacts, list[Disagreement]]:
    """Merge two readings of one note (see the module docstring)."""
    mg = _Merger()
    out: dict[str, Any] = {}
    out["date_of_service"] = mg.scalar(
        "date_of_service", rules.date_of_service, llm.date_of_service, "value"
    )
    out["discipline"] = mg.scalar("discipline", rules.discipline, llm.discipline, "value")
    out["payer"] = mg.scalar("payer", rules.payer, llm.payer, "method")
    out["provider"] = mg.scalar("provider", rules.provider, llm.provider, None)
    out["signature"] = mg.scalar("signature", rules.signature, llm.signature, None)
    out["supervising_therapist"] = mg.scalar(
        "supervising_therapist", rules.supervising_therapist, llm.supervising_therapist, None
    )
    out["assistant"] = mg.scalar("assistant", rules.assistant, llm.assistant, "role")
    out["total_timed_minutes"] = mg.scalar(
        "total_timed_minutes", rules.total_timed_minutes, llm.total_timed_minutes, "minutes"
    )
    out["total_treatment_minutes"] = mg.scalar(
        "total_treatment_minutes",
        rules.total_treatment_minutes,
        llm.total_treatment_minutes,
        "minutes",
    )

    spans = list(rules.visit_spans)
    if not spans:
        spans = list(llm.visit_spans)
    elif llm.visit_spans and (spans[0].start, spans[0].end) != (
        llm.visit_spans[0].start,
        llm.visit_spans[0].end,
    ):
        mg.differ(
            "visit_spans[0]",
            f"{spans[0].start}-{spans[0].end}",
            f"{llm.visit_spans[0].start}-{llm.visit_spans[0].end}",
            spans[0].evidence,
            llm.visit_spans[0].evidence,
        )
    out["visit_spans"] = spans

    matches = _match_interventions(rules.interventions, llm.interventions)
    interventions = list(rules.interventions)
    llm_index: dict[int, int] = {}
    for j, m in enumerate(llm.interventions):
        if j in matches:
            i = matches[j]
            interventions[i] = mg.intervention(i, interventions[i], m)
            llm_index[j] = i
        else:
            llm_index[j] = len(interventions)
            interventions.append(m)
    out["interventions"] = interventions

    billed = list(rules.billed)
    by_code = {line.code: i for i, line in enumerate(billed)}
    for mb in llm.billed:
        if mb.code in by_code:
            i = by_code[mb.code]
            billed[i] = mg.billed_line(i, billed[i], mb)
        elif not any(
            _overlaps(line.evidence, mb.evidence) and line.code == mb.code for line in billed
        ):
            by_code[mb.code] = len(billed)
            billed.append(mb)
    out["billed"] = billed

    for name in (
        "responses",
        "goal_refs",
        "impairments",
        "safety_measures",
        "group_statements",
        "diagnoses",
    ):
        base = list(getattr(rules, name))
        for item in getattr(llm, name):
            if not any(_overlaps(item.evidence, b.evidence) for b in base):
                base.append(item)
        out[name] = base

    vague = list(rules.vague_phrases)
    for item in llm.vague_phrases:
        if not any(_overlaps(item.evidence, b.evidence) for b in vague):
            index = llm_index.get(item.intervention) if item.intervention is not None else None
            vague.append(item.model_copy(update={"intervention": index}))
    out["vague_phrases"] = vague
    return F.NoteFacts(**out), mg.disagreements
