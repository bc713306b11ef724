"""Map a text (a plan, a budget line, a project description, a student abstract) to the SDG goals and targets and
the U4SSC KPIs it addresses, from the catalogue and the index the assistant already has; no language model.

Two signals per sentence of the text, summed over sentences (measured in BENCHMARKS.md), from which a calibrated
confidence (mapping/confidence.py) decides which goals the text, or one of its sections, addresses:
- likeness to the catalogue's own words: the sentence against every goal's, target's, indicator's and KPI's title
  (and a goal's description), as a z-score across the items, so that a sentence counts for the items it stands
  out for rather than for the ones every sentence resembles;
- votes of the index: the sentence is searched like a question, and the catalogue items whose documents rank in its
  top results get a vote weighted by rank (the guides and fact sheets speak the language of projects).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from assistant.knowledge.catalog import Catalog, Item
from assistant.knowledge.codes import find_codes
from assistant.language.detect import detect_language
from assistant.language.tokens import coverage, words
from assistant.mapping.confidence import confidence, features, supporting
from assistant.mapping.descriptors import Descriptors
from assistant.mapping.parts import Mapping, Match, Reading, goal_of, target_of
from assistant.mapping.sections import sections_of, sentences_of
from assistant.search.embedders import Embedder
from assistant.search.retrieval import Query, Retriever

Progress = Callable[[Iterable], Iterable]
VOTE_RANKS = 10  # search results per sentence that vote
MIN_WORDS = 4  # shorter "sentences" (headings, table cells) carry too little to map
EVIDENT = 0.25  # targets and KPIs listed: at least this share of the best one's score
STRONG = 0.8  # a goal this sure needs no second supporting sentence
FLOOR = 0.2  # a goal less sure than this is not listed, however close to the best it scores
LETTERED = 0.25  # a municipal text is rarely about the means of implementation in developing countries (x.a, x.b)


class MappingError(ValueError):
    """A file cannot be mapped; the message says why."""


class Mapper:
    def __init__(
        self,
        catalog: Catalog,
        embedder: Embedder,
        retriever: Retriever,
        folder: Path,
        min_confidence: float = 0.4,
        relative: float = 0.7,
        min_coverage: float = 0.4,
        min_known: float = 0.6,
        max_items: int = 5,
        max_chars: int = 200_000,
    ) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.retriever = retriever
        self.folder = folder
        # a text is mapped when its most likely goal's confidence (in the whole or a section) is at least
        # min_confidence and more than one sentence supports it, or the confidence is STRONG; then the goals listed
        # are those within `relative` of the best goal's score in the text or a section, with a confidence of at least
        # FLOOR (chosen on the tuning texts by bench/calibrate_mapping.py's sweep, BENCHMARKS.md)
        self.min_confidence = min_confidence
        self.relative = relative
        # a text is mapped only when one of its sentences has words the index knows (a recipe or a match report has
        # none, though e5 finds every text somewhat like some goal): of the sentence's words at least min_known
        # occur in the corpus and min_coverage in its search results
        self.min_coverage = min_coverage
        self.min_known = min_known
        self.max_items = max_items  # targets and KPIs listed
        self.max_chars = max_chars  # each sentence is searched: a longer text is refused, not mapped for hours
        self._descriptors: Descriptors | None = None

    @property
    def descriptors(self) -> Descriptors:
        if self._descriptors is None:
            self._descriptors = Descriptors(self.catalog, self.embedder, self.folder)
        return self._descriptors

    def map_text(self, text: str, title: str = "", progress: Progress = iter) -> Mapping:
        return self.map_sections(sections_of(text, title), progress)

    def map_sections(self, sections: list[tuple[str, str]], progress: Progress = iter) -> Mapping:
        reading = self.read(sections, progress)
        if not reading.grounded.any():
            return Mapping(reading.language, [], [], [], len(reading.units))
        goals = self._goals(reading, *self.goal_signals(reading))
        confident = {m.code: m.score for m in goals}
        targets = self._ranked(reading, "target", confident)
        kpis = self._ranked(reading, "kpi", confident)
        return Mapping(reading.language, goals, targets, kpis, len(reading.units))

    def read(self, sections: list[tuple[str, str]], progress: Progress = iter) -> Reading:
        """The text's language, its sentences, and what the catalogue and the index say of each."""
        size = sum(len(body) for _, body in sections)
        if size > self.max_chars:
            raise MappingError(
                f"the text has {size:,} characters; at most {self.max_chars:,} are mapped at once "
                "(ASSISTANT_MAP_MAX_CHARS): map it in parts"
            )
        language = detect_language(" ".join(body for _, body in sections)[:4000])
        units = [
            (heading, sentence)
            for heading, body in sections
            for sentence in sentences_of(body, language)
            if len(sentence.split()) >= MIN_WORDS
        ]
        if not units:
            return Reading(language, units, np.zeros((0, 0)), {}, np.zeros(0, dtype=bool), np.zeros(0))
        vectors = self.embedder.queries([s for _, s in units])
        queries = [
            Query(sentence, vector, tuple(find_codes(sentence, self.catalog)), language)
            for (_, sentence), vector in zip(units, vectors)
        ]
        votes, grounded, closest = self._votes(queries, progress)
        return Reading(language, units, vectors @ self.descriptors.vectors.T, votes, grounded, closest)

    def _votes(self, queries: list[Query], progress: Progress) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Per item code, each sentence's vote: 1/(rank+3) for the first result of that item in its search; which
        sentences are grounded in the index's words; and each one's cosine with its closest chunk."""
        votes: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(queries)))
        grounded = np.zeros(len(queries), dtype=bool)
        closest = np.zeros(len(queries))
        for row, query in enumerate(progress(queries)):
            seen: set[str] = set()
            results = self.retriever.search(query, k=VOTE_RANKS)
            closest[row] = max((r.score for r in results), default=0.0)
            grounded[row] = (
                sum(not word.isdigit() for word in words(query.text)) >= MIN_WORDS  # "Svar innen 1. juni." is not
                and coverage(query.text, [r.text for r in results]) >= self.min_coverage
                and self.retriever.known(query.text) >= self.min_known
            )
            for rank, result in enumerate(results):
                code = result.codes[0] if result.codes else ""
                for owner in {code, goal_of(code) or "", target_of(code) or ""} - {""} - seen:
                    votes[owner][row] += 1 / (rank + 3)
                    seen.add(owner)
        return votes, grounded, closest

    def _columns(self, kind: str) -> dict[str, np.ndarray]:
        """Descriptor rows per item of a kind (a target owns its indicators' titles)."""
        owners = self.descriptors.owners
        key = {"goal": goal_of, "target": target_of, "kpi": lambda c: None if goal_of(c) else c}[kind]
        columns: dict[str, list[int]] = defaultdict(list)
        for index, owner in enumerate(owners):
            if (code := key(str(owner))) is not None:
                columns[code].append(index)
        return {code: np.array(rows) for code, rows in columns.items()}

    @staticmethod
    def _standout(best: np.ndarray) -> np.ndarray:
        """Each sentence's likeness to each item as a z-score across the items."""
        return (best - best.mean(1, keepdims=True)) / (best.std(1, keepdims=True) + 1e-6)

    def _weights(self, reading: Reading, kind: str, codes: list[str], offset: float):
        """For items of a kind: each sentence's closest descriptor cosine, its z-score across the items, the index's
        votes, and each sentence's weight (the z-score above `offset` plus the votes, each scaled by its best item)."""
        columns = self._columns(kind)
        count = len(reading.units)
        best = np.stack([reading.sims[:, columns[c]].max(1) for c in codes], 1)
        standout = self._standout(best)
        likeness = np.clip(standout - offset, 0, None)
        voted = np.stack([reading.votes.get(c, np.zeros(count)) for c in codes], 1)
        return best, standout, voted, likeness / (likeness.sum(0).max() + 1e-9) + voted / (voted.sum(0).max() + 1e-9)

    def goal_signals(self, reading: Reading):
        """The goal codes, each sentence's weight per goal (the evidence), and per part of the text (the whole, and
        each section when there are several: a plan's chapters each count) the confidence's features per goal."""
        codes = sorted(self._columns("goal"), key=int)
        best, standout, voted, per_sentence = self._weights(reading, "goal", codes, 0.5)
        units = reading.units
        headings = list(dict.fromkeys(h for h, _ in units))
        parts = [np.arange(len(units))]
        if len(headings) > 1:
            parts += [np.array([r for r, (h, _) in enumerate(units) if h == heading]) for heading in headings]
        signals = [
            features(
                per_sentence[rows],
                best[rows],
                standout[rows],
                voted[rows],
                reading.grounded[rows],
                reading.closest[rows],
            )
            for rows in parts
        ]
        return codes, per_sentence, signals

    def _goals(self, reading: Reading, codes: list[str], per_sentence: np.ndarray, signals: list[np.ndarray]):
        """Nothing unless the most likely goal is sure enough and supported by more than one sentence (or very sure);
        then the goals that come close to the best of the text or of a section, most confident first."""
        sure = np.max([confidence()(part) for part in signals], axis=0)
        best = int(sure.argmax())
        if sure[best] < self.min_confidence or (supporting(per_sentence[:, best]).sum() < 2 and sure[best] < STRONG):
            return []
        close = np.max([part[:, 0] for part in signals], axis=0) >= self.relative  # column 0: relative to the best
        chosen = np.flatnonzero(close & (sure >= FLOOR))
        return [
            self._match(codes[g], "goal", float(sure[g]), per_sentence[:, g], reading.units)
            for g in sorted(chosen, key=lambda g: (-sure[g], g))
        ]

    def _ranked(self, reading: Reading, kind: str, goals: dict[str, float]) -> list[Match]:
        """Targets of the goals found, or KPIs related to them, by standing out over the text plus the index's
        votes; those at least EVIDENT of the best one's score, a lettered target (the means of implementation: x.a,
        x.b, mostly about developing countries) at LETTERED of its weight."""
        codes = [c for c in self._columns(kind) if goals.keys() & self._goals_of(c)]
        if not codes:
            return []
        *_, per_sentence = self._weights(reading, kind, codes, 1.0)
        lettered = np.array([kind == "target" and not c.split(".")[-1].isdigit() for c in codes])
        scores = per_sentence.sum(0) * np.where(lettered, LETTERED, 1.0)
        top = scores.max()
        if top <= 0:
            return []
        order = [i for i in np.argsort(-scores, kind="stable") if scores[i] >= EVIDENT * top][: self.max_items]
        return [
            self._match(
                codes[i],
                kind,
                max(goals[g] for g in goals.keys() & self._goals_of(codes[i])) * scores[i] / top,
                per_sentence[:, i],
                reading.units,
            )
            for i in order
        ]

    def _goals_of(self, code: str) -> set[str]:
        """The goal of an SDG code; the goals a KPI is related to."""
        if goal := goal_of(code):
            return {goal}
        item = self.catalog.get(code)
        return set(item.related) if item else set()

    def _match(self, code: str, kind: str, score: float, weight: np.ndarray, units) -> Match:
        item: Item | None = self.catalog.get(code)
        support = supporting(weight)
        rows = [int(r) for r in np.argsort(-weight, kind="stable") if support[r]][:3]
        return Match(
            code=code,
            kind=kind,
            title=dict(item.title) if item else {},
            score=float(score),
            evidence=[units[r][1] for r in rows],
            sections=list(dict.fromkeys(units[r][0] for r in rows if units[r][0])),
        )
