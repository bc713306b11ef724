"""Loaders: one file in, `Document`s out (text + metadata), or a `LoadError` with a reason a person understands.
One module per kind of file; `load_file` chooses by the file's extension."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from langchain_core.documents import Document

from assistant.knowledge.catalog import Catalog
from ingest.loaders.catalogs import load_yaml
from ingest.loaders.common import LoadError
from ingest.loaders.markdown import front_matter, load_markdown
from ingest.loaders.pdf import load_pdf
from ingest.loaders.web import load_html, load_text

__all__ = ["LoadError", "front_matter", "load_file", "load_html", "load_markdown", "load_pdf", "load_text"]


LOADERS: dict[str, Callable[[Path], list[Document]]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
}
CATALOG_SUFFIXES = (".yaml", ".yml")
SUPPORTED = tuple(LOADERS) + CATALOG_SUFFIXES


def load_file(
    path: Path, max_mb: float, catalog: Catalog | None = None, progress: Callable[[Iterable], Iterator] = iter
) -> list[Document]:
    """A file's documents by its type, within the size limit; catalogue and quiz YAML only when `catalog` is given."""
    size_mb = path.stat().st_size / 1e6
    if size_mb > max_mb:
        raise LoadError(f"the file is {size_mb:.0f} MB, above the limit of {max_mb:g} MB")
    suffix = path.suffix.lower()
    if suffix in CATALOG_SUFFIXES and catalog is not None:
        return load_yaml(path, catalog)
    if suffix not in LOADERS:
        kinds = SUPPORTED if catalog is not None else tuple(LOADERS)
        raise LoadError(f"unknown file type '{suffix or path.name}' (supported: {', '.join(kinds)})")
    if suffix == ".pdf":
        return load_pdf(path, progress=progress)
    return LOADERS[suffix](path)
