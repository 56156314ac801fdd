"""Time and units (T001-T012): do the documented minutes support the billed units, and are the
numbers complete and consistent?

The rules read the facts the extractor found (billed lines, per-intervention minutes and clock
spans, visit spans, stated totals, non-billable time) and the units computed once for the note
(``ctx.units``, from ``reviewer.units``). Unit arithmetic follows RULES.md "Unit arithmetic":
``cms`` pools all timed minutes, ``ama`` rounds each code alone; minutes are counted as the note
documents them (nothing is silently subtracted).
"""

from __future__ import annotations

from collections.abc import Iterator

from reviewer import codes, units
from reviewer.config import PACKAGE_DIR
from reviewer.facts import Intervention, NoteFacts, Span
from reviewer.rules.base import Context, Example, Finding, Rule, rule

_DAILY_CAPS_PROFILE = str(PACKAGE_DIR / "data" / "profile-examples" / "daily-caps.json")

# --------------------------------------------------------------------------- example notes
# A complete, clean Medicare note; each example changes one thing.
_HEAD = (
    "Physical Therapy Daily Note\n"
    "DOS: 06/10/2025   Payer: Medicare Part B\n"
    "Dx: R26.81 Unsteadiness on feet; Z91.81 History of falling\n"
)
_VISIT = "Visit: 10:00-10:38\n\n"
_NMR = (
    "NMR 10:00-10:25 (25 min): tandem stance on foam 3 x 30 s; SLS 3 x 15 s each side; gait "
    "belt, CGA; TCs at pelvis and VCs for upright trunk.\n"
)
_THEREX = (
    'TherEx 10:25-10:38 (13 min): sit to stand from 18" chair 3 x 10; bridges 3 x 12; hip '
    "abduction with red band 3 x 12; VCs for slow lowering.\n"
)
_RESPONSE = (
    "\nResponse: tandem on foam 30 s on 2 of 3 trials (20 s last visit); fewer TCs needed.\n"
    "Goal: STG 1 tandem stance 30 s on foam; progressing. Impaired balance with fall risk; "
    "skilled PT needed.\n"
)
_TOTALS = "Total timed code minutes: 38   Total treatment time: 38 min\n"
_BILLING = "Billing: 97112 GP x2; 97110 GP x1\n"
_SIGN = "\nSigned: Dana Lee, PT, DPT 06/10/2025\n"


def _note(
    visit: str = _VISIT,
    nmr: str = _NMR,
    therex: str = _THEREX,
    totals: str = _TOTALS,
    billing: str = _BILLING,
    head: str = _HEAD,
) -> str:
    return head + visit + nmr + therex + _RESPONSE + totals + billing + _SIGN


_CLEAN = _note()


# --------------------------------------------------------------------------- helpers


# The per-code tallies the rules share (billed units, timed minutes, documented codes, the
# units result and its check against the billing) are derived once per note by ``Context``.
_timed = codes.is_timed_code


def _billed_spans(facts: NoteFacts, only: set[str] | None = None) -> list[Span]:
    return [b.evidence for b in facts.billed if only is None or b.code in only]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _max_units_from_total(total: int, n_codes: int, method: str) -> int:
    """The most timed units a stated total can support when per-code minutes are unknown."""
    if method == "cms":
        return units.units_for_minutes(total)
    # Per-code method: each billed code needs 8 minutes for its first unit and 15 for each more.
    used = min(n_codes, total // 8)
    return (total + 7 * used) // 15 if used else 0


def _label(item: Intervention) -> str:
    code = f" ({item.code})" if item.code else ""
    return f"{item.description}{code}"


def _first_line(span: Span) -> Span:
    cut = span.text.find("\n")
    if cut <= 0:
        return span
    return Span(start=span.start, end=span.start + cut, text=span.text[:cut])


def _hhmm(value: str) -> int:
    h, m = value.split(":")
    return int(h) * 60 + int(m)


# --------------------------------------------------------------------------- T001


@rule(
    id="T001",
    name="units-exceed-time",
    severity="error",
    sources=["cms-8-minute-rule", "ama-midpoint"],
    summary="The billed timed units are more than the documented timed minutes support.",
    fails=[
        Example(
            _note(billing="Billing: 97112 GP x3; 97110 GP x1\n"), why="38 min support 3, 4 billed"
        ),
        Example(
            _note(
                billing="Billing: 97112 GP x3\n",
                therex="TherEx 10:25-10:38 (13 min): bridges 3 x 12; VCs for slow lowering.\n",
            ),
            why="3 units of 97112 for 25 minutes of it (another code had 13)",
        ),
    ],
    passes=[
        Example(_CLEAN, why="38 min, 3 units billed as 2 + 1"),
        Example(
            _note(
                nmr="NMR 10:00-10:09 (9 min): tandem stance on foam 3 x 30 s; gait belt, CGA; TCs at pelvis.\n",
                therex="TherEx 10:09-10:16 (7 min): bridges 3 x 12; VCs for slow lowering.\n",
                visit="Visit: 10:00-10:16\n\n",
                totals="Total timed code minutes: 16   Total treatment time: 16 min\n",
                billing="Billing: 97112 GP x1\n",
            ),
            why="16 min support 1 unit, given to the code with the most minutes",
        ),
    ],
)
def units_exceed_time(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Billed timed units must not exceed what the documented timed minutes support.

    Why: under the CMS total-time method (Pub. 100-04 Ch. 5 §20.2, `cms-8-minute-rule`) the
    total timed minutes of the day set the number of timed units (8-22 minutes = 1 unit,
    23-37 = 2, ...), and a code cannot take units that belong to another code's minutes; under
    the per-code method (`ama-midpoint`) each code needs its own minutes. Billing more units
    than the minutes support is over-billing.
    """
    facts = ctx.facts
    billed = ctx.timed_billed
    if not billed:
        return
    method = ctx.profile.method
    missing = ctx.codes_without_minutes
    minutes = ctx.timed_minutes
    if missing or not minutes:
        # Per-code minutes cannot be checked: compare the billed total with the stated total.
        stated = facts.total_timed_minutes
        if stated is None:
            return
        total = stated.minutes
        supported = _max_units_from_total(total, len(billed), method)
        billed_total = sum(billed.values())
        if billed_total > supported:
            rng = units.minute_range_for_units(supported)
            rng_text = f" ({rng[0]}–{rng[1]} min)" if rng and method == "cms" else ""
            how = (
                "" if method == "cms" else " even split as favourably as the per-code method allows"
            )
            yield r.finding(
                f"{_plural(billed_total, 'timed unit')} billed; the stated {total} total timed "
                f"minutes support {supported}{rng_text}{how}.",
                [stated.evidence, *_billed_spans(facts, set(billed))],
                fix="Bill the units the documented minutes support, or document the minutes "
                "actually furnished: [minutes per code] and [total timed minutes].",
                billed_total=billed_total,
                supported_total=supported,
                total_timed_minutes=total,
                method=method,
            )
        return
    result = ctx.units_result
    if result is None:
        return
    check = ctx.billed_check
    if check.status not in ("over", "over_and_under"):
        return
    over = set(check.over_codes) or set(billed)
    yield r.finding(
        check.message,
        [*_billed_spans(facts, over)]
        + [
            i.minutes_evidence for i in facts.interventions if i.code in over and i.minutes_evidence
        ],
        fix="Bill what the documented minutes support (see the units derivation), or document "
        "the minutes actually furnished: [minutes per code].",
        billed=billed,
        supported=result.supported,
        alternatives=result.alternatives,
        supported_total=result.supported_total,
        total_timed_minutes=result.total_timed_minutes,
        over_codes=check.over_codes,
        method=method,
    )


# --------------------------------------------------------------------------- T002


@rule(
    id="T002",
    name="units-below-time",
    severity="info",
    sources=["cms-8-minute-rule"],
    summary="Fewer timed units are billed than the documented minutes support (possible under-billing).",
    fails=[
        Example(
            _note(billing="Billing: 97112 GP x1; 97110 GP x1\n"), why="38 min support 3, 2 billed"
        )
    ],
    passes=[Example(_CLEAN, why="3 billed, 3 supported")],
)
def units_below_time(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Fewer timed units billed than the documented minutes support.

    Why: the unit table of Pub. 100-04 Ch. 5 §20.2 (`cms-8-minute-rule`) says how many units
    the minutes support, and R1 adds that a service done for at least 15 minutes shall be
    billed for at least one unit. Billing fewer is not an audit risk, but it is lost revenue
    or a sign that minutes were written down wrong, so it is reported for information. Every
    documented timed minute counts, billed or not.
    """
    facts = ctx.facts
    if not facts.billed:
        return  # no billing statement at all: nothing to compare
    billed = ctx.timed_billed
    method = ctx.profile.method
    billed_total = sum(billed.values())
    missing = ctx.codes_without_minutes
    minutes = ctx.timed_minutes
    if missing or not minutes:
        stated = facts.total_timed_minutes
        if stated is None or method != "cms" or not billed:
            return
        supported = units.units_for_minutes(stated.minutes)
        if billed_total < supported:
            yield r.finding(
                f"{_plural(billed_total, 'timed unit')} billed; the stated {stated.minutes} total "
                f"timed minutes support {supported}.",
                [stated.evidence, *_billed_spans(facts, set(billed))],
                fix="Check the billing against the minutes: [units per code].",
                billed_total=billed_total,
                supported_total=supported,
            )
        return
    result = ctx.units_result
    if result is None:
        return
    check = ctx.billed_check
    if check.status not in ("under", "over_and_under"):
        return
    if method == "cms":
        msg = (
            f"{_plural(billed_total, 'timed unit')} billed; {result.total_timed_minutes} "
            f"documented timed minutes support {result.supported_total}"
        )
        rng = result.minute_range
        msg += f" ({rng[0]}–{rng[1]} min)." if rng else "."
    else:
        parts = [
            f"{c}: {v['billed']} billed, {result.minutes.get(c, 0)} min support {v['supported']}"
            for c, v in check.under_codes.items()
        ]
        msg = "Per-code method: " + "; ".join(parts) + "."
    under = set(check.under_codes)
    yield r.finding(
        msg,
        [*_billed_spans(facts, under or None)]
        + [
            i.minutes_evidence
            for i in facts.interventions
            if i.code in under and i.minutes_evidence
        ],
        fix="Check whether the units billed match the minutes documented: [units per code].",
        billed=billed,
        supported=result.supported,
        alternatives=result.alternatives,
        supported_total=result.supported_total,
        under_codes=check.under_codes,
    )


# --------------------------------------------------------------------------- T003


@rule(
    id="T003",
    name="billed-code-undocumented",
    severity="error",
    sources=["mbpm-220-3"],
    summary="A billed code has no documented intervention in the note.",
    fails=[
        Example(
            _note(billing="Billing: 97112 GP x2; 97110 GP x1; 97140 GP x1\n"),
            why="97140 billed, no manual therapy documented",
        )
    ],
    passes=[Example(_CLEAN)],
)
def billed_code_undocumented(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Every billed code needs a documented intervention.

    Why: Pub. 100-02 Ch. 15 §220.3 (`mbpm-220-3`) requires the treatment note to identify each
    intervention in terms that can be compared with the billing. A code on the claim with no
    intervention in the note cannot be defended in an audit.
    """
    facts = ctx.facts
    documented = ctx.documented_codes
    for line in facts.billed:
        if line.code in documented:
            continue
        known = codes.get(line.code)
        what = f" ({known.description})" if known else ""
        units_text = f" ({_plural(line.units, 'unit')})" if line.units is not None else ""
        yield r.finding(
            f"{line.code}{what} is billed{units_text} but no {line.code} intervention is "
            "documented in the note.",
            [line.evidence],
            fix=f"Document the {line.code} service provided ([what was done], [parameters], "
            f"[minutes or start-end]) or remove {line.code} from the billing.",
            code=line.code,
        )


# --------------------------------------------------------------------------- T004


@rule(
    id="T004",
    name="total-timed-minutes-missing",
    severity="warning",
    sources=["mbpm-220-3"],
    summary="Timed codes are billed and the note does not state the total timed-code minutes.",
    fails=[Example(_note(totals="Total treatment time: 38 min\n"), why="per-code minutes only")],
    passes=[Example(_CLEAN)],
)
def total_timed_minutes_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """The note must state the total timed-code treatment minutes.

    Why: Pub. 100-02 Ch. 15 §220.3 (`mbpm-220-3`) lists the total timed code treatment minutes
    among the required elements of the treatment note; per-intervention minutes do not replace
    the stated total, and the billing must be consistent with it.
    """
    facts = ctx.facts
    billed = ctx.timed_billed
    if not billed or facts.total_timed_minutes is not None:
        return
    summed = ctx.timed_minutes
    extra = f" (the documented per-code minutes add up to {sum(summed.values())})" if summed else ""
    yield r.finding(
        f"Timed codes are billed ({', '.join(billed)}) but the note does not state the total "
        f"timed-code treatment minutes{extra}.",
        _billed_spans(facts, set(billed)),
        fix="Add a line: 'Total timed code minutes: [total timed minutes]'.",
        summed_minutes=sum(summed.values()) if summed else None,
    )


# --------------------------------------------------------------------------- T005


@rule(
    id="T005",
    name="total-treatment-time-missing",
    severity="warning",
    sources=["mbpm-220-3"],
    summary="The note does not state the total treatment time (a whole-visit clock span counts).",
    fails=[
        Example(
            _note(visit="\n", totals="Total timed code minutes: 38\n"),
            why="no total treatment time, no visit span",
        )
    ],
    passes=[
        Example(_CLEAN),
        Example(
            _note(totals="Total timed code minutes: 38\n"),
            why="the visit span 10:00-10:38 states it",
        ),
    ],
)
def total_treatment_time_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """The note must state the total treatment time (timed plus untimed, the whole visit).

    Why: Pub. 100-02 Ch. 15 §220.3 (`mbpm-220-3`) requires the total treatment time in the
    note besides the total timed minutes. A start-end clock span for the whole visit states
    it; per-intervention clock spans alone do not.
    """
    facts = ctx.facts
    if facts.total_treatment_minutes is not None or facts.visit_spans:
        return
    evidence = [facts.total_timed_minutes.evidence] if facts.total_timed_minutes else []
    yield r.finding(
        "The note does not state the total treatment time (timed and untimed minutes of the "
        "whole visit), nor a start-end time for the visit.",
        evidence,
        fix="Add 'Total treatment time: [total treatment minutes]' or the visit's '[start]-[end]'.",
    )


# --------------------------------------------------------------------------- T006


@rule(
    id="T006",
    name="clock-times-missing",
    severity="warning",
    sources=["payer-clock-times"],
    summary="Timed codes are billed and no start/end clock times are documented.",
    fails=[
        Example(
            _note(
                visit="\n",
                nmr="NMR x 25 min: tandem stance on foam 3 x 30 s; SLS 3 x 15 s each side; gait belt, CGA; TCs at pelvis.\n",
                therex="TherEx x 13 min: sit to stand 3 x 10; bridges 3 x 12; VCs for slow lowering.\n",
            ),
            why="durations only",
        )
    ],
    passes=[Example(_CLEAN)],
)
def clock_times_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Timed services should carry start/end clock times.

    Why: several payers and auditors ask for the clock times of timed services
    (`payer-clock-times`): start and end times let a reviewer check the minutes, find
    overlaps and tell one-on-one time apart. Durations alone cannot be checked against
    the visit.
    """
    facts = ctx.facts
    billed = ctx.timed_billed
    if not billed or facts.visit_spans:
        return
    if any(i.clock_span is not None for i in facts.interventions):
        return
    yield r.finding(
        f"Timed codes are billed ({', '.join(billed)}) but the note documents no start/end "
        "clock times, neither for the visit nor for any intervention.",
        _billed_spans(facts, set(billed)),
        fix="Add the visit's [start]-[end] time, and [start]-[end] for each timed intervention.",
    )


# --------------------------------------------------------------------------- T007


@rule(
    id="T007",
    name="minutes-inconsistent",
    severity="error",
    sources=["mbpm-220-3"],
    summary="The documented minutes, clock spans and totals disagree.",
    fails=[
        Example(
            _note(totals="Total timed code minutes: 45   Total treatment time: 45 min\n"),
            why="stated 45, documented 25 + 13 = 38",
        ),
        Example(
            _note(
                nmr="NMR 10:00-10:25 (30 min): tandem stance on foam 3 x 30 s; SLS 3 x 15 s each side; gait belt, CGA; TCs at pelvis.\n",
                totals="Total timed code minutes: 43   Total treatment time: 43 min\n",
            ),
            why="30 min written for a 25-minute span",
        ),
        Example(
            _note(totals="Total timed code minutes: 38   Total treatment time: 30 min\n"),
            why="total treatment time less than timed",
        ),
    ],
    passes=[Example(_CLEAN)],
)
def minutes_inconsistent(r: Rule, ctx: Context) -> Iterator[Finding]:
    """The numbers must agree with each other.

    Why: Pub. 100-02 Ch. 15 §220.3 (`mbpm-220-3`) says the billing and the total timed code
    treatment minutes must be consistent. Intervention minutes that add up to more than the
    visit, a stated total that differs from the minutes documented, a total treatment time
    shorter than the timed minutes, or a duration that disagrees with its own clock span all
    mean at least one number is wrong.
    """
    facts = ctx.facts
    timed_items = [i for i in facts.interventions if i.code and _timed(i.code)]
    summed_timed = sum(i.minutes for i in timed_items if i.minutes is not None)
    all_timed_known = bool(timed_items) and all(i.minutes is not None for i in timed_items)

    # 1. Documented intervention minutes vs the visit's clock span.
    visit_minutes = None
    visit_ev: list[Span] = []
    if facts.visit_spans:
        visit_minutes = sum(v.minutes for v in facts.visit_spans)
        visit_ev = [v.evidence for v in facts.visit_spans]
        counted = [i for i in facts.interventions if i.minutes is not None]
        where = "the visit's clock span"
    else:
        spans = [i.clock_span for i in facts.interventions if i.clock_span is not None]
        counted = [
            i for i in facts.interventions if i.clock_span is not None and i.minutes is not None
        ]
        if spans:
            start = min(_hhmm(s.start) for s in spans)
            end = max(_hhmm(s.end) for s in spans)
            visit_minutes = end - start
            where = f"the interventions' clock times ({start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d})"
    if visit_minutes is not None and counted:
        documented = sum(i.minutes for i in counted if i.minutes is not None)
        if documented > visit_minutes:
            parts = " + ".join(f"{i.minutes} ({i.code or i.description})" for i in counted)
            yield r.finding(
                f"The interventions document {documented} minutes ({parts}) but {where} "
                f"cover only {visit_minutes} minutes.",
                visit_ev + [i.minutes_evidence for i in counted if i.minutes_evidence],
                fix="Correct the intervention times or minutes: [start-end] and [minutes] for "
                "each intervention, within the visit's [start-end].",
                kind="exceeds_visit",
                documented_minutes=documented,
                visit_minutes=visit_minutes,
            )

    # 2. Stated total timed minutes vs the sum of per-intervention timed minutes.
    stated = facts.total_timed_minutes
    if stated is not None and all_timed_known and abs(stated.minutes - summed_timed) > 1:
        parts = " + ".join(f"{i.minutes} ({i.code})" for i in timed_items)
        yield r.finding(
            f"The note states {stated.minutes} total timed minutes, but the timed interventions "
            f"document {summed_timed} ({parts}).",
            [stated.evidence] + [i.minutes_evidence for i in timed_items if i.minutes_evidence],
            fix="Make the total equal the timed minutes documented: 'Total timed code minutes: "
            "[total timed minutes]' (untimed services such as hot packs or unattended e-stim "
            "do not count).",
            kind="total_vs_sum",
            stated_minutes=stated.minutes,
            summed_minutes=summed_timed,
        )

    # 3. Total treatment time shorter than the timed minutes.
    treat = facts.total_treatment_minutes
    timed_total = stated.minutes if stated is not None else (summed_timed if timed_items else None)
    if treat is not None and timed_total is not None and treat.minutes < timed_total:
        which = "stated" if stated is not None else "documented"
        yield r.finding(
            f"The total treatment time ({treat.minutes} min) is less than the {which} total timed "
            f"minutes ({timed_total} min); the whole visit cannot be shorter than its timed part.",
            [treat.evidence] + ([stated.evidence] if stated is not None else []),
            fix="Correct 'Total treatment time: [total treatment minutes]' or the timed minutes.",
            kind="treatment_below_timed",
            treatment_minutes=treat.minutes,
            timed_minutes=timed_total,
        )

    # 4. An intervention's written duration vs its own clock span.
    for item in facts.interventions:
        span = item.clock_span
        if span is None or item.stated_minutes is None:
            continue
        if abs(item.stated_minutes - span.minutes) > 1:
            yield r.finding(
                f"{_label(item)}: {item.stated_minutes} min written, but its clock span "
                f"{span.start}-{span.end} is {span.minutes} min.",
                [span.evidence, item.minutes_evidence],
                fix="Make the minutes match the clock times: [start]-[end] ([minutes] min).",
                kind="duration_vs_span",
                code=item.code,
                stated_minutes=item.stated_minutes,
                span_minutes=span.minutes,
            )


# --------------------------------------------------------------------------- T008


@rule(
    id="T008",
    name="overlapping-timed-intervals",
    severity="error",
    sources=["cms-8-minute-rule"],
    summary="The clock intervals of two timed interventions overlap.",
    fails=[
        Example(
            _note(
                therex='TherEx 10:20-10:33 (13 min): sit to stand from 18" chair 3 x 10; bridges 3 x 12; VCs for slow lowering.\n',
                visit="Visit: 10:00-10:40\n\n",
            ),
            why="10:20-10:33 overlaps 10:00-10:25",
        )
    ],
    passes=[Example(_CLEAN, why="10:00-10:25 then 10:25-10:38 only touch")],
)
def overlapping_timed_intervals(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Two timed interventions cannot share the same clock minutes.

    Why: under the CMS rules (`cms-8-minute-rule`) each minute of one-on-one treatment counts
    once, toward one code. Overlapping intervals count the same minutes under two codes (or
    twice under one). Touching end-to-start is not an overlap.
    """
    items = [
        i for i in ctx.facts.interventions if i.clock_span is not None and i.code and _timed(i.code)
    ]
    for a_idx, a in enumerate(items):
        for b in items[a_idx + 1 :]:
            a_span, b_span = a.clock_span, b.clock_span
            assert a_span is not None and b_span is not None  # (items have clock spans)
            sa, ea = _hhmm(a_span.start), _hhmm(a_span.end)
            sb, eb = _hhmm(b_span.start), _hhmm(b_span.end)
            overlap = min(ea, eb) - max(sa, sb)
            if overlap > 0:
                yield r.finding(
                    f"{_label(a)} {a_span.start}-{a_span.end} and {_label(b)} "
                    f"{b_span.start}-{b_span.end} overlap by {overlap} min: the same "
                    "minutes are counted twice.",
                    [a_span.evidence, b_span.evidence],
                    fix="Correct the clock times so each minute counts once: [start]-[end] for each.",
                    codes=[a.code, b.code],
                    overlap_minutes=overlap,
                )


# --------------------------------------------------------------------------- T009


@rule(
    id="T009",
    name="daily-units-threshold",
    severity="warning",
    sources=["profile"],
    summary="A code's billed units exceed the payer profile's per-day threshold.",
    fails=[
        Example(
            _note(
                visit="Visit: 10:00-11:15\n\n",
                nmr="NMR 10:00-11:15 (75 min): tandem stance on foam 3 x 30 s; SLS 3 x 15 s each side; gait belt, CGA; TCs at pelvis.\n",
                therex="",
                totals="Total timed code minutes: 75   Total treatment time: 75 min\n",
                billing="Billing: 97112 GP x5\n",
            ),
            payer=_DAILY_CAPS_PROFILE,
            why="5 units of 97112 where the profile allows 4 a day",
        )
    ],
    passes=[Example(_CLEAN, payer=_DAILY_CAPS_PROFILE, why="2 units of 97112")],
)
def daily_units_threshold(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Billed units per code per day above the payer's threshold.

    Why: some payers cap the units of a code per day (`profile`: the thresholds are payer
    profile data, none by default for Medicare, whose per-day edits are MUEs not bundled here).
    Units above the cap are denied or need a medical-necessity note.
    """
    limits = ctx.profile.daily_unit_thresholds
    if not limits:
        return
    for code, billed_units in ctx.billed_units.items():
        limit = limits.get(code)
        if limit is not None and billed_units > limit:
            yield r.finding(
                f"{code}: {_plural(billed_units, 'unit')} billed for the day; the "
                f"'{ctx.profile.name}' profile allows {limit}.",
                _billed_spans(ctx.facts, {code}),
                fix=f"Bill at most {limit} units of {code}, or document why more were medically "
                "necessary: [reason].",
                code=code,
                billed=billed_units,
                threshold=limit,
            )


# --------------------------------------------------------------------------- T010


@rule(
    id="T010",
    name="untimed-code-units",
    severity="error",
    sources=["cms-timed-untimed"],
    summary="An untimed (service-based) code is billed with more than 1 unit.",
    fails=[
        Example(
            _note(
                visit="Visit: 10:00-10:53\n\n",
                therex=_THEREX + "Moist hot pack 10:38-10:53 (15 min) to lumbar spine, seated.\n",
                totals="Total timed code minutes: 38   Total treatment time: 53 min\n",
                billing="Billing: 97112 GP x2; 97110 GP x1; 97010 GP x2\n",
            ),
            why="hot pack billed x2",
        )
    ],
    passes=[
        Example(
            _note(
                visit="Visit: 10:00-10:53\n\n",
                therex=_THEREX + "Moist hot pack 10:38-10:53 (15 min) to lumbar spine, seated.\n",
                totals="Total timed code minutes: 38   Total treatment time: 53 min\n",
                billing="Billing: 97112 GP x2; 97110 GP x1; 97010 GP x1\n",
            ),
            why="hot pack billed once",
        )
    ],
)
def untimed_code_units(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Untimed codes are one unit per service, whatever the minutes.

    Why: Pub. 100-04 Ch. 5 §20.2 B (`cms-timed-untimed`): service-based codes (evaluations,
    supervised modalities such as hot packs, unattended e-stim, paraffin; group therapy) are
    billed once per session, not in 15-minute units.
    """
    for line in ctx.facts.billed:
        known = codes.get(line.code)
        if known is None or known.timed:
            continue
        if line.units is not None and line.units > 1:
            minutes = next(
                (i.minutes for i in ctx.facts.interventions if i.code == line.code and i.minutes),
                None,
            )
            extra = f" ({minutes} min documented)" if minutes else ""
            yield r.finding(
                f"{line.code} ({known.description}) is untimed: 1 unit per service, but "
                f"{line.units} units are billed{extra}.",
                [line.evidence],
                fix=f"Bill {line.code} x1.",
                code=line.code,
                billed=line.units,
            )


# --------------------------------------------------------------------------- T011


@rule(
    id="T011",
    name="nonbillable-time-counted",
    severity="error",
    sources=["cms-8-minute-rule"],
    summary="Setup, rest, waiting, documentation or another patient's time is counted in a timed code.",
    fails=[
        Example(
            _note(
                therex='TherEx 10:25-10:38 (13 min), includes 4 min seated rest: sit to stand from 18" chair 3 x 10; bridges 3 x 12; VCs for slow lowering.\n'
            ),
            why="rest counted inside TherEx",
        )
    ],
    passes=[
        Example(_CLEAN),
        Example(
            _note(
                therex="TherEx 10:25-10:38 (13 min; 4 min seated rest before it not counted): sit to stand 3 x 10; bridges 3 x 12; VCs for slow lowering.\n"
            ),
            why="the rest is said to be excluded",
        ),
    ],
)
def nonbillable_time_counted(r: Rule, ctx: Context) -> Iterator[Finding]:
    """Time the note itself calls non-treatment must not be inside a timed code's minutes.

    Why: timed minutes are direct one-on-one treatment (`cms-8-minute-rule`; §220.3 counts
    rest periods out). Setup, rest breaks, waiting, documentation and time spent with another
    patient are not treatment; counting them inflates the units. The minutes are not
    silently subtracted: the note must be corrected.
    """
    for item in ctx.facts.interventions:
        if not item.code or not _timed(item.code):
            continue
        for nb in item.nonbillable:
            if not nb.counted:
                continue
            what = nb.kind.replace("_", " ")
            if nb.kind == "other_patient":
                what = "time with another patient"
            amount = f"{nb.minutes} min of {what}" if nb.minutes else what
            total = f"{item.minutes} min" if item.minutes is not None else "its minutes"
            yield r.finding(
                f'{_label(item)} counts {total}, which include {amount}: "{nb.evidence.text.strip()}".',
                [nb.evidence, item.minutes_evidence],
                fix=f"Count only direct treatment: {item.code} [minutes without the {what}], and "
                "correct the totals.",
                code=item.code,
                kind=nb.kind,
                nonbillable_minutes=nb.minutes,
                minutes=item.minutes,
            )


# --------------------------------------------------------------------------- T012


@rule(
    id="T012",
    name="code-minutes-missing",
    severity="info",
    sources=["cms-8-minute-rule"],
    summary="A billed timed code is documented with no minutes or clock span of its own.",
    fails=[
        Example(
            _note(
                nmr="NMR: tandem stance on foam 3 x 30 s; SLS 3 x 15 s each side; gait belt, CGA; TCs at pelvis and VCs for upright trunk.\n",
                therex='TherEx: sit to stand from 18" chair 3 x 10; bridges 3 x 12; VCs for slow lowering.\n',
            ),
            why="no minutes per code",
        )
    ],
    passes=[Example(_CLEAN)],
)
def code_minutes_missing(r: Rule, ctx: Context) -> Iterator[Finding]:
    """A billed timed code whose share of the minutes the note does not give.

    Why: Medicare asks for the total timed minutes, not a per-code split
    (`cms-8-minute-rule`), so this never blocks; but without minutes per code the allocation of
    units between codes cannot be checked, and T001 then checks the billed total against the
    stated total alone.
    """
    facts = ctx.facts
    missing = ctx.codes_without_minutes
    for code in missing:
        items = [i for i in facts.interventions if i.code == code]
        units_billed = ctx.billed_units.get(code)
        yield r.finding(
            f"{code} is billed ({_plural(units_billed or 1, 'unit')}) and documented "
            f"('{items[0].description}') but no minutes or start-end time are given for it, so "
            "its share of the units cannot be checked.",
            [_first_line(items[0].evidence), *_billed_spans(facts, {code})],
            fix=f"Add the minutes for {code}: [start]-[end] ([minutes] min).",
            code=code,
        )
