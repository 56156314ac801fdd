"""``reviewer units``: the unit engine alone, for a quick "how many units?" answer."""

from __future__ import annotations

import argparse
import json
import re

from reviewer.errors import UsageError

_PAIR = re.compile(r"^\s*([A-Za-z0-9]{4,6})\s*=\s*(.*?)\s*$")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "units",
        help="how many units documented minutes support (CMS or AMA method)",
        description="Turn timed minutes per code into the units a payer allows. "
        "Example: reviewer units 97112=24 97110=23 97010 --method cms",
    )
    p.add_argument(
        "items",
        nargs="+",
        metavar="CODE=MINUTES|UNTIMED_CODE",
        help="timed codes with their minutes (97112=24); untimed codes alone (97010, 97161). "
        "The same code given twice is pooled.",
    )
    p.add_argument(
        "--method",
        choices=["cms", "ama"],
        default="cms",
        help="cms: total-time method (Medicare); ama: per-code method (default cms)",
    )
    p.add_argument(
        "--billed",
        metavar="CODE=UNITS[,CODE=UNITS]",
        help="also check a billed allocation, e.g. --billed 97112=3,97110=1",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=run)


def parse_items(items: list[str]) -> tuple[dict[str, int], list[str]]:
    """``["97112=24", "97010"]`` → ``({"97112": 24}, ["97010"])``. Raises UsageError."""
    from reviewer import codes

    minutes: dict[str, int] = {}
    untimed: list[str] = []
    for item in items:
        m = _PAIR.match(item)
        if m:
            code, value = m.group(1).upper(), m.group(2)
            if not re.fullmatch(r"-?\d+", value):
                raise UsageError(f"{item!r}: minutes must be a whole number (like {code}=24)")
            minutes[code] = minutes.get(code, 0) + int(value)
            continue
        code = item.strip().upper()
        found = codes.get(code)
        if found is None:
            raise UsageError(codes.unknown_code_message(code))
        if found.timed:
            raise UsageError(
                f"{code} is a timed code ({found.description}): give its minutes as {code}=MINUTES"
            )
        untimed.append(code)
    return minutes, untimed


def _parse_billed(spec: str) -> dict[str, int]:
    billed: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        m = _PAIR.match(part)
        if not m or not m.group(2).isdigit():
            raise UsageError(f"--billed {part!r}: write CODE=UNITS, e.g. 97112=2")
        billed[m.group(1).upper()] = billed.get(m.group(1).upper(), 0) + int(m.group(2))
    return billed


def run(args: argparse.Namespace) -> int:
    from reviewer import codes
    from reviewer.units import check_billed, compute_units

    minutes, untimed = parse_items(args.items)
    result = compute_units(minutes, untimed, method=args.method)
    check = None
    if args.billed:
        billed_all = _parse_billed(args.billed)
        for code in billed_all:
            if not codes.is_known(code):
                raise UsageError(codes.unknown_code_message(code))
        timed_billed = {c: u for c, u in billed_all.items() if codes.is_timed(c)}
        check = check_billed(result, timed_billed)
        for c, u in billed_all.items():
            if not codes.is_timed(c) and u > 1:
                check.message += f" {c} is untimed: 1 unit per service, {u} billed."

    if args.format == "json":
        out = result.to_contract()
        if check is not None:
            out["billed"] = _parse_billed(args.billed)
            out["check"] = check.model_dump()
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0

    method = "CMS total-time method" if result.method == "cms" else "per-code (AMA) method"
    print(f"Units under the {method}:")
    for line in result.derivation:
        print(f"  {line}")
    for alloc in result.allocations:
        label = "Supported" if alloc is result.supported else "Also valid"
        shown = ", ".join(f"{c} x{u}" for c, u in alloc.items()) or "no timed units"
        print(f"{label}: {shown}" + "".join(f", {c} x1" for c in result.untimed))
    if check is not None:
        print(f"Billed: {check.status.replace('_', ' and ')}. {check.message}")
    return 0
