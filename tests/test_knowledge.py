"""Knowledge documents: front matter validation, coverage of RULES.md source keys, snippets.

These tests need no index and no model: they exercise ``reviewer.knowledge.documents`` only.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.errors import ConfigError
from reviewer.knowledge.documents import (
    RULE_SOURCE_KEYS,
    document_ids,
    get_document,
    load_documents,
    parse_document,
    snippet,
)

GOOD_FRONT_MATTER = """---
id: sample-doc
title: A sample document
source: CMS Pub. 100-04 Ch. 5 §20.2
url: https://www.cms.gov/sample
effective: 2021-11-22
codes: [97110, 97112]
---

# A sample document

Some text.

## Second heading

More text.
"""


def _doc(tmp_path: Path, text: str, name: str = "sample-doc.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_well_formed_document_parses_with_its_list_of_codes(tmp_path):
    path = _doc(tmp_path, GOOD_FRONT_MATTER)
    doc = parse_document(path.read_text(), path)
    assert (doc.id, doc.codes, doc.effective) == ("sample-doc", ["97110", "97112"], "2021-11-22")
    assert [s.heading for s in doc.sections()] == ["A sample document", "Second heading"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # an unknown key is rejected and named
        (
            ("codes: [97110, 97112]", "codes: [97110]\nauthor: someone"),
            "unknown front matter key 'author'",
        ),
        # a required key is missing
        (("url: https://www.cms.gov/sample\n", ""), "missing front matter key 'url'"),
        # codes must be a bracketed list of CPT/HCPCS codes
        (("codes: [97110, 97112]", "codes: 97110"), "write a list as [a, b, c]"),
        (("codes: [97110, 97112]", "codes: [97110, ABC]"), "not a CPT/HCPCS code: ABC"),
        # effective is a year or a date
        (("effective: 2021-11-22", "effective: last year"), "effective"),
        # a line that is not key: value
        (("title: A sample document", "title A sample document"), "expected 'key: value'"),
        # the same key twice
        (("title: A sample document", "title: A\ntitle: B"), "duplicate key 'title'"),
        # the id must be the file name
        (("id: sample-doc", "id: other-doc"), "must equal the file name"),
    ],
)
def test_broken_front_matter_is_a_config_error_naming_the_file(tmp_path, change, message):
    old, new = change
    path = _doc(tmp_path, GOOD_FRONT_MATTER.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        parse_document(path.read_text(), path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_front_matter_without_fences_is_rejected(tmp_path):
    no_opening = _doc(tmp_path, GOOD_FRONT_MATTER.removeprefix("---\n"))
    with pytest.raises(ConfigError, match="must start with a '---'"):
        parse_document(no_opening.read_text(), no_opening)
    no_closing = GOOD_FRONT_MATTER.replace("\n---\n\n# A sample", "\n\n# A sample")
    with pytest.raises(ConfigError, match="no closing '---'"):
        parse_document(no_closing, no_opening)


def test_a_bad_file_in_the_knowledge_directory_fails_loading_with_its_name(tmp_path):
    _doc(tmp_path, GOOD_FRONT_MATTER)
    bad = _doc(
        tmp_path, GOOD_FRONT_MATTER.replace("id: sample-doc", "id: broken\nfoo: bar"), "broken.md"
    )
    with pytest.raises(ConfigError, match=str(bad)):
        load_documents(tmp_path)


def test_every_rules_md_source_key_has_a_document():
    assert sorted(set(RULE_SOURCE_KEYS) - set(document_ids())) == []
    assert len(RULE_SOURCE_KEYS) == len(set(RULE_SOURCE_KEYS)) == 15


def test_the_codes_billed_with_97112_and_the_nmr_guide_have_documents():
    expected = {f"code-{c}" for c in ("97110", "97116", "97140", "97530", "97535", "97150")}
    assert expected | {"nmr-documentation-guide"} <= set(document_ids())


def test_every_shipped_document_is_valid_and_cites_an_authority():
    docs = load_documents()
    assert len(docs) >= 22
    for doc in docs:
        assert doc.url.startswith("https://") or doc.url.startswith("http://"), doc.id
        assert len(doc.sections()) >= 2, f"{doc.id} needs headings to be chunked"


@pytest.mark.parametrize(
    ("doc_id", "must_say"),
    [
        # CO is the OTA modifier; the chiropractic one is AT
        ("cms-assistant-modifiers", "chiropractic modifier is **AT**"),
        # no CMS four-unit cap on 97112
        ("cpt-97112", "no CMS rule limiting 97112 to four units"),
        # both methods add same-code minutes within a day
        ("ama-midpoint", "Both methods add the minutes of the same code"),
        # a short service can earn a unit under Medicare
        ("cms-8-minute-rule", "That is wrong\nfor Medicare"),
    ],
)
def test_documents_correct_the_billing_folklore(doc_id, must_say):
    assert must_say in get_document(doc_id).body


def test_snippet_is_short_plain_text_cut_at_a_word():
    text = snippet("cms-8-minute-rule", max_chars=120)
    assert len(text) <= 120
    assert text.endswith("…")
    assert "#" not in text and "**" not in text
    assert snippet("profile", max_chars=10_000).startswith("Payers do not all count")


def test_an_unknown_document_id_is_a_config_error_listing_the_known_ones():
    with pytest.raises(ConfigError, match="cms-8-minute-rule"):
        get_document("no-such-doc")


def test_importing_documents_pulls_in_neither_chroma_nor_langchain():
    code = (
        "import sys, reviewer.knowledge.documents as d; d.load_documents(); "
        "print(sorted(m for m in ('chromadb', 'langchain_core', 'onnxruntime', 'bm25s') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
