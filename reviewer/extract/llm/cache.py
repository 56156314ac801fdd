"""A content-hash cache of model answers, so reviewing the same note again costs nothing.

The key hashes the note, the model, the endpoint, the prompt files, the schema and the redaction
mode. The value is the model's validated answer (the quotes and values it returned, with
placeholders where the note was redacted) plus the structured-output method that worked.
Grounding runs again on every hit (it is cheap and local), so a cached answer is checked against
the note exactly like a fresh one.

Files live in ``data_dir()/llm-cache/<2 hex>/<key>.json``, written atomically. The cache is on
this machine only; delete the folder to clear it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from reviewer.config import data_dir


def cache_dir() -> Path:
    return data_dir() / "llm-cache"


def make_key(**parts: str) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _path(key: str) -> Path:
    return cache_dir() / key[:2] / f"{key}.json"


def get(key: str) -> dict[str, Any] | None:
    """The cached entry, or None (a missing or unreadable file is a miss, never an error)."""
    path = _path(key)
    try:
        with path.open(encoding="utf-8") as fh:
            entry = json.load(fh)
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) and "answer" in entry else None


def put(key: str, entry: dict[str, Any]) -> None:
    """Store an entry; a failure to write (read-only disk) is ignored: the cache is optional."""
    path = _path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(entry, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        return
