"""Accuracy of the reviewer on a labelled corpus (``NNN-slug.txt`` + gold ``NNN-slug.json``).

Two parts:

- **facts**: per field, how many notes the extractor reads exactly as the gold labels say —
  billed lines (units per code), modifiers per billed code, documented timed minutes per code
  (``null`` in the gold = the note gives none), and the two stated totals;
- **findings**: per rule true/false positives and false negatives against the gold ``fires``
  (exhaustive; B005 and T009 are not labelled and are left out), micro precision and recall,
  supported-units accuracy, verdict accuracy, and how often the payer method the tool inferred
  from the note equals the gold ``payer``.

Each note is reviewed with the profile the note itself implies (the gold payer is never passed).

    python benchmarks/accuracy.py --corpus ../shared/corpus/dev [--json] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Rules the gold labels do not score (profile-dependent or batch-only).
UNSCORED = {"B005", "T009"}

FACT_FIELDS = [
    "billed",
    "modifiers",
    "timed_minutes",
    "total_timed_stated",
    "total_treatment_stated",
]


@dataclass
class Case:
    id: str
    text_path: Path
    gold: dict[str, Any]


def load_corpus(directory: Path) -> list[Case]:
    cases = []
    for gold_path in sorted(directory.glob("*.json")):
        text_path = gold_path.with_suffix(".txt")
        if not text_path.exists():
            continue
        cases.append(Case(gold_path.stem, text_path, json.loads(gold_path.read_text("utf-8"))))
    return cases


# --------------------------------------------------------------------------- facts


def facts_view(facts) -> dict[str, Any]:
    """The extracted facts in the gold file's shape."""
    from reviewer import codes

    modifiers: dict[str, list[str]] = {}
    for line in facts.billed:
        mods = modifiers.setdefault(line.code, [])
        mods.extend(m for m in line.modifiers if m not in mods)
    minutes: dict[str, int | None] = {}
    for item in facts.interventions:
        if not item.code or not codes.is_known(item.code) or not codes.is_timed(item.code):
            continue
        if item.minutes is None:
            minutes.setdefault(item.code, None)
        else:
            minutes[item.code] = (minutes.get(item.code) or 0) + item.minutes
    return {
        "billed": facts.billed_units_by_code(),
        "modifiers": {code: sorted(mods) for code, mods in modifiers.items()},
        "timed_minutes": minutes,
        "total_timed_stated": facts.total_timed_minutes.minutes
        if facts.total_timed_minutes
        else None,
        "total_treatment_stated": (
            facts.total_treatment_minutes.minutes if facts.total_treatment_minutes else None
        ),
    }


def gold_facts(gold: dict[str, Any]) -> dict[str, Any]:
    return {
        "billed": dict(gold.get("billed") or {}),
        "modifiers": {c: sorted(m) for c, m in (gold.get("modifiers") or {}).items()},
        "timed_minutes": dict(gold.get("timed_minutes") or {}),
        "total_timed_stated": gold.get("total_timed_minutes_stated"),
        "total_treatment_stated": gold.get("total_treatment_minutes_stated"),
    }


def _timed_minutes_equal(got: dict[str, int | None], want: dict[str, int | None]) -> bool:
    """Codes with unknown minutes may be absent or null on our side; known ones must match."""
    return all(got.get(code) == want.get(code) for code in set(got) | set(want))


def compare_facts(got: dict[str, Any], want: dict[str, Any]) -> dict[str, bool]:
    return {
        "billed": got["billed"] == want["billed"],
        "modifiers": got["modifiers"] == want["modifiers"],
        "timed_minutes": _timed_minutes_equal(got["timed_minutes"], want["timed_minutes"]),
        "total_timed_stated": got["total_timed_stated"] == want["total_timed_stated"],
        "total_treatment_stated": got["total_treatment_stated"] == want["total_treatment_stated"],
    }


# --------------------------------------------------------------------------- findings


def _clean_alloc(alloc: dict[str, int]) -> dict[str, int]:
    return {code: n for code, n in alloc.items() if n}


def units_correct(units: dict[str, Any], expected: dict[str, Any]) -> bool:
    """``supported`` is one of the gold allocations (zero entries ignored) and totals agree.

    When the gold lists no allocation (per-code minutes unknown), only the totals are compared.
    """
    if units.get("supported_total") != expected.get("supported_total"):
        return False
    allocations = expected.get("allocations") or []
    if not allocations:
        return True
    got = _clean_alloc(units.get("supported") or {})
    return any(got == _clean_alloc(a) for a in allocations)


@dataclass
class Result:
    case: Case
    facts_ok: dict[str, bool] = field(default_factory=dict)
    facts_got: dict[str, Any] = field(default_factory=dict)
    facts_want: dict[str, Any] = field(default_factory=dict)
    fired: set[str] = field(default_factory=set)
    expected: set[str] = field(default_factory=set)
    units_ok: bool | None = None
    units: dict[str, Any] = field(default_factory=dict)
    verdict: str | None = None
    method: str | None = None
    error: str | None = None
    internal_errors: list[str] = field(default_factory=list)


def run_case(case: Case, extractor: str | None, with_findings: bool) -> Result:
    result = Result(case)
    raw = case.text_path.read_bytes()
    try:
        if with_findings:
            from reviewer.review import review_text

            review = review_text(raw, extractor=extractor)
            facts = review.facts
            contract = review.to_contract()
            result.units = contract["units"]
            result.fired = {f["rule"] for f in contract["findings"]} - UNSCORED
            result.verdict = contract["verdict"]
            result.method = contract["units"].get("method")
            result.internal_errors = [e["message"] for e in contract.get("errors", [])]
            result.expected = set(case.gold.get("fires") or []) - UNSCORED
            result.units_ok = units_correct(result.units, case.gold.get("expected_units") or {})
        else:
            from reviewer.review import choose_extractor, prepare

            facts = choose_extractor(extractor).extract(prepare(raw)).facts
    except Exception as exc:  # a crash is a miss on every field, and is reported
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    result.facts_got = facts_view(facts)
    result.facts_want = gold_facts(case.gold)
    result.facts_ok = compare_facts(result.facts_got, result.facts_want)
    return result


def summarise(results: list[Result], with_findings: bool) -> dict[str, Any]:
    n = len(results)
    out: dict[str, Any] = {"notes": n, "crashed": [r.case.id for r in results if r.error]}
    out["facts"] = {
        name: {
            "exact": sum(1 for r in results if r.facts_ok.get(name)),
            "of": n,
            "accuracy": round(sum(1 for r in results if r.facts_ok.get(name)) / n, 4) if n else 0,
        }
        for name in FACT_FIELDS
    }
    if not with_findings:
        return out
    per_rule: dict[str, Counter] = {}
    for r in results:
        for rid in r.fired | r.expected:
            c = per_rule.setdefault(rid, Counter())
            if rid in r.fired and rid in r.expected:
                c["tp"] += 1
            elif rid in r.fired:
                c["fp"] += 1
            else:
                c["fn"] += 1
    tp = sum(c["tp"] for c in per_rule.values())
    fp = sum(c["fp"] for c in per_rule.values())
    fn = sum(c["fn"] for c in per_rule.values())
    out["findings"] = {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "per_rule": {
            rid: {
                "tp": c["tp"],
                "fp": c["fp"],
                "fn": c["fn"],
                "fp_notes": sorted(r.case.id for r in results if rid in r.fired - r.expected),
                "fn_notes": sorted(r.case.id for r in results if rid in r.expected - r.fired),
            }
            for rid, c in sorted(per_rule.items())
        },
    }
    units_ok = sum(1 for r in results if r.units_ok)
    verdict_ok = sum(1 for r in results if r.verdict and r.verdict == r.case.gold.get("verdict"))
    method_ok = sum(1 for r in results if r.method and r.method == r.case.gold.get("payer"))
    out["units"] = {"exact": units_ok, "of": n, "accuracy": round(units_ok / n, 4) if n else 0}
    out["verdict"] = {
        "exact": verdict_ok,
        "of": n,
        "accuracy": round(verdict_ok / n, 4) if n else 0,
    }
    out["payer_method"] = {
        "exact": method_ok,
        "of": n,
        "accuracy": round(method_ok / n, 4) if n else 0,
    }
    out["internal_errors"] = {r.case.id: r.internal_errors for r in results if r.internal_errors}
    return out


def evaluate(corpus: Path, *, extractor: str | None = None, findings: bool = True):
    cases = load_corpus(corpus)
    results = [run_case(c, extractor, findings) for c in cases]
    return results, summarise(results, findings)


def _print_text(summary: dict[str, Any], results: list[Result], verbose: bool) -> None:
    print(f"notes: {summary['notes']}")
    if summary["crashed"]:
        print(f"CRASHED ({len(summary['crashed'])}): {', '.join(summary['crashed'])}")
        reasons = Counter(r.error for r in results if r.error)
        for reason, count in reasons.most_common(5):
            print(f"  {count} x {reason}")
    print("\nfacts (exact per note):")
    for name, s in summary["facts"].items():
        print(f"  {name:<24} {s['exact']:>3}/{s['of']:<3} {s['accuracy']:.1%}")
    if "findings" in summary:
        f = summary["findings"]
        print(
            f"\nfindings: precision {f['precision']:.3f}  recall {f['recall']:.3f}  "
            f"(tp {f['tp']}, fp {f['fp']}, fn {f['fn']}; B005/T009 not scored)"
        )
        print(f"  {'rule':<6} {'tp':>3} {'fp':>3} {'fn':>3}  false positives / false negatives")
        for rid, c in f["per_rule"].items():
            extra = ""
            if c["fp_notes"]:
                extra += " FP: " + ", ".join(n.split("-")[0] for n in c["fp_notes"])
            if c["fn_notes"]:
                extra += " FN: " + ", ".join(n.split("-")[0] for n in c["fn_notes"])
            print(f"  {rid:<6} {c['tp']:>3} {c['fp']:>3} {c['fn']:>3} {extra}")
        for key in ("units", "verdict", "payer_method"):
            s = summary[key]
            print(f"{key + ':':<14} {s['exact']:>3}/{s['of']:<3} {s['accuracy']:.1%}")
        if summary["internal_errors"]:
            print("internal rule errors:")
            for cid, errs in summary["internal_errors"].items():
                print(f"  {cid}: {'; '.join(errs)}")
    if verbose:
        print("\nper-note mismatches:")
        for r in results:
            lines = []
            if r.error:
                lines.append(f"crashed: {r.error}")
            for name, ok in r.facts_ok.items():
                if not ok:
                    lines.append(f"{name}: got {r.facts_got[name]} want {r.facts_want[name]}")
            if r.units_ok is False:
                lines.append(
                    f"units: got total {r.units.get('supported_total')} "
                    f"{r.units.get('supported')} want {r.case.gold.get('expected_units')}"
                )
            if r.fired != r.expected and r.verdict is not None:
                lines.append(
                    f"rules: extra {sorted(r.fired - r.expected)} "
                    f"missing {sorted(r.expected - r.fired)}"
                )
            if r.verdict is not None and r.verdict != r.case.gold.get("verdict"):
                lines.append(f"verdict: got {r.verdict} want {r.case.gold.get('verdict')}")
            if r.method is not None and r.method != r.case.gold.get("payer"):
                lines.append(f"method: got {r.method} want {r.case.gold.get('payer')}")
            if lines:
                print(f"  {r.case.id}")
                for line in lines:
                    print(f"      {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, type=Path, help="folder of NNN.txt + NNN.json")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="print per-note mismatches")
    parser.add_argument("--facts-only", action="store_true", help="skip the findings part")
    parser.add_argument("--extractor", default=None, help="rules (default), llm or hybrid")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"accuracy: error: {args.corpus} is not a folder", file=sys.stderr)
        return 2
    results, summary = evaluate(args.corpus, extractor=args.extractor, findings=not args.facts_only)
    if not results:
        print(f"accuracy: error: no labelled notes in {args.corpus}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        _print_text(summary, results, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
