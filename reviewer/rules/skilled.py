"""Skilled service (S001-S005): does the note show skilled, one-on-one neuromuscular work?

The rules read the content facts the extractor found inside each intervention (activities,
guidance, independence, group statements) and the note's impairments and diagnoses. What
counts as neuromuscular re-education or as skilled input is data
(``reviewer/data/vocab/content/categories.json``), not code.
"""

from __future__ import annotations

from collections.abc import Iterator

from reviewer import codes
from reviewer.extract.rules_based.content import (
    NOT_NMR,
    SKILLED_GUIDANCE,
    vague_target,
)
from reviewer.facts import Intervention, NoteFacts, Span
from reviewer.rules.base import Context, Finding, Rule, rule

NMR = "97112"
GROUP_CODE = "97150"
#: What a generic phrase must show was worked on for S001 to accept it as a 97112 target.
NMR_TARGETS = {"balance", "gait"}

# Example notes shared by the rules below (synthetic). Each example changes one thing.
_HEAD = (
    "Physical Therapy Daily Note\n"
    "DOS: 05/13/2025   Payer: Medicare Part B\n"
    "Dx: R26.81 Unsteadiness on feet; Z91.81 History of falling\n"
    "Visit 09:00-09:30\n\n"
)
_NMR = (
    "NMR 09:00-09:15 (15 min): tandem stance on foam 3 x 30 s; lateral weight shifts at the "
    "counter 2 x 10; gait belt, CGA; TCs at pelvis and VCs for upright trunk.\n"
)
_THEREX = (
    'TherEx 09:15-09:30 (15 min): sit to stand from 18" chair 3 x 10; bridges 3 x 12; '
    "hip abduction with red band 3 x 12; VCs for slow lowering.\n"
)
_TAIL = (
    "\nResponse: tandem on foam 30 s on 2 of 3 trials (20 s last visit); fewer TCs needed.\n"
    "Goal: STG 1 tandem stance 30 s on foam; progressing. Impaired balance and fall risk; "
    "skilled PT needed.\n"
    "Total timed minutes: 30   Total treatment time: 30 min\n"
    "Billing: 97112 GP x1; 97110 GP x1\n\n"
    "Signed: Lena Ortiz, PT, DPT 05/13/2025\n"
)
_CLEAN = _HEAD + _NMR + _THEREX + _TAIL


def _billed_line(facts: NoteFacts, code: str) -> Span | None:
    return next((line.evidence for line in facts.billed if line.code == code), None)


def nmr_interventions(facts: NoteFacts) -> list[Intervention]:
    """The interventions documented under 97112 (stated or mapped). When none carries the
    code, the interventions with no code at all stand in (a label the extractor could not map)."""
    items = [i for i in facts.interventions if i.code == NMR]
    if items:
        return items
    return [i for i in facts.interventions if not i.code]


def _quote(items: list[str], limit: int = 5) -> str:
    shown = [f"'{x}'" for x in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(shown) + more


def _label(item: Intervention) -> Span:
    """The intervention's first line, as evidence (the whole block is often long)."""
    ev = item.evidence
    cut = ev.text.find("\n")
    if cut <= 0:
        return ev
    return Span(start=ev.start, end=ev.start + cut, text=ev.text[:cut])


@rule(
    id="S001",
    name="nmr-activity-missing",
    severity="error",
    sources=["cpt-97112", "lcd-97112"],
    summary="97112 is billed but only strengthening, stretching, ROM or conditioning (or "
    "nothing) is documented under it.",
    fails=[
        _HEAD
        + "NMR 09:00-09:15 (15 min): SLR 3 x 10 with 2 lb; quad sets 2 x 15; hamstring stretch "
        "3 x 30 s; VCs to lock the knee.\n" + _THEREX + _TAIL,
    ],
    passes=[
        _CLEAN,
        _HEAD
        + "NMR 09:00-09:15 (15 min): PNF D2 flexion with manual resistance 3 x 8; joint position "
        "sense retraining 5 trials; TCs at scapula.\n" + _THEREX + _TAIL,
    ],
)
def nmr_activity_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags 97112 when nothing documented under it is neuromuscular re-education.

    97112 is re-education of movement, balance, coordination, kinesthetic sense, posture or
    proprioception. When the note describes only strengthening, stretching, range of motion
    or conditioning under it (or nothing at all), the documentation supports 97110, not 97112.
    A generic phrase such as "worked on balance" still shows that balance was the target, so it
    is D001's (vague language), not this rule's.

    Why: the CPT descriptor defines 97112 by its neuromuscular purpose (cpt-97112) and the
    contractors' coverage articles expect the documented activity to match it (lcd-97112).
    """
    facts = ctx.facts
    billed = ctx.billed_units
    if NMR not in billed:
        return
    items = nmr_interventions(facts)
    indexes = {id(i) for i in items}
    owners = {k for k, i in enumerate(facts.interventions) if id(i) in indexes}
    for phrase in facts.vague_phrases:
        mine = phrase.intervention is None or phrase.intervention in owners
        if mine and vague_target(phrase.phrase) in NMR_TARGETS:
            return  # the target is named, the description is vague: D001's
    activities = [a for i in items for a in i.activities]
    if any(a.category not in NOT_NMR for a in activities):
        return
    if not activities and any(i.guidance for i in items):
        # Something was done with the clinician's input, in words the vocabulary does not
        # know: not evidence that nothing neuromuscular was done.
        return
    units = billed[NMR]
    if activities:
        kinds = sorted({a.category.replace("_", " ") for a in activities})
        message = (
            f"97112 is billed ({units} unit{'s' if units != 1 else ''}) but everything documented "
            f"under it is {' / '.join(kinds)}: {_quote([a.name for a in activities])}. No balance, "
            "postural control, proprioception, coordination or motor-control activity is "
            "described."
        )
        evidence: list[Span | None] = [a.evidence for a in activities[:6]]
    elif items:
        message = (
            f"97112 is billed ({units} unit{'s' if units != 1 else ''}) but no activity at all is "
            "documented under it, so nothing shows neuromuscular re-education."
        )
        evidence = [_label(i) for i in items]
    else:
        message = (
            f"97112 is billed ({units} unit{'s' if units != 1 else ''}) but no neuromuscular "
            "re-education is documented anywhere in the note."
        )
        evidence = [_billed_line(facts, NMR)]
    yield r.finding(
        message,
        evidence,
        fix="Document the neuromuscular task done under 97112 ([balance/proprioception/"
        "coordination task], [sets x reps], [surface], [cue type]); if the time was "
        "strengthening or stretching, bill it as 97110 instead.",
        code=NMR,
        categories=sorted({a.category for a in activities}),
    )


@rule(
    id="S002",
    name="skilled-guidance-missing",
    severity="error",
    sources=["cpt-97112", "mbpm-220-2"],
    summary="97112 is billed and no skilled input (cues, facilitation, perturbation, guarding, "
    "assistance) is documented during it.",
    fails=[
        _HEAD
        + "NMR 09:00-09:15 (15 min): in parallel bars, tandem stance 3 x 30 s and SLS 3 x 10 s "
        "each leg; SBA, supervision only.\n" + _THEREX + _TAIL,
    ],
    passes=[
        _CLEAN,
        _HEAD
        + "NMR 09:00-09:15 (15 min): in parallel bars, tandem stance 3 x 30 s and SLS 3 x 10 s "
        "each leg with PT perturbations at the pelvis; SBA otherwise.\n" + _THEREX + _TAIL,
    ],
)
def skilled_guidance_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags 97112 with no documented skilled therapist input during it.

    Skilled input is manual facilitation, tactile or verbal cues and corrections,
    clinician-applied perturbations, guarding, or physical assistance (CGA, min/mod/max A).
    Stand-by supervision, "monitored", or independent performance is not.

    Why: Medicare covers a service as therapy only when it needs a clinician's skills
    (mbpm-220-2), and 97112 is a one-on-one procedure in which the clinician re-educates
    the movement (cpt-97112); a note that shows only supervision does not show that skill.
    """
    facts = ctx.facts
    billed = ctx.billed_units
    if NMR not in billed:
        return
    items = nmr_interventions(facts)
    guidance = [g for i in items for g in i.guidance]
    if any(g.kind in SKILLED_GUIDANCE for g in guidance):
        return
    unskilled = [g for g in guidance if g.kind in ("standby_supervision", "independent")]
    if unskilled:
        said = _quote([g.evidence.text for g in unskilled], 3)
        message = (
            f"97112 is billed but the note documents only {said} during it: no cues, manual "
            "facilitation, perturbation, guarding or physical assistance."
        )
        evidence: list[Span | None] = [g.evidence for g in unskilled[:4]]
    elif items:
        message = (
            "97112 is billed but no skilled input is documented during it: no verbal or tactile "
            "cues, manual facilitation, perturbation, guarding or physical assistance."
        )
        evidence = [_label(i) for i in items]
    else:
        message = (
            "97112 is billed but the note documents no skilled input for it anywhere: no cues, "
            "manual facilitation, perturbation, guarding or physical assistance."
        )
        evidence = [_billed_line(facts, NMR)]
    yield r.finding(
        message,
        evidence,
        fix="Document what the clinician did during 97112: [cue type] ([VCs/TCs]) for "
        "[what was corrected], [facilitation/perturbation], or [assist level].",
        code=NMR,
    )


@rule(
    id="S003",
    name="independent-activity-billed",
    severity="error",
    sources=["mbpm-220-2"],
    summary="An activity described as independent, unsupervised or done alone is counted in a "
    "timed code's minutes.",
    fails=[
        _HEAD
        + _NMR
        + "TherEx 09:15-09:30 (15 min): recumbent bike 6 min, independent; then sit to stand "
        "3 x 10 and bridges 3 x 12 with VCs for slow lowering.\n" + _TAIL,
    ],
    passes=[
        _CLEAN,
        _HEAD
        + _NMR
        + "TherEx 09:15-09:30 (15 min): recumbent bike 6 min with PT adjusting seat and cueing "
        "cadence; then sit to stand 3 x 10 and bridges 3 x 12.\n" + _TAIL,
    ],
)
def independent_activity_billed(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags independent or unsupervised activity inside a timed code's minutes.

    A home program done in the clinic without instruction, a warm-up on the bike "on his own",
    or exercise "performed independently" is not one-on-one skilled time, so its minutes do not
    belong in a timed code. (Units are still counted from the minutes as documented; this rule
    says which minutes should not have been counted.)

    Why: only services that need the clinician's skill are therapy (mbpm-220-2); time the
    patient spends exercising alone is not.
    """
    for item in ctx.facts.interventions:
        if not item.independent or not item.code:
            continue
        if not codes.is_timed_code(item.code):
            continue
        if item.minutes is None and item.code not in ctx.billed_units:
            continue
        quote = item.independent_evidence.text if item.independent_evidence else item.description
        within = f"the {item.minutes} min of {item.code}" if item.minutes else item.code
        yield r.finding(
            f"'{quote}' is counted inside {within}: activity the patient does independently is "
            "not skilled one-on-one time.",
            [item.independent_evidence or _label(item)],
            fix=f"Take the independent minutes ([minutes]) out of {item.code}'s time and recount "
            "the units, or document the skilled input given during it ([cue type], "
            "[what was progressed]).",
            code=item.code,
        )


@rule(
    id="S004",
    name="group-billed-as-individual",
    severity="error",
    sources=["cms-group-therapy"],
    summary="Group or concurrent treatment is documented and one-on-one timed codes are billed "
    "for that time instead of 97150.",
    fails=[
        "Physical Therapy Daily Note\nDOS: 05/13/2025   Payer: Medicare Part B\n"
        "Dx: R26.81 Unsteadiness on feet; Z91.81 History of falling\n\n"
        "Balance class 09:00-09:30 (30 min), 4 participants with 1 PT in the gym:\n"
        " - tandem stance at the counter 3 x 30 s\n - marching on foam 3 x 20 s\n"
        " - gait belt on, PT gave CGA and VCs\n"
        "Response: tandem 30 s on 2 of 3 trials (20 s last visit).\n"
        "Goal: STG 1 tandem stance 30 s; impaired balance and fall risk.\n"
        "Total timed minutes: 30   Total treatment time: 30 min\n"
        "Billing: 97112 GP x2\n\nSigned: Lena Ortiz, PT, DPT\n",
    ],
    passes=[
        _CLEAN,
        "Physical Therapy Daily Note\nDOS: 05/13/2025   Payer: Medicare Part B\n"
        "Dx: R26.81 Unsteadiness on feet; Z91.81 History of falling\n\n"
        "Group therapy (97150) 09:00-09:30: balance class, 4 participants with 1 PT: tandem "
        "stance at the counter 3 x 30 s; marching on foam 3 x 20 s; gait belt, CGA, VCs.\n"
        "Response: tandem 30 s on 2 of 3 trials (20 s last visit).\n"
        "Goal: STG 1 tandem stance 30 s; impaired balance and fall risk.\n"
        "Total treatment time: 30 min\n"
        "Billing: 97150 GP x1\n\nSigned: Lena Ortiz, PT, DPT\n",
    ],
)
def group_billed_as_individual(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags one-on-one timed codes billed for time the note describes as group or concurrent.

    A billed one-on-one timed code is taken to cover group time when the note documents group
    or concurrent treatment and no individual (non-group) intervention is documented for that
    code, or when the group intervention itself carries the code. 97150 is the group code.

    Why: when a clinician treats two or more patients at once, Medicare pays the group code
    97150 for each patient, not one-on-one timed codes (cms-group-therapy).
    """
    facts = ctx.facts
    group_items = [i for i in facts.interventions if i.group or i.concurrent]
    if not group_items and not (facts.group_statements and not facts.interventions):
        return
    billed = ctx.billed_units
    individual_codes = {
        i.code for i in facts.interventions if i.code and not (i.group or i.concurrent)
    }
    stated_group_codes = {
        i.code for i in group_items if i.code and i.code_source == "stated" and i.code != GROUP_CODE
    }
    flagged = []
    for code in billed:
        if code == GROUP_CODE or not codes.is_timed_code(code):
            continue
        if code in stated_group_codes or code not in individual_codes:
            flagged.append(code)
    if not flagged:
        return
    evidence: list[Span | None] = [i.group_evidence for i in group_items]
    if not any(evidence):
        evidence = [g.evidence for g in facts.group_statements[:2]]
    kind = "concurrent" if any(i.concurrent for i in group_items) else "group"
    said = _quote([e.text for e in evidence if e is not None], 2)
    billed_text = ", ".join(f"{c} x{billed[c]}" for c in flagged)
    yield r.finding(
        f"The note describes {kind} treatment ({said}) but bills one-on-one timed code(s) "
        f"{billed_text} for that time; group or concurrent treatment is billed as 97150, one "
        "unit per patient.",
        evidence + [_billed_line(facts, c) for c in flagged],
        fix="Bill the group/concurrent time as 97150 x1 (with the discipline modifier), or, if "
        "the patient was in fact treated one-on-one, document that ([one-on-one time "
        "start-end]).",
        codes=flagged,
        kind=kind,
    )


@rule(
    id="S005",
    name="impairment-missing",
    severity="warning",
    sources=["lcd-97112"],
    summary="97112 is billed and the note names no impairment, functional deficit or diagnosis.",
    fails=[
        "Physical Therapy Daily Note\nDOS: 05/13/2025   Payer: Medicare Part B\n"
        "Visit 09:00-09:30\n\n"
        + _NMR
        + _THEREX
        + "\nResponse: tandem on foam 30 s on 2 of 3 trials (20 s last visit).\n"
        "Goal: STG 1 tandem stance 30 s on foam; progressing.\n"
        "Total timed minutes: 30   Total treatment time: 30 min\n"
        "Billing: 97112 GP x1; 97110 GP x1\n\nSigned: Lena Ortiz, PT, DPT 05/13/2025\n",
    ],
    passes=[
        _CLEAN,
        "Physical Therapy Daily Note\nDOS: 05/13/2025   Payer: Medicare Part B\n"
        "Visit 09:00-09:30\n\n"
        + _NMR
        + _THEREX
        + "\nResponse: tandem on foam 30 s on 2 of 3 trials (20 s last visit).\n"
        "Goal: STG 1 tandem stance 30 s on foam; impaired dynamic balance limits community "
        "walking.\n"
        "Total timed minutes: 30   Total treatment time: 30 min\n"
        "Billing: 97112 GP x1; 97110 GP x1\n\nSigned: Lena Ortiz, PT, DPT 05/13/2025\n",
    ],
)
def impairment_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags 97112 on a note that names no impairment, functional deficit or diagnosis.

    Why: the coverage articles tie 97112 to a neuromuscular impairment it addresses (impaired
    balance, incoordination, proprioceptive loss and the like) (lcd-97112); without one named,
    the note does not show why the re-education is needed.
    """
    facts = ctx.facts
    billed = ctx.billed_units
    if NMR not in billed or facts.impairments or facts.diagnoses:
        return
    yield r.finding(
        "97112 is billed but the note names no impairment or functional deficit it addresses "
        "(such as impaired balance, fall risk, incoordination or proprioceptive loss) and no "
        "diagnosis.",
        [_billed_line(facts, NMR)],
        fix="Name the impairment the re-education addresses ([impairment], e.g. impaired "
        "dynamic balance with [measure]) and the diagnosis ([ICD-10 code and text]).",
        code=NMR,
    )
