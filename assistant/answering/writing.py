"""Step 3: the model's short answer. The first backend of the chain that answers writes it from the quotes the reader
already sees; its sentences are checked as they stream (`checks.Vetter`), and a sentence left unfinished at the
length limit is dropped. A backend that fails before its first token is skipped with a notice in the reader's
language; one that fails later keeps what was shown and says it was cut. The extractive backend writes nothing:
the quotes are the answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from assistant.answering.checks import Vetter
from assistant.answering.citations import tidy_citations
from assistant.answering.parts import Prepared, Written
from assistant.answering.prompts import MessageBuilder
from assistant.knowledge.catalog import Catalog
from assistant.language import sentences
from assistant.llm.base import Backend, LLMError, Prompt
from assistant.texts import Section

TEXT = Section("answer")
LABEL = re.compile(r"^\s*(svar|answer|kort svar|short answer)\s*:\s*", re.IGNORECASE)


class Writer:
    def __init__(
        self,
        catalog: Catalog,
        builder: MessageBuilder,
        max_tokens: Mapping[Any, int],
        check: bool = True,
        lowercase: Callable[[], frozenset[str]] = frozenset,
    ) -> None:
        self.catalog = catalog
        self.builder = builder
        self.max_tokens = max_tokens  # by audience
        self.check = check  # leave out a model's sentences its sources do not bear out
        self.lowercase = lowercase  # the words the index writes in lower case (a capitalised one is no name)

    def write(
        self, prepared: Prepared, chain: list[Backend], on_wait: Callable[[int], None] | None = None
    ) -> Iterator[str | Written]:
        """The summary as the first backend of `chain` that answers writes it, then (last) what was `Written`."""
        lang = prepared.language
        limit = self.max_tokens.get(prepared.audience)
        prompt = Prompt(messages=self.builder.messages(prepared), max_tokens=limit, on_wait=on_wait)
        notices: list[str] = []
        for index, candidate in enumerate(chain):
            if candidate.kind == "extractive":
                yield Written("", candidate.name, tuple(notices), failed=bool(notices))
                return
            shown: list[str] = []
            vetter = self._vetter(prepared)
            whole = WholeSentences(limit or 0, lang)
            tokens = whole(_unlabelled(tidy_citations(whole.counted(candidate.stream(prompt)))))
            if self.check:
                tokens = vetter(tokens)
            try:
                for token in tokens:
                    shown.append(token)
                    yield token
            except LLMError as exc:
                reason = TEXT[lang]["reasons"][exc.kind].format(seconds=f"{exc.seconds:.0f}")
                if not shown:  # nothing shown yet: the next backend answers, and the reader is told why
                    following = chain[index + 1]  # the last, extractive, never fails
                    instead = (
                        TEXT[lang]["instead_extractive"]
                        if following.kind == "extractive"
                        else TEXT[lang]["instead_model"].format(next=following.name)
                    )
                    notices.append(f"{TEXT[lang]['skipped'].format(failed=candidate.name, reason=reason)} {instead}")
                    continue
                notices.append(TEXT[lang]["cut"].format(reason=reason))  # what the reader saw is kept, said cut
            failed = bool(notices)
            if vetter.checked_out:
                notices.append(TEXT[lang]["checked_out"].format(count=vetter.checked_out))
            words = "".join(shown).strip()
            yield Written(words, candidate.name, tuple(notices), vetter.checked_out, whole.cut, failed)
            return
        yield Written("", "", tuple(notices), failed=True)

    def _vetter(self, prepared: Prepared) -> Vetter:
        def name_of(number: int) -> str | None:
            code = (prepared.sources[number - 1].metadata.get("codes") or "").split("|")[0]
            item = self.catalog.items.get(code)
            return f"{item.code} {item.label(prepared.language)}" if item else None

        # what the model was given: the quotes, and the card of a code asked about
        given = [
            " ".join([*(q.text for q in prepared.quotes if q.n == n)] + ([s.text] if s is prepared.card else []))
            for n, s in enumerate(prepared.sources, start=1)
        ]
        instructions = self.builder.instructions(prepared)
        return Vetter(given, prepared.standalone, instructions, name_of, prepared.language, self.lowercase())


class WholeSentences:
    """Passes a model's text through, holding back what follows the last finished sentence; when the model stopped
    at its length limit (`limit` tokens streamed, counted by `counted` as they come from the model), that unfinished
    tail is dropped and counted in `cut`."""

    def __init__(self, limit: int, language: str) -> None:
        self.limit = limit
        self.language = language
        self.cut = 0
        self.tokens = 0

    def counted(self, tokens: Iterator[str]) -> Iterator[str]:
        for token in tokens:
            self.tokens += 1
            yield token

    def __call__(self, tokens: Iterator[str]) -> Iterator[str]:
        held = ""
        try:
            for token in tokens:
                held += token
                end = sentences.last_end(held, self.language)
                if end:
                    yield held[:end]
                    held = held[end:]
        except LLMError:  # a sentence finished before the failure (its next one not yet begun) is kept
            if sentences.finished(held, self.language):
                yield held
            raise
        stopped = self.limit and self.tokens >= self.limit - 1
        if held.strip() and stopped and not sentences.finished(held, self.language):
            self.cut += 1  # the model was stopped in the middle of a sentence
        elif held.strip():
            yield held


def _unlabelled(tokens: Iterator[str]) -> Iterator[str]:
    """The model's words without a label it may copy from the example ("Svar:"), looked for in its first words."""
    start, started = "", False
    for token in tokens:
        if started:
            yield token
            continue
        start += token
        if len(start) >= 16 or start.rstrip().endswith((".", "?", "!")):
            started = True
            yield LABEL.sub("", start)
    if not started and start:
        yield LABEL.sub("", start)
