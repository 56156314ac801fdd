"""A wheel (non-editable) install carries everything the tool reads at run time.

The app (``ui/``), the prompts and the knowledge documents live at the repository root, outside
the package; pyproject.toml installs them as data files under ``<prefix>/share/reviewer`` and
``reviewer.config.resource_dir`` finds them there when there is no source tree.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from reviewer import config

ROOT = Path(__file__).resolve().parents[1]


def _data_files() -> dict[str, list[str]]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return meta["tool"]["setuptools"]["data-files"]


def test_every_runtime_file_outside_the_package_is_installed():
    shipped: set[Path] = set()
    for target, patterns in _data_files().items():
        assert target.startswith("share/reviewer/")
        for pattern in patterns:
            matched = sorted(ROOT.glob(pattern))
            assert matched, f"{pattern} matches nothing"
            for path in matched:
                # installed at share/reviewer/<same relative folder>
                assert target == "share/reviewer/" + path.parent.relative_to(ROOT).as_posix()
                shipped.add(path)
    needed = {
        p
        for folder in ("ui", "prompts", "knowledge")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix in {".py", ".md", ".json"}
    }
    assert needed, "no runtime files found"
    assert needed - shipped == set()


def test_resource_dir_prefers_the_source_tree_then_the_installed_copy(tmp_path, monkeypatch):
    repo, share = tmp_path / "repo", tmp_path / "share"
    (share / "knowledge").mkdir(parents=True)
    monkeypatch.setattr(config, "PROJECT_DIR", repo)
    monkeypatch.setattr(config, "SHARE_DIR", share)
    assert config.resource_dir("knowledge") == share / "knowledge"
    (repo / "knowledge").mkdir(parents=True)
    assert config.resource_dir("knowledge") == repo / "knowledge"
    # neither exists: the repository path, so an error names where files were expected
    assert config.resource_dir("prompts") == repo / "prompts"


def test_the_source_checkout_uses_its_own_folders():
    assert config.resource_dir("knowledge") == ROOT / "knowledge"
    assert config.resource_dir("prompts") == ROOT / "prompts"
