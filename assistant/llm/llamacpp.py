"""In-process llama.cpp: the model is loaded once per process and shared, one generation at a time."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from assistant.llm.base import Backend, LLMError, Prompt, reason_of
from assistant.llm.gate import ModelGate
from assistant.llm.limits import pull
from assistant.llm.weights import MODELS, ModelUnavailable, model_file, ready
from assistant.settings import Settings


@lru_cache(maxsize=2)
def _load_llama(path: str, n_ctx: int, threads: int):
    from llama_cpp import Llama

    return Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, n_batch=256, verbose=False)


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
        settings = self.settings
        _load_llama(str(model_file(self.model, settings.models_dir)), settings.llm_context, settings.llm_threads)

    def stream(self, prompt: Prompt) -> Iterator[str]:
        ok, why = self.available()
        if not ok:
            raise LLMError(why)
        settings = self.settings
        release = self.gate.acquire(self.name, settings.llm_queue_timeout, prompt.on_wait)
        try:
            llm = _load_llama(
                str(model_file(self.model, settings.models_dir)), settings.llm_context, settings.llm_threads
            )
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
