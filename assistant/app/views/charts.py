"""The frameworks as pictures (Altair, which Streamlit draws natively): the 17 goals as tiles in their colours, the
hierarchies as icicle charts labelled where a label fits, a KPI's known city values. Each chart's items carry their
`code`, so a click (a point selection named "pick") can open the item's card. Every label's colour is chosen by its
contrast with the colour its field is drawn in, faded or not (WCAG 2.1 AA: 4.5:1)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd
from coloraide import Color

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
PAGE = "#ffffff"  # each chart's own background, so the colour a faded field is drawn in is known in any theme
INKS = ("#000000", "#ffffff")  # label colours: against any colour one of the two reaches 4.58:1 (WCAG 2.1)
UNPICKED = "#9e9e9e"  # a goal tile while another is picked
FADED = 0.35  # a hierarchy field's opacity while another is picked
LINE = 14  # pixels a line of the hierarchies' 11 px labels takes
WRAP = 32  # characters a line of a hierarchy's label holds (its column is about 200 px or wider)


def drawn(colour: str, opacity: float = 1.0) -> Color:
    """The colour a field is drawn in: its colour at this opacity over the chart's background."""
    return Color.layer([Color(colour).set("alpha", opacity), PAGE], space="srgb")


def ink(colour: str, opacity: float = 1.0) -> str:
    """The label colour (black or white) that contrasts most with a field of this colour and opacity."""
    field = drawn(colour, opacity)
    return max(INKS, key=lambda text: field.contrast(text, method="wcag21"))


def named(item: Item, lang: str) -> str:
    """A code with its name ("EN: EN: WS: 4C — Avløpsrensing"): a code alone says nothing to most readers."""
    return f"{item.code} — {item.label(lang)}"


def _pick() -> alt.Parameter:
    return alt.selection_point(name=PICK, fields=["code"], on="click", clear="dblclick")


def _inked(pick: alt.Parameter) -> Mapping[str, Any]:
    """A label's colour: the one chosen for its field, or black on a field faded or greyed by another's pick."""
    return alt.condition(pick, alt.Color("ink:N", scale=None, legend=None), alt.value(INKS[0]))


def goal_tiles(catalog: Catalog, lang: str, lit: dict[str, float] | None = None) -> alt.Chart:
    """The 17 goals as tiles in rows of six; `lit` (code -> 0..1) dims the goals a mapping did not find."""
    rows = []
    for number, goal in enumerate(catalog.goals()):
        strength = 1.0 if lit is None else lit.get(goal.code, 0.0)
        opacity = 0.15 + 0.85 * strength
        rows.append(
            {
                "code": goal.code,
                "number": goal.code,
                "label": "\n".join(textwrap.wrap(goal.label(lang), 16)),
                "title": goal.title.get(lang, ""),
                "x": number % COLUMNS,
                "y": number // COLUMNS,
                "opacity": opacity,
                "ink": ink(GOAL_COLOURS[goal.code], opacity),
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
        base.mark_rect(cornerRadius=4, stroke=PAGE, strokeWidth=3)
        .encode(
            color=alt.condition(pick, colour, alt.value(UNPICKED), legend=None),
            opacity=alt.Opacity("opacity:Q", legend=None, scale=None),
        )
        .add_params(pick)
    )
    numbers = base.mark_text(align="left", baseline="top", dx=-52, dy=-44, fontSize=20, fontWeight="bold").encode(
        text="number:N", color=_inked(pick)
    )
    labels = base.mark_text(
        align="left", baseline="top", dx=-52, dy=-14, fontSize=10, lineBreak="\n", limit=100
    ).encode(text="label:N", color=_inked(pick))
    return (tiles + numbers + labels).properties(width=COLUMNS * 115, height=lines * 110, background=PAGE)


def _icicle(rows: list[dict], depth_names: list[str], unit: float) -> alt.Chart:
    """Levels as columns, each field as tall as the items under it (`unit` pixels each), labelled where it fits."""
    data = pd.DataFrame(rows)
    total = float(data["y1"].max())
    pick = _pick()
    axis = alt.Axis(title=None, orient="top", labelAngle=0, labelColor=INKS[0], labelExpr=f"{depth_names}[datum.value]")
    down = alt.Y("y0:Q", axis=None, scale=alt.Scale(domain=[0, total], reverse=True, nice=False, zero=True))
    base = alt.Chart(data).encode(y=down, tooltip=alt.Tooltip("title:N"))  # one field: its text alone
    fields = (
        base.mark_rect(stroke=PAGE, strokeWidth=0.5)
        .encode(
            x=alt.X("level:O", axis=axis),
            y2="y1:Q",
            color=alt.Color("colour:N", scale=None),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(FADED)),
        )
        .add_params(pick)
    )
    labels = base.mark_text(
        align="left", baseline="top", dx=5, dy=2, fontSize=11, lineBreak="\n", limit=alt.expr("bandwidth('x') - 8")
    ).encode(x=alt.X("level:O", axis=axis, bandPosition=0), text="text:N", color=_inked(pick))
    return (fields + labels).properties(height=round(total * unit), width="container", background=PAGE)


def sdg_hierarchy(catalog: Catalog, lang: str, names: list[str]) -> alt.Chart:
    """Goals -> targets -> indicators, each as tall as the indicators under it (a target without one counts 1)."""
    rows, position, unit = [], 0, 2.8
    for goal in catalog.goals():
        start, colour = position, GOAL_COLOURS[goal.code]
        for target_code in goal.children:
            target = catalog.items[target_code]
            indicators = [catalog.items[c] for c in target.children if c in catalog.items]
            size = max(len(indicators), 1)
            for offset, indicator in enumerate(indicators):
                rows.append(_field(named(indicator, lang), "", indicator.code, 2, (position + offset, 1), unit, colour))
            rows.append(_field(named(target, lang), target.code, target.code, 1, (position, size), unit, colour))
            position += size
        title, text, span = named(goal, lang), f"{goal.code} {goal.label(lang)}", (start, position - start)
        rows.append(_field(title, text, goal.code, 0, span, unit, colour))
    return _icicle(rows, names, unit)


def u4ssc_hierarchy(catalog: Catalog, lang: str, names: list[str]) -> alt.Chart:
    """Dimensions -> sub-dimensions -> categories -> KPIs, the groups named in the reader's language."""
    rows, position, unit = [], 0, 7.0
    for dimension, subs in catalog.tree().items():
        colour = DIMENSION_COLOURS.get(dimension, "#555555")
        dim_start = position
        for sub, categories in subs.items():
            sub_start = position
            for category, codes in categories.items():
                for offset, code in enumerate(codes):
                    kpi = catalog.items[code]
                    rows.append(_field(named(kpi, lang), "", kpi.code, 3, (position + offset, 1), unit, colour))
                rows.append(_group("category", category, lang, 2, (position, len(codes)), unit, colour))
                position += len(codes)
            rows.append(_group("sub_dimension", sub, lang, 1, (sub_start, position - sub_start), unit, colour))
        rows.append(_group("dimension", dimension, lang, 0, (dim_start, position - dim_start), unit, colour))
    return _icicle(rows, names, unit)


def _fitted(text: str, pixels: float) -> str:
    """The label in the lines a field this tall holds; a cut one ends in an ellipsis, one that fits no line is ''."""
    room = int(pixels // LINE)
    lines = textwrap.wrap(text, WRAP)
    if len(lines) > room:
        lines = lines[:room]
        if lines:
            lines[-1] = lines[-1].rstrip(" ,.") + "…"
    return "\n".join(lines)


def _field(title: str, text: str, code: str, level: int, span: tuple[int, int], unit: float, colour: str) -> dict:
    """One field of a hierarchy: `span` is (first, how many) of the leaves under it; `text` its label, cut to fit."""
    first, size = span
    return {
        "code": code,
        "title": title,
        "text": _fitted(text, size * unit),
        "level": level,
        "y0": first,
        "y1": first + size,
        "colour": colour,
        "ink": ink(colour),
    }


def _group(level: str, name: str, lang: str, depth: int, span: tuple[int, int], unit: float, colour: str) -> dict:
    shown = group_name(level, name, lang)
    return _field(shown, shown, "", depth, span, unit, colour)


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
