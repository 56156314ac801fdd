"""How long a therapist waits: click "Review" to findings on screen, in a real browser.

Starts ``reviewer ui`` on a free loopback port (throwaway data directory), warms the app with
one review, then for each run opens a fresh session, pastes the note, clicks Review and waits
until the highlighted evidence is visible (``mark.ev``). Rules extractor, no network.

    .venv/bin/python benchmarks/ui_latency.py [--runs 20] [--note FILE] [--json]

Needs Debian chromium at /usr/bin/chromium (Playwright drives it; it downloads nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_NOTE = ROOT / "tests" / "fixtures" / "corpus" / "001-nmr-therex-tie-soap.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, data_dir: str) -> subprocess.Popen:
    reviewer = Path(sys.executable).with_name("reviewer")
    cmd = [str(reviewer)] if reviewer.exists() else [sys.executable, "-m", "reviewer"]
    env = dict(os.environ, REVIEWER_DATA_DIR=data_dir)
    env.pop("REVIEWER_LLM_BASE_URL", None)
    proc = subprocess.Popen(
        [*cmd, "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"reviewer ui exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    os.kill(proc.pid, signal.SIGTERM)
    raise SystemExit("the app did not become healthy within 60 s")


def one_run(browser, url: str, text: str) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(url)
        box = page.get_by_label("Treatment note")
        box.wait_for(timeout=30_000)
        box.fill(text)
        button = page.get_by_role("button", name="Review", exact=True)
        started = time.perf_counter()
        button.click()
        # the whole review is on screen: the highlighted note, the findings, and the download
        # buttons that the page renders last
        page.locator(".note-view").first.wait_for(state="visible", timeout=30_000)
        page.get_by_text("Findings", exact=True).first.wait_for(state="visible", timeout=30_000)
        page.get_by_role("button", name="Download Markdown").wait_for(timeout=30_000)
        return time.perf_counter() - started
    finally:
        page.close()


def script_run_ms(text: str, runs: int) -> list[float]:
    """The page's own work per click (review + render), in-process with AppTest, no browser."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=60).run()
    at.text_area(key="note_text").set_value(text)
    at.button(key="rv_go").click().run()  # warm
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        at.button(key="rv_go").click().run()
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--note", type=Path, default=DEFAULT_NOTE)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"needs {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    text = args.note.read_text(encoding="utf-8")
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        proc = start_app(port, data_dir)
        try:
            url = f"http://127.0.0.1:{port}"
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                warm = one_run(
                    browser, url, text
                )  # first review imports the rules and vocabularies
                times = [one_run(browser, url, text) for _ in range(args.runs)]
                browser.close()
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
    times_ms = sorted(t * 1000 for t in times)
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["REVIEWER_DATA_DIR"] = data_dir
        script_ms = script_run_ms(text, args.runs)
    result = {
        "note": args.note.name,
        "runs": args.runs,
        "first_review_ms": round(warm * 1000),
        "median_ms": round(statistics.median(times_ms)),
        "p90_ms": round(times_ms[int(0.9 * (len(times_ms) - 1))]),
        "max_ms": round(times_ms[-1]),
        "script_run_median_ms": round(statistics.median(script_ms)),
        "target_ms": 1000,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_1min": round(os.getloadavg()[0], 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['note']}: click -> findings, warm: median {result['median_ms']} ms, "
            f"p90 {result['p90_ms']} ms, max {result['max_ms']} ms over {args.runs} runs "
            f"(first review {result['first_review_ms']} ms; target < 1000 ms); the page's own "
            f"script run (review + render, no browser): median {result['script_run_median_ms']} ms"
        )
    return 0 if result["p90_ms"] < 1000 else 1


if __name__ == "__main__":
    raise SystemExit(main())
