"""Time to first token, tokens/s and total time per LLM backend, for typical questions.

    .venv/bin/python bench/llm.py [--questions 8] [--backends llamacpp:qwen2.5-coder-1.5b extractive ...]

Each question goes through the whole answer path (condense, retrieval, prompt, backend) the way the app runs it,
with the model loaded and one question answered first (a running app has its system prompt cached). Measured:
time to first token as the user sees it, generation tokens/s, total time, and the prompt's tokens (all of them, and
those after the prefix llama.cpp reuses from the previous question). The baseline for llama.cpp is the same model
reading the same prompt from an empty cache (`llm.reset()`), the cost a pipeline without cache reuse would pay.
A backend that cannot run here (an Ollama server) is listed with the reason.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app.evaluation import load_questions  # noqa: E402
from assistant.app.services import Services  # noqa: E402
from assistant.llm.base import Backend, Prompt  # noqa: E402
from assistant.llm.llamacpp import LlamaCppBackend, _load_llama  # noqa: E402
from assistant.llm.weights import model_file  # noqa: E402
from assistant.settings import Settings  # noqa: E402


class Timed(Backend):
    """Records when each token of the wrapped backend arrives."""

    def __init__(self, inner: Backend) -> None:
        self.inner, self.name = inner, inner.name
        self.stamps: list[float] = []
        self.prompt: Prompt | None = None

    def available(self) -> tuple[bool, str]:
        return self.inner.available()

    def stream(self, prompt: Prompt) -> Iterator[str]:
        self.prompt, self.stamps = prompt, []
        for token in self.inner.stream(prompt):
            self.stamps.append(time.perf_counter())
            yield token


def typical(n: int) -> list[str]:
    """First questions of the eval set that should be answered and stand alone: half in Norwegian, then half in
    English (a session keeps its language, so the system prompt of that language stays cached)."""
    pool = [q for q in load_questions(ROOT / "bench/questions.jsonl") if not q.refuse and not q.follows]
    nb, en = [q.question for q in pool if q.lang == "nb"], [q.question for q in pool if q.lang == "en"]
    return nb[: (n + 1) // 2] + en[: n // 2]


def prompt_tokens(llm, prompt: Prompt) -> list[int]:
    """The prompt as llama-cpp-python feeds it: the model's own chat template, then its tokenizer."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    fmt = Jinja2ChatFormatter(template=llm.metadata["tokenizer.chat_template"], eos_token="<|im_end|>", bos_token="")
    text = fmt(messages=[{"role": r, "content": c} for r, c in prompt.messages]).prompt
    return llm.tokenize(text.encode(), add_bos=False, special=True)


def run(spec: str, questions: list[str]) -> dict:
    kind, _, model = spec.partition(":")
    settings = Settings(llm_backend=kind, **({"llamacpp_model": model} if model else {}))
    services = Services(settings)
    timed = Timed(services.backends[0])
    ok, why = timed.available()
    if not ok:
        return {"backend": spec, "skipped": why}
    services.answerer.chain = [timed]
    llm = None
    if isinstance(timed.inner, LlamaCppBackend):
        llm = _load_llama(str(model_file(timed.inner.model, settings.models_dir)), settings.llm_context)
    services.answerer.ask("Hva er bærekraftsmål 11?")  # warm: model loaded, system prompt cached
    rows, previous = [], []
    for q in questions:
        started = time.perf_counter()
        answer = services.answerer.ask(q)
        total = time.perf_counter() - started
        if answer.refused or not timed.stamps:
            rows.append({"refused": True})
            continue
        row = {
            "ttft": timed.stamps[0] - started,
            "total": total,
            "tok_s": (len(timed.stamps) - 1) / max(timed.stamps[-1] - timed.stamps[0], 1e-9),
        }
        if llm is not None:
            tokens = prompt_tokens(llm, timed.prompt)
            shared = next(
                (i for i, (a, b) in enumerate(zip(tokens, previous)) if a != b), min(len(tokens), len(previous))
            )
            row["prompt"], row["uncached"] = len(tokens), len(tokens) - shared
            llm.reset()
            cold = time.perf_counter()
            llm.eval(tokens)
            row["cold_prompt"] = time.perf_counter() - cold
            llm.reset()  # leave the cache as the answer left it: this prompt first
            llm.eval(tokens)
            previous = tokens
        rows.append(row)
    done = [r for r in rows if not r.get("refused")]
    out = {"backend": timed.name, "answered": len(done), "refused": len(rows) - len(done)}
    for key in ("ttft", "tok_s", "total", "prompt", "uncached", "cold_prompt"):
        values = [r[key] for r in done if key in r]
        if values:
            out[key] = statistics.median(values)
            out[key + "_max"] = max(values)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument(
        "--backends",
        nargs="*",
        default=["llamacpp:qwen2.5-coder-1.5b", "llamacpp:qwen2.5-coder-0.5b", "extractive", "ollama"],
    )
    args = parser.parse_args()
    questions = typical(args.questions)
    results = [run(spec, questions) for spec in args.backends]
    print(
        "| backend | answered | first token p50 / max (s) | tokens/s | total p50 (s) | prompt tokens p50 "
        "(not cached) | same prompt, empty cache (s) | first token / empty-cache prompt |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        if "skipped" in r:
            print(f"| {r['backend']} | not run: {r['skipped']} | | | | | | |")
            continue
        cold = r.get("cold_prompt")
        print(
            f"| {r['backend']} | {r['answered']}/{r['answered'] + r['refused']} | {r['ttft']:.2f} / "
            f"{r['ttft_max']:.2f} | {r['tok_s']:.1f} | {r['total']:.1f} | "
            + (
                f"{r['prompt']:.0f} ({r['uncached']:.0f}) | {cold:.2f} | {r['ttft'] / cold:.2f} |"
                if cold
                else "- | - | - |"
            )
        )


if __name__ == "__main__":
    main()
