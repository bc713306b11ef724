"""Citations: loose forms a small model writes ([n:1], [kilde 2]) tidied as the answer streams, [n] mapped to the
numbered sources, and the one reference format used in answers and exports."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from assistant.texts import Section

CITATION = re.compile(r"\[(\d{1,2})\]")
# no two runs of spaces side by side (they made this pattern take cubic time on "[" and a long run of spaces)
LOOSE_CITATION = re.compile(
    r"\[\s*(?:(?:n|nr|kilde|source)\s*(?::\s*)?|:\s*)?(\d{1,2})(?:\s*:\s*\d{1,3})?\s*\]", re.IGNORECASE
)
BRACKET_WAIT = 16  # characters held back after a "[" while waiting for its "]"
TEXT = Section("export")


@dataclass
class Citation:
    n: int
    title: str
    source: str
    page: int | None
    section: str
    as_of: str
    text: str

    def as_json(self) -> dict:
        return {"n": self.n, "title": self.title, "source": self.source, "page": self.page, "as_of": self.as_of}


def tidy_citations(tokens: Iterator[str]) -> Iterator[str]:
    """Small models also cite as [n:1], [n: 4] or [1:1]: rewritten to [1] as the tokens stream, holding text back
    from a "[" until its "]" (or for at most BRACKET_WAIT characters)."""
    held = ""
    for token in tokens:
        held += token
        start = held.rfind("[")
        if start >= 0 and "]" not in held[start:] and len(held) - start <= BRACKET_WAIT:
            ready, held = held[:start], held[start:]
        else:
            ready, held = held, ""
        if ready:
            yield LOOSE_CITATION.sub(r"[\1]", ready)
    if held:
        yield LOOSE_CITATION.sub(r"[\1]", held)


def cited(text: str, sources: list) -> list[Citation]:
    """The sources the answer cites, in citation-number order; all sources when it cites none."""
    numbers = sorted({int(n) for n in CITATION.findall(text) if 1 <= int(n) <= len(sources)})
    out = []
    for number in numbers or range(1, len(sources) + 1):
        meta = sources[number - 1].metadata
        out.append(
            Citation(
                n=number,
                title=meta.get("title", ""),
                source=meta.get("source", ""),
                page=meta.get("page"),
                section=meta.get("section", ""),
                as_of=str(meta.get("as_of", "")),
                text=sources[number - 1].text,
            )
        )
    return out


def reference(citation: Citation, lang: str, accessed: str | None = None) -> str:
    """One reference: title, page, as-of date, address and the date it was read."""
    labels = TEXT[lang]
    page = f", {labels['page']} {citation.page}" if citation.page else ""
    as_of = f" ({citation.as_of})" if citation.as_of else ""
    return (
        f"{citation.title}{page}{as_of}. {citation.source} "
        f"({labels['accessed']} {accessed or date.today().isoformat()})"
    )


def reference_list(citations: list[Citation], lang: str, accessed: str | None = None) -> str:
    """The references of one answer, numbered as it cites them (for students)."""
    return "\n".join([f"**{TEXT[lang]['refs']}**", *(f"[{c.n}] {reference(c, lang, accessed)}" for c in citations)])
