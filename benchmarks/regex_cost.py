"""Where the review's regular-expression time goes: every compiled pattern, ranked.

``re.compile`` is wrapped before reviewer is imported, so each pattern the review compiles
(at import or lazily) is timed around its own calls (``match``, ``search``, ``finditer``,
``sub`` ...). The wrapper adds Python overhead outside the timed calls, so the total review
time printed is inflated; the time inside the regex engine is not. Use it to find the patterns
worth rewriting, then confirm any change with ``throughput.py`` or ``valgrind --tool=callgrind``
(instruction counts, steady whatever else the machine runs).

    .venv/bin/python benchmarks/regex_cost.py [N] [--top K]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

_compile = re.compile
_clock = time.perf_counter
COST: collections.Counter[tuple[str, int]] = collections.Counter()
CALLS: collections.Counter[tuple[str, int]] = collections.Counter()
WHERE: dict[tuple[str, int], str] = {}


#: The pattern methods that run the regex engine (the others pass straight through).
_ENGINE = frozenset(("match", "search", "fullmatch", "finditer", "findall", "sub", "subn", "split"))


class _Timed:
    """A compiled pattern that adds the time of each engine call to its key's total."""

    __slots__ = ("_rx", "_key")

    def __init__(self, rx: re.Pattern[str], key: tuple[str, int]) -> None:
        self._rx, self._key = rx, key

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._rx, name)
        if name not in _ENGINE:
            return method
        key = self._key

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = _clock()
            out = method(*args, **kwargs)
            if name == "finditer":  # the matching happens while iterating
                out = iter(list(out))
            COST[key] += _clock() - started
            CALLS[key] += 1
            return out

        return timed


def _timed_compile(pattern: Any, flags: int = 0) -> Any:
    rx = _compile(pattern, flags)
    if not isinstance(pattern, str):
        return rx
    key = (pattern, int(flags))
    caller = sys._getframe(1)
    WHERE.setdefault(key, f"{Path(caller.f_code.co_filename).name}:{caller.f_lineno}")
    return _Timed(rx, key)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("notes", nargs="?", type=int, default=1000, help="generated notes to review")
    p.add_argument("--top", type=int, default=30, help="patterns to list")
    p.add_argument("--seed", type=int, default=8)
    args = p.parse_args(argv)

    re.compile = _timed_compile  # type: ignore[assignment]  # before reviewer is imported
    import throughput

    from reviewer.review import review_text

    notes = throughput.generate(args.notes, args.seed)
    for note in notes[:50]:  # compile the lazily compiled patterns, warm caches
        review_text(note)
    COST.clear()
    CALLS.clear()
    started = time.process_time()
    for note in notes:
        review_text(note)
    total = time.process_time() - started
    n = len(notes)
    inside = sum(COST.values())
    print(
        f"{n} notes: review {total / n * 1e3:.2f} ms/note (inflated by the timing wrapper), "
        f"inside regex calls {inside / n * 1e3:.2f} ms/note, {len(COST)} patterns used"
    )
    by_module: collections.Counter[str] = collections.Counter()
    for key, seconds in COST.items():
        by_module[WHERE[key].split(":")[0]] += seconds
    print(
        "by module (ms/note): "
        + ", ".join(f"{m} {s / n * 1e3:.3f}" for m, s in by_module.most_common())
    )
    print(f"\n{'us/note':>8} {'calls':>6}  where               pattern")
    for key, seconds in COST.most_common(args.top):
        text = key[0] if len(key[0]) <= 90 else key[0][:87] + "..."
        print(f"{seconds / n * 1e6:8.1f} {CALLS[key] / n:6.1f}  {WHERE[key]:<19} {text!r}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("REVIEWER_EXTRACTOR", "rules")
    raise SystemExit(main())
