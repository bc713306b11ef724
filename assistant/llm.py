"""LLM backends behind one interface: Ollama, llama.cpp (in-process), OpenAI-compatible, and extractive (no LLM).

`backends(settings)` returns the chain the settings choose; in `auto` that is ollama -> llamacpp -> extractive,
and the answering falls through the chain when a backend is unavailable or fails.
"""
from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator

from assistant import sentences
from assistant.lexical import tokens
from assistant.models import MODELS, ModelUnavailable, model_file, ready
from assistant.settings import Settings

Messages = list[tuple[str, str]]  # (role, content)


class LLMError(RuntimeError):
    """A backend failed (unreachable, timed out, error reply); the message is fit to show."""


@dataclass
class Prompt:
    messages: Messages
    question: str
    language: str
    sources: list[Any] = field(default_factory=list)  # retrieval Results, numbered 1..n in the prompt
    intro: str = ""  # the extractive backend's opening line


class Backend(ABC):
    name: str

    @abstractmethod
    def available(self) -> tuple[bool, str]:
        """(usable now, why not)."""

    @abstractmethod
    def stream(self, prompt: Prompt) -> Iterator[str]:
        """Answer tokens as they are produced; raises LLMError."""

    def complete(self, messages: Messages) -> str:
        return "".join(self.stream(Prompt(messages=messages, question="", language="")))


class ChatModelBackend(Backend):
    """Any LangChain chat model (ChatOllama, ChatOpenAI, or a fake one in tests)."""

    def __init__(self, name: str, model, timeout: float, complete_kwargs: dict | None = None) -> None:
        self.name = name
        self.model = model
        self.timeout = timeout
        self.complete_kwargs = complete_kwargs or {}

    def available(self) -> tuple[bool, str]:
        return True, ""

    def stream(self, prompt: Prompt) -> Iterator[str]:
        started = time.monotonic()
        try:
            for chunk in self.model.stream(prompt.messages):
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    yield text
                if time.monotonic() - started > self.timeout:
                    raise LLMError(f"{self.name} took longer than {self.timeout:.0f} s")
        except LLMError:
            raise
        except Exception as exc:  # connection refused, HTTP errors, read time-outs, bad replies
            raise LLMError(f"{self.name} failed: {_reason(exc)}") from exc

    def complete(self, messages: Messages) -> str:
        """One reply, not streamed (used to condense follow-ups)."""
        try:
            reply = self.model.invoke(messages, **self.complete_kwargs)
        except Exception as exc:
            raise LLMError(f"{self.name} failed: {_reason(exc)}") from exc
        return reply.content if isinstance(reply.content, str) else ""


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


class OllamaBackend(ChatModelBackend):
    def __init__(self, settings: Settings) -> None:
        from langchain_ollama import ChatOllama

        self.host = settings.ollama_host
        self.model_name = settings.ollama_model
        model = ChatOllama(
            model=settings.ollama_model, base_url=settings.ollama_host, temperature=settings.temperature,
            num_predict=settings.max_tokens, repeat_penalty=settings.repeat_penalty, num_ctx=settings.llm_context,
            seed=settings.seed, client_kwargs={"timeout": settings.llm_timeout},
        )
        super().__init__(f"ollama ({settings.ollama_model})", model, settings.llm_timeout, {"stream": False})

    def available(self) -> tuple[bool, str]:
        """The server answers, lists the model, and the model can chat (checked every call: servers come and go)."""
        import ollama

        client = ollama.Client(host=self.host, timeout=3)
        try:
            names = {m.model for m in client.list().models}
            wanted = self.model_name if ":" in self.model_name else f"{self.model_name}:latest"
            if wanted not in names and self.model_name not in names:
                return False, f"Ollama at {self.host} has no model {self.model_name} (run: ollama pull {self.model_name})"
            capabilities = client.show(self.model_name).capabilities or ["completion"]
        except Exception as exc:
            return False, f"no Ollama server at {self.host} ({_reason(exc)})"
        if "completion" not in capabilities:
            return False, f"{self.model_name} cannot chat (capabilities: {', '.join(capabilities)})"
        return True, ""


class OpenAIBackend(ChatModelBackend):
    def __init__(self, settings: Settings) -> None:
        from langchain_openai import ChatOpenAI

        self.base_url = settings.openai_base_url
        model = ChatOpenAI(
            model=settings.openai_model, base_url=settings.openai_base_url, api_key=settings.openai_api_key,
            temperature=settings.temperature, max_tokens=settings.max_tokens, timeout=settings.llm_timeout,
            max_retries=0, seed=settings.seed,
        )
        super().__init__(f"openai ({settings.openai_model})", model, settings.llm_timeout)

    def available(self) -> tuple[bool, str]:
        if not self.base_url:
            return False, "ASSISTANT_OPENAI_BASE_URL is not set"
        return True, ""


@lru_cache(maxsize=2)
def _load_llama(path: str, n_ctx: int, threads: int):
    from llama_cpp import Llama

    return Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, n_batch=256, verbose=False)


class LlamaCppBackend(Backend):
    """In-process llama.cpp; the model is loaded once per process and shared."""

    _lock = threading.Lock()  # one generation at a time: the context is not re-entrant

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
            return False, (f"the {self.model.name} weights are not prepared in {self.settings.models_dir} "
                           "(run: python -m assistant model prepare)")
        return True, ""

    def stream(self, prompt: Prompt) -> Iterator[str]:
        ok, why = self.available()
        if not ok:
            raise LLMError(why)
        s = self.settings
        started = time.monotonic()
        with self._lock:
            try:
                llm = _load_llama(str(model_file(self.model, s.models_dir)), s.llm_context, s.llm_threads)
                chunks = llm.create_chat_completion(
                    messages=[{"role": r, "content": c} for r, c in prompt.messages], stream=True,
                    max_tokens=s.max_tokens, temperature=s.temperature, repeat_penalty=s.repeat_penalty,
                    seed=s.seed,
                )
                for chunk in chunks:
                    text = chunk["choices"][0]["delta"].get("content") or ""
                    if text:
                        yield text
                    if time.monotonic() - started > s.llm_timeout:
                        raise LLMError(f"{self.name} took longer than {s.llm_timeout:.0f} s")
            except (LLMError, ModelUnavailable):
                raise
            except Exception as exc:
                raise LLMError(f"{self.name} failed: {_reason(exc)}") from exc


class ExtractiveBackend(Backend):
    """No LLM: the sentences of the sources that best match the question, quoted and cited."""

    name = "extractive"

    def __init__(self, max_sentences: int = 3) -> None:
        self.max_sentences = max_sentences

    def available(self) -> tuple[bool, str]:
        return True, ""

    def stream(self, prompt: Prompt) -> Iterator[str]:
        wanted = set(tokens(prompt.question, ("nb", "en")))
        scored = []
        for n, source in enumerate(prompt.sources, start=1):
            same_language = source.metadata.get("language") == prompt.language
            for pos, sentence in enumerate(sentences.split(source.text)):
                if len(sentence) < 25 or sentences.INSTRUCTION.search(sentence):
                    continue  # too short to say anything, or an instruction planted in a document
                share = sentences.overlap(wanted, sentence)
                if share:
                    scored.append((share + 0.15 * same_language + 0.1 / (n + pos) + 0.05 * (n == 1), n, pos, sentence))
        best = sorted(scored, key=lambda t: -t[0])[: self.max_sentences]
        if not best:
            return
        yield prompt.intro + "\n\n" if prompt.intro else ""
        for _, n, _, sentence in sorted(best, key=lambda t: (t[1], t[2])):
            yield f"> «{sentence}» [{n}]\n\n"

    def complete(self, messages: Messages) -> str:
        raise LLMError("the extractive backend cannot write text")


BACKENDS = {"ollama": OllamaBackend, "llamacpp": LlamaCppBackend, "openai": OpenAIBackend}


def backends(settings: Settings) -> list[Backend]:
    """The chain to try, in order. The extractive backend always closes it, so there is always an answer."""
    names = ["ollama", "llamacpp"] if settings.llm_backend == "auto" else [settings.llm_backend]
    chain: list[Backend] = [BACKENDS[n](settings) for n in names if n in BACKENDS]
    return chain + [ExtractiveBackend()]
