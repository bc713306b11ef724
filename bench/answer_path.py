"""Where the time goes between a question and the model's first word, on the server alone (no browser).

    .venv/bin/python bench/answer_path.py [--limit 40] [--model qwen2.5-coder-1.5b]

For each question of bench/questions.jsonl the model answers (not refused, not a follow-up): preparing (condense,
codes, retrieval, quotes: what the app shows at once), building the prompt, and the model's first token and last
token, as the app runs them one after another; plus the prompt's tokens and how many of them were new (not in the
model's cache from the previous question). The baseline, in the same run: llama.cpp's raw prompt evaluation
(`Llama.eval`) of 600 fresh tokens, from which the first token of each question is predicted from its new tokens
alone; the ratio predicted / measured says how close the answer path comes to the model's own speed (goal >= 0.9).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app.evaluation import load_questions  # noqa: E402
from assistant.app.services import Services  # noqa: E402
from assistant.llm.base import Prompt  # noqa: E402
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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--model", default=Settings().llamacpp_model, choices=list(MODELS))
    parser.add_argument("--audience", default="citizen")
    args = parser.parse_args()
    settings = Settings(llm_backend="llamacpp", llamacpp_model=args.model, cache_answers=False)
    services = Services(settings)
    answerer = services.answerer
    backend = LlamaCppBackend(settings)
    llm = _load_llama(str(model_file(backend.model, settings.models_dir)), settings.llm_context, settings.llm_threads)
    # baseline: raw prompt evaluation of 600 fresh tokens
    filler = llm.tokenize(("Bærekraftssenteret i Trondheim arbeider med FNs bærekraftsmål. " * 60).encode())[:600]
    llm.reset()
    started = time.perf_counter()
    llm.eval(filler)
    raw_rate = len(filler) / (time.perf_counter() - started)
    llm.reset()
    print(f"raw prompt evaluation: {raw_rate:.1f} tokens/s ({len(filler)} tokens, {settings.llm_threads} threads)")
    questions = [q for q in load_questions(ROOT / "bench" / "questions.jsonl") if not q.refuse and not q.follows]
    rows = []
    for question in questions[: args.limit]:
        started = time.perf_counter()
        answer = answerer.prepare(question.question, audience=args.audience)
        prepared = time.perf_counter()
        if answer.refused:
            continue
        messages = answerer.writer.builder.messages(answer)
        built = time.perf_counter()
        tokens = prompt_tokens(llm, messages)
        cached = 0
        for new, old in zip(tokens, llm.input_ids[: llm.n_tokens].tolist()):
            if new != old:
                break
            cached += 1
        prompt = Prompt(
            messages=messages,
            question=answer.standalone,
            language=answer.language,
            sources=answer.sources,
            max_tokens=settings.audience_max_tokens.get(args.audience),
        )
        generated = 0
        first = last = time.perf_counter()
        for _ in backend.stream(prompt):
            generated += 1
            last = time.perf_counter()
            if generated == 1:
                first = last
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
                "code": bool(answer.code),
            }
        )
        row = rows[-1]
        print(
            f"{question.id}: prepare {row['prepare']:.2f} s, first token {row['first']:.2f} s "
            f"({new_tokens} new of {len(tokens)} tokens, predicted {row['predicted']:.2f} s), "
            f"complete {row['complete']:.1f} s, {generated} tokens written",
            flush=True,
        )
    ratio = sum(r["predicted"] for r in rows) / sum(r["first"] for r in rows)
    print(f"\n{len(rows)} answers ({args.model}, {args.audience}):")
    for key, label in (
        ("prepare", "prepare (shown at once)"),
        ("first", "model's first token"),
        ("path_first", "question -> first token"),
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
        f"first token <= 5 s: {sum(r['path_first'] <= 5 for r in rows)}/{len(rows)}; complete <= 15 s: "
        f"{sum(r['complete'] <= 15 for r in rows)}/{len(rows)}"
    )
    print(f"raw eval predicted / measured first token: {ratio:.2f} (goal >= 0.9)")


if __name__ == "__main__":
    main()
