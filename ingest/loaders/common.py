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


# what is not text a person reads: control characters (but tab and line breaks), zero-width and format characters
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\s]+")


def read_text(path: Path) -> str:
    return decode(path.read_bytes())


def decode(raw: bytes) -> str:
    """Text from a file's or a pipe's bytes: UTF-8, or UTF-16 with its byte order mark; LoadError for what is
    empty, binary, in another encoding, or holds no readable character (only control or invisible characters)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Windows editors save "Unicode" text like this
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise LoadError(f"the UTF-16 text is damaged or cut short (byte {exc.start})") from exc
    if not raw.strip():
        raise LoadError("the file is empty")
    if b"\x00" in raw:
        raise LoadError("the file holds binary data (NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"the text is not UTF-8 (byte {exc.start}); save the file as UTF-8") from exc
    if not _INVISIBLE.sub("", text):
        raise LoadError("the file holds no readable text (only control or invisible characters)")
    return text


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
