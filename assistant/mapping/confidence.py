"""How sure the mapper is that a text addresses a goal, as a probability that means the same for every text (a
"1.00" for each text's best goal said nothing about a wedding invitation's goal 3).

A logistic regression over what the mapper measures of a goal in a text (or in one of its sections), fitted by
bench/calibrate_mapping.py on the labelled tuning texts (bench/mapping.jsonl and bench/mapping-offtopic.jsonl, never
the held-out ones) and kept in confidence.json beside this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FEATURES = ("relative", "likeness", "standout", "support", "grounded_support", "votes", "share", "near", "near_mean")
MODEL = Path(__file__).with_name("confidence.json")
EVIDENCE_SHARE = 0.5  # a sentence supports an item when its weight is at least this share of the best sentence's


def supporting(weight: np.ndarray) -> np.ndarray:
    """The rows whose weight for an item comes close to its best row's (the evidence; no padding)."""
    top = weight.max() if len(weight) else 0.0
    return (weight > 0) & (weight >= EVIDENCE_SHARE * top) if top > 0 else np.zeros(len(weight), dtype=bool)


def features(
    per_sentence: np.ndarray,
    likeness: np.ndarray,
    standout: np.ndarray,
    voted: np.ndarray,
    grounded: np.ndarray,
    closest: np.ndarray,
) -> np.ndarray:
    """Per goal (column), the features of a text or section whose rows are these sentences: its score relative to
    the best goal's, the closest sentence's cosine to the goal's own words, the sentence's standing out for it (z),
    how many sentences support it (and how many of those are grounded in the index's words), the index's votes per
    sentence, its share of all goals' scores, and how near the corpus its supporting sentences are (the best and the
    mean cosine of each with its closest chunk)."""
    scores = per_sentence.sum(0)
    top, total = scores.max(), scores.sum()
    support = np.array([supporting(per_sentence[:, g]) for g in range(per_sentence.shape[1])]).T
    return np.stack(
        [
            scores / top if top > 0 else np.zeros_like(scores),
            likeness.max(0),
            standout.max(0),
            np.log1p(support.sum(0)),
            np.log1p((support & grounded[:, None]).sum(0)),
            voted.sum(0) / len(voted),
            scores / total if total > 0 else np.zeros_like(scores),
            np.array([closest[support[:, g]].max(initial=0.0) for g in range(len(scores))]),
            np.array([closest[support[:, g]].mean() if support[:, g].any() else 0.0 for g in range(len(scores))]),
        ],
        1,
    )


@dataclass(frozen=True)
class Confidence:
    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        standard = (rows - self.mean) / self.scale
        return 1 / (1 + np.exp(-(standard @ self.coef + self.intercept)))

    def as_json(self) -> dict:
        return {
            "features": list(FEATURES),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(self.intercept, 6),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
        }


@lru_cache(maxsize=1)
def confidence() -> Confidence:
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{MODEL}: fitted on other features; run bench/calibrate_mapping.py")
    return Confidence(np.array(data["coef"]), float(data["intercept"]), np.array(data["mean"]), np.array(data["scale"]))
