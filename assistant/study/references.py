"""The references of catalogue items and of a conversation, in a citation style or for a reference manager.

A catalogue item cites the framework publication it is stated in, and a KPI also the reports its Norwegian values
come from; a conversation cites the sources of its answers' citations, each once (with its page when one page of it
was cited). A conversation is read from the JSON that `ask --json` prints (one object, a list of them, or one per
line) or that the app's "Sources and export" view downloads.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from assistant.answering.citations import Citation
from assistant.knowledge.catalog import Catalog, Item
from assistant.study.exports import FORMATS, export
from assistant.study.sources import Register, Source
from assistant.study.styles import STYLES, bibliography, keyed, plain

OUTPUTS = ("text", "markdown", *FORMATS)


class StudyError(ValueError):
    """A reference or sheet cannot be made as asked; the message names the code, file or field."""


def item_of(catalog: Catalog, code: str) -> Item:
    item = catalog.get(code)
    if item is None:
        raise StudyError(f"unknown code {code!r}: not a goal, target, indicator or U4SSC KPI in the catalogue")
    return item


def _once(sources: list[Source]) -> list[Source]:
    """Each work once, in order of first use; a page only when that one page of the work was cited."""
    pages: dict[str, set] = {}
    for source in sources:
        pages.setdefault(source.url, set()).add(source.page)
    first: dict[str, Source] = {}
    for source in sources:
        if source.url not in first:
            one = pages[source.url]
            first[source.url] = replace(source, page=next(iter(one)) if len(one) == 1 else None)
    return list(first.values())


def item_sources(register: Register, item: Item) -> list[Source]:
    return _once([register.of_item(item), *(register.of_value(v) for v in item.attrs.get("values", []))])


def of_codes(register: Register, catalog: Catalog, codes: list[str]) -> list[Source]:
    return _once([source for code in codes for source in item_sources(register, item_of(catalog, code))])


def of_citations(register: Register, citations: list[Citation], accessed: str | None = None) -> list[Source]:
    when = accessed or date.today().isoformat()
    return _once([register.of_citation(citation, when) for citation in citations])


def _citation(raw: object, where: str) -> Citation:
    if not isinstance(raw, dict) or not raw.get("source"):
        raise StudyError(f"{where}: a citation needs at least a source (the address or file cited)")
    page = raw.get("page")
    return Citation(
        n=int(raw.get("n") or 0),
        title=str(raw.get("title") or ""),
        source=str(raw["source"]),
        page=page if isinstance(page, int) else None,
        section=str(raw.get("section") or ""),
        as_of=str(raw.get("as_of") or ""),
        text="",
    )


def conversation_citations(path: Path) -> list[Citation]:
    """The citations of a conversation saved as JSON; StudyError naming the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise StudyError(f"{path}: not a text file (a conversation is saved as UTF-8 JSON)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise StudyError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    answers = data if isinstance(data, list) else [data]
    out = []
    for number, answer in enumerate(answers, start=1):
        if not isinstance(answer, dict) or not isinstance(answer.get("citations"), list):
            raise StudyError(f"{path}: answer {number} has no list of 'citations' (save it with `ask --json`)")
        out += [_citation(raw, f"{path}: answer {number}") for raw in answer["citations"]]
    return out


def render(sources: list[Source], style: str, lang: str, form: str) -> str:
    """The references as text or Markdown in `style`, one a line in the style's order, or in a reference manager's
    format."""
    if style not in STYLES:
        raise StudyError(f"unknown style {style!r}: use {' or '.join(STYLES)}")
    if form not in OUTPUTS:
        raise StudyError(f"unknown format {form!r}: use one of {', '.join(OUTPUTS)}")
    items = keyed(sources)
    if form in FORMATS:
        return export(items, form)
    references = bibliography(items, style, lang)
    if form == "text":
        return "".join(f"{plain(reference)}\n" for reference in references)
    return "".join(f"- {reference}\n" for reference in references)
