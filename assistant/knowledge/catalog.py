"""The SDG and U4SSC catalogues in corpus/: parse, validate, look up codes, and render one document per item.

Hierarchies: goal -> target -> indicator; dimension -> sub-dimension -> category -> KPI.
Cross-references: KPI <-> SDG (from each KPI's `related_sdgs`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

LANGS = ("nb", "en")

DIMENSIONS_NB = {"Economy": "Økonomi", "Environment": "Miljø", "Society and Culture": "Samfunn og kultur"}
SUB_DIMENSIONS_NB = {
    "ICT": "IKT",
    "Productivity": "Produktivitet",
    "Infrastructure": "Infrastruktur",
    "Environment": "Miljø",
    "Energy": "Energi",
    "Education, Health and Culture": "Utdanning, helse og kultur",
    "Safety, Housing and Social Inclusion": "Trygghet, bolig og sosial inkludering",
}
CATEGORIES_NB = {
    "ICT Infrastructure": "IKT-infrastruktur",
    "Water and Sanitation": "Vann og avløp",
    "Drainage": "Overvann",
    "Electricity Supply": "Elektrisitetsforsyning",
    "Transport": "Transport",
    "Public Sector": "Offentlig sektor",
    "Innovation": "Innovasjon",
    "Employment": "Sysselsetting",
    "Waste": "Avfall",
    "Buildings": "Bygninger",
    "Urban Planning": "Byplanlegging",
    "Air Quality": "Luftkvalitet",
    "Environmental Quality": "Miljøkvalitet",
    "Public Space and Nature": "Offentlige rom og natur",
    "Energy": "Energi",
    "Education": "Utdanning",
    "Health": "Helse",
    "Culture": "Kultur",
    "Housing": "Bolig",
    "Social Inclusion": "Sosial inkludering",
    "Safety": "Trygghet",
    "Food Security": "Matsikkerhet",
}
LEVELS = {
    "core": {"nb": "kjerneindikator (core)", "en": "core KPI"},
    "advanced": {"nb": "avansert indikator (advanced)", "en": "advanced KPI"},
}
KPI_TYPES = {"smart", "sustainable", "structural"}
MONTHS_NB = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

GOAL_RE = re.compile(r"^\d{1,2}$")
TARGET_RE = re.compile(r"^\d{1,2}\.(\d{1,2}|[a-z])$")
INDICATOR_RE = re.compile(r"^\d{1,2}\.(\d{1,2}|[a-z])\.\d{1,2}$")
KPI_RE = re.compile(r"^(EC|EN|SC): [A-Z]+: [A-Z]+: \d+[CA]$")


class CatalogError(ValueError):
    """A catalogue file is malformed; the message names the field and the reason."""


@dataclass
class Item:
    code: str
    kind: str  # goal | target | indicator | kpi
    title: dict[str, str]  # official English title and the Norwegian one
    short: dict[str, str] = field(default_factory=dict)
    text: dict[str, dict[str, str]] = field(default_factory=dict)  # e.g. {"about": {"nb": ..., "en": ...}}
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)  # KPI: dimension, level, numerator, values, ...; indicator: unsd_code
    source: str = ""
    source_title: str = ""
    as_of: str = ""
    path: str = ""

    def label(self, lang: str) -> str:
        return self.short.get(lang) or self.title.get(lang) or self.title.get("en", "")


def format_date(value: str, lang: str) -> str:
    """'2020-09' -> 'september 2020' / 'September 2020'; other forms unchanged."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", str(value))
    if not match:
        return str(value)
    months = MONTHS_NB if lang == "nb" else MONTHS_EN
    month = months[int(match.group(2)) - 1]
    if match.group(3):
        day = int(match.group(3))
        return f"{day}. {month} {match.group(1)}" if lang == "nb" else f"{day} {month} {match.group(1)}"
    return f"{month} {match.group(1)}"


def _text(value, where: str, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CatalogError(f"{where} is missing or empty")
        return ""
    if not isinstance(value, (str, int, float)):
        raise CatalogError(f"{where} must be text, not {type(value).__name__}")
    return " ".join(str(value).split())


def _code(value, pattern: re.Pattern, where: str) -> str:
    if not isinstance(value, str):
        raise CatalogError(f"{where} must be a quoted string (got {value!r}: write codes like '11.6' in quotes)")
    if not pattern.match(value):
        raise CatalogError(f"{where} {value!r} is not a valid code")
    return value


def _bilingual(data: dict, key: str, where: str, required: bool = True) -> dict[str, str]:
    return {lang: _text(data.get(f"{key}_{lang}"), f"{where}.{key}_{lang}", required) for lang in LANGS}


def parse_catalog(data: dict, path: str) -> list[Item]:
    """Items of one catalogue file (already YAML-loaded); raises CatalogError naming the bad field."""
    if not isinstance(data, dict) or data.get("catalog") not in ("sdg", "u4ssc"):
        raise CatalogError("not a catalogue: the top-level key 'catalog' must be 'sdg' or 'u4ssc'")
    common = {
        "source": _text(data.get("source"), "source"),
        "source_title": _text(data.get("source_title"), "source_title", required=False),
        "as_of": _text(data.get("as_of"), "as_of"),
        "path": path,
    }
    return _parse_sdg(data, common) if data["catalog"] == "sdg" else _parse_u4ssc(data, common)


def _parse_sdg(data: dict, common: dict) -> list[Item]:
    goal_data = data.get("goal")
    if not isinstance(goal_data, dict):
        raise CatalogError("goal: missing (a mapping with code, titles and texts)")
    goal = Item(
        code=_code(goal_data.get("code"), GOAL_RE, "goal.code"),
        kind="goal",
        title=_bilingual(goal_data, "title", "goal"),
        short=_bilingual(goal_data, "short", "goal"),
        text={"about": _bilingual(goal_data, "about", "goal"), "municipal": _bilingual(goal_data, "municipal", "goal")},
        **common,
    )
    items = [goal]
    targets = data.get("targets")
    if not isinstance(targets, list) or not targets:
        raise CatalogError("targets: missing or empty")
    indicators: dict[str, Item] = {}
    for ti, target_data in enumerate(targets):
        where = f"targets[{ti}]"
        code = _code(target_data.get("code") if isinstance(target_data, dict) else None, TARGET_RE, f"{where}.code")
        if not code.startswith(goal.code + "."):
            raise CatalogError(f"{where}.code {code!r} does not belong to goal {goal.code}")
        target = Item(
            code=code, kind="target", title=_bilingual(target_data, "title", where), parents=[goal.code], **common
        )
        goal.children.append(code)
        items.append(target)
        for ii, indicator_data in enumerate(target_data.get("indicators") or []):
            iwhere = f"{where}.indicators[{ii}]"
            icode = _code(
                indicator_data.get("code") if isinstance(indicator_data, dict) else None, INDICATOR_RE, f"{iwhere}.code"
            )
            target.children.append(icode)
            if icode in indicators:  # listed under several targets
                indicators[icode].parents.append(code)
                continue
            ind = Item(
                code=icode,
                kind="indicator",
                title=_bilingual(indicator_data, "title", iwhere),
                parents=[code],
                attrs={"unsd_code": _text(indicator_data.get("unsd_code"), f"{iwhere}.unsd_code", required=False)},
                **common,
            )
            indicators[icode] = ind
            items.append(ind)
    return items


def _parse_u4ssc(data: dict, common: dict) -> list[Item]:
    kpis = data.get("kpis")
    if not isinstance(kpis, list) or not kpis:
        raise CatalogError("kpis: missing or empty")
    items = []
    for index, kpi in enumerate(kpis):
        where = f"kpis[{index}]"
        if not isinstance(kpi, dict):
            raise CatalogError(f"{where} must be a mapping")
        code = _code(kpi.get("code"), KPI_RE, f"{where}.code")
        dimension = _text(kpi.get("dimension"), f"{where}.dimension")
        if dimension not in DIMENSIONS_NB:
            raise CatalogError(f"{where}.dimension {dimension!r} is not one of {sorted(DIMENSIONS_NB)}")
        sub = _text(kpi.get("sub_dimension"), f"{where}.sub_dimension")
        if sub not in SUB_DIMENSIONS_NB:
            raise CatalogError(f"{where}.sub_dimension {sub!r} is not one of {sorted(SUB_DIMENSIONS_NB)}")
        category = _text(kpi.get("category"), f"{where}.category")
        if category not in CATEGORIES_NB:
            raise CatalogError(f"{where}.category {category!r} is not one of the 22 categories")
        level = _text(kpi.get("level"), f"{where}.level")
        if level not in LEVELS:
            raise CatalogError(f"{where}.level must be core or advanced, not {level!r}")
        kind = _text(kpi.get("type"), f"{where}.type", required=False)
        if kind and kind not in KPI_TYPES:
            raise CatalogError(f"{where}.type must be one of {sorted(KPI_TYPES)}, not {kind!r}")
        related = [str(s) for s in kpi.get("related_sdgs") or []]
        for sdg_code in related:
            if not (GOAL_RE.match(sdg_code) or TARGET_RE.match(sdg_code) or INDICATOR_RE.match(sdg_code)):
                raise CatalogError(f"{where}.related_sdgs has {sdg_code!r}, which is not an SDG code")
        values = []
        for vi, value in enumerate(kpi.get("values") or []):
            vwhere = f"{where}.values[{vi}]"
            values.append(
                {f: _text((value or {}).get(f), f"{vwhere}.{f}") for f in ("city", "value", "as_of", "source")}
            )
        attrs = {
            "dimension": dimension,
            "sub_dimension": sub,
            "category": category,
            "level": level,
            "type": kind,
            "values": values,
            "note": _text(kpi.get("note"), f"{where}.note", required=False),
            **{
                f: _text(kpi.get(f), f"{where}.{f}", required=False)
                for f in ("numerator", "denominator", "unit", "method_nb")
            },
        }
        items.append(
            Item(
                code=code,
                kind="kpi",
                title=_bilingual(kpi, "name", where),
                text={"definition": _bilingual(kpi, "definition", where)},
                parents=[category],
                related=related,
                attrs=attrs,
                **common,
            )
        )
    return items


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


_KPI_LOOSE = re.compile(r"\b(EC|EN|SC)\s*:\s*([A-Z]{1,4})\s*:\s*([A-Z]{1,4})\s*:\s*(\d{1,2}[CA])\b", re.IGNORECASE)
_SDG_LOOSE = re.compile(r"(?<![\w.])(\d{1,2})\.(\d{1,2}|[a-z])(?:\.(\d{1,2}))?(?![\w.]*\d)", re.IGNORECASE)
_GOAL_LOOSE = re.compile(
    r"\b(?:sdg|mål|goal|bærekraftsmål|bærekraftsmålet|målet|fn-mål)\s*(?:nr\.?|nummer|number|no\.?)?\s*(\d{1,2})\b",
    re.IGNORECASE,
)


def normalize_code(text: str) -> str:
    """'ec:ict:ict:1c' -> 'EC: ICT: ICT: 1C'; 'SDG 11' / 'mål 11' -> '11'; others stripped."""
    text = text.strip()
    match = _KPI_LOOSE.fullmatch(text)
    if match:
        return f"{match.group(1).upper()}: {match.group(2).upper()}: {match.group(3).upper()}: {match.group(4).upper()}"
    match = _GOAL_LOOSE.fullmatch(text)
    if match:
        return str(int(match.group(1)))
    return text.lower() if re.fullmatch(r"\d{1,2}\.[A-Za-z0-9.]+", text) else text


def find_codes(text: str, catalog: Catalog) -> list[str]:
    """Codes named in free text that exist in the catalogue, in order of appearance, most specific first."""
    found: list[tuple[int, str]] = []
    for match in _KPI_LOOSE.finditer(text):
        found.append((match.start(), normalize_code(match.group(0))))
    for match in _SDG_LOOSE.finditer(text):
        found.append((match.start(), match.group(0).lower()))
    for match in _GOAL_LOOSE.finditer(text):
        found.append((match.start(), str(int(match.group(1)))))
    out: list[str] = []
    for _, code in sorted(found):
        if code in catalog and code not in out:
            out.append(code)
    return out


@lru_cache(maxsize=4)
def load_catalog(dirs: tuple[Path, ...]) -> Catalog:
    return Catalog.from_dirs(dirs)
