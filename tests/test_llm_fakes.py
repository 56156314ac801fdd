"""Fakes for the LLM tests: a synthetic note, scripted answers, a scripted HTTP transport and a
small chat-completions server on 127.0.0.1. Other ``test_llm_*`` modules import from here; the
tests at the bottom check the fakes themselves.

Everything is synthetic; nothing here needs a key or the network.
"""

from __future__ import annotations

import copy
import http.server
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reviewer.extract.llm.settings import LLMSettings

# A synthetic PT note with identifiers (all invented) and a clean billing picture.
NOTE = """PT Daily Note
DOS: 05/06/2025   Payer: Medicare Part B
Pt: Janet Quill   MRN: 7712-04   DOB: 02/03/1950
Phone: (555) 201-7788
Visit: 13:00-13:40

NMR 13:00-13:25 (25 min): SLS on foam 3 x 20 s, CGA with gait belt, VCs for trunk upright.
TherEx 13:25-13:40 (15 min): bridges 2 x 12, clamshells with red band 2 x 15.

A: LOB x2 on foam vs 5 last week. Progress toward STG 1 (SLS 10 s). Impaired balance, fall risk.
Total timed: 40 min. Total treatment time: 40 min.
Billing: 97112 GP x2; 97110 GP x1
Signed: Paul Ortega, PT
"""

IDENTIFIERS = ["Janet Quill", "Janet", "Quill", "7712-04", "02/03/1950", "(555) 201-7788"]

_GOOD: dict[str, Any] = {
    "date_of_service": {"value": "2025-05-06", "quote": "DOS: 05/06/2025"},
    "discipline": {"value": "PT", "quote": "PT Daily Note"},
    "payer": {"name": "Medicare Part B", "method": "cms", "quote": "Payer: Medicare Part B"},
    "signature": {
        "name": "Paul Ortega",
        "credentials": ["PT"],
        "role": "PT",
        "quote": "Signed: Paul Ortega, PT",
    },
    "visit_spans": [{"start": "13:00", "end": "13:40", "quote": "Visit: 13:00-13:40"}],
    "total_timed_minutes": {"minutes": 40, "quote": "Total timed: 40 min"},
    "total_treatment_minutes": {"minutes": 40, "quote": "Total treatment time: 40 min"},
    "interventions": [
        {
            "description": "NMR",
            "code": "97112",
            "minutes": 25,
            "minutes_quote": "(25 min)",
            "clock_span": {"start": "13:00", "end": "13:25", "quote": "13:00-13:25"},
            "quote": "NMR 13:00-13:25 (25 min)",
            "activities": [
                {
                    "name": "SLS on foam",
                    "category": "balance",
                    "quote": "SLS on foam",
                    "parameters": [{"kind": "sets_reps", "value": "3 x 20 s", "quote": "3 x 20 s"}],
                }
            ],
            "guidance": [
                {"kind": "guarding", "level": "CGA", "quote": "CGA with gait belt"},
                {"kind": "verbal_cues", "quote": "VCs for trunk upright"},
            ],
        },
        {
            "description": "TherEx",
            "code": "97110",
            "minutes": 15,
            "minutes_quote": "(15 min)",
            "clock_span": {"start": "13:25", "end": "13:40", "quote": "13:25-13:40"},
            "quote": "TherEx 13:25-13:40 (15 min)",
            "activities": [
                {
                    "name": "bridges",
                    "category": "strengthening",
                    "quote": "bridges 2 x 12",
                    "parameters": [{"kind": "sets_reps", "value": "2 x 12", "quote": "2 x 12"}],
                }
            ],
        },
    ],
    "billed": [
        {"code": "97112", "units": 2, "modifiers": ["GP"], "quote": "97112 GP x2"},
        {"code": "97110", "units": 1, "modifiers": ["GP"], "quote": "97110 GP x1"},
    ],
    "responses": [{"text": "fewer LOB on foam", "quote": "LOB x2 on foam vs 5 last week"}],
    "goal_refs": [{"text": "progress toward STG 1", "quote": "Progress toward STG 1 (SLS 10 s)"}],
    "impairments": [{"text": "impaired balance", "quote": "Impaired balance, fall risk"}],
    "safety_measures": [{"text": "gait belt", "quote": "CGA with gait belt"}],
}


def good_answer(**changes: Any) -> dict[str, Any]:
    """A fresh copy of the correct answer for :data:`NOTE`, with top-level keys replaced."""
    answer = copy.deepcopy(_GOOD)
    answer.update(changes)
    return answer


def completion(
    content: str | None = None, args: dict | str | None = None, refusal: str | None = None
) -> dict[str, Any]:
    """A chat-completions response body: plain content, or a tool call with ``args``."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if args is not None:
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": "call_1",
                "type": "function",
                "function": {
                    "name": "note_facts",
                    "arguments": args if isinstance(args, str) else json.dumps(args),
                },
            }
        ]
    if refusal is not None:
        message["refusal"] = refusal
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if args is not None else "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def answer_for(request_body: dict[str, Any], answer: dict | str) -> dict[str, Any]:
    """Answer the way the request asked: as a tool call when tools were sent, else as content."""
    text = answer if isinstance(answer, str) else json.dumps(answer)
    if request_body.get("tools"):
        return completion(args=text)
    return completion(content=text)


def method_of(request_body: dict[str, Any]) -> str:
    if request_body.get("tools"):
        return "function_calling"
    fmt = (request_body.get("response_format") or {}).get("type")
    return {"json_schema": "json_schema", "json_object": "json_mode"}.get(fmt, "none")


Handler = Callable[[dict[str, Any]], tuple[int, Any]]


class Script:
    """A queue of handlers; each takes the request JSON and returns (status, body)."""

    def __init__(self, *steps: Handler) -> None:
        self.steps = deque(steps)
        self.requests: list[dict[str, Any]] = []
        self.raw_bodies: list[str] = []

    def next(self, raw: bytes) -> tuple[int, Any]:
        text = raw.decode("utf-8")
        self.raw_bodies.append(text)
        body = json.loads(text)
        self.requests.append(body)
        if not self.steps:
            return 500, {"error": {"message": "script exhausted"}}
        step = self.steps[0] if len(self.steps) == 1 else self.steps.popleft()
        return step(body)

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            status, body = self.next(request.read())
            if isinstance(body, (bytes, str)):
                return httpx.Response(status, content=body)
            return httpx.Response(status, json=body)

        return httpx.MockTransport(handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())


def reply(answer: dict | str) -> Handler:
    return lambda body: (200, answer_for(body, answer))


def status(code: int, message: str = "error") -> Handler:
    return lambda body: (code, {"error": {"message": message, "type": "server_error"}})


def settings(**changes: Any) -> LLMSettings:
    """Fast, local, cache-off settings for tests."""
    values: dict[str, Any] = dict(
        base_url="http://127.0.0.1:9/v1",
        model="test-model",
        timeout=2.0,
        max_retries=1,
        backoff_seconds=0.0,
        cache=False,
        guidance_chunks=0,
    )
    values.update(changes)
    return LLMSettings(**values)


# --- a real HTTP server on loopback -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChatServer:
    """A chat-completions endpoint on 127.0.0.1 replaying scripted actions.

    Actions: ``("json", status, body)``, ``("slow", seconds, body)``, ``("truncated", body)``
    (promises more bytes than it sends, then closes), ``("garbage",)`` (200 with a non-JSON
    body), ``("headers", status, body, {header: value})``. The last action repeats.
    """

    def __init__(self, *actions: tuple) -> None:
        self.actions = deque(actions)
        self.requests: list[str] = []
        self.port = free_port()
        server = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                return

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                server.requests.append(raw)
                action = server.actions[0] if len(server.actions) == 1 else server.actions.popleft()
                request = json.loads(raw)
                kind = action[0]
                if kind == "slow":
                    time.sleep(action[1])
                    self._send(200, _resolve(action[2], request))
                elif kind == "truncated":
                    data = json.dumps(_resolve(action[1], request)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data) + 500))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                elif kind == "garbage":
                    data = b"<html>502 upstream went away</html>\x00\xff"
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif kind == "headers":
                    self._send(action[1], _resolve(action[2], request), action[3])
                else:
                    self._send(action[1], _resolve(action[2], request))

            def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _resolve(body: Any, request: dict[str, Any]) -> Any:
    """A body may be a function of the request (to answer as a tool call or as content)."""
    return body(request) if callable(body) else body


# --- loopback only ------------------------------------------------------------------------------

# The real socket functions, captured when this module is imported (at collection, before any
# test has patched them), so the LLM tests can talk to their own server on 127.0.0.1 even when
# another module's fixture refuses every connection, and can never reach anything else.
_REAL_CONNECT = socket.socket.connect
_REAL_CONNECT_EX = socket.socket.connect_ex
_REAL_CREATE_CONNECTION = socket.create_connection
_REAL_GETADDRINFO = socket.getaddrinfo
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _check(host: Any) -> None:
    if str(host) not in _LOOPBACK:
        raise AssertionError(f"an LLM test tried to reach {host!r}: only loopback is allowed")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Allow connections to 127.0.0.1 only (import this fixture into every LLM test module)."""

    def connect(sock, address):
        _check(address[0] if isinstance(address, tuple) else address)
        return _REAL_CONNECT(sock, address)

    def connect_ex(sock, address):
        _check(address[0] if isinstance(address, tuple) else address)
        return _REAL_CONNECT_EX(sock, address)

    def create_connection(address, *args, **kwargs):
        _check(address[0])
        return _REAL_CREATE_CONNECTION(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        _check(host)
        return _REAL_GETADDRINFO(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield


# --- the fakes work ---------------------------------------------------------------------------


def test_the_scripted_answer_is_valid_for_the_llm_schema():
    from reviewer.extract.llm.schema import LLMNoteFacts

    LLMNoteFacts.model_validate(good_answer())


def test_a_tool_request_is_answered_with_a_tool_call_and_others_with_content():
    assert "tool_calls" in answer_for({"tools": [{}]}, {})["choices"][0]["message"]
    assert answer_for({}, {})["choices"][0]["message"]["content"] == "{}"


def test_the_loopback_server_replays_its_script_then_repeats_the_last_action():
    with ChatServer(
        ("json", 429, {"error": {"message": "slow down"}}), ("json", 200, completion(content="{}"))
    ) as server:
        url = server.base_url + "/chat/completions"
        first = httpx.post(url, json={"messages": []})
        second = httpx.post(url, json={"messages": []})
        third = httpx.post(url, json={"messages": []})
    assert [first.status_code, second.status_code, third.status_code] == [429, 200, 200]
    assert len(server.requests) == 3
