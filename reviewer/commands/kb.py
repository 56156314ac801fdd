"""``reviewer kb``: build, search and list the billing-guidance knowledge base (offline)."""

from __future__ import annotations

import argparse
import json
import textwrap

from reviewer.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "kb",
        help="build, search and list the billing-guidance knowledge base",
        description="The knowledge base: billing guidance documents from knowledge/, indexed "
        "offline in REVIEWER_DATA_DIR/chroma.",
    )
    sub = parser.add_subparsers(
        dest="kb_command", metavar="ACTION", required=True, parser_class=type(parser)
    )

    build = sub.add_parser("build", help="build the index (done automatically on first search)")
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build.set_defaults(func=run)

    search = sub.add_parser("search", help="search the knowledge base")
    search.add_argument("query", help="a question or a note fragment")
    search.add_argument("--k", type=int, default=5, help="number of documents (default 5)")
    search.add_argument("--format", choices=["text", "json"], default="text")
    search.set_defaults(func=run)

    listing = sub.add_parser("list", help="list the documents (id, title, source)")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    listing.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return {"build": _build, "search": _search, "list": _list}[args.kb_command](args)


def _build(args: argparse.Namespace) -> int:
    import time

    from reviewer.knowledge.index import build_index

    start = time.perf_counter()
    opened = build_index(force=args.force)
    state = "built" if opened.built else "up to date"
    print(
        f"knowledge index {state}: {opened.chunks} sections in {opened.path} "
        f"({time.perf_counter() - start:.1f} s)"
    )
    return 0


def _search(args: argparse.Namespace) -> int:
    if not args.query.strip():
        raise UsageError("kb search needs a non-empty query")
    if args.k < 1:
        raise UsageError(f"--k must be at least 1 (got {args.k})")
    from reviewer.knowledge.retrieve import retrieve

    hits = retrieve(args.query, k=args.k)
    if args.format == "json":
        rows = [
            {"id": h.id, "title": h.title, "source": h.source, "score": h.score, "text": h.text}
            for h in hits
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for n, hit in enumerate(hits, 1):
        print(f"{n}. {hit.id}  ({hit.score:.4f})  {hit.title}")
        print(f"   {hit.source}")
        print(f"   § {hit.heading}")
        excerpt = " ".join(hit.text.split())
        print(textwrap.indent(textwrap.fill(textwrap.shorten(excerpt, 400), 96), "   "))
        print()
    return 0


def _list(args: argparse.Namespace) -> int:
    from reviewer.knowledge.documents import load_documents

    docs = load_documents()
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "id": d.id,
                        "title": d.title,
                        "source": d.source,
                        "url": d.url,
                        "effective": d.effective,
                        "codes": d.codes,
                    }
                    for d in docs
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    width = max(len(d.id) for d in docs)
    for doc in docs:
        print(f"{doc.id:<{width}}  {doc.title}\n{'':<{width}}  {doc.source}")
    return 0
