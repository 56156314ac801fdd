"""``reviewer extract FILE|-``: print the facts the extractor reads from a note (no rules)."""

from __future__ import annotations

import argparse
import json
import sys

from reviewer.commands._llm_flags import llm_settings_from_args
from reviewer.commands.review import add_common_arguments, read_note


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="print the facts read from one note (what the rules see)",
        description="Print the facts the extractor reads from a note: billed lines, "
        "interventions with minutes and evidence, totals, signature ... No rules are run.",
    )
    add_common_arguments(p)
    p.add_argument("--format", choices=["json", "text"], default="json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reviewer.intake import prepare
    from reviewer.review import choose_extractor

    note = prepare(read_note(args.file))
    extraction = choose_extractor(args.extractor, llm_settings_from_args(args)).extract(note)
    if args.format == "json":
        payload = {
            "extractor": extraction.extractor,
            "fallback_reason": extraction.fallback_reason,
            "dropped": [d.model_dump(mode="json") for d in extraction.dropped],
            "disagreements": [d.model_dump(mode="json") for d in extraction.disagreements],
            "facts": extraction.facts.model_dump(mode="json"),
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_facts_text(extraction))
    return 0


def render_facts_text(extraction) -> str:
    f = extraction.facts
    out = [
        f"Extractor: {extraction.extractor}"
        + (f" (fell back: {extraction.fallback_reason})" if extraction.fallback_reason else "")
    ]

    def val(label: str, value) -> None:
        out.append(f"{label + ':':<26} {value if value not in (None, '', []) else '—'}")

    val("Date of service", f.date_of_service.value if f.date_of_service else None)
    val("Discipline", f.discipline.value if f.discipline else None)
    val("Payer", f"{f.payer.name} (method {f.payer.method or 'not stated'})" if f.payer else None)
    val(
        "Signature",
        " ".join(filter(None, [f.signature.name, ", ".join(f.signature.credentials)]))
        if f.signature
        else None,
    )
    val("Supervising therapist", f.supervising_therapist.name if f.supervising_therapist else None)
    val("Assistant", f"{f.assistant.role} ({f.assistant.scope})" if f.assistant else None)
    val("Visit span(s)", ", ".join(f"{s.start}-{s.end} ({s.minutes} min)" for s in f.visit_spans))
    val("Total timed minutes", f.total_timed_minutes.minutes if f.total_timed_minutes else None)
    val(
        "Total treatment minutes",
        f.total_treatment_minutes.minutes if f.total_treatment_minutes else None,
    )
    out.append("Billed:")
    for line in f.billed:
        out.append(
            f"  {line.code} x{line.units if line.units is not None else '?'} "
            f"{' '.join(line.modifiers)}".rstrip()
        )
    out.append("Interventions:")
    for i, item in enumerate(f.interventions):
        span = f" {item.clock_span.start}-{item.clock_span.end}" if item.clock_span else ""
        flags = [k for k in ("independent", "group", "concurrent") if getattr(item, k)]
        out.append(
            f"  [{i}] {item.description} -> {item.code or '?'}{span} "
            f"{item.minutes if item.minutes is not None else '?'} min"
            + (f" ({', '.join(flags)})" if flags else "")
        )
        for act in item.activities:
            params = "; ".join(p.value for p in act.parameters)
            out.append(
                f"      activity: {act.name} [{act.category}]" + (f" ({params})" if params else "")
            )
        for g in item.guidance:
            out.append(f"      guidance: {g.kind}" + (f" {g.level}" if g.level else ""))
        for nb in item.nonbillable:
            out.append(
                f"      non-billable: {nb.kind} {nb.minutes or '?'} min "
                f"({'counted' if nb.counted else 'excluded'})"
            )
    for label, items in (
        ("Responses", f.responses),
        ("Goal references", f.goal_refs),
        ("Impairments", f.impairments),
        ("Safety measures", f.safety_measures),
        ("Group statements", f.group_statements),
    ):
        val(label, "; ".join(t.text for t in items))
    val("Diagnoses", "; ".join(d.code or d.text for d in f.diagnoses))
    val("Vague phrases", "; ".join(v.phrase for v in f.vague_phrases))
    return "\n".join(out) + "\n"
