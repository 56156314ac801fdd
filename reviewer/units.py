"""The unit engine: documented timed minutes → the units a payer allows.

Two methods, exactly as ``RULES.md`` (Unit arithmetic) and CMS Pub. 100-04 Ch. 5 §20.2 say:

- ``cms`` (total-time): total units come from the day's total timed minutes,
  ``(T + 7) // 15`` (0 below 8). Each code first gets ``minutes // 15`` full units; the units
  that remain go, one each, to the codes with the most minutes left over (``minutes % 15``).
  Where leftovers tie, every tied choice is valid and all of them are reported.
- ``ama`` (per-code substantial portion): each code on its own gets ``(m + 7) // 15``.

Same-code minutes are pooled first; untimed codes are one unit each and never add minutes.
This module is pure arithmetic: no I/O, no imports beyond the code table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Literal

from pydantic import BaseModel, Field

from reviewer import codes
from reviewer.errors import UsageError

Method = Literal["cms", "ama"]

#: Minutes a single day can hold; more is a typing error, not a visit.
MAX_MINUTES = 24 * 60

_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]


def units_for_minutes(minutes: int) -> int:
    """Units for a number of timed minutes: 0 below 8, then one per started 15 past 7."""
    return (minutes + 7) // 15 if minutes >= 8 else 0


def minute_range_for_units(units: int) -> tuple[int, int] | None:
    """The minutes that give exactly ``units`` units (``(38, 52)`` for 3); None for 0."""
    if units <= 0:
        return None
    return 15 * units - 7, 15 * units + 7


def describe_range(units: int) -> str:
    rng = minute_range_for_units(units)
    return "under 8 min" if rng is None else f"{rng[0]}–{rng[1]} min"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class UnitsResult(BaseModel):
    """What the minutes support. ``supported`` is one valid allocation; ``alternatives`` the rest."""

    method: Method
    total_timed_minutes: int
    supported_total: int = Field(description="Timed units the minutes support (untimed excluded).")
    supported: dict[str, int] = Field(description="One valid per-code allocation (timed codes).")
    alternatives: list[dict[str, int]] = Field(
        default_factory=list, description="Other valid allocations when leftover minutes tie."
    )
    minutes: dict[str, int] = Field(default_factory=dict, description="Pooled minutes per code.")
    untimed: dict[str, int] = Field(default_factory=dict, description="Untimed codes: 1 each.")
    minute_range: tuple[int, int] | None = Field(
        default=None, description="The minutes range that gives supported_total (cms)."
    )
    derivation: list[str] = Field(default_factory=list, description="Plain-language steps.")

    @property
    def allocations(self) -> list[dict[str, int]]:
        """Every valid allocation, ``supported`` first."""
        return [self.supported, *self.alternatives]

    def max_units(self, code: str) -> int:
        """The most units any valid allocation gives ``code`` (0 if it has no minutes)."""
        return max((a.get(code, 0) for a in self.allocations), default=0)

    def to_contract(self) -> dict:
        """The ``units`` object of the JSON output contract (ARCHITECTURE.md)."""
        return {
            "method": self.method,
            "total_timed_minutes": self.total_timed_minutes,
            "supported_total": self.supported_total,
            "supported": dict(self.supported),
            "alternatives": [dict(a) for a in self.alternatives],
            "minutes": dict(self.minutes),
            "untimed": dict(self.untimed),
            "minute_range": list(self.minute_range) if self.minute_range else None,
            "derivation": list(self.derivation),
        }


def _validate(minutes: Mapping[str, int], untimed: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    pooled: dict[str, int] = {}
    for raw_code, value in minutes.items():
        code = raw_code.strip().upper()
        found = codes.get(code)
        if found is None:
            raise UsageError(codes.unknown_code_message(code))
        if not found.timed:
            raise UsageError(
                f"{code} ({found.description}) is untimed: it is one unit per service, whatever "
                f"the minutes. Give it without minutes (just {code})."
            )
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"minutes for {code} must be a whole number, not {value!r}")
        if value < 0:
            raise UsageError(f"minutes for {code} cannot be negative ({value})")
        pooled[code] = pooled.get(code, 0) + value
        if pooled[code] > MAX_MINUTES:
            raise UsageError(
                f"{pooled[code]} minutes of {code} is more than a day ({MAX_MINUTES} min)"
            )
    total = sum(pooled.values())
    if total > MAX_MINUTES:
        raise UsageError(f"{total} timed minutes is more than a day ({MAX_MINUTES} min)")
    untimed_list: list[str] = []
    for raw_code in untimed:
        code = raw_code.strip().upper()
        found = codes.get(code)
        if found is None:
            raise UsageError(codes.unknown_code_message(code))
        if found.timed:
            raise UsageError(f"{code} is a timed code: give its minutes as {code}=MINUTES")
        if code not in untimed_list:
            untimed_list.append(code)
    return pooled, untimed_list


def _cms(pooled: dict[str, int]) -> tuple[int, list[dict[str, int]], list[str]]:
    total_minutes = sum(pooled.values())
    total_units = units_for_minutes(total_minutes)
    full = {c: m // 15 for c, m in pooled.items()}
    left = {c: m % 15 for c, m in pooled.items()}
    remaining = total_units - sum(full.values())
    steps: list[str] = []
    if total_units == 0:
        steps.append(
            f"{total_minutes} timed minutes → 0 units (fewer than 8 timed minutes in the day)."
        )
    else:
        steps.append(
            f"{total_minutes} timed minutes → {_plural(total_units, 'unit')} "
            f"({describe_range(total_units)})."
        )
    if len(pooled) > 1 or (pooled and total_units):
        parts = [
            f"{c}: {_plural(full[c], 'full unit')}, {left[c]} min left" for c in pooled
        ]
        steps.append("; ".join(parts) + ".")

    if remaining <= 0:
        return total_units, [dict(full)], steps

    # The remaining units go one each to the codes with the most minutes left over.
    ranked = sorted((c for c in pooled if left[c] > 0), key=lambda c: -left[c])
    cutoff = left[ranked[remaining - 1]]
    sure = [c for c in ranked if left[c] > cutoff]
    tied = [c for c in pooled if left[c] == cutoff]  # input order, so the first tie is stable
    picks = remaining - len(sure)
    allocations = []
    for chosen in combinations(tied, picks):
        alloc = dict(full)
        for c in (*sure, *chosen):
            alloc[c] += 1
        allocations.append(alloc)

    first_index = total_units - remaining
    ordinal_names = [
        _ORDINALS[first_index + i] if first_index + i < len(_ORDINALS) else f"#{first_index + i + 1}"
        for i in range(remaining)
    ]
    winners = sure + (tied if len(allocations) == 1 else [])
    losers = [c for c in pooled if c not in winners and (len(allocations) == 1 or c not in tied)]
    best_loser = max((left[c] for c in losers), default=None)
    for i, c in enumerate(winners):
        if best_loser is not None:
            why = f", which has more minutes left ({left[c]} min vs {best_loser})"
        else:
            why = f" ({left[c]} min left)"
        steps.append(f"The {ordinal_names[i]} unit goes to {c}{why}.")
    if len(allocations) > 1:
        label = " and ".join(ordinal_names[len(sure):])
        steps.append(
            f"The {label} unit{'s' if picks > 1 else ''}: {', '.join(tied)} tie at "
            f"{cutoff} min left, so any {'one of them' if picks == 1 else f'{picks} of them'} "
            f"may take {'it' if picks == 1 else 'them'} — {len(allocations)} valid allocations."
        )
    return total_units, allocations, steps


def _ama(pooled: dict[str, int]) -> tuple[int, list[dict[str, int]], list[str]]:
    alloc = {c: units_for_minutes(m) for c, m in pooled.items()}
    steps = [
        "Per-code method: each code is rounded on its own (8–22 min = 1 unit, 23–37 = 2, ...)."
    ]
    for c, m in pooled.items():
        u = alloc[c]
        steps.append(
            f"{c}: {m} min → {_plural(u, 'unit')}" + (" (under 8 min)" if u == 0 else "") + "."
        )
    total = sum(alloc.values())
    steps.append(f"Total: {_plural(total, 'timed unit')}.")
    return total, [alloc], steps


def compute_units(
    minutes: Mapping[str, int], untimed: Iterable[str] = (), method: Method = "cms"
) -> UnitsResult:
    """The units the documented minutes support under ``method``.

    ``minutes`` maps timed codes to minutes (same code given twice is pooled by the caller or
    here via upper-casing); ``untimed`` lists untimed codes performed (one unit each).
    Raises :class:`UsageError` for unknown codes, negative or absurd minutes.
    """
    if method not in ("cms", "ama"):
        raise UsageError(f"unknown method {method!r}: use cms or ama")
    pooled, untimed_list = _validate(minutes, untimed)
    if method == "cms":
        total, allocations, steps = _cms(pooled)
    else:
        total, allocations, steps = _ama(pooled)
    for code in untimed_list:
        steps.append(f"{code} is untimed: 1 unit, its minutes never count toward timed minutes.")
    total_minutes = sum(pooled.values())
    return UnitsResult(
        method=method,
        total_timed_minutes=total_minutes,
        supported_total=total,
        supported=allocations[0],
        alternatives=allocations[1:],
        minutes=pooled,
        untimed={c: 1 for c in untimed_list},
        minute_range=minute_range_for_units(total) if method == "cms" else None,
        derivation=steps,
    )


class BilledCheck(BaseModel):
    """A billed allocation compared with what the minutes support."""

    status: Literal["supported", "over", "under", "over_and_under"]
    billed_total: int
    supported_total: int
    over_total: int = Field(0, description="Billed timed units above the supported total.")
    over_codes: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="code → {billed, max_supported} where billed > max."
    )
    under_total: int = Field(0, description="Supported timed units not billed.")
    under_codes: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="code → {billed, supported} (ama: per code)."
    )
    message: str


def check_billed(result: UnitsResult, billed: Mapping[str, int]) -> BilledCheck:
    """Is a billed allocation (timed codes → units) supported by ``result``?

    Supported when the billed total does not exceed the supported total and some valid
    allocation gives each code at least the units billed for it (RULES.md). Under the ``ama``
    method each code is compared with its own units.
    """
    timed_billed = {c.strip().upper(): u for c, u in billed.items()}
    billed_total = sum(timed_billed.values())
    over_codes: dict[str, dict[str, int]] = {}
    under_codes: dict[str, dict[str, int]] = {}

    if result.method == "ama":
        for c, u in timed_billed.items():
            sup = result.supported.get(c, 0)
            if u > sup:
                over_codes[c] = {"billed": u, "max_supported": sup}
        for c, sup in result.supported.items():
            if timed_billed.get(c, 0) < sup:
                under_codes[c] = {"billed": timed_billed.get(c, 0), "supported": sup}
        over_total = sum(v["billed"] - v["max_supported"] for v in over_codes.values())
        under_total = sum(v["supported"] - v["billed"] for v in under_codes.values())
    else:
        for c, u in timed_billed.items():
            best = result.max_units(c)
            if u > best:
                over_codes[c] = {"billed": u, "max_supported": best}
        fits_one = any(
            all(alloc.get(c, 0) >= u for c, u in timed_billed.items())
            for alloc in result.allocations
        )
        if not over_codes and not fits_one and billed_total <= result.supported_total:
            # Each code is within its own maximum, but no single allocation gives them all
            # (e.g. both tied codes billed the extra unit). Report the codes competing for it.
            for c, u in timed_billed.items():
                if u > result.supported.get(c, 0):
                    over_codes[c] = {"billed": u, "max_supported": result.supported.get(c, 0)}
        over_total = max(0, billed_total - result.supported_total)
        under_total = max(0, result.supported_total - billed_total)
        if under_total:
            for c, sup in result.supported.items():
                if timed_billed.get(c, 0) < sup:
                    under_codes[c] = {"billed": timed_billed.get(c, 0), "supported": sup}

    over = bool(over_total or over_codes)
    under = bool(under_total) if result.method == "cms" else bool(under_codes)
    status: Literal["supported", "over", "under", "over_and_under"] = (
        "over_and_under" if over and under else "over" if over else "under" if under else "supported"
    )
    return BilledCheck(
        status=status,
        billed_total=billed_total,
        supported_total=result.supported_total,
        over_total=over_total,
        over_codes=over_codes,
        under_total=under_total,
        under_codes=under_codes,
        message=_check_message(result, timed_billed, billed_total, over_codes, under_codes, status),
    )


def _check_message(
    result: UnitsResult,
    billed: Mapping[str, int],
    billed_total: int,
    over_codes: Mapping[str, Mapping[str, int]],
    under_codes: Mapping[str, Mapping[str, int]],
    status: str,
) -> str:
    minutes = result.total_timed_minutes
    head = (
        f"{_plural(billed_total, 'timed unit')} billed; {minutes} timed minutes support "
        f"{result.supported_total}"
    )
    if result.method == "cms":
        head += f" ({describe_range(result.supported_total)})"
    parts = [head + "."]
    for c, v in over_codes.items():
        mins = result.minutes.get(c, 0)
        parts.append(
            f"{c}: {v['billed']} billed, {mins} min support at most {v['max_supported']}."
        )
    if status in ("under", "over_and_under"):
        for c, v in under_codes.items():
            parts.append(f"{c}: {v['billed']} billed, the minutes support {v['supported']}.")
    return " ".join(parts)
