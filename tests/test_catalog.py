"""The catalogues as code: lookup, hierarchy, cross-references, code finding, and validation errors."""

from __future__ import annotations

import pytest
import yaml

from assistant.knowledge.cards import render, sections
from assistant.knowledge.catalog import Catalog, CatalogError, load_catalog_file
from assistant.knowledge.codes import find_codes, normalize_code

from conftest import CORPUS


@pytest.fixture(scope="module")
def catalog():
    return Catalog.from_dirs([CORPUS])


def test_hierarchy_of_sdg_and_u4ssc_codes(catalog):
    assert catalog.path("11.6.2") == ["11", "11.6", "11.6.2"]
    assert catalog.path("ec:ict:ict:1c") == ["Economy", "ICT", "ICT Infrastructure", "EC: ICT: ICT: 1C"]
    assert "11.6.2" in catalog.get("11.6").children and "11.6" in catalog.get("11").children
    tree = catalog.tree()
    assert set(tree) == {"Economy", "Environment", "Society and Culture"}
    assert len({c for d in tree.values() for s in d.values() for c in s}) == 22


def test_repeated_indicators_share_their_translation(catalog):
    """The framework repeats some indicators under other codes (same UNSD code): one meaning, one wording."""
    by_unsd: dict[str, set[str]] = {}
    for ind in catalog.of_kind("indicator"):
        if ind.attrs["unsd_code"]:
            by_unsd.setdefault(ind.attrs["unsd_code"], set()).add(ind.title["nb"])
    assert len(by_unsd) >= 230
    assert [u for u, titles in by_unsd.items() if len(titles) > 1] == []


def test_cross_references_kpi_and_sdg(catalog):
    kpi = catalog.get("EC: I: ES: 3C")
    assert "7.1.1" in kpi.related
    assert "EC: I: ES: 3C" in catalog.get("7").related
    assert kpi in catalog.related("7.1.1")
    assert any(item.code == "7.1.1" for item in catalog.related("EC: I: ES: 3C"))


@pytest.mark.parametrize(
    "text, codes",
    [
        ("Forklar indikator 11.6.2", ["11.6.2"]),
        ("Hva er delmål 7.2?", ["7.2"]),
        ("What does SDG 11 cover? And mål 3?", ["11", "3"]),
        ("How is ec: ict: ict: 1c calculated?", ["EC: ICT: ICT: 1C"]),
        ("target 11.a and 99.9.9", ["11.a"]),
        ("Hvem vant fotball-VM i 2018?", []),
    ],
)
def test_find_codes_in_questions(catalog, text, codes):
    assert find_codes(text, catalog) == codes


def test_normalize_code():
    assert normalize_code("SDG 11") == "11" and normalize_code("mål 7") == "7"
    assert normalize_code("EC:I:ES:3C") == "EC: I: ES: 3C"


def test_cards_in_both_languages(catalog):
    nb = render(catalog, catalog.get("EC: ICT: ICT: 1C"), "nb")
    assert "Husholdninger med internettilgang" in nb and "Karmøy (september 2020): 97.00 %" in nb
    en = render(catalog, catalog.get("11.6"), "en")
    assert en.startswith("Target 11.6:") and "11.6.2" in en
    assert len(sections(catalog, catalog.get("11"), "nb")) == 3


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["goal"].update(code=11), "must be a quoted string"),
        (lambda d: d["targets"][0].update(code="12.1"), "does not belong to goal 11"),
        (lambda d: d["targets"][0].update(title_nb=""), r"targets\[0\].title_nb is missing"),
        (lambda d: d.pop("source"), "source is missing"),
    ],
)
def test_bad_sdg_catalogue_names_the_field(tmp_path, mutate, message):
    data = yaml.safe_load((CORPUS / "sdg/goal-11.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "goal-11.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        load_catalog_file(path)


def test_bad_kpi_catalogue_names_the_field(tmp_path):
    data = yaml.safe_load((CORPUS / "u4ssc/kpis.yaml").read_text(encoding="utf-8"))
    data["kpis"][3]["level"] = "basic"
    path = tmp_path / "kpis.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"kpis\[3\].level must be core or advanced"):
        load_catalog_file(path)
