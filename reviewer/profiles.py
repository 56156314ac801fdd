"""Payer profiles: which unit method a payer uses and what else it checks (data, not code).

Built-in profiles live in ``reviewer/data/profiles/*.json``; ``--payer PATH.json`` loads a
profile file of the same shape.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reviewer.config import PACKAGE_DIR
from reviewer.errors import ConfigError, UsageError

PROFILE_DIR = PACKAGE_DIR / "data" / "profiles"


class PtpPair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: tuple[str, str]
    why: str = ""


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    description: str = ""
    method: Literal["cms", "ama"]
    assistant_modifiers: bool = Field(
        description="Whether CQ/CO must be on assistant-furnished lines (B003)."
    )
    daily_unit_thresholds: dict[str, int] = Field(
        default_factory=dict, description="Per-code billed-unit ceilings per day (T009)."
    )
    ptp_pairs: list[PtpPair] = Field(
        default_factory=list, description="Code pairs needing 59/X{EPSU} when billed together."
    )
    payer_patterns: list[str] = Field(
        default_factory=list,
        description="Regular expressions (case-insensitive) that, found in the note's payer "
        "line, select this profile.",
    )


def _load_file(path: Path) -> Profile:
    try:
        return Profile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"payer profile {path}: {first}") from None


@lru_cache(maxsize=1)
def builtin_profiles() -> dict[str, Profile]:
    return {p.name: p for p in (_load_file(f) for f in sorted(PROFILE_DIR.glob("*.json")))}


def get_profile(name_or_path: str) -> Profile:
    """A built-in profile by name (``cms``, ``ama``) or a profile JSON file by path."""
    profiles = builtin_profiles()
    if name_or_path in profiles:
        return profiles[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".json" and path.exists():
        return _load_file(path)
    raise UsageError(
        f"unknown payer profile {name_or_path!r}: use one of {', '.join(profiles)} "
        "or the path of a profile .json file"
    )
