"""What every language model backend is: one interface (`Backend.stream` of a `Prompt`), and `LLMError` for the
ways it can fail, each told to the reader in their language."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Messages = list[tuple[str, str]]  # (role, content)


class LLMError(RuntimeError):
    """A backend failed. `kind` says how, for a message in the reader's language: "unreachable", "busy" (waited
    `seconds` for other sessions' answers), "first_token" (no token `seconds` after generation started), "total"
    (the whole answer took over `seconds`) or "error"; str(error) is the operator's detail."""

    def __init__(self, detail: str, kind: str = "error", seconds: float = 0.0) -> None:
        super().__init__(detail)
        self.kind = kind
        self.seconds = seconds


@dataclass
class Prompt:
    messages: Messages
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
        return "".join(self.stream(Prompt(messages=messages)))

    def warm(self) -> None:  # noqa: B027 - most backends have nothing to load
        """Load what the first answer would otherwise wait for (a local model's weights); nothing by default."""


def reason_of(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def failure_kind(exc: Exception) -> str:
    """ "unreachable" for a refused or dropped connection, a time-out between bytes counts as no answer."""
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    if names & {"ConnectError", "ConnectionError", "APIConnectionError", "ConnectionRefusedError"}:
        return "unreachable"
    if names & {"ReadTimeout", "TimeoutException", "APITimeoutError", "Timeout"}:
        return "first_token"
    return "error"
