"""Prompt templates: files in ``prompts/``, loaded by name and rendered strictly.

A prompt is ``prompts/<name>.<version>.<part>.md`` (for example
``extract_facts.v1.system.md``). Variables are written ``{{name}}``. Rendering fails loudly
(:class:`ConfigError`) when a variable is missing or an unexpected one is given, and
substitutes in a single pass, so a note containing ``{{...}}`` is never expanded. A leading
``<!-- ... -->`` comment documents the template for maintainers and is not sent.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reviewer.config import resource_dir
from reviewer.errors import ConfigError

EXTRACT = "extract_facts.v1"
REPAIR = "repair_facts.v1"

_VAR = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_COMMENT = re.compile(r"\A\s*<!--.*?-->\s*", re.DOTALL)


def prompt_dir() -> Path:
    """``REVIEWER_PROMPTS_DIR`` if set, else the repository's (or the installed) ``prompts/``."""
    return Path(os.environ.get("REVIEWER_PROMPTS_DIR") or resource_dir("prompts"))


@dataclass(frozen=True)
class PromptTemplate:
    name: str  # "extract_facts.v1"
    part: str  # "system" | "user"
    path: Path
    text: str

    @property
    def variables(self) -> set[str]:
        return set(_VAR.findall(self.text))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def render(self, **values: str) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise ConfigError(
                f"prompt {self.path.name}: no value for variable(s) {', '.join(sorted(missing))}"
            )
        extra = values.keys() - self.variables
        if extra:
            raise ConfigError(
                f"prompt {self.path.name}: unexpected variable(s) {', '.join(sorted(extra))} "
                f"(the template uses: {', '.join(sorted(self.variables)) or 'none'})"
            )
        return _VAR.sub(lambda m: str(values[m.group(1)]), self.text)


@lru_cache(maxsize=32)
def _load(path: Path, mtime: float) -> str:
    return _COMMENT.sub("", path.read_text(encoding="utf-8"), count=1).strip() + "\n"


def load(name: str, part: str) -> PromptTemplate:
    """Load ``prompts/<name>.<part>.md``; a missing or empty file is a :class:`ConfigError`."""
    path = prompt_dir() / f"{name}.{part}.md"
    if not path.is_file():
        raise ConfigError(f"prompt file {path} is missing (needed for the LLM extractor)")
    text = _load(path, path.stat().st_mtime)
    if not text.strip():
        raise ConfigError(f"prompt file {path} is empty")
    return PromptTemplate(name=name, part=part, path=path, text=text)


def available() -> list[tuple[str, str]]:
    """Every (name, part) in the prompts directory."""
    out = []
    for path in sorted(prompt_dir().glob("*.md")):
        stem = path.name[: -len(".md")]
        name, _, part = stem.rpartition(".")
        if name:
            out.append((name, part))
    return out


def fingerprint(*names: str) -> str:
    """A short hash over every part of the named prompts (part of the LLM cache key)."""
    digest = hashlib.sha256()
    for name, part in available():
        if name in names:
            digest.update(f"{name}.{part}\0".encode())
            digest.update(load(name, part).sha256.encode())
    return digest.hexdigest()[:16]
