"""No language model at all: the quotes the reader is shown are the whole answer, so this backend writes nothing.
It closes every chain, so there is always an answer."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.llm.base import Backend, LLMError, Messages, Prompt


class ExtractiveBackend(Backend):
    kind = name = "extractive"

    def available(self) -> tuple[bool, str]:
        return True, ""

    def stream(self, prompt: Prompt) -> Iterator[str]:
        return iter(())

    def complete(self, messages: Messages) -> str:
        raise LLMError("the extractive backend cannot write text")
