"""The reviewer web app: ``reviewer ui`` (or ``streamlit run ui/app.py``).

Three pages, one per user: a therapist reviews a note before signing it, a biller triages a
batch and works the worklist, a trainer shows weak notes next to defensible rewrites. The pages
call the library and render what it returns; no review logic lives in ``ui/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the pages import uikit from this folder
    sys.path.insert(0, str(HERE))

from reviewer.config import offline_environment  # noqa: E402

offline_environment()

st.set_page_config(page_title="Note reviewer", page_icon=":material/fact_check:", layout="wide")

pages = [
    st.Page(
        str(HERE / "views" / "review.py"),
        title="Review a note",
        icon=":material/fact_check:",
        url_path="review",
        default=True,
    ),
    st.Page(
        str(HERE / "views" / "triage.py"),
        title="Triage",
        icon=":material/checklist:",
        url_path="triage",
    ),
    st.Page(
        str(HERE / "views" / "learn.py"), title="Learn", icon=":material/school:", url_path="learn"
    ),
]
st.navigation(pages, position="sidebar").run()
with st.sidebar:
    st.caption(
        "Checks PT/OT daily notes against the CMS 8-minute rule / AMA per-code units and the "
        "documentation a reviewer expects. Runs on this machine; with no LLM configured "
        "nothing leaves it."
    )
