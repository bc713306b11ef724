"""A text as the mapper reads it: its sections (Markdown headings in a pasted text; a file's sections or pages)."""

from __future__ import annotations

import re

from assistant.language.sentences import split

HEADLINE_WORDS = 10  # a line this short, without a full stop, before a line that starts a sentence: a headline


def sections_of(text: str, title: str = "") -> list[tuple[str, str]]:
    """A pasted text's sections, split at Markdown headings ("# ..."); one section when there are none."""
    parts: list[tuple[str, str]] = []
    heading, lines = title, list[str]()
    for line in text.splitlines():
        if match := re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line):
            if "".join(lines).strip():
                parts.append((heading, "\n".join(lines)))
            heading, lines = match.group(1), []
        else:
            lines.append(line)
    if "".join(lines).strip():
        parts.append((heading, "\n".join(lines)))
    return parts


def sentences_of(body: str, language: str) -> list[str]:
    """A section's sentences, its lines joined where a sentence runs on, but a headline kept apart ("Renere fjord"
    above "Mandag ble ..." is not the start of one sentence)."""
    blocks: list[list[str]] = [[]]
    lines = [line.strip() for line in body.splitlines()]
    for line, following in zip(lines, [*lines[1:], ""]):
        if not line:
            blocks.append([])
            continue
        blocks[-1].append(line)
        if len(line.split()) <= HEADLINE_WORDS and line[-1] not in ".!?:;,-" and following[:1].isupper():
            blocks.append([])
    return [sentence for block in blocks if block for sentence in split(" ".join(" ".join(block).split()), language)]
