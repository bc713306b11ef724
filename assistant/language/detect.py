"""Tell the registered languages apart: each language's function words, and words with letters only it uses
(æ, ø, å for Norwegian)."""

from __future__ import annotations

import re

from assistant.language import registry

_WORD = re.compile(r"[^\W\d_]+")
_CAPS = re.compile(r"\b[A-ZÆØÅ]{2,}\b")  # codes and acronyms (KPI, SDG, FN, "EN: EN: AQ: 2C") say nothing of it
SAMPLE = 20_000  # characters: the start of a long document tells its language


def detect_language(text: str, default: str | None = None) -> str:
    """The code of the language with the most signals; `default` (the registry's default when None) when no
    language leads (codes only, empty, a tie)."""
    words = _WORD.findall(_CAPS.sub(" ", text[:SAMPLE]).lower())
    scores = {}
    for code in registry.codes():
        language = registry.get(code)
        # a word with one of its own letters counts once: Norwegian names (Karmøy) turn up in English questions
        own = re.compile(f"[{re.escape(language.letters)}]") if language.letters else None
        scores[code] = sum(w in language.function_words for w in words) + (
            sum(bool(own.search(w)) for w in words) if own else 0
        )
    ranked = sorted(scores.values(), reverse=True)
    if not ranked or ranked[0] == 0 or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return default or registry.default()
    return max(scores, key=lambda code: scores[code])
