"""Billing codes and modifiers (B001-B006): what the billing lines say against who did what.

Every rule here reads the billed lines (``facts.billed``, read only from a billing statement)
and the provider/assistant facts; none reads the raw text.
"""

from __future__ import annotations

from collections.abc import Iterator

from reviewer import codes
from reviewer.facts import BilledLine, NoteFacts, Span
from reviewer.rules.base import Context, Finding, Rule, rule

DISCIPLINE_MODIFIERS = {"GP": "PT", "GO": "OT", "GN": "SLP"}
MODIFIER_FOR = {v: k for k, v in DISCIPLINE_MODIFIERS.items()}
DISCIPLINE_NAMES = {
    "PT": "physical therapy",
    "OT": "occupational therapy",
    "SLP": "speech-language pathology",
}
ROLE_DISCIPLINE = {"PT": "PT", "PTA": "PT", "OT": "OT", "OTA": "OT", "SLP": "SLP", "SLPA": "SLP"}
#: The assistant modifier each assistant role calls for (Medicare).
ASSISTANT_MODIFIER = {"PTA": "CQ", "OTA": "CO"}
#: The discipline each assistant modifier belongs to.
ASSISTANT_MODIFIER_DISCIPLINE = {"CQ": "PT", "CO": "OT"}
DISTINCT_MODIFIERS = {"59", "XE", "XS", "XP", "XU"}

# Example notes shared by the rules below (synthetic).
_HEAD = "PT Daily Note\nDOS: 04/02/2025   Payer: Medicare Part B\nDx: R26.81 Unsteadiness on feet\n"
_BODY = (
    "Visit 10:00-10:30\n"
    "NMR 10:00-10:15 (15 min): SLS on foam 3 x 20 s, tandem walk 4 x 10 ft; CGA with gait belt, "
    "TCs at pelvis.\n"
    "TherEx 10:15-10:30 (15 min): sit to stand 3 x 10, hip abduction with red band 3 x 12.\n"
    "Response: 1 LOB on foam (3 last visit). Goal: STG 1 SLS 10 s on foam, progressing.\n"
    "Total timed minutes: 30   Total treatment time: 30 min\n"
)
_PT_SIG = "\nSigned: Dana Whitfield, PT, DPT\n"
_OT_HEAD = (
    "OT Daily Note\nDOS: 04/02/2025   Payer: Medicare Part B\nDx: R27.8 Lack of coordination\n"
)
_OT_BODY = (
    "Visit 13:00-13:30\n"
    "TherAct 13:00-13:15 (15 min): standing reach to shelf placing 10 cans, 2 trials; CGA with "
    "gait belt; VCs for trunk control.\n"
    "Self-care 13:15-13:30 (15 min): UB dressing with button shirt, 3 trials, min A for R sleeve.\n"
    "Response: buttoning 40 s faster than last visit. Goal: STG 2 dress UB independently.\n"
    "Total timed minutes: 30   Total treatment time: 30 min\n"
)


def _article(role: str) -> str:
    """'a PTA', 'an OTA' (by sound: O is said 'oh')."""
    return "an" if role[:1] in "AEIOU" else "a"


def _therapy_lines(facts: NoteFacts) -> Iterator[BilledLine]:
    for line in facts.billed:
        if codes.is_known(line.code):
            yield line


def note_discipline(facts: NoteFacts) -> tuple[str | None, Span | None]:
    """The provider's discipline (PT, OT, SLP) and where the note says so."""
    if facts.discipline and facts.discipline.value in DISCIPLINE_NAMES:
        return facts.discipline.value, facts.discipline.evidence
    for person in (facts.signature, facts.provider):
        if person is not None and person.role in ROLE_DISCIPLINE:
            return ROLE_DISCIPLINE[person.role], person.evidence
    return None, None


def assistant_role(facts: NoteFacts) -> tuple[str | None, Span | None]:
    """The assistant role (PTA/OTA) documented as furnishing any of the service, if any."""
    if facts.assistant is not None:
        return facts.assistant.role, facts.assistant.evidence
    for person in (facts.signature, facts.provider):
        if person is not None and person.role in ("PTA", "OTA", "SLPA"):
            return person.role, person.evidence
    return None, None


def assistant_codes(facts: NoteFacts) -> set[str] | None:
    """Billed codes the assistant furnished more than 10% of (None = every billed code)."""
    a = facts.assistant
    if a is None or a.scope in ("all", "unknown"):
        by_item = {i.code for i in facts.interventions if i.by_assistant and i.code}
        if a is not None and a.scope == "unknown" and (a.codes or by_item):
            return set(a.codes) | by_item
        return None
    out = set(a.codes) | {i.code for i in facts.interventions if i.by_assistant and i.code}
    if a.minutes is not None and len(out) == 1:
        code = next(iter(out))
        total = facts.timed_minutes_by_code().get(code)
        if total and a.minutes * 10 <= total:  # 10% or less of the code's minutes
            return set()
    return out


def _line_discipline(line: BilledLine, facts: NoteFacts) -> str | None:
    for mod in line.modifiers:
        if mod in DISCIPLINE_MODIFIERS:
            return DISCIPLINE_MODIFIERS[mod]
    return note_discipline(facts)[0]


@rule(
    id="B001",
    name="discipline-modifier-missing",
    severity="error",
    sources=["therapy-modifiers"],
    summary="A therapy code is billed without a discipline modifier (GP, GO or GN).",
    fails=[_HEAD + _BODY + "Billing: 97112 x1; 97110 GP x1" + _PT_SIG],
    passes=[_HEAD + _BODY + "Billing: 97112 GP x1; 97110 GP x1" + _PT_SIG],
)
def discipline_modifier_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags every billed therapy line that carries none of GP, GO, GN.

    Why: Medicare requires a discipline modifier on every outpatient therapy line so the
    service is counted to the right plan of care and therapy threshold (therapy-modifiers).
    """
    discipline, _ = note_discipline(ctx.facts)
    for line in _therapy_lines(ctx.facts):
        if not any(m in DISCIPLINE_MODIFIERS for m in line.modifiers):
            want = MODIFIER_FOR.get(discipline or "", "GP/GO/GN")
            yield r.finding(
                f"{line.code} is billed with no discipline modifier (GP, GO or GN); "
                f"this {DISCIPLINE_NAMES.get(discipline or '', 'therapy')} line needs {want}.",
                [line.evidence],
                fix=f"Add {want} to the {line.code} line.",
                code=line.code,
            )


@rule(
    id="B002",
    name="discipline-modifier-mismatch",
    severity="error",
    sources=["therapy-modifiers"],
    summary="The discipline modifier disagrees with the provider's discipline.",
    fails=[
        _HEAD + _BODY + "Billing: 97112 GO x1; 97110 GO x1" + _PT_SIG,
        _OT_HEAD + _OT_BODY + "Billing: 97530 GP x1; 97535 GO x1\n\nSigned: Ana Ruiz, OTR/L\n",
    ],
    passes=[_OT_HEAD + _OT_BODY + "Billing: 97530 GO x1; 97535 GO x1\n\nSigned: Ana Ruiz, OTR/L\n"],
)
def discipline_modifier_mismatch(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags GP on an occupational therapist's note, GO on a physical therapist's, and so on.

    Why: the discipline modifier tells the payer which plan of care and which therapy budget
    the service belongs to; it must match the discipline that furnished it (therapy-modifiers).
    """
    discipline, where = note_discipline(ctx.facts)
    if discipline is None:
        return
    want = MODIFIER_FOR[discipline]
    for line in _therapy_lines(ctx.facts):
        wrong = [m for m in line.modifiers if m in DISCIPLINE_MODIFIERS and m != want]
        for mod in wrong:
            yield r.finding(
                f"{line.code} carries {mod} ({DISCIPLINE_NAMES[DISCIPLINE_MODIFIERS[mod]]}) but "
                f"the note is {DISCIPLINE_NAMES[discipline]} ({discipline}); it should be {want}.",
                [line.evidence, where],
                fix=f"Replace {mod} with {want} on the {line.code} line.",
                code=line.code,
                modifier=mod,
                expected=want,
            )


@rule(
    id="B003",
    name="assistant-modifier-missing",
    severity="error",
    sources=["cms-assistant-modifiers"],
    summary="Under cms, an assistant furnished the service (more than 10% of a timed code's "
    "minutes) and the line lacks CQ (PTA) or CO (OTA).",
    fails=[
        _HEAD + _BODY + "Billing: 97112 GP x1; 97110 GP x1\n\n"
        "Lee Park, PTA\nSupervising PT: Dana Whitfield, PT, DPT\n",
    ],
    passes=[
        _HEAD + _BODY + "Billing: 97112 GP CQ x1; 97110 GP CQ x1\n\n"
        "Lee Park, PTA\nSupervising PT: Dana Whitfield, PT, DPT\n",
        _HEAD + _BODY + "Billing: 97112 GP x1; 97110 GP x1" + _PT_SIG,
    ],
)
def assistant_modifier_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags lines an assistant furnished (in whole or in more than 10% of the minutes) that
    lack the modifier matching the assistant's discipline: CQ for a PTA, CO for an OTA. An
    OTA's line with CQ instead of CO is missing CO (and B004 flags the CQ).

    Why: since 2020 Medicare requires CQ/CO on services furnished in whole or in part by a
    therapy assistant, and pays them at a reduced rate from 2022 (cms-assistant-modifiers).
    Applies only where the payer profile has ``assistant_modifiers`` (the ``cms`` profile).
    """
    if not ctx.profile.assistant_modifiers:
        return
    role, where = assistant_role(ctx.facts)
    if role not in ASSISTANT_MODIFIER:
        return
    want = ASSISTANT_MODIFIER[role]
    furnished = assistant_codes(ctx.facts)
    for line in _therapy_lines(ctx.facts):
        if furnished is not None and line.code not in furnished:
            continue
        if want not in line.modifiers:
            yield r.finding(
                f"{_article(role).capitalize()} {role} furnished {line.code} under Medicare and the line has no {want} "
                f"(modifiers: {' '.join(line.modifiers) or 'none'}).",
                [line.evidence, where],
                fix=f"Add {want} to the {line.code} line (services furnished in whole or in part "
                f"by {_article(role)} {role}).",
                code=line.code,
                role=role,
                expected=want,
            )


@rule(
    id="B004",
    name="assistant-modifier-wrong",
    severity="error",
    sources=["cms-assistant-modifiers"],
    summary="CQ on an occupational therapy service, CO on a physical therapy service, or "
    "either with no assistant documented.",
    fails=[
        _HEAD + _BODY + "Billing: 97112 GP CQ x1; 97110 GP CQ x1" + _PT_SIG,
        _OT_HEAD + _OT_BODY + "Billing: 97530 GO CQ x1; 97535 GO CQ x1\n\n"
        "Kim Soto, COTA/L\nSupervising OT: Ana Ruiz, OTR/L\n",
    ],
    passes=[
        _OT_HEAD + _OT_BODY + "Billing: 97530 GO CO x1; 97535 GO CO x1\n\n"
        "Kim Soto, COTA/L\nSupervising OT: Ana Ruiz, OTR/L\n",
    ],
)
def assistant_modifier_wrong(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags CQ on an OT line, CO on a PT line, and CQ/CO where no assistant took part.

    Why: CQ means a physical therapist assistant and pairs with GP; CO means an occupational
    therapy assistant and pairs with GO; either one without an assistant misstates who treated
    and lowers the payment wrongly (cms-assistant-modifiers). Applies under every profile.
    """
    role, _ = assistant_role(ctx.facts)
    has_assistant = role is not None or any(i.by_assistant for i in ctx.facts.interventions)
    for line in _therapy_lines(ctx.facts):
        for mod in (m for m in line.modifiers if m in ASSISTANT_MODIFIER_DISCIPLINE):
            belongs = ASSISTANT_MODIFIER_DISCIPLINE[mod]
            line_discipline = _line_discipline(line, ctx.facts)
            if not has_assistant:
                yield r.finding(
                    f"{line.code} carries {mod} (service furnished by "
                    f"{'a PTA' if mod == 'CQ' else 'an OTA'}) but the note documents no assistant.",
                    [line.evidence],
                    fix=f"Remove {mod} from the {line.code} line, or document the assistant who "
                    "furnished the service.",
                    code=line.code,
                    modifier=mod,
                )
            elif line_discipline and line_discipline != belongs:
                right = "CO" if mod == "CQ" else "CQ"
                yield r.finding(
                    f"{line.code} carries {mod}, the {DISCIPLINE_NAMES[belongs]} assistant "
                    f"modifier, on a {DISCIPLINE_NAMES[line_discipline]} service; it should be "
                    f"{right}.",
                    [line.evidence],
                    fix=f"Replace {mod} with {right} on the {line.code} line.",
                    code=line.code,
                    modifier=mod,
                    expected=right,
                )


@rule(
    id="B005",
    name="ncci-pair-modifier-missing",
    severity="warning",
    sources=["ncci-ptp"],
    summary="Two codes billed together form a procedure-to-procedure pair (profile data) and "
    "neither carries 59, XE, XS, XP or XU.",
    fails=[
        _HEAD + "Visit 10:00-10:30\n"
        "TherAct 10:00-10:15 (15 min): floor to stand transfers 3 x 5 with CGA and gait belt.\n"
        "Manual therapy 10:15-10:30 (15 min): R knee joint mobs gr III 4 x 30 s, STM quads.\n"
        "Response: transfers with less UE push. Goal: STG 1 floor transfer with SBA.\n"
        "Total timed minutes: 30   Total treatment time: 30 min\n"
        "Billing: 97530 GP x1; 97140 GP x1" + _PT_SIG,
    ],
    passes=[
        _HEAD + "Visit 10:00-10:30\n"
        "TherAct 10:00-10:15 (15 min): floor to stand transfers 3 x 5 with CGA and gait belt.\n"
        "Manual therapy 10:15-10:30 (15 min): R knee joint mobs gr III 4 x 30 s, STM quads.\n"
        "Response: transfers with less UE push. Goal: STG 1 floor transfer with SBA.\n"
        "Total timed minutes: 30   Total treatment time: 30 min\n"
        "Billing: 97530 GP x1; 97140 GP 59 x1" + _PT_SIG,
    ],
)
def ncci_pair_modifier_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags a procedure-to-procedure (PTP) pair billed on one day with no distinct-service
    modifier on either line. The pairs are the payer profile's ``ptp_pairs``.

    Why: NCCI edits deny the column-two code of a PTP pair unless a modifier shows the two
    services were distinct (separate time blocks, sites or encounters) (ncci-ptp).
    """
    lines: dict[str, list[BilledLine]] = {}
    for line in ctx.facts.billed:
        lines.setdefault(line.code, []).append(line)
    for pair in ctx.profile.ptp_pairs:
        a, b = pair.codes
        if a not in lines or b not in lines:
            continue
        both = lines[a] + lines[b]
        if any(DISTINCT_MODIFIERS & set(line.modifiers) for line in both):
            continue
        yield r.finding(
            f"{a} and {b} are billed together, a procedure-to-procedure pair, and neither line "
            f"carries 59, XE, XS, XP or XU" + (f" ({pair.why})." if pair.why else "."),
            [line.evidence for line in both],
            fix=f"If {a} and {b} were distinct services (separate time blocks), document that "
            f"and add 59 or X[EPSU] to the column-two code; otherwise bill only one of them.",
            codes=[a, b],
        )


@rule(
    id="B006",
    name="documented-not-billed",
    severity="info",
    sources=["cms-8-minute-rule"],
    summary="An intervention with 8 or more documented timed minutes has no billed line for its "
    "code.",
    fails=[_HEAD + _BODY + "Billing: 97112 GP x1" + _PT_SIG],
    passes=[_HEAD + _BODY + "Billing: 97112 GP x1; 97110 GP x1" + _PT_SIG],
)
def documented_not_billed(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Flags a timed code with 8 or more documented minutes (pooled for the day) and no billed
    line. The minutes still count toward the total timed minutes; the note may rightly leave
    the code unbilled when the unit cap is reached, so this is information only.

    Why: every documented timed minute counts toward the day's total, and a documented service
    that is never billed is either a missed charge or a sign the minutes belong to another code
    (cms-8-minute-rule). Not applied when the note has no billing statement at all.
    """
    if not ctx.facts.billed:
        return
    billed = {line.code for line in ctx.facts.billed}
    minutes = ctx.timed_minutes
    for code, mins in minutes.items():
        if code in billed or mins < 8:
            continue
        spans = [
            i.minutes_evidence or i.evidence for i in ctx.facts.interventions if i.code == code
        ]
        found = codes.get(code)
        label = f"{code} ({found.description})" if found else code
        yield r.finding(
            f"{label} has {mins} documented timed minutes and no billed line; those minutes "
            "still count toward the day's total timed minutes.",
            spans,
            fix=f"Bill {code} if the units allow it, or state why it is not billed.",
            code=code,
            minutes=mins,
        )
