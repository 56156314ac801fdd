"""``reviewer ui``: start the Streamlit app (review a note, triage a batch, learn by example).

The app lives in ``ui/app.py`` at the repository root. This command only builds the
``python -m streamlit run`` command line (headless, loopback only, no usage statistics) and
replaces itself with it, so the process id the caller sees is the server's own. Streamlit is
never imported here: the rules-only path of the CLI stays fast.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from reviewer.config import PROJECT_DIR, SHARE_DIR, offline_environment
from reviewer.errors import ConfigError, UsageError

DEFAULT_PORT = 8501
DEFAULT_ADDRESS = "127.0.0.1"


def app_path() -> Path:
    """The app's entry script.

    ``REVIEWER_UI_APP`` if set; else ``<repo>/ui/app.py`` (a source checkout, editable install);
    else ``<prefix>/share/reviewer/ui/app.py`` (where a packaged install may put the app).
    """
    env = os.environ.get("REVIEWER_UI_APP")
    if env:
        candidates = [Path(env).expanduser()]
    else:
        candidates = [
            PROJECT_DIR / "ui" / "app.py",
            SHARE_DIR / "ui" / "app.py",
        ]
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError(
        f"the Streamlit app is not at {candidates[0]}; run from a source checkout of reviewer "
        "(pip install -e .) or set REVIEWER_UI_APP to the path of ui/app.py"
    )


def build_command(port: int = DEFAULT_PORT, address: str = DEFAULT_ADDRESS) -> list[str]:
    """The exact command that serves the app."""
    if not 1 <= port <= 65535:
        raise UsageError(f"--port must be between 1 and 65535, not {port}")
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        "--server.headless",
        "true",
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "ui",
        help="start the web app (review a note, triage a batch, learn by example)",
        description="Start the Streamlit app on this machine only (127.0.0.1 by default), "
        "headless, with usage statistics off. Open the printed URL in a browser; stop with Ctrl-C.",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--address",
        default=DEFAULT_ADDRESS,
        help="address to bind (default 127.0.0.1; use 0.0.0.0 only on a trusted network: "
        "notes are health records)",
    )
    p.add_argument(
        "--print-command",
        action="store_true",
        help="print the streamlit command line instead of running it",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    command = build_command(args.port, args.address)
    if args.print_command:
        print(" ".join(command))
        return 0
    if importlib.util.find_spec("streamlit") is None:  # finds it without importing it
        raise ConfigError("streamlit is not installed: pip install -e . (it is a dependency)")
    offline_environment()
    print(f"reviewer: serving the app at http://{args.address}:{args.port}", file=sys.stderr)
    sys.stderr.flush()
    sys.stdout.flush()
    # Replace this process so that stopping its pid stops the server.
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return
