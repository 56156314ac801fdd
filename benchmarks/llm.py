"""LLM-path benchmark without a model: redaction and grounding over a folder of notes.

    .venv/bin/python benchmarks/llm.py [NOTES_DIR]      (default: the shared dev corpus)

For every note it measures:

- **redaction**: that every CPT/HCPCS code, modifier token, ICD-10 code, clock time, "N min"
  and date that is not a date of birth survives, and that the patient name in a
  ``Pt:``/``Patient:`` header does not; and the time it takes;
- **grounding round trip**: the rules-based extractor's facts are turned into an "oracle" LLM
  answer (each fact quoting its own evidence text, through the redacted text when the note is
  redacted), grounded again, and compared: every fact should come back with the same offsets.
  This measures the locator and the offset mapping (CRLF, Unicode, placeholders), not a model.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from reviewer.extract.llm.grounding import ground
from reviewer.extract.llm.schema import LLMNoteFacts
from reviewer.extract.rules_based import RulesExtractor
from reviewer.intake import prepare
from reviewer.redact import redact

DEFAULT = Path("/work/shared/corpus/dev")

KEEP = [
    re.compile(r"(?<!\d)9\d{4}(?!\d)|G0283"),  # therapy codes
    re.compile(r"(?<![A-Za-z0-9])(?:GP|GO|GN|CQ|KX|59|X[ESPU])(?![A-Za-z0-9])"),  # modifiers
    re.compile(r"\b[A-Z]\d{2}\.\d{1,4}[A-Z]?\b"),  # ICD-10
    re.compile(r"\b\d{1,2}:\d{2}\b"),  # clock times
    re.compile(r"\b\d{1,3}\s*min\b"),  # minutes
]
HEADER_NAME = re.compile(
    r"(?m)^(?:Pt|Patient|Client)\s*(?:name)?\s*:\s*([A-Z][a-z'\-]+(?: [A-Z][a-z'\-]+)+)"
)


def oracle_answer(facts, text: str) -> dict[str, Any]:
    """The answer a perfect model would give: the rules reading, each fact quoting its evidence."""

    def q(span):
        return text_of(span, text)

    def person(p):
        return (
            None
            if p is None
            else {
                "name": p.name,
                "credentials": p.credentials,
                "role": p.role,
                "quote": q(p.evidence),
            }
        )

    def clock(c):
        return None if c is None else {"start": c.start, "end": c.end, "quote": q(c.evidence)}

    def texts(items):
        return [{"text": t.text, "quote": q(t.evidence)} for t in items]

    out: dict[str, Any] = {
        "date_of_service": facts.date_of_service
        and {"value": facts.date_of_service.value, "quote": q(facts.date_of_service.evidence)},
        "discipline": facts.discipline
        and {"value": facts.discipline.value, "quote": q(facts.discipline.evidence)},
        "payer": facts.payer
        and {
            "name": facts.payer.name,
            "method": facts.payer.method,
            "quote": q(facts.payer.evidence),
        },
        "provider": person(facts.provider),
        "supervising_therapist": person(facts.supervising_therapist),
        "visit_spans": [clock(c) for c in facts.visit_spans],
        "total_timed_minutes": facts.total_timed_minutes
        and {
            "minutes": facts.total_timed_minutes.minutes,
            "quote": q(facts.total_timed_minutes.evidence),
        },
        "total_treatment_minutes": facts.total_treatment_minutes
        and {
            "minutes": facts.total_treatment_minutes.minutes,
            "quote": q(facts.total_treatment_minutes.evidence),
        },
        "interventions": [
            {
                "description": i.description,
                "code": i.code,
                "minutes": i.minutes,
                "minutes_quote": q(i.minutes_evidence) if i.minutes_evidence else None,
                "clock_span": clock(i.clock_span),
                "quote": q(i.evidence),
                "activities": [
                    {
                        "name": a.name,
                        "category": a.category,
                        "quote": q(a.evidence),
                        "parameters": [
                            {"kind": p.kind, "value": p.value, "quote": q(p.evidence)}
                            for p in a.parameters
                        ],
                    }
                    for a in i.activities
                ],
                "guidance": [
                    {"kind": g.kind, "level": g.level, "quote": q(g.evidence)} for g in i.guidance
                ],
                "nonbillable": [
                    {
                        "kind": n.kind,
                        "minutes": n.minutes,
                        "counted": n.counted,
                        "quote": q(n.evidence),
                    }
                    for n in i.nonbillable
                ],
                "independent": i.independent,
                "independent_quote": q(i.independent_evidence) if i.independent_evidence else None,
                "group": i.group,
                "concurrent": i.concurrent,
                "group_quote": q(i.group_evidence) if i.group_evidence else None,
                "by_assistant": i.by_assistant,
            }
            for i in facts.interventions
        ],
        "signature": facts.signature
        and {
            "name": facts.signature.name,
            "credentials": facts.signature.credentials,
            "role": facts.signature.role,
            "quote": q(facts.signature.evidence),
        },
        "assistant": facts.assistant
        and {
            "role": facts.assistant.role,
            "scope": facts.assistant.scope,
            "codes": facts.assistant.codes,
            "minutes": facts.assistant.minutes,
            "quote": q(facts.assistant.evidence),
        },
        "diagnoses": [
            {"code": d.code, "text": d.text, "quote": q(d.evidence)} for d in facts.diagnoses
        ],
        "group_statements": texts(facts.group_statements),
        "vague_phrases": [
            {
                "phrase": v.phrase,
                "category": v.category,
                "intervention": v.intervention,
                "quote": q(v.evidence),
            }
            for v in facts.vague_phrases
        ],
        "billed": [
            {"code": b.code, "units": b.units, "modifiers": b.modifiers, "quote": q(b.evidence)}
            for b in facts.billed
        ],
        "responses": texts(facts.responses),
        "goal_refs": texts(facts.goal_refs),
        "impairments": texts(facts.impairments),
        "safety_measures": texts(facts.safety_measures),
    }
    return {k: v for k, v in out.items() if v not in (None, [])}


def text_of(span, text: str) -> str:
    return text[span.start : span.end]


def spans(node, path=""):
    if isinstance(node, dict):
        if {"start", "end", "text"} <= node.keys() and isinstance(node.get("start"), int):
            yield node["start"], node["end"]
        for key, value in node.items():
            yield from spans(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from spans(item, path)


def main(folder: Path) -> None:
    files = sorted(folder.glob("*.txt"))
    red_times, ground_times = [], []
    kept = lost = names = names_left = 0
    facts_total = facts_back = 0
    dropped_reasons: dict[str, int] = {}
    for path in files:
        raw = path.read_text(encoding="utf-8")
        note = prepare(raw)
        t0 = time.perf_counter()
        red = redact(note.text)
        red_times.append(time.perf_counter() - t0)
        dob = {
            m.group(0)
            for m in re.finditer(
                r"\d{1,2}/\d{1,2}/\d{2,4}",
                " ".join(r.original for r in red.replacements if r.kind == "DOB"),
            )
        }
        for pattern in KEEP:
            for match in pattern.finditer(note.text):
                if match.group(0) in dob:
                    continue
                if match.group(0) in red.text:
                    kept += 1
                else:
                    lost += 1
                    print(f"  lost {match.group(0)!r} in {path.name}")
        for match in HEADER_NAME.finditer(note.text):
            names += 1
            if match.group(1) in red.text:
                names_left += 1
                print(f"  name left in {path.name}")
        facts = RulesExtractor().extract(note).facts
        answer = LLMNoteFacts.model_validate(oracle_answer(facts, note.text))
        # quotes are taken from the clean text; ground them through the redacted text
        t0 = time.perf_counter()
        back, dropped = ground(answer, note, red)
        ground_times.append(time.perf_counter() - t0)
        for d in dropped:
            dropped_reasons[d.reason] = dropped_reasons.get(d.reason, 0) + 1
        want = set(spans(facts.model_dump()))
        got = set(spans(back.model_dump()))
        facts_total += len(want)
        facts_back += len(want & got)

    def ms(xs):
        return f"{statistics.median(xs) * 1000:.2f} ms (p95 {sorted(xs)[int(len(xs) * 0.95) - 1] * 1000:.2f})"

    print(f"notes: {len(files)}")
    print(
        f"redaction: kept {kept}/{kept + lost} codes, modifiers, ICD-10, clock times, minutes; "
        f"header names removed {names - names_left}/{names}; time per note {ms(red_times)}"
    )
    print(
        f"grounding round trip: {facts_back}/{facts_total} evidence spans identical "
        f"({facts_back / max(facts_total, 1):.1%}); time per note {ms(ground_times)}"
    )
    print(f"dropped in the round trip: {dropped_reasons or 'none'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
