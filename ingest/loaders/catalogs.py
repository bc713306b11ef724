"""The catalogues (SDG, U4SSC) and the quiz, written in YAML: one document per item, language and section."""

from __future__ import annotations

from pathlib import Path

import yaml
from langchain_core.documents import Document

from assistant.knowledge.cards import sections
from assistant.knowledge.catalog import Catalog, CatalogError, is_catalog, load_catalog_file
from assistant.knowledge.quiz import parse_quiz, quiz_documents_text
from assistant.language import registry
from ingest.loaders.common import LoadError, read_text


def load_quiz(path: Path, data: dict) -> list[Document]:
    """Quiz items are indexed too: each is a short question-and-answer document in both languages."""
    try:
        items = parse_quiz(data, path.as_posix())
    except CatalogError as exc:
        raise LoadError(f"quiz: {exc}") from exc
    return [
        Document(
            page_content=quiz_documents_text(q, lang),
            metadata={
                "source": str(q["source"]),
                "title": q[f"question_{lang}"],
                "language": lang,
                "doc_type": "quiz",
                "as_of": str(q["as_of"]),
                "codes": [],
                "section": q["id"],
                "whole": True,
            },
        )
        for q in items
        for lang in registry.corpus_codes()
    ]


def load_catalog(path: Path, catalog: Catalog) -> list[Document]:
    """One document per item, language and section; `catalog` resolves cross-references across files."""
    try:
        items = load_catalog_file(path)
    except CatalogError as exc:
        raise LoadError(f"catalogue: {exc}") from exc
    docs = []
    for item in items:
        full = catalog.items.get(item.code, item)
        codes = [item.code, *item.parents] if item.kind != "kpi" else [item.code, *item.related]
        for lang in registry.corpus_codes():
            for section, text in sections(catalog, full, lang):
                docs.append(
                    Document(
                        page_content=text,
                        metadata={
                            "source": item.source,
                            "title": text.split("\n", 1)[0],
                            "language": lang,
                            "doc_type": item.doc_type,
                            "as_of": item.as_of,
                            "codes": codes,
                            "section": f"{item.code} ({section})" if item.kind == "goal" else item.code,
                            "whole": True,
                        },
                    )
                )
    return docs


def load_yaml(path: Path, catalog: Catalog) -> list[Document]:
    """A catalogue (SDG, U4SSC) or quiz file; `catalog` resolves cross-references across files."""
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        raise LoadError(f"not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not is_catalog(data):
        raise LoadError("a YAML file must be a catalogue (top-level key 'catalog: sdg', 'u4ssc' or 'quiz')")
    if data["catalog"] == "quiz":
        return load_quiz(path, data)
    return load_catalog(path, catalog)
