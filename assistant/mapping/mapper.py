"""Map a text (a plan, a budget line, a project description, a student abstract) to the SDG goals and targets and
the U4SSC KPIs it addresses, from the catalogue and the index the assistant already has; no language model.

Two signals per sentence of the text, summed over sentences (measured in BENCHMARKS.md):
- likeness to the catalogue's own words: the sentence against every goal's, target's, indicator's and KPI's title
  (and a goal's description), as a z-score across the items, so that a sentence counts for the items it stands
  out for rather than for the ones every sentence resembles;
- votes of the index: the sentence is searched like a question, and the catalogue items whose documents rank in its
  top results get a vote weighted by rank (the guides and fact sheets speak the language of projects).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.knowledge.catalog import Catalog, Item
from assistant.knowledge.codes import find_codes
from assistant.language.detect import detect_language
from assistant.language.registry import OFFICIAL
from assistant.language.sentences import split
from assistant.language.tokens import coverage
from assistant.mapping.descriptors import Descriptors
from assistant.mapping.sections import sections_of
from assistant.search.embedders import Embedder
from assistant.search.retrieval import Query, Retriever

Progress = Callable[[Iterable], Iterable]
VOTE_RANKS = 10  # search results per sentence that vote
MIN_WORDS = 4  # shorter "sentences" (headings, table cells) carry too little to map


class MappingError(ValueError):
    """A file cannot be mapped; the message says why."""


@dataclass
class Match:
    code: str
    kind: str  # goal | target | kpi
    title: dict[str, str]
    score: float  # 0..1, relative to the best item of its kind in this text
    evidence: list[str] = field(default_factory=list)  # the text's sentences that support it, best first
    sections: list[str] = field(default_factory=list)  # the sections those sentences are in

    def titled(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get(OFFICIAL, "")

    def as_json(self, lang: str) -> dict:
        return {
            "code": self.code,
            "title": self.titled(lang),
            "score": round(self.score, 3),
            "evidence": self.evidence,
            "sections": self.sections,
        }


@dataclass
class Mapping:
    language: str
    goals: list[Match]
    targets: list[Match]
    kpis: list[Match]
    sentences: int  # sentences of the text that were scored

    def as_json(self, lang: str | None = None) -> dict:
        lang = lang or self.language
        return {
            "language": self.language,
            "goals": [m.as_json(lang) for m in self.goals],
            "targets": [m.as_json(lang) for m in self.targets],
            "kpis": [m.as_json(lang) for m in self.kpis],
        }


def goal_of(code: str) -> str | None:
    """The SDG goal of a goal, target or indicator code; None for a KPI."""
    return code.split(".")[0] if code[:1].isdigit() else None


def target_of(code: str) -> str | None:
    parts = code.split(".")
    return ".".join(parts[:2]) if code[:1].isdigit() and len(parts) >= 2 else None


class Mapper:
    def __init__(
        self,
        catalog: Catalog,
        embedder: Embedder,
        retriever: Retriever,
        folder: Path,
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
        self.relative = relative  # a goal is addressed when its score is at least this share of the best goal's
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
            for sentence in split(" ".join(body.split()), language)
            if len(sentence.split()) >= MIN_WORDS
        ]
        if not units:
            return Mapping(language, [], [], [], 0)
        vectors = self.embedder.queries([s for _, s in units])
        queries = [
            Query(sentence, vector, tuple(find_codes(sentence, self.catalog)), language)
            for (_, sentence), vector in zip(units, vectors)
        ]
        votes, grounded = self._votes(queries, progress)
        if not grounded:
            return Mapping(language, [], [], [], len(units))
        sims = vectors @ self.descriptors.vectors.T  # sentences x descriptor rows
        goals = self._goals(units, sims, votes)
        addressed = {m.code for m in goals}
        targets = self._ranked(units, sims, votes, "target", addressed)
        kpis = self._ranked(units, sims, votes, "kpi", addressed)
        return Mapping(language, goals, targets, kpis, len(units))

    def _votes(self, queries: list[Query], progress: Progress) -> tuple[dict[str, np.ndarray], bool]:
        """Per item code, each sentence's vote: 1/(rank+3) for the first result of that item in its search; and
        whether any sentence is grounded in the index's words."""
        votes: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(queries)))
        grounded = False
        for row, query in enumerate(progress(queries)):
            seen: set[str] = set()
            results = self.retriever.search(query, k=VOTE_RANKS)
            grounded = grounded or (
                coverage(query.text, [r.text for r in results]) >= self.min_coverage
                and self.retriever.known(query.text) >= self.min_known
            )
            for rank, result in enumerate(results):
                code = result.codes[0] if result.codes else ""
                for owner in {code, goal_of(code) or "", target_of(code) or ""} - {""} - seen:
                    votes[owner][row] += 1 / (rank + 3)
                    seen.add(owner)
        return votes, grounded

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

    def _goals(self, units, sims: np.ndarray, votes: dict[str, np.ndarray]) -> list[Match]:
        columns = self._columns("goal")
        codes = sorted(columns, key=int)
        best = np.stack([sims[:, columns[c]].max(1) for c in codes], 1)
        likeness = np.clip(self._standout(best) - 0.5, 0, None)  # sentences x goals
        voted = np.stack([votes[c] if c in votes else np.zeros(len(units)) for c in codes], 1)
        per_sentence = likeness / (likeness.sum(0).max() + 1e-9) + voted / (voted.sum(0).max() + 1e-9)
        scores = per_sentence.sum(0)
        top = scores.max()
        if top <= 0:
            return []
        # a goal is addressed when it comes close to the best goal of some section: a plan's chapters each count
        addressed = np.zeros(len(codes), dtype=bool)
        for heading in dict.fromkeys(h for h, _ in units):
            part = per_sentence[[row for row, (h, _) in enumerate(units) if h == heading]].sum(0)
            if part.max() > 0:
                addressed |= part >= self.relative * part.max()
        return [
            self._match(codes[index], "goal", scores[index] / top, per_sentence[:, index], units)
            for index in np.argsort(-scores)
            if addressed[index]
        ]

    def _ranked(self, units, sims, votes, kind: str, addressed: set[str]) -> list[Match]:
        """Targets (of the addressed goals first) or KPIs, by standing out over the text plus the index's votes."""
        columns = self._columns(kind)
        codes = list(columns)
        best = np.stack([sims[:, columns[c]].max(1) for c in codes], 1)
        likeness = np.clip(self._standout(best) - 1.0, 0, None)
        voted = np.stack([votes[c] if c in votes else np.zeros(len(units)) for c in codes], 1)
        per_sentence = likeness / (likeness.sum(0).max() + 1e-9) + voted / (voted.sum(0).max() + 1e-9)
        scores = per_sentence.sum(0)
        if kind == "target":
            scores = scores + np.array([goal_of(c) in addressed for c in codes], dtype=float) * scores.max()
        top = scores.max()
        order = [i for i in np.argsort(-scores) if scores[i] > 0][: self.max_items]
        return [self._match(codes[i], kind, scores[i] / top, per_sentence[:, i], units) for i in order]

    def _match(self, code: str, kind: str, score: float, weight: np.ndarray, units) -> Match:
        item: Item | None = self.catalog.get(code)
        rows = [int(r) for r in np.argsort(-weight) if weight[r] > 0][:3]
        return Match(
            code=code,
            kind=kind,
            title=dict(item.title) if item else {},
            score=float(score),
            evidence=[units[r][1] for r in rows],
            sections=list(dict.fromkeys(units[r][0] for r in rows if units[r][0])),
        )
