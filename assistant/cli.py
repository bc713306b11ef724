"""`python -m assistant`: search the index, show its status."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.services import Services
from assistant.store import StoreError


def _print_results(query: str, results) -> None:
    print(f"Query: {query}")
    if not results:
        print("  (no results: is the index built? run: python -m ingest)")
    for r in results:
        j = r.as_json()
        where = f", page {j['page']}" if j["page"] else ""
        codes = f" [{', '.join(j['codes'])}]" if j["codes"] else ""
        print(f"{j['rank']:>2}. {j['title']}{where} ({j['language']}, {j['doc_type']}){codes}  score {j['score']:.3f}")
        print(f"    {j['source']}")
        snippet = " ".join(j["text"].split())
        print(f"    {snippet[:240]}{'...' if len(snippet) > 240 else ''}")


def _questions(path: Path) -> list[str]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise SystemExit(f"error: {path}:{n} is not JSON ({exc})")
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            raise SystemExit(f"error: {path}:{n} has no \"question\" field")
        out.append(obj["question"])
    return out


def cmd_search(services: Services, args) -> int:
    queries = _questions(args.batch) if args.batch else [args.query]
    for query in queries:
        results = services.retriever.search(query, k=args.k, mode=args.mode, language=args.language,
                                            doc_type=args.doc_type)
        if args.json:
            print(json.dumps({"query": query, "results": [r.as_json() for r in results]}, ensure_ascii=False))
        else:
            _print_results(query, results)
    return 0


def cmd_status(services: Services, args) -> int:
    status = services.status()
    if args.json:
        print(json.dumps(status, ensure_ascii=False, default=str))
    else:
        for key in ("index", "collection", "embedder_name", "files", "chunks", "last_ingestion"):
            print(f"{key:>15}: {status[key]}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Bærekraftsassistenten")
    sub = parser.add_subparsers(dest="command", required=True)
    search = sub.add_parser("search", help="search the index")
    search.add_argument("query", nargs="?", help="the question (or use --batch)")
    search.add_argument("--k", type=int, default=None, help="number of results (default: settings top_k)")
    search.add_argument("--batch", type=Path, help="JSONL file, one {\"question\": ...} per line")
    search.add_argument("--language", choices=["nb", "en"], help="only documents in this language")
    search.add_argument("--doc-type", help="only this document type (centre, guide, sdg_goal, u4ssc_kpi, ...)")
    search.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default=None,
                        help="retrieval method (default: settings search_mode, hybrid)")
    search.add_argument("--json", action="store_true", help="one JSON object per query")
    search.set_defaults(func=cmd_search)
    status = sub.add_parser("status", help="what the index holds")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "search" and not (args.query or args.batch):
        print("error: give a question or --batch FILE", file=sys.stderr)
        return 2
    services = Services()
    if args.command == "search":
        args.k = args.k or services.settings.top_k
        args.mode = args.mode or services.settings.search_mode
    try:
        return args.func(services, args)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
