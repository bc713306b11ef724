"""The Chroma collection that holds the chunks: embedded (PersistentClient) or a server (HttpClient)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlparse

import chromadb
import httpx
import numpy as np
from chromadb.api.types import Embeddable, EmbeddingFunction
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

from assistant.search.embedders import ChromaEmbedding, Embedder
from assistant.settings import Settings

WRITE_BATCH = 2000  # below Chroma's max batch size
READ_PAGE = 5000


class StoreError(RuntimeError):
    """The index cannot be used; the message says why and what to do."""


class IndexUnavailable(StoreError):
    """The Chroma server cannot be reached (down, restarting, network); the message says where. Nothing is lost:
    the same requests work again when it is back."""


@contextmanager
def reaching(where: str) -> Iterator[None]:
    """Turn a lost connection to the index server into IndexUnavailable, with a message a person understands."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if isinstance(exc, (httpx.TransportError, ConnectionError)) or "Could not connect to a Chroma server" in str(
            exc
        ):
            raise IndexUnavailable(
                f"the index server at {where} cannot be reached ({type(exc).__name__}: "
                f"{str(exc)[:120]}); answers resume when it is back"
            ) from exc
        raise


class EmbedderMismatch(StoreError):
    pass


class IndexMissing(StoreError):
    """A reader found no index where the settings point (nothing is created there for it)."""


def _missing(where: str) -> IndexMissing:
    return IndexMissing(f"there is no index in {where} yet: build it with `python -m ingest`")


@dataclass
class Hit:
    id: str
    score: float  # cosine similarity (1 - distance)


def open_client(settings: Settings, create: bool = True) -> chromadb.ClientAPI:
    """The Chroma client the settings name; a reader (`create=False`) never makes an index folder."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise StoreError(f"ASSISTANT_CHROMA_URL={settings.chroma_url!r} is not a URL like http://127.0.0.1:8000")
        try:
            with reaching(settings.chroma_url):
                return chromadb.HttpClient(
                    host=url.hostname,
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise StoreError(f"cannot use the Chroma server at {settings.chroma_url}: {exc}") from exc
    if not create and not settings.chroma_dir.is_dir():
        raise _missing(str(settings.chroma_dir))
    try:
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except PermissionError as exc:
        raise StoreError(f"the index directory {settings.chroma_dir} is not writable: {exc}") from exc
    except OSError as exc:  # a file where the folder should be, a path through a file
        raise StoreError(f"the index directory {settings.chroma_dir} cannot be used: {exc.strerror or exc}") from exc


class Versions:
    """Which collection serves the configured name. A rebuild fills a new collection (`<name>.v<time>`) beside the
    one in service and then swaps a pointer (the metadata of the collection `<name>.pointer`, one atomic write),
    so readers keep the old index until the new one is complete, and a crash mid-rebuild leaves the old one in
    service. Without a pointer the collection `<name>` itself is in service (an index built before versions)."""

    def __init__(self, client: chromadb.ClientAPI, base: str) -> None:
        self.client = client
        self.base = base
        self.pointer_name = f"{base}.pointer"

    def names(self) -> set[str]:
        return {c.name for c in self.client.list_collections()}

    def active(self) -> str:
        try:
            meta = self.client.get_collection(self.pointer_name).metadata or {}
        except NotFoundError:  # no rebuild yet
            return self.base
        return str(meta.get("active") or self.base)

    def new_name(self) -> str:
        return f"{self.base}.v{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"

    def switch(self, name: str) -> None:
        pointer = self.client.get_or_create_collection(self.pointer_name, embedding_function=None)
        pointer.modify(metadata={"active": name, "switched_at": _now()})

    def unused(self) -> list[str]:
        """Collections of this index that are not in service: the one a rebuild replaced, a crashed rebuild's."""
        active = self.active()
        ours = {n for n in self.names() if n == self.base or n.startswith(f"{self.base}.v")}
        return sorted(ours - {active})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """One collection, bound to the embedder that built it: the one in service, or `name` (a rebuild's)."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        client: chromadb.ClientAPI | None = None,
        name: str | None = None,
        create: bool = True,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = client or open_client(settings, create)
        self.where = settings.chroma_url or str(settings.chroma_dir)
        with reaching(self.where):
            self.name = name or Versions(self.client, settings.collection).active()
            self._collection = self._open(create)

    def _open(self, create: bool = True):
        name = self.name
        existing = Versions(self.client, self.settings.collection).names()
        if name not in existing and not create:
            raise _missing(self.where)
        if name in existing:
            meta = self.client.get_collection(name, embedding_function=self._function()).metadata or {}
            built_with = meta.get("embedder")
            if built_with != self.embedder.spec:
                raise EmbedderMismatch(
                    f"The index '{self.settings.collection}' in {self.where} was built with the embedder "
                    f"'{built_with}', but the configured embedder is '{self.embedder.spec}'. Either set "
                    f"ASSISTANT_EMBEDDER={built_with}, or rebuild the index with the new embedder: "
                    "python -m ingest --rebuild"
                )
            collection = self.client.get_collection(name, embedding_function=self._function())
            hnsw = (collection.configuration or {}).get("hnsw") or {}
            if hnsw.get("ef_search", self.settings.hnsw_ef_search) != self.settings.hnsw_ef_search:
                # the one HNSW setting Chroma can change after the build: recall against speed at query time
                collection.modify(configuration={"hnsw": {"ef_search": self.settings.hnsw_ef_search}})
            return collection
        return self.client.create_collection(
            name,
            embedding_function=self._function(),
            configuration={
                "hnsw": {
                    "space": "cosine",
                    "ef_construction": self.settings.hnsw_ef_construction,
                    "ef_search": self.settings.hnsw_ef_search,
                    "max_neighbors": self.settings.hnsw_m,
                }
            },
            metadata={
                "embedder": self.embedder.spec,
                "embedder_name": getattr(self.embedder, "name", self.embedder.spec),
                "created_at": _now(),
                "generation": _now(),
            },
        )

    def _function(self) -> EmbeddingFunction[Embeddable]:
        """The project's embedder as Chroma's embedding function (so Chroma never loads its own default)."""
        return cast(EmbeddingFunction[Embeddable], ChromaEmbedding(self.embedder))

    def generation(self) -> str:
        """Changes whenever an ingestion changed this collection (readers refresh their tables on a change)."""
        return str((self.client.get_collection(self.name).metadata or {}).get("generation", ""))

    def in_service(self) -> tuple[str, str]:
        """(the collection in service now, its generation): what a reader compares with what it has loaded."""
        name = Versions(self.client, self.settings.collection).active()
        return name, str((self.client.get_collection(name).metadata or {}).get("generation", ""))

    def reopen(self) -> Store:
        """This store if its collection is still in service, else a store on the one that is."""
        name = Versions(self.client, self.settings.collection).active()
        return self if name == self.name else Store(self.settings, self.embedder, self.client, name=name)

    def mark_changed(self) -> None:
        meta = dict(self.client.get_collection(self.name).metadata or {})
        meta["generation"] = f"{_now()}-{uuid.uuid4().hex[:6]}"
        self._collection.modify(metadata=meta)

    @property
    def collection(self):
        return self._collection

    def count(self) -> int:
        return self._collection.count()

    def upsert(self, ids: list[str], texts: list[str], metadatas: list[dict], embeddings: np.ndarray) -> None:
        for start in range(0, len(ids), WRITE_BATCH):
            end = start + WRITE_BATCH
            self._collection.upsert(
                ids=ids[start:end],
                documents=texts[start:end],
                metadatas=metadatas[start:end],
                embeddings=embeddings[start:end],
            )

    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), WRITE_BATCH):
            self._collection.delete(ids=ids[start : start + WRITE_BATCH])

    def _pages(self, include: list[str]) -> Iterator[dict[str, Any]]:
        """The whole collection in pages: one unpaged get of ~100k chunks exceeds SQLite's variable limit."""
        offset = 0
        while True:
            page = self._collection.get(include=include, limit=READ_PAGE, offset=offset)
            yield page
            if len(page["ids"]) < READ_PAGE:
                return
            offset += READ_PAGE

    def metadata_by_id(self) -> dict[str, dict]:
        """Every chunk's metadata, by id."""
        return {cid: meta for page in self._pages(["metadatas"]) for cid, meta in zip(page["ids"], page["metadatas"])}

    def all_chunks(self, include_embeddings: bool = False) -> dict[str, list]:
        """ids, documents, metadatas (and embeddings) of every chunk, as lists in the same order."""
        include = ["documents", "metadatas"] + (["embeddings"] if include_embeddings else [])
        out: dict[str, list] = {key: [] for key in ["ids", *include]}
        for page in self._pages(include):
            for key, values in out.items():
                values.extend(page[key])
        return out

    def query(self, vector: np.ndarray, limit: int, where: dict | None = None) -> list[Hit]:
        """The `limit` nearest chunks by id and cosine: callers hold the texts (fetching them costs more than
        searching)."""
        if self.count() == 0:
            return []
        res = self._collection.query(
            query_embeddings=[vector], n_results=limit, where=where or None, include=["distances"]
        )
        return [Hit(id=i, score=1.0 - float(dist)) for i, dist in zip(res["ids"][0], res["distances"][0])]
