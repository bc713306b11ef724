"""The frameworks as pictures (Altair, which Streamlit draws natively): the 17 goals as tiles in their colours, the
hierarchies as icicle charts with their counts, a KPI's known city values. Each chart's items carry their `code`, so
a click (a point selection named "pick") can open the item's card."""

from __future__ import annotations

import re
import textwrap

import altair as alt
import pandas as pd

from assistant.knowledge.catalog import Catalog, Item, group_name

# The goals' colours from the UN's SDG communication guidelines (a fact, like the goals' titles)
GOAL_COLOURS = {
    "1": "#E5243B",
    "2": "#DDA63A",
    "3": "#4C9F38",
    "4": "#C5192D",
    "5": "#FF3A21",
    "6": "#26BDE2",
    "7": "#FCC30B",
    "8": "#A21942",
    "9": "#FD6925",
    "10": "#DD1367",
    "11": "#FD9D24",
    "12": "#BF8B2E",
    "13": "#3F7E44",
    "14": "#0A97D9",
    "15": "#56C02B",
    "16": "#00689D",
    "17": "#19486A",
}
DIMENSION_COLOURS = {"Economy": "#1f5f8b", "Environment": "#3f7e44", "Society and Culture": "#a21942"}
PICK = "pick"
COLUMNS = 6


def _pick() -> alt.Parameter:
    return alt.selection_point(name=PICK, fields=["code"], on="click", clear="dblclick")


def goal_tiles(catalog: Catalog, lang: str, lit: dict[str, float] | None = None) -> alt.Chart:
    """The 17 goals as tiles in rows of six; `lit` (code -> 0..1) dims the goals a mapping did not find."""
    rows = []
    for number, goal in enumerate(catalog.goals()):
        strength = 1.0 if lit is None else lit.get(goal.code, 0.0)
        rows.append(
            {
                "code": goal.code,
                "number": goal.code,
                "label": "\n".join(textwrap.wrap(goal.label(lang), 16)),
                "title": goal.title.get(lang, ""),
                "x": number % COLUMNS,
                "y": number // COLUMNS,
                "opacity": 0.15 + 0.85 * strength,
                "score": round(strength, 2) if lit is not None else None,
            }
        )
    data = pd.DataFrame(rows)
    lines = -(-len(rows) // COLUMNS)
    pick = _pick()
    colour = alt.Color(
        "code:N", scale=alt.Scale(domain=list(GOAL_COLOURS), range=list(GOAL_COLOURS.values())), legend=None
    )
    base = alt.Chart(data).encode(
        x=alt.X("x:O", axis=None, scale=alt.Scale(domain=list(range(COLUMNS)))),
        y=alt.Y("y:O", axis=None, scale=alt.Scale(domain=list(range(lines)))),
        tooltip=["number", "title"] + (["score"] if lit else []),
    )
    tiles = (
        base.mark_rect(cornerRadius=4, stroke="white", strokeWidth=3)
        .encode(
            color=alt.condition(pick, colour, alt.value("#9e9e9e"), legend=None),
            opacity=alt.Opacity("opacity:Q", legend=None, scale=None),
        )
        .add_params(pick)
    )
    numbers = base.mark_text(
        align="left", baseline="top", dx=-52, dy=-44, fontSize=20, fontWeight="bold", color="white"
    ).encode(text="number:N")
    labels = base.mark_text(
        align="left", baseline="top", dx=-52, dy=-14, fontSize=10, color="white", lineBreak="\n", limit=100
    ).encode(text="label:N")
    return (tiles + numbers + labels).properties(width=COLUMNS * 115, height=lines * 110)


def _icicle(rows: list[dict], depth_names: list[str]) -> alt.Chart:
    data = pd.DataFrame(rows)
    pick = _pick()
    return (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("x0:Q", axis=None),
            x2="x1:Q",
            y=alt.Y("level:O", axis=alt.Axis(title=None, labelExpr=f"{depth_names}[datum.value]")),
            color=alt.Color("colour:N", scale=None),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=["code", "name", "count"],
        )
        .add_params(pick)
        .properties(height=60 * len(depth_names), width="container")
    )


def sdg_hierarchy(catalog: Catalog, lang: str, names: list[str]) -> alt.Chart:
    """Goals -> targets -> indicators, each as wide as the indicators under it (a target without one counts 1)."""
    rows, position = [], 0.0
    for goal in catalog.goals():
        start = position
        for target_code in goal.children:
            target = catalog.items[target_code]
            indicators = [catalog.items[c] for c in target.children if c in catalog.items]
            width = max(len(indicators), 1)
            for offset, indicator in enumerate(indicators):
                rows.append(_cell(indicator, lang, 2, position + offset, 1, GOAL_COLOURS[goal.code], None))
            rows.append(_cell(target, lang, 1, position, width, GOAL_COLOURS[goal.code], len(indicators)))
            position += width
        rows.append(_cell(goal, lang, 0, start, position - start, GOAL_COLOURS[goal.code], len(goal.children)))
    return _icicle(rows, names)


def u4ssc_hierarchy(catalog: Catalog, lang: str, names: list[str]) -> alt.Chart:
    """Dimensions -> sub-dimensions -> categories -> KPIs."""
    rows, position = [], 0.0
    for dimension, subs in catalog.tree().items():
        colour = DIMENSION_COLOURS.get(dimension, "#555555")
        dim_start = position
        for sub, categories in subs.items():
            sub_start = position
            for category, codes in categories.items():
                for offset, code in enumerate(codes):
                    rows.append(_cell(catalog.items[code], lang, 3, position + offset, 1, colour, None))
                name = group_name("category", category, lang)
                rows.append(_group(name, 2, position, len(codes), colour, len(codes)))
                position += len(codes)
            name = group_name("sub_dimension", sub, lang)
            rows.append(_group(name, 1, sub_start, position - sub_start, colour, int(position - sub_start)))
        name = group_name("dimension", dimension, lang)
        rows.append(_group(name, 0, dim_start, position - dim_start, colour, int(position - dim_start)))
    return _icicle(rows, names)


def _cell(item: Item, lang: str, level: int, x0: float, width: float, colour: str, count) -> dict:
    return {
        "code": item.code,
        "name": item.label(lang),
        "level": level,
        "x0": x0,
        "x1": x0 + width,
        "colour": colour,
        "count": count,
    }


def _group(name: str, level: int, x0: float, width: float, colour: str, count: int) -> dict:
    return {"code": "", "name": name, "level": level, "x0": x0, "x1": x0 + width, "colour": colour, "count": count}


def number(value: str) -> float | None:
    """The number in a KPI value as written in the catalogue ("97.00 %", "1 234,5 kWh"), or None."""
    match = re.search(r"-?\d[\d\s\u00a0]*(?:[.,]\d+)?", str(value))
    if not match:
        return None
    digits = re.sub(r"[\s\u00a0]", "", match.group(0)).replace(",", ".")
    try:
        return float(digits)
    except ValueError:
        return None


def kpi_values(item: Item) -> pd.DataFrame:
    """The city values the catalogue knows for a KPI, with their dates and sources."""
    rows = [
        {
            "city": v.get("city", ""),
            "value": number(v.get("value", "")),
            "shown": str(v.get("value", "")),
            "as_of": str(v.get("as_of", "")),
            "source": v.get("source", ""),
        }
        for v in item.attrs.get("values") or []
    ]
    return pd.DataFrame(rows, columns=["city", "value", "shown", "as_of", "source"])


def kpi_chart(values: pd.DataFrame, unit: str) -> alt.Chart:
    data = values.dropna(subset=["value"]).assign(label=lambda d: d["city"] + " (" + d["as_of"] + ")")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=unit or None),
            y=alt.Y("label:N", title=None, sort="-x"),
            tooltip=["city", "shown", "as_of", "source"],
        )
        .properties(height=40 * max(len(data), 1) + 20, width="container")
    )
