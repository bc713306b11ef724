"""No language model at all: the sentences of the sources that best match the question, quoted and cited."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.language import sentences
from assistant.llm.base import Backend, LLMError, Messages, Prompt


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
