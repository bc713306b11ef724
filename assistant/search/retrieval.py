"""Hybrid retrieval: the chunks of the items a question names first, then dense (Chroma) and BM25 fused by
reciprocal rank fusion (`ranking`).

A `Query` carries the question's vector and the codes it names, made once by the caller, so a question is embedded
once however many searches it takes. Every result's `score` is the cosine similarity between the question and the
chunk, whichever list found it, so scores mean the same thing in every mode (the refusal threshold relies on that).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.language.detect import detect_language
from assistant.language.tokens import focus, share_known
from assistant.search.embedders import Embedder
from assistant.search.ranking import COUNT_DEPTH, SHAPED_DEPTH, Tuning, answer_shaped, counted, distinct, rrf
from assistant.search.snapshot import CATALOG_TYPES, Reader, Scope, Snapshot
from assistant.search.store import IndexUnavailable, reaching
from assistant.settings import SearchMode

log = logging.getLogger(__name__)


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
        meta = self.metadata
        return {
            "rank": self.rank,
            "text": self.text,
            "title": meta.get("title", ""),
            "source": meta.get("source", ""),
            "page": meta.get("page"),
            "language": meta.get("language"),
            "doc_type": meta.get("doc_type"),
            "codes": self.codes,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Query:
    """A question as retrieval needs it: its text, its vector, the catalogue codes it names and its language."""

    text: str
    vector: np.ndarray = field(repr=False)
    codes: tuple[str, ...] = ()
    language: str = ""

    def __post_init__(self) -> None:
        if not self.language:
            object.__setattr__(self, "language", detect_language(self.text))


class Retriever:
    """Searches the collection in service (kept current by its `Reader`)."""

    def __init__(self, reader: Reader, embedder: Embedder, tuning: Tuning) -> None:
        self.reader = reader
        self.embedder = embedder
        self.tuning = tuning

    def query(self, text: str, codes: list[str] | tuple[str, ...] = ()) -> Query:
        """The query for a text, embedded now."""
        return Query(text, self.embedder.query(text), tuple(codes))

    @property
    def newest_year(self) -> int | None:
        """The year of the newest as-of date in the index: later facts cannot be in it."""
        return self.reader.current().newest_year

    def content_hash(self, chunk_id: str) -> str | None:
        """The hash of a chunk's file as the index holds it now (None when the chunk is gone)."""
        meta = self.reader.current().metas.get(chunk_id)
        return None if meta is None else str(meta.get("content_hash", ""))

    def known(self, text: str) -> float:
        """Share of the text's content words that occur anywhere in the corpus (in any language's stem form)."""
        model = self.reader.current().lexical.model
        return share_known(text, model.vocab_dict if model is not None else {})

    @property
    def lowercase(self) -> frozenset[str]:
        """The words the index writes in lower case (a capitalised one of them is no name)."""
        return self.reader.current().lowercase

    def focus(self, text: str, texts: list[str]) -> float:
        """How much of the text the best of `texts` (sentences, say) holds, rare words weighing most (tokens.focus)."""
        lexical = self.reader.current().lexical
        return focus(text, texts, lexical.frequency, max(len(lexical.ids), 1))

    def search(
        self,
        query: Query,
        k: int = 5,
        mode: SearchMode | None = None,
        language: str | None = None,
        doc_type: str | None = None,
    ) -> list[Result]:
        """The k best chunks; `language` and `doc_type` filter."""
        mode = mode or self.tuning.mode
        snap = self.reader.current()
        with reaching(snap.store.where):  # the server went away: a clear message, and it works again when back
            try:
                return self._search(snap, query, k, mode, language, doc_type)
            except IndexUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - the collection went away (a rebuild replaced it): reload once
                if snap is self.reader.snapshot and snap.store.reopen() is snap.store:
                    raise  # the index in service is the same: a real error
                log.info("the index in service changed (%s); reloading", exc)
                self.reader.refresh(stale=snap)
                return self._search(self.reader.snapshot, query, k, mode, language, doc_type)

    @staticmethod
    def _dense(snap: Snapshot, qvec: np.ndarray, pool: int, scope: Scope):
        if snap.vectors is not None:
            return snap.nearest(qvec, pool, scope)
        if scope.where is not None:
            return snap.store.query(qvec, pool, scope.where)
        return [h for h in snap.store.query(qvec, pool + scope.excluded) if h.id in scope.ids][:pool]

    @staticmethod
    def code_hits(snap: Snapshot, codes: tuple[str, ...], language: str, allowed: set[str]) -> list[str]:
        """Chunks of the items the question names: the item's own catalogue card first, then documents about it,
        the question's language first in each."""
        out: list[str] = []
        for code in codes:
            ids = [c for c in snap.by_code.get(code, []) if c in allowed]
            ids.sort(
                key=lambda c: (
                    snap.metas[c].get("doc_type") not in CATALOG_TYPES,
                    snap.metas[c].get("language") != language,
                    snap.metas[c].get("chunk_index", 0),
                )
            )
            out += ids
        return out

    def _search(
        self, snap: Snapshot, query: Query, limit: int, mode: SearchMode, language: str | None, doc_type: str | None
    ) -> list[Result]:
        scope = snap.scope(language, doc_type)
        if not scope.ids:
            return []
        qvec = query.vector
        pool = max(limit * 4, 20)
        dense = [] if mode == "bm25" else self._dense(snap, qvec, pool, scope)
        cosine = {h.id: h.score for h in dense}
        dense_ids = [h.id for h in dense]
        lexical_ids = [] if mode == "dense" else [cid for cid, _ in snap.lexical.search(query.text, pool, scope.mask)]
        if mode == "dense":
            ranked = dense_ids
        elif mode == "bm25":
            ranked = lexical_ids
        else:
            fused = rrf([dense_ids, lexical_ids], [1.0, self.tuning.bm25_weight])
            prose = snap.prose(scope)  # a count or a list is stated in documents, not in catalogue cards
            phrase = counted(query.text)
            deep = [
                cid
                for cid, _ in snap.lexical.search(
                    phrase or query.text, COUNT_DEPTH if phrase else SHAPED_DEPTH, prose.mask
                )
            ]
            # the documents that state the count or the list a question asks for come first, as a named code's do
            shaped = answer_shaped(query.text, fused, snap.texts, deep)[: self.tuning.shaped_first]
            hits = self.code_hits(snap, query.codes, query.language, scope.ids)
            ranked = list(dict.fromkeys(hits + shaped + fused))
        chosen = distinct(snap, ranked, limit, self.tuning)
        missing = [c for c in chosen if c not in cosine]
        if missing:
            cosine.update(snap.cosine(missing, qvec))
        return [
            Result(rank=n, id=c, text=snap.texts.get(c, ""), metadata=snap.metas.get(c, {}), score=cosine.get(c, 0.0))
            for n, c in enumerate(chosen, start=1)
        ]
