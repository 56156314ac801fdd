"""LLM extraction (``--extractor llm``) and hybrid extraction (``--extractor hybrid``).

``get_extractor(name, settings)`` is what the review pipeline calls. Nothing heavy is imported
here: LangChain and the OpenAI client load only when a call is made.

- :mod:`.settings` - :class:`LLMSettings` from environment variables and CLI flags
- :mod:`.schema` - the schema the model fills (facts with quotes instead of offsets)
- :mod:`.prompts` - prompt files in ``prompts/``, loaded and rendered strictly
- :mod:`.grounding` - quotes located in the note; ungrounded facts dropped
- :mod:`.extractor` - :class:`LLMExtractor`: the call, retries, repair, fallback
- :mod:`.hybrid` - :class:`HybridExtractor`: rules + LLM merged, disagreements listed
- :mod:`.cache` - content-hash cache of answers in ``data_dir()/llm-cache``
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewer.errors import UsageError
from reviewer.extract.llm.settings import LLMSettings

EXTRACTORS = ("rules", "llm", "hybrid")


def get_extractor(name: str, settings: LLMSettings | Mapping[str, Any] | None = None) -> Any:
    """The extractor called ``name`` (rules, llm or hybrid), configured by ``settings``.

    ``settings`` may be an :class:`LLMSettings`, a mapping of overrides (applied over the
    environment), or None (the environment alone).
    """
    name = (name or "rules").strip().lower()
    if name not in EXTRACTORS:
        raise UsageError(f"unknown extractor {name!r}: choose one of {', '.join(EXTRACTORS)}")
    if name == "rules":
        from reviewer.extract.rules_based import RulesExtractor

        return RulesExtractor()
    if settings is None:
        settings = LLMSettings.from_env()
    elif not isinstance(settings, LLMSettings):
        settings = LLMSettings.from_env(**dict(settings))
    if name == "llm":
        from reviewer.extract.llm.extractor import LLMExtractor

        return LLMExtractor(settings)
    from reviewer.extract.llm.hybrid import HybridExtractor

    return HybridExtractor(settings)


__all__ = ["get_extractor", "LLMSettings", "EXTRACTORS"]
