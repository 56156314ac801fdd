"""Search the knowledge base: :func:`retrieve` for the CLI, the UI and findings, and
:class:`KnowledgeRetriever` (a LangChain retriever) for LLM chains.

Search is hybrid: dense (MiniLM cosine similarity through ``langchain_chroma``) and lexical
(BM25 through ``bm25s``) over heading-sized chunks, fused by reciprocal rank at the document
level; ``k`` hits are ``k`` different documents, each shown by its best chunk. BM25 is there
because it measurably helps: on ``benchmarks/retrieval.py`` recall@3 rose from 0.85 to 0.93 on
the tuning questions and from 0.72 to 0.94 on held-out ones (codes such as "97010" and phrases
such as "same as last visit" are where dense search alone misses). See ``benchmarks/README.md``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from reviewer.errors import ConfigError, UsageError
from reviewer.knowledge.index import OpenIndex, chunk_documents, open_index, reset_open_index

#: Fuse BM25 with the dense ranking (decided by the benchmark; see benchmarks/README.md).
HYBRID = True
#: Reciprocal-rank-fusion constant (the usual 60).
RRF_K = 60
#: Chunks each ranking contributes to the fusion, whatever ``k`` is (so that the order of the
#: first hits does not depend on how many are asked for); more when ``k`` is large.
CANDIDATES = 40
FETCH_PER_HIT = 4
MAX_QUERY_CHARS = 4000


@dataclass(frozen=True)
class Hit:
    """One retrieved document: its best-matching section (``heading``, ``text``) and a score.

    ``score``: higher is better, comparable within one query only. Hybrid search (the default)
    gives the fused reciprocal-rank score (at most 2/61, about 0.033); dense-only search gives
    the section's cosine similarity to the query (at most 1).
    """

    id: str
    title: str
    source: str
    score: float
    text: str
    heading: str
    url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_document(self) -> Document:
        return Document(
            page_content=self.text,
            metadata={k: v for k, v in self.as_dict().items() if k != "text"},
        )


class _Searcher:
    """The LangChain vector store over the open index (and, if hybrid, a BM25 index)."""

    def __init__(self, opened: OpenIndex) -> None:
        from langchain_chroma import Chroma

        from reviewer.knowledge.embeddings import MiniLMEmbeddings

        self.opened = opened
        self.store = Chroma(
            client=opened.client,
            collection_name=opened.collection.name,
            embedding_function=MiniLMEmbeddings(),
            create_collection_if_not_exists=False,
        )
        self._bm25: Any = None
        self._bm25_chunks: list[Any] = []

    def dense(self, query: str, n: int) -> list[tuple[Document, float]]:
        pairs = self.store.similarity_search_with_score(query, k=n)
        return [(doc, 1.0 - float(distance)) for doc, distance in pairs]

    def lexical(self, query: str, n: int) -> list[tuple[Document, float]]:
        import bm25s

        if self._bm25 is None:
            from reviewer.knowledge.documents import load_documents

            self._bm25_chunks = chunk_documents(load_documents())
            retriever = bm25s.BM25()
            retriever.index(
                bm25s.tokenize(
                    [c.text for c in self._bm25_chunks],
                    stopwords="en",
                    stemmer=_stem,
                    show_progress=False,
                ),
                show_progress=False,
            )
            self._bm25 = retriever
        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=_stem, return_ids=False, show_progress=False
        )
        if not tokens[0]:
            return []
        n = min(n, len(self._bm25_chunks))
        rows, scores = self._bm25.retrieve(tokens, k=n, show_progress=False, n_threads=1)
        out = []
        for row, score in zip(rows[0], scores[0], strict=True):
            if score <= 0:
                continue
            chunk = self._bm25_chunks[int(row)]
            out.append(
                (
                    Document(page_content=chunk.text, metadata=chunk.metadata, id=chunk.id),
                    float(score),
                )
            )
        return out


def _stem(words: list[str]) -> list[str]:
    """A deliberately small stemmer: plural and possessive endings ("packs" -> "pack")."""
    out = []
    for word in words:
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        out.append(word)
    return out


_current: _Searcher | None = None
_lock = threading.Lock()


def _searcher() -> _Searcher:
    """The searcher over the current index (a new one when the index was reopened or rebuilt)."""
    global _current
    opened = open_index()
    with _lock:
        if _current is None or _current.opened is not opened:
            _current = _Searcher(opened)
        return _current


def _hit(doc: Document, score: float) -> Hit:
    meta = doc.metadata
    text = doc.page_content.split("\n\n", 1)[-1]  # drop the "title - heading" line
    return Hit(
        id=str(meta["doc_id"]),
        title=str(meta["title"]),
        source=str(meta["source"]),
        score=round(score, 4),
        text=text,
        heading=str(meta["heading"]),
        url=str(meta.get("url", "")),
    )


def _best_per_document(ranked: list[tuple[Document, float]], k: int) -> list[Hit]:
    hits: dict[str, Hit] = {}
    for doc, score in ranked:
        doc_id = str(doc.metadata["doc_id"])
        if doc_id not in hits:
            hits[doc_id] = _hit(doc, score)
            if len(hits) == k:
                break
    return list(hits.values())


def _fuse(*rankings: list[tuple[Document, float]]) -> list[tuple[Document, float]]:
    """Reciprocal rank fusion at the document level: each ranking is first reduced to its
    documents (best chunk first), so a document with many similar chunks does not crowd the
    others out. The chunk shown for a document is its best chunk in the first ranking."""
    scores: dict[str, float] = {}
    shown: dict[str, Document] = {}
    for ranking in rankings:
        seen: set[str] = set()
        for doc, _score in ranking:
            doc_id = str(doc.metadata["doc_id"])
            if doc_id in seen:
                continue
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (RRF_K + len(seen) + 1)
            seen.add(doc_id)
            shown.setdefault(doc_id, doc)
    return sorted(((shown[d], score) for d, score in scores.items()), key=lambda p: -p[1])


def search(query: str, k: int = 5, hybrid: bool | None = None) -> list[Hit]:
    """:func:`retrieve` with the search mode chosen explicitly (the benchmark compares both)."""
    query = " ".join((query or "").split())
    if not query:
        raise UsageError("the search query is empty")
    if k < 1:
        raise UsageError(f"k must be at least 1 (got {k})")
    query = query[:MAX_QUERY_CHARS]
    hybrid = HYBRID if hybrid is None else hybrid
    for attempt in (1, 2):
        searcher = _searcher()
        n = min(max(k * FETCH_PER_HIT, CANDIDATES), searcher.opened.chunks)
        try:
            ranked = searcher.dense(query, n)
            if hybrid:
                ranked = _fuse(ranked, searcher.lexical(query, n))
            return _best_per_document(ranked, k)
        except Exception as exc:  # noqa: BLE001 - the index vanished or broke under us
            if attempt == 2:
                raise ConfigError(f"knowledge search failed: {type(exc).__name__}: {exc}") from None
            reset_open_index()  # reopen (and rebuild if needed) once, then try again
    raise AssertionError("unreachable")


def retrieve(query: str, k: int = 5) -> list[Hit]:
    """The ``k`` knowledge documents that best answer ``query``, best first (one hit per document).

    Builds the index on first use and rebuilds it when the documents changed. Fully offline.
    An empty query is a :class:`~reviewer.errors.UsageError`.
    """
    return search(query, k)


#: Modifier meanings added to a note's query so that the right guidance is found.
_MODIFIER_WORDS = {
    "GP": "GP physical therapy plan of care modifier",
    "GO": "GO occupational therapy plan of care modifier",
    "GN": "GN speech-language pathology modifier",
    "CQ": "CQ physical therapist assistant PTA modifier",
    "CO": "CO occupational therapy assistant OTA modifier",
    "KX": "KX therapy threshold modifier",
    "59": "modifier 59 distinct procedural service NCCI",
    "XE": "XE separate encounter NCCI",
    "XS": "XS separate structure NCCI",
    "XP": "XP separate practitioner NCCI",
    "XU": "XU unusual non-overlapping service NCCI",
}
#: How much of the note goes into the query (the embedding reads about 256 tokens).
NOTE_QUERY_CHARS = 600


def query_for_note(text: str, codes: list[str], modifiers: list[str]) -> str:
    """A search query for a note: its billed codes (with their names), modifiers (with their
    meanings), then the start of the note's own text, whitespace collapsed.

    Codes and modifiers come first because the embedding model reads only the first ~256
    tokens. The query stays on this machine (the embedding is local).
    """
    from reviewer import codes as code_table

    parts: list[str] = []
    for code in dict.fromkeys(c.strip().upper() for c in codes if c.strip()):
        known = code_table.get(code)
        parts.append(f"{code} {known.description}" if known else code)
    for modifier in dict.fromkeys(m.strip().upper() for m in modifiers if m.strip()):
        parts.append(_MODIFIER_WORDS.get(modifier, f"modifier {modifier}"))
    head = "; ".join(parts)
    body = re.sub(r"\s+", " ", text or "").strip()[:NOTE_QUERY_CHARS]
    return f"{head}. {body}".strip(" .") if head else body


class KnowledgeRetriever(BaseRetriever):
    """LangChain retriever over the knowledge base (``retriever.invoke(question)``).

    Each returned ``Document`` is one knowledge document's best section; its metadata holds
    ``id``, ``title``, ``source``, ``score``, ``heading`` and ``url``.
    """

    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [hit.to_document() for hit in retrieve(query, self.k)]
