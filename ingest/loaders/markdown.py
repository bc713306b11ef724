"""Markdown with YAML front matter: one document per section (heading)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from langchain_core.documents import Document

from assistant.language import registry
from ingest.loaders.common import REQUIRED_FRONT_MATTER, LoadError, base_metadata, iso_date, read_text

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
    text = read_text(path)
    meta, body = front_matter(text)
    base = base_metadata(path, body)
    if meta is not None:
        missing = [k for k in REQUIRED_FRONT_MATTER if not meta.get(k)]
        if missing:
            raise LoadError(f"front matter: missing {', '.join(missing)}")
        if meta["language"] not in registry.codes():
            raise LoadError(f"front matter: language must be nb or en, not {meta['language']!r}")
        codes = meta.get("codes") or []
        if not isinstance(codes, list):
            raise LoadError("front matter: codes must be a list, like ['11', '11.6.2']")
        base.update(
            title=str(meta["title"]),
            language=meta["language"],
            source=str(meta["source"]),
            as_of=iso_date(meta["as_of"]),
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
