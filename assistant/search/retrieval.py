"""Hybrid retrieval: exact code lookup first, then dense (Chroma) and BM25 fused by reciprocal rank fusion.

Every result's `score` is the cosine similarity between the question and the chunk, whichever list found it,
so scores mean the same thing in every mode (the refusal threshold relies on that).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.knowledge.catalog import Catalog, find_codes
from assistant.search.embedders import Embedder
from assistant.language.detect import detect_language
from assistant.search.lexical import LexicalIndex, expand, sync, tokens
from assistant.settings import SearchMode
from assistant.search.store import IndexUnavailable, Store, reaching

log = logging.getLogger(__name__)
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
        for position, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + weight / (RRF_K + position + 1)
    return sorted(scores, key=lambda c: -scores[c])


COUNT_QUESTION = re.compile(r"\b(how many|how much|hvor mange|hvor mye|antall|number of|count of)\b", re.I)
LIST_QUESTION = re.compile(r"^\W*(which|what are the|name the|list|hvilke|hva er de|nevn|list opp)\b", re.I)
LISTED = re.compile(r"([A-ZÆØÅ][\wæøå-]+(?: [A-ZÆØÅ][\wæøå-]+)?,\s+){2,}[A-ZÆØÅ][\wæøå-]+|(^|\n)\s*(?:[-*•]|\d+[.)])\s")
SHAPED_POOL = 30  # of the fused candidates, the ones looked at for the answer's shape
SHAPED_DEPTH = 50  # and as deep in BM25's ranking of the documents (the cards crowd out the one stating a count)
CATALOG_TYPES = ("sdg_goal", "sdg_target", "sdg_indicator", "u4ssc_kpi")


def answer_shaped(query: str, ranked: list[str], texts: dict[str, str], pool: list[str]) -> list[str]:
    """Candidates shaped like the answer a question asks for, from the fused ranking and the deeper `pool` of
    either list: for "how many X", a number just before X or a word for it ("91 KPI-er", "91 nøkkelindikatorer",
    "17 mål"); for "which ones", a list (names in a row, or items). A chunk that only repeats the question's words
    ranks no higher for it."""
    if COUNT_QUESTION.search(query):
        wanted = set(expand(tokens(query, ("nb", "en"))))

        def named(word: str) -> bool:  # a Norwegian compound ends in its head word: nøkkel+indikator
            return any(
                stem in wanted or any(stem.endswith(w) and len(w) >= 4 for w in wanted)
                for stem in tokens(word, ("nb", "en"))
            )

        def shaped(text: str) -> bool:
            words = re.findall(r"[\wæøå]+", text.lower())
            return any(word.isdigit() and any(named(w) for w in words[i + 1 : i + 4]) for i, word in enumerate(words))

    elif LIST_QUESTION.search(query):

        def shaped(text: str) -> bool:
            return bool(LISTED.search(text.split("\n", 1)[-1]))

    else:
        return []
    return [cid for cid in dict.fromkeys([*ranked[:SHAPED_POOL], *pool]) if cid in pool and shaped(texts.get(cid, ""))]


TWIN_SUFFIX = re.compile(r"\.(nb|en)(\.\w+)$")


def _passage(meta: dict) -> tuple[str, str]:
    """What a chunk and its translation twin share: the document without its language (about.nb.md and about.en.md)
    and the position, or for a catalogue item its code and section."""
    if meta.get("doc_type") in CATALOG_TYPES:
        return (str(meta.get("codes", "")).split("|")[0], str(meta.get("section", "")))
    return (TWIN_SUFFIX.sub(r"\2", str(meta.get("path", ""))), str(meta.get("chunk_index", "")))


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


@dataclass
class Snapshot:
    """What a reader has loaded of the collection in service: its chunk table, BM25 and filter scopes. Replaced
    whole when the index changes, so a search in progress keeps a consistent view."""

    store: Store
    generation: str
    texts: dict[str, str]
    metas: dict[str, dict]
    lexical: LexicalIndex
    by_code: dict[str, list[str]]
    scopes: dict[tuple[str | None, str | None], Scope] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, lexical_dir: Path) -> Snapshot:
        generation = store.generation()  # read first: a change after it is seen by the next check
        data = store.all_chunks()
        metas = dict(zip(data["ids"], data["metadatas"]))
        by_code: dict[str, list[str]] = {}
        for cid, meta in metas.items():
            primary = (meta.get("codes") or "").split("|")[0]
            if primary:
                by_code.setdefault(primary, []).append(cid)
        return cls(
            store, generation, dict(zip(data["ids"], data["documents"])), metas, sync(data, lexical_dir), by_code
        )

    @cached_property
    def newest_year(self) -> int | None:
        years = [
            int(str(meta.get("as_of", ""))[:4])
            for meta in self.metas.values()
            if str(meta.get("as_of", ""))[:4].isdigit()
        ]
        return max(years, default=None)

    def prose(self, scope: Scope) -> Scope:
        """The part of `scope` that is documents rather than catalogue cards (its BM25 mask is cached too)."""
        key = ("prose", id(scope))
        if key not in self.scopes:
            ids = {cid for cid in scope.ids if self.metas[cid].get("doc_type") not in CATALOG_TYPES}
            self.scopes[key] = Scope(ids, self.lexical.mask(ids), None, 0)  # type: ignore[index]
        return self.scopes[key]  # type: ignore[index]

    def scope(self, language: str | None, doc_type: str | None) -> Scope:
        if (language, doc_type) not in self.scopes:
            ids = {
                cid
                for cid, m in self.metas.items()
                if (not language or m.get("language") == language)
                and (m.get("doc_type") == doc_type if doc_type else m.get("doc_type") not in HIDDEN)
            }
            excluded = len(self.metas) - len(ids)
            where = None
            if excluded > POST_FILTER_LIMIT:
                clauses = [{"doc_type": doc_type} if doc_type else {"doc_type": {"$nin": list(HIDDEN)}}]
                if language:
                    clauses.append({"language": language})
                where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
            self.scopes[(language, doc_type)] = Scope(ids, self.lexical.mask(ids), where, excluded)
        return self.scopes[(language, doc_type)]


class Retriever:
    """Searches the collection in service. Another process's ingestion or rebuild is noticed by a check of the
    collection's generation at most every `refresh_seconds`; the new tables load in the background while
    questions go on against the old ones."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        catalog: Catalog,
        lexical_dir: Path,
        bm25_weight: float = 0.5,
        refresh_seconds: float = 2.0,
        mode: SearchMode = "hybrid",
        per_document: int = 0,
        drop_twins: bool = False,
        shaped_first: int = 0,
    ) -> None:
        self.bm25_weight = bm25_weight
        self.mode = mode  # the default method (ASSISTANT_SEARCH_MODE), for every caller
        self.per_document = per_document  # chunks of one document in the results, unless nothing else qualifies
        self.drop_twins = drop_twins  # the same passage in the other language counts once
        self.shaped_first = shaped_first  # chunks shaped like the answer ("how many", "which") put first
        self.embedder = embedder
        self.catalog = catalog
        self.lexical_dir = lexical_dir
        self.refresh_seconds = refresh_seconds
        self._checked = time.monotonic()
        self._refreshing = threading.Lock()
        with reaching(store.where):
            self.snapshot = Snapshot.load(store, lexical_dir)

    @property
    def newest_year(self) -> int | None:
        """The year of the newest as-of date in the index: later facts cannot be in it."""
        return self.snapshot.newest_year

    # the loaded tables, for callers that read them
    store = property(lambda self: self.snapshot.store)
    texts = property(lambda self: self.snapshot.texts)
    metas = property(lambda self: self.snapshot.metas)
    lexical = property(lambda self: self.snapshot.lexical)

    def refresh(self, stale: Snapshot | None = None) -> None:
        """Load the collection in service now (after an ingestion in this process, or when it went away); with
        `stale`, only if no other thread has replaced that snapshot meanwhile."""
        with self._refreshing, reaching(self.snapshot.store.where):
            if stale is None or self.snapshot is stale:
                self.snapshot = Snapshot.load(self.snapshot.store.reopen(), self.lexical_dir)
            self._checked = time.monotonic()

    def _refresh_if_changed(self) -> None:
        if not self._refreshing.acquire(blocking=False):
            return  # another thread is at it
        try:
            if self.snapshot.store.in_service() != (self.snapshot.store.name, self.snapshot.generation):
                self.snapshot = Snapshot.load(self.snapshot.store.reopen(), self.lexical_dir)
        except Exception:  # noqa: BLE001 - the store is away: keep serving what is loaded, try again later
            log.warning("checking the index for changes failed", exc_info=True)
        finally:
            self._checked = time.monotonic()
            self._refreshing.release()

    def watch(self) -> None:
        """Start a background check when the last one is older than `refresh_seconds`; never waits for it."""
        if time.monotonic() - self._checked >= self.refresh_seconds and not self._refreshing.locked():
            self._checked = time.monotonic()
            threading.Thread(target=self._refresh_if_changed, name="index-refresh", daemon=True).start()

    @staticmethod
    def _dense(snap: Snapshot, qvec: np.ndarray, pool: int, scope: Scope):
        if scope.where is not None:
            return snap.store.query(qvec, pool, scope.where)
        return [h for h in snap.store.query(qvec, pool + scope.excluded) if h.id in scope.ids][:pool]

    @staticmethod
    def code_hits(snap: Snapshot, codes: list[str], language: str, allowed: set[str]) -> list[str]:
        """Chunks of the items the question names, the question's language first."""
        out: list[str] = []
        for code in codes:
            ids = [c for c in snap.by_code.get(code, []) if c in allowed]
            # the item's own catalogue card first, then documents about it, the question's language first in each
            ids.sort(
                key=lambda c: (
                    snap.metas[c].get("doc_type") not in CATALOG_TYPES,
                    snap.metas[c].get("language") != language,
                    snap.metas[c].get("chunk_index", 0),
                )
            )
            out += ids
        return out

    def search(
        self,
        query: str,
        k: int = 5,
        mode: SearchMode | None = None,
        language: str | None = None,
        doc_type: str | None = None,
        codes: list[str] | None = None,
    ) -> list[Result]:
        """The k best chunks. `codes`: the catalogue codes the query names, when the caller has resolved them
        (found here otherwise); `language` and `doc_type` filter."""
        self.watch()
        mode = mode or self.mode
        codes = find_codes(query, self.catalog) if codes is None else codes
        snap = self.snapshot
        with reaching(snap.store.where):  # the server went away: a clear message, and it works again when back
            try:
                return self._search(snap, query, k, mode, language, doc_type, codes)
            except IndexUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - the collection went away (a rebuild replaced it): reload once
                if snap is self.snapshot and snap.store.reopen() is snap.store:
                    raise  # the index in service is the same: a real error
                log.info("the index in service changed (%s); reloading", exc)
                self.refresh(stale=snap)
                return self._search(self.snapshot, query, k, mode, language, doc_type, codes)

    def _search(
        self,
        snap: Snapshot,
        query: str,
        limit: int,
        mode: SearchMode,
        language: str | None,
        doc_type: str | None,
        codes: list[str],
    ) -> list[Result]:
        scope = snap.scope(language, doc_type)
        if not scope.ids:
            return []
        qvec = self.embedder.query(query)
        pool = max(limit * 4, 20)
        dense = [] if mode == "bm25" else self._dense(snap, qvec, pool, scope)
        cosine = {h.id: h.score for h in dense}
        dense_ids = [h.id for h in dense]
        lexical_ids = [] if mode == "dense" else [cid for cid, _ in snap.lexical.search(query, pool, scope.mask)]
        if mode == "dense":
            ranked = dense_ids
        elif mode == "bm25":
            ranked = lexical_ids
        else:
            fused = rrf([dense_ids, lexical_ids], [1.0, self.bm25_weight])
            prose = snap.prose(scope)  # a count or a list is stated in documents, not in catalogue cards
            deep = [cid for cid, _ in snap.lexical.search(query, SHAPED_DEPTH, prose.mask)]
            # the documents that state the count or the list a question asks for come first, as a named code's do
            shaped = answer_shaped(query, fused, snap.texts, deep)[: self.shaped_first]
            hits = self.code_hits(snap, codes, detect_language(query), scope.ids)
            ranked = list(dict.fromkeys(hits + shaped + fused))
        chosen = self._dedupe(snap, ranked, limit)
        missing = [c for c in chosen if c not in cosine]
        if missing:
            got = snap.store.collection.get(ids=missing, include=["embeddings"])
            for cid, vec in zip(got["ids"], got["embeddings"]):
                cosine[cid] = float(np.dot(np.asarray(vec, dtype=np.float32), qvec))
        return [
            Result(rank=n, id=c, text=snap.texts.get(c, ""), metadata=snap.metas.get(c, {}), score=cosine.get(c, 0.0))
            for n, c in enumerate(chosen, start=1)
        ]

    def _dedupe(self, snap: Snapshot, ranked: list[str], limit: int) -> list[str]:
        """The first `limit` chunks of `ranked` without repeats: a chunk that repeats an earlier one almost word for
        word, the translation twin of one already chosen (the same passage in the other language), and more than
        `per_document` chunks of one document, unless too few others remain (then they fill the places left)."""
        chosen: list[str] = []
        later: list[str] = []
        seen: list[set[str]] = []
        per_file: dict[str, int] = {}
        passages: set[tuple[str, str]] = set()
        for cid in ranked:
            if cid not in snap.texts:
                continue
            shingles = _shingles(snap.texts[cid])
            if any(len(shingles & other) / max(1, len(shingles | other)) >= DUPLICATE_JACCARD for other in seen):
                continue
            meta = snap.metas.get(cid, {})
            passage = _passage(meta)
            if self.drop_twins and passage in passages:
                continue
            path = passage[0]  # the document (a catalogue item counts as its own document)
            if self.per_document and per_file.get(path, 0) >= self.per_document:
                later.append(cid)
                continue
            chosen.append(cid)
            seen.append(shingles)
            passages.add(passage)
            per_file[path] = per_file.get(path, 0) + 1
            if len(chosen) == limit:
                return chosen
        return chosen + later[: limit - len(chosen)]
