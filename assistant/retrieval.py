"""Hybrid retrieval: exact code lookup first, then dense (Chroma) and BM25 fused by reciprocal rank fusion.

Every result's `score` is the cosine similarity between the question and the chunk, whichever list found it,
so scores mean the same thing in every mode (the refusal threshold relies on that).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from assistant.catalog import Catalog, find_codes
from assistant.embeddings import Embedder
from assistant.language import detect_language
from assistant.lexical import sync
from assistant.store import Store

Mode = Literal["hybrid", "dense", "bm25"]
RRF_K = 60
HIDDEN = ("quiz",)  # indexed for the quiz, not sources to answer from unless asked for by doc_type
DUPLICATE_JACCARD = 0.9
POST_FILTER_LIMIT = 500  # at most this many chunks excluded: query unfiltered and drop them (a Chroma `where` is slow)


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


@dataclass(frozen=True)
class Scope:
    """The chunks one combination of filters admits, with its BM25 mask and how Chroma is asked for them."""
    ids: set[str]
    mask: np.ndarray
    where: dict | None  # None: query unfiltered for `excluded` more results and drop those outside `ids`
    excluded: int


def rrf(rankings: list[list[str]], weights: list[float]) -> list[str]:
    """Weighted reciprocal rank fusion."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for n, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + weight / (RRF_K + n + 1)
    return sorted(scores, key=lambda c: -scores[c])


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, catalog: Catalog, lexical_dir, bm25_weight: float = 0.5) -> None:
        self.store = store
        self.bm25_weight = bm25_weight
        self.embedder = embedder
        self.catalog = catalog
        self.lexical_dir = lexical_dir
        self.refresh()

    def refresh(self) -> None:
        """Reload the chunk table and the BM25 index (after an ingestion)."""
        data = self.store.all_chunks()
        self.texts = dict(zip(data["ids"], data["documents"]))
        self.metas = dict(zip(data["ids"], data["metadatas"]))
        self.lexical = sync(data, self.lexical_dir)
        self._scopes: dict[tuple[str | None, str | None], Scope] = {}
        self.by_code: dict[str, list[str]] = {}
        for cid, meta in self.metas.items():
            primary = (meta.get("codes") or "").split("|")[0]
            if primary:
                self.by_code.setdefault(primary, []).append(cid)

    def _scope(self, language: str | None, doc_type: str | None) -> Scope:
        if (language, doc_type) not in self._scopes:
            ids = {cid for cid, m in self.metas.items()
                   if (not language or m.get("language") == language)
                   and (m.get("doc_type") == doc_type if doc_type else m.get("doc_type") not in HIDDEN)}
            excluded = len(self.metas) - len(ids)
            where = None
            if excluded > POST_FILTER_LIMIT:
                clauses = [{"doc_type": doc_type} if doc_type else {"doc_type": {"$nin": list(HIDDEN)}}]
                if language:
                    clauses.append({"language": language})
                where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
            self._scopes[(language, doc_type)] = Scope(ids, self.lexical.mask(ids), where, excluded)
        return self._scopes[(language, doc_type)]

    def _dense(self, qvec: np.ndarray, pool: int, scope: Scope):
        if scope.where is not None:
            return self.store.query(qvec, pool, scope.where)
        return [h for h in self.store.query(qvec, pool + scope.excluded) if h.id in scope.ids][:pool]

    def code_hits(self, query: str, allowed: set[str]) -> list[str]:
        """Chunks of the items the question names, the question's language first."""
        lang = detect_language(query)
        out: list[str] = []
        for code in find_codes(query, self.catalog):
            ids = [c for c in self.by_code.get(code, []) if c in allowed]
            ids.sort(key=lambda c: (self.metas[c].get("language") != lang, self.metas[c].get("chunk_index", 0)))
            out += ids
        return out

    def search(self, query: str, k: int = 5, mode: Mode = "hybrid", language: str | None = None,
               doc_type: str | None = None) -> list["Result"]:
        scope = self._scope(language, doc_type)
        if not scope.ids:
            return []
        qvec = self.embedder.query(query)
        pool = max(k * 4, 20)
        dense = [] if mode == "bm25" else self._dense(qvec, pool, scope)
        cosine = {h.id: h.score for h in dense}
        dense_ids = [h.id for h in dense]
        lexical_ids = [] if mode == "dense" else [cid for cid, _ in self.lexical.search(query, pool, scope.mask)]
        if mode == "dense":
            ranked = dense_ids
        elif mode == "bm25":
            ranked = lexical_ids
        else:
            ranked = list(dict.fromkeys(self.code_hits(query, scope.ids) + rrf([dense_ids, lexical_ids], [1.0, self.bm25_weight])))
        chosen = self._dedupe(ranked, k)
        missing = [c for c in chosen if c not in cosine]
        if missing:
            got = self.store.collection.get(ids=missing, include=["embeddings"])
            for cid, vec in zip(got["ids"], got["embeddings"]):
                cosine[cid] = float(np.dot(np.asarray(vec, dtype=np.float32), qvec))
        return [Result(rank=n, id=c, text=self.texts.get(c, ""), metadata=self.metas.get(c, {}), score=cosine.get(c, 0.0))
                for n, c in enumerate(chosen, start=1)]

    def _dedupe(self, ranked: list[str], k: int) -> list[str]:
        """Drop chunks that repeat an earlier one almost word for word."""
        chosen: list[str] = []
        seen: list[set[str]] = []
        for cid in ranked:
            if cid not in self.texts:
                continue
            sh = _shingles(self.texts[cid])
            if any(len(sh & s) / max(1, len(sh | s)) >= DUPLICATE_JACCARD for s in seen):
                continue
            chosen.append(cid)
            seen.append(sh)
            if len(chosen) == k:
                break
        return chosen
