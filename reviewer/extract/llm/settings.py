"""LLM settings: every one an environment variable with a matching CLI flag.

| setting | env | flag | default |
|---|---|---|---|
| base_url | ``REVIEWER_LLM_BASE_URL`` | ``--llm-base-url`` | OpenAI's API |
| model | ``REVIEWER_LLM_MODEL`` | ``--llm-model`` | ``gpt-4o-mini`` |
| api_key | ``OPENAI_API_KEY`` | (env only) | none |
| timeout | ``REVIEWER_LLM_TIMEOUT`` (seconds) | ``--llm-timeout`` | 60 |
| max_retries | ``REVIEWER_LLM_MAX_RETRIES`` | ``--llm-max-retries`` | 2 |
| structured | ``REVIEWER_LLM_STRUCTURED`` | ``--llm-structured`` | ``auto`` |
| redact | ``REVIEWER_REDACT`` (remote, always, never) | ``--redact`` | ``remote`` |
| cache | ``REVIEWER_LLM_CACHE`` (1/0) | ``--no-llm-cache`` | on |
| guidance_chunks | ``REVIEWER_LLM_GUIDANCE`` (0 = none) | (env only) | 4 |

The API key is a :class:`pydantic.SecretStr`: it never appears in a repr, a log or a report.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from reviewer.errors import ConfigError

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]
STRUCTURED_CHOICES = ("auto", "json_schema", "function_calling", "json_mode")
REDACT_CHOICES = ("remote", "always", "never")
DEFAULT_MODEL = "gpt-4o-mini"

#: env var -> settings field
ENV_VARS = {
    "REVIEWER_LLM_BASE_URL": "base_url",
    "REVIEWER_LLM_MODEL": "model",
    "OPENAI_API_KEY": "api_key",
    "REVIEWER_LLM_TIMEOUT": "timeout",
    "REVIEWER_LLM_MAX_RETRIES": "max_retries",
    "REVIEWER_LLM_STRUCTURED": "structured",
    "REVIEWER_REDACT": "redact",
    "REVIEWER_LLM_CACHE": "cache",
    "REVIEWER_LLM_GUIDANCE": "guidance_chunks",
}


class LLMSettings(BaseModel):
    """How to reach the LLM endpoint and how hard to try."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1; none = OpenAI.",
    )
    model: str = DEFAULT_MODEL
    api_key: SecretStr | None = None
    timeout: float = Field(default=60.0, gt=0, description="Seconds per request.")
    max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries on timeouts, HTTP 429 and 5xx."
    )
    structured: Literal["auto", "json_schema", "function_calling", "json_mode"] = "auto"
    redact: Literal["remote", "always", "never"] = "remote"
    cache: bool = True
    guidance_chunks: int = Field(default=4, ge=0, le=20)
    backoff_seconds: float = Field(
        default=1.0, ge=0, description="First retry delay; doubles each retry (capped at 20 s)."
    )
    temperature: float = 0.0

    # --- derived ----------------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        """An endpoint is configured: a base URL (local servers need no key) or an API key."""
        return bool(self.base_url) or self.api_key is not None

    @property
    def is_local(self) -> bool:
        """The endpoint is on this machine (loopback), so the note never leaves it."""
        if not self.base_url:
            return False
        host = (urlparse(self.base_url).hostname or "").lower()
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    @property
    def should_redact(self) -> bool:
        if self.redact == "always":
            return True
        if self.redact == "never":
            return False
        return not self.is_local

    @property
    def endpoint_label(self) -> str:
        """Where requests go, without credentials or query strings (safe to print)."""
        if not self.base_url:
            return "https://api.openai.com/v1"
        parsed = urlparse(self.base_url)
        host = parsed.hostname or ""
        port = f":{parsed.port}" if parsed.port else ""
        return f"{parsed.scheme}://{host}{port}{parsed.path}"

    def key_for_client(self) -> str:
        """The key to hand the client: the real one, or a dummy for a local endpoint."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        return "not-needed"

    def method_chain(self) -> list[StructuredMethod]:
        """Structured-output methods to try, in order (the first one an endpoint accepts wins)."""
        order: list[StructuredMethod] = ["json_schema", "function_calling", "json_mode"]
        if self.structured == "auto":
            if self.is_local:
                # llama.cpp's server answers HTTP 500 to json_schema; tools work nearly everywhere.
                return ["function_calling", "json_schema", "json_mode"]
            return order
        first: StructuredMethod = self.structured  # type: ignore[assignment]
        return [first] + [m for m in order if m != first]

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> LLMSettings:
        """Read the environment, then apply non-None ``overrides`` (CLI flags win)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for var, name in ENV_VARS.items():
            raw = env.get(var)
            if raw is None or raw.strip() == "":
                continue
            values[name] = _parse_bool(var, raw) if name == "cache" else raw.strip()
        for name, value in overrides.items():
            if value is not None:
                values[name] = value
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None


def _parse_bool(var: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{var}={raw!r}: write 1 or 0")


def _describe(exc: ValidationError) -> str:
    """One line naming the bad setting and its env var, never echoing a secret."""
    parts = []
    names = {v: k for k, v in ENV_VARS.items()}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "?"
        var = names.get(field, field)
        shown = "" if field == "api_key" else f" (got {err.get('input')!r})"
        parts.append(f"{var}: {err['msg']}{shown}")
    return "bad LLM setting: " + "; ".join(parts)
