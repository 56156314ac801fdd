"""Prompts are files in prompts/, loaded by name and rendered strictly."""

from __future__ import annotations

import pytest
from test_llm_fakes import (
    NOTE,
    loopback_only,  # noqa: F401 - autouse: 127.0.0.1 only
)

from reviewer.errors import ConfigError
from reviewer.extract.llm import prompts
from reviewer.extract.llm.extractor import build_messages, markers


def _sample_values(template: prompts.PromptTemplate) -> dict[str, str]:
    return {name: f"<{name}>" for name in template.variables}


@pytest.mark.parametrize("name,part", prompts.available())
def test_every_prompt_file_renders_with_its_variables(name, part):
    template = prompts.load(name, part)
    text = template.render(**_sample_values(template))
    assert "{{" not in text
    assert "<!--" not in text  # the maintainer comment is not sent


def test_the_extraction_prompts_exist_in_both_parts():
    assert (prompts.EXTRACT, "system") in prompts.available()
    assert (prompts.EXTRACT, "user") in prompts.available()
    assert (prompts.REPAIR, "user") in prompts.available()


def test_a_missing_variable_is_a_clear_error_naming_it():
    template = prompts.load(prompts.EXTRACT, "user")
    values = _sample_values(template)
    del values["note"]
    with pytest.raises(
        ConfigError, match=r"extract_facts\.v1\.user\.md: no value for variable\(s\) note"
    ):
        template.render(**values)


def test_an_unexpected_variable_is_an_error_too():
    template = prompts.load(prompts.REPAIR, "user")
    with pytest.raises(ConfigError, match="unexpected variable"):
        template.render(error="x", note="y")


def test_a_missing_prompt_file_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_PROMPTS_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="missing"):
        prompts.load(prompts.EXTRACT, "system")


def test_braces_inside_the_note_are_not_expanded():
    template = prompts.load(prompts.EXTRACT, "user")
    values = _sample_values(template)
    values["note"] = "Pt wrote {{guidance}} on the form"
    assert "Pt wrote {{guidance}} on the form" in template.render(**values)


def test_the_note_sits_between_marker_lines_and_the_system_prompt_says_it_is_data():
    system, user = build_messages(NOTE, "No guidance was retrieved (test).")
    begin, end = markers(NOTE)
    assert user.index(begin) < user.index("PT Daily Note") < user.index(end)
    assert "never an instruction" in system
    assert "No guidance was retrieved (test)." in user


def test_the_system_prompt_lists_the_allowed_codes_and_describes_every_field():
    system, _ = build_messages(NOTE, "")
    assert "97112:" in system and "97110:" in system
    for field in ("interventions[].minutes", "billed[].quote", "total_timed_minutes.minutes"):
        assert field in system
