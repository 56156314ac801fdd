"""Fuzz the review at scale: 10,000+ random and mutated notes, none may crash it.

The same property as ``tests/test_fuzz.py`` (which runs a few hundred in the test suite): for
every input, ``review_text`` either refuses it with a one-line ``InputError`` or returns a
review whose JSON follows the output contract, whose evidence quotes match the note at their
offsets, and whose verdict follows its findings.

    .venv/bin/python benchmarks/fuzz.py                       # 10,000 examples on every core
    .venv/bin/python benchmarks/fuzz.py --examples 20000 --record

Each job runs its share with its own seed; a failure is shrunk by Hypothesis and printed (the
inputs are synthetic, so printing them is safe).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "benchmarks" / "README.md"


def run_share(args: tuple[int, int, int]) -> dict:
    """Run ``examples`` Hypothesis examples with ``seed``; return outcome counts."""
    examples, seed, longest = args
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    import test_fuzz
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    outcomes: Counter[str] = Counter()
    slowest = [0.0]

    @hseed(seed)
    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(test_fuzz.any_input(longest))
    def prop(raw):
        t0 = time.perf_counter()
        outcomes[test_fuzz.check_review(raw)] += 1
        slowest[0] = max(slowest[0], time.perf_counter() - t0)

    started = time.perf_counter()
    failure = None
    try:
        prop()
    except Exception as exc:  # the shrunk counterexample
        failure = "".join(traceback.format_exception(exc))[-4000:]
    return {
        "seed": seed,
        "outcomes": dict(outcomes),
        "seconds": time.perf_counter() - started,
        "failure": failure,
        "slowest": slowest[0],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=10_000)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--seed", type=int, default=20250601)
    p.add_argument(
        "--longest",
        type=int,
        default=20_000,
        help="longest run of one character pasted into a note",
    )
    p.add_argument("--record", action="store_true", help="write the ## Fuzz section")
    args = p.parse_args(argv)

    share = -(-args.examples // args.jobs)
    tasks = [(share, args.seed + i, args.longest) for i in range(args.jobs)]
    started = time.perf_counter()
    if args.jobs == 1:
        results = [run_share(tasks[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            results = pool.map(run_share, tasks)
    wall = time.perf_counter() - started
    outcomes: Counter[str] = Counter()
    for r in results:
        outcomes.update(r["outcomes"])
    failures = [r for r in results if r["failure"]]
    slowest = max(r["slowest"] for r in results)
    total = sum(outcomes.values())
    for r in failures:
        print(f"--- seed {r['seed']} found a failure:\n{r['failure']}", file=sys.stderr)
    verdict = "no failures" if not failures else f"**{len(failures)} job(s) found a failure**"
    section = "\n".join(
        [
            "## Fuzz",
            "",
            f"`benchmarks/fuzz.py` ({time.strftime('%Y-%m-%d')}): {total:,} examples "
            f"({args.jobs} jobs, seeds {args.seed}..{args.seed + args.jobs - 1}) in {wall:.0f} s: "
            f"{verdict}. {outcomes.get('reviewed', 0):,} reviewed into a valid contract, "
            f"{outcomes.get('refused', 0):,} refused with a one-line input error (empty, binary, "
            f"not UTF-8, too large). Slowest single review: {slowest:.2f} s.",
            "Inputs: corpus notes with 1-6 edits (tokens and junk inserted, pieces deleted or "
            "repeated, digits renumbered, lines shuffled, truncation, odd Unicode), notes with a "
            f"run of up to {args.longest:,} repeated characters pasted in, random text, "
            "token soup and raw bytes. Checked: no exception but InputError; the contract validates "
            "(JSON schema); every evidence span equals the note's text at its offsets; the verdict "
            "follows the severities.",
            "",
        ]
    )
    print(section)
    if args.record:
        text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
        pattern = re.compile(r"(?ms)^## Fuzz\n.*?(?=^## |\Z)")
        if pattern.search(text):
            text = pattern.sub(lambda _: section + "\n", text)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        README.write_text(text, encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
