"""Codes of the frameworks as written in the files (11, 11.6, 11.6.2, 'EC: ICT: ICT: 1C') and as people write them
in questions ("SDG 11", "mål 11", "ec:ict:ict:1c"): recognised, normalised and found in free text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

from assistant.language import registry

GOAL_RE = re.compile(r"^\d{1,2}$")
TARGET_RE = re.compile(r"^\d{1,2}\.(\d{1,2}|[a-z])$")
INDICATOR_RE = re.compile(r"^\d{1,2}\.(\d{1,2}|[a-z])\.\d{1,2}$")
KPI_RE = re.compile(r"^(EC|EN|SC): [A-Z]+: [A-Z]+: \d+[CA]$")

_KPI_LOOSE = re.compile(r"\b(EC|EN|SC)\s*:\s*([A-Z]{1,4})\s*:\s*([A-Z]{1,4})\s*:\s*(\d{1,2}[CA])\b", re.IGNORECASE)
_SDG_LOOSE = re.compile(r"(?<![\w.])(\d{1,2})\.(\d{1,2}|[a-z])(?:\.(\d{1,2}))?(?![\w.]*\d)", re.IGNORECASE)


@lru_cache(maxsize=4)
def _goal_loose(codes: tuple[str, ...]) -> re.Pattern:
    """ "SDG 11", "mål nr. 11", "goal number 11": a word for a goal in any language, then its number."""
    words = ["sdg", *(w for code in codes for w in registry.get(code).goal_words)]
    names = "|".join(sorted((re.escape(w) for w in dict.fromkeys(words)), key=len, reverse=True))
    return re.compile(rf"\b(?:{names})\s*(?:nr\.?|nummer|number|no\.?)?\s*(\d{{1,2}})\b", re.IGNORECASE)


class Known(Protocol):
    """What knows which codes exist (a catalogue)."""

    def __contains__(self, code: str, /) -> bool: ...


def normalize_code(text: str) -> str:
    """'ec:ict:ict:1c' -> 'EC: ICT: ICT: 1C'; 'SDG 11' / 'mål 11' -> '11'; others stripped."""
    text = text.strip()
    match = _KPI_LOOSE.fullmatch(text)
    if match:
        return ": ".join(part.upper() for part in match.groups())
    match = _goal_loose(registry.codes()).fullmatch(text)
    if match:
        return str(int(match.group(1)))
    return text.lower() if re.fullmatch(r"\d{1,2}\.[A-Za-z0-9.]+", text) else text


def find_codes(text: str, known: Known) -> list[str]:
    """Codes named in free text that are `known` (a catalogue), in order of appearance, each once."""
    found: list[tuple[int, str]] = []
    for match in _KPI_LOOSE.finditer(text):
        found.append((match.start(), normalize_code(match.group(0))))
    for match in _SDG_LOOSE.finditer(text):
        found.append((match.start(), match.group(0).lower()))
    for match in _goal_loose(registry.codes()).finditer(text):
        found.append((match.start(), str(int(match.group(1)))))
    out: list[str] = []
    for _, code in sorted(found):
        if code in known and code not in out:
            out.append(code)
    return out
