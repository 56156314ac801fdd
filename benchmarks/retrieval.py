"""Retrieval benchmark for the knowledge base: recall@3, MRR and query latency, dense vs hybrid.

    .venv/bin/python benchmarks/retrieval.py [--data-dir DIR] [--repeat 5] [--json]

Builds the index in a fresh temporary data directory (unless --data-dir is given), then runs
every item of ``retrieval_questions.json`` through dense search and through hybrid search
(dense + BM25, reciprocal rank fusion). Latency is measured per query after a warm-up pass,
each query repeated ``--repeat`` times. Prints a Markdown table for ``benchmarks/README.md``.
No note text or query is logged anywhere; the queries are the benchmark's own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def evaluate(items: list[dict], hybrid: bool, repeat: int) -> dict:
    from reviewer.knowledge.retrieve import search

    for item in items:  # warm-up: model, index, BM25 and caches
        search(item["query"], k=10, hybrid=hybrid)
    recalls, reciprocal, first_hit, latencies, misses = [], [], [], [], []
    by_kind: dict[str, list[float]] = {}
    for item in items:
        relevant = set(item["relevant"])
        for _ in range(repeat):
            start = time.perf_counter()
            hits = search(item["query"], k=10, hybrid=hybrid)
            latencies.append((time.perf_counter() - start) * 1000)
        ids = [h.id for h in hits]
        recall = len(relevant & set(ids[:3])) / len(relevant)
        recalls.append(recall)
        by_kind.setdefault(item.get("kind", "question"), []).append(recall)
        by_kind.setdefault("split=" + item.get("split", "dev"), []).append(recall)
        rank = next((i + 1 for i, doc_id in enumerate(ids) if doc_id in relevant), None)
        reciprocal.append(1 / rank if rank else 0.0)
        first_hit.append(1.0 if rank == 1 else 0.0)
        if recall < 1:
            misses.append({"query": item["query"], "relevant": sorted(relevant), "top3": ids[:3]})
    return {
        "mode": "hybrid (dense + BM25, RRF)" if hybrid else "dense",
        "recall@3": statistics.mean(recalls),
        "mrr@10": statistics.mean(reciprocal),
        "hit@1": statistics.mean(first_hit),
        "recall@3_by_kind": {k: round(statistics.mean(v), 3) for k, v in sorted(by_kind.items())},
        "p50_ms": _percentile(latencies, 0.50),
        "p95_ms": _percentile(latencies, 0.95),
        "misses": misses,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="use (and keep) this REVIEWER_DATA_DIR")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (default 5)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--split",
        choices=["all", "dev", "heldout"],
        default="all",
        help="which questions: dev (used for tuning), heldout (never), or all",
    )
    args = parser.parse_args(argv)

    items = json.loads((HERE / "retrieval_questions.json").read_text(encoding="utf-8"))["items"]
    if args.split != "all":
        items = [item for item in items if item.get("split", "dev") == args.split]
    with tempfile.TemporaryDirectory(prefix="reviewer-bench-") as tmp:
        os.environ["REVIEWER_DATA_DIR"] = args.data_dir or tmp
        from reviewer.knowledge.index import build_index

        start = time.perf_counter()
        opened = build_index(force=True)
        build_s = time.perf_counter() - start
        results = [
            evaluate(items, hybrid=False, repeat=args.repeat),
            evaluate(items, hybrid=True, repeat=args.repeat),
        ]

    summary = {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "questions": len(items),
        "split": args.split,
        "chunks": opened.chunks,
        "build_seconds": round(build_s, 2),
        "results": results,
    }
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        print()
        return 0
    print(
        f"{summary['questions']} queries ({args.split}), {opened.chunks} chunks, index build {build_s:.1f} s "
        f"({summary['machine']})\n"
    )
    print("| mode | recall@3 | MRR@10 | hit@1 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['mode']} | {r['recall@3']:.3f} | {r['mrr@10']:.3f} | {r['hit@1']:.3f} "
            f"| {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |"
        )
    for r in results:
        print(f"\n{r['mode']}: recall@3 by kind and split {r['recall@3_by_kind']}")
        for miss in r["misses"]:
            print(f"  miss: {miss['query']!r} wants {miss['relevant']} got {miss['top3']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
