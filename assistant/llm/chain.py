"""The backends the settings choose, in the order they are tried: in `auto` that is ollama -> llamacpp ->
extractive, and the answering falls through the chain when a backend is unavailable or fails."""

from __future__ import annotations

from collections.abc import Callable

from assistant.llm.base import Backend
from assistant.llm.chat import FakeBackend, OllamaBackend, OpenAIBackend
from assistant.llm.extractive import ExtractiveBackend
from assistant.llm.llamacpp import LlamaCppBackend
from assistant.settings import Settings

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
