"""Learn (trainer): weak notes next to defensible rewrites, a sandbox, and the rule catalogue."""

from __future__ import annotations

import streamlit as st
import uikit

state = st.session_state

st.title("Learn")
st.caption(
    "Each example is one visit written twice: the way notes often are, and a rewrite that an "
    "auditor can follow. Both are reviewed live by the same checker."
)

try:
    pairs = uikit.load_learn_pairs()
except (OSError, ValueError) as exc:
    st.error(f"The learning examples cannot be loaded: {exc}")
    pairs = []

examples_tab, sandbox_tab, rules_tab = st.tabs(
    [
        ":material/compare: Weak vs defensible",
        ":material/edit: Sandbox",
        ":material/menu_book: Rule catalogue",
    ]
)

with examples_tab:
    if pairs:
        by_id = {p["id"]: p for p in pairs}
        pair_id = st.selectbox(
            "Example",
            list(by_id),
            key="learn_pair",
            persist_state="session",
            format_func=lambda i: by_id[i]["title"],
        )
        pair = by_id[pair_id]
        st.markdown(f"**The problem.** {pair['problem']}")
        weak_contract, weak_error = uikit.cached_review(pair["weak"], pair.get("payer"))
        strong_contract, strong_error = uikit.cached_review(pair["strong"], pair.get("payer"))
        weak_rules = set(uikit.rule_ids(weak_contract))
        strong_rules = set(uikit.rule_ids(strong_contract))
        fixed = sorted(weak_rules - strong_rules)
        with st.container(border=True):
            st.markdown(f":material/lightbulb: **Why it matters.** {pair['why']}")
            if pair.get("changes"):
                st.markdown(
                    "**What the rewrite changes**\n" + "\n".join(f"- {c}" for c in pair["changes"])
                )
            if fixed:
                st.markdown(
                    "**Findings the rewrite resolves:** " + ", ".join(f"`{r}`" for r in fixed)
                )
        left, right = st.columns(2, gap="medium")
        for col, label, text, contract, error, key in (
            (left, "Weak note", pair["weak"], weak_contract, weak_error, "weak"),
            (right, "Defensible rewrite", pair["strong"], strong_contract, strong_error, "strong"),
        ):
            with col:
                st.subheader(label)
                if error:
                    st.error(f"This note cannot be reviewed: {error}")
                else:
                    uikit.render_review(contract, text, key=f"learn-{key}", compact=True)
        c1, c2, _ = st.columns([1, 1, 3])
        if c1.button(
            "Edit the weak note in the sandbox", icon=":material/edit:", key="learn_edit_weak"
        ):
            state["sandbox_text"] = pair["weak"]
            st.toast("The weak note is in the Sandbox tab", icon=":material/edit:")
        if c2.button(
            "Edit the rewrite in the sandbox", icon=":material/edit:", key="learn_edit_strong"
        ):
            state["sandbox_text"] = pair["strong"]
            st.toast("The rewrite is in the Sandbox tab", icon=":material/edit:")
    else:
        st.info("No learning examples are installed (ui/learn_pairs/*.json).")

with sandbox_tab:
    st.caption(
        "Edit the note and press Ctrl+Enter (or click outside the box): the review updates. "
        "Try removing the cues from an NMR block, or billing one more unit."
    )
    if "sandbox_text" not in state:
        state["sandbox_text"] = pairs[0]["weak"] if pairs else ""
    st.text_area("Sandbox note", key="sandbox_text", persist_state="session", height=360)
    st.selectbox(
        "Payer method",
        list(uikit.PAYER_CHOICES),
        key="sandbox_payer",
        persist_state="session",
        format_func=uikit.PAYER_CHOICES.get,
    )
    text = state.get("sandbox_text") or ""
    payer = None if state.get("sandbox_payer", "note") == "note" else state["sandbox_payer"]
    contract, error = uikit.cached_review(text, payer)
    if error:
        st.error(f"This note cannot be reviewed: {error}")
    elif contract:
        uikit.render_review(contract, text, key="sandbox", compact=True)
        with st.expander("Units"):
            uikit.render_units(contract)

with rules_tab:
    try:
        catalogue = uikit.rule_catalogue()
    except Exception as exc:  # the catalogue is reference material: say why it is missing
        st.error(f"The rule catalogue cannot be loaded ({type(exc).__name__}: {exc}).")
        catalogue = []
    families = {
        "T": "Time and units",
        "S": "Skilled service",
        "D": "Documentation content",
        "B": "Billing codes and modifiers",
    }
    f1, f2 = st.columns([1, 2])
    chosen = f1.multiselect(
        "Family",
        list(families),
        default=list(families),
        format_func=lambda k: f"{k}: {families[k]}",
        key="rules_family",
        persist_state="session",
    )
    query = f2.text_input(
        "Search",
        key="rules_query",
        persist_state="session",
        placeholder="e.g. CQ, 97112, vague, minutes",
    )
    q = (query or "").strip().lower()
    shown = [
        r
        for r in catalogue
        if r["id"][0] in chosen
        and (
            not q
            or q in " ".join([r["id"], r["name"], r["summary"], r["doc"], *r["sources"]]).lower()
        )
    ]
    st.caption(f"{len(shown)} of {len(catalogue)} rules")
    for r in shown:
        icon = uikit.SEVERITY_ICON.get(r["severity"], "")
        with st.expander(f"{r['id']} · {r['name']} · {r['severity']}", icon=icon or None):
            st.markdown(f"**{r['summary']}**")
            if r["doc"]:
                st.markdown(r["doc"])
            if r["sources"]:
                st.markdown("**Sources**")
                uikit.render_guidance(r["sources"])
            for title, examples in (("Fires on", r["fails"]), ("Does not fire on", r["passes"])):
                for i, ex in enumerate(examples[:2]):
                    st.markdown(
                        f"**{title}** (example {i + 1})"
                        + (f": {ex['why']}" if ex.get("why") else "")
                    )
                    st.code(ex["note"], language=None)
