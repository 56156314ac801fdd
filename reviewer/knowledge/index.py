"""The persistent Chroma index of the knowledge documents, in ``data_dir()/chroma``.

Each document is cut into chunks at its ``#``/``##`` headings; every chunk is embedded with the
offline MiniLM model (:mod:`reviewer.knowledge.embeddings`). The collection's metadata holds a
hash of the knowledge files (and of the chunking/embedding version), so the index rebuilds
itself when a document changes, and is built on first use when missing.

A directory Chroma cannot open (corrupted, half-written, from another Chroma version) is
removed and rebuilt. A directory that another process holds locked is a one-line
:class:`~reviewer.errors.ConfigError`, never a traceback. Builds in several processes at once
are serialised with a lock file next to the index.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.config import data_dir, offline_environment
from reviewer.errors import ConfigError
from reviewer.knowledge.documents import (
    KnowledgeDoc,
    knowledge_files,
    load_documents,
)

log = logging.getLogger(__name__)

COLLECTION = "reviewer-knowledge"
#: Bump when chunking or the embedding changes: every existing index then rebuilds itself.
INDEX_VERSION = "1"


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str  # what is embedded: "title - heading" line, blank line, section text
    metadata: dict[str, Any]


@dataclass
class OpenIndex:
    """An open index: the Chroma client and collection, and the content hash it was built from."""

    path: Path
    client: Any
    collection: Any
    content_hash: str
    built: bool  # True when this open (re)built the collection
    chunks: int


_lock = threading.Lock()
_open: dict[Path, OpenIndex] = {}


def index_dir() -> Path:
    return data_dir() / "chroma"


def content_hash(directory: Path | None = None) -> str:
    """sha256 over the index version, the embedding name and every knowledge file (name, bytes)."""
    from reviewer.knowledge.embeddings import EMBEDDING_NAME

    digest = hashlib.sha256(f"{INDEX_VERSION}\0{EMBEDDING_NAME}\0".encode())
    for path in knowledge_files(directory):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def chunk_documents(docs: list[KnowledgeDoc]) -> list[Chunk]:
    """One chunk per heading of each document, prefixed with the document title for context."""
    chunks: list[Chunk] = []
    for doc in docs:
        for n, section in enumerate(doc.sections()):
            label = (
                doc.title if section.heading == doc.title else f"{doc.title} - {section.heading}"
            )
            chunks.append(
                Chunk(
                    id=f"{doc.id}#{n}",
                    text=f"{label}\n\n{section.text}",
                    metadata={
                        "doc_id": doc.id,
                        "title": doc.title,
                        "source": doc.source,
                        "url": doc.url,
                        "heading": section.heading,
                        "codes": ",".join(doc.codes),
                        "position": n,
                    },
                )
            )
    return chunks


@contextlib.contextmanager
def _process_lock(path: Path) -> Iterator[None]:
    """Serialise opening/building across processes (POSIX flock; a no-op where unavailable)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f"{path.name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(
        path=str(path), settings=Settings(anonymized_telemetry=False, allow_reset=False)
    )


def _forget_clients() -> None:
    """Drop Chroma's per-path client cache so that a removed directory is opened afresh."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def _is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text or "sqlite_busy" in text


def _is_chroma_failure(exc: BaseException) -> bool:
    """Errors that mean "this index directory is unusable" (incl. panics from Chroma's Rust core)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _build(client: Any, docs: list[KnowledgeDoc], digest: str) -> tuple[Any, int]:
    from reviewer.knowledge.embeddings import MiniLMEmbeddingFunction

    with contextlib.suppress(Exception):  # absent is fine
        client.delete_collection(COLLECTION)
    chunks = chunk_documents(docs)
    collection = client.create_collection(
        COLLECTION,
        embedding_function=MiniLMEmbeddingFunction(),
        configuration={"hnsw": {"space": "cosine"}},
        metadata={"content_hash": "building", "index_version": INDEX_VERSION},
    )
    collection.add(
        ids=[c.id for c in chunks],
        documents=[c.text for c in chunks],
        metadatas=[c.metadata for c in chunks],
    )
    # The hash is written last: an interrupted build is never mistaken for a finished one.
    collection.modify(metadata={"content_hash": digest, "index_version": INDEX_VERSION})
    return collection, len(chunks)


def _open_or_build(path: Path, force: bool) -> OpenIndex:
    docs = load_documents()
    digest = content_hash()
    client = _client(path)
    if not force:
        try:
            collection = client.get_collection(COLLECTION)
        except Exception:  # noqa: BLE001 - any "not found" flavour: build it
            collection = None
        if collection is not None and (collection.metadata or {}).get("content_hash") == digest:
            return OpenIndex(path, client, collection, digest, False, collection.count())
    log.info("building the knowledge index in %s (%d documents)", path, len(docs))
    collection, count = _build(client, docs, digest)
    return OpenIndex(path, client, collection, digest, True, count)


def open_index(force: bool = False) -> OpenIndex:
    """The index for the current ``REVIEWER_DATA_DIR``, (re)built if missing, stale or broken.

    Cheap when nothing changed: the knowledge files are hashed (well under a millisecond for a
    few dozen documents) and the already-open collection is returned.
    """
    offline_environment()
    path = index_dir()
    with _lock:
        current = _open.get(path)
        if current is not None and not force and current.content_hash == content_hash():
            return current
        _open.pop(path, None)
        with _process_lock(path):
            try:
                opened = _open_or_build(path, force)
            except ConfigError:
                raise
            except BaseException as exc:
                if not _is_chroma_failure(exc):
                    raise
                if _is_locked(exc):
                    raise ConfigError(
                        f"the knowledge index {path} is locked by another process; "
                        "try again when it finishes, or set REVIEWER_DATA_DIR to another directory"
                    ) from None
                log.warning(
                    "knowledge index %s is unusable (%s); rebuilding it", path, type(exc).__name__
                )
                opened = _rebuild_from_scratch(path)
        _open[path] = opened
        return opened


def _rebuild_from_scratch(path: Path) -> OpenIndex:
    _forget_clients()
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    try:
        return _open_or_build(path, force=True)
    except BaseException as exc:
        if not _is_chroma_failure(exc):
            raise
        raise ConfigError(
            f"cannot build the knowledge index in {path}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}"
        ) from None


def reset_open_index() -> None:
    """Forget the open index (the next :func:`open_index` reopens it from disk)."""
    with _lock:
        _open.pop(index_dir(), None)
        _forget_clients()


def build_index(force: bool = False) -> OpenIndex:
    """Build the index now (``force`` rebuilds even when it is up to date)."""
    return open_index(force=force)
