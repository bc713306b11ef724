"""What the mapper measures of a text (a Reading) and what it returns (a Mapping of Matches)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.language.registry import OFFICIAL


@dataclass
class Match:
    code: str
    kind: str  # goal | target | kpi
    title: dict[str, str]
    # goals: the calibrated probability that the text addresses it (the same scale for every text); targets and KPIs:
    # that of their goal times their score relative to the best of their kind
    score: float
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
class Reading:
    """What the mapper measures of a text before it decides: its sentences (with their section's heading), their
    cosine with each descriptor row, the index's votes per item code, which sentences are grounded in the index's
    words, and each sentence's cosine with its closest chunk (how near the corpus it is at all)."""

    language: str
    units: list[tuple[str, str]]
    sims: np.ndarray
    votes: dict[str, np.ndarray]
    grounded: np.ndarray
    closest: np.ndarray


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
