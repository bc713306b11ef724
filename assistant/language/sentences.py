"""Sentences of a chunk and how well each matches a question: quotes (the extractive backend, the evidence under
a model's answer, the first thing a reader sees) and shorter model context. Sentences are split by Moses's rules
(the `sentence-splitter` package), so "dr.", "bl.a.", "f.eks.", "nr.", "ca." and "e.g." do not end one."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files
from typing import Any

from sentence_splitter import SentenceSplitter

from assistant.language import registry
from assistant.language.injection import addresses_assistant
from assistant.language.tokens import tokens

_WRAPPED = re.compile(r"(?<!\n)\n(?![\n\-*•|#>]|\d+[.)]\s)")  # hard-wrapped Markdown lines belong to one sentence
_ITEM = re.compile(r"^([-*•]|\d+[.)])\s")
MAX_ITEMS = 8  # items of a list brought along with its lead-in
MIN_QUOTE = 25  # characters: a shorter sentence says too little to quote


WINDOW = 2000  # characters given to Moses's splitter at once: its cost grows with the square of a line's length


@lru_cache(maxsize=8)
def _rules(code: str) -> tuple[SentenceSplitter, frozenset[str]]:
    """Moses's rules for the language, with its own abbreviations (the registry's) added to Moses's list; and the
    words a full stop does not end a sentence after."""
    language = registry.get(code)
    shipped = files("sentence_splitter") / "non_breaking_prefixes" / f"{language.sentence_rules}.txt"
    prefixes = shipped.read_text(encoding="utf-8") + "\n" + "\n".join(language.abbreviations) + "\n"
    words = frozenset(line.split("#")[0].split()[0] for line in prefixes.splitlines() if line.split("#")[0].strip())
    fd, path = tempfile.mkstemp(prefix=f"prefixes-{code}-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(prefixes)
        return SentenceSplitter(language=language.sentence_rules, non_breaking_prefix_file=path), words
    finally:
        os.unlink(path)


_BOUNDARY = re.compile(r"(\S+)[.!?]\s+(?=[«\"(\[]?[A-ZÆØÅ0-9])")


def _windows(line: str, prefixes: frozenset[str]) -> Iterator[str]:
    """A long line in pieces of at most about WINDOW characters, cut where a sentence surely ends (a full stop not
    after an abbreviation, then a capital or a digit), else at a space, else anywhere: linear in the line."""
    start = 0
    while len(line) - start > WINDOW:
        end = start + WINDOW
        cut = None
        for match in _BOUNDARY.finditer(line, start + WINDOW // 2, end):
            if match.group(1).lower().rstrip(".") not in prefixes:
                cut = match.end()
        if cut is None:
            space = line.rfind(" ", start + WINDOW // 2, end)
            cut = space + 1 if space > start else end
        yield line[start:cut]
        start = cut
    yield line[start:]


def split(text: str, language: str) -> list[str]:
    """The sentences of a text, by Moses's rules: a list item is a sentence, hard-wrapped lines are joined."""
    splitter, prefixes = _rules(language)
    out = []
    for line in _WRAPPED.sub(" ", text).split("\n"):
        line = line.strip()
        for window in _windows(line, prefixes) if line else ():
            parts = splitter.split(window)
            if len(parts) > 1 and re.fullmatch(r"\d+[.)]", parts[0]):  # "1. Trondheim kommune" is one list item
                parts[:2] = [f"{parts[0]} {parts[1]}"]
            out += [" ".join(p.split()) for p in parts if p.strip()]
    return out


def body(chunk: str) -> str:
    """A chunk's text without the title line the chunker put first."""
    lines = chunk.split("\n", 1)
    return lines[1] if len(lines) > 1 else chunk


def spans(text: str, language: str) -> list[str]:
    """The sentences of `text` as they stand in it (spaces and line breaks kept), so each can be found and replaced
    in the text."""
    out, position = [], 0
    for sentence in split(text, language):
        pattern = re.compile(r"\s+".join(map(re.escape, sentence.split())))
        found = pattern.search(text, position)
        if found is None:  # the splitter changed the sentence's characters: keep what is left as one piece
            break
        out.append(found.group(0))
        position = found.end()
    rest = text[position:].strip()
    return out + ([rest] if rest and not out else [])


def overlap(question_tokens: set[str], sentence: str) -> float:
    return len(question_tokens & set(tokens(sentence))) / (1 + len(question_tokens))


def best(question: str, text: str, count: int, language: str) -> list[str]:
    """The `count` sentences that share most words with the question, in their original order; never an
    instruction planted in a document. A chosen sentence that introduces a list (ends with ":") brings the list's
    items along: they rarely repeat the question's words, but they are the answer."""
    wanted = set(tokens(question))
    kept = [s for s in split(body(text), language) if not addresses_assistant(s)]
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
    wanted = set(tokens(question))
    scored = []
    for number, source in enumerate(sources, start=1):
        lang = source.metadata.get("language") or registry.default()
        for pos, sentence in enumerate(split(body(source.text), lang)):
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
