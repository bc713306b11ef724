"""Wiring: build the components the settings choose, once, for the CLI and the app."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from assistant.answer import Answerer
from assistant.catalog import Catalog, load_catalog
from assistant.feedback import FeedbackStore
from assistant.llm import Backend, backends
from assistant.quiz import load_quiz_files
from assistant.prompts import Prompts
from assistant.embeddings import Embedder, embedder_for
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.store import Store
from ingest.manifest import Manifest


@dataclass
class Services:
    settings: Settings = field(default_factory=Settings)

    @cached_property
    def embedder(self) -> Embedder:
        return embedder_for(self.settings)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings, self.embedder)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder, self.catalog, self.settings.lexical_dir,
                         self.settings.bm25_weight)

    @cached_property
    def prompts(self) -> Prompts:
        return Prompts.load(self.settings.prompts_dir)

    @cached_property
    def backends(self) -> list[Backend]:
        return backends(self.settings)

    @cached_property
    def answerer(self) -> Answerer:
        return Answerer(self.settings, self.retriever, self.catalog, self.prompts, self.backends)

    @cached_property
    def feedback(self) -> FeedbackStore:
        return FeedbackStore(self.settings.feedback_db)

    @cached_property
    def quiz_items(self) -> list[dict]:
        return load_quiz_files(self.settings.corpus_dirs)

    def warm(self) -> "Services":
        """Open the index and load the embedder now, not at the first question."""
        _ = self.answerer
        return self

    def backend_status(self) -> list[dict]:
        """Each backend of the chain: usable now, and why not."""
        out = []
        for b in self.backends:
            ok, why = b.available()
            out.append({"name": b.name, "available": ok, "reason": why})
        return out

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(tuple(self.settings.corpus_dirs))

    def status(self) -> dict:
        """What the index holds: for the app's sidebar and `assistant status`."""
        manifest = Manifest.load(self.settings.manifest_path)
        return {
            "index": self.settings.chroma_url or str(self.settings.chroma_dir),
            "collection": self.settings.collection,
            "embedder": self.embedder.spec,
            "embedder_name": getattr(self.embedder, "name", self.embedder.spec),
            "files": len(manifest.files),
            "chunks": self.store.count(),
            "last_ingestion": manifest.last_run.get("finished_at"),
            "last_summary": manifest.last_run,
        }
