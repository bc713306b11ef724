"""PDF: one document per page with text; encrypted files opened when the empty password opens them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from langchain_core.documents import Document

from assistant.language.detect import detect_language
from ingest.loaders.common import LoadError, base_metadata


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
    base = base_metadata(path, all_text)
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
