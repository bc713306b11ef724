"""Step 2: the evidence. The numbered sources (the catalogue card of a code asked about first, in the reader's
language, then the search results), whether they are strong enough to answer (else a refusal), and the sentences
that best answer the question (`quotes`): everything a reader can be shown at once, and all a model is given."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from assistant.answering.parts import Prepared, Quote, Strength, Understood
from assistant.answering.scope import out_of_scope
from assistant.knowledge.cards import render
from assistant.knowledge.catalog import Catalog
from assistant.language import registry
from assistant.language.injection import addresses_assistant
from assistant.language.names import named_in, names, placed
from assistant.language.planted import PlantedFilter
from assistant.language.sentences import body, overlap, section, split, units
from assistant.language.tokens import coverage, tokens
from assistant.search.embedders import Embedder
from assistant.search.ranking import sentence_shape
from assistant.search.retrieval import Query, Result, Retriever
from assistant.settings import Settings

# The quotes: the sentences of the sources that best answer the question, quoted as they stand, chosen for how well
# they answer it (their meaning against the question's, by the same embedder as the search, and the words they share
# with it), never a sentence that speaks to an assistant instead of a reader (`language.injection`). The reader sees
# them at once; the model is given the same sentences, so its summary can only restate what is on the screen.
WORDS = 0.5  # weight of the words shared with the question against the likeness of meaning (cosine)
OWN_LANGUAGE = 0.02  # a sentence in the reader's language goes first among equals
SHAPED = 0.25  # a sentence with what the question asks for: a number for "how many", a reason for "why"
NONE: frozenset[int] = frozenset()


class QuoteFinder:
    def __init__(self, embedder: Embedder, limit: int = 3, planted: PlantedFilter | None = None) -> None:
        self.embedder = embedder
        self.limit = limit
        self.planted = planted  # sentences that instruct their reader, told by meaning (the rules come first)

    def find(
        self,
        question: str,
        vector: np.ndarray,
        sources: list[Result],
        language: str,
        skip: frozenset[int] = frozenset(),
    ) -> list[Quote]:
        """The best sentences of `sources` (numbered from 1; those in `skip` left out), in source order."""
        candidates: list[tuple[int, int, str, str]] = []
        for number, source in enumerate(sources, start=1):
            if number in skip:
                continue
            lang = source.metadata.get("language") or registry.default()
            for position, sentence in enumerate(units(body(source.text), lang, section(source.text))):
                if not addresses_assistant(sentence):
                    candidates.append((number, position, sentence, lang))
        if not candidates:
            return []
        vectors = self.embedder.passages([c[2] for c in candidates])
        if self.planted is not None:
            ordinary = ~self.planted.planted(vectors)
            candidates = [c for c, keep in zip(candidates, ordinary) if keep]
            vectors = vectors[ordinary]
        likeness = vectors @ vector.astype(np.float32)
        wanted = set(tokens(question))
        shape = sentence_shape(question) or (lambda sentence: False)
        scored = [
            (
                float(like)
                + WORDS * overlap(wanted, sentence)
                + OWN_LANGUAGE * (lang == language)
                + SHAPED * shape(sentence),
                number,
                pos,
            )
            for like, (number, pos, sentence, lang) in zip(likeness, candidates)
        ]
        texts = {(number, pos): sentence for number, pos, sentence, _ in candidates}
        keep: dict[tuple[int, int], float] = {}
        for score, number, pos in sorted(scored, key=lambda s: -s[0]):
            if len(keep) == self.limit:
                break
            if texts[(number, pos)] not in {texts[key] for key in keep}:  # overlapping chunks repeat sentences
                keep[(number, pos)] = score
        return [
            Quote(number, sentence, lang, round(keep[(number, pos)], 4), shape(sentence))
            for number, pos, sentence, lang in candidates
            if (number, pos) in keep
        ]


@dataclass(frozen=True)
class Thresholds:
    """When the evidence is strong enough to answer (calibrated in BENCHMARKS.md)."""

    answer_above: float = 0.87
    refuse_below: float = 0.83
    min_coverage: float = 0.4
    min_known: float = 0.8
    min_focus: float = 0.3

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        names = ("answer_above", "refuse_below", "min_coverage", "min_known", "min_focus")
        return cls(*(getattr(settings, name) for name in names))


class Evidence:
    def __init__(
        self,
        catalog: Catalog,
        retriever: Retriever,
        thresholds: Thresholds,
        quotes: QuoteFinder,
        top_k: int = 5,
        sources: int = 3,
        scope_rules: bool = True,
    ) -> None:
        self.catalog = catalog
        self.retriever = retriever
        self.thresholds = thresholds
        self.quotes = quotes
        self.top_k = top_k
        self.sources = sources  # the numbered sources, quoted from and given to the model
        self.scope_rules = scope_rules

    def prepare(self, understood: Understood) -> Prepared:
        if self.scope_rules and out_of_scope(understood.standalone, self.retriever.newest_year):
            return Prepared(understood, refused=True)  # a task or a fact no document here can hold
        query = understood.query
        results = self.retriever.search(query, k=self.top_k)
        sources = self.number(understood.codes, results, understood.language)
        strangers = self.strangers(understood.standalone, understood.language, results)
        if strangers or not (understood.codes or self.strong(query, results)):
            return Prepared(understood, tuple(sources), refused=True)
        assert understood.vector is not None
        card = frozenset({1} if understood.codes else ())  # the card of a code asked about is shown whole
        picked = self.quotes.find(understood.standalone, understood.vector, sources, understood.language, card)
        return Prepared(understood, tuple(sources), tuple(picked))

    def strangers(self, question: str, language: str, results: list[Result]) -> list[str]:
        """The places and bodies a question asks about ("in Bergen", "Oslo kommune") that none of the documents
        found for it names: the corpus does not cover them, though a list somewhere may mention them."""
        found = " ".join(r.text for r in results)
        return [
            name
            for name in names(question, language, self.retriever.lowercase)
            if placed(name, question, language) and not named_in(name, found)
        ]

    def strength(self, query: Query, results: list[Result]) -> Strength:
        return Strength(
            top=max((r.score for r in results), default=0.0),
            coverage=coverage(query.text, [r.text for r in results]),
            known=self.retriever.known(query.text),
            focus=self.retriever.focus(
                query.text, [s for r in results for s in split(r.text, query.language or registry.default())]
            ),
        )

    def strong(self, query: Query, results: list[Result]) -> bool:
        """Is the evidence good enough to answer?"""
        limits = self.thresholds
        return bool(results) and self.strength(query, results).strong(
            limits.answer_above, limits.refuse_below, limits.min_coverage, limits.min_known, limits.min_focus
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
