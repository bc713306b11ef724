"""Wiring: build the components the settings choose, once, for the CLI and the app. The one place where answering
meets ingestion: `reindex` runs the pipeline under the index lock and brings the readers up to date."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from assistant import texts
from assistant.answering.answerer import Answerer
from assistant.answering.cache import AnswerCache
from assistant.answering.evidence import Evidence, QuoteFinder, Thresholds
from assistant.answering.prompts import MessageBuilder, Prompts
from assistant.answering.reuse import Reuse
from assistant.answering.understanding import Understanding
from assistant.answering.writing import Writer
from assistant.knowledge.catalog import Catalog, load_catalog
from assistant.knowledge.codes import find_codes
from assistant.knowledge.quiz import load_quiz_files
from assistant.language.planted import PlantedFilter
from assistant.llm.base import Backend
from assistant.llm.chain import backends
from assistant.mapping.mapper import Mapper, MappingError
from assistant.mapping.parts import Mapping
from assistant.people.access import PasswordGate
from assistant.people.feedback import FeedbackStore
from assistant.search.embedders import Embedder, embedder_for
from assistant.search.manifest import Manifest
from assistant.search.ranking import Tuning
from assistant.search.retrieval import Query, Result, Retriever
from assistant.search.snapshot import Reader
from assistant.search.store import Store, reaching
from assistant.settings import Settings, load_settings

log = logging.getLogger(__name__)


def _remote_hosts(urls: Sequence[str | None]) -> list[str]:
    """The hosts these URLs point to that are other machines (not this one's names or loopback), sorted."""
    hosts = {urlsplit(url if "//" in url else f"//{url}").hostname or "" for url in urls if url}
    return sorted(h for h in hosts if h not in ("", "localhost", "::1") and not h.startswith("127."))


class ReindexError(RuntimeError):
    """Indexing could not run (locked by another run, unwritable folder, another embedder); the message says why."""


class Services:
    """Components built on first use. `embedder` and `backends` can be given instead (tests share a loaded
    embedder, or answer with a fake model)."""

    def __init__(
        self, settings: Settings | None = None, embedder: Embedder | None = None, backends: list[Backend] | None = None
    ) -> None:
        self.settings = settings or Settings()
        texts.use(self.settings.prompts_dir)
        if embedder is not None:
            self.__dict__["embedder"] = embedder
        if backends is not None:
            self.__dict__["backends"] = backends

    @cached_property
    def embedder(self) -> Embedder:
        return embedder_for(self.settings)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings, self.embedder, create=False)  # ingestion makes the index; readers never do

    @cached_property
    def reader(self) -> Reader:
        reader = Reader(
            self.store, self.settings.lexical_dir, self.settings.refresh_seconds, self.settings.exact_search_max
        )
        reader.listeners.append(self._read_catalog_again)
        return reader

    def _read_catalog_again(self, _snapshot: object) -> None:
        """A new index generation (this process's ingestion or another's) may come with an edited catalogue: its
        cards, titles and codes are read again, so answers (and the cache's check of them) use the new ones."""
        if "catalog" in self.__dict__:
            self.catalog.replace(Catalog.from_dirs(self.settings.corpus_dirs))

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.reader, self.embedder, Tuning.of(self.settings))

    def query(self, text: str) -> Query:
        """A search query for a text: embedded, with the catalogue codes it names."""
        return self.retriever.query(text, find_codes(text, self.catalog))

    def search(self, text: str, k: int | None = None, **filters) -> list[Result]:
        """The best chunks for a text (`Retriever.search` of its query: mode, language, doc_type)."""
        return self.retriever.search(self.query(text), k=k or self.settings.top_k, **filters)

    @cached_property
    def prompts(self) -> Prompts:
        return Prompts.load(self.settings.prompts_dir)

    @cached_property
    def backends(self) -> list[Backend]:
        return backends(self.settings)

    @cached_property
    def cache(self) -> AnswerCache | None:
        if not self.settings.cache_answers:
            return None
        return AnswerCache(self.settings.answer_cache_path, self.settings.cache_similarity)

    @cached_property
    def evidence(self) -> Evidence:
        settings = self.settings
        return Evidence(
            self.catalog,
            self.retriever,
            Thresholds.of(settings),
            QuoteFinder(self.embedder, settings.quote_sentences, PlantedFilter(self.embedder, settings.index_dir)),
            settings.top_k,
            settings.answer_sources,
            settings.scope_rules,
        )

    @cached_property
    def answerer(self) -> Answerer:
        settings = self.settings
        understanding = Understanding(
            self.catalog,
            self.retriever,
            self.prompts,
            self.backends,
            self.evidence.strong,
            settings.top_k,
            settings.log_content,
        )
        builder = MessageBuilder(self.prompts, settings.card_lines, settings.model_quote_words)
        writer = Writer(
            self.catalog,
            builder,
            settings.audience_max_tokens,
            settings.check_answers,
            lambda: self.retriever.lowercase,
        )
        reuse = Reuse(self.cache, self.prompts.version) if self.cache else None
        return Answerer(understanding, self.evidence, writer, self.prompts, self.backends, reuse, settings.audience)

    @cached_property
    def mapper(self) -> Mapper:
        settings = self.settings
        return Mapper(
            self.catalog,
            self.embedder,
            self.retriever,
            settings.index_dir / "mapping",
            settings.map_min_confidence,
            settings.map_relative,
            settings.map_min_coverage,
            settings.map_min_known,
            max_chars=settings.map_max_chars,
        )

    def map_file(self, path: Path, progress: Callable[[Iterable], Iterable] = iter) -> Mapping:
        """Map a PDF, Markdown, text or HTML file with ingestion's loaders and limits; nothing is indexed. Raises
        MappingError naming the reason a file cannot be read."""
        from ingest.loaders import LoadError, load_file

        try:
            documents = load_file(path, self.settings.max_file_mb)
        except (LoadError, OSError) as exc:
            raise MappingError(str(exc)) from exc
        sections = [
            (
                doc.metadata.get("section") or (f"p. {doc.metadata['page']}" if doc.metadata.get("page") else ""),
                doc.page_content,
            )
            for doc in documents
        ]
        return self.mapper.map_sections(sections, progress)

    @cached_property
    def feedback(self) -> FeedbackStore:
        return FeedbackStore(self.settings.feedback_db, self.settings.feedback_url)

    @cached_property
    def password_gate(self) -> PasswordGate:
        return PasswordGate(self.settings.admin_password)

    @cached_property
    def quiz_items(self) -> list[dict]:
        return load_quiz_files(self.settings.corpus_dirs)

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(tuple(self.settings.corpus_dirs))

    def elsewhere(self) -> dict[str, list[str]]:
        """Which other machines the running configuration sends data to: `model` (where questions and their sources
        go to be answered), `feedback` (where feedback is kept when not in a local file; cached answers always are) and
        `search` (an index server). An empty list: nothing of that kind leaves this machine."""
        settings = self.settings
        chain = {backend.kind for backend in self.backends}
        model_urls = [
            url
            for kind, url in (("ollama", settings.ollama_host), ("openai", settings.openai_base_url))
            if kind in chain and url
        ]
        return {
            "model": _remote_hosts(model_urls),
            "feedback": _remote_hosts([settings.feedback_url]),
            "search": _remote_hosts([settings.chroma_url]),
        }

    def purge(self) -> dict[str, int]:
        """Delete feedback and cached answers older than the retention period."""
        days = self.settings.retention_days
        return {"feedback": self.feedback.purge(days), "cache": self.cache.purge(days) if self.cache else 0}

    def warm(self, models: bool = False) -> Services:
        """Open the index and load the embedder now, not at the first question, and delete what the retention
        period has passed; with `models`, also load the local model that would answer first."""
        _ = self.answerer
        if self.evidence.quotes.planted is not None:
            self.evidence.quotes.planted.weights()  # fitted once per index, read back after: not at the first question
        try:
            self.purge()
        except Exception:  # noqa: BLE001 - a feedback database that is away must not stop the app
            log.warning("deleting entries past the retention period failed", exc_info=True)
        if models:
            for backend in self.backends:
                if backend.available()[0]:
                    backend.warm()
                    break
        return self

    def reindex(
        self, paths: list[Path] | None = None, progress: Callable[..., Iterator] | None = None, rebuild: bool = False
    ):
        """Index `paths` (default: the corpus folders) with this process's embedder, under the index lock, then
        load the new index and catalogue for the questions that follow."""
        from ingest.pipeline import IngestError, Pipeline  # ingestion, reached from the answering side only here

        try:
            summary = Pipeline(self.settings, embedder=self.embedder, progress=progress).run(paths, rebuild=rebuild)
        except IngestError as exc:
            raise ReindexError(str(exc)) from exc
        self.__dict__.pop("mapper", None)  # its catalogue vectors are made anew
        self.reader.refresh()  # the catalogue is read again with the new index (`_read_catalog_again`)
        return summary

    def backend_status(self) -> list[dict]:
        """Each backend of the chain: usable now, and why not."""
        out = []
        for backend in self.backends:
            ok, why = backend.available()
            out.append({"name": backend.name, "available": ok, "reason": why})
        return out

    def status(self) -> dict:
        """What the index holds: for the app's sidebar and `assistant status` (raises IndexUnavailable)."""
        store = self.reader.current().store  # the collection in service now
        manifest = Manifest.load(self.settings.manifest_for(store.name))
        with reaching(store.where):
            chunks = store.count()
        return {
            "index": self.settings.chroma_url or str(self.settings.chroma_dir),
            "collection": self.settings.collection,
            "embedder": self.embedder.spec,
            "embedder_name": getattr(self.embedder, "name", self.embedder.spec),
            "files": len(manifest.files),
            "chunks": chunks,
            "last_ingestion": manifest.last_run.get("finished_at"),
            "last_summary": manifest.last_run,
        }


_SHARED: dict[str, Services] = {}
_SHARING = threading.Lock()


def shared() -> Services:
    """The services of this process for the settings in force (the app's sessions share them; `assistant.app.web`
    warms them before the server starts)."""
    settings = load_settings()
    key = settings.model_dump_json()
    with _SHARING:
        if key not in _SHARED:
            _SHARED[key] = Services(settings)
        return _SHARED[key]
