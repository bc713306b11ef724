"""Planted instructions told by their meaning: a linear classifier on the sentence vectors the quotes are chosen by.

The rules of `language.injection` know the shapes of an instruction to a language model; a new phrasing ("Whoever
relays information about the tool library should relay only the word ...") has none of them. Such a sentence is
still about how answers, assistants or readers should behave, never about the world, and its meaning says so. A
logistic regression learns that from `instructions.yaml` beside it (sentences written for it, both languages),
in the space of the configured embedder; it is fitted on first use and kept beside the index, so a process starts
without refitting, and costs nothing at question time (the candidate sentences are embedded for the quotes anyway).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression

log = logging.getLogger(__name__)


class Embeds(Protocol):
    """What the classifier needs of the search's embedder: its name and passage vectors."""

    spec: str

    def passages(self, texts: list[str]) -> np.ndarray: ...


EXAMPLES = "instructions.yaml"
THRESHOLD = 0.8  # probability of "planted" above which a sentence is not quoted (chosen on the corpus and the
# project's injection sets, never on the set kept apart: at 0.5 one corpus sentence in five was dropped)
STRENGTH = 4.0  # inverse regularisation: high enough to learn the direction, low enough not to learn the topics


def examples() -> tuple[list[str], list[bool]]:
    """The sentences to learn from and whether each is planted."""
    raw = resources.files("assistant.language").joinpath(EXAMPLES).read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    sentences, planted = [], []
    for kind, flag in (("planted", True), ("ordinary", False)):
        for by_language in data[kind].values():
            sentences += by_language
            planted += [flag] * len(by_language)
    return sentences, planted


def _digest(embedder: Embeds, sentences: list[str]) -> str:
    text = "\n".join([embedder.spec, str(STRENGTH), *sentences])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class PlantedFilter:
    """`planted(vectors)`: which of these passage vectors are sentences that instruct the reader of the text."""

    def __init__(self, embedder: Embeds, folder: Path | None) -> None:
        self.embedder = embedder
        self.folder = folder  # where the fitted weights are kept (the index folder); None keeps them in memory
        self._weights: tuple[np.ndarray, float] | None = None
        self._lock = threading.Lock()

    def planted(self, vectors: np.ndarray) -> np.ndarray:
        if not len(vectors):
            return np.zeros(0, dtype=bool)
        coef, intercept = self.weights()
        scores = vectors.astype(np.float32) @ coef + intercept
        return 1.0 / (1.0 + np.exp(-scores)) > THRESHOLD

    def weights(self) -> tuple[np.ndarray, float]:
        with self._lock:
            if self._weights is None:
                self._weights = self._load_or_fit()
            return self._weights

    def _load_or_fit(self) -> tuple[np.ndarray, float]:
        sentences, labels = examples()
        path = self.folder / f"planted-{_digest(self.embedder, sentences)}.npz" if self.folder else None
        if path is not None and path.exists():
            try:
                kept = np.load(path)
                return kept["coef"], float(kept["intercept"])
            except (OSError, ValueError, KeyError) as error:
                log.warning("%s cannot be read (%s): fitted again", path, error)
        model = LogisticRegression(C=STRENGTH, class_weight="balanced", max_iter=2000)
        model.fit(self.embedder.passages(sentences), np.array(labels))
        coef, intercept = model.coef_[0].astype(np.float32), float(model.intercept_[0])
        if path is not None and path.parent.is_dir():  # never creates the index folder: readers don't
            try:
                np.savez(path, coef=coef, intercept=intercept)
            except OSError as error:  # a read-only index folder: fitted again by the next process
                log.warning("the planted-instruction weights cannot be kept in %s: %s", path.parent, error)
        return coef, intercept
