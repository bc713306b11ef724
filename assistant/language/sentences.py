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

from sentence_splitter import SentenceSplitter

from assistant.language import registry
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


# a written sentence's end: its mark, closing quotes or brackets and citations ("... i 2020 [1]."), then a space and
# the next sentence's first letter, capital or digit
_WRITTEN_END = re.compile(r"(\S*?)([.!?])[»\"')\]]*(?:\s*\[\d{1,2}\])*[.!?]?(\s+)(?=[«\"(\[]?[A-ZÆØÅ0-9])")
_TAIL_END = re.compile(r"(\S*?)([.!?])[»\"')\]]*(?:\s*\[\d{1,2}\])*[.!?]?\s*$")


def _abbreviated(word: str, language: str) -> bool:
    """Whether a full stop after `word` belongs to it: an abbreviation of the language."""
    return word.lstrip('«"([').lower().rstrip(".") in _rules(language)[1]


def last_end(text: str, language: str) -> int:
    """Where the text being written has its last finished sentence (0: none yet): after a sentence mark followed by
    the next sentence's capital or digit, and not after an abbreviation ("bl.a. NTNU")."""
    end = 0
    for match in _WRITTEN_END.finditer(text):
        if match.group(2) != "." or not _abbreviated(match.group(1), language):
            end = match.end()
    return end


def finished(text: str, language: str) -> bool:
    """Whether written text ends with a whole sentence: not where a model stopped after an abbreviation or a day's
    number ("... bl.a.", "... per 1.")."""
    match = _TAIL_END.search(text.rstrip())
    if not match or match.group(2) != ".":
        return bool(match)
    word = match.group(1).lstrip('«"([')
    return not (_abbreviated(word, language) or word.isdigit() and len(word) <= 2)


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


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|\S\s+\|\s+\S.*\s+\|\s+\S")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_FIELD = re.compile(r"^\s*[\w-]{2,30}:\s*\S*\s*$|^\s*-{3,}\s*$")  # a front matter line: "as_of: 2022-03-15", "---"
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)|`")
_FINISHED = re.compile(r"[.!?:;»\"')\]]$")


def _plain(sentence: str) -> str:
    """A sentence without Markdown emphasis and without the marker of a list item."""
    return " ".join(_MARKUP.sub("", _ITEM.sub("", sentence)).split())


def units(text: str, language: str) -> list[str]:
    """The prose of a text as whole sentences a reader can be shown as quotes: no table rows, headings, front matter
    lines or unfinished pieces (a chunk cut mid-sentence), list markers and emphasis removed, and a list joined to
    the sentence that introduces it ("... three partners: Trondheim kommune, NTNU, SINTEF.")."""
    found = split(text, language)
    out: list[str] = []
    index = 0
    while index < len(found):
        sentence = found[index]
        index += 1
        if _TABLE_ROW.search(sentence) or _HEADING.match(sentence) or _FIELD.match(sentence):
            continue
        if _ITEM.match(sentence):
            continue  # an item without its lead-in says too little on its own
        if sentence.endswith(":"):
            items: list[str] = []
            while index < len(found) and _ITEM.match(found[index]) and len(items) < MAX_ITEMS:
                items.append(_plain(found[index]).rstrip(".;,"))
                index += 1
            if items:
                sentence = f"{sentence} {', '.join(items)}."
        plain = _plain(sentence)
        if len(plain) >= MIN_QUOTE and _FINISHED.search(plain):
            out.append(plain)
    return out
