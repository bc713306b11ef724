"""Explanation cards: one catalogue item as plain text in Norwegian or English.

The same card is indexed as the item's document and shown when someone asks about the code.
"""

from __future__ import annotations

from assistant.knowledge.catalog import Catalog, Item, group_name
from assistant.language.registry import OFFICIAL
from assistant.texts import Section, format_date

WORDS = Section("card")  # labels, from prompts/text.*.yaml


def heading(item: Item, lang: str) -> str:
    words = WORDS[lang]
    return f"{words[item.kind]} {item.code}: {item.label(lang)}"


def definition(item: Item, lang: str) -> str:
    """The item's heading and its official wording in one line: what to quote when someone asks for the code."""
    head = heading(item, lang)
    text = item.about("definition", lang) if item.kind == "kpi" else item.titled(lang)
    return head if not text or text == item.label(lang) else f"{head}. {text.rstrip('.')}."


def _goal_line(catalog: Catalog, code: str, lang: str) -> str:
    goal = catalog.items.get(code.split(".")[0])
    return f"{WORDS[lang]['goal']} {goal.code}: {goal.label(lang)}" if goal else code


def sections(catalog: Catalog, item: Item, lang: str) -> list[tuple[str, str]]:
    """The card as (section, text) pairs, each starting with the item's heading so it stands alone.

    Goals have three sections (about, municipal, targets and KPIs) to stay within the embedder's window;
    every other item is one section. Official English titles are always included so English terms match too.
    """
    words = WORDS[lang]
    head = heading(item, lang)
    when = format_date(item.as_of, lang)
    src = f"{words['source']}: {item.source_title or item.source} ({item.source}), {words['as_of']} {when}"
    official = [f"{words['official']}: {item.title[OFFICIAL]}"] if lang != OFFICIAL else []
    if item.kind == "goal":
        kpis = [catalog.items[c] for c in item.related if c in catalog.items]
        targets = "; ".join(f"{c} {_short(catalog.items[c].titled(lang))}" for c in item.children if c in catalog.items)
        return [
            (
                "about",
                "\n".join(
                    [head, f"{item.titled(lang)}.", *official, f"{words['about']}: {item.about('about', lang)}", src]
                ),
            ),
            ("municipal", "\n".join([head, f"{words['municipal']}: {item.about('municipal', lang)}", src])),
            (
                "targets",
                "\n".join(
                    [
                        head,
                        f"{words['targets']}: {targets}",
                        f"{words['kpis']}: " + ("; ".join(f"{k.code} {k.titled(lang)}" for k in kpis) or words["none"]),
                    ]
                ),
            ),
        ]
    lines = [head]
    if item.kind == "target":
        lines += [
            f"{words['place']}: {_goal_line(catalog, item.code, lang)}",
            item.titled(lang),
            *official,
            f"{words['indicators']}: "
            + "; ".join(f"{c} {catalog.items[c].titled(lang)}" for c in item.children if c in catalog.items),
        ]
    elif item.kind == "indicator":
        lines += [item.titled(lang), *official]
        for parent in item.parents:
            target = catalog.items.get(parent)
            if target:
                lines.append(
                    f"{words['place']}: {_goal_line(catalog, parent, lang)} -> {words['target']} {parent}: "
                    f"{_short(target.titled(lang), 30)}"
                )
        if item.attrs.get("unsd_code"):
            lines.append(f"{words['unsd']}: {item.attrs['unsd_code']}")
    else:
        lines += _kpi_lines(catalog, item, lang)
    return [(item.kind, "\n".join([*lines, src]))]


def render(catalog: Catalog, item: Item, lang: str) -> str:
    """The whole card as one text, for display."""
    head = heading(item, lang)
    parts = [text for _, text in sections(catalog, item, lang)]
    return "\n\n".join([parts[0]] + [p.removeprefix(head).lstrip("\n") for p in parts[1:]])


def _kpi_lines(catalog: Catalog, item: Item, lang: str) -> list[str]:
    words, attrs = WORDS[lang], item.attrs
    translated = lang != OFFICIAL
    lines = [f"{words['english_name']}: {item.title[OFFICIAL]}"] if translated else []
    levels = ("dimension", "sub_dimension", "category")
    # a translated name is followed by the official one, so the framework's own terms match too
    place = " -> ".join(
        f"{group_name(level, attrs[level], lang)} ({attrs[level]})" if translated else attrs[level] for level in levels
    )
    lines.append(f"{words['place']} ({words['dimension']} -> {words['sub_dimension']} -> {words['category']}): {place}")
    kind = f", {words['type']}: {attrs['type']}" if attrs.get("type") else ""
    lines.append(f"{words['level']}: {group_name('level', attrs['level'], lang)}{kind}")
    lines.append(f"{words['definition']}: {item.about('definition', lang)}")
    if attrs.get("numerator") or attrs.get("denominator"):
        parts = [
            f"{words['numerator']}: {attrs['numerator']}" if attrs.get("numerator") else "",
            f"{words['denominator']}: {attrs['denominator']}" if attrs.get("denominator") else "",
            f"{words['unit']}: {attrs['unit']}" if attrs.get("unit") else "",
        ]
        lines.append(f"{words['method']}: " + "; ".join(p for p in parts if p))
        if lang == "nb" and attrs.get("method_nb"):  # the catalogue explains the method in Norwegian only
            lines.append(attrs["method_nb"])
    elif attrs.get("unit"):
        lines.append(f"{words['unit']}: {attrs['unit']}")
    sdgs = [catalog.items[c] for c in item.related if c in catalog.items]
    if sdgs:
        lines.append(f"{words['sdgs']}: " + "; ".join(f"{s.code} {s.label(lang)}" for s in sdgs))
    if attrs.get("values"):
        lines.append(
            f"{words['values']}: "
            + "; ".join(
                f"{v['city']} ({format_date(v['as_of'], lang)}): {v['value']} [{words['source']}: {v['source']}]"
                for v in attrs["values"]
            )
        )
    if attrs.get("note"):
        lines.append(f"{words['note']}: {attrs['note']}")
    return lines


def _short(text: str, words: int = 14) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " ..."
