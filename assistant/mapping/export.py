"""A text's mapping to the goals, targets and KPIs as a table, CSV or Markdown (with the catalogues it cites)."""

from __future__ import annotations

import csv
import io
from datetime import date

from assistant.knowledge.catalog import Catalog, Item
from assistant.mapping.parts import Mapping
from assistant.texts import Section

MAPPING = Section("mapping")
KINDS = ("goals", "targets", "kpis")  # Mapping attributes, and their labels' keys


def mapping_rows(mapping: Mapping, lang: str) -> list[dict]:
    """One row per goal, target and KPI found, for a table or CSV."""
    labels = MAPPING[lang]
    return [
        {
            labels["kind"]: labels[key],
            labels["code"]: match.code,
            labels["name"]: match.titled(lang),
            labels["score"]: round(match.score, 2),
            labels["evidence"]: " | ".join(match.evidence),
            labels["section"]: " | ".join(match.sections),
        }
        for key in KINDS
        for match in getattr(mapping, key)
    ]


def mapping_csv(mapping: Mapping, lang: str) -> str:
    rows = mapping_rows(mapping, lang)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [MAPPING[lang]["code"]])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def mapping_markdown(mapping: Mapping, catalog: Catalog, lang: str, accessed: str | None = None) -> str:
    """The mapping for a report or a coursework appendix, with the catalogues it cites."""
    labels = MAPPING[lang]
    accessed = accessed or date.today().isoformat()
    lines = [
        f"# {labels['title']}",
        "",
        f"{labels['made']}, {accessed}. {labels['sentences'].format(count=mapping.sentences)}",
    ]
    sources: dict[str, Item] = {}
    for key in KINDS:
        matches = getattr(mapping, key)
        if not matches:
            continue
        lines += ["", f"## {labels[key]}", ""]
        for match in matches:
            title = match.titled(lang)
            lines.append(f"- **{match.code}** {title} ({labels['score'].lower()} {match.score:.2f})")
            lines += [f"  - «{sentence}»" for sentence in match.evidence]
            if (item := catalog.get(match.code)) and item.source:
                sources.setdefault(item.source, item)
    if not (mapping.goals or mapping.targets or mapping.kpis):
        lines += ["", labels["none"]]
    if sources:
        lines += ["", f"## {labels['refs']}", ""]
        lines += [
            f"{n}. {item.source_title} ({item.as_of}). {source} ({labels['accessed']} {accessed})"
            for n, (source, item) in enumerate(sources.items(), start=1)
        ]
    return "\n".join(lines) + "\n"
