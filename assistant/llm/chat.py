"""Backends that are LangChain chat models: Ollama (the production path), any OpenAI-compatible server, and a fake
model with queued replies for tests and demonstrations."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from pydantic import SecretStr

from assistant.llm.base import Backend, LLMError, Messages, Prompt, failure_kind, reason_of
from assistant.llm.limits import pull
from assistant.settings import Settings


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
            kind = "error" if started else failure_kind(exc)
            # the client's read time-out is the same limit as pull's first-token one: whichever fires first, say it
            seconds = self.first_token_timeout if kind == "first_token" else 0.0
            raise LLMError(f"{self.name} failed: {reason_of(exc)}", kind, seconds) from exc

    def complete(self, messages: Messages) -> str:
        """One reply, not streamed (used to condense follow-ups)."""
        try:
            reply = self.model.invoke(messages, **self.complete_kwargs)
        except Exception as exc:
            raise LLMError(f"{self.name} failed: {reason_of(exc)}") from exc
        return reply.content if isinstance(reply.content, str) else ""


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
            return False, f"no Ollama server at {self.host} ({reason_of(exc)})"
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


class FakeBackend(ChatModelBackend):
    """A stand-in model that streams the replies in `fake_replies`, in turn: for tests, demonstrations and the app's
    own checks without a model (in the spirit of private-gpt's mock mode)."""

    def __init__(self, settings: Settings) -> None:
        from langchain_core.language_models import GenericFakeChatModel
        from langchain_core.messages import AIMessage

        replies = itertools.cycle([AIMessage(r) for r in settings.fake_replies])
        super().__init__("fake", "fake", GenericFakeChatModel(messages=replies), settings)
