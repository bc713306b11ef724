"""What a reader has loaded of the collection in service (its chunk table, BM25, filter scopes and, for a collection
up to `exact_max` chunks, every vector for an exact search), and the reader that keeps it current: another process's
ingestion or rebuild is noticed by a check of the collection's generation at most every `refresh_seconds`, and the
new tables load in the background while questions go on against the old ones.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.knowledge.catalog import DOC_TYPES
from assistant.language.names import WORD
from assistant.search.lexical import LexicalIndex, sync
from assistant.search.store import Hit, Store, reaching

log = logging.getLogger(__name__)
HIDDEN = ("quiz",)  # indexed for the quiz, not sources to answer from unless asked for by doc_type
CATALOG_TYPES = tuple(DOC_TYPES.values())
POST_FILTER_LIMIT = 500  # at most this many chunks excluded: query unfiltered and drop them (a Chroma `where` is slow)


@dataclass(frozen=True)
class Scope:
    """The chunks one combination of filters admits, with its BM25 mask and how Chroma is asked for them."""

    ids: set[str]
    mask: np.ndarray
    where: dict | None  # None: query unfiltered for `excluded` more results and drop those outside `ids`
    excluded: int
    rows: np.ndarray | None = None  # for an exact search: the scope's rows of `Snapshot.vectors`


@dataclass
class Snapshot:
    """Replaced whole when the index changes, so a search in progress keeps a consistent view."""

    store: Store
    generation: str
    texts: dict[str, str]
    metas: dict[str, dict]
    lexical: LexicalIndex
    by_code: dict[str, list[str]]
    scopes: dict[tuple, Scope] = field(default_factory=dict)
    # every chunk's vector, rows in `order`, for an exact search (the same neighbours in every process; Chroma's HNSW
    # can differ between processes); None above `exact_max` chunks: then Chroma's HNSW is searched
    vectors: np.ndarray | None = None
    order: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, store: Store, lexical_dir: Path, exact_max: int = 0) -> Snapshot:
        generation = store.generation()  # read first: a change after it is seen by the next check
        exact = 0 < store.count() <= exact_max
        data = store.all_chunks(include_embeddings=exact)
        metas = dict(zip(data["ids"], data["metadatas"]))
        by_code: dict[str, list[str]] = {}
        for cid, meta in metas.items():
            primary = (meta.get("codes") or "").split("|")[0]
            if primary:
                by_code.setdefault(primary, []).append(cid)
        snapshot = cls(
            store, generation, dict(zip(data["ids"], data["documents"])), metas, sync(data, lexical_dir), by_code
        )
        if exact:
            snapshot.vectors = np.asarray(data["embeddings"], dtype=np.float32)
            snapshot.order = list(data["ids"])
        return snapshot

    def nearest(self, vector: np.ndarray, limit: int, scope: Scope) -> list[Hit]:
        """The exact `limit` nearest chunks of the scope by cosine (the vectors are normalised), ties by position."""
        assert self.vectors is not None and scope.rows is not None
        scores = self.vectors[scope.rows] @ vector.astype(np.float32)
        best = np.argpartition(-scores, limit - 1)[:limit] if limit < len(scores) else np.arange(len(scores))
        best = best[np.lexsort((best, -scores[best]))]
        return [Hit(self.order[scope.rows[i]], float(scores[i])) for i in best]

    def cosine(self, ids: list[str], vector: np.ndarray) -> dict[str, float]:
        """The cosine of these chunks with a vector, from the loaded vectors or (HNSW) from the store."""
        if self.vectors is not None:
            position = self._positions
            return {cid: float(self.vectors[position[cid]] @ vector) for cid in ids if cid in position}
        got = self.store.collection.get(ids=ids, include=["embeddings"])
        return {
            cid: float(np.dot(np.asarray(v, dtype=np.float32), vector)) for cid, v in zip(got["ids"], got["embeddings"])
        }

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {cid: row for row, cid in enumerate(self.order)}

    @cached_property
    def lowercase(self) -> frozenset[str]:
        """The words the collection writes in lower case somewhere (a capitalised one of them is no name)."""
        return frozenset(word for text in self.texts.values() for word in WORD.findall(text) if word.islower())

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
            self.scopes[key] = Scope(ids, self.lexical.mask(ids), None, 0)
        return self.scopes[key]

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
            rows = None
            if self.vectors is not None:
                rows = np.array(sorted(self._positions[cid] for cid in ids if cid in self._positions), dtype=np.int64)
            self.scopes[(language, doc_type)] = Scope(ids, self.lexical.mask(ids), where, excluded, rows)
        return self.scopes[(language, doc_type)]


class Reader:
    """Holds the snapshot of the collection in service and replaces it when the index changes."""

    def __init__(self, store: Store, lexical_dir: Path, refresh_seconds: float = 2.0, exact_max: int = 0) -> None:
        self.lexical_dir = lexical_dir
        self.exact_max = exact_max
        self.refresh_seconds = refresh_seconds
        self._checked = time.monotonic()
        self._refreshing = threading.Lock()
        # called with each new snapshot: what was built with the index (the catalogue) is brought up to date too
        self.listeners: list[Callable[[Snapshot], None]] = []
        with reaching(store.where):
            self.snapshot = Snapshot.load(store, lexical_dir, exact_max)

    def _replace(self, snapshot: Snapshot) -> None:
        for listener in self.listeners:
            try:
                listener(snapshot)
            except Exception:  # noqa: BLE001 - a listener's failure must not stop the new index from serving
                log.warning("bringing %s up to date with the index failed", listener, exc_info=True)
        self.snapshot = snapshot

    def refresh(self, stale: Snapshot | None = None) -> None:
        """Load the collection in service now (after an ingestion in this process, or when it went away); with
        `stale`, only if no other thread has replaced that snapshot meanwhile."""
        with self._refreshing, reaching(self.snapshot.store.where):
            if stale is None or self.snapshot is stale:
                self._replace(Snapshot.load(self.snapshot.store.reopen(), self.lexical_dir, self.exact_max))
            self._checked = time.monotonic()

    def _refresh_if_changed(self) -> None:
        if not self._refreshing.acquire(blocking=False):
            return  # another thread is at it
        try:
            if self.snapshot.store.in_service() != (self.snapshot.store.name, self.snapshot.generation):
                self._replace(Snapshot.load(self.snapshot.store.reopen(), self.lexical_dir, self.exact_max))
        except Exception:  # noqa: BLE001 - the store is away: keep serving what is loaded, try again later
            log.warning("checking the index for changes failed", exc_info=True)
        finally:
            self._checked = time.monotonic()
            self._refreshing.release()

    def current(self) -> Snapshot:
        """The snapshot to search now; starts a background check when the last one is older than
        `refresh_seconds` (never waits for it)."""
        if time.monotonic() - self._checked >= self.refresh_seconds and not self._refreshing.locked():
            self._checked = time.monotonic()
            threading.Thread(target=self._refresh_if_changed, name="index-refresh", daemon=True).start()
        return self.snapshot
