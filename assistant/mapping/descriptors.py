"""The catalogue's own words as vectors, which a text's sentences are compared with."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from assistant.knowledge.catalog import Catalog
from assistant.language import registry
from assistant.language.sentences import split
from assistant.search.embedders import Embedder


class Descriptors:
    """The catalogue's words as vectors: one row per title or description sentence, owned by an item code.
    Embedded once per catalogue and embedder, and kept in `folder`."""

    def __init__(self, catalog: Catalog, embedder: Embedder, folder: Path) -> None:
        owners, texts = [], []
        for item in catalog.of_kind("goal") + catalog.of_kind("target") + catalog.of_kind("indicator"):
            for lang in registry.corpus_codes():
                about = item.text.get("about", {}).get(lang, "")
                for text in [item.title.get(lang), item.short.get(lang), *split(about, lang)[:6]]:
                    if text:
                        owners.append(item.code)
                        texts.append(text)
        for item in catalog.kpis():
            for lang in registry.corpus_codes():
                for text in (item.title.get(lang), item.text.get("definition", {}).get(lang)):
                    if text:
                        owners.append(item.code)
                        texts.append(text)
        self.owners = np.array(owners)
        digest = hashlib.sha1("\n".join([embedder.spec, *owners, *texts]).encode()).hexdigest()[:16]
        cached = folder / f"descriptors-{digest}.npy"
        if cached.exists():
            self.vectors = np.load(cached)
        else:
            self.vectors = embedder.passages(texts)
            folder.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".partial.npy")
            np.save(partial, self.vectors)
            partial.replace(cached)
