"""The explorer's pictures as the browser gets them (the Vega-Lite specs): every goal and dimension labelled in the
reader's language, every label readable on its field as drawn (faded or greyed included), every KPI named."""

from __future__ import annotations

import re

import pytest
from coloraide import Color

from assistant.app.views import charts
from assistant.knowledge.catalog import Catalog, group_name
from assistant.texts import Section

from conftest import ROOT

UI = Section("ui")
AA = 4.5  # WCAG 2.1 AA, normal text
# an official U4SSC code: dimension, sub-dimension, category, number and core/advanced ("EN: EN: WS: 4C" is
# Environment / Environment / Water and Sanitation: the pair repeats where a sub-dimension bears its dimension's name)
KPI_CODE = re.compile(r"(EC|EN|SC): [A-Z]+: [A-Z]+: \d+[CA]")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_dirs([ROOT / "corpus"])


def rows(spec: dict) -> list[dict]:
    (data,) = spec["datasets"].values()
    return data


def layer(spec: dict, mark: str, channel: str = "") -> list[dict]:
    return [
        part for part in spec["layer"] if part["mark"]["type"] == mark and (not channel or channel in part["encoding"])
    ]


def hierarchy(catalog: Catalog, kind: str, lang: str) -> dict:
    if kind == "sdg":
        return charts.sdg_hierarchy(catalog, lang, UI[lang]["sdg_levels"]).to_dict()
    return charts.u4ssc_hierarchy(catalog, lang, UI[lang]["u4ssc_levels"]).to_dict()


def shown(spec: dict) -> list[tuple[dict, str]]:
    """Each field with the label drawn on it (the text layer's field), lines joined."""
    (text,) = layer(spec, "text", "text")
    field = text["encoding"]["text"]["field"]
    return [(row, row[field].replace("\n", " ")) for row in rows(spec)]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_goal_is_labelled_with_its_number_and_short_name(catalog, lang):
    spec = hierarchy(catalog, "sdg", lang)
    goals = {row["code"]: label for row, label in shown(spec) if row["level"] == 0}
    assert goals == {goal.code: f"{goal.code} {goal.label(lang)}" for goal in catalog.goals()}
    assert len(goals) == 17


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_dimension_and_sub_dimension_is_labelled_and_categories_where_they_fit(catalog, lang):
    spec = hierarchy(catalog, "u4ssc", lang)
    labelled = shown(spec)
    tree = catalog.tree()
    dimensions = sorted(label for row, label in labelled if row["level"] == 0)
    assert dimensions == sorted(group_name("dimension", name, lang) for name in tree)
    subs = sorted(label for row, label in labelled if row["level"] == 1)
    assert subs == sorted(group_name("sub_dimension", sub, lang) for subs in tree.values() for sub in subs)
    categories = [label for row, label in labelled if row["level"] == 2 and row["y1"] - row["y0"] >= 2]
    assert categories and all(categories), "a category two KPIs tall or more carries its name"
    if lang == "nb":
        assert "Økonomi" in dimensions and "Economy" not in dimensions, "in the interface language"


@pytest.mark.parametrize("kind", ["sdg", "u4ssc"])
def test_a_label_fits_inside_its_field(catalog, kind):
    spec = hierarchy(catalog, kind, "nb")
    leaves = max(row["y1"] for row in rows(spec))
    pixels = spec["height"] / leaves  # the height of one leaf
    for row in rows(spec):
        lines = row["text"].count("\n") + 1 if row["text"] else 0
        assert lines * charts.LINE <= (row["y1"] - row["y0"]) * pixels, row


def contrasts(colour: str, opacity: float, background: str, label: str) -> float:
    drawn = Color.layer([Color(colour).set("alpha", opacity), background], space="srgb")
    return drawn.contrast(label, method="wcag21")


def label_colours(spec: dict) -> list[tuple[str | None, str]]:
    """For each text layer: (the data field its colour is read from while its field is drawn in colour, the colour
    it takes while another field is picked)."""
    colours = []
    for text in layer(spec, "text"):
        colour = text["encoding"]["color"]
        colours.append((colour["condition"]["field"], colour["value"]))
    return colours


@pytest.mark.parametrize("lit", [None, {"11": 1.0, "7": 0.5, "12": 0.05}], ids=["all", "a mapping's"])
def test_every_goal_tiles_label_contrasts_with_its_tile_as_drawn(catalog, lit):
    spec = charts.goal_tiles(catalog, "nb", lit).to_dict()
    (tiles,) = layer(spec, "rect")
    colour = tiles["encoding"]["color"]
    palette = dict(zip(colour["condition"]["scale"]["domain"], colour["condition"]["scale"]["range"]))
    greyed = colour["value"]  # every tile but the picked one
    opacity = tiles["encoding"]["opacity"]["field"]
    assert len(label_colours(spec)) == 2, "the number and the name"
    for row in rows(spec):
        for field, other in label_colours(spec):
            drawn = contrasts(palette[row["code"]], row[opacity], spec["background"], row[field])
            assert drawn >= AA, (row["code"], row[opacity], row[field], drawn)
            assert contrasts(greyed, row[opacity], spec["background"], other) >= AA, (row["code"], other)
    if lit:
        assert any(row[opacity] < 0.3 for row in rows(spec)), "faded tiles are among those checked"


@pytest.mark.parametrize("kind", ["sdg", "u4ssc"])
def test_every_hierarchy_label_contrasts_with_its_field_picked_or_faded(catalog, kind):
    spec = hierarchy(catalog, kind, "nb")
    (fields,) = layer(spec, "rect")
    colour = fields["encoding"]["color"]["field"]
    opacity = fields["encoding"]["opacity"]
    full, faded = opacity["condition"]["value"], opacity["value"]
    assert faded < 1
    ((field, other),) = label_colours(spec)
    for row in rows(spec):
        assert contrasts(row[colour], full, spec["background"], row[field]) >= AA, row
        assert contrasts(row[colour], faded, spec["background"], other) >= AA, row


def test_white_labels_on_faded_tiles_would_fail():
    """The check can fail: the white labels the tiles had are unreadable on a faded tile."""
    assert contrasts(charts.GOAL_COLOURS["11"], 0.15, charts.PAGE, "#ffffff") < AA
    assert charts.ink(charts.GOAL_COLOURS["11"], 0.15) == "#000000"


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_kpi_in_the_picture_carries_its_name_and_its_code_once(catalog, lang):
    spec = hierarchy(catalog, "u4ssc", lang)
    kpis = {row["code"]: row["title"] for row in rows(spec) if row["level"] == 3}
    assert len(kpis) == len(catalog.kpis()) == 91
    for code, title in kpis.items():
        assert KPI_CODE.fullmatch(code), code
        kpi = catalog.items[code]
        assert title == f"{code} — {kpi.label(lang)}" and kpi.label(lang).strip(), title
        assert title.count(code) == 1 and not KPI_CODE.search(title.removeprefix(code)), title
    assert layer(spec, "rect")[0]["encoding"]["tooltip"]["field"] == "title", "hovering a KPI shows its code and name"
