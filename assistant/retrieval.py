"""Retrieval over the index: the search results every front end (CLI, app, answering) uses."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.embeddings import Embedder
from assistant.store import Hit, Store


@dataclass
class Result:
    rank: int
    id: str
    text: str
    metadata: dict[str, Any]
    score: float

    @property
    def codes(self) -> list[str]:
        raw = self.metadata.get("codes") or ""
        return [c for c in raw.split("|") if c]

    def as_json(self) -> dict[str, Any]:
        """The search contract: one object per result."""
        m = self.metadata
        return {
            "rank": self.rank, "text": self.text, "title": m.get("title", ""), "source": m.get("source", ""),
            "page": m.get("page"), "language": m.get("language"), "doc_type": m.get("doc_type"),
            "codes": self.codes, "score": round(self.score, 4),
        }


def _where(language: str | None, doc_type: str | None) -> dict | None:
    clauses = [{k: v} for k, v in (("language", language), ("doc_type", doc_type)) if v]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Retriever:
    """Dense retrieval from Chroma."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    def search(self, query: str, k: int = 5, language: str | None = None, doc_type: str | None = None) -> list[Result]:
        hits: list[Hit] = self.store.query(self.embedder.query(query), k, _where(language, doc_type))
        return [Result(rank=n, id=h.id, text=h.text, metadata=h.metadata, score=h.score)
                for n, h in enumerate(hits, start=1)]
