"""Review a note (therapist, before signing): paste or upload, review, fix, re-review."""

from __future__ import annotations

import streamlit as st
import uikit

from reviewer.errors import ReviewerError

state = st.session_state
state.setdefault("note_text", "")


def _load_upload() -> None:
    """Put an uploaded .txt note into the text area (refusing what is not a note)."""
    upload = state.get("rv_upload")
    state.pop("rv_upload_error", None)
    if upload is None:
        return
    raw = upload.getvalue()
    try:
        from reviewer.intake import prepare

        prepare(raw)  # the library's own checks: empty, binary, not UTF-8, too large
        state["note_text"] = raw.decode("utf-8-sig")
    except ReviewerError as exc:
        state["rv_upload_error"] = f"{upload.name}: {exc}"


st.title("Review a note")
st.caption(
    "Paste a daily treatment note before you sign it. The reviewer checks that the documented "
    "minutes support the billed units and points to what an auditor would find too vague."
)

endpoint = uikit.llm_endpoint()

with st.container(border=True):
    # No form: the text area commits on blur or Ctrl+Enter, so an edit after a review is
    # noticed (and flagged as stale) while the previous review stays on the page.
    st.text_area(
        "Treatment note",
        key="note_text",
        persist_state="session",
        height=320,
        placeholder="Paste the daily note here: header, interventions with minutes or clock "
        "times, response, plan, billing line, signature ...",
    )
    c1, c2, c3 = st.columns([3, 3, 4])
    c1.selectbox(
        "Payer method",
        list(uikit.PAYER_CHOICES),
        key="rv_payer",
        persist_state="session",
        format_func=uikit.PAYER_CHOICES.get,
        help="How units are counted. 'From the note' uses the payer the note names (Medicare's "
        "total-time method when it names none); AMA counts each code on its own minutes.",
    )
    if endpoint:
        c2.selectbox(
            "Extractor",
            list(uikit.EXTRACTOR_CHOICES),
            key="rv_extractor",
            persist_state="session",
            format_func=uikit.EXTRACTOR_CHOICES.get,
        )
    else:
        c2.selectbox(
            "Extractor",
            ["rules"],
            key="rv_extractor",
            persist_state="session",
            format_func=uikit.EXTRACTOR_CHOICES.get,
            disabled=True,
            help="LLM extraction appears here when REVIEWER_LLM_BASE_URL is set.",
        )
    c3.file_uploader(
        "Or upload a note (.txt)",
        type=["txt"],
        key="rv_upload",
        on_change=_load_upload,
    )
    if state.get("rv_upload_error"):
        st.error(state["rv_upload_error"], icon=":material/block:")
    submitted = st.button("Review", type="primary", icon=":material/fact_check:", key="rv_go")

if endpoint and state.get("rv_extractor", "rules") != "rules":
    st.info(
        f"The LLM extractor sends the note to **{endpoint}**, with identifiers (names, dates of "
        "birth, MRNs, phone numbers, addresses, emails) redacted first. The rules still decide "
        "every finding.",
        icon=":material/cloud_upload:",
    )

if submitted:
    payer = None if state.get("rv_payer", "note") == "note" else state["rv_payer"]
    extractor = state.get("rv_extractor") or "rules"
    text = state.get("note_text") or ""
    with st.spinner("Reviewing ..."):
        outcome = uikit.run_review(text, payer=payer, extractor=extractor)
    if outcome.error:
        state["rv_error"] = outcome.error
        state.pop("rv_result", None)
    else:
        state.pop("rv_error", None)
        state["rv_result"] = {"contract": outcome.contract, "note": text, "review": outcome.review}

if state.get("rv_error"):
    st.error(f"This note cannot be reviewed: {state['rv_error']}", icon=":material/block:")

result = state.get("rv_result")
if result:
    if (state.get("note_text") or "") != result["note"]:
        st.info(
            "The note has changed since this review. Click **Review** again to re-check it.",
            icon=":material/sync_problem:",
        )
    uikit.render_review(result["contract"], result["note"], key="rv")
    review, note = result["review"], result["note"]

    def _json() -> str:
        from reviewer.report import render_json

        return render_json(review)

    def _markdown() -> str:
        from reviewer.report import render_markdown

        return render_markdown(review, note)

    # The reports are rendered only when a button is clicked (deferred download data).
    with st.container(horizontal=True):
        st.download_button(
            "Download JSON",
            _json,
            file_name="review.json",
            mime="application/json",
            icon=":material/download:",
        )
        st.download_button(
            "Download Markdown",
            _markdown,
            file_name="review.md",
            mime="text/markdown",
            icon=":material/download:",
        )
