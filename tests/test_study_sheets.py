"""Study sheets: their sections in both languages, and every number on them found in the catalogue entry or the
corpus document they cite; the PDF a tagged page in the sheet's language; the `sheet` command.

What counts as a number: a run of digits, with a decimal point or comma inside, that is not glued to a letter or a
dot before it. Codes (11.6.2, 7.a, EC: ICT: ICT: 1C) are written as Markdown code on a sheet, and the test first
checks that each such span is a catalogue code, then leaves it out; digits inside names (U4SSC, PM2.5, ITU-T
Y.4903) are part of the name. Each number on a line must be in the sources of that line: the catalogue entries of
the sheet's item, of its place in the framework (ancestors) and of the items whose codes the line names, and the
description of the sources the sheet cites (a KPI's values are in its catalogue entry, with their report named).
"""

from __future__ import annotations

import io
import random
import re

import pytest
from pypdf import PdfReader

from assistant.app.cli import main
from assistant.knowledge.catalog import Catalog, Item, load_catalog
from assistant.study import references, sheets
from assistant.study.sources import Register, load_register

from conftest import CORPUS

DIRS = (CORPUS,)
CODE = re.compile(r"`([^`]+)`")
NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?!\w)")
ANY_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(DIRS)


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(DIRS)


def _normal(number: str) -> str:
    return number.lstrip("0") or "0" if number.isdigit() else number


def _entry(item: Item) -> str:
    """What the catalogue states about an item (not the codes of the items it links to)."""
    return " ".join(map(str, (item.title, item.short, item.text, item.attrs, item.issued, item.accessed, item.as_of)))


def _cited(register: Register, item: Item) -> str:
    """How the sheet's references describe their sources (their dates, titles and addresses)."""
    return " ".join(str(vars(source)) for source in references.item_sources(register, item))


def _sample(catalog: Catalog) -> list[str]:
    pick = random.Random(25)
    return (
        [g.code for g in catalog.goals()]
        + pick.sample(sorted(i.code for i in catalog.of_kind("target")), 20)
        + pick.sample(sorted(i.code for i in catalog.of_kind("indicator")), 20)
        + sorted(k.code for k in catalog.kpis())
    )


def test_every_number_on_a_sheet_is_in_what_it_cites(catalog, register):
    codes = _sample(catalog)
    assert len(codes) == 17 + 20 + 20 + 91
    checked = 0
    for lang in ("nb", "en"):
        for code in codes:
            item = catalog.get(code)
            sheet = sheets.sheet_markdown(catalog, register, code, lang, "apa")
            cited = _cited(register, item)
            place = " ".join(_entry(catalog.items[c]) for c in catalog.path(code) if c in catalog.items)
            for line in sheet.splitlines():
                named = CODE.findall(line)
                assert all(c in catalog for c in named), (code, lang, line)
                evidence = " ".join([place, _entry(item), cited, *(_entry(catalog.items[c]) for c in named)])
                known = {_normal(n) for n in ANY_DIGITS.findall(evidence)}
                for number in NUMBER.findall(CODE.sub(" ", line)):
                    checked += 1
                    assert _normal(number) in known, f"{code} [{lang}]: {number} in {line!r}"
    assert checked > 1000


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_kpi_sheet_has_every_part(catalog, register, lang):
    sheet = sheets.sheet_markdown(catalog, register, "EC: ICT: ICT: 1C", lang, "harvard")
    heads = [line for line in sheet.splitlines() if line.startswith("#")]
    if lang == "nb":
        assert heads == [
            "# U4SSC-indikator (KPI) `EC: ICT: ICT: 1C`: Husholdninger med internettilgang",
            "## Offisielle titler",
            "## Plass i rammeverket",
            "## Forklart enkelt",
            "## Hva det betyr for en norsk kommune",
            "## Relaterte bærekraftsmål",
            "## Norske verdier",
            "## Referanser",
        ]
        assert "- Engelsk (offisiell): Household Internet Access" in sheet
        assert "- Kategori: IKT-infrastruktur (ICT Infrastructure)" in sheet
        assert "| Karmøy | 97.00 % | september 2020 | U4SSC Verification Report: Karmøy, Norway |" in sheet
        assert "(Lest: 1. november 2026)" in sheet
    else:
        assert "- Norwegian: Husholdninger med internettilgang" in sheet
        assert "- Sustainable Development Goal `17`: Partnerships for the goals" in sheet
        assert "(Accessed: 1 November 2026)" in sheet
    assert "*U4SSC Verification Report: Karmøy, Norway*" in sheet


def test_an_sdg_sheet_places_the_item_and_says_when_there_are_no_norwegian_values(catalog, register):
    sheet = sheets.sheet_markdown(catalog, register, "11.6.2", "nb", "apa")
    assert "- Bærekraftsmål `11`: Bærekraftige byer og lokalsamfunn\n  - Delmål `11.6`:" in sheet
    assert "    - Indikator `11.6.2`:" in sheet
    assert "Kunnskapsbasen har ingen norske tall for dette punktet" in sheet
    assert "- U4SSC-indikator (KPI) `EC: I: WA: 1C`" in sheet and "… og flere i katalogen." in sheet
    goal = sheets.sheet_markdown(catalog, register, "7", "en", "apa")
    assert "- Targets under the goal: `7.1`, `7.2`, `7.3`, `7.a`, `7.b`" in goal
    assert catalog.get("7").about("municipal", "en") in goal


def test_an_unknown_code_is_named(catalog, register):
    with pytest.raises(references.StudyError, match="unknown code '18'"):
        sheets.sheet_markdown(catalog, register, "18", "nb", "apa")


@pytest.mark.parametrize(("code", "lang"), [("17", "nb"), ("2.2", "en"), ("EC: ICT: ICT: 4C", "nb"), ("11.6.2", "en")])
def test_the_pdf_is_one_tagged_page_in_the_sheets_language(catalog, register, code, lang):
    reader = PdfReader(io.BytesIO(sheets.sheet(catalog, register, code, lang, "harvard", "pdf")))
    assert len(reader.pages) == 1
    assert reader.trailer["/Root"]["/Lang"] == lang
    text = reader.pages[0].extract_text()
    heads = [
        line.lstrip("# ").replace("`", "")
        for line in sheets.sheet_markdown(catalog, register, code, lang, "harvard").splitlines()
        if line.startswith("#")
    ]
    assert all(" ".join(head.split()[:3]) in " ".join(text.split()) for head in heads)
    assert [o.title for o in reader.outline if not isinstance(o, list)] == [heads[0]]


def test_a_norwegian_pdf_sheet_has_its_letters(catalog, register):
    text = PdfReader(io.BytesIO(sheets.sheet(catalog, register, "11", "nb", "apa", "pdf"))).pages[0].extract_text()
    assert all(letter in text for letter in "æøå") and "Bærekraftige byer og lokalsamfunn" in text


def test_the_sheet_command(tmp_path, capsys):
    out = tmp_path / "ark.pdf"
    assert main(["sheet", "EC: ICT: ICT: 1C", "--format", "pdf", "--style", "harvard", "--out", str(out)]) == 0
    assert PdfReader(out).trailer["/Root"]["/Lang"] == "nb"
    capsys.readouterr()
    assert main(["sheet", "7.2", "--language", "en"]) == 0
    assert capsys.readouterr().out.startswith("# Target `7.2`: By 2030, increase substantially")
    assert main(["sheet", "99"]) == 2
    assert "unknown code '99'" in capsys.readouterr().err
