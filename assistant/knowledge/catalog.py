"""The SDG and U4SSC catalogues in corpus/: items by code with their hierarchy and cross-references, loaded from
files checked by `schema`.

Hierarchies: goal -> target -> indicator; dimension -> sub-dimension -> category -> KPI.
Cross-references: KPI <-> SDG (from each KPI's `related_sdgs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.knowledge import schema
from assistant.knowledge.codes import normalize_code
from assistant.knowledge.schema import CatalogError
from assistant.language.registry import OFFICIAL
from assistant.texts import Section

NAMES = Section("u4ssc")  # the U4SSC framework's dimensions, sub-dimensions, categories and levels, by language
DOC_TYPES = {"goal": "sdg_goal", "target": "sdg_target", "indicator": "sdg_indicator", "kpi": "u4ssc_kpi"}


@dataclass
class Item:
    code: str
    kind: str  # goal | target | indicator | kpi
    title: dict[str, str]  # official English title and the translations
    short: dict[str, str] = field(default_factory=dict)
    text: dict[str, dict[str, str]] = field(default_factory=dict)  # e.g. {"about": {"nb": ..., "en": ...}}
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)  # KPI: dimension, level, numerator, values, ...; indicator: unsd_code
    source: str = ""
    source_title: str = ""
    publisher: str = ""
    author: str = ""
    issued: str = ""
    accessed: str = ""
    as_of: str = ""
    path: str = ""

    def label(self, lang: str) -> str:
        return self.short.get(lang) or self.title.get(lang) or self.title.get(OFFICIAL, "")

    def titled(self, lang: str) -> str:
        """The official title in the reader's language (the official language's where it has none)."""
        return self.title.get(lang) or self.title.get(OFFICIAL, "")

    def about(self, section: str, lang: str) -> str:
        texts = self.text.get(section, {})
        return texts.get(lang) or texts.get(OFFICIAL, "")

    @property
    def doc_type(self) -> str:
        return DOC_TYPES[self.kind]


def group_name(level: str, name: str, lang: str) -> str:
    """A U4SSC dimension, sub-dimension, category or level in the reader's language ('Economy' -> 'Økonomi')."""
    return NAMES[lang].get(level, {}).get(name, name)


def _common(data: schema.Reference, path: str) -> dict:
    fields = ("source", "source_title", "publisher", "author", "issued", "accessed")
    return {**{name: getattr(data, name) for name in fields}, "as_of": getattr(data, "as_of", ""), "path": path}


def _sdg_items(data: schema.SdgFile, common: dict) -> list[Item]:
    goal_data = data.goal
    goal = Item(
        code=goal_data.code,
        kind="goal",
        title=dict(goal_data.title),
        short=dict(goal_data.short),
        text={"about": dict(goal_data.about), "municipal": dict(goal_data.municipal)},
        **common,
    )
    items = [goal]
    indicators: dict[str, Item] = {}
    for target_data in data.targets:
        target = Item(
            code=target_data.code, kind="target", title=dict(target_data.title), parents=[goal.code], **common
        )
        goal.children.append(target.code)
        items.append(target)
        for indicator_data in target_data.indicators:
            target.children.append(indicator_data.code)
            if indicator_data.code in indicators:  # listed under several targets
                indicators[indicator_data.code].parents.append(target.code)
                continue
            indicator = Item(
                code=indicator_data.code,
                kind="indicator",
                title=dict(indicator_data.title),
                parents=[target.code],
                attrs={"unsd_code": indicator_data.unsd_code},
                **common,
            )
            indicators[indicator.code] = indicator
            items.append(indicator)
    return items


def _kpi_items(data: schema.U4sscFile, common: dict) -> list[Item]:
    items = []
    for kpi in data.kpis:
        attrs = kpi.model_dump(
            include={"dimension", "sub_dimension", "category", "level", "type", "note", "numerator", "denominator"}
            | {"unit", "method_nb"}
        )
        attrs["values"] = [value.model_dump() for value in kpi.values]
        items.append(
            Item(
                code=kpi.code,
                kind="kpi",
                title=dict(kpi.name),
                text={"definition": dict(kpi.definition)},
                parents=[kpi.category],
                related=list(kpi.related_sdgs),
                attrs=attrs,
                **common,
            )
        )
    return items


def parse_catalog(data: dict, path: str) -> list[Item]:
    """Items of one catalogue file (already YAML-loaded); raises CatalogError naming the bad field."""
    if not isinstance(data, dict) or data.get("catalog") not in ("sdg", "u4ssc"):
        raise CatalogError("not a catalogue: the top-level key 'catalog' must be 'sdg' or 'u4ssc'")
    checked = schema.validate(data)
    if isinstance(checked, schema.SdgFile):
        return _sdg_items(checked, _common(checked, path))
    assert isinstance(checked, schema.U4sscFile)
    return _kpi_items(checked, _common(checked, path))


def load_catalog_file(path: Path) -> list[Item]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"not valid YAML: {exc}") from exc
    return parse_catalog(data, path.as_posix())


def is_catalog(data) -> bool:
    return isinstance(data, dict) and "catalog" in data


class Catalog:
    """All items by code, with the hierarchy and the KPI <-> SDG cross-references resolved."""

    def __init__(self, items: Iterable[Item]) -> None:
        self.items: dict[str, Item] = {}
        for item in items:
            self.items[item.code] = item
        for kpi in self.kpis():
            for code in kpi.related:
                goal = self.items.get(code.split(".")[0])
                if goal and kpi.code not in goal.related:
                    goal.related.append(kpi.code)

    @classmethod
    def from_dirs(cls, dirs: Iterable[Path]) -> Catalog:
        """Every valid catalogue file in these folders (or these files); an item found twice is kept once."""
        items: list[Item] = []
        files = {
            f.resolve(): f for d in dirs for f in ([Path(d)] if Path(d).is_file() else sorted(Path(d).rglob("*.y*ml")))
        }
        for path in files.values():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
                if is_catalog(data):
                    items.extend(parse_catalog(data, path.as_posix()))
            except (yaml.YAMLError, OSError, UnicodeDecodeError, CatalogError):
                continue  # ingestion reports broken files; the catalogue leaves them out
        return cls(items)

    def replace(self, other: Catalog) -> None:
        """Take another catalogue's items (read again after the index changed): every holder sees them at once."""
        self.items = other.items

    def __contains__(self, code: str) -> bool:
        return code in self.items

    def get(self, code: str) -> Item | None:
        return self.items.get(normalize_code(code))

    def of_kind(self, kind: str) -> list[Item]:
        return [i for i in self.items.values() if i.kind == kind]

    def goals(self) -> list[Item]:
        return sorted(self.of_kind("goal"), key=lambda i: int(i.code))

    def kpis(self) -> list[Item]:
        return self.of_kind("kpi")

    def path(self, code: str) -> list[str]:
        """The place in the hierarchy, top first: ['11', '11.6', '11.6.2'] or
        ['Economy', 'ICT', 'ICT Infrastructure', 'EC: ICT: ICT: 1C']."""
        item = self.get(code)
        if item is None:
            return []
        if item.kind == "kpi":
            attrs = item.attrs
            return [attrs["dimension"], attrs["sub_dimension"], attrs["category"], item.code]
        chain = [item.code]
        while item.parents and item.parents[0] in self.items:
            item = self.items[item.parents[0]]
            chain.insert(0, item.code)
        return chain

    def related(self, code: str) -> list[Item]:
        """KPIs for an SDG code (via its goal), SDG items for a KPI."""
        item = self.get(code)
        if item is None:
            return []
        if item.kind == "kpi":
            return [self.items[c] for c in item.related if c in self.items]
        goal = self.items.get(item.code.split(".")[0])
        return [self.items[c] for c in (goal.related if goal else []) if c in self.items]

    def tree(self) -> dict[str, dict[str, dict[str, list[str]]]]:
        """U4SSC: dimension -> sub-dimension -> category -> KPI codes."""
        out: dict = {}
        for kpi in self.kpis():
            attrs = kpi.attrs
            out.setdefault(attrs["dimension"], {}).setdefault(attrs["sub_dimension"], {}).setdefault(
                attrs["category"], []
            ).append(kpi.code)
        return out

    def search(self, words: str, limit: int = 50) -> list[Item]:
        """Items whose code or title (either language) contains every word."""
        code = self.get(words.strip())
        if code:
            return [code]
        terms = words.lower().split()
        hits = [
            i
            for i in self.items.values()
            if all(
                t in f"{i.code} {i.title['en']} {i.title['nb']} {i.short.get('en', '')} {i.short.get('nb', '')}".lower()
                for t in terms
            )
        ]
        return hits[:limit]


@lru_cache(maxsize=4)
def load_catalog(dirs: tuple[Path, ...]) -> Catalog:
    return Catalog.from_dirs(dirs)
