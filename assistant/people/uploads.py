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


MAX_NAME = 120


def safe_name(name: str) -> str:
    """A plain file name of at most MAX_NAME characters: no folders, no leading dots, only letters, digits, '-',
    '_' and '.'; a long name is shortened before its extension, which is kept."""
    base = unicodedata.normalize("NFKD", Path(name.replace("\\", "/")).name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-_") or "upload"
    stem, suffix = (base[: -len(Path(base).suffix)], Path(base).suffix) if Path(base).suffix else (base, "")
    suffix = suffix[:10]
    return (stem[: MAX_NAME - len(suffix)].rstrip(".-_") or "upload") + suffix


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


def store(directory: Path, name: str, data: bytes, max_bytes: int) -> tuple[Path, bool]:
    """(where the upload is, whether it is new). An upload with the name of an earlier, different file is kept
    beside it as name-2.ext, name-3.ext, ...; the same bytes uploaded again are not stored twice."""
    clean = check(name, data, max_bytes)
    directory.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(clean).stem, Path(clean).suffix
    number = 1
    while True:
        candidate = (
            clean if number == 1 else f"{stem[: MAX_NAME - len(suffix) - 1 - len(str(number))]}-{number}{suffix}"
        )
        target = directory / candidate
        try:
            with open(target, "xb") as handle:  # exclusive: two uploads at once never overwrite each other
                handle.write(data)
            return target, True
        except FileExistsError:
            if target.read_bytes() == data:
                return target, False
        number += 1
