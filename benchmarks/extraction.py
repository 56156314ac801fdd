"""Speed of the rules-based extractor's own part (header, totals, segmentation, billing).

    .venv/bin/python benchmarks/extraction.py [--corpus DIR] [--repeat N]

Runs ``extract_facts`` over every note of the corpus with the content annotation switched off
(that part is measured by the review/throughput benchmarks), then with it, and prints per-note
timings (median, p99) and notes per second on one core. ``--pathological`` also times the
structure part on a note followed by ~97 KB of one repeated pattern (spaces, digits, colons,
pipes, code-like runs ...): every regular expression must stay linear there.
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
    print(
        f"{label:<34} median {statistics.median(samples):6.2f} ms  p99 {p99:6.2f} ms  "
        f"{1000 / mean:7.0f} notes/s (one core)"
    )


_PATHOLOGICAL = {
    "spaces": " ",
    "digits": "1",
    "digit space": "1 ",
    "colons": "1:",
    "dashes": "-",
    "pipes": "| ",
    "dots": ".",
    "capitals": "A ",
    "minutes": "5 min ",
    "blank lines": " \n",
    "codes": "97110 GP x2 ",
    "names": "Ann Lee, PT ",
    "label words": "ther ex ",
}


def _pathological(base: str) -> None:
    import reviewer.extract.rules_based.content as content

    with mock.patch.object(content, "annotate", lambda note, facts: None):
        for name, unit in _PATHOLOGICAL.items():
            note = prepare(base.rstrip("\n") + (unit * (97_000 // len(unit)))[:97_000] + "\n")
            t = time.perf_counter()
            extract_facts(note)
            print(f"  ~97 KB of {name!r:<16} {(time.perf_counter() - t) * 1000:8.0f} ms")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "dev"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pathological", action="store_true")
    args = ap.parse_args()
    notes = [prepare(p.read_bytes()) for p in sorted(Path(args.corpus).glob("*.txt"))]
    extract_facts(notes[0])  # warm-up: vocabulary compiled, imports done
    print(f"{len(notes)} notes x {args.repeat}")
    import reviewer.extract.rules_based.content as content

    with mock.patch.object(content, "annotate", lambda note, facts: None):
        _report("structure only (no content)", _time(notes, args.repeat))
    _report("with content annotation", _time(notes, args.repeat))
    if args.pathological:
        print("one note + a long run of one pattern (structure only):")
        _pathological(notes[0].text[:1500])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
