"""What answering passes from step to step: the question understood, the evidence prepared (shown at once), the
model's writing, and the answer a person keeps. Each step's output is frozen; the next step makes a new one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answering.citations import Citation
from assistant.search.retrieval import Query, Result


@dataclass(frozen=True)
class Understood:
    """A question and what it is asking: its language, the standalone question (a follow-up condensed with the
    conversation), the catalogue codes that names and its vector, each found once."""

    question: str
    standalone: str
    language: str
    audience: str
    codes: tuple[str, ...] = ()
    vector: np.ndarray | None = field(default=None, repr=False)

    @property
    def query(self) -> Query:
        assert self.vector is not None, "a question is embedded when it is understood"
        return Query(self.standalone, self.vector, self.codes, self.language)


@dataclass(frozen=True)
class Strength:
    """How well the retrieved chunks bear on the question."""

    top: float  # best cosine similarity among the retrieved chunks
    coverage: float  # share of the question's words found in them
    known: float  # share of the question's words found anywhere in the corpus

    def strong(self, answer_above: float, refuse_below: float, min_coverage: float, min_known: float) -> bool:
        return self.top >= answer_above or (
            self.top >= refuse_below and self.coverage >= min_coverage and self.known >= min_known
        )


@dataclass(frozen=True)
class Prepared:
    """Everything a reader can be shown before any model writes: the numbered sources (a named code's catalogue card
    first) and the sentences that best support an answer; or a refusal."""

    understood: Understood
    sources: tuple[Result, ...] = ()
    quotes: tuple[tuple[int, str], ...] = ()  # (source number, sentence)
    refused: bool = False

    question = property(lambda self: self.understood.question)
    standalone = property(lambda self: self.understood.standalone)
    language = property(lambda self: self.understood.language)
    audience = property(lambda self: self.understood.audience)
    codes = property(lambda self: list(self.understood.codes))

    @property
    def code(self) -> str | None:
        """The item whose catalogue card is source 1, when the question names one."""
        return self.understood.codes[0] if self.understood.codes else None


@dataclass(frozen=True)
class Written:
    """What the backend that answered wrote."""

    text: str  # all the reader saw: notices, the model's words, the quotes under them
    backend: str
    words: str = ""  # the language model's own words (not the quotes, notices or references)
    notices: tuple[str, ...] = ()
    checked_out: int = 0  # sentences of the model's removed because its sources do not bear them out


@dataclass(frozen=True)
class Answer:
    """The answer a person keeps."""

    prepared: Prepared
    text: str
    backend: str
    refused: bool = False
    citations: tuple[Citation, ...] = ()
    sources: tuple[Result, ...] = ()
    written: str = ""  # the language model's own words
    notices: tuple[str, ...] = ()
    checked_out: int = 0
    cached_at: str = ""  # when the answer was made, if it came from the answer cache
    cache_id: int | None = None  # its entry in the cache (a thumbs-down removes it)

    question = property(lambda self: self.prepared.question)
    standalone = property(lambda self: self.prepared.standalone)
    language = property(lambda self: self.prepared.language)
    audience = property(lambda self: self.prepared.audience)
    codes = property(lambda self: self.prepared.codes)
    code = property(lambda self: self.prepared.code)
    quotes = property(lambda self: self.prepared.quotes)

    def but(self, **changes) -> Answer:
        return replace(self, **changes)

    def as_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "language": self.language,
            "backend": self.backend,
            "refused": self.refused,
            "citations": [c.as_json() for c in self.citations],
            "sources": [s.as_json() for s in self.sources],
        }


@dataclass(frozen=True)
class Turn:
    question: str
    standalone: str
    answer: str
    codes: tuple[str, ...] | None = None  # the codes its standalone question named; None: not known (found when needed)

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        return cls(answer.question, answer.standalone, answer.text, tuple(answer.codes))


class AnswerStream:
    """Iterate for the answer's text as it is produced; `answer` holds the whole answer when the iteration ends."""

    def __init__(self, tokens: Iterator[str | Answer]) -> None:
        self._tokens = tokens
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        for token in self._tokens:
            if isinstance(token, Answer):
                self.answer = token
            else:
                yield token
