"""What answering passes from step to step: the question understood, the evidence prepared (shown at once), the
model's writing, and the answer a person keeps. Each step's output is frozen; the next step makes a new one.

An answer is composed of parts that keep their places on the screen and in every export: the model's short summary
(marked as written by a language model), the catalogue card of a code asked about, and the quotes from the sources,
each cited; or a refusal in the same place as a summary."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answering.citations import Citation
from assistant.search.retrieval import Query, Result


@dataclass(frozen=True)
class Quote:
    n: int  # the number of the source it is from
    text: str  # a whole sentence (or a lead-in with its list), as it stands in the source
    language: str
    score: float = 0.0
    shaped: bool = False  # it holds what the question asks for: a number for "how many", a reason for "why"


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
    focus: float = 1.0  # how much of the question one sentence of them holds, rare words weighing most

    def strong(
        self, answer_above: float, refuse_below: float, min_coverage: float, min_known: float, min_focus: float = 0.0
    ) -> bool:
        """Close enough (by cosine, or by cosine and words), and one sentence holds what makes the question specific:
        the evidence answers this question, not only shares its words."""
        close = self.top >= answer_above or (
            self.top >= refuse_below and self.coverage >= min_coverage and self.known >= min_known
        )
        return close and self.focus >= min_focus


@dataclass(frozen=True)
class Prepared:
    """Everything a reader can be shown before any model writes: the numbered sources (a named code's catalogue card
    first) and the sentences that best support an answer; or a refusal."""

    understood: Understood
    sources: tuple[Result, ...] = ()
    quotes: tuple[Quote, ...] = ()
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

    @property
    def card(self) -> Result | None:
        """The catalogue card of the code asked about (source 1), shown whole."""
        first = self.sources[0] if self.sources else None
        return first if self.code and first is not None and first.id == f"catalog:{self.code}" else None


@dataclass(frozen=True)
class Written:
    """What a language model wrote: its summary, checked sentence by sentence."""

    words: str  # the summary as the reader saw it (empty: no model wrote)
    backend: str  # the backend that wrote it, or "extractive" (no model)
    notices: tuple[str, ...] = ()  # a model skipped or cut short, in the reader's language
    checked_out: int = 0  # sentences left out because their sources do not bear them out
    cut: int = 0  # unfinished sentences dropped at the model's length limit
    failed: bool = False  # a backend was skipped or cut short: this answer is not what the chain would write again


@dataclass(frozen=True)
class Answer:
    """The answer a person keeps: the parts shown at once (card, quotes) and the model's summary or a refusal."""

    prepared: Prepared
    summary: str = ""  # the language model's words (empty: no model wrote)
    backend: str = ""
    refused: bool = False
    refusal: str = ""  # said politely, in the reader's language, where a summary would be
    citations: tuple[Citation, ...] = ()
    sources: tuple[Result, ...] = ()
    notices: tuple[str, ...] = ()
    checked_out: int = 0
    cut: int = 0
    references: str = ""  # for students: the sources as a reference list
    cached_at: str = ""  # when the answer was made, if it came from the answer cache
    cache_id: int | None = None  # its entry in the cache (a thumbs-down removes it)

    question = property(lambda self: self.prepared.question)
    standalone = property(lambda self: self.prepared.standalone)
    language = property(lambda self: self.prepared.language)
    audience = property(lambda self: self.prepared.audience)
    codes = property(lambda self: self.prepared.codes)
    code = property(lambda self: self.prepared.code)
    quotes = property(lambda self: self.prepared.quotes)
    card = property(lambda self: self.prepared.card)

    @property
    def written(self) -> str:
        """The language model's own words (for the checks)."""
        return self.summary

    @property
    def text(self) -> str:
        """The whole answer as Markdown, its parts in their places (for the terminal, exports and feedback)."""
        from assistant.answering.composition import markdown

        return markdown(self)

    def but(self, **changes) -> Answer:
        return replace(self, **changes)

    def as_json(self) -> dict:
        from assistant.answering.composition import as_json

        return as_json(self)


@dataclass(frozen=True)
class Turn:
    question: str
    standalone: str
    answer: str
    codes: tuple[str, ...] | None = None  # the codes its standalone question named; None: not known (found when needed)

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        said = answer.summary or " ".join(quote.text for quote in answer.quotes) or answer.refusal
        return cls(answer.question, answer.standalone, said, tuple(answer.codes))


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
