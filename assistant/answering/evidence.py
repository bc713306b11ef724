"""Step 2: the evidence. The numbered sources (the catalogue card of a code asked about first, in the reader's
language, then the search results), whether they are strong enough to answer (else a refusal), and the sentences
that best support an answer: everything a reader can be shown at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from assistant.answering.parts import Prepared, Strength, Understood
from assistant.answering.scope import out_of_scope
from assistant.knowledge.cards import render
from assistant.knowledge.catalog import Catalog
from assistant.language import sentences
from assistant.language.tokens import coverage
from assistant.search.retrieval import Query, Result, Retriever
from assistant.settings import Settings


@dataclass(frozen=True)
class Thresholds:
    """When the evidence is strong enough to answer (calibrated in BENCHMARKS.md)."""

    answer_above: float = 0.855
    refuse_below: float = 0.78
    min_coverage: float = 0.7
    min_known: float = 0.4

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(settings.answer_above, settings.refuse_below, settings.min_coverage, settings.min_known)


class Evidence:
    def __init__(
        self,
        catalog: Catalog,
        retriever: Retriever,
        thresholds: Thresholds,
        top_k: int = 5,
        sources: int = 3,
        quotes: int = 3,
        scope_rules: bool = True,
    ) -> None:
        self.catalog = catalog
        self.retriever = retriever
        self.thresholds = thresholds
        self.top_k = top_k
        self.sources = sources  # chunks given to the model
        self.quotes = quotes  # sentences quoted
        self.scope_rules = scope_rules

    def prepare(self, understood: Understood) -> Prepared:
        if self.scope_rules and out_of_scope(understood.standalone, self.retriever.newest_year):
            return Prepared(understood, refused=True)  # a task or a fact no document here can hold
        query = understood.query
        results = self.retriever.search(query, k=self.top_k)
        sources = self.number(understood.codes, results, understood.language)
        if not (understood.codes or self.strong(query, results)):
            return Prepared(understood, tuple(sources), refused=True)
        picked = sentences.quotes(understood.standalone, sources, understood.language, self.quotes)
        return Prepared(understood, tuple(sources), tuple(picked))

    def strength(self, query: Query, results: list[Result]) -> Strength:
        return Strength(
            top=max((r.score for r in results), default=0.0),
            coverage=coverage(query.text, [r.text for r in results]),
            known=self.retriever.known(query.text),
        )

    def strong(self, query: Query, results: list[Result]) -> bool:
        """Is the evidence good enough to answer?"""
        limits = self.thresholds
        return bool(results) and self.strength(query, results).strong(
            limits.answer_above, limits.refuse_below, limits.min_coverage, limits.min_known
        )

    def card(self, code: str, language: str) -> Result:
        """The catalogue card of an item as a source."""
        item = self.catalog.items[code]  # a code from find_codes is in the catalogue
        text = render(self.catalog, item, language)
        return Result(
            rank=0,
            id=f"catalog:{code}",
            text=text,
            score=1.0,
            metadata={
                "title": text.split("\n", 1)[0],
                "source": item.source,
                "as_of": item.as_of,
                "language": language,
                "doc_type": f"catalog_{item.kind}",
                "codes": code,
                "section": code,
                "content_hash": hashlib.sha256(text.encode()).hexdigest()[:16],
            },
        )

    def number(self, codes: tuple[str, ...], results: list[Result], language: str) -> list[Result]:
        """The numbered sources: the catalogue card of the code asked about first (in the reader's language),
        then the search results that are not that item's own documents."""
        if codes:
            rest = [r for r in results if (r.metadata.get("codes") or "").split("|")[0] != codes[0]]
            sources = [self.card(codes[0], language), *rest]
        else:
            sources = list(results)
        sources = sources[: self.sources]
        for rank, source in enumerate(sources, start=1):
            source.rank = rank
        return sources
