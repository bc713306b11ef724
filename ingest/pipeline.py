"""Incremental ingestion: files -> documents -> chunks -> embeddings -> Chroma, kept equal to the manifest.

Per file, everything that can fail (reading, parsing, embedding) happens before the store is touched; the store
write replaces the file's chunks (upsert, then delete the left-overs) and the manifest is saved right after. At
start the manifest is reconciled with the store, so a run killed between the two repairs itself on the next run.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from assistant.knowledge.catalog import Catalog
from assistant.search import lexical
from assistant.search.embedders import Embedder, embedder_for
from assistant.search.lock import IndexBusy, index_lock
from assistant.search.manifest import FileEntry, Manifest
from assistant.search.store import IndexUnavailable, Store, StoreError, Versions, open_client, reaching
from assistant.settings import Settings
from ingest.chunking import Chunker
from ingest.files import discover, key_for
from ingest.loaders import CATALOG_SUFFIXES, LoadError, load_file


class IngestError(RuntimeError):
    """The run cannot proceed (index locked, other embedder, unwritable directory)."""


@dataclass
class Summary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}
    chunks_written: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    documents_total: int = 0
    seconds: float = 0.0
    embedder: str = ""
    collection: str = ""
    finished_at: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def changed(self) -> bool:
        return bool(self.chunks_written or self.chunks_removed)


def chunk_id(key: str, index: int) -> str:
    return hashlib.sha1(f"{key}#{index}".encode()).hexdigest()[:32]


class Pipeline:
    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, progress: Callable[..., Iterator] | None = None
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.progress = progress or (lambda it, **_: it)

    def run(self, paths: list[Path] | None = None, rebuild: bool = False) -> Summary:
        """Index `paths` (default: the corpus folders). A rebuild fills a new collection and puts it in service
        only when complete; searches meanwhile use the old one."""
        started = time.perf_counter()
        paths = [Path(p) for p in (paths or self.settings.corpus_dirs)]
        home = self.settings.home
        with self._locked():
            embedder = self.embedder or embedder_for(self.settings)
            client = self._client()
            versions = Versions(client, self.settings.collection)
            self._drop_unused(versions)
            name = versions.new_name() if rebuild else versions.active()
            store = self._open_store(embedder, client, name)
            manifest_path = self.settings.manifest_for(name)
            manifest = Manifest.load(manifest_path)
            manifest.embedder = embedder.spec
            summary = Summary(embedder=embedder.spec, collection=self.settings.collection)
            self._reconcile(store, manifest, summary)
            found = discover(paths, home)
            summary.skipped += found.skipped
            catalog_files = [f for f in found.files if f.suffix in CATALOG_SUFFIXES]
            catalog = Catalog.from_dirs([*self.settings.corpus_dirs, *paths]) if catalog_files else Catalog([])
            file = _FileRun(
                self, store, manifest, manifest_path, summary, embedder, catalog, self._digest(catalog_files)
            )
            for path in self.progress(found.files, desc="indexing", unit="file"):
                file.ingest(path, key_for(path, home))
            self._remove_deleted(paths, file.seen, store, manifest, manifest_path, summary)
            if rebuild:
                # what the index in service holds from other paths goes out of service with it: say so
                previous = Manifest.load(self.settings.manifest_for(versions.active())).files
                for key in sorted(set(previous) - set(manifest.files)):
                    summary.removed.append(key)
                    summary.chunks_removed += len(previous[key].chunks)
            chunks = store.all_chunks()
            bm25 = lexical.sync(chunks, self.settings.lexical_dir)  # BM25 in step with the store
            if summary.changed or rebuild:
                store.mark_changed()
            summary.chunks_total = len(chunks["ids"])
            summary.documents_total = len(manifest.files)
            summary.seconds = round(time.perf_counter() - started, 2)
            summary.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
            manifest.last_run = summary.as_dict()
            manifest.save(manifest_path)
            if rebuild:
                versions.switch(name)  # the new index goes into service in one atomic write
            lexical.prune(self.settings.lexical_dir, keep={bm25.fingerprint})
            return summary

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The index lock for the run; a lost index server ends the run with a message (files done so far stay
        done: the next run continues where this one stopped)."""
        try:
            with index_lock(self.settings.index_dir), reaching(self.settings.chroma_url or "the index"):
                yield
        except (IndexBusy, IndexUnavailable) as exc:
            raise IngestError(str(exc)) from exc

    def _client(self):
        try:
            return open_client(self.settings)
        except StoreError as exc:
            raise IngestError(str(exc)) from exc
        except Exception as exc:  # Chroma raises many kinds; the person needs the reason, not the class
            raise IngestError(
                f"cannot open the index in {self.settings.chroma_url or self.settings.chroma_dir}: {exc}"
            ) from exc

    def _open_store(self, embedder: Embedder, client, name: str) -> Store:
        try:
            return Store(self.settings, embedder, client, name=name)
        except StoreError as exc:
            raise IngestError(str(exc)) from exc
        except Exception as exc:  # noqa: BLE001
            raise IngestError(
                f"cannot open the index in {self.settings.chroma_url or self.settings.chroma_dir}: {exc}"
            ) from exc

    def _drop_unused(self, versions: Versions) -> None:
        """Collections not in service (a crashed rebuild's, the one the last rebuild replaced) and their manifests."""
        for name in versions.unused():
            versions.client.delete_collection(name)
            self.settings.manifest_for(name).unlink(missing_ok=True)

    @staticmethod
    def _digest(paths: list[Path]) -> str:
        digest = hashlib.sha256()
        for path in sorted(paths):
            try:
                digest.update(path.read_bytes())
            except OSError:
                continue
        return digest.hexdigest()

    @staticmethod
    def _reconcile(store: Store, manifest: Manifest, summary: Summary) -> None:
        """Make the manifest describe exactly what the store holds; chunks no entry owns are removed."""
        by_path: dict[str, tuple[set[str], set[str]]] = {}
        for cid, meta in store.metadata_by_id().items():
            ids, hashes = by_path.setdefault(meta.get("path", ""), (set(), set()))
            ids.add(cid)
            hashes.add(meta.get("content_hash", ""))
        for key, entry in list(manifest.files.items()):
            ids, hashes = by_path.get(key, (set(), set()))
            if ids != set(entry.chunks) or hashes != {entry.hash}:
                del manifest.files[key]  # half-written or foreign: re-index it
        orphans = [cid for key, (ids, _) in by_path.items() if key not in manifest.files for cid in ids]
        if orphans:
            store.delete(orphans)
            summary.chunks_removed += len(orphans)

    def _remove_deleted(
        self, paths: list[Path], seen: set[str], store: Store, manifest: Manifest, manifest_path: Path, summary: Summary
    ) -> None:
        roots = [key_for(p, self.settings.home) for p in paths]
        for key in sorted(manifest.files):
            under = any(key == r or key.startswith(r.rstrip("/") + "/") for r in roots)
            if under and key not in seen:
                entry = manifest.files.pop(key)
                store.delete(entry.chunks)
                manifest.save(manifest_path)
                summary.removed.append(key)
                summary.chunks_removed += len(entry.chunks)


class _FileRun:
    """One run's work on single files: skip the unchanged, load, chunk, embed, then replace the file's chunks."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        manifest: Manifest,
        manifest_path: Path,
        summary: Summary,
        embedder: Embedder,
        catalog: Catalog,
        catalog_digest: str,
    ) -> None:
        self.settings = pipeline.settings
        self.progress = pipeline.progress
        self.store, self.manifest, self.manifest_path, self.summary = store, manifest, manifest_path, summary
        self.embedder, self.catalog, self.catalog_digest = embedder, catalog, catalog_digest
        self.chunker = Chunker(embedder.count_tokens, self.settings.chunk_tokens, self.settings.chunk_overlap)
        self.seen: set[str] = set()

    def _skip(self, key: str, reason: str) -> None:
        self.summary.skipped.append({"path": key, "reason": reason})

    def _hashes(self, path: Path) -> tuple[str, str]:
        """(the bytes' sha256, the index hash: bytes, cross-referenced catalogues and chunk settings)."""
        raw = hashlib.sha256(path.read_bytes()).hexdigest()
        digest = hashlib.sha256(raw.encode())
        if path.suffix in CATALOG_SUFFIXES:
            digest.update(self.catalog_digest.encode())  # cross-references: a KPI edit changes the goal documents
        digest.update(f"{self.settings.chunk_tokens}/{self.settings.chunk_overlap}".encode())
        return raw, digest.hexdigest()

    def _twin(self, key: str, raw: str) -> str | None:
        """Another file, still there and indexed, with the same bytes: indexing this one would duplicate it."""
        for other, entry in self.manifest.files.items():
            if other != key and entry.sha256 == raw and (self.settings.home / other).is_file():
                return other
        return None

    def _load(self, path: Path):
        def pages(items):
            return self.progress(items, desc=path.name, unit="page", leave=False)

        return load_file(path, self.settings.max_file_mb, self.catalog, pages)

    def _chunks(self, path: Path, key: str, digest: str) -> tuple[list[str], list[dict]]:
        texts: list[str] = []
        metas: list[dict] = []
        for doc in self._load(path):
            for text in self.chunker.split(doc):
                meta = {k: v for k, v in doc.metadata.items() if k != "whole"}
                meta.update(
                    path=key, chunk_index=len(texts), content_hash=digest, codes="|".join(meta.get("codes", []))
                )
                texts.append(text)
                metas.append({k: v for k, v in meta.items() if v is not None and v != ""})
        if not texts:
            raise LoadError("no text to index")
        return texts, metas

    def ingest(self, path: Path, key: str) -> None:
        self.seen.add(key)
        try:
            raw, digest = self._hashes(path)
        except OSError as exc:
            self._skip(key, f"cannot read the file: {exc.strerror}")
            return
        old = self.manifest.files.get(key)
        if old and old.hash == digest:
            self.summary.unchanged.append(key)
            return
        twin = self._twin(key, raw)
        if twin:
            self._skip(key, f"the same content as {twin}, which is indexed")
            return
        try:
            texts, metas = self._chunks(path, key, digest)
            batches = lambda it: self.progress(it, desc=f"embedding {path.name}", unit="batch", leave=False)  # noqa: E731
            vectors = self.embedder.passages(texts, progress=batches)
        except LoadError as exc:
            self._skip(key, str(exc))
            return
        except (OSError, UnicodeDecodeError) as exc:
            self._skip(key, f"cannot read the file: {exc}")
            return
        ids = [chunk_id(key, i) for i in range(len(texts))]
        self.manifest.files.pop(key, None)
        self.manifest.save(self.manifest_path)  # if the write below dies, the next run re-indexes this file
        self.store.upsert(ids, texts, metas, vectors)
        stale = sorted(set(old.chunks) - set(ids)) if old else []
        self.store.delete(stale)
        self.manifest.files[key] = FileEntry(
            hash=digest, chunks=ids, sha256=raw, ingested_at=datetime.now(UTC).isoformat(timespec="seconds")
        )
        self.manifest.save(self.manifest_path)
        (self.summary.updated if old else self.summary.added).append(key)
        self.summary.chunks_written += len(ids)
        self.summary.chunks_removed += len(stale)
