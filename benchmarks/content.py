"""Speed of the clinical-content extraction (``reviewer.extract.rules_based.content``).

Measures, on the labelled corpus:

- the import of the content module (vocabulary loaded, patterns parsed; compiled lazily);
- ``content.annotate`` per note (CPU time, the structural facts extracted beforehand), p50,
  p95, p99 and max, over several passes;
- adversarial inputs near the 100 KB note limit (one long blank line, a run of digits, one
  very long line of repeated exercises ...): each must finish in well under a second, i.e.
  no pattern backtracks quadratically.

Usage::

    .venv/bin/python benchmarks/content.py [--corpus DIR] [--passes N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _import_seconds() -> float:
    code = (
        "import time; t = time.perf_counter(); "
        "import reviewer.extract.rules_based.content; print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(out.stdout.strip())


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "tests" / "fixtures" / "corpus"))
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from reviewer.extract.rules_based import content, extract_facts
    from reviewer.facts import Intervention, NoteFacts
    from reviewer.intake import prepare

    imports = [_import_seconds() for _ in range(3)]
    paths = sorted(Path(args.corpus).glob("*.txt"))
    if not paths:
        print(f"no notes in {args.corpus}", file=sys.stderr)
        return 2
    notes = [prepare(p.read_bytes()) for p in paths]
    facts = [extract_facts(n) for n in notes]
    per_note: list[float] = []
    for _ in range(args.passes):
        for note, f in zip(notes, facts, strict=True):
            t = time.process_time()
            content.annotate(note, f)
            per_note.append((time.process_time() - t) * 1000)

    base = paths[0].read_text(encoding="utf-8")
    adversarial = {
        "90k blank line": base + " " * 90_000,
        "90k digits": base + "1" * 90_000,
        "20k '3 x '": base + "3 x " * 20_000,
        "7k 'SLS on foam'": base + "SLS on foam " * 7_000,
        "2.5k exercises on one line": "NMR: " + "tandem stance 3 x 30 s, CGA, VCs; " * 2_500,
        "25k pipes": base + " | " * 25_000,
    }
    worst: dict[str, float] = {}
    for name, text in adversarial.items():
        note = prepare(text)
        block = Intervention(description="all", evidence=note.span(0, len(note.text)))
        f = NoteFacts(interventions=[block])
        t = time.process_time()
        content.annotate(note, f)
        worst[name] = round(time.process_time() - t, 3)

    result = {
        "notes": len(notes),
        "passes": args.passes,
        "import_s_median": round(statistics.median(imports), 3),
        "annotate_cpu_ms": {
            "p50": round(_quantile(per_note, 0.50), 2),
            "p95": round(_quantile(per_note, 0.95), 2),
            "p99": round(_quantile(per_note, 0.99), 2),
            "max": round(max(per_note), 2),
            "mean": round(statistics.fmean(per_note), 2),
        },
        "notes_per_minute_one_core": int(60_000 / statistics.fmean(per_note)),
        "adversarial_cpu_s": worst,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    ms = result["annotate_cpu_ms"]
    print(f"notes: {len(notes)} x {args.passes} passes")
    print(f"import content module: {result['import_s_median']} s (median of 3, fresh process)")
    print(
        f"annotate CPU per note: p50 {ms['p50']} ms, p95 {ms['p95']} ms, p99 {ms['p99']} ms, "
        f"max {ms['max']} ms (~{result['notes_per_minute_one_core']:,} notes/min on one core)"
    )
    for name, seconds in worst.items():
        print(f"adversarial {name:28s} {seconds:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
