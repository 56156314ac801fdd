"""Speed of the rules-based extractor's own part (header, totals, segmentation, billing).

    .venv/bin/python benchmarks/extraction.py [--corpus DIR] [--repeat N]

Runs ``extract_facts`` over every note of the corpus with the content annotation switched off
(that part is measured by the review/throughput benchmarks), then with it, and prints per-note
timings (median, p99) and notes per second on one core.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.extract.rules_based import extract_facts  # noqa: E402
from reviewer.intake import prepare  # noqa: E402


def _time(notes, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        for note in notes:
            t = time.perf_counter()
            extract_facts(note)
            out.append((time.perf_counter() - t) * 1000)
    return out


def _report(label: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p99 = samples[int(len(samples) * 0.99) - 1]
    mean = statistics.fmean(samples)
    print(f"{label:<34} median {statistics.median(samples):6.2f} ms  p99 {p99:6.2f} ms  "
          f"{1000 / mean:7.0f} notes/s (one core)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "dev"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    notes = [prepare(p.read_bytes()) for p in sorted(Path(args.corpus).glob("*.txt"))]
    extract_facts(notes[0])  # warm-up: vocabulary compiled, imports done
    print(f"{len(notes)} notes x {args.repeat}")
    import reviewer.extract.rules_based.content as content

    with mock.patch.object(content, "annotate", lambda note, facts: None):
        _report("structure only (no content)", _time(notes, args.repeat))
    _report("with content annotation", _time(notes, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
