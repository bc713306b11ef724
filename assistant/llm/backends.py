"""LLM backends behind one interface: Ollama, llama.cpp (in-process), OpenAI-compatible, and extractive (no LLM).

`backends(settings)` returns the chain the settings choose; in `auto` that is ollama -> llamacpp -> extractive,
and the answering falls through the chain when a backend is unavailable or fails.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import SecretStr

from assistant.language import sentences
from assistant.llm.weights import MODELS, ModelUnavailable, model_file, ready
from assistant.settings import Settings

Messages = list[tuple[str, str]]  # (role, content)


class LLMError(RuntimeError):
    """A backend failed. `kind` says how, for a message in the reader's language: "unreachable", "busy" (waited
    `seconds` for other sessions' answers), "first_token" (no token `seconds` after generation started), "total"
    (the whole answer took over `seconds`) or "error"; str(error) is the operator's detail."""

    def __init__(self, detail: str, kind: str = "error", seconds: float = 0.0) -> None:
        super().__init__(detail)
        self.kind = kind
        self.seconds = seconds


class ModelGate:
    """One generation at a time (a llama.cpp context is not re-entrant), first come first served. Time spent
    waiting here is not the model's: the answer's own time limits start when the turn comes."""

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._queue: list[object] = []

    def waiting(self) -> int:
        with self._turns:
            return max(len(self._queue) - 1, 0)

    def acquire(self, name: str, timeout: float, on_wait: Callable[[int], None] | None = None) -> Callable[[], None]:
        """Wait for the turn (LLMError "busy" after `timeout` s); returns the function that ends it. While waiting,
        `on_wait` hears the number of answers ahead (called in the waiting thread, at most once a second)."""
        ticket = object()
        with self._turns:
            self._queue.append(ticket)
            deadline = time.monotonic() + timeout
            told = None
            while self._queue[0] is not ticket:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._queue.remove(ticket)
                    self._turns.notify_all()
                    raise LLMError(f"{name} was busy with other answers for {timeout:.0f} s", "busy", timeout)
                ahead = self._queue.index(ticket)
                if on_wait and ahead != told:
                    told = ahead
                    on_wait(ahead)
                self._turns.wait(min(remaining, 1.0))

        def release() -> None:
            with self._turns:
                self._queue.remove(ticket)
                self._turns.notify_all()

        return release


def pull(
    source: Iterator[str], name: str, first_token: float, total: float, release: Callable[[], None] = lambda: None
) -> Iterator[str]:
    """The tokens of `source`, within time limits counted from now (the start of generation).

    The source is read in a worker thread, so a limit holds even while it is blocked (a model reading its
    prompt). When the reader stops (a new question) or a limit passes, the worker stops at the next token, closes
    the source (a generation, an HTTP stream) and then calls `release`."""
    items: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            for token in source:
                if stop.is_set():
                    break
                items.put(("token", token))
            items.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the reader's thread
            items.put(("error", exc))
        finally:
            getattr(source, "close", lambda: None)()
            release()

    threading.Thread(target=work, name=f"generate {name}", daemon=True).start()
    started = time.monotonic()
    first = True
    try:
        while True:
            kind, limit = ("first_token", first_token) if first else ("total", total)
            try:
                what, value = items.get(timeout=max(started + limit - time.monotonic(), 0.001))
            except queue.Empty:
                detail = f"gave no token within {limit:.0f} s" if first else f"took longer than {limit:.0f} s"
                raise LLMError(f"{name} {detail}", kind, limit) from None
            if what == "end":
                return
            if what == "error":
                raise value
            if value:
                first = False
                yield value
    finally:
        stop.set()


@dataclass
class Prompt:
    messages: Messages
    question: str
    language: str
    sources: list[Any] = field(default_factory=list)  # retrieval Results, numbered 1..n in the prompt
    intro: str = ""  # the extractive backend's opening line
    max_tokens: int | None = None  # the answer's length limit (by audience); None: the backend's setting
    on_wait: Callable[[int], None] | None = None  # hears the place in the queue while a local model is busy


class Backend(ABC):
    kind: str  # what the settings call it: "ollama", "llamacpp", "openai", "extractive", "fake"
    name: str  # what a person is shown: the kind and the model

    @abstractmethod
    def available(self) -> tuple[bool, str]:
        """(usable now, why not)."""

    @abstractmethod
    def stream(self, prompt: Prompt) -> Iterator[str]:
        """Answer tokens as they are produced; raises LLMError."""

    def complete(self, messages: Messages) -> str:
        return "".join(self.stream(Prompt(messages=messages, question="", language="")))

    def warm(self) -> None:  # noqa: B027 - most backends have nothing to load
        """Load what the first answer would otherwise wait for (a local model's weights); nothing by default."""


class ChatModelBackend(Backend):
    """Any LangChain chat model (ChatOllama, ChatOpenAI, or the fake one)."""

    limit_field: str | None = None  # the chat model's field for the answer's length, set per answer

    def __init__(self, kind: str, name: str, model, settings: Settings, complete_kwargs: dict | None = None) -> None:
        self.kind = kind
        self.name = name
        self.model = model
        self.first_token_timeout = settings.llm_first_token_timeout
        self.timeout = settings.llm_timeout
        self.complete_kwargs = complete_kwargs or {}

    def available(self) -> tuple[bool, str]:
        return True, ""

    def stream(self, prompt: Prompt) -> Iterator[str]:
        model = self.model
        if self.limit_field and prompt.max_tokens:
            model = model.model_copy(update={self.limit_field: prompt.max_tokens})
        chunks = (c.content if isinstance(c.content, str) else "" for c in model.stream(prompt.messages))
        started = False
        try:
            for token in pull(chunks, self.name, self.first_token_timeout, self.timeout):
                started = True
                yield token
        except LLMError:
            raise
        except Exception as exc:  # connection refused, HTTP errors, read time-outs, bad replies
            # a connection dropped after the answer began was reached: it failed mid-answer
            raise LLMError(f"{self.name} failed: {_reason(exc)}", "error" if started else _kind(exc)) from exc

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


def _kind(exc: Exception) -> str:
    """ "unreachable" for a refused or dropped connection, a time-out between bytes counts as no answer."""
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    if names & {"ConnectError", "ConnectionError", "APIConnectionError", "ConnectionRefusedError"}:
        return "unreachable"
    if names & {"ReadTimeout", "TimeoutException", "APITimeoutError", "Timeout"}:
        return "first_token"
    return "error"


class OllamaBackend(ChatModelBackend):
    def __init__(self, settings: Settings) -> None:
        from langchain_ollama import ChatOllama

        self.host = settings.ollama_host
        self.model_name = settings.ollama_model
        model = ChatOllama(
            model=settings.ollama_model,
            base_url=settings.ollama_host,
            temperature=settings.temperature,
            num_predict=settings.max_tokens,
            repeat_penalty=settings.repeat_penalty,
            num_ctx=settings.llm_context,
            seed=settings.seed,
            client_kwargs={"timeout": settings.llm_first_token_timeout},  # the longest silence
        )
        super().__init__("ollama", f"ollama ({settings.ollama_model})", model, settings, {"stream": False})
        self.limit_field = "num_predict"

    def available(self) -> tuple[bool, str]:
        """The server answers, lists the model, and the model can chat (checked every call: servers come and go)."""
        import ollama

        client = ollama.Client(host=self.host, timeout=3)
        try:
            names = {m.model for m in client.list().models}
            wanted = self.model_name if ":" in self.model_name else f"{self.model_name}:latest"
            if wanted not in names and self.model_name not in names:
                return (
                    False,
                    f"Ollama at {self.host} has no model {self.model_name} (run: ollama pull {self.model_name})",
                )
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
            model=settings.openai_model,
            base_url=settings.openai_base_url,
            api_key=SecretStr(settings.openai_api_key),
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            timeout=settings.llm_first_token_timeout,
            max_retries=0,
            seed=settings.seed,  # the longest silence
        )
        super().__init__("openai", f"openai ({settings.openai_model})", model, settings)
        self.limit_field = "max_tokens"

    def available(self) -> tuple[bool, str]:
        if not self.base_url:
            return False, "ASSISTANT_OPENAI_BASE_URL is not set"
        return True, ""


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
            raise LLMError(f"{self.name} failed: {_reason(exc)}") from exc
        texts = (chunk["choices"][0]["delta"].get("content") or "" for chunk in chunks)
        try:
            yield from pull(texts, self.name, settings.llm_first_token_timeout, settings.llm_timeout, release)
        except LLMError:
            raise
        except Exception as exc:
            raise LLMError(f"{self.name} failed: {_reason(exc)}") from exc


class ExtractiveBackend(Backend):
    """No LLM: the sentences of the sources that best match the question, quoted and cited."""

    kind = name = "extractive"

    def __init__(self, max_sentences: int = 3) -> None:
        self.max_sentences = max_sentences

    def available(self) -> tuple[bool, str]:
        return True, ""

    def stream(self, prompt: Prompt) -> Iterator[str]:
        pairs = sentences.quotes(prompt.question, prompt.sources, prompt.language, self.max_sentences)
        if pairs:
            yield (prompt.intro + "\n\n" if prompt.intro else "") + sentences.quoted(pairs)

    def complete(self, messages: Messages) -> str:
        raise LLMError("the extractive backend cannot write text")


class FakeBackend(ChatModelBackend):
    """A stand-in model that streams the replies in `fake_replies`, in turn: for tests, demonstrations and the app's
    own checks without a model (in the spirit of private-gpt's mock mode)."""

    def __init__(self, settings: Settings) -> None:
        from langchain_core.language_models import GenericFakeChatModel
        from langchain_core.messages import AIMessage

        replies = itertools.cycle([AIMessage(r) for r in settings.fake_replies])
        super().__init__("fake", "fake", GenericFakeChatModel(messages=replies), settings)


BACKENDS: dict[str, Callable[[Settings], Backend]] = {
    "ollama": OllamaBackend,
    "llamacpp": LlamaCppBackend,
    "openai": OpenAIBackend,
    "fake": FakeBackend,
}


def backends(settings: Settings) -> list[Backend]:
    """The chain to try, in order. The extractive backend always closes it, so there is always an answer."""
    names = ["ollama", "llamacpp"] if settings.llm_backend == "auto" else [settings.llm_backend]
    chain: list[Backend] = [BACKENDS[n](settings) for n in names if n in BACKENDS]
    return chain + [ExtractiveBackend()]
