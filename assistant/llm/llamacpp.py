"""In-process llama.cpp: the model is loaded once per process and shared, one generation at a time.

Two things keep it quick on a small machine. The prompts' fixed start (system prompt and example) is read once per
language and audience: llama.cpp reuses the longest prefix it holds, and the states it had after earlier prompts are
kept in memory (`LlamaRAMCache`), so a condensed follow-up or another language does not make the next answer read it
again. And the threads are chosen for each answer from the cores other processes leave free (`load.FreeCores`)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from assistant.llm.base import Backend, LLMError, Prompt, reason_of
from assistant.llm.gate import ModelGate
from assistant.llm.limits import pull
from assistant.llm.load import FreeCores
from assistant.llm.weights import MODELS, ModelUnavailable, model_file, ready
from assistant.settings import Settings

STATES_BYTES = 1 << 30  # earlier prompts' states kept in memory (a state of ~800 tokens takes ~25 MB)
CORES = FreeCores()


@lru_cache(maxsize=2)
def _load_llama(path: str, n_ctx: int):
    from llama_cpp import Llama, LlamaRAMCache

    llm = Llama(model_path=path, n_ctx=n_ctx, n_threads=CORES.cores, n_batch=256, verbose=False)
    llm.set_cache(LlamaRAMCache(capacity_bytes=STATES_BYTES))
    return llm


def use_threads(llm, threads: int) -> None:
    """Compute on this many threads from now on (no reload)."""
    import llama_cpp

    llama_cpp.llama_set_n_threads(llm._ctx.ctx, threads, threads)
    llm.n_threads = llm.n_threads_batch = threads


class LlamaCppBackend(Backend):
    """In-process llama.cpp; the model is loaded once per process and shared, one generation at a time."""

    gate = ModelGate()

    kind = "llamacpp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = MODELS[settings.llamacpp_model]
        self.name = f"llamacpp ({self.model.name})"

    def available(self) -> tuple[bool, str]:
        try:
            import llama_cpp  # noqa: F401
        except ImportError:
            return False, "llama-cpp-python is not installed (pip install -e '.[llm]')"
        if not ready(self.model, self.settings.models_dir):
            return False, (
                f"the {self.model.name} weights are not prepared in {self.settings.models_dir} "
                "(run: python -m assistant model prepare)"
            )
        return True, ""

    def warm(self) -> None:
        _load_llama(str(model_file(self.model, self.settings.models_dir)), self.settings.llm_context)

    def threads(self) -> int:
        """The setting, or (0) as many as the cores other processes leave free now."""
        return self.settings.llm_threads or CORES.free()

    def stream(self, prompt: Prompt) -> Iterator[str]:
        ok, why = self.available()
        if not ok:
            raise LLMError(why)
        settings = self.settings
        release = self.gate.acquire(self.name, settings.llm_queue_timeout, prompt.on_wait)
        try:
            llm = _load_llama(str(model_file(self.model, settings.models_dir)), settings.llm_context)
            use_threads(llm, self.threads())
            chunks = llm.create_chat_completion(
                messages=[{"role": r, "content": c} for r, c in prompt.messages],
                stream=True,
                max_tokens=prompt.max_tokens or settings.max_tokens,
                temperature=settings.temperature,
                repeat_penalty=settings.repeat_penalty,
                seed=settings.seed,
            )
        except ModelUnavailable as exc:
            release()
            raise LLMError(str(exc), "unreachable") from exc
        except Exception as exc:
            release()
            raise LLMError(f"{self.name} failed: {reason_of(exc)}") from exc
        texts = (chunk["choices"][0]["delta"].get("content") or "" for chunk in chunks)
        try:
            yield from pull(texts, self.name, settings.llm_first_token_timeout, settings.llm_timeout, release)
        except LLMError:
            raise
        except Exception as exc:
            raise LLMError(f"{self.name} failed: {reason_of(exc)}") from exc
