"""Loaders on real files: Markdown, text, HTML, PDF (two-page, encrypted, corrupt), catalogues and bad input."""

from __future__ import annotations

import pytest

from ingest.loaders import LoadError, load_html, load_markdown, load_pdf, load_text

from conftest import write_md, write_pdf


def test_markdown_front_matter_and_sections(tmp_path):
    path = write_md(
        tmp_path / "history.nb.md",
        "Historie",
        "nb",
        "# Historie\nInnledning.\n\n## FN-status\nStatusen gikk ut 23. august 2022.\n\n### Detaljer\nMer.\n",
        codes="['11']",
    )
    docs = load_markdown(path)
    assert [d.metadata["section"] for d in docs] == ["", "FN-status", "FN-status > Detaljer"]
    meta = docs[1].metadata
    assert (meta["title"], meta["language"], meta["as_of"], meta["codes"]) == ("Historie", "nb", "2022-03-15", ["11"])
    assert meta["source"] == "https://example.org/history.nb"
    assert "23. august 2022" in docs[1].page_content


@pytest.mark.parametrize(
    "text, reason",
    [
        ("---\ntitle: [unclosed\nlanguage: nb\n---\nBody", "front matter is not valid YAML"),
        ("---\ntitle: X\nlanguage: nb\nBody without closing line", "no closing '---'"),
        ("---\ntitle: X\nlanguage: nb\nsource: s\n---\nBody", "missing as_of"),
        ("---\ntitle: X\nlanguage: de\nsource: s\nas_of: 2022\n---\nBody", "language must be nb or en"),
        ("---\ntitle: X\nlanguage: nb\nsource: s\nas_of: last year\n---\nBody", "is not a date"),
    ],
)
def test_broken_front_matter_is_refused_with_a_reason(tmp_path, text, reason):
    path = tmp_path / "bad.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError, match=reason):
        load_markdown(path)


def test_markdown_without_front_matter_gets_defaults(tmp_path):
    path = tmp_path / "notat.md"
    path.write_text("# Et notat om bærekraft\nDette er et notat om kommunens arbeid med målene.", encoding="utf-8")
    (doc,) = load_markdown(path)
    assert doc.metadata["title"] == "Et notat om bærekraft"
    assert doc.metadata["language"] == "nb"
    assert doc.metadata["source"].endswith("notat.md")


def test_text_empty_and_not_utf8(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(LoadError, match="empty"):
        load_text(empty)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Bærekraft på norsk".encode("latin-1"))
    with pytest.raises(LoadError, match="not UTF-8"):
        load_text(latin)


def test_html_keeps_visible_text_only(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html lang='en'><head><title>Centre page</title><style>p{color:red}</style></head><body>"
        "<nav>Menu Home</nav><script>var secret = 1;</script><h1>About</h1><p>The centre opened in June 2020.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    (doc,) = load_html(path)
    assert "The centre opened in June 2020." in doc.page_content
    assert "secret" not in doc.page_content and "color" not in doc.page_content and "Menu" not in doc.page_content
    assert (doc.metadata["title"], doc.metadata["language"]) == ("Centre page", "en")


def test_two_page_pdf_has_page_numbers_title_and_date(tmp_path):
    path = write_pdf(
        tmp_path / "annual-review-2021.pdf",
        ["The centre trained many employees in 2021.", "Students worked on data and analysis."],
        title="Annual Review 2021",
    )
    docs = load_pdf(path)
    assert [d.metadata["page"] for d in docs] == [1, 2]
    assert "Students worked" in docs[1].page_content
    meta = docs[0].metadata
    assert (meta["title"], meta["doc_type"], meta["as_of"], meta["language"]) == (
        "Annual Review 2021",
        "annual_review",
        "2021-06-30",
        "en",
    )


def test_encrypted_and_corrupt_pdfs_are_refused(tmp_path):
    locked = write_pdf(tmp_path / "locked.pdf", ["Secret"], password="hemmelig")
    with pytest.raises(LoadError, match="needs a password"):
        load_pdf(locked)
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage garbage\n%%EOF")
    with pytest.raises(LoadError, match="damaged|no extractable text"):
        load_pdf(corrupt)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(LoadError, match="empty"):
        load_pdf(empty)
