"""BM25 over the same chunks as Chroma (bm25s, terms stemmed by each chunk's language: `language.tokens`).

Persisted beside the Chroma index with a fingerprint of the chunks it was built from; ingestion rebuilds it after
every run that changed the store, and a reader whose fingerprint disagrees with the store rebuilds it too.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

import bm25s
import numpy as np

from assistant.language import registry
from assistant.language.tokens import share_known, tokens

# The frameworks' words for the same things (as stemmed): a question may say "KPI-er" where a document says
# "nøkkelindikatorer", or "SDG" where it says "bærekraftsmål". A query term brings its equivalents along.
SYNONYMS = {  # keys and values are stems as `tokens` makes them (tested)
    "kpi": ("indikator", "nøkkelindikator", "indicator"),
    "kpis": ("indikator", "nøkkelindikator", "indicator"),
    "sdg": ("bærekraftsmål", "goal", "mål"),
    "sdgs": ("bærekraftsmål", "goal", "mål"),
    "bærekraftsmål": ("sdg", "goal"),
    "delmål": ("target",),
    "target": ("delmål",),
    "indicator": ("indikator", "kpi", "kpis"),
    "indikator": ("indicator", "kpi", "kpis"),
    "fn": ("un",),
    "un": ("fn",),
}


def expand(terms: list[str]) -> list[str]:
    """The terms and their equivalents (SYNONYMS), each once."""
    return list(dict.fromkeys([*terms, *(alt for term in terms for alt in SYNONYMS.get(term, ()))]))


def fingerprint(ids: list[str], hashes: list[str]) -> str:
    digest = hashlib.sha256()
    for chunk_id, chunk_hash in sorted(zip(ids, hashes)):
        digest.update(f"{chunk_id}:{chunk_hash};".encode())
    return digest.hexdigest()


class LexicalIndex:
    def __init__(self, ids: list[str], model: bm25s.BM25 | None, fp: str) -> None:
        self.ids = ids
        self.model = model
        self.fingerprint = fp
        self._pos = {cid: n for n, cid in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], texts: list[str], languages: list[str], hashes: list[str]) -> LexicalIndex:
        fp = fingerprint(ids, hashes)
        if not ids:
            return cls([], None, fp)
        model = bm25s.BM25()
        model.index(
            [tokens(t, (registry.get(lang).code,)) or ["_"] for t, lang in zip(texts, languages)],
            show_progress=False,
        )
        return cls(list(ids), model, fp)

    def save(self, directory: Path) -> None:
        """Write to a fresh temporary folder, then rename it to `directory` (kept if another writer won the race)."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}-"))
        if self.model is not None:
            self.model.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps({"fingerprint": self.fingerprint, "ids": self.ids}), encoding="utf-8")
        try:
            tmp.rename(directory)
        except OSError:  # the same version was saved meanwhile: keep that one
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex | None:
        try:
            meta = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
            model = bm25s.BM25.load(str(directory), show_progress=False) if meta["ids"] else None
        except (OSError, ValueError, KeyError):
            return None
        return cls(meta["ids"], model, meta["fingerprint"])

    def known(self, query: str) -> float:
        """Share of the query's content words that occur anywhere in the corpus (either stem form)."""
        return share_known(query, self.model.vocab_dict if self.model is not None else {})

    def frequency(self, stem: str) -> int:
        """In how many chunks a stem occurs (0 for one the corpus lacks)."""
        if self.model is None or stem not in self.model.vocab_dict:
            return 0
        pointer = self.model.scores["indptr"]
        token = self.model.vocab_dict[stem]
        return int(pointer[token + 1] - pointer[token])

    def mask(self, allowed: set[str]) -> np.ndarray:
        """A BM25 weight mask admitting only these chunk ids."""
        mask = np.zeros(len(self.ids), dtype=np.float32)
        mask[[self._pos[i] for i in allowed if i in self._pos]] = 1.0
        return mask

    def search(self, query: str, limit: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; `mask` (from `mask()`) restricts the chunks (filters)."""
        if self.model is None:
            return []
        terms = expand(tokens(query))
        terms = [t for t in terms if t in self.model.vocab_dict]
        if not terms:
            return []
        docs, scores = self.model.retrieve([terms], k=min(limit, len(self.ids)), show_progress=False, weight_mask=mask)
        return [(self.ids[d], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]


def sync(chunks: dict, directory: Path) -> LexicalIndex:
    """The BM25 index for these chunks (a Chroma `get` result): loaded when saved before, else built and saved.

    Each version lives in its own folder named by its fingerprint, written under a temporary name and renamed
    into place, so a reader never sees a half-written index and two processes never write the same folder."""
    hashes = [m.get("content_hash", "") for m in chunks["metadatas"]]
    fp = fingerprint(chunks["ids"], hashes)
    folder = directory / fp[:16]
    index = LexicalIndex.load(folder)
    if index is None or index.fingerprint != fp:
        index = LexicalIndex.build(
            chunks["ids"], chunks["documents"], [m.get("language", "") for m in chunks["metadatas"]], hashes
        )
        index.save(folder)
    return index


def prune(directory: Path, keep: set[str]) -> None:
    """Remove saved versions other than those with these fingerprints (ingestion does this, under its lock)."""
    if not directory.is_dir():
        return
    wanted = {fp[:16] for fp in keep}
    for folder in directory.iterdir():
        writing = folder.name.startswith(".") and time.time() - folder.stat().st_mtime < 3600  # a reader saving
        if folder.name not in wanted and not writing:
            shutil.rmtree(folder, ignore_errors=True)
