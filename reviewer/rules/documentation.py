"""Documentation content (D001-D008): is the note specific enough to defend in an audit?

The rules read the content facts (activities and their parameters, vague phrases, responses,
goal links, safety measures) and the header facts (signature, date, assistant, supervising
therapist). The phrase lists behind them are data in ``reviewer/data/vocab/content/``.
"""

from __future__ import annotations

from collections.abc import Iterator

from reviewer import codes
from reviewer.extract.rules_based.content import (
    BALANCE_OR_GAIT,
    DESCRIPTION_STAND_INS,
    NO_PARAMETERS_NEEDED,
    SUMMARY_PHRASES,
    vague_target,
)
from reviewer.facts import Intervention, NoteFacts, Span, VaguePhrase
from reviewer.rules.base import Context, Finding, Rule, rule

#: Evaluation codes: an evaluation block lists tests and history, not dosed activities.
EVALUATION_PREFIXES = ("9716",)
ASSISTANT_ROLES = ("PTA", "OTA", "SLPA")
SUPERVISOR_FOR = {"PTA": "PT", "OTA": "OT", "SLPA": "SLP"}

# Example notes shared by the rules below (synthetic). Each example changes one thing.
_HEAD = (
    "Physical Therapy Daily Note\n"
    "DOS: 06/10/2025   Payer: Medicare Part B\n"
    "Dx: R26.81 Unsteadiness on feet; M62.81 Muscle weakness (generalized)\n"
    "Visit 14:00-14:30\n\n"
)
_NMR = (
    "NMR 14:00-14:15 (15 min): SLS on Airex 3 x 15 s each leg; tandem walk 4 x 15 ft; gait belt, "
    "CGA; VCs for upright trunk, TCs at pelvis.\n"
)
_THEREX = (
    'TherEx 14:15-14:30 (15 min): sit to stand from 18" chair 3 x 10; bridges 3 x 12; '
    "clamshells with green band 3 x 15.\n"
)
_RESPONSE = "\nResponse: SLS on Airex 15 s on 2 of 3 trials (8 s last week); 1 LOB, fewer TCs.\n"
_GOAL = "Goal: STG 2 SLS 20 s on foam; impaired balance and fall risk; skilled PT needed.\n"
_TOTALS = "Total timed minutes: 30   Total treatment time: 30 min\n"
_BILL = "Billing: 97112 GP x1; 97110 GP x1\n"
_SIG = "\nSigned: Omar Haddad, PT, DPT 06/10/2025\n"
_CLEAN = _HEAD + _NMR + _THEREX + _RESPONSE + _GOAL + _TOTALS + _BILL + _SIG


def _label(item: Intervention) -> Span:
    ev = item.evidence
    cut = ev.text.find("\n")
    if cut <= 0:
        return ev
    return Span(start=ev.start, end=ev.start + cut, text=ev.text[:cut])


def _has_parameters(item: Intervention) -> bool:
    return any(a.parameters for a in item.activities) or any(g.level for g in item.guidance)


def _specific(item: Intervention) -> bool:
    """The intervention names a specific activity or gives a parameter."""
    return bool(item.activities) or _has_parameters(item)


def _is_evaluation(item: Intervention) -> bool:
    return bool(item.code and item.code.startswith(EVALUATION_PREFIXES))


def _anything_specific(facts: NoteFacts) -> bool:
    return any(_specific(i) for i in facts.interventions if not _is_evaluation(i))


def _bare(item: Intervention) -> bool:
    """A treatment intervention (not an evaluation or modality) with nothing specific in it."""
    if _is_evaluation(item) or _specific(item):
        return False
    return not (item.code and codes.is_known(item.code) and not codes.is_timed(item.code))


def vague_stand_ins(facts: NoteFacts) -> list[VaguePhrase]:
    """The generic phrases that stand in for a description of what was done (D001).

    A phrase inside an intervention counts when that intervention has nothing specific; a
    phrase outside every intervention counts when nothing specific is documented anywhere, or
    when some intervention is a bare label it may describe."""
    nothing_specific = not _anything_specific(facts)
    some_bare = any(_bare(i) for i in facts.interventions)
    out = []
    for phrase in facts.vague_phrases:
        if phrase.category in DESCRIPTION_STAND_INS:
            if phrase.intervention is not None and phrase.intervention < len(facts.interventions):
                if not _specific(facts.interventions[phrase.intervention]):
                    out.append(phrase)
            elif nothing_specific or some_bare:
                out.append(phrase)
    if out and nothing_specific:
        # Nothing specific anywhere: the summary phrases stand in for the note's content too.
        out += [p for p in facts.vague_phrases if p.category in SUMMARY_PHRASES]
    return sorted(out, key=lambda p: p.evidence.start)


@rule(
    id="D001",
    name="vague-language",
    severity="warning",
    sources=["vague-documentation"],
    summary="A generic phrase ('worked on balance', 'per flowsheet', 'as above') stands in for "
    "an intervention that has no specific activity and no parameters.",
    fails=[
        _HEAD
        + _NMR
        + "TherEx 14:15-14:30 (15 min): per flowsheet.\n"
        + _RESPONSE
        + _GOAL
        + _TOTALS
        + _BILL
        + _SIG,
    ],
    passes=[
        _CLEAN,
        _HEAD
        + _NMR
        + _THEREX
        + _RESPONSE
        + _GOAL
        + "Tolerated treatment well. Continue POC.\n"
        + _TOTALS
        + _BILL
        + _SIG,
    ],
)
def vague_language(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags each generic phrase that stands in for a description of what was done.

    A phrase from the lexicon ("worked on balance", "pt did exercises", "therex per
    flowsheet", "as above", "same as last visit") counts when the intervention it describes
    names no specific activity and gives no parameters, or, outside any intervention, when
    nothing specific is documented in the note at all. Summary phrases ("tolerated treatment
    well", "continue per POC", "patient progressing") are quoted too when nothing specific is
    documented anywhere; next to a specific description they are harmless here (D003 and D004
    judge them).

    Why: reviewers deny notes whose interventions are generic labels without what was done,
    how much, and how the patient did (vague-documentation).
    """
    facts = ctx.facts
    for phrase in vague_stand_ins(facts):
        owner = (
            facts.interventions[phrase.intervention]
            if phrase.intervention is not None and phrase.intervention < len(facts.interventions)
            else None
        )
        where = f" for {owner.description}" if owner is not None else ""
        yield r.finding(
            f"'{phrase.evidence.text}' stands in for a description{where}: no specific activity "
            "and no parameters are documented.",
            [phrase.evidence],
            fix="Replace it with what was done: [activity] [sets x reps / duration / distance], "
            "[surface or equipment], [assist level], [cue type], and how the patient did.",
            phrase=phrase.phrase,
            category=phrase.category,
            intervention=phrase.intervention,
        )


@rule(
    id="D002",
    name="parameters-missing",
    severity="warning",
    sources=["vague-documentation"],
    summary="An intervention names specific activities but gives no sets, reps, duration, "
    "distance, load, surface, equipment or assist level.",
    fails=[
        _HEAD
        + _NMR
        + "TherEx 14:15-14:30 (15 min): sit to stand, bridges, clamshells.\n"
        + _RESPONSE
        + _GOAL
        + _TOTALS
        + _BILL
        + _SIG,
    ],
    passes=[
        _CLEAN,
        _HEAD
        + _NMR
        + "TherEx 14:15-14:30 (15 min): sit to stand 3 x 10, bridges, clamshells.\n"
        + _RESPONSE
        + _GOAL
        + _TOTALS
        + _BILL
        + _SIG,
    ],
)
def parameters_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags an intervention whose named activities come with no parameter at all.

    Parameters are sets, repetitions, duration, distance, resistance or load, surface or
    equipment, or an assistance level. The intervention's own billed minutes are not a
    parameter. An intervention with no specific activity at all is D001's; evaluations and
    modalities are not asked for exercise parameters.

    Why: "interventions with no clarification of time, frequency, duration" are among the
    payers' most common documentation complaints (vague-documentation).
    """
    for item in ctx.facts.interventions:
        if _is_evaluation(item):
            continue
        named = [a for a in item.activities if a.category not in NO_PARAMETERS_NEEDED]
        if not named or _has_parameters(item):
            continue
        names = ", ".join(f"'{a.name}'" for a in named[:6])
        yield r.finding(
            f"{item.description}{' (' + item.code + ')' if item.code else ''} names {names} but "
            "gives no sets, repetitions, duration, distance, load, surface, equipment or assist "
            "level.",
            [a.evidence for a in named[:6]],
            fix="Add the dose for each activity: [sets x reps] or [duration], [load/resistance], "
            "[surface or equipment], [assist level].",
            code=item.code,
            activities=[a.name for a in named],
        )


@rule(
    id="D003",
    name="response-missing",
    severity="warning",
    sources=["mbpm-220-3", "vague-documentation"],
    summary="No patient response to treatment is documented ('tolerated well' alone does not "
    "count).",
    fails=[
        _HEAD + _NMR + _THEREX + "\nTolerated treatment well.\n" + _GOAL + _TOTALS + _BILL + _SIG,
    ],
    passes=[_CLEAN],
)
def response_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags a note with no documented response to treatment.

    A response is how the patient performed, a change seen, the cues or assistance needed,
    symptoms, or progress. "Tolerated treatment well" alone is not one.

    Why: the treatment note records the patient's response so the next clinician and a
    reviewer can see the skilled service working (mbpm-220-3); "tolerated well" is the stock
    example of a phrase that says nothing (vague-documentation).
    """
    facts = ctx.facts
    if facts.responses:
        return
    tolerance = [p for p in facts.vague_phrases if p.category == "tolerance"]
    said = f" (only '{tolerance[0].evidence.text}')" if tolerance else ""
    yield r.finding(
        f"No patient response to treatment is documented{said}: nothing on how the patient "
        "performed, changes seen, cues needed, symptoms or progress.",
        [p.evidence for p in tolerance[:2]],
        fix="Add the response: [performance measure] ([today] vs [last visit]), "
        "[cues/assist needed], [symptoms], [change seen].",
    )


@rule(
    id="D004",
    name="goal-link-missing",
    severity="warning",
    sources=["mbpm-220-3"],
    summary="Nothing ties the visit to the plan of care or goals ('continue per POC' alone does "
    "not count).",
    fails=[
        _HEAD + _NMR + _THEREX + _RESPONSE + "Plan: continue POC.\n" + _TOTALS + _BILL + _SIG,
    ],
    passes=[_CLEAN],
)
def goal_link_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags a note with no goal reference, progress toward a goal, or reason for skilled care.

    "Continue per POC" or "continue plan" alone does not tie the visit to the plan of care.

    Why: each treatment note should show how the visit serves the plan of care and its goals
    (mbpm-220-3).
    """
    facts = ctx.facts
    if facts.goal_refs:
        return
    plan = [p for p in facts.vague_phrases if p.category == "plan"]
    said = f" ('{plan[0].evidence.text}' alone does not)" if plan else ""
    yield r.finding(
        f"Nothing ties the visit to the plan of care or its goals{said}: no goal reference, no "
        "progress toward a goal, no stated reason the skilled service is needed.",
        [p.evidence for p in plan[:2]],
        fix="Name the goal the visit worked toward and where the patient stands: "
        "'Progress toward [STG/LTG #]: [measure today] (goal [target])', and why skilled care "
        "is still needed ([impairment]).",
    )


@rule(
    id="D005",
    name="signature-missing",
    severity="error",
    sources=["mbpm-220-3"],
    summary="No signature line with the provider's name and credentials.",
    fails=[_HEAD + _NMR + _THEREX + _RESPONSE + _GOAL + _TOTALS + _BILL],
    passes=[_CLEAN],
)
def signature_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags a note with no signature line naming the provider with credentials.

    Why: the treatment note must be signed by the clinician who furnished the service, with
    professional identification (mbpm-220-3).
    """
    sig = ctx.facts.signature
    if sig is not None and sig.name and sig.credentials:
        return
    if sig is None:
        message = "The note has no signature line with the provider's name and credentials."
        evidence: list[Span | None] = []
    else:
        missing = "credentials" if sig.name else "the provider's name"
        message = f"The signature line '{sig.evidence.text}' lacks {missing}."
        evidence = [sig.evidence]
    yield r.finding(
        message,
        evidence,
        fix="Sign the note: '[Name], [credentials: PT/DPT/PTA/OT/OTR/L/COTA]' with [date].",
    )


@rule(
    id="D006",
    name="date-missing",
    severity="error",
    sources=["mbpm-220-3"],
    summary="No date of service.",
    fails=[
        _HEAD.replace("DOS: 06/10/2025   ", "")
        + _NMR
        + _THEREX
        + _RESPONSE
        + _GOAL
        + _TOTALS
        + _BILL
        + "\nSigned: Omar Haddad, PT, DPT\n",
    ],
    passes=[_CLEAN],
)
def date_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags a note with no date of service.

    Why: every treatment note records the date the service was furnished; a claim line cannot
    be matched to an undated note (mbpm-220-3).
    """
    if ctx.facts.date_of_service is not None:
        return
    yield r.finding(
        "The note gives no date of service.",
        [],
        fix="Add the date of service: 'DOS: [MM/DD/YYYY]'.",
    )


@rule(
    id="D007",
    name="assistant-supervision-missing",
    severity="warning",
    sources=["mbpm-230"],
    summary="An assistant (PTA/OTA) furnished the service and no supervising therapist is named.",
    fails=[
        _HEAD
        + _NMR
        + _THEREX
        + _RESPONSE
        + _GOAL
        + _TOTALS
        + "Billing: 97112 GP CQ x1; 97110 GP CQ x1\n\nSigned: Tara Quinn, PTA 06/10/2025\n",
    ],
    passes=[
        _HEAD.replace("Visit", "Supervising PT: Omar Haddad, PT, DPT (on site)\nVisit")
        + _NMR
        + _THEREX
        + _RESPONSE
        + _GOAL
        + _TOTALS
        + "Billing: 97112 GP CQ x1; 97110 GP CQ x1\n\nSigned: Tara Quinn, PTA 06/10/2025\n",
        _CLEAN,
    ],
)
def assistant_supervision_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags assistant-furnished service with no supervising therapist named.

    Why: a PTA or OTA furnishes therapy under the supervision of a therapist of the same
    discipline (mbpm-230); the note should say who supervised.
    """
    facts = ctx.facts
    role: str | None = None
    evidence: Span | None = None
    if facts.assistant is not None:
        role, evidence = facts.assistant.role, facts.assistant.evidence
    else:
        for person in (facts.signature, facts.provider):
            if person is not None and person.role in ASSISTANT_ROLES:
                role, evidence = person.role, person.evidence
                break
    if role is None or facts.supervising_therapist is not None:
        return
    assert evidence is not None  # (set with the role)
    therapist = SUPERVISOR_FOR.get(role, "therapist")
    yield r.finding(
        f"A {role} furnished the service ('{evidence.text}') but the note names no supervising "
        f"{therapist}.",
        [evidence],
        fix=f"Name the supervising {therapist}: 'Supervising {therapist}: [name], [credentials]"
        " ([on site/available])'.",
        role=role,
    )


@rule(
    id="D008",
    name="safety-missing",
    severity="info",
    sources=["vague-documentation"],
    summary="Balance or gait activities are documented with no safety measure anywhere in the "
    "note.",
    fails=[
        _HEAD
        + "NMR 14:00-14:15 (15 min): SLS on Airex 3 x 15 s each leg; tandem walk 4 x 15 ft; VCs "
        "for upright trunk, TCs at pelvis.\n"
        + _THEREX
        + _RESPONSE
        + _GOAL
        + _TOTALS
        + _BILL
        + _SIG,
    ],
    passes=[_CLEAN],
)
def safety_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags balance or gait work documented with no safety measure in the whole note.

    Safety measures: gait belt, guarding, contact guard (CGA), parallel bars, spotting, a
    support surface (counter, rail). Judged per note: one measure anywhere is enough.

    Why: a note of balance or gait training that documents no safety measure invites the
    question of whether the session was safe and skilled (vague-documentation).
    """
    facts = ctx.facts
    if facts.safety_measures:
        return
    activities = [
        a for i in facts.interventions for a in i.activities if a.category in BALANCE_OR_GAIT
    ]
    phrases = [p for p in facts.vague_phrases if vague_target(p.phrase) in ("balance", "gait")]
    if not activities and not phrases:
        return
    named = [a.name for a in activities] or [p.evidence.text for p in phrases]
    shown = ", ".join(f"'{n}'" for n in named[:5])
    yield r.finding(
        f"Balance or gait activity is documented ({shown}) but the note names no safety "
        "measure (gait belt, guarding, contact guard, parallel bars, spotting, support surface).",
        [a.evidence for a in activities[:5]] or [p.evidence for p in phrases[:3]],
        fix="Document the safety measure used: [gait belt], [guarding/CGA], [parallel bars or "
        "support surface].",
    )
