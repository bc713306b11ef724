"""A one-page study sheet for a goal, target, indicator or U4SSC KPI, made from the catalogue and the centre's
documents only (no language model): official titles in both languages, the place in the framework, the plain
explanation, what it means for a Norwegian municipality, related KPIs or SDGs, Norwegian values with their dates,
and the references in a citation style.

Every code is written as `code` (Markdown code), so a reader, and the test that checks each number on a sheet
against its sources, can tell a code such as 11.6.2 from a number. The sheet adds no number of its own (no counts,
no date of making): every number on it is in the catalogue entry or the document it cites.
"""

from __future__ import annotations

from assistant.knowledge.cards import WORDS
from assistant.knowledge.catalog import Catalog, Item, group_name
from assistant.language import sentences
from assistant.language.registry import OFFICIAL
from assistant.study.pdf import pdf_from_markdown
from assistant.study.references import item_of, item_sources, render
from assistant.study.sources import Register
from assistant.texts import Section, format_date

TEXT = Section("study")
RELATED_SHOWN = 6  # a goal relates to up to 31 KPIs: the sheet stays one page
GOAL_SENTENCES = 3  # a target's or indicator's sheet opens its goal's explanation (the rest is on the goal's sheet)
FORMS = {"md": "text/markdown", "pdf": "application/pdf"}


def code(text: str) -> str:
    return f"`{text}`"


def _named(item: Item, lang: str) -> str:
    return f"{WORDS[lang][item.kind]} {code(item.code)}: {item.label(lang)}"


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def _place(catalog: Catalog, item: Item, lang: str) -> list[str]:
    words = WORDS[lang]
    if item.kind == "kpi":
        attrs = item.attrs
        lines = [
            f"- {words[level]}: {group_name(level, attrs[level], lang)}"
            + (f" ({attrs[level]})" if lang != OFFICIAL else "")
            for level in ("dimension", "sub_dimension", "category")
        ]
        kind = f", {words['type']}: {attrs['type']}" if attrs.get("type") else ""
        return [*lines, f"- {words['level']}: {group_name('level', attrs['level'], lang)}{kind}"]
    path = [catalog.items[c] for c in catalog.path(item.code)]
    lines = [f"{'  ' * depth}- {_named(step, lang)}" for depth, step in enumerate(path)]
    children = [catalog.items[c] for c in item.children if c in catalog.items]
    if item.kind == "goal":
        lines.append(f"- {words['targets']}: " + ", ".join(code(child.code) for child in children))
    elif item.kind == "target":
        lines += [f"    - {_named(child, lang)}" for child in children]
    for parent in item.parents[1:]:  # an indicator listed under several targets
        lines.append(f"- {WORDS[lang]['under']} {_named(catalog.items[parent], lang)}")
    return lines


def _explained(catalog: Catalog, item: Item, lang: str) -> list[str]:
    words = WORDS[lang]
    if item.kind != "kpi":
        about = catalog.items[item.code.split(".")[0]].about("about", lang)
        return [about if item.kind == "goal" else " ".join(sentences.split(about, lang)[:GOAL_SENTENCES])]
    attrs = item.attrs
    lines = [item.about("definition", lang)]
    method = [f"{words[name]}: {attrs[name]}" for name in ("numerator", "denominator", "unit") if attrs.get(name)]
    if method:
        lines.append(f"{words['method']}: " + "; ".join(method) + ".")
    if lang == "nb" and attrs.get("method_nb"):  # the catalogue explains the method in Norwegian only
        lines.append(attrs["method_nb"])
    if attrs.get("note"):
        lines.append(f"{words['note']}: {attrs['note']}")
    return lines


def _municipal(catalog: Catalog, item: Item, lang: str) -> list[str]:
    if item.kind != "kpi":
        return [catalog.items[item.code.split(".")[0]].about("municipal", lang)]
    goals = [catalog.items[c.split(".")[0]] for c in item.related if c.split(".")[0] in catalog.items]
    if not goals:
        return [TEXT[lang]["no_related"]]
    return [f"{TEXT[lang]['through']} {_named(goals[0], lang)}. {goals[0].about('municipal', lang)}"]


def _related(catalog: Catalog, item: Item, lang: str) -> list[str]:
    related = catalog.related(item.code)
    if not related:
        return [TEXT[lang]["no_related"]]
    lines = [f"- {_named(other, lang)}" for other in related[:RELATED_SHOWN]]
    return lines + ([f"- {TEXT[lang]['more']}"] if len(related) > RELATED_SHOWN else [])


def _values(item: Item, lang: str) -> list[str]:
    labels = TEXT[lang]
    values = item.attrs.get("values", [])
    if not values:
        return [labels["no_values_kpi" if item.kind == "kpi" else "no_values_sdg"]]
    rows = [
        f"| {_cell(v['city'])} | {_cell(v['value'])} | {format_date(v['as_of'], lang)} | {_cell(v['source_title'])} |"
        for v in values
    ]
    return [
        f"| {labels['city']} | {labels['value']} | {labels['as_of']} | {labels['source']} |",
        "|---|---|---|---|",
        *rows,
    ]


def sheet_markdown(catalog: Catalog, register: Register, code_: str, lang: str, style: str) -> str:
    """The sheet as Markdown; StudyError for a code the catalogue lacks."""
    item = item_of(catalog, code_)
    labels = TEXT[lang]
    titles = [f"- {labels['in_' + language]}: {item.titled(language)}" for language in ("nb", "en")]
    related = labels["related_sdgs" if item.kind == "kpi" else "related_kpis"]
    sections = [
        (f"# {_named(item, lang)}", [labels["made_by"]]),
        (f"## {labels['titles']}", titles),
        (f"## {labels['place']}", _place(catalog, item, lang)),
        (f"## {labels['explained']}", _explained(catalog, item, lang)),
        (f"## {labels['municipal']}", _municipal(catalog, item, lang)),
        (f"## {related}", _related(catalog, item, lang)),
        (f"## {labels['values']}", _values(item, lang)),
        (f"## {labels['refs']}", render(item_sources(register, item), style, lang, "markdown").splitlines()),
    ]
    blocks = [heading + "\n\n" + _joined(lines) for heading, lines in sections]
    return "\n\n".join(blocks) + "\n"


def _joined(lines: list[str]) -> str:
    """List and table lines one to a line, paragraphs apart."""
    return "\n".join(lines) if lines[0].startswith(("-", "|")) else "\n\n".join(lines)


def sheet(catalog: Catalog, register: Register, code_: str, lang: str, style: str, form: str) -> bytes:
    """The sheet as Markdown (UTF-8) or as a tagged PDF in the sheet's language."""
    markdown = sheet_markdown(catalog, register, code_, lang, style)
    if form == "md":
        return markdown.encode("utf-8")
    item = item_of(catalog, code_)
    return pdf_from_markdown(markdown, lang, f"{WORDS[lang][item.kind]} {item.code}: {item.label(lang)}")


def file_name(code_: str, form: str, lang: str) -> str:
    """'EC: ICT: ICT: 1C' -> 'studieark-EC-ICT-ICT-1C.pdf'."""
    return f"{TEXT[lang]['file']}-" + "-".join(code_.replace(":", " ").split()) + f".{form}"
