"""Sentences of a chunk and how well each matches a question: used to quote (extractive backend) and to
shorten what a language model has to read (prompt context)."""
from __future__ import annotations

import re

from assistant.lexical import tokens

_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«\"(\[])|\n+")  # not inside "15. mars"
_WRAPPED = re.compile(r"(?<!\n)\n(?![\n\-*|#>]|\d+\.\s)")  # hard-wrapped Markdown lines belong to one sentence
INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules|prompt)\b|\bignorer\b.{0,40}\b(instruks|instruksjoner|regler)\b"
    r"|\b(you must|du må) (now )?(answer|svare|say|si)\b", re.IGNORECASE)


def split(text: str) -> list[str]:
    """The sentences of a chunk's body (its first line is the title prefix the chunker added)."""
    lines = text.split("\n")
    body = "\n".join(lines[1:]) if len(lines) > 1 else text
    return [s.strip() for s in _SENTENCES.split(_WRAPPED.sub(" ", body)) if s.strip()]


def overlap(question_tokens: set[str], sentence: str) -> float:
    return len(question_tokens & set(tokens(sentence, ("nb", "en")))) / (1 + len(question_tokens))


def best(question: str, text: str, n: int) -> list[str]:
    """The n sentences that share most words with the question, in their original order; never an
    instruction planted in a document."""
    wanted = set(tokens(question, ("nb", "en")))
    scored = [(overlap(wanted, s), pos, s) for pos, s in enumerate(split(text)) if not INSTRUCTION.search(s)]
    top = sorted(scored, key=lambda t: (-t[0], t[1]))[:n]
    return [s for _, _, s in sorted(top, key=lambda t: t[1])]
