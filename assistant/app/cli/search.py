"""Search the index, show what it holds, and measure retrieval (and answers) on a question file."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.app.cli.common import CommandError, positive, text
from assistant.app.evaluation import Evaluator, load_questions
from assistant.app.services import Services
from assistant.language import registry
from assistant.settings import AUDIENCES, SEARCH_MODES


def questions_of(path: Path, must: Path | None = None):
    try:
        return load_questions(path, must)
    except (OSError, ValueError) as exc:
        raise CommandError(str(exc)) from exc


def _print_results(query: str, results) -> None:
    print(f"Query: {query}")
    if not results:
        print("  (no results: is the index built? run: python -m ingest)")
    for result in results:
        fields = result.as_json()
        where = f", page {fields['page']}" if fields["page"] else ""
        codes = f" [{', '.join(fields['codes'])}]" if fields["codes"] else ""
        print(
            f"{fields['rank']:>2}. {fields['title']}{where} ({fields['language']}, {fields['doc_type']}){codes}  "
            f"score {fields['score']:.3f}"
        )
        print(f"    {fields['source']}")
        snippet = " ".join(fields["text"].split())
        print(f"    {snippet[:240]}{'...' if len(snippet) > 240 else ''}")


def cmd_search(services: Services, args) -> int:
    if not (args.query or args.batch):
        raise CommandError("give a question or --batch FILE")
    queries = [q.question for q in questions_of(args.batch)] if args.batch else [args.query]
    for query in queries:
        results = services.search(query, args.k, mode=args.mode, language=args.language, doc_type=args.doc_type)
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


def cmd_eval(services: Services, args) -> int:
    questions = questions_of(args.file, args.must)
    modes = list(SEARCH_MODES) if args.mode == "all" else [args.mode or services.settings.search_mode]
    evaluator = Evaluator(services)
    report = {"file": str(args.file), "k": args.k, "retrieval": evaluator.retrieval(questions, args.k, modes)}
    if args.answers:
        report["answers"] = evaluator.answers(questions, audience=args.audience)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    for row in report["retrieval"]["rows"]:
        if not row["hit"]:
            print(f"miss [{row['mode']}] {row['id']}: {row['query']}")
    for mode, summary in report["retrieval"]["summary"].items():
        print(
            f"{mode:>7}: hit@{args.k} {summary[f'hit@{args.k}']:.3f}  MRR {summary['mrr']:.3f}  "
            f"({summary['questions']} questions, {summary['ms_per_query']} ms/query)"
        )
    if args.answers:
        for row in report["answers"]["rows"]:
            if not (row["refusal_ok"] and (row["refuse_expected"] or row["must_ok"])):
                print(f"answer miss {row['id']}: refused={row['refused']} must={row['must_ok']} cites={row['cites']}")
        print("answers: " + ", ".join(f"{k} {v}" for k, v in report["answers"]["summary"].items()))
        for lang, figures in report["answers"]["by_language"].items():
            print(f"  {lang}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0


def register(sub) -> None:
    search = sub.add_parser("search", help="search the index")
    search.add_argument("query", nargs="?", type=text, help="the question (or use --batch)")
    search.add_argument("--k", type=positive, default=None, help="number of results (default: settings top_k)")
    search.add_argument("--batch", type=Path, help='JSONL file, one {"question": ...} per line')
    search.add_argument("--language", choices=registry.codes(), help="only documents in this language")
    search.add_argument("--doc-type", help="only this document type (centre, guide, sdg_goal, u4ssc_kpi, ...)")
    search.add_argument(
        "--mode", choices=SEARCH_MODES, default=None, help="retrieval method (default: settings search_mode, hybrid)"
    )
    search.add_argument("--json", action="store_true", help="one JSON object per query")
    search.set_defaults(func=cmd_search)
    status = sub.add_parser("status", help="what the index holds")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    ev = sub.add_parser("eval", help="measure retrieval (and answers) on a JSONL question file")
    ev.add_argument("file", type=Path)
    ev.add_argument("--must", type=Path, help="JSON {id: must groups} for a question file without them")
    ev.add_argument("--k", type=positive, default=5)
    ev.add_argument(
        "--mode",
        choices=[*SEARCH_MODES, "all"],
        default=None,
        help="retrieval method, or all three (default: settings search_mode)",
    )
    ev.add_argument("--answers", action="store_true", help="also answer every question and check the answers")
    ev.add_argument("--audience", choices=AUDIENCES)
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_eval)
