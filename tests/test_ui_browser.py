"""The app in a real browser: `reviewer ui` on a free loopback port, driven by Playwright.

Playwright never downloads a browser here; it drives Debian's ``/usr/bin/chromium``. The test
skips only when that binary is missing (CI installs it). It also saves the screenshots the
README shows (``docs/screenshot-*.png``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
DOCS = ROOT / "docs"
NOTE = ROOT / "tests" / "fixtures" / "corpus" / "004-vague-balance-note.txt"
BATCH = ROOT / "examples" / "batch.csv"
#: Generous waits: CI machines are small and may be busy; a healthy run takes about 1 s.
WAIT_MS = 90_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


def settle(page) -> None:
    """Wait until the script run has finished (Streamlit hides its running indicator)."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=WAIT_MS)
    page.wait_for_timeout(300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`reviewer ui` exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"the app did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`reviewer ui --port N` with a throwaway data directory; stopped by its pid afterwards."""
    port = free_port()
    env = dict(os.environ, REVIEWER_DATA_DIR=str(tmp_path_factory.mktemp("ui-data")))
    env.pop("REVIEWER_LLM_BASE_URL", None)
    reviewer = Path(sys.executable).with_name("reviewer")
    cmd = [str(reviewer)] if reviewer.exists() else [sys.executable, "-m", "reviewer"]
    proc = subprocess.Popen(
        [*cmd, "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)  # `reviewer ui` exec'd streamlit: same pid
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def test_the_server_listens_on_loopback_only(app_url):
    assert app_url.startswith("http://127.0.0.1:")


def test_pasting_a_note_and_clicking_review_highlights_the_evidence(app_url, browser):
    from playwright.sync_api import expect

    from reviewer.review import review_text

    text = NOTE.read_text(encoding="utf-8")
    expected = review_text(text).to_contract()
    quotes = [ev["text"] for f in expected["findings"] for ev in f["evidence"]]
    assert quotes, "the vague note must have quoted evidence for this test to mean anything"

    page = browser.new_page(viewport={"width": 1400, "height": 1900})
    page.goto(app_url)
    box = page.get_by_label("Treatment note")
    box.wait_for(timeout=WAIT_MS)
    box.fill(text)
    page.get_by_role("button", name="Review", exact=True).click()
    mark = page.locator("mark.ev").first
    mark.wait_for(state="visible", timeout=WAIT_MS)

    expect(mark).to_be_visible()
    banner = {
        "revise": "Revise before signing",
        "review": "Review before signing",
        "ready": "Ready to sign",
    }
    expect(page.get_by_text(banner[expected["verdict"]]).first).to_be_visible(timeout=WAIT_MS)
    # the first quote of the first finding is on screen inside a highlight
    first_word = quotes[0].split()[0]
    expect(page.locator("mark.ev", has_text=first_word).first).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="Download Markdown").wait_for(timeout=WAIT_MS)
    settle(page)
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "screenshot-review.png"))
    page.close()


def test_the_triage_page_reviews_a_batch_in_the_browser(app_url, browser):
    if not BATCH.exists():
        pytest.skip("examples/batch.csv is not in this checkout")
    page = browser.new_page(viewport={"width": 1400, "height": 2300})
    page.goto(f"{app_url}/triage")
    page.get_by_text("Batch of notes", exact=True).wait_for(timeout=WAIT_MS)
    page.locator("input[type=file]").first.set_input_files(str(BATCH))
    button = page.get_by_role("button", name="Review and add to the worklist")
    page.wait_for_function("b => !b.disabled", arg=button.element_handle(), timeout=WAIT_MS)
    button.click()
    page.get_by_text("note(s) added").wait_for(timeout=WAIT_MS)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=WAIT_MS)
    # filter to the notes to revise, so the note opened below is one with findings
    verdict = page.get_by_role("combobox", name="Verdict")
    verdict.click()
    verdict.fill("revise")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_text("Findings", exact=True).first.wait_for(timeout=WAIT_MS)
    settle(page)
    page.screenshot(path=str(DOCS / "screenshot-triage.png"))
    page.close()


def test_the_learn_page_shows_a_weak_note_next_to_its_rewrite(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1900})
    page.goto(f"{app_url}/learn")
    page.get_by_text("Example", exact=True).wait_for(timeout=WAIT_MS)
    page.get_by_text("Weak note", exact=True).wait_for(timeout=WAIT_MS)
    page.get_by_text("Defensible rewrite", exact=True).wait_for(timeout=WAIT_MS)
    page.locator("mark.ev").first.wait_for(state="visible", timeout=WAIT_MS)
    settle(page)
    page.screenshot(path=str(DOCS / "screenshot-learn.png"))
    page.close()
