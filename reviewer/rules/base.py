"""What a rule is, what it reports, and what it reads.

A rule is one small function decorated with :func:`rule`: it has a stable id from
``RULES.md``, a kebab-case name, a severity, the knowledge documents it cites (source keys),
a docstring whose "Why" paragraph says why the rule exists, and example notes that must make
it fire (``fails``) and must not (``passes``). The test suite runs every example through the
full review automatically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reviewer import codes
from reviewer import units as unit_engine
from reviewer.facts import NoteFacts, Span

if TYPE_CHECKING:
    from reviewer.intake import Note
    from reviewer.profiles import Profile

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


class Finding(BaseModel):
    """One problem found in a note. ``rule``/``name``/``severity`` come from the rule."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    name: str
    severity: Severity
    message: str = Field(
        description="States the numbers and what is wrong, in one or two sentences."
    )
    evidence: list[Span] = Field(default_factory=list, description="Quotes from the note.")
    guidance: list[str] = Field(default_factory=list, description="Knowledge document ids.")
    fix: str | None = Field(
        default=None,
        description="A suggested fix that never invents facts: placeholders such as "
        "[sets x reps], [start-end], [cue type] stand for what only the clinician knows.",
    )
    data: dict[str, Any] = Field(default_factory=dict, description="Machine-readable details.")


@dataclass
class Context:
    """What every rule reads: the facts, the payer profile, and the units computed once.

    The properties below are derived from the facts once per note, the first time a rule asks
    (many rules need the same per-code tallies). The facts do not change while the rules run,
    and the rules treat what these return as read-only.
    """

    facts: NoteFacts
    profile: Profile
    note: Note | None = None
    #: ``reviewer.units.UnitsResult`` for the documented per-code minutes under the profile's
    #: method (None when no timed minutes are documented at all).
    units: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def billed_units(self) -> dict[str, int]:
        """``facts.billed_units_by_code()``: billed units pooled per code."""
        return self.facts.billed_units_by_code()

    @cached_property
    def timed_billed(self) -> dict[str, int]:
        """Billed units of the known timed codes, pooled per code."""
        return {c: u for c, u in self.billed_units.items() if codes.is_timed_code(c)}

    @cached_property
    def timed_minutes(self) -> dict[str, int]:
        """``facts.timed_minutes_by_code()``: documented timed minutes pooled per code."""
        return self.facts.timed_minutes_by_code()

    @cached_property
    def documented_codes(self) -> set[str]:
        """The codes of the documented interventions."""
        return {i.code for i in self.facts.interventions if i.code}

    @cached_property
    def codes_without_minutes(self) -> list[str]:
        """Billed timed codes that are documented, but with no minutes for any of their blocks."""
        minutes = self.timed_minutes
        documented = self.documented_codes
        return [c for c in self.timed_billed if c in documented and c not in minutes]

    @cached_property
    def units_result(self) -> Any:
        """``units`` when it was computed under the profile's method, else computed here from
        the documented minutes (None when there are none)."""
        result = self.units
        if result is not None and getattr(result, "method", None) == self.profile.method:
            return result
        if not self.timed_minutes:
            return None
        return unit_engine.compute_units(self.timed_minutes, (), method=self.profile.method)

    @cached_property
    def billed_check(self) -> Any:
        """``reviewer.units.check_billed`` of the timed billed units against ``units_result`` (which
        must not be None). ``reviewer.review`` fills it in with the check it has made."""
        return unit_engine.check_billed(self.units_result, self.timed_billed)


@dataclass(frozen=True)
class Example:
    """An example note for a rule. ``payer`` forces a profile (else the note decides)."""

    note: str
    payer: str | None = None
    why: str = ""


@dataclass
class Rule:
    id: str
    name: str
    severity: Severity
    sources: tuple[str, ...]
    summary: str
    doc: str
    check: Callable[[Context], Iterable[Finding]]
    fails: list[Example] = field(default_factory=list)
    passes: list[Example] = field(default_factory=list)

    def finding(
        self,
        message: str,
        evidence: Iterable[Span | None] = (),
        *,
        fix: str | None = None,
        severity: Severity | None = None,
        **data: Any,
    ) -> Finding:
        """Build a finding for this rule (evidence ``None`` entries are skipped)."""
        return Finding(
            rule=self.id,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            evidence=[e for e in evidence if e is not None],
            guidance=list(self.sources),
            fix=fix,
            data=data,
        )

    def run(self, ctx: Context) -> list[Finding]:
        return list(self.check(ctx) or [])


#: Filled by :func:`rule` as the rule modules are imported (see ``reviewer.rules.registry``).
_RULES: dict[str, Rule] = {}


def _as_examples(items: Iterable[str | Example]) -> list[Example]:
    return [i if isinstance(i, Example) else Example(note=i) for i in items]


def rule(
    *,
    id: str,
    name: str,
    severity: Severity,
    sources: Iterable[str],
    summary: str,
    fails: Iterable[str | Example] = (),
    passes: Iterable[str | Example] = (),
) -> Callable[[Callable[..., Iterable[Finding]]], Rule]:
    """Register a rule. The decorated function is ``check(rule, ctx) -> Iterable[Finding]``."""

    def wrap(fn: Callable[..., Iterable[Finding]]) -> Rule:
        if id in _RULES:
            raise ValueError(f"duplicate rule id {id}")
        r = Rule(
            id=id,
            name=name,
            severity=severity,
            sources=tuple(sources),
            summary=summary,
            doc=(fn.__doc__ or "").strip(),
            check=fn,  # replaced just below, once the rule exists
            fails=_as_examples(fails),
            passes=_as_examples(passes),
        )
        r.check = partial(fn, r)  # check(ctx) is fn(r, ctx)
        _RULES[id] = r
        return r

    return wrap
