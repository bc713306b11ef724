"""Sentences of a chunk and how well each matches a question: used to quote (extractive backend) and to
shorten what a language model has to read (prompt context)."""
from __future__ import annotations

import re

from assistant.injection import addresses_assistant
from assistant.lexical import tokens

_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«\"(\[])")  # not inside "15. mars"
_WRAPPED = re.compile(r"(?<!\n)\n(?![\n\-*•|#>]|\d+[.)]\s)")  # hard-wrapped Markdown lines belong to one sentence


def split(text: str) -> list[str]:
    """The sentences of a chunk's body (its first line is the title prefix the chunker added)."""
    lines = text.split("\n")
    body = "\n".join(lines[1:]) if len(lines) > 1 else text
    out = []
    for line in _WRAPPED.sub(" ", body).split("\n"):
        parts = _SENTENCES.split(line.strip())
        if len(parts) > 1 and re.fullmatch(r"\d+[.)]", parts[0]):  # "1. Trondheim kommune" is one list item
            parts[:2] = [f"{parts[0]} {parts[1]}"]
        out += [" ".join(p.split()) for p in parts if p.strip()]
    return out


def overlap(question_tokens: set[str], sentence: str) -> float:
    return len(question_tokens & set(tokens(sentence, ("nb", "en")))) / (1 + len(question_tokens))


_ITEM = re.compile(r"^([-*•]|\d+[.)])\s")
MAX_ITEMS = 12


def best(question: str, text: str, n: int) -> list[str]:
    """The n sentences that share most words with the question, in their original order; never an
    instruction planted in a document. A chosen sentence that introduces a list (ends with ":") brings the list's
    items along: they rarely repeat the question's words, but they are the answer."""
    wanted = set(tokens(question, ("nb", "en")))
    kept = [s for s in split(text) if not addresses_assistant(s)]
    top = sorted(range(len(kept)), key=lambda i: (-overlap(wanted, kept[i]), i))[:n]
    chosen = set(top)
    for i in (i for i in top if kept[i].endswith(":")):
        j = i + 1
        while j < len(kept) and j <= i + MAX_ITEMS and _ITEM.match(kept[j]):
            chosen.add(j)
            j += 1
    return [kept[i] for i in sorted(chosen)]
