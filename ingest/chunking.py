"""Chunking: heading- and page-aware (one loader document never spans two sections or pages), bounded in
embedder tokens, with a small sentence overlap. Catalogue items (`whole`) are never split."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from langchain_core.documents import Document

from assistant.language import registry, sentences

_PARAGRAPH = re.compile(r"\n\s*\n")
CHARS_PER_TOKEN = 12  # more than any real text averages: a longer text cannot fit the budget and is not counted
LONGEST_WORD = 60  # characters; a longer "word" (a URL, base64, a table without spaces) is cut into pieces


@dataclass
class Chunker:
    """Linear in the text: only pieces that could fit a chunk are ever tokenised (the tokenizer's cost grows
    faster than the length of one text, and a 40 MB file is a single text)."""

    count_tokens: Callable[[str], int]
    max_tokens: int = 280
    overlap_tokens: int = 40

    def split(self, doc: Document) -> list[str]:
        text = doc.page_content.strip()
        prefix = self._prefix(doc)
        if doc.metadata.get("whole"):
            return [text]
        budget = self.max_tokens - self.count_tokens(prefix)
        if self._fits(text, budget):
            return [prefix + text]
        language = doc.metadata.get("language") or registry.default()
        chunks: list[list[tuple[str, int]]] = [[]]
        size = 0
        for piece, piece_tokens in self._pieces(text, budget, language):
            if chunks[-1] and size + piece_tokens > budget:
                tail: list[tuple[str, int]] = []
                tail_size = 0
                for prev in reversed(chunks[-1]):  # carry the last sentences over as overlap
                    if tail_size + prev[1] > self.overlap_tokens:
                        break
                    tail.insert(0, prev)
                    tail_size += prev[1]
                chunks.append(tail)
                size = tail_size
            chunks[-1].append((piece, piece_tokens))
            size += piece_tokens
        return [prefix + "\n".join(p for p, _ in chunk) for chunk in chunks if chunk]

    def _fits(self, text: str, budget: int) -> bool:
        return len(text) <= budget * CHARS_PER_TOKEN and self.count_tokens(text) <= budget

    def _pieces(self, text: str, budget: int, language: str) -> Iterator[tuple[str, int]]:
        """Paragraphs, else their sentences, else runs of words, each with its token count and within budget."""
        for match in _spans(_PARAGRAPH, text):
            para = match.strip()
            if not para:
                continue
            if self._fits(para, budget):
                yield para, self.count_tokens(para)
                continue
            for sentence in sentences.split(para, language):
                if self._fits(sentence, budget):
                    yield sentence, self.count_tokens(sentence)
                    continue
                step = max(1, budget // 2)  # a word is at most ~2 tokens in these languages
                words = [w[i : i + LONGEST_WORD] for w in sentence.split() for i in range(0, len(w), LONGEST_WORD)]
                for start in range(0, len(words), step):
                    run = " ".join(words[start : start + step])
                    yield run, min(self.count_tokens(run), budget)

    @staticmethod
    def _prefix(doc: Document) -> str:
        """Title and section heading, so a chunk read alone says what it is about."""
        title, section = doc.metadata.get("title", ""), doc.metadata.get("section", "")
        head = f"{title} — {section}" if section and section != title else title
        return f"{head}\n" if head else ""


def _spans(separator: re.Pattern, text: str) -> Iterator[str]:
    """The parts of `text` between matches of `separator`, lazily (no list of a 40 MB file's sentences)."""
    pos = 0
    for match in separator.finditer(text):
        yield text[pos : match.start()]
        pos = match.end()
    yield text[pos:]
