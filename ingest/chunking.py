"""Chunking: heading- and page-aware (one loader document never spans two sections or pages), bounded in
embedder tokens, with a small sentence overlap. Catalogue items (`whole`) are never split."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from langchain_core.documents import Document

_SENTENCE = re.compile(r"(?<=[.!?:;])\s+(?=[A-ZÆØÅ0-9«\"(\[-])|\n+")


@dataclass
class Chunker:
    count_tokens: Callable[[str], int]
    max_tokens: int = 280
    overlap_tokens: int = 40

    def split(self, doc: Document) -> list[str]:
        text = doc.page_content.strip()
        prefix = self._prefix(doc)
        if doc.metadata.get("whole"):
            return [text]
        budget = self.max_tokens - self.count_tokens(prefix)
        if self.count_tokens(text) <= budget:
            return [prefix + text]
        pieces = [p for para in re.split(r"\n\s*\n", text) for p in self._fit(para.strip(), budget) if p]
        chunks: list[list[tuple[str, int]]] = [[]]
        size = 0
        for piece in pieces:
            n = self.count_tokens(piece)
            if chunks[-1] and size + n > budget:
                tail, tail_size = [], 0
                for prev in reversed(chunks[-1]):  # carry the last sentences over as overlap
                    if tail_size + prev[1] > self.overlap_tokens:
                        break
                    tail.insert(0, prev)
                    tail_size += prev[1]
                chunks.append(tail)
                size = tail_size
            chunks[-1].append((piece, n))
            size += n
        return [prefix + "\n".join(p for p, _ in chunk) for chunk in chunks if chunk]

    def _fit(self, para: str, budget: int) -> list[str]:
        """A paragraph as sentences (or word runs) that each fit the budget."""
        if self.count_tokens(para) <= budget:
            return [para]
        out: list[str] = []
        for sentence in _SENTENCE.split(para):
            sentence = sentence.strip()
            if not sentence:
                continue
            if self.count_tokens(sentence) <= budget:
                out.append(sentence)
                continue
            words = sentence.split()
            step = max(1, budget // 2)  # a word is at most ~2 tokens in these languages
            out += [" ".join(words[i : i + step]) for i in range(0, len(words), step)]
        return out

    @staticmethod
    def _prefix(doc: Document) -> str:
        """Title and section heading, so a chunk read alone says what it is about."""
        title, section = doc.metadata.get("title", ""), doc.metadata.get("section", "")
        head = f"{title} — {section}" if section and section != title else title
        return f"{head}\n" if head else ""
