"""The LLM extractor: LangChain ``ChatOpenAI`` against any OpenAI-compatible endpoint.

One note, one call (plus at most one repair call when the answer is not valid JSON or does not
match the schema). The answer is grounded (:mod:`.grounding`) before it becomes facts. Any
failure (timeout, HTTP 429/5xx after bounded retries with backoff, a refusal, an answer that
stays invalid, an unexpected error) falls back to the rules-based extractor, and the
:class:`Extraction` says so: ``extractor="rules"``, ``requested="llm"``, ``fallback_reason``.
Nothing here raises for a single note's LLM failure, so a batch never stops on one note.

``langchain_openai`` is imported only when a call is about to be made.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from reviewer import codes as code_table
from reviewer.extract.base import Dropped, Extraction
from reviewer.extract.llm import cache, prompts
from reviewer.extract.llm import schema as S
from reviewer.extract.llm.grounding import ground
from reviewer.extract.llm.settings import LLMSettings, StructuredMethod
from reviewer.facts import NoteFacts
from reviewer.intake import Note
from reviewer.redact import Redaction, identity, redact

log = logging.getLogger(__name__)

#: (endpoint, model, configured method) -> the structured-output method that endpoint accepted (per process).
_WORKING_METHOD: dict[tuple[str, str, str], StructuredMethod] = {}

_GUIDANCE_CHARS = 900


class LLMFailure(Exception):
    """The LLM could not produce usable facts; ``reason`` is one line, safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Rejected(Exception):
    """The endpoint refused this structured-output method: try the next one."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class LLMRun:
    """What one LLM extraction produced, before it becomes an :class:`Extraction`."""

    facts: NoteFacts
    dropped: list[Dropped]
    method: str | None
    cached: bool
    guidance_ids: list[str] = field(default_factory=list)
    guidance_note: str | None = None
    redacted: dict[str, int] = field(default_factory=dict)
    calls: int = 0


@dataclass
class Guidance:
    text: str
    ids: list[str]
    note: str | None = None  # why there is none, when there is none


# --- guidance ---------------------------------------------------------------------------------

_CODE_RE = re.compile(r"(?<!\d)(\d{4}[0-9A-Z])(?![\dA-Za-z])")
_MODIFIER_RE = re.compile(r"(?<![A-Za-z0-9])(GP|GO|GN|CQ|CO|KX|59|XE|XS|XP|XU)(?![A-Za-z0-9])")


def retrieve_guidance(text: str, k: int) -> Guidance:
    """Knowledge-base chunks for the note; when retrieval is unavailable, say so."""
    if k <= 0:
        return Guidance("No guidance was retrieved (switched off).", [], "guidance switched off")
    try:
        from reviewer.knowledge.retrieve import query_for_note, retrieve
    except ImportError:
        note = "no guidance was retrieved: the knowledge base module is not available"
        return Guidance(
            "No guidance was retrieved (the knowledge base is not available).", [], note
        )
    found_codes = sorted({c for c in _CODE_RE.findall(text) if code_table.is_known(c)})
    modifiers = sorted(set(_MODIFIER_RE.findall(text)))
    try:
        hits = list(retrieve(query_for_note(text, found_codes, modifiers), k=k))
    except Exception as exc:  # an index not built yet, a broken store: the review goes on
        note = f"no guidance was retrieved: knowledge base retrieval failed ({type(exc).__name__})"
        return Guidance(
            "No guidance was retrieved (the knowledge base could not be searched).", [], note
        )
    if not hits:
        return Guidance(
            "No guidance was retrieved (no matching chunks).",
            [],
            "no guidance was retrieved: no matching chunks",
        )
    blocks, ids = [], []
    for i, hit in enumerate(hits, 1):
        hid = str(getattr(hit, "id", "") or "")
        title = getattr(hit, "title", "") or hid
        heading = getattr(hit, "heading", "") or ""
        body = " ".join(str(getattr(hit, "text", "") or "").split())
        if len(body) > _GUIDANCE_CHARS:
            body = body[: _GUIDANCE_CHARS - 3] + "..."
        label = f"[{i}] {title}" + (f" - {heading}" if heading and heading != title else "")
        blocks.append(f"{label} ({hid})\n{body}")
        if hid and hid not in ids:
            ids.append(hid)
    return Guidance("\n\n".join(blocks), ids)


# --- messages ---------------------------------------------------------------------------------


def code_list() -> str:
    return "\n".join(
        f"{c}: {v.description}" + ("" if v.timed else " (untimed)")
        for c, v in sorted(code_table.all_codes().items())
    )


def markers(text: str) -> tuple[str, str]:
    """Marker lines around the note, with a tag the note cannot know in advance."""
    import hashlib

    tag = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"=====BEGIN NOTE {tag}=====", f"=====END NOTE {tag}====="


def build_messages(note_text: str, guidance: str) -> tuple[str, str]:
    """The system and user prompt texts for one (already redacted) note."""
    system = prompts.load(prompts.EXTRACT, "system").render(
        allowed_codes=code_list(), field_guide=S.field_guide()
    )
    begin, end = markers(note_text)
    user = prompts.load(prompts.EXTRACT, "user").render(
        guidance=guidance, begin=begin, end=end, note=note_text
    )
    return system, user


def repair_message(error: str) -> str:
    return prompts.load(prompts.REPAIR, "user").render(error=error)


# --- answer parsing ---------------------------------------------------------------------------


def _raw_text(raw: Any) -> str:
    """The model's answer as text: tool-call arguments, else message content."""
    if raw is None:
        return ""
    for call in getattr(raw, "tool_calls", None) or []:
        args = call.get("args")
        if args:
            return json.dumps(args)
    for call in getattr(raw, "invalid_tool_calls", None) or []:
        if call.get("args"):
            return str(call["args"])
    extra = getattr(raw, "additional_kwargs", {}) or {}
    for call in extra.get("tool_calls") or []:
        fn = call.get("function") or {}
        if fn.get("arguments"):
            return str(fn["arguments"])
    content = getattr(raw, "content", "")
    if isinstance(content, list):
        content = "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    return str(content or "")


def parse_json(text: str) -> Any:
    """JSON from a model answer, tolerating code fences and prose around one object."""
    stripped = text.strip()
    fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", stripped, re.DOTALL)
    if fence:
        stripped = fence.group(1)
    try:
        return json.loads(stripped)
    except ValueError:
        start, end = stripped.find("{"), stripped.rfind("}")
        if 0 <= start < end:
            return json.loads(stripped[start : end + 1])
        raise


def describe_validation(exc: ValidationError, limit: int = 6) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def validate_answer(data: Any) -> tuple[S.LLMNoteFacts, list[Dropped]]:
    """Validate a parsed answer; unknown top-level keys are ignored and reported."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    dropped = [
        Dropped(field=str(key), value=None, reason="not part of the schema (ignored)")
        for key in data
        if key not in S.LLMNoteFacts.model_fields
    ]
    return S.LLMNoteFacts.model_validate(data), dropped


# --- the extractor ----------------------------------------------------------------------------


def rules_extract(note: Note) -> Extraction:
    """The rules-based extractor (fallback and hybrid partner)."""
    from reviewer.extract.rules_based import RulesExtractor

    return RulesExtractor().extract(note)


def fallback(note: Note, requested: str, reason: str) -> Extraction:
    """The rules-based extraction, marked as a fallback from ``requested``."""
    log.info("LLM extraction fell back to rules: %s", reason)
    result = rules_extract(note)
    return result.model_copy(update={"requested": requested, "fallback_reason": reason})


class LLMExtractor:
    """Extract facts with an LLM; fall back to the rules-based extractor on any failure."""

    name = "llm"

    def __init__(
        self,
        settings: LLMSettings,
        *,
        http_client: Any = None,
        chat_model: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._http_client = http_client
        self._chat_model = chat_model
        self._sleep = sleep

    # -- public --

    def extract(self, note: Note) -> Extraction:
        try:
            run = self.run(note)
        except LLMFailure as exc:
            return fallback(note, self.name, exc.reason)
        except Exception as exc:  # never let one note's LLM trouble end a review or a batch
            return fallback(
                note, self.name, f"unexpected error in the LLM extractor ({type(exc).__name__})"
            )
        return Extraction(
            facts=run.facts,
            extractor="llm",
            dropped=run.dropped,
            model=self.settings.model,
            cached=run.cached,
            **_extra_fields(run),
        )

    def run(self, note: Note) -> LLMRun:
        """Call (or read the cache), validate and ground. Raises :class:`LLMFailure`."""
        s = self.settings
        if not s.configured and self._chat_model is None:
            raise LLMFailure(
                "no LLM endpoint is configured (set REVIEWER_LLM_BASE_URL for a local server, "
                "or OPENAI_API_KEY)"
            )
        redaction: Redaction = redact(note.text) if s.should_redact else identity(note.text)
        key = cache.make_key(
            note=note.sha256,
            model=s.model,
            endpoint=s.endpoint_label,
            prompts=prompts.fingerprint(prompts.EXTRACT, prompts.REPAIR),
            schema=S.schema_fingerprint(),
            redacted=str(s.should_redact),
        )
        entry = cache.get(key) if s.cache else None
        guidance = Guidance("", [])
        calls = 0
        if entry is not None:
            try:
                answer, extra_dropped = validate_answer(entry["answer"])
            except (ValidationError, ValueError):
                entry = None
        if entry is not None:
            method = entry.get("method")
            guidance = Guidance(
                "", list(entry.get("guidance_ids") or []), entry.get("guidance_note")
            )
            cached = True
        else:
            guidance = retrieve_guidance(note.text, s.guidance_chunks)
            system, user = build_messages(redaction.text, guidance.text)
            data, method, calls = self._call(system, user)
            answer, extra_dropped = validate_answer(data)
            cached = False
            if s.cache:
                cache.put(
                    key,
                    {
                        "answer": answer.model_dump(mode="json"),
                        "method": method,
                        "model": s.model,
                        "guidance_ids": guidance.ids,
                        "guidance_note": guidance.note,
                    },
                )
        facts, dropped = ground(answer, note, redaction)
        return LLMRun(
            facts=facts,
            dropped=extra_dropped + dropped,
            method=method,
            cached=cached,
            guidance_ids=guidance.ids,
            guidance_note=guidance.note,
            redacted=redaction.counts(),
            calls=calls,
        )

    # -- the call, with retries, method fallback and one repair --

    def chat_model(self) -> Any:
        if self._chat_model is None:
            from langchain_openai import ChatOpenAI

            from reviewer.config import offline_environment

            offline_environment()  # no tracing / telemetry side channels
            s = self.settings
            kwargs: dict[str, Any] = dict(
                model=s.model,
                api_key=s.key_for_client(),
                timeout=s.timeout,
                max_retries=0,
                temperature=s.temperature,
                use_responses_api=False,
            )
            if s.base_url:
                kwargs["base_url"] = s.base_url
            if self._http_client is not None:
                kwargs["http_client"] = self._http_client
            self._chat_model = ChatOpenAI(**kwargs)
        return self._chat_model

    def _call(self, system: str, user: str) -> tuple[dict[str, Any], str, int]:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        s = self.settings
        memo = (s.endpoint_label, s.model, s.structured)
        chain = s.method_chain()
        if memo in _WORKING_METHOD:
            chain = [_WORKING_METHOD[memo]] + [m for m in chain if m != _WORKING_METHOD[memo]]
        base = [SystemMessage(content=system), HumanMessage(content=user)]
        messages = list(base)
        index, retries, calls = 0, 0, 0
        repaired = False
        rejected: list[str] = []
        while True:
            method = chain[index]
            calls += 1
            try:
                try:
                    raw, _parsed, error = self._invoke(method, messages)
                except _Rejected as exc:
                    rejected.append(f"{method}: {exc.reason}")
                    log.info(
                        "endpoint rejected structured-output method %s (%s)", method, exc.reason
                    )
                    if index + 1 < len(chain):
                        index += 1
                        continue
                    if exc.status < 500:
                        raise LLMFailure(
                            "the endpoint rejected every structured-output method ("
                            + "; ".join(rejected)
                            + ")"
                        ) from None
                    raise _Transient(f"the endpoint failed ({exc.reason})") from None
            except _Transient as exc:
                retries += 1
                if retries > s.max_retries:
                    tries = "1 attempt" if calls == 1 else f"{calls} attempts"
                    raise LLMFailure(f"{exc.reason} ({tries})") from None
                delay = min(20.0, s.backoff_seconds * 2 ** (retries - 1))
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, 30.0))
                log.info(
                    "LLM call failed (%s); retry %d of %d in %.2fs",
                    exc.reason,
                    retries,
                    s.max_retries,
                    delay,
                )
                self._sleep(delay)
                continue
            if error is not None and _is_refusal(error, raw):
                raise LLMFailure("the model refused the request")
            text = _raw_text(raw)
            problem: str
            try:
                data = parse_json(text)  # strictly: never a partial parse of a cut answer
                validate_answer(data)
                _WORKING_METHOD[memo] = method
                return data, method, calls
            except ValidationError as exc:
                problem = "the answer does not match the schema: " + describe_validation(exc)
            except ValueError as exc:
                problem = (
                    "the answer is not valid JSON"
                    + ("" if text.strip() else " (empty answer)")
                    + f" ({str(exc)[:120]})"
                )
            if repaired:
                raise LLMFailure(f"{problem} (still wrong after one repair request)")
            repaired = True
            log.info("LLM answer unusable (%s); asking once for a repair", problem.split(":")[0])
            messages = base + [
                AIMessage(content=text[:20000] or "(empty)"),
                HumanMessage(content=repair_message(problem[:1500])),
            ]

    def _invoke(self, method: str, messages: list[Any]) -> tuple[Any, Any, Any]:
        import openai

        llm = self.chat_model()
        try:
            runnable = llm.with_structured_output(S.json_schema(), method=method, include_raw=True)
            out = runnable.invoke(messages)
        except openai.APITimeoutError:
            raise _Transient(
                f"the LLM request timed out after {self.settings.timeout:g} s"
            ) from None
        except openai.APIConnectionError as exc:
            cause = type(exc.__cause__).__name__ if exc.__cause__ else "connection error"
            raise _Transient(f"could not reach the LLM endpoint ({cause})") from None
        except openai.RateLimitError as exc:
            raise _Transient(
                "the endpoint is rate limiting (HTTP 429)", _retry_after(exc)
            ) from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            if status in (401, 403):
                raise LLMFailure(f"the endpoint refused the credentials (HTTP {status})") from None
            if status == 404:
                raise LLMFailure(
                    f"the endpoint or model {self.settings.model!r} was not found (HTTP 404)"
                ) from None
            if status in (400, 422, 500, 501):
                raise _Rejected(f"HTTP {status}{_short(exc)}", status) from None
            if status >= 500 or status == 408:
                raise _Transient(f"the endpoint failed (HTTP {status})") from None
            raise LLMFailure(f"the endpoint answered HTTP {status}{_short(exc)}") from None
        except openai.APIError as exc:  # a response the client could not read
            raise _Transient(
                f"unreadable response from the endpoint ({type(exc).__name__})"
            ) from None
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            # A 200 with a body that is not a chat completion (garbage, truncated JSON).
            raise _Transient(
                f"unreadable response from the endpoint ({type(exc).__name__})"
            ) from None
        if not isinstance(out, dict):
            return out, out if isinstance(out, dict) else None, None
        return out.get("raw"), out.get("parsed"), out.get("parsing_error")


def _short(exc: Any) -> str:
    """A short, text-free hint from an error body (the server's message, capped)."""
    message = ""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = str(inner.get("message", "")) if isinstance(inner, dict) else str(inner)
    message = " ".join(message.split())[:100]
    return f": {message}" if message else ""


def _retry_after(exc: Any) -> float | None:
    try:
        value = exc.response.headers.get("retry-after")
        return float(value) if value is not None else None
    except (AttributeError, TypeError, ValueError):
        return None


def _is_refusal(error: Any, raw: Any) -> bool:
    if type(error).__name__ == "OpenAIRefusalError":
        return True
    extra = getattr(raw, "additional_kwargs", {}) or {}
    return bool(extra.get("refusal"))


def _extra_fields(run: LLMRun) -> dict[str, Any]:
    """Optional Extraction fields (guidance used), when this version of Extraction has them."""
    fields = Extraction.model_fields
    out: dict[str, Any] = {}
    if "guidance" in fields:
        out["guidance"] = run.guidance_ids
    if "notes" in fields:
        notes = []
        if run.guidance_note:
            notes.append(run.guidance_note)
        if run.redacted:
            notes.append(
                "redacted before sending: "
                + ", ".join(f"{n} {k.lower()}" for k, n in sorted(run.redacted.items()))
            )
        out["notes"] = notes
    return out
