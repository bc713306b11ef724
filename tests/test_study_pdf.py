"""The study sheets' PDF: Norwegian letters, the headings as text, bookmarks and structure tags, the document
language, and nothing fetched from the Markdown."""

from __future__ import annotations

import io

from pypdf import PdfReader

from assistant.study.pdf import pdf_from_markdown

SHEET = """# Mål 11: Bærekraftige byer og lokalsamfunn

Gjøre byer og lokalsamfunn **inkluderende**, trygge og bærekraftige. Æ, Ø og Å i store bokstaver.

## Plass i rammeverket

- Mål 11 > delmål 11.6 > indikator 11.6.2
- Østlandet og Sør-Trøndelag

## Norske verdier

| by | verdi | dato |
|---|---|---|
| Trondheim | 12,5 µg/m³ | 2023 |

### Referanser

FN. (2015). *Transforming our world*. Hentet fra https://sdgs.un.org
"""


def _tags(node, found: list[str]) -> list[str]:
    node = node.get_object()
    if isinstance(node, list):
        for kid in node:
            _tags(kid, found)
    elif hasattr(node, "get") and "/S" in node:
        found.append(str(node["/S"]))
        if "/K" in node:
            _tags(node["/K"], found)
    return found


def test_a_norwegian_sheet_is_a_tagged_pdf_in_bokmaal():
    reader = PdfReader(io.BytesIO(pdf_from_markdown(SHEET, "nb", "Mål 11")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert all(letter in text for letter in "æøåÆØÅ")
    for heading in ("Mål 11: Bærekraftige byer og lokalsamfunn", "Plass i rammeverket", "Norske verdier", "Referanser"):
        assert heading in text
    assert "Trondheim 12,5 µg/m³ 2023" in text  # the table's row, in order
    assert "**" not in text and "|" not in text  # Markdown rendered, not shown
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "nb"
    assert catalog["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == "Mål 11"
    top, nested = reader.outline
    assert top.title == "Mål 11: Bærekraftige byer og lokalsamfunn"
    assert [item.title for item in nested if not isinstance(item, list)] == ["Plass i rammeverket", "Norske verdier"]
    tags = _tags(catalog["/StructTreeRoot"]["/K"], [])
    assert {"/H1", "/H2", "/H3", "/L", "/LI", "/Table", "/TH", "/TD", "/P"} <= set(tags)
    assert tags.count("/H2") == 2


def test_the_language_is_the_one_asked_for():
    reader = PdfReader(io.BytesIO(pdf_from_markdown("# Goal 11\n\nSustainable cities.", "en", "Goal 11")))
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_nothing_in_the_markdown_is_fetched_and_html_stays_text(httpserver):
    httpserver.expect_request("/picture.png").respond_with_data(b"", content_type="image/png")
    markdown = f"# Bilde\n\n![kart]({httpserver.url_for('/picture.png')})\n\n<b>rå HTML</b>"
    text = PdfReader(io.BytesIO(pdf_from_markdown(markdown, "nb", "Bilde"))).pages[0].extract_text()
    assert httpserver.log == []
    assert "<b>rå HTML</b>" in text
