"""Settings read from the environment. Nothing here touches the network."""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: The package's own directory and the repository root (for knowledge/, prompts/, examples/).
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
#: Where a wheel (non-editable) install puts ``ui/``, ``prompts/`` and ``knowledge/``
#: (``[tool.setuptools.data-files]`` in pyproject.toml).
SHARE_DIR = Path(sys.prefix) / "share" / "reviewer"


def resource_dir(name: str) -> Path:
    """``<repo>/<name>`` in a source checkout or editable install; else the installed copy
    under ``<prefix>/share/reviewer/<name>``; else (neither exists) the repository path, so
    that the error a caller raises names where the files were expected."""
    for base in (PROJECT_DIR, SHARE_DIR):
        path = base / name
        if path.is_dir():
            return path
    return PROJECT_DIR / name


def data_dir() -> Path:
    """Where the Chroma index, the worklist database and the LLM cache live.

    ``REVIEWER_DATA_DIR`` wins; else ``$XDG_DATA_HOME/reviewer``; else ``~/.local/share/reviewer``.
    The directory is created on first use.
    """
    env = os.environ.get("REVIEWER_DATA_DIR")
    if env:
        path = Path(env).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "reviewer"
    path.mkdir(parents=True, exist_ok=True)
    return path


def offline_environment() -> None:
    """Switch off every download and telemetry path the stack has (idempotent)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("CHROMA_TELEMETRY", "False")
    os.environ.setdefault("LANGCHAIN_TRACING_V2", "false")
    os.environ.setdefault("LANGSMITH_TRACING", "false")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
