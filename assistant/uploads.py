"""Admin uploads: check size and type (by content, not by name), give the file a safe name, store it."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

KINDS = {".pdf": "PDF", ".md": "Markdown", ".txt": "text", ".html": "HTML"}


class UploadError(ValueError):
    """The upload is refused; the message says why."""


def sniff(data: bytes) -> str:
    """The file type the content shows: .pdf, .html, or .txt for UTF-8 text (.md is text too)."""
    if data.startswith(b"%PDF-"):
        return ".pdf"
    head = data[:2048].lstrip().lower()
    if b"\x00" in data[:8192]:
        raise UploadError("the file is binary, not a PDF or a text file")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError("the text is not UTF-8") from exc
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]:
        return ".html"
    return ".txt"


def safe_name(name: str) -> str:
    """A plain file name: no folders, no leading dots, only letters, digits, '-', '_' and '.'."""
    base = unicodedata.normalize("NFKD", Path(name.replace("\\", "/")).name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-_") or "upload"
    return base[:120]


def check(name: str, data: bytes, max_bytes: int) -> str:
    """The safe file name to store `data` under; raises UploadError when the upload is refused."""
    if not data:
        raise UploadError("the file is empty")
    if len(data) > max_bytes:
        raise UploadError(f"the file is {len(data) / 1e6:.1f} MB, above the limit of {max_bytes / 1e6:.0f} MB")
    clean = safe_name(name)
    suffix = Path(clean).suffix.lower()
    if suffix not in KINDS:
        raise UploadError(f"'{suffix or clean}' files are not accepted (PDF, Markdown, text or HTML)")
    found = sniff(data)
    if suffix == ".pdf" and found != ".pdf" or suffix != ".pdf" and found == ".pdf":
        raise UploadError(f"the content is {KINDS[found]}, but the name says {KINDS[suffix]}")
    if suffix == ".html" and found != ".html":
        raise UploadError("the content is not an HTML page")
    return clean


def store(directory: Path, name: str, data: bytes, max_bytes: int) -> Path:
    clean = check(name, data, max_bytes)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / clean
    target.write_bytes(data)
    return target
