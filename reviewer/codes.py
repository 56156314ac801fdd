"""The therapy codes the reviewer knows: loaded once from ``reviewer/data/codes.json``.

Everything that needs to know whether a code is timed (15-minute units) or untimed
(one unit per service) asks here. Clinics can declare more codes without editing the data
file: ``REVIEWER_EXTRA_CODES="97799:untimed,0552T:timed"``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache

from reviewer.config import PACKAGE_DIR
from reviewer.errors import ConfigError, UsageError


@dataclass(frozen=True)
class Code:
    code: str
    description: str
    timed: bool
    disciplines: tuple[str, ...]
    kind: str  # evaluation | supervised_modality | attended_modality | procedure | group | declared


def _parse_extra(spec: str) -> list[Code]:
    out = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        code, _, kind = item.partition(":")
        kind = kind.strip().lower() or "timed"
        if kind not in ("timed", "untimed"):
            raise ConfigError(
                f"REVIEWER_EXTRA_CODES entry {item!r}: write CODE:timed or CODE:untimed"
            )
        out.append(
            Code(
                code.strip().upper(),
                "declared in REVIEWER_EXTRA_CODES",
                kind == "timed",
                ("PT", "OT", "SLP"),
                "declared",
            )
        )
    return out


@lru_cache(maxsize=1)
def _table() -> dict[str, Code]:
    raw = json.loads((PACKAGE_DIR / "data" / "codes.json").read_text(encoding="utf-8"))
    table = {
        row["code"]: Code(
            row["code"],
            row["description"],
            bool(row["timed"]),
            tuple(row["disciplines"]),
            row["kind"],
        )
        for row in raw["codes"]
    }
    for extra in _parse_extra(os.environ.get("REVIEWER_EXTRA_CODES", "")):
        table.setdefault(extra.code, extra)
    return table


def all_codes() -> dict[str, Code]:
    """Every known code, keyed by code."""
    return dict(_table())


def get(code: str) -> Code | None:
    table = _table()
    # Codes read from a note are almost always already clean ("97110"): try them as given
    # before normalising (same answer, no string copies on the hot path of the rules).
    found = table.get(code)
    return found if found is not None else table.get(code.strip().upper())


def is_known(code: str) -> bool:
    return get(code) is not None


def is_timed_code(code: str) -> bool:
    """True for a known 15-minute timed code; False for an untimed or an unknown one."""
    found = get(code)
    return found is not None and found.timed


def is_timed(code: str) -> bool:
    """True for 15-minute timed codes. Unknown codes raise: ask ``is_known`` first."""
    found = get(code)
    if found is None:
        raise UsageError(unknown_code_message(code))
    return found.timed


def unknown_code_message(code: str) -> str:
    table = _table()
    timed = " ".join(c for c, v in table.items() if v.timed)
    untimed = " ".join(c for c, v in table.items() if not v.timed)
    return (
        f"unknown code {code!r}. Known timed codes: {timed}. Known untimed codes: {untimed}. "
        'Declare another with REVIEWER_EXTRA_CODES="CODE:timed" (or CODE:untimed).'
    )
