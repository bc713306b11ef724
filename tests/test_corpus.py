"""The knowledge base: complete and consistent against ../shared/data (skipped when absent), well-formed, bilingual,
every fact of the founding page present, and written in the project's own words."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from assistant.knowledge.catalog import Catalog
from ingest.loaders import front_matter

from conftest import CORPUS, ROOT, SHARED, needs_shared

DATA = SHARED / "data"
needs_data = needs_shared("data")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_dirs([CORPUS])


def reference_framework() -> tuple[set[str], set[str], list[tuple[str, str]]]:
    """Goals, targets and (target, indicator) listings of the UNSD 2025 CSV."""
    goals, targets, listings = set(), set(), []
    target = None
    with open(DATA / "reference/unsd/global-indicator-framework-2025.csv", encoding="utf-8") as f:
        for row in csv.reader(f):
            b = (row[1] if len(row) > 1 else "").strip()
            c = (row[2] if len(row) > 2 else "").strip()
            if m := re.match(r"Goal (\d+)\.", b):
                goals.add(m.group(1))
            elif m := re.match(r"(\d+\.[0-9a-z]+)\s", b):
                target = m.group(1)
                targets.add(target)
            if (m := re.match(r"(\d+\.[0-9a-z]+\.\d+)\s", c)) and target:
                listings.append((target, m.group(1)))
    return goals, targets, listings


@needs_data
def test_sdg_catalogue_matches_the_2025_framework(catalog):
    goals, targets, listings = reference_framework()
    assert (len(goals), len(targets)) == (17, 169)
    assert {i.code for i in catalog.of_kind("goal")} == goals
    assert {i.code for i in catalog.of_kind("target")} == targets
    ours = {(t.code, c) for t in catalog.of_kind("target") for c in t.children}
    assert ours == set(listings), "every indicator code under every target it is listed under"
    assert len(listings) == 251


@needs_data
def test_u4ssc_catalogue_matches_the_reference(catalog):
    with open(DATA / "reference/u4ssc_kpis.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kpis = {k.code: k for k in catalog.kpis()}
    assert set(kpis) == {r["code"] for r in rows} and len(kpis) == 91
    for r in rows:
        k = kpis[r["code"]]
        assert k.attrs["dimension"] == r["dimension"] and k.attrs["level"] == r["core_or_advanced"].lower()
    assert Counter(k.attrs["dimension"] for k in kpis.values()) == {
        "Economy": 45,
        "Environment": 17,
        "Society and Culture": 29,
    }
    assert Counter(k.attrs["level"] for k in kpis.values()) == {"core": 55, "advanced": 36}


def test_catalogue_items_are_complete_and_bilingual(catalog):
    assert len(catalog.of_kind("goal")) == 17 and len(catalog.kpis()) == 91
    for item in catalog.items.values():
        assert item.title["en"] and item.title["nb"], item.code
        assert item.source and item.as_of, item.code
    for goal in catalog.goals():
        for part in ("about", "municipal"):
            assert len(goal.text[part]["nb"].split()) > 60 and len(goal.text[part]["en"].split()) > 60, goal.code
    for kpi in catalog.kpis():
        assert kpi.attrs["dimension"] in ("Economy", "Environment", "Society and Culture") and kpi.related, kpi.code
        assert kpi.text["definition"]["nb"] and kpi.text["definition"]["en"], kpi.code


def test_known_norwegian_values_are_dated_and_sourced(catalog):
    values = [(k.code, v) for k in catalog.kpis() for v in k.attrs["values"]]
    cities = Counter(v["city"] for _, v in values)
    assert cities["Karmøy"] >= 10 and cities["Stavanger"] >= 10
    assert all(v["as_of"] in ("2020-09", "2021-02") and v["source"].startswith("http") for _, v in values)
    assert any(c == "EC: ICT: ICT: 1C" and v["value"].startswith("97") for c, v in values)


def markdown_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*.md") if p.name != "README.md")


def test_every_document_has_valid_front_matter_and_a_twin_in_the_other_language():
    files = markdown_files()
    assert len(files) >= 40
    for path in files:
        meta, body = front_matter(path.read_text(encoding="utf-8"))
        assert meta, path
        for key in ("title", "language", "source", "as_of"):
            assert meta.get(key), f"{path}: {key}"
        lang = path.suffixes[-2].lstrip(".")
        assert meta["language"] == lang, path
        twin = path.with_name(path.name.replace(f".{lang}.md", f".{'en' if lang == 'nb' else 'nb'}.md"))
        assert twin.exists(), f"{path} has no {twin.name}"
        assert len(body.split()) > 120, f"{path} is too short to be useful"


def test_every_fact_of_the_founding_page_is_in_the_corpus_in_both_languages():
    facts = yaml.safe_load((ROOT / "tests/data/founding_facts.yaml").read_text(encoding="utf-8"))
    assert len(facts) >= 40
    texts = {
        lang: [" ".join(p.read_text(encoding="utf-8").split()).lower() for p in CORPUS.rglob(f"*.{lang}.md")]
        for lang in ("nb", "en")
    }
    for fact in facts:
        for lang in ("nb", "en"):
            needles = [n.lower() for n in fact[lang]]
            assert any(all(n in text for n in needles) for text in texts[lang]), f"{lang}: {fact['fact']}"


OFFICIAL_TITLES = [  # official names and the official KPI method of the example sheet may be quoted verbatim
    "Numerator: Number of households with Internet access. Denominator: Total number of households",
    "Key performance indicators for smart sustainable cities to assess the achievement of sustainable "
    "development goals",
    "Improved sustainable urban development in Norwegian cities",
]


@needs_shared("seeds")
def test_the_corpus_restates_rather_than_copies_the_reference_texts():
    """No run of 12 words of prose from the founding page or the fact excerpts stands verbatim in the corpus.
    Runs that are mostly names, numbers and addresses (capitalised or digits), or official titles, are facts."""

    def words(text: str) -> list[str]:
        return re.findall(r"\w+", re.sub(r"\S*://\S*|\S+@\S+", " ", text))  # addresses are facts

    def runs(ws: list[str], n: int = 12) -> dict[str, list[str]]:
        return {" ".join(w.lower() for w in ws[i : i + n]): ws[i : i + n] for i in range(len(ws) - n + 1)}

    reference = set()
    for path in [*(SHARED / "seeds").glob("*.txt"), *(DATA / "facts").glob("*.md")]:
        reference |= set(runs(words(path.read_text(encoding="utf-8"))))
    titles = [" ".join(words(t)).lower() for t in OFFICIAL_TITLES]
    for path in markdown_files():
        for key, original in runs(words(path.read_text(encoding="utf-8"))).items():
            if key not in reference or any(key in t or t in key for t in titles):
                continue
            named = sum(w[0].isupper() or w[0].isdigit() for w in original)
            assert named >= len(original) / 2, f"{path} copies reference prose: {key!r}"


@needs_data
def test_norwegian_target_and_indicator_titles_are_our_own_translations(catalog):
    ref = {}
    for name in ("global_targets.yml", "global_indicators.yml"):
        data = yaml.safe_load((DATA / "reference/sdg-translations/nb_NO" / name).read_text(encoding="utf-8"))
        ref.update({k.removesuffix("-title").replace("-", "."): " ".join(str(v).split()) for k, v in data.items()})
    items = [i for i in catalog.items.values() if i.kind in ("target", "indicator") and i.code in ref]
    same = [i.code for i in items if i.title["nb"] == ref[i.code]]
    assert len(items) > 300 and len(same) / len(items) < 0.05, same[:10]
