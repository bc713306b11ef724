"""The sources the corpus cites, each described once for a reference: who wrote or published it, its title, date,
address and when the project read it, gathered from the Markdown documents' front matter, the catalogue files and
the KPI values (a value names its report; the report's document in guides/ gives the rest).

A source stated in two places must agree, and one without a title, an author or publisher, or an access date is a
corpus defect (`defects`, checked by a test): the citation styles would print a reference that misleads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.answering.citations import Citation
from assistant.knowledge.catalog import Catalog, Item, load_catalog

FIELDS = ("title", "author", "publisher", "issued", "accessed")
REQUIRED = {"title": "source_title", "accessed": "accessed"}  # and author or publisher


@dataclass(frozen=True)
class Source:
    """One cited work: `url` is its address (or the file a document was read from), `page` the page cited."""

    url: str
    title: str = ""
    author: str = ""
    publisher: str = ""
    issued: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD; empty when the source is undated ("n.d." / "u.å.")
    accessed: str = ""
    page: int | None = None

    @property
    def key(self) -> tuple:
        return (self.url, self.page)


def _of(meta: dict, url_key: str = "source") -> Source:
    def text(name: str) -> str:
        value = meta.get(name)
        return " ".join(str(value).split()) if value is not None else ""

    return Source(
        url=text(url_key),
        title=text("source_title"),
        author=text("author"),
        publisher=text("publisher"),
        issued=text("issued"),
        accessed=text("accessed"),
    )


def front_matter(path: Path) -> dict:
    """A Markdown document's front matter ({} when it has none or it is broken: ingestion reports those)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    head, found, _ = text[3:].partition("\n---")
    try:
        meta = yaml.safe_load(head) if found else None
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


class Register:
    """Every source by address, merged from the places that state it, with the defects found while merging."""

    def __init__(self, stated: Iterable[tuple[str, Source]]) -> None:
        self.sources: dict[str, Source] = {}
        self.where: dict[str, list[str]] = {}
        self.conflicts: list[str] = []
        for place, source in stated:
            self._add(place, source)

    def _add(self, place: str, source: Source) -> None:
        known = self.sources.get(source.url)
        self.where.setdefault(source.url, []).append(place)
        if known is None:
            self.sources[source.url] = source
            return
        merged = {}
        for name in FIELDS:
            old, new = getattr(known, name), getattr(source, name)
            if old and new and old != new:
                self.conflicts.append(f"{place}: {name} {new!r} differs from {old!r} in {self.where[source.url][0]}")
            merged[name] = old or new
        self.sources[source.url] = replace(known, **merged)

    def defects(self) -> list[str]:
        """What a citation style would lack or get wrong, each naming the file and the field."""
        out = list(self.conflicts)
        for url, source in self.sources.items():
            place = self.where[url][0]
            missing = [field for name, field in REQUIRED.items() if not getattr(source, name)]
            if not (source.author or source.publisher):
                missing.append("author or publisher")
            if missing:
                out.append(f"{place}: the source {url} has no {', '.join(missing)}")
        return out

    def get(self, url: str) -> Source | None:
        return self.sources.get(url)

    def of_item(self, item: Item) -> Source:
        """The document a catalogue item is stated in (the framework's own publication)."""
        return self.sources.get(item.source) or _of(vars(item))

    def of_value(self, value: dict) -> Source:
        """The report a KPI value is read from."""
        return self.sources.get(value["source"]) or _of(value)

    def of_citation(self, citation: Citation, accessed: str) -> Source:
        """A cited passage's source at its page; a file outside the corpus (an upload) is described by what its
        citation says, read on `accessed`."""
        known = self.sources.get(citation.source)
        if known is not None:
            return replace(known, page=citation.page)
        return Source(url=citation.source, title=citation.title, accessed=accessed, page=citation.page)


def _stated(dirs: Iterable[Path], catalog: Catalog) -> Iterable[tuple[str, Source]]:
    for folder in dirs:
        for path in sorted(Path(folder).rglob("*.md")) if Path(folder).is_dir() else []:
            meta = front_matter(path)
            if meta.get("source"):
                yield path.as_posix(), _of(meta)
    for item in sorted(catalog.items.values(), key=lambda i: i.path):
        yield item.path, _of(vars(item))
        for value in item.attrs.get("values", []):
            yield f"{item.path}: {item.code} ({value['city']})", _of(value)


@lru_cache(maxsize=4)
def load_register(dirs: tuple[Path, ...]) -> Register:
    """The corpus folders' sources (read once per set of folders)."""
    return Register(_stated(dirs, load_catalog(dirs)))
