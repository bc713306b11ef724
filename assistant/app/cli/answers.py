"""Answer one question, hold a conversation in the terminal, and keep the answer cache (warm, stats, clear)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.answering.composition import TEXT, after_summary
from assistant.answering.parts import AnswerStream, Turn
from assistant.app.cli.common import CommandError, text
from assistant.app.cli.search import questions_of
from assistant.app.services import Services
from assistant.settings import AUDIENCES, BACKENDS


def _printed(stream: AnswerStream):
    for token in stream:  # the model's short answer as it is written (or the refusal)
        print(token, end="", flush=True)
    print()
    answer = stream.answer
    assert answer is not None
    if not (answer.summary or answer.refused):
        print(f"({TEXT[answer.language]['no_model']})")
    rest = after_summary(answer)
    if rest:
        print(f"\n{rest}")
    print(f"[{answer.backend}" + (", refused" if answer.refused else "") + "]")
    for citation in answer.citations:
        page = f", page {citation.page}" if citation.page else ""
        print(f"  [{citation.n}] {citation.title}{page} ({citation.as_of}) {citation.source}")
    return answer


def backend_of(services: Services, args) -> str | None:
    """The backend `--backend` asks for, if the settings configure it and it can answer now; else a CommandError
    (answering with another backend without saying so would hide the mistake)."""
    if args.backend is None:
        return None
    chain = {backend.kind: backend for backend in services.backends}
    if args.backend not in chain:
        raise CommandError(
            f"--backend {args.backend}: not configured (the chain is {', '.join(chain)}); "
            f"set ASSISTANT_LLM_BACKEND={args.backend} and its settings"
        )
    ready, why = chain[args.backend].available()
    if not ready:
        raise CommandError(f"--backend {args.backend}: cannot answer now: {why}")
    return args.backend


def cmd_ask(services: Services, args) -> int:
    stream = services.answerer.stream(args.question, audience=args.audience, backend=backend_of(services, args))
    if not args.json:
        _printed(stream)
        return 0
    for _ in stream:
        pass
    assert stream.answer is not None
    print(json.dumps(stream.answer.as_json(), ensure_ascii=False))
    return 0


def cmd_chat(services: Services, args) -> int:
    history: list[Turn] = []
    backend = backend_of(services, args)
    print("Bærekraftsassistenten: spør på norsk eller engelsk / ask in Norwegian or English. Ctrl-D to quit.")
    while True:
        try:
            question = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question:
            answer = _printed(services.answerer.stream(question, history, audience=args.audience, backend=backend))
            history.append(Turn.of(answer))


def cmd_cache(services: Services, args) -> int:
    cache = services.cache
    if cache is None:
        raise CommandError("the answer cache is off (ASSISTANT_CACHE_ANSWERS=false)")
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
        raise CommandError('cache warm needs a question file (JSONL with a "question" per line)')
    backend = backend_of(services, args)
    counts = {"answered": 0, "already cached": 0, "refused": 0, "not cached (fell back)": 0}
    for question in tqdm(questions_of(args.file), desc="answering", unit="question", file=sys.stderr):
        answer = services.answerer.ask(question.question, audience=args.audience, backend=backend)
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


def register(sub) -> None:
    for name, helptext in (("ask", "answer one question"), ("chat", "a conversation in the terminal")):
        parser = sub.add_parser(name, help=helptext)
        if name == "ask":
            parser.add_argument("question", type=text)
            parser.add_argument("--json", action="store_true", help="one JSON object with the answer and its sources")
        parser.add_argument(
            "--backend", choices=BACKENDS, help="use this backend (default: settings llm_backend, auto)"
        )
        parser.add_argument("--audience", choices=AUDIENCES, help="default: settings audience")
        parser.set_defaults(func=cmd_ask if name == "ask" else cmd_chat)
    cache = sub.add_parser("cache", help="the answer cache: warm it with a question file, show or clear it")
    cache.add_argument("action", choices=["warm", "stats", "clear"])
    cache.add_argument("file", nargs="?", type=Path, help='with warm: JSONL, one {"question": ...} per line')
    cache.add_argument("--audience", choices=AUDIENCES, help="default: settings audience")
    cache.add_argument("--backend", choices=BACKENDS, help="default: settings llm_backend")
    cache.add_argument("--json", action="store_true")
    cache.set_defaults(func=cmd_cache)
