"""Loaders: one file in, `Document`s out (text + metadata), or a `LoadError` with a reason a person understands."""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from langchain_core.documents import Document

from assistant.knowledge.cards import sections
from assistant.knowledge.catalog import LANGS, Catalog, CatalogError, is_catalog, load_catalog_file
from assistant.language.detect import detect_language
from assistant.knowledge.quiz import parse_quiz, quiz_documents_text


class LoadError(Exception):
    """The file cannot be indexed; str(error) is the reason."""


DOC_TYPES_BY_FOLDER = {"centre": "centre", "guides": "guide", "annual-reviews": "annual_review"}
REQUIRED_FRONT_MATTER = ("title", "language", "source", "as_of")


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Windows editors save "Unicode" text like this
        raw = raw.decode("utf-16").encode("utf-8")
    if not raw.strip():
        raise LoadError("the file is empty")
    if b"\x00" in raw:
        raise LoadError("the file holds binary data (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"the text is not UTF-8 (byte {exc.start}); save the file as UTF-8") from exc


def _doc_type(path: Path, default: str = "document") -> str:
    for part in reversed(path.parts[:-1]):
        if part in DOC_TYPES_BY_FOLDER:
            return DOC_TYPES_BY_FOLDER[part]
    return default


def _iso(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise LoadError(f"front matter: as_of {text!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)")
    return text


def _modified(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()


def _base(path: Path, text: str, **extra) -> dict:
    """Metadata defaults for a file without its own: language detected, source = the file, as_of = modified."""
    return {
        "source": path.as_posix(),
        "title": path.stem.replace("_", " ").replace("-", " "),
        "language": detect_language(text),
        "doc_type": _doc_type(path),
        "as_of": _modified(path),
        "codes": [],
        **extra,
    }


# --- Markdown --------------------------------------------------------------------------------------------------
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)


def front_matter(text: str) -> tuple[dict | None, str]:
    """(front matter or None, body). Raises LoadError when the front matter is present but broken."""
    if not text.startswith("---"):
        return None, text
    match = _FRONT.match(text)
    if not match:
        raise LoadError("front matter: the opening '---' has no closing '---' line")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"front matter is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(meta, dict):
        raise LoadError("front matter must be key: value lines")
    return meta, text[match.end() :]


def load_markdown(path: Path) -> list[Document]:
    text = _read_text(path)
    meta, body = front_matter(text)
    base = _base(path, body)
    if meta is not None:
        missing = [k for k in REQUIRED_FRONT_MATTER if not meta.get(k)]
        if missing:
            raise LoadError(f"front matter: missing {', '.join(missing)}")
        if meta["language"] not in LANGS:
            raise LoadError(f"front matter: language must be nb or en, not {meta['language']!r}")
        codes = meta.get("codes") or []
        if not isinstance(codes, list):
            raise LoadError("front matter: codes must be a list, like ['11', '11.6.2']")
        base.update(
            title=str(meta["title"]),
            language=meta["language"],
            source=str(meta["source"]),
            as_of=_iso(meta["as_of"]),
            doc_type=str(meta.get("doc_type") or base["doc_type"]),
            codes=[str(c) for c in codes],
        )
    elif heading := _HEADING.search(body):
        base["title"] = heading.group(2)
    docs = []
    trail: list[tuple[int, str]] = []
    pos, section = 0, ""
    for match in list(_HEADING.finditer(body)) + [None]:
        chunk = body[pos : match.start() if match else len(body)].strip()
        if chunk:
            docs.append(Document(page_content=chunk, metadata={**base, "section": section}))
        if match:
            level = len(match.group(1))
            trail = [t for t in trail if t[0] < level] + [(level, match.group(2).strip())]
            section = " > ".join(t[1] for t in trail if t[1] != base["title"])
            pos = match.end()
    if not docs:
        raise LoadError("the document has no text")
    return docs


# --- Plain text and HTML -----------------------------------------------------------------------------------------
def load_text(path: Path) -> list[Document]:
    text = _read_text(path).strip()
    return [Document(page_content=text, metadata={**_base(path, text), "section": ""})]


def load_html(path: Path) -> list[Document]:
    text = _read_text(path)
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
    meta = _base(path, text, section="")
    if title:
        meta["title"] = title
    if lang[:2] in ("nb", "no", "nn"):
        meta["language"] = "nb"
    elif lang[:2] == "en":
        meta["language"] = "en"
    return [Document(page_content=text, metadata=meta)]


# --- PDF -------------------------------------------------------------------------------------------------------
def _pdf_date(value) -> str | None:
    match = re.match(r"D?:?(\d{4})(\d{2})?(\d{2})?", str(value or ""))
    if not match:
        return None
    return "-".join(g for g in match.groups() if g)


NEEDS_PASSWORD = "the PDF needs a password to open (only PDFs that open without one can be indexed)"


def _open_pdf(path: Path):
    """A PdfReader, decrypted when the PDF opens with an empty password (many public PDFs have only an owner
    password, which restricts printing or copying, not reading)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise LoadError(NEEDS_PASSWORD)
        except (FileNotDecryptedError, NotImplementedError) as exc:
            raise LoadError(NEEDS_PASSWORD) from exc
        except DependencyError as exc:  # an install without the `cryptography` package cannot read AES
            raise LoadError(f"the PDF is encrypted with AES, which needs the cryptography package ({exc})") from exc
    return reader


def load_pdf(path: Path, progress: Callable[[Iterable], Iterator] = iter) -> list[Document]:
    """One document per page with text; `progress` wraps the pages (a 2,000-page PDF takes minutes)."""
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    if path.stat().st_size == 0:
        raise LoadError("the file is empty")
    try:
        reader = _open_pdf(path)
        pages = [(n, (page.extract_text() or "").strip()) for n, page in enumerate(progress(reader.pages), start=1)]
        info = reader.metadata or {}
    except LoadError:
        raise
    except FileNotDecryptedError as exc:
        raise LoadError(NEEDS_PASSWORD) from exc
    except RecursionError as exc:
        raise LoadError("the PDF is damaged or not a PDF (its structure loops or is nested too deeply)") from exc
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AssertionError,
        IndexError,
        AttributeError,
        ZeroDivisionError,
    ) as exc:
        raise LoadError(f"the PDF is damaged or not a PDF ({type(exc).__name__}: {exc})") from exc
    pages = [(n, t) for n, t in pages if t]
    if not pages:
        raise LoadError("the PDF has no extractable text (a scanned image? run OCR first)")
    all_text = " ".join(t for _, t in pages[:5])
    base = _base(path, all_text)
    title = str(info.get("/Title") or "").strip()
    if title:
        base["title"] = title
    as_of = _pdf_date(info.get("/ModDate") or info.get("/CreationDate"))
    if as_of:
        base["as_of"] = as_of
    name = f"{path.name} {title}".lower()
    if base["doc_type"] == "document" and any(
        w in name for w in ("annual review", "annual-review", "årsrapport", "årsmelding")
    ):
        base["doc_type"] = "annual_review"
    return [
        Document(page_content=t, metadata={**base, "language": detect_language(t, base["language"]), "page": n})
        for n, t in pages
    ]


# --- Catalogues (YAML) -----------------------------------------------------------------------------------------
def load_quiz(path: Path, data: dict) -> list[Document]:
    """Quiz items are indexed too: each is a short question-and-answer document in both languages."""
    try:
        items = parse_quiz(data, path.as_posix())
    except CatalogError as exc:
        raise LoadError(f"quiz: {exc}") from exc
    return [
        Document(
            page_content=quiz_documents_text(q, lang),
            metadata={
                "source": str(q["source"]),
                "title": q[f"question_{lang}"],
                "language": lang,
                "doc_type": "quiz",
                "as_of": str(q["as_of"]),
                "codes": [],
                "section": q["id"],
                "whole": True,
            },
        )
        for q in items
        for lang in LANGS
    ]


def load_catalog(path: Path, catalog: Catalog) -> list[Document]:
    """One document per item, language and section; `catalog` resolves cross-references across files."""
    try:
        items = load_catalog_file(path)
    except CatalogError as exc:
        raise LoadError(f"catalogue: {exc}") from exc
    docs = []
    for item in items:
        full = catalog.items.get(item.code, item)
        codes = [item.code, *item.parents] if item.kind != "kpi" else [item.code, *item.related]
        for lang in LANGS:
            for section, text in sections(catalog, full, lang):
                docs.append(
                    Document(
                        page_content=text,
                        metadata={
                            "source": item.source,
                            "title": text.split("\n", 1)[0],
                            "language": lang,
                            "doc_type": {
                                "goal": "sdg_goal",
                                "target": "sdg_target",
                                "indicator": "sdg_indicator",
                                "kpi": "u4ssc_kpi",
                            }[item.kind],
                            "as_of": item.as_of,
                            "codes": codes,
                            "section": f"{item.code} ({section})" if item.kind == "goal" else item.code,
                            "whole": True,
                        },
                    )
                )
    return docs


def load_yaml(path: Path, catalog: Catalog) -> list[Document]:
    """A catalogue (SDG, U4SSC) or quiz file; `catalog` resolves cross-references across files."""
    try:
        data = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        raise LoadError(f"not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not is_catalog(data):
        raise LoadError("a YAML file must be a catalogue (top-level key 'catalog: sdg', 'u4ssc' or 'quiz')")
    if data["catalog"] == "quiz":
        return load_quiz(path, data)
    return load_catalog(path, catalog)


LOADERS: dict[str, Callable[[Path], list[Document]]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
}
CATALOG_SUFFIXES = (".yaml", ".yml")
SUPPORTED = tuple(LOADERS) + CATALOG_SUFFIXES


def load_file(
    path: Path, max_mb: float, catalog: Catalog | None = None, progress: Callable[[Iterable], Iterator] = iter
) -> list[Document]:
    """A file's documents by its type, within the size limit; catalogue and quiz YAML only when `catalog` is given."""
    size_mb = path.stat().st_size / 1e6
    if size_mb > max_mb:
        raise LoadError(f"the file is {size_mb:.0f} MB, above the limit of {max_mb:g} MB")
    suffix = path.suffix.lower()
    if suffix in CATALOG_SUFFIXES and catalog is not None:
        return load_yaml(path, catalog)
    if suffix not in LOADERS:
        kinds = SUPPORTED if catalog is not None else tuple(LOADERS)
        raise LoadError(f"unknown file type '{suffix or path.name}' (supported: {', '.join(kinds)})")
    if suffix == ".pdf":
        return load_pdf(path, progress=progress)
    return LOADERS[suffix](path)
