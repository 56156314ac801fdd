"""The LLM flags shared by ``review``, ``extract`` and ``batch``.

Each flag matches an environment variable; a flag given on the command line wins. The API key
has no flag on purpose (a flag would land in shell history and process lists): set
``OPENAI_API_KEY``.
"""

from __future__ import annotations

import argparse
from typing import Any

#: flag dest -> (flag, env var, help)
_FLAGS = [
    (
        "llm_base_url",
        "--llm-base-url",
        "REVIEWER_LLM_BASE_URL",
        "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (default: OpenAI)",
    ),
    ("llm_model", "--llm-model", "REVIEWER_LLM_MODEL", "model name (default: gpt-4o-mini)"),
    ("llm_timeout", "--llm-timeout", "REVIEWER_LLM_TIMEOUT", "seconds per request (default: 60)"),
    (
        "llm_max_retries",
        "--llm-max-retries",
        "REVIEWER_LLM_MAX_RETRIES",
        "retries on timeouts, HTTP 429 and 5xx (default: 2)",
    ),
]


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--llm-*`` and ``--redact`` to a subcommand's parser (``--extractor`` is the caller's)."""
    group = parser.add_argument_group(
        "LLM extraction (with --extractor llm or hybrid; see README, 'LLM extraction')"
    )
    for dest, flag, env, help_text in _FLAGS:
        kwargs: dict[str, Any] = {"dest": dest, "default": None, "help": f"{help_text} [{env}]"}
        if dest == "llm_timeout":
            kwargs.update(type=float, metavar="SECONDS")
        elif dest == "llm_max_retries":
            kwargs.update(type=int, metavar="N")
        else:
            kwargs["metavar"] = "URL" if dest == "llm_base_url" else "NAME"
        group.add_argument(flag, **kwargs)
    group.add_argument(
        "--llm-structured",
        dest="llm_structured",
        default=None,
        choices=["auto", "json_schema", "function_calling", "json_mode"],
        help="structured-output method (default: auto, with fallback when an endpoint "
        "rejects one) [REVIEWER_LLM_STRUCTURED]",
    )
    group.add_argument(
        "--redact",
        dest="redact",
        default=None,
        choices=["remote", "always", "never"],
        help="redact identifiers before sending: for non-local endpoints (default), always, "
        "or never [REVIEWER_REDACT]",
    )
    group.add_argument(
        "--no-llm-cache",
        dest="llm_cache",
        action="store_false",
        default=None,
        help="do not read or write the LLM answer cache [REVIEWER_LLM_CACHE=0]",
    )


def llm_settings_from_args(args: argparse.Namespace) -> Any:
    """:class:`LLMSettings` from the environment with the given flags applied on top."""
    from reviewer.extract.llm.settings import LLMSettings

    def flag(name: str) -> Any:
        return getattr(args, name, None)

    return LLMSettings.from_env(
        base_url=flag("llm_base_url"),
        model=flag("llm_model"),
        timeout=flag("llm_timeout"),
        max_retries=flag("llm_max_retries"),
        structured=flag("llm_structured"),
        redact=flag("redact"),
        cache=flag("llm_cache"),
    )
