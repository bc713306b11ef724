"""Plain text and HTML pages: one document each."""

from __future__ import annotations

import sys
from pathlib import Path

from langchain_core.documents import Document

from assistant.language import registry
from ingest.loaders.common import LoadError, base_metadata, read_text


def load_text(path: Path) -> list[Document]:
    text = read_text(path).strip()
    return [Document(page_content=text, metadata={**base_metadata(path, text), "section": ""})]


def load_html(path: Path) -> list[Document]:
    text = read_text(path)
    limit = sys.getrecursionlimit()
    try:  # BeautifulSoup walks the tree recursively: very deep nesting needs room, and is refused past that
        sys.setrecursionlimit(max(limit, 20_000))
        return _html_documents(path, text)
    except RecursionError as exc:
        raise LoadError("the page is nested too deeply to read") from exc
    finally:
        sys.setrecursionlimit(limit)


def _html_documents(path: Path, html: str) -> list[Document]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "svg", "nav", "footer"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    lang = str(soup.html.get("lang") or "" if soup.html else "").lower()
    if soup.head:
        soup.head.decompose()
    text = "\n".join(line.strip() for line in soup.get_text("\n").splitlines() if line.strip())
    if not text:
        raise LoadError("the page has no visible text")
    meta = base_metadata(path, text, section="")
    if title:
        meta["title"] = title
    declared = [code for code in registry.codes() if lang[:2] in registry.get(code).html_codes]
    if declared:  # the page says its language (lang="nb", "no", "nn", "en")
        meta["language"] = declared[0]
    return [Document(page_content=text, metadata=meta)]
