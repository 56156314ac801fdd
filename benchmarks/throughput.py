"""Throughput of the rules-mode review: notes/s, per-note latency, peak memory, cold start.

Generates N synthetic notes by varying the labelled dev corpus deterministically (seeded):
clock times shifted, minutes and dates changed, codes swapped, phrasing rewritten, patients
renamed. Then measures:

- single process: ``review_text`` per note (p50/p99 latency, notes/s);
- every core: ``reviewer.batch.review_rows`` (process pool) over the whole set (notes/s);
- peak RSS of ``reviewer batch`` over a 10,000-note CSV (the process and its workers);
- cold start of ``reviewer review FILE`` (process start to output) and whether any heavy
  library (chromadb, langchain, streamlit, ...) is imported on the rules path.

    .venv/bin/python benchmarks/throughput.py                 # defaults: 2,000 + 10,000 notes
    .venv/bin/python benchmarks/throughput.py --record        # also update benchmarks/README.md
    .venv/bin/python benchmarks/throughput.py --profile 500   # cProfile hot spots instead
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS_DIRS = [ROOT.parent / "shared" / "corpus" / "dev", ROOT / "tests" / "fixtures" / "corpus"]
README = ROOT / "benchmarks" / "README.md"
HEAVY = (
    "chromadb",
    "langchain",
    "langchain_core",
    "langchain_openai",
    "streamlit",
    "openai",
    "onnxruntime",
    "tokenizers",
    "pandas",
    "pyarrow",
    "bm25s",
    "httpx",
    "numpy",
)

TARGETS = {"notes_per_s_all_cores": 1000, "p99_ms": 10, "peak_rss_mb": 500, "cold_start_s": 1.0}

# (pattern, replacements): phrasing that varies between clinicians
PHRASES = [
    (r"\bPt\b", ["Pt", "Patient", "Pt."]),
    (
        r"\bNeuromuscular re-ed\b",
        ["Neuromuscular re-ed", "NMR", "Neuro re-ed", "Neuromuscular reeducation"],
    ),
    (r"\bTherEx\b", ["TherEx", "Ther ex", "Therapeutic exercise"]),
    (r"\bVCs\b", ["VCs", "verbal cues", "VC"]),
    (r"\bTCs\b", ["TCs", "tactile cues", "TC"]),
    (r"\bgait belt\b", ["gait belt", "GB", "gait belt donned"]),
    (r"\bno LOB\b", ["no LOB", "no loss of balance", "0 LOB"]),
    (r"\bbilat\b", ["bilat", "bilaterally", "B"]),
]
CODE_SWAPS = [("97110", "97530"), ("97116", "97110"), ("97140", "97110"), ("97530", "97110")]
FIRST = [
    "Ada",
    "Bo",
    "Cyril",
    "Dee",
    "Edith",
    "Femi",
    "Gus",
    "Hana",
    "Ivo",
    "June",
    "Kit",
    "Lars",
    "Mei",
    "Nils",
    "Opal",
    "Pia",
    "Quentin",
    "Rhea",
    "Sol",
    "Tove",
]
LAST = [
    "Abbott",
    "Brandt",
    "Castro",
    "Dunmore",
    "Eklund",
    "Fagan",
    "Grieve",
    "Holt",
    "Ibarra",
    "Jovanovic",
    "Kurz",
    "Lind",
    "Moss",
    "Nakata",
    "Orr",
    "Pike",
    "Quist",
    "Rowe",
]

_CLOCK = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_MINUTES = re.compile(r"\((\d{1,2}) min\)")
_PATIENT = re.compile(r"(?m)((?:Pt|Patient|Client|Name):\s*)([A-Z][a-z]+(?: [A-Z][a-z]+)?)")


def corpus() -> list[str]:
    for d in CORPUS_DIRS:
        files = sorted(d.glob("*.txt"))
        if files:
            return [p.read_text(encoding="utf-8") for p in files]
    raise SystemExit("no corpus found in " + ", ".join(map(str, CORPUS_DIRS)))


def vary(text: str, rng: random.Random) -> str:
    """One deterministic variation of a note (same rng state -> same note)."""
    shift = rng.randrange(-90, 240, 5)

    def clock(m: re.Match[str]) -> str:
        total = (int(m.group(1)) * 60 + int(m.group(2)) + shift) % (24 * 60)
        return f"{total // 60:02d}:{total % 60:02d}"

    text = _CLOCK.sub(clock, text)
    month, day, year = rng.randint(1, 12), rng.randint(1, 28), rng.choice([2024, 2025, 2026])
    text = _DATE.sub(f"{month:02d}/{day:02d}/{year}", text)
    if rng.random() < 0.5:
        text = _MINUTES.sub(lambda m: f"({max(1, int(m.group(1)) + rng.randint(-4, 4))} min)", text)
    if rng.random() < 0.25:
        a, b = rng.choice(CODE_SWAPS)
        text = text.replace(a, b)
    for pattern, options in PHRASES:
        if rng.random() < 0.5:
            text = re.sub(pattern, rng.choice(options), text)
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return _PATIENT.sub(lambda m: m.group(1) + name, text, count=1)


def generate(n: int, seed: int = 8) -> list[str]:
    rng = random.Random(seed)
    base = corpus()
    return [vary(base[i % len(base)], rng) for i in range(n)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


# --------------------------------------------------------------------------- measurements


def single_process(notes: list[str]) -> dict:
    from reviewer.review import review_text

    for note in notes[:50]:  # warm caches, compiled patterns
        review_text(note)
    latencies = []
    cpu = []
    started = time.perf_counter()
    for note in notes:
        t0, c0 = time.perf_counter(), time.process_time()
        review_text(note)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    wall = time.perf_counter() - started
    return {
        "notes": len(notes),
        "seconds": round(wall, 2),
        "cpu_ms_mean": round(statistics.fmean(cpu), 2),
        "cpu_p50_ms": round(percentile(cpu, 50), 2),
        "cpu_p99_ms": round(percentile(cpu, 99), 2),
        "notes_per_s": round(len(notes) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
    }


def all_cores(notes: list[str], workers: int) -> dict:
    from reviewer import batch

    rows = [
        batch.BatchRow(index=i, id=f"n{i}", note=t, source="gen") for i, t in enumerate(notes, 1)
    ]
    started = time.perf_counter()
    results = batch.review_rows(rows, workers=workers, patterns=False)
    review_wall = time.perf_counter() - started
    findings = batch.apply_patterns(results)
    wall = time.perf_counter() - started
    failed = sum(1 for r in results if r.error)
    latencies = [r.elapsed_ms for r in results if r.elapsed_ms is not None]
    return {
        "notes": len(notes),
        "workers": workers,
        "seconds": round(wall, 2),
        "notes_per_s": round(len(notes) / review_wall, 1),
        "notes_per_s_with_patterns": round(len(notes) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "failed": failed,
        "pattern_findings": len(findings),
    }


def _tree_rss_kb(root: int) -> tuple[int, int]:
    """(RSS of root, RSS of root and all its descendants) in kB, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/statm") as fh:
                pages = int(fh.read().split()[1])
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
    tree = {root}
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    return rss.get(root, 0), sum(rss.get(p, 0) for p in tree)


def batch_memory(notes: list[str], workers: int) -> dict:
    """Run ``reviewer batch`` on a CSV of the notes; sample the RSS of it and its workers."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notes.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "note"])
            writer.writerows([f"n{i}", t] for i, t in enumerate(notes, 1))
        env = dict(os.environ, REVIEWER_DATA_DIR=tmp)
        cmd = [
            sys.executable,
            "-m",
            "reviewer",
            "batch",
            str(path),
            "--out",
            str(Path(tmp) / "out.csv"),
            "--workers",
            str(workers),
            "--no-progress",
        ]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak_main = peak_tree = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_main, peak_tree
            while not stop.is_set():
                main, tree = _tree_rss_kb(proc.pid)
                peak_main, peak_tree = max(peak_main, main), max(peak_tree, tree)
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate()
        stop.set()
        sampler.join()
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"reviewer batch failed: {err.decode()[-500:]}")
        rows = sum(1 for _ in csv.reader((Path(tmp) / "out.csv").open())) - 1
    return {
        "notes": len(notes),
        "workers": workers,
        "seconds_end_to_end": round(wall, 2),
        "notes_per_s_end_to_end": round(len(notes) / wall, 1),
        "rows_written": rows,
        "peak_rss_main_mb": round(peak_main / 1024, 1),
        "peak_rss_total_mb": round(peak_tree / 1024, 1),
    }


def cold_start(runs: int = 7) -> dict:
    note = ROOT / "examples" / "clean-medicare.txt"
    exe = Path(sys.executable).with_name("reviewer")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "reviewer"]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run([*cmd, "review", str(note)], capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0 or not proc.stdout:
            raise SystemExit(f"reviewer review failed: {proc.stderr[-500:]}")
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reviewer", "review", str(note)],
        capture_output=True,
        text=True,
    )
    imported = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            imported.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return {
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "heavy_imported": sorted(m for m in HEAVY if m in imported),
        "modules_imported": len(imported),
    }


def profile(notes: list[str], top: int = 25) -> None:
    import cProfile
    import pstats

    from reviewer.review import review_text

    for note in notes[:20]:
        review_text(note)
    prof = cProfile.Profile()
    prof.enable()
    for note in notes:
        review_text(note)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


# --------------------------------------------------------------------------- report


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def markdown(r: dict) -> str:
    s, a, m, c = r["single"], r["all_cores"], r["memory"], r["cold_start"]

    def ok(value: float, target: float, higher: bool = False) -> str:
        good = value >= target if higher else value <= target
        return "meets" if good else "**misses**"

    lines = [
        "## Throughput",
        "",
        f"`benchmarks/throughput.py` (seed {r['seed']}), {r['date']}. Machine: {r['machine']}."
        f" Load average before / after the run: {r['load_before']} / {r['load_after']}"
        " (other work shares these cores; wall-clock figures suffer when it is above ~0.5).",
        f"Notes: synthetic variations of the {r['corpus']} dev-corpus notes (times shifted, "
        "minutes, dates and codes changed, phrasing rewritten), rules extractor.",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
        f"| single process, {s['notes']:,} notes | {s['notes_per_s']:,.0f} notes/s | | |",
        f"| CPU time per note, single process | mean {s['cpu_ms_mean']} ms, p50 "
        f"{s['cpu_p50_ms']} ms, p99 {s['cpu_p99_ms']} ms | | |",
        f"| per-note latency, single process | p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms "
        f"(max {s['max_ms']} ms) | p99 <= {TARGETS['p99_ms']} ms "
        f"| {ok(s['p99_ms'], TARGETS['p99_ms'])} |",
        f"| all cores ({a['workers']} workers), {a['notes']:,} notes | "
        f"{a['notes_per_s']:,.0f} notes/s ({a['notes_per_s_with_patterns']:,.0f} with patterns)"
        f" | >= {TARGETS['notes_per_s_all_cores']:,} notes/s "
        f"| {ok(a['notes_per_s'], TARGETS['notes_per_s_all_cores'], True)} |",
        f"| per-note latency inside the workers | p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms | | |",
        f"| `reviewer batch` CSV -> CSV, {m['notes']:,} notes, end to end | "
        f"{m['seconds_end_to_end']} s ({m['notes_per_s_end_to_end']:,.0f} notes/s) | | |",
        f"| peak RSS of that batch (main + workers) | {m['peak_rss_total_mb']} MB "
        f"(main process {m['peak_rss_main_mb']} MB) | <= {TARGETS['peak_rss_mb']} MB "
        f"| {ok(m['peak_rss_total_mb'], TARGETS['peak_rss_mb'])} |",
        f"| cold start `reviewer review FILE` | median {c['median_s']} s (max {c['max_s']} s,"
        f" {c['runs']} runs) | <= {TARGETS['cold_start_s']} s "
        f"| {ok(c['median_s'], TARGETS['cold_start_s'])} |",
        f"| heavy libraries imported on the rules path | "
        f"{', '.join(c['heavy_imported']) or 'none'} | none | "
        f"{'meets' if not c['heavy_imported'] else '**misses**'} |",
        "",
        f"Rows that failed review in the all-cores run: {a['failed']} (expected 0); pattern "
        f"findings across the {a['notes']:,} generated notes: {a['pattern_findings']}.",
        "",
    ]
    return "\n".join(lines)


def record(section: str) -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    pattern = re.compile(r"(?ms)^## Throughput\n.*?(?=^## |\Z)")
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--single", type=int, default=2000, help="notes for the single-process run")
    p.add_argument("--batch", type=int, default=10000, help="notes for the all-cores runs")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--seed", type=int, default=8)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--record", action="store_true", help="write the ## Throughput section")
    p.add_argument("--profile", type=int, metavar="N", help="cProfile N notes and stop")
    args = p.parse_args(argv)

    notes = generate(max(args.single, args.batch), args.seed)
    if args.profile:
        profile(notes[: args.profile])
        return 0
    load_before = round(os.getloadavg()[0], 2)
    results = {
        "load_before": load_before,
        "seed": args.seed,
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "corpus": len(corpus()),
        "single": single_process(notes[: args.single]),
        "all_cores": all_cores(notes[: args.batch], args.workers),
        "memory": batch_memory(notes[: args.batch], args.workers),
        "cold_start": cold_start(),
    }
    results["load_after"] = round(os.getloadavg()[0], 2)
    section = markdown(results)
    print(json.dumps(results, indent=2) if args.json else section)
    if args.record:
        record(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
