"""Triage (biller): review a batch into the worklist, filter and sort it, work each note."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import uikit

from reviewer.errors import ReviewerError

state = st.session_state

SORTS = {
    "risk": "Riskiest first (revise, most errors)",
    "over": "Most units over-billed",
    "date": "Date of service (newest first)",
    "provider": "Provider",
    "patient": "Patient",
    "status": "Status",
}
STATUS_COLOUR = {"open": "blue", "fixed": "green", "accepted": "gray", "escalated": "orange"}


def _worklist():
    from reviewer.worklist import Worklist

    return Worklist()


st.title("Triage")
st.caption(
    "Review a batch of notes (CSV with a `note` column, JSONL, or a ZIP of .txt notes) into the "
    "worklist, then work through the riskiest first. Statuses and comments are saved in the "
    "worklist database on this machine."
)

# ------------------------------------------------------------------------------------ intake
with st.container(border=True):
    c1, c2 = st.columns([3, 2])
    upload = c1.file_uploader(
        "Batch of notes",
        type=["csv", "jsonl", "ndjson", "zip", "txt"],
        key="tri_upload",
        help="CSV columns: note (required); id, patient, date, provider, payer (optional).",
    )
    c2.selectbox(
        "Payer method",
        list(uikit.PAYER_CHOICES),
        key="tri_payer",
        persist_state="session",
        format_func=uikit.PAYER_CHOICES.get,
        help="'From the note' lets each note (or the CSV's payer column) decide.",
    )
    extractor = "rules"
    if uikit.llm_endpoint():
        extractor = c2.selectbox(
            "Extractor",
            list(uikit.EXTRACTOR_CHOICES),
            key="tri_extractor",
            persist_state="session",
            format_func=uikit.EXTRACTOR_CHOICES.get,
        )
        if extractor != "rules":
            st.info(
                f"The LLM extractor sends each note to **{uikit.llm_endpoint()}**, with "
                "identifiers redacted first.",
                icon=":material/cloud_upload:",
            )
    go = st.button(
        "Review and add to the worklist",
        type="primary",
        icon=":material/playlist_add_check:",
        disabled=upload is None,
        key="tri_go",
    )

if go and upload is not None:
    from reviewer import batch

    payer = None if state.get("tri_payer", "note") == "note" else state["tri_payer"]
    bar = st.progress(0.0, text="Reading the batch ...")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Reviewing {done} of {total} notes")

    try:
        rows = list(batch.read_input(upload.getvalue(), upload.name))
        if not rows:
            raise ReviewerError(f"{upload.name}: no notes found")
        with _worklist() as wl:
            report = wl.import_rows(
                rows, progress, payer=payer, extractor=extractor, source=upload.name
            )
    except ReviewerError as exc:
        bar.empty()
        st.error(f"This batch cannot be reviewed: {exc}", icon=":material/block:")
    except Exception as exc:  # never a stack trace in front of a biller
        bar.empty()
        st.error(
            f"The batch failed unexpectedly ({type(exc).__name__}); nothing was lost "
            "from the worklist. Please report it.",
            icon=":material/block:",
        )
    else:
        bar.empty()
        state["tri_last_ids"] = list(report.ids)
        state["tri_scope"] = "upload"
        state["tri_message"] = (
            f"{upload.name}: {report.added} note(s) added, {report.skipped} already in the "
            f"worklist, {report.failed} could not be reviewed."
            + (f" {report.patterns} pattern(s) across notes." if report.patterns else "")
        )

if state.get("tri_message"):
    st.success(state["tri_message"], icon=":material/task_alt:")

# ------------------------------------------------------------------------------------ table
try:
    with _worklist() as wl:
        items = wl.list()
        patterns = wl.pattern_findings()
except ReviewerError as exc:
    st.error(f"The worklist cannot be opened: {exc}")
    st.stop()

if not items:
    st.info("The worklist is empty. Upload a batch above to start.", icon=":material/inbox:")
    st.stop()

last_ids = set(state.get("tri_last_ids") or [])
scopes = {"all": f"Whole worklist ({len(items)})"}
if last_ids:
    scopes = {"upload": f"This upload ({len(last_ids)})", **scopes}
if state.get("tri_scope") not in scopes:
    state["tri_scope"] = next(iter(scopes))
st.radio(
    "Show",
    list(scopes),
    key="tri_scope",
    persist_state="session",
    format_func=scopes.get,
    horizontal=True,
)
if state["tri_scope"] == "upload":
    items = [i for i in items if i.id in last_ids]

df = pd.DataFrame(
    [
        {
            "#": i.id,
            "note id": i.external_id,
            "verdict": i.verdict,
            "status": i.status,
            "errors": i.counts.get("error", 0) if i.error is None else None,
            "warnings": i.counts.get("warning", 0) if i.error is None else None,
            "units over": i.units_over,
            "units under": i.units_under,
            "rules": " ".join(i.rules),
            "patterns": " ".join(i.patterns),
            "provider": i.provider,
            "patient": i.patient,
            "date of service": i.date,
            "payer": i.payer or i.method,
            "billed": i.units_billed,
            "supported": i.units_supported,
            "problem": i.error,
        }
        for i in items
    ]
)
df["risk"] = range(len(df))  # the worklist's own order: failed, revise, review, ready

with st.expander("Filter and sort", expanded=True, icon=":material/filter_list:"):
    f1, f2, f3, f4 = st.columns(4)
    verdicts = f1.multiselect(
        "Verdict",
        ["revise", "review", "ready", "failed"],
        key="tri_verdict",
        persist_state="session",
    )
    statuses = f2.multiselect(
        "Status",
        ["open", "fixed", "accepted", "escalated"],
        key="tri_status",
        persist_state="session",
    )
    providers = f3.multiselect(
        "Provider",
        sorted({p for p in df["provider"].dropna()}),
        key="tri_provider",
        persist_state="session",
    )
    sort = f4.selectbox(
        "Sort by", list(SORTS), key="tri_sort", persist_state="session", format_func=SORTS.get
    )
    g1, g2, g3 = st.columns([2, 2, 1])
    patient_q = g1.text_input("Patient contains", key="tri_patient", persist_state="session")
    rule_q = g2.text_input(
        "Rule or pattern id",
        key="tri_rule",
        persist_state="session",
        placeholder="e.g. T001, S002, P003",
    )
    over_only = g3.checkbox("Over-billed only", key="tri_over", persist_state="session")

view = df
if verdicts:
    view = view[view["verdict"].isin(verdicts)]
if statuses:
    view = view[view["status"].isin(statuses)]
if providers:
    view = view[view["provider"].isin(providers)]
if patient_q:
    view = view[view["patient"].fillna("").str.contains(patient_q, case=False, regex=False)]
if rule_q:
    wanted = rule_q.strip().upper()
    view = view[
        (" " + view["rules"] + " " + view["patterns"] + " ").str.contains(
            f" {wanted} ", regex=False
        )
    ]
if over_only:
    view = view[view["units over"].fillna(0) > 0]

if sort == "over":
    view = view.sort_values(["units over", "risk"], ascending=[False, True], na_position="last")
elif sort == "date":
    when = pd.to_datetime(view["date of service"], errors="coerce", format="mixed")
    view = (
        view.assign(_when=when)
        .sort_values(["_when", "risk"], ascending=[False, True], na_position="last")
        .drop(columns="_when")
    )
elif sort in ("provider", "patient", "status"):
    view = view.sort_values(
        [sort, "risk"], na_position="last", key=lambda s: s.str.lower() if s.dtype == object else s
    )
else:
    view = view.sort_values("risk")
view = view.drop(columns="risk").reset_index(drop=True)

m1, m2, m3, m4 = st.columns(4)
m1.metric("Notes shown", len(view))
m2.metric("Revise", int((view["verdict"] == "revise").sum()))
m3.metric("Units over-billed", int(view["units over"].fillna(0).sum()))
m4.metric("Still open", int((view["status"] == "open").sum()))

ids = [int(x) for x in view["#"].tolist()]


def _pick_from_table() -> None:
    sel = state.get("tri_table")
    rows = getattr(getattr(sel, "selection", None), "rows", None) if sel is not None else None
    if rows is None and isinstance(sel, dict):
        rows = (sel.get("selection") or {}).get("rows")
    if rows:
        state["tri_open"] = ids[rows[0]]


st.dataframe(
    view,
    hide_index=True,
    width="stretch",
    key="tri_table",
    on_select=_pick_from_table,
    selection_mode="single-row",
    column_config={
        "#": st.column_config.NumberColumn("#", width="small"),
        "verdict": st.column_config.TextColumn("verdict", width="small"),
        "units over": st.column_config.NumberColumn(
            "over", help="Timed units billed above what the minutes support"
        ),
        "units under": st.column_config.NumberColumn(
            "under", help="Timed units the minutes support but not billed"
        ),
        "problem": st.column_config.TextColumn("could not review", width="medium"),
    },
)
st.download_button(
    "Export these rows (CSV)",
    view.to_csv(index=False),
    file_name="worklist-filtered.csv",
    mime="text/csv",
    icon=":material/download:",
)
if patterns:
    with st.expander(f"Patterns across notes ({len(patterns)})", icon=":material/hub:"):
        for p in patterns:
            st.markdown(
                f"**{p['rule']}** `{p['name']}` · notes {', '.join('#' + str(i) for i in p['note_ids'])}  \n{p['message']}"
            )

# ------------------------------------------------------------------------------------ detail
st.divider()
if not ids:
    st.info("No notes match these filters.")
    st.stop()
if state.get("tri_open") not in ids:
    state["tri_open"] = ids[0]
labels = {
    int(
        r["#"]
    ): f"#{r['#']} · {r['note id'] or ''} · {r['patient'] or 'patient ?'} · {r['verdict']} · {r['status']}"
    for _, r in view.iterrows()
}
st.selectbox(
    "Open a note (or select a row above)",
    ids,
    key="tri_open",
    persist_state="session",
    format_func=labels.get,
)
item_id = state["tri_open"]

with _worklist() as wl:
    item = wl.get(item_id)
    history = wl.history(item_id)
    item_patterns = wl.patterns_for(item_id)

st.subheader(f"Note #{item.id}" + (f" · {item.external_id}" if item.external_id else ""))
st.caption(
    " · ".join(x for x in [item.patient, item.date, item.provider, item.payer, item.source] if x)
)

STATUSES = ["open", "fixed", "accepted", "escalated"]
with st.form(f"status_form_{item.id}", border=True):
    s0, s1, s2, s3, s4 = st.columns([1, 1.3, 3.4, 1.5, 1.7], vertical_alignment="bottom")
    s0.badge(item.status, color=STATUS_COLOUR.get(item.status, "gray"), icon=":material/flag:")
    new_status = s1.selectbox(
        "Set status",
        STATUSES,
        index=STATUSES.index(item.status) if item.status in STATUSES else 0,
        key=f"tri_new_status_{item.id}",
    )
    comment = s2.text_area(
        "Comment",
        key=f"tri_comment_{item.id}",
        height=68,
        placeholder="What was done, or why it is accepted or escalated",
    )
    who = s3.text_input("Who", key=f"tri_who_{item.id}", placeholder="default: $USER")
    if s4.form_submit_button("Save status", type="primary", icon=":material/save:"):
        try:
            with _worklist() as wl:
                wl.set_status(item.id, new_status, comment or None, who=who or None)
            st.toast(f"Note #{item.id}: {new_status}")
            st.rerun()
        except ReviewerError as exc:
            st.error(str(exc))
if history:
    with st.expander(f"Status history ({len(history)})", icon=":material/history:"):
        st.dataframe(
            [
                {
                    "when": h.at[:16].replace("T", " "),
                    "status": h.status,
                    "from": h.previous,
                    "who": h.who,
                    "comment": h.comment,
                }
                for h in reversed(history)
            ],
            hide_index=True,
            width="stretch",
        )
for p in item_patterns:
    st.warning(f"**{p['rule']}** {p['name']}: {p['message']}", icon=":material/hub:")

if item.error:
    st.error(f"This note could not be reviewed: {item.error}", icon=":material/block:")
elif item.review and item.note_text is not None:
    uikit.render_review(item.review, item.note_text, key=f"tri-{item.id}")
else:
    st.info("The full review of this note is not stored.")
