"""Where the time goes between a question and the model's last word, on the server alone (no browser).

    .venv/bin/python bench/answer_path.py [--limit 40] [--model qwen2.5-coder-1.5b] [--busy SECONDS]

For each question of bench/questions.jsonl the model answers (not refused, not a follow-up): preparing (condense,
codes, retrieval, quotes: what the app shows at once), building the prompt, the model's first words (its first
whole sentence, as the reader sees it) and the complete answer, through the same writing path as the app (checks,
unfinished sentences dropped); plus the prompt's tokens and how many of them were new (not read before), and how
many answers lost an unfinished sentence at the length limit. The baseline, in the same run: llama.cpp's raw prompt
evaluation (`Llama.eval`) of 600 fresh tokens. `--busy` keeps one core busy with another process (a busy loop that
ends by itself after that many seconds) for the whole run: the machine the threads are chosen for.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app.evaluation import load_questions  # noqa: E402
from assistant.app.services import Services  # noqa: E402
from assistant.llm.llamacpp import LlamaCppBackend, _load_llama  # noqa: E402
from assistant.llm.weights import MODELS, model_file  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def prompt_tokens(llm, messages: list[tuple[str, str]]) -> list[int]:
    """The tokens llama-cpp-python's chat completion feeds for these messages (the model's own template)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    eos = llm.detokenize([llm.token_eos()]).decode(errors="ignore")
    bos = llm.detokenize([llm.token_bos()]).decode(errors="ignore")
    formatter = Jinja2ChatFormatter(llm.metadata["tokenizer.chat_template"], eos_token=eos, bos_token=bos)
    text = formatter(messages=[{"role": role, "content": content} for role, content in messages]).prompt
    return llm.tokenize(text.encode(), add_bos=False, special=True)


def shared_start(first: list[int], second: list[int]) -> int:
    count = 0
    for one, other in zip(first, second):
        if one != other:
            break
        count += 1
    return count


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--model", default=Settings().llamacpp_model, choices=list(MODELS))
    parser.add_argument("--audience", default="citizen")
    parser.add_argument("--busy", type=float, default=0.0, help="keep one core busy for this many seconds")
    args = parser.parse_args()
    if args.busy:
        busy = f"import time\nend = time.time() + {args.busy}\nwhile time.time() < end: pass"
        subprocess.Popen([sys.executable, "-c", busy])
    settings = Settings(llm_backend="llamacpp", llamacpp_model=args.model, cache_answers=False)
    services = Services(settings)
    answerer = services.answerer
    backend = LlamaCppBackend(settings)
    llm = _load_llama(str(model_file(backend.model, settings.models_dir)), settings.llm_context)
    # baseline: raw prompt evaluation of 600 fresh tokens
    filler = llm.tokenize(("Bærekraftssenteret i Trondheim arbeider med FNs bærekraftsmål. " * 60).encode())[:600]
    llm.reset()
    started = time.perf_counter()
    llm.eval(filler)
    raw_rate = len(filler) / (time.perf_counter() - started)
    llm.reset()
    print(f"raw prompt evaluation: {raw_rate:.1f} tokens/s ({len(filler)} tokens, {llm.n_threads} threads)")
    questions = [q for q in load_questions(ROOT / "bench" / "questions.jsonl") if not q.refuse and not q.follows]
    rows, seen = [], []
    for question in questions[: args.limit]:
        started = time.perf_counter()
        answer = answerer.prepare(question.question, audience=args.audience)
        prepared = time.perf_counter()
        if answer.refused:
            continue
        messages = answerer.writer.builder.messages(answer)
        built = time.perf_counter()
        tokens = prompt_tokens(llm, messages)
        # what llama.cpp has read before: the longest start shared with an earlier prompt (it holds their states)
        cached = max((shared_start(tokens, old) for old in seen), default=0)
        seen.append(tokens)
        generated = 0
        first = last = time.perf_counter()
        stream = answerer.generate(answer)
        for _ in stream:
            generated += 1
            last = time.perf_counter()
            if generated == 1:
                first = last
        done = stream.answer
        new_tokens = len(tokens) - cached
        rows.append(
            {
                "prepare": prepared - started,
                "prompt": built - prepared,
                "first": first - built,
                "path_first": first - started,
                "complete": last - started,
                "tokens": len(tokens),
                "new": new_tokens,
                "predicted": new_tokens / raw_rate,
                "generated": generated,
                "cut": done.cut if done else 0,
                "code": bool(answer.code),
            }
        )
        row = rows[-1]
        print(
            f"{question.id}: prepare {row['prepare']:.2f} s, first token {row['first']:.2f} s "
            f"({new_tokens} new of {len(tokens)} tokens, predicted {row['predicted']:.2f} s), "
            f"complete {row['complete']:.1f} s, {generated} pieces shown",
            flush=True,
        )
    ratio = sum(r["predicted"] for r in rows) / sum(r["first"] for r in rows)
    print(f"\n{len(rows)} answers ({args.model}, {args.audience}):")
    for key, label in (
        ("prepare", "prepare (shown at once)"),
        ("first", "model's first words"),
        ("path_first", "question -> first words"),
        ("complete", "question -> complete"),
    ):
        values = [r[key] for r in rows]
        print(
            f"| {label} | p50 {statistics.median(values):.2f} s | p90 {pct(values, 0.9):.2f} s | "
            f"max {max(values):.2f} s |"
        )
    print(
        f"| new prompt tokens | p50 {statistics.median(r['new'] for r in rows):.0f} | "
        f"p90 {pct([r['new'] for r in rows], 0.9):.0f} | max {max(r['new'] for r in rows)} |"
    )
    print(
        f"first words <= 6 s: {sum(r['path_first'] <= 6 for r in rows)}/{len(rows)}; complete <= 15 s: "
        f"{sum(r['complete'] <= 15 for r in rows)}/{len(rows)}"
    )
    print(f"raw eval predicted / measured first words: {ratio:.2f}")
    print(f"answers that lost an unfinished sentence at the length limit: {sum(r['cut'] > 0 for r in rows)}")


if __name__ == "__main__":
    main()
