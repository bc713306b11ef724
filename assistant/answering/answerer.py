"""Answering in steps, each in a module of its own:

1. `understanding`: language, standalone question, codes and vector, each found once;
2. `evidence`: the numbered sources, refusal when they are weak, the quotes; `prepare` returns this at once;
3. `writing`: the model's short answer from the quotes, by the first backend of the chain that answers, its
   sentences checked as they stream (`checks`);
4. `citations`: [n] mapped to the sources, and a reference list for students; `reuse`: the answer cache;
   `composition`: the answer's parts in their places.

`Answerer.stream()` runs them all: iterating it yields the model's words as they are written (or the refusal), and
`.answer` then holds the whole `Answer`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from assistant.answering.citations import cited, reference_list
from assistant.answering.evidence import Evidence
from assistant.answering.parts import Answer, AnswerStream, Prepared, Turn, Written
from assistant.answering.prompts import Prompts
from assistant.answering.reuse import Reuse
from assistant.answering.understanding import Understanding
from assistant.answering.writing import Writer
from assistant.llm.base import Backend


class Answerer:
    def __init__(
        self,
        understanding: Understanding,
        evidence: Evidence,
        writer: Writer,
        prompts: Prompts,
        chain: list[Backend],
        reuse: Reuse | None = None,
        audience: str = "citizen",
    ) -> None:
        self.understanding = understanding
        self.evidence = evidence
        self.writer = writer
        self.prompts = prompts
        self.chain = chain
        self.reuse = reuse
        self.audience = audience  # the default audience

    # -- what can be shown at once --------------------------------------------------------------------------------
    def prepare(self, question: str, history: list[Turn] | None = None, audience: str | None = None) -> Prepared:
        understood = self.understanding.understand(question, history or [], audience or self.audience)
        return self.evidence.prepare(understood)

    # -- the answer itself ----------------------------------------------------------------------------------------
    def generate(
        self, prepared: Prepared, backend: str | None = None, on_wait: Callable[[int], None] | None = None
    ) -> AnswerStream:
        """The answer's text as it is written: the refusal, a cached answer, or the first backend of the chain
        that answers. `on_wait` hears the place in the queue while a local model answers other sessions."""
        return AnswerStream(self._generate(prepared, backend, on_wait))

    def _generate(
        self, prepared: Prepared, backend: str | None, on_wait: Callable[[int], None] | None
    ) -> Iterator[str | Answer]:
        if prepared.refused:
            yield from self._refusal(prepared)
            return
        wanted = [b for b in self.chain if (backend is None or b.kind == backend) and b.available()[0]]
        chain = list(dict.fromkeys([*wanted, self.chain[-1]]))  # the extractive backend always closes the chain
        given = self.writer.builder.digest(prepared)
        cached = (
            self.reuse.find(prepared, chain[0].name, given) if self.reuse and chain[0].kind != "extractive" else None
        )
        if cached is not None:
            answer = cached
            yield answer.summary
        else:
            written = None
            for token in self.writer.write(prepared, chain, on_wait):
                if isinstance(token, Written):
                    written = token
                else:
                    yield token
            assert written is not None
            if not (written.words or prepared.quotes or prepared.card):  # nothing worth showing
                yield from self._refusal(prepared)
                return
            answer = Answer(
                prepared,
                summary=written.words,
                backend=written.backend,
                sources=prepared.sources,
                notices=written.notices,
                checked_out=written.checked_out,
                cut=written.cut,
            )
            if self.reuse and not written.failed and chain[0].kind != "extractive":
                answer = answer.but(cache_id=self.reuse.keep(answer, given))
        answer = answer.but(citations=tuple(cited(answer.text, list(answer.sources))))
        if answer.audience == "student" and answer.citations:
            answer = answer.but(references=reference_list(list(answer.citations), answer.language))
        yield answer

    def _refusal(self, prepared: Prepared) -> Iterator[str | Answer]:
        text = self.prompts.get("refusal", prepared.language)
        yield text
        yield Answer(prepared, backend="refusal", refused=True, refusal=text, sources=prepared.sources)

    # -- both steps -----------------------------------------------------------------------------------------------
    def stream(
        self, question: str, history: list[Turn] | None = None, audience: str | None = None, backend: str | None = None
    ) -> AnswerStream:
        def run() -> Iterator[str | Answer]:
            yield from self._generate(self.prepare(question, history, audience), backend, None)

        return AnswerStream(run())

    def ask(
        self, question: str, history: list[Turn] | None = None, audience: str | None = None, backend: str | None = None
    ) -> Answer:
        stream = self.stream(question, history, audience, backend)
        for _ in stream:
            pass
        assert stream.answer is not None
        return stream.answer
