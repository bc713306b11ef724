"""Sentences of a chunk and how well each matches a question: quotes (the extractive backend, the evidence under
a model's answer, the first thing a reader sees) and shorter model context. Sentences are split by Moses's rules
(the `sentence-splitter` package), so "dr.", "bl.a.", "f.eks.", "nr.", "ca." and "e.g." do not end one."""

from __future__ import annotations

import os
import re
import tempfile
from functools import lru_cache
from importlib.resources import files
from typing import Any

from sentence_splitter import SentenceSplitter

from assistant.language.injection import addresses_assistant
from assistant.search.lexical import tokens

_WRAPPED = re.compile(r"(?<!\n)\n(?![\n\-*•|#>]|\d+[.)]\s)")  # hard-wrapped Markdown lines belong to one sentence
_ITEM = re.compile(r"^([-*•]|\d+[.)])\s")
MAX_ITEMS = 8  # items of a list brought along with its lead-in
MIN_QUOTE = 25  # characters: a shorter sentence says too little to quote
# Abbreviations of municipal Norwegian (lower case, as written mid-sentence) that Moses's Norwegian list lacks
EXTRA_ABBREVIATIONS = {
    "no": (
        "dr",
        "prof",
        "mill",
        "mrd",
        "tlf",
        "inkl",
        "evt",
        "iht",
        "mht",
        "ift",
        "hhv",
        "kap",
        "avd",
        "adm",
        "stk",
        "bl.a",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "okt",
        "des",
        "ref",
        "ekskl",
        "vedr",
        "st",
    ),
    "en": ("approx", "incl", "dept", "e.g", "i.e"),
}


@lru_cache(maxsize=2)
def _splitter(language: str) -> SentenceSplitter:
    """Moses's rules for Norwegian ("no") or English, with the abbreviations above added to its list."""
    shipped = files("sentence_splitter") / "non_breaking_prefixes" / f"{language}.txt"
    prefixes = shipped.read_text(encoding="utf-8") + "\n" + "\n".join(EXTRA_ABBREVIATIONS[language]) + "\n"
    fd, path = tempfile.mkstemp(prefix=f"prefixes-{language}-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(prefixes)
        return SentenceSplitter(language=language, non_breaking_prefix_file=path)  # reads the file here
    finally:
        os.unlink(path)


def split(text: str, language: str = "nb") -> list[str]:
    """The sentences of a chunk's body (its first line is the title prefix the chunker added)."""
    lines = text.split("\n")
    body = "\n".join(lines[1:]) if len(lines) > 1 else text
    splitter = _splitter("en" if language == "en" else "no")
    out = []
    for line in _WRAPPED.sub(" ", body).split("\n"):
        line = line.strip()
        if not line:
            continue
        parts = splitter.split(line)
        if len(parts) > 1 and re.fullmatch(r"\d+[.)]", parts[0]):  # "1. Trondheim kommune" is one list item
            parts[:2] = [f"{parts[0]} {parts[1]}"]
        out += [" ".join(p.split()) for p in parts if p.strip()]
    return out


def overlap(question_tokens: set[str], sentence: str) -> float:
    return len(question_tokens & set(tokens(sentence, ("nb", "en")))) / (1 + len(question_tokens))


def best(question: str, text: str, count: int, language: str = "nb") -> list[str]:
    """The `count` sentences that share most words with the question, in their original order; never an
    instruction planted in a document. A chosen sentence that introduces a list (ends with ":") brings the list's
    items along: they rarely repeat the question's words, but they are the answer."""
    wanted = set(tokens(question, ("nb", "en")))
    kept = [s for s in split(text, language) if not addresses_assistant(s)]
    top = sorted(range(len(kept)), key=lambda i: (-overlap(wanted, kept[i]), i))[:count]
    chosen = set(top)
    for intro in (i for i in top if kept[i].endswith(":")):
        item = intro + 1
        while item < len(kept) and item <= intro + MAX_ITEMS and _ITEM.match(kept[item]):
            chosen.add(item)
            item += 1
    return [kept[i] for i in sorted(chosen)]


def quotes(question: str, sources: list[Any], language: str, limit: int = 3) -> list[tuple[int, str]]:
    """(source number, sentence) of the sentences that best support an answer, in source order: words shared
    with the question first, then the reader's language, then the earlier source and place."""
    wanted = set(tokens(question, ("nb", "en")))
    scored = []
    for number, source in enumerate(sources, start=1):
        lang = source.metadata.get("language", "nb")
        for pos, sentence in enumerate(split(source.text, lang)):
            if len(sentence) < MIN_QUOTE or addresses_assistant(sentence):
                continue  # too short to say anything, or an instruction planted in a document
            share = overlap(wanted, sentence)
            if share:
                scored.append(
                    (
                        share + 0.15 * (lang == language) + 0.1 / (number + pos) + 0.05 * (number == 1),
                        number,
                        pos,
                        sentence,
                    )
                )
    best_first = sorted(scored, key=lambda t: -t[0])[:limit]
    return [(n, sentence) for _, n, _, sentence in sorted(best_first, key=lambda t: (t[1], t[2]))]


def quoted(pairs: list[tuple[int, str]]) -> str:
    """Quotes as Markdown, each marked as a quote and cited."""
    return "".join(f"> «{sentence}» [{n}]\n\n" for n, sentence in pairs)
