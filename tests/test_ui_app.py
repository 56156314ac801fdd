"""The Streamlit app, driven headless with ``streamlit.testing.v1.AppTest``.

Each page is checked against the library itself: whatever ``review_text`` says about a note,
the page must show (verdict, every finding, every quote highlighted), so these tests do not
depend on how accurate the checker is, only on the page rendering it faithfully.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from reviewer.review import review_text

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "ui" / "app.py"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
TIMEOUT = 60

VERDICT_BANNER = {
    "revise": "Revise before signing",
    "review": "Review before signing",
    "ready": "Ready to sign",
}


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    """Every test gets its own worklist database, and no LLM endpoint."""
    monkeypatch.setenv("REVIEWER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("REVIEWER_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("REVIEWER_PAYER", raising=False)
    monkeypatch.delenv("REVIEWER_EXTRACTOR", raising=False)


def corpus_note(stem_prefix: str) -> str:
    path = next(CORPUS.glob(f"{stem_prefix}*.txt"))
    return path.read_text(encoding="utf-8")


def start(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def review_in_app(at: AppTest, text: str) -> AppTest:
    at.text_area(key="note_text").set_value(text)
    at.button(key="rv_go").click().run()
    assert not at.exception, at.exception
    return at


def all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def note_html(at: AppTest) -> str:
    views = [h.value for h in at.get("html") if "note-view" in h.value]
    assert views, "the highlighted note is not on the page"
    return views[0]


def marked_texts(fragment: str) -> list[str]:
    """The text inside every <mark> of the highlighted note, unescaped."""
    return [html.unescape(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", fragment, re.S)]


# ------------------------------------------------------------------------------ review page


def test_the_app_opens_on_the_review_page_with_no_error():
    at = start()
    assert [t.value for t in at.title] == ["Review a note"]
    assert at.text_area(key="note_text").value == ""


def test_reviewing_a_vague_note_shows_the_verdict_the_findings_and_the_marked_evidence():
    text = corpus_note("004-")
    expected = review_text(text).to_contract()
    assert expected["findings"], (
        "the vague note must produce findings for this test to mean anything"
    )

    at = review_in_app(start(), text)

    banner = [*at.error, *at.warning, *at.success]
    assert any(VERDICT_BANNER[expected["verdict"]] in b.value for b in banner)
    shown = all_markdown(at).replace("\\", "")  # Markdown escapes removed
    for finding in expected["findings"]:
        assert f"**{finding['rule']}**" in shown  # every finding the library gave is listed
        assert finding["message"] in shown
    assert marked_texts(note_html(at))  # the evidence is highlighted (checked in detail below)
    assert {b.label for b in at.get("download_button")} == {"Download JSON", "Download Markdown"}


def test_every_quote_of_every_finding_is_inside_a_mark():
    text = corpus_note("004-")
    expected = review_text(text).to_contract()
    fragment = note_html(review_in_app(start(), text))
    joined = "\u0000".join(marked_texts(fragment))
    quotes = [ev["text"] for f in expected["findings"] for ev in f["evidence"]]
    assert quotes
    for quote in quotes:
        # a quote may be split where two findings' quotes overlap; its pieces stay in order
        assert quote.replace("\u0000", "") in joined.replace("\u0000", "")


def test_a_clean_note_is_shown_ready_or_with_its_own_findings():
    text = corpus_note("001-")
    expected = review_text(text).to_contract()
    at = review_in_app(start(), text)
    banner = [*at.error, *at.warning, *at.success]
    assert any(VERDICT_BANNER[expected["verdict"]] in b.value for b in banner)


def test_an_empty_note_gets_a_one_line_message_not_a_stack_trace():
    at = review_in_app(start(), "   \n  ")
    errors = [e.value for e in at.error]
    assert any("cannot be reviewed" in e and "empty" in e for e in errors)
    assert not at.exception


def test_a_binary_upload_is_refused_with_a_friendly_message():
    at = start()
    at.file_uploader(key="rv_upload").upload(
        "scan.txt", b"\x89PNG\r\n\x1a\n\x00\x00binary", "text/plain"
    ).run()
    assert not at.exception
    assert any("binary" in e.value for e in at.error)
    assert at.text_area(key="note_text").value == ""  # nothing was loaded into the box


def test_an_uploaded_text_note_lands_in_the_text_area():
    text = corpus_note("001-")
    at = start()
    at.file_uploader(key="rv_upload").upload("note.txt", text.encode("utf-8"), "text/plain").run()
    assert at.text_area(key="note_text").value == text


def test_a_huge_paste_is_refused_with_the_limit_stated():
    at = review_in_app(start(), "x" * 200_000)
    assert any("limit" in e.value for e in at.error)


def test_editing_after_a_review_keeps_the_review_and_says_it_is_stale():
    text = corpus_note("004-")
    at = review_in_app(start(), text)
    at.text_area(key="note_text").set_value(text + "\nAdded line.").run()
    assert any("changed since this review" in i.value for i in at.info)
    assert note_html(at)  # the previous review is still on the page
    # re-reviewing the edited note clears the notice
    at.button(key="rv_go").click().run()
    assert not any("changed since this review" in i.value for i in at.info)


def test_llm_extractors_are_offered_only_when_an_endpoint_is_configured(monkeypatch):
    at = start()
    offline = at.selectbox(key="rv_extractor")
    assert (offline.value, len(offline.options), offline.disabled) == ("rules", 1, True)
    assert not any("sends the note" in i.value for i in at.info)
    monkeypatch.setenv("REVIEWER_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    at = start()
    assert len(at.selectbox(key="rv_extractor").options) == 3  # rules, hybrid, llm
    at.selectbox(key="rv_extractor").set_value("llm").run()
    assert any("sends the note to **http://127.0.0.1:9/v1**" in i.value for i in at.info)


# ------------------------------------------------------------------------------ triage page


def batch_csv(stems: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "provider", "patient", "date", "note"])
    for i, stem in enumerate(stems):
        # table: distinct dates so the date sort has a single right answer
        writer.writerow(
            [stem, f"Provider {i % 2}", f"Patient {i}", f"2025-03-0{i + 1}", corpus_note(stem)]
        )
    return out.getvalue().encode("utf-8")


def upload_batch(at: AppTest, stems: list[str]) -> AppTest:
    at.file_uploader(key="tri_upload").upload("batch.csv", batch_csv(stems), "text/csv").run()
    at.button(key="tri_go").click().run()
    assert not at.exception, at.exception
    return at


RISK = {"failed": 0, "revise": 1, "review": 2, "ready": 3}


def test_triage_reviews_a_small_csv_into_a_riskiest_first_table():
    stems = ["001-", "004-", "007-"]
    at = upload_batch(start("views/triage.py"), stems)
    assert any("3 note(s) added" in s.value for s in at.success)
    table = at.dataframe[0].value
    assert len(table) == 3
    expected = {review_text(corpus_note(s)).verdict for s in stems}
    assert set(table["verdict"]) == expected
    ranks = [(RISK[v], -(e or 0)) for v, e in zip(table["verdict"], table["errors"], strict=True)]
    assert ranks == sorted(ranks)  # revise before review before ready, most errors first


def test_triage_sorts_by_date_newest_first_and_filters_by_verdict():
    at = upload_batch(start("views/triage.py"), ["001-", "004-", "007-"])
    at.selectbox(key="tri_sort").set_value("date").run()
    assert list(at.dataframe[0].value["date of service"]) == [
        "2025-03-03",
        "2025-03-02",
        "2025-03-01",
    ]
    verdict = at.dataframe[0].value["verdict"].iloc[0]
    at.multiselect(key="tri_verdict").set_value([verdict]).run()
    assert set(at.dataframe[0].value["verdict"]) == {verdict}


def test_uploading_the_same_batch_twice_adds_nothing():
    at = upload_batch(start("views/triage.py"), ["001-", "004-"])
    at = upload_batch(at, ["001-", "004-"])
    assert any("0 note(s) added, 2 already in the worklist" in s.value for s in at.success)


def test_a_status_with_a_comment_is_saved_to_the_worklist():
    from reviewer.worklist import Worklist

    at = upload_batch(start("views/triage.py"), ["004-"])
    item_id = at.selectbox(key="tri_open").value
    at.selectbox(key=f"tri_new_status_{item_id}").set_value("escalated")
    at.text_area(key=f"tri_comment_{item_id}").set_value("units need the therapist")
    at.text_input(key=f"tri_who_{item_id}").set_value("biller-jo")
    at.form_submit_button[-1].click().run()
    assert not at.exception, at.exception
    with Worklist() as wl:
        item = wl.get(item_id)
        assert (item.status, item.status_comment, item.status_who) == (
            "escalated",
            "units need the therapist",
            "biller-jo",
        )
        assert [h.status for h in wl.history(item_id)] == ["escalated"]


def test_a_batch_without_a_note_column_gets_a_clear_message():
    at = start("views/triage.py")
    at.file_uploader(key="tri_upload").upload("bad.csv", b"id,text\n1,hello\n", "text/csv").run()
    at.button(key="tri_go").click().run()
    assert not at.exception
    assert any("no 'note' column" in e.value for e in at.error)


# ------------------------------------------------------------------------------ learn page


def findings_shown(at: AppTest) -> set[str]:
    return set(re.findall(r"\*\*([TSDB]\d{3})\*\*", all_markdown(at)))


def test_switching_learning_examples_changes_the_findings():
    at = start("views/learn.py")
    pair_ids = at.selectbox(key="learn_pair").options
    assert len(pair_ids) >= 6
    first = findings_shown(at)
    at.selectbox(key="learn_pair").set_value(pair_ids[1]).run()
    second = findings_shown(at)
    assert first and second and first != second


def test_each_rewrite_resolves_the_problem_its_example_is_about():
    import sys

    sys.path.insert(0, str(ROOT / "ui"))
    import uikit

    for pair in uikit.load_learn_pairs():
        weak = {f.rule for f in review_text(pair["weak"]).findings}
        strong = review_text(pair["strong"])
        strong_rules = {f.rule for f in strong.findings}
        for rule in pair["watch"]:
            assert rule in weak, f"{pair['id']}: the weak note should fire {rule}"
            assert rule not in strong_rules, f"{pair['id']}: the rewrite should not fire {rule}"
        assert strong.verdict != "revise", f"{pair['id']}: the rewrite should be defensible"


def test_the_sandbox_re_reviews_as_the_note_is_edited():
    at = start("views/learn.py")
    edited = "DOS: 01/02/2025\nTherEx 10:00-10:20 (20 min)\nBilling: 97110 GP x3\n"
    at.text_area(key="sandbox_text").set_value(edited).run()
    assert not at.exception
    expected = review_text(edited).to_contract()
    assert expected["findings"]
    shown = all_markdown(at).replace("\\", "")  # Markdown escapes removed
    for finding in expected["findings"]:
        assert finding["message"] in shown
    assert any(
        "Billing: 97110 GP x3" in html.unescape(v)
        or "97110 GP x3" in html.unescape(re.sub(r"<[^>]+>", "", v))
        for v in (h.value for h in at.get("html"))
    )


def test_the_rule_catalogue_lists_every_rule_and_searches():
    from reviewer.rules.registry import all_rules

    at = start("views/learn.py")
    labels = [e.label for e in at.expander if re.match(r"^[TSDB]\d{3} · ", e.label)]
    assert len(labels) == len(all_rules())
    at.text_input(key="rules_query").set_value("CQ").run()
    labels = [e.label for e in at.expander if re.match(r"^[TSDB]\d{3} · ", e.label)]
    assert labels and len(labels) < len(all_rules())


def test_the_note_and_its_review_survive_a_visit_to_another_page():
    text = corpus_note("004-")
    at = review_in_app(start(), text)
    at.switch_page("views/learn.py").run()
    at.switch_page("views/review.py").run()
    assert not at.exception
    assert at.text_area(key="note_text").value == text
    assert note_html(at)  # the review is still shown
    assert not any("changed since this review" in i.value for i in at.info)


def test_triage_reads_a_zip_of_text_notes():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for stem in ("001-", "004-"):
            zf.writestr(f"notes/{stem}note.txt", corpus_note(stem))
    at = start("views/triage.py")
    at.file_uploader(key="tri_upload").upload("notes.zip", buf.getvalue(), "application/zip").run()
    at.button(key="tri_go").click().run()
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 2


def test_the_edit_buttons_load_an_example_into_the_sandbox():
    import sys

    sys.path.insert(0, str(ROOT / "ui"))
    import uikit

    pairs = uikit.load_learn_pairs()
    at = start("views/learn.py")
    at.selectbox(key="learn_pair").set_value(pairs[1]["id"]).run()
    at.button(key="learn_edit_strong").click().run()
    assert at.text_area(key="sandbox_text").value == pairs[1]["strong"]
    at.button(key="learn_edit_weak").click().run()
    assert at.text_area(key="sandbox_text").value == pairs[1]["weak"]


def test_the_units_tab_shows_supported_against_billed_and_the_facts_tab_the_interventions():
    text = corpus_note("001-")
    expected = review_text(text).to_contract()
    at = review_in_app(start(), text)
    # the units tab is open first: the three numbers and the arithmetic
    assert [m.label for m in at.metric] == [
        "Timed minutes",
        "Timed units supported",
        "Timed units billed",
    ]
    assert at.metric[1].value == str(expected["units"]["supported_total"])
    first_step = expected["units"]["derivation"][0]
    assert first_step in all_markdown(at).replace("\\", "")
    # the facts tab is built only when chosen (lazy tabs), then lists each intervention
    assert not any(m.value == "**Interventions**" for m in at.markdown)
    at.session_state["rv-tabs"] = "What the reviewer read (facts)"
    at.run()
    assert any(m.value == "**Interventions**" for m in at.markdown)
    interventions = at.table[0].value
    assert list(interventions["code"]) == [i["code"] for i in expected["facts"]["interventions"]]
