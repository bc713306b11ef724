"""Incremental ingestion: files -> documents -> chunks -> embeddings -> Chroma, kept equal to the manifest.

Per file, everything that can fail (reading, parsing, embedding) happens before the store is touched; the store
write replaces the file's chunks (upsert, then delete the left-overs) and the manifest is saved right after. At
start the manifest is reconciled with the store, so a run killed between the two repairs itself on the next run.
"""
from __future__ import annotations

import fcntl
import hashlib
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from assistant import lexical
from assistant.catalog import Catalog, is_catalog
from assistant.embeddings import Embedder, embedder_for
from assistant.settings import Settings
from assistant.store import Store, StoreError, open_client
from ingest.chunking import Chunker
from ingest.loaders import CATALOG_SUFFIXES, LOADERS, SUPPORTED, LoadError, load_catalog, load_quiz
from ingest.manifest import FileEntry, Manifest

IGNORED_NAMES = {"README.md"}  # format documentation, not knowledge


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
    finished_at: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def key_for(path: Path) -> str:
    """The manifest key and `path` metadata: relative to the working directory when inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def chunk_id(key: str, index: int) -> str:
    return hashlib.sha1(f"{key}#{index}".encode()).hexdigest()[:32]


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "a+")
    except OSError as exc:
        raise IngestError(f"the index directory {index_dir} is not writable: {exc.strerror}") from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise IngestError(f"the index in {index_dir} is locked by another ingestion run; wait for it to finish") from exc
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def discover(paths: list[Path]) -> tuple[list[Path], list[dict]]:
    """Files to index under `paths` (sorted), and the given paths that do not exist."""
    files, missing = [], []
    for root in paths:
        if root.is_file():
            files.append(root)
        elif root.is_dir():
            files += [p for p in sorted(root.rglob("*")) if p.is_file() and p.name not in IGNORED_NAMES
                      and not any(part.startswith(".") for part in p.relative_to(root).parts)]
        else:
            missing.append({"path": root.as_posix(), "reason": "no such file or folder"})
    return files, missing


class Pipeline:
    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 progress: Callable[[Iterator], Iterator] | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.progress = progress or (lambda it, **_: it)

    def run(self, paths: list[Path] | None = None, rebuild: bool = False) -> Summary:
        started = time.perf_counter()
        paths = paths or list(self.settings.corpus_dirs)
        with index_lock(self.settings.index_dir):
            embedder = self.embedder or embedder_for(self.settings)
            store = self._open_store(embedder, rebuild)
            manifest = Manifest() if rebuild else Manifest.load(self.settings.manifest_path)
            manifest.embedder = embedder.spec
            summary = Summary(embedder=embedder.spec)
            self._reconcile(store, manifest, summary)
            files, missing = discover(paths)
            summary.skipped += missing
            catalog_files = [f for f in files if f.suffix in CATALOG_SUFFIXES]
            catalog = Catalog.from_dirs([*self.settings.corpus_dirs, *paths]) if catalog_files else Catalog([])
            catalog_digest = self._digest(catalog_files)
            chunker = Chunker(embedder.count_tokens, self.settings.chunk_tokens, self.settings.chunk_overlap)
            seen = set()
            for path in self.progress(files, desc="indexing", unit="file"):
                key = key_for(path)
                seen.add(key)
                self._ingest_file(path, key, store, manifest, summary, chunker, catalog, catalog_digest)
            self._remove_deleted(paths, seen, store, manifest, summary)
            lexical.sync(store.all_chunks(), self.settings.lexical_dir)  # BM25 in step with the store
            summary.chunks_total = store.count()
            summary.documents_total = len(manifest.files)
            summary.seconds = round(time.perf_counter() - started, 2)
            summary.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
            manifest.last_run = summary.as_dict()
            manifest.save(self.settings.manifest_path)
            return summary

    def _open_store(self, embedder: Embedder, rebuild: bool) -> Store:
        try:
            client = open_client(self.settings)
            if rebuild and self.settings.collection in {getattr(c, "name", c) for c in client.list_collections()}:
                client.delete_collection(self.settings.collection)
            return Store(self.settings, embedder, client)
        except StoreError as exc:
            raise IngestError(str(exc)) from exc
        except Exception as exc:  # Chroma raises many kinds; the person needs the reason, not the class
            raise IngestError(f"cannot open the index in {self.settings.chroma_url or self.settings.chroma_dir}: {exc}") from exc

    @staticmethod
    def _digest(paths: list[Path]) -> str:
        h = hashlib.sha256()
        for p in sorted(paths):
            try:
                h.update(p.read_bytes())
            except OSError:
                continue
        return h.hexdigest()

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

    def _file_hash(self, path: Path, catalog_digest: str) -> str:
        h = hashlib.sha256(path.read_bytes())
        if path.suffix in CATALOG_SUFFIXES:
            h.update(catalog_digest.encode())  # cross-references: a KPI edit changes the goal documents
        h.update(f"{self.settings.chunk_tokens}/{self.settings.chunk_overlap}".encode())
        return h.hexdigest()

    def _load(self, path: Path, catalog: Catalog):
        size_mb = path.stat().st_size / 1e6
        if size_mb > self.settings.max_file_mb:
            raise LoadError(f"the file is {size_mb:.0f} MB, above the limit of {self.settings.max_file_mb:g} MB")
        suffix = path.suffix.lower()
        if suffix in CATALOG_SUFFIXES:
            import yaml

            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except UnicodeDecodeError as exc:
                raise LoadError("the text is not UTF-8; save the file as UTF-8") from exc
            except yaml.YAMLError as exc:
                raise LoadError(f"not valid YAML: {str(exc).splitlines()[0]}") from exc
            if not is_catalog(data):
                raise LoadError("a YAML file must be a catalogue (top-level key 'catalog: sdg', 'u4ssc' or 'quiz')")
            if data["catalog"] == "quiz":
                return load_quiz(path, data)
            return load_catalog(path, catalog)
        if suffix not in LOADERS:
            raise LoadError(f"unknown file type '{suffix or path.name}' (supported: {', '.join(SUPPORTED)})")
        return LOADERS[suffix](path)

    def _ingest_file(self, path: Path, key: str, store: Store, manifest: Manifest, summary: Summary,
                     chunker: Chunker, catalog: Catalog, catalog_digest: str) -> None:
        try:
            digest = self._file_hash(path, catalog_digest)
        except OSError as exc:
            summary.skipped.append({"path": key, "reason": f"cannot read the file: {exc.strerror}"})
            return
        old = manifest.files.get(key)
        if old and old.hash == digest:
            summary.unchanged.append(key)
            return
        try:
            docs = self._load(path, catalog)
            texts, metas = [], []
            for doc in docs:
                for text in chunker.split(doc):
                    meta = {k: v for k, v in doc.metadata.items() if k != "whole"}
                    meta.update(path=key, chunk_index=len(texts), content_hash=digest,
                                codes="|".join(meta.get("codes", [])))
                    meta = {k: v for k, v in meta.items() if v is not None and v != ""}
                    texts.append(text)
                    metas.append(meta)
            if not texts:
                raise LoadError("no text to index")
            vectors = store.embedder.passages(texts)
        except LoadError as exc:
            summary.skipped.append({"path": key, "reason": str(exc)})
            return
        except (OSError, UnicodeDecodeError) as exc:
            summary.skipped.append({"path": key, "reason": f"cannot read the file: {exc}"})
            return
        ids = [chunk_id(key, i) for i in range(len(texts))]
        manifest.files.pop(key, None)
        manifest.save(self.settings.manifest_path)  # if the write below dies, the next run re-indexes this file
        store.upsert(ids, texts, metas, vectors)
        stale = sorted(set(old.chunks) - set(ids)) if old else []
        store.delete(stale)
        manifest.files[key] = FileEntry(hash=digest, chunks=ids,
                                        ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        manifest.save(self.settings.manifest_path)
        (summary.updated if old else summary.added).append(key)
        summary.chunks_written += len(ids)
        summary.chunks_removed += len(stale)

    def _remove_deleted(self, paths: list[Path], seen: set[str], store: Store, manifest: Manifest,
                        summary: Summary) -> None:
        roots = [key_for(p) for p in paths]
        for key in sorted(manifest.files):
            under = any(key == r or key.startswith(r.rstrip("/") + "/") for r in roots)
            if under and key not in seen:
                entry = manifest.files.pop(key)
                store.delete(entry.chunks)
                manifest.save(self.settings.manifest_path)
                summary.removed.append(key)
                summary.chunks_removed += len(entry.chunks)
