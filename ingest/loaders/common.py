"""What every loader shares: the error a person reads, reading text files safely, and default metadata."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, date, datetime
from pathlib import Path

from assistant.language.detect import detect_language


class LoadError(Exception):
    """The file cannot be indexed; str(error) is the reason."""


DOC_TYPES_BY_FOLDER = {"centre": "centre", "guides": "guide", "annual-reviews": "annual_review"}
REQUIRED_FRONT_MATTER = ("title", "language", "source", "as_of")


def read_text(path: Path) -> str:
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


def doc_type_of(path: Path, default: str = "document") -> str:
    for part in reversed(path.parts[:-1]):
        if part in DOC_TYPES_BY_FOLDER:
            return DOC_TYPES_BY_FOLDER[part]
    return default


def iso_date(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise LoadError(f"front matter: as_of {text!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)")
    return text


def modified(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()


def base_metadata(path: Path, text: str, **extra) -> dict:
    """Metadata defaults for a file without its own: language detected, source = the file, as_of = modified."""
    return {
        "source": path.as_posix(),
        "title": path.stem.replace("_", " ").replace("-", " "),
        "language": detect_language(text),
        "doc_type": doc_type_of(path),
        "as_of": modified(path),
        "codes": [],
        **extra,
    }
