"""The knowledge documents: markdown files in ``knowledge/`` with a small front matter block.

Cheap to import and to call (pydantic and the standard library only): the rules checker links
findings to documents through this module and the UI shows them. Chroma and LangChain live in
:mod:`reviewer.knowledge.index` and :mod:`reviewer.knowledge.retrieve`.

A document starts with front matter between two ``---`` lines, one ``key: value`` per line;
``codes`` is a list written ``[97110, 97112]``::

    ---
    id: cms-8-minute-rule
    title: Medicare's 8-minute rule for timed therapy codes
    source: CMS Pub. 100-04 Ch. 5 §20.2
    url: https://www.cms.gov/...
    effective: 2021-11-22
    codes: [97110, 97112]
    ---
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reviewer.config import resource_dir
from reviewer.errors import ConfigError

#: Every source key that ``RULES.md`` cites; each must have a document with that id.
RULE_SOURCE_KEYS: tuple[str, ...] = (
    "cms-8-minute-rule",
    "ama-midpoint",
    "mbpm-220-3",
    "mbpm-220-2",
    "mbpm-230",
    "cpt-97112",
    "lcd-97112",
    "cms-group-therapy",
    "cms-timed-untimed",
    "therapy-modifiers",
    "cms-assistant-modifiers",
    "ncci-ptp",
    "vague-documentation",
    "payer-clock-times",
    "profile",
)

_FENCE = "---"
_LIST_KEYS = frozenset({"codes"})


def knowledge_dir() -> Path:
    """The directory of knowledge documents: ``REVIEWER_KNOWLEDGE_DIR``, else ``<repo>/knowledge``
    (or the installed copy, see :func:`reviewer.config.resource_dir`)."""
    env = os.environ.get("REVIEWER_KNOWLEDGE_DIR")
    return Path(env).expanduser() if env else resource_dir("knowledge")


class FrontMatter(BaseModel):
    """The keys a knowledge document declares. Unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="kebab-case, = file stem")
    title: str = Field(min_length=3)
    source: str = Field(
        min_length=3, description="The authority, e.g. 'CMS Pub. 100-04 Ch. 5 §20.2'"
    )
    url: str = Field(pattern=r"^https?://\S+$")
    effective: str = Field(
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD"
    )
    codes: list[str] = Field(default_factory=list)

    @field_validator("codes")
    @classmethod
    def _codes_are_codes(cls, codes: list[str]) -> list[str]:
        bad = [c for c in codes if not re.fullmatch(r"[0-9A-Z]\d{3}[0-9A-Z]", c)]
        if bad:
            raise ValueError(f"not a CPT/HCPCS code: {', '.join(bad)}")
        return codes


class Section(BaseModel):
    """One heading of a document and the text under it (the unit the index embeds)."""

    heading: str
    text: str


class KnowledgeDoc(FrontMatter):
    """A validated knowledge document: its front matter plus its markdown body."""

    body: str
    path: Path

    def sections(self) -> list[Section]:
        """The body split at ``#``/``##`` headings; text before the first heading is 'Summary'."""
        out: list[Section] = []
        heading = "Summary"
        lines: list[str] = []
        for line in self.body.splitlines():
            match = re.match(r"^#{1,2}\s+(.+?)\s*$", line)
            if match:
                if "\n".join(lines).strip():
                    out.append(Section(heading=heading, text="\n".join(lines).strip()))
                heading, lines = match.group(1), []
            else:
                lines.append(line)
        if "\n".join(lines).strip():
            out.append(Section(heading=heading, text="\n".join(lines).strip()))
        return out


def _parse_value(key: str, raw: str) -> str | list[str]:
    value = raw.strip()
    if key in _LIST_KEYS:
        if not (value.startswith("[") and value.endswith("]")):
            raise ValueError(f"{key}: write a list as [a, b, c]")
        return [item.strip().strip("'\"") for item in value[1:-1].split(",") if item.strip()]
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value


def parse_document(text: str, path: Path) -> KnowledgeDoc:
    """Parse and validate one document; any problem is a :class:`ConfigError` naming the file."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise ConfigError(f"knowledge document {path}: must start with a '---' front matter line")
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == _FENCE)
    except StopIteration:
        raise ConfigError(f"knowledge document {path}: front matter has no closing '---'") from None
    fields: dict[str, str | list[str]] = {}
    try:
        for number, line in enumerate(lines[1:end], 2):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, raw = line.partition(":")
            key = key.strip()
            if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
                raise ValueError(f"line {number}: expected 'key: value', got {line.strip()!r}")
            if key in fields:
                raise ValueError(f"line {number}: duplicate key {key!r}")
            fields[key] = _parse_value(key, raw)
    except ValueError as exc:
        raise ConfigError(f"knowledge document {path}: front matter {exc}") from None
    body = "\n".join(lines[end + 1 :]).strip() + "\n"
    try:
        doc = KnowledgeDoc.model_validate({**fields, "body": body, "path": path})
    except ValidationError as exc:
        raise ConfigError(f"knowledge document {path}: {_first_error(exc)}") from None
    if doc.id != path.stem:
        raise ConfigError(f"knowledge document {path}: id {doc.id!r} must equal the file name")
    if not body.strip():
        raise ConfigError(f"knowledge document {path}: the document has no text")
    return doc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"]) or "front matter"
    if err["type"] == "extra_forbidden":
        return f"unknown front matter key {where!r}"
    if err["type"] == "missing":
        return f"missing front matter key {where!r}"
    return f"{where}: {err['msg']}"


def knowledge_files(directory: Path | None = None) -> list[Path]:
    """The ``*.md`` documents of the knowledge directory, sorted by name (README excluded)."""
    directory = directory or knowledge_dir()
    if not directory.is_dir():
        raise ConfigError(f"knowledge directory {directory} does not exist")
    return sorted(p for p in directory.glob("*.md") if p.name.lower() != "readme.md")


def load_documents(directory: Path | None = None) -> list[KnowledgeDoc]:
    """Every knowledge document, validated, sorted by id. Raises ConfigError on any bad file."""
    directory = (directory or knowledge_dir()).resolve()
    files = knowledge_files(directory)
    key = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return list(_load_cached(directory, key))


@lru_cache(maxsize=4)
def _load_cached(
    directory: Path, key: tuple[tuple[str, int, int], ...]
) -> tuple[KnowledgeDoc, ...]:
    docs = [parse_document(p.read_text(encoding="utf-8"), p) for p in knowledge_files(directory)]
    return tuple(sorted(docs, key=lambda d: d.id))


def document_ids(directory: Path | None = None) -> list[str]:
    """The ids of all documents, sorted."""
    return [doc.id for doc in load_documents(directory)]


def get_document(doc_id: str, directory: Path | None = None) -> KnowledgeDoc:
    """The document with this id; an unknown id is a ConfigError listing what exists."""
    for doc in load_documents(directory):
        if doc.id == doc_id:
            return doc
    raise ConfigError(
        f"no knowledge document {doc_id!r} (known: {', '.join(document_ids(directory))})"
    )


def snippet(doc_id: str, max_chars: int = 300, directory: Path | None = None) -> str:
    """A short plain-text excerpt of a document for a finding: the first paragraphs, cut at a
    word boundary and ended with an ellipsis when shortened."""
    doc = get_document(doc_id, directory)
    text = " ".join(
        line.strip()
        for line in doc.body.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    text = re.sub(r"\*\*|__|`", "", text)
    if len(text) <= max_chars:
        return text
    cut = text[: max(max_chars - 1, 1)]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"
