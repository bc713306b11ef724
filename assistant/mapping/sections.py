"""A text as the mapper reads it: its sections (Markdown headings in a pasted text; a file's sections or pages)."""

from __future__ import annotations

import re


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
