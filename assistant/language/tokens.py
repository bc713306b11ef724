"""Words as search terms: lower-cased, without stop and question words, stemmed by each language's Snowball
stemmer (codes like 11.6.2 stay whole). A question's language is not always clear, so terms are usually stemmed
in every registered language and a word matches in any of them."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import Stemmer

from assistant.language import registry

_TOKEN = re.compile(r"\d+(?:\.[0-9a-z]+)+|\w+", re.UNICODE)


@lru_cache(maxsize=8)
def _stemmer(code: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(registry.get(code).stemmer)


def stop_words() -> frozenset[str]:
    """The registered languages' stop and question words."""
    return _stop_words(registry.codes())


@lru_cache(maxsize=4)
def _stop_words(codes: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(registry.get(c).stop_words | registry.get(c).question_words for c in codes))


def words(text: str) -> list[str]:
    """The content words of a text, lower-cased, in order."""
    stop = stop_words()
    return [w for w in _TOKEN.findall(text.lower()) if w not in stop and (len(w) > 1 or w.isdigit())]


def tokens(text: str, languages: Iterable[str] | None = None) -> list[str]:
    """The text's search terms stemmed in each of `languages` (default: all). With one language, one term per
    word in order; with several, each distinct term once."""
    codes = tuple(languages) if languages is not None else registry.codes()
    found = words(text)
    out: list[str] = []
    for code in codes:
        out += _stemmer(code).stemWords(found)
    return list(dict.fromkeys(out)) if len(codes) > 1 else out


def stems(text: str) -> list[tuple[str, ...]]:
    """Per content word, its stem in every language: a word is known when any of its stems is."""
    codes = registry.codes()
    found = words(text)
    return list(zip(*(_stemmer(code).stemWords(found) for code in codes)))


def share_known(text: str, known) -> float:
    """Share of the text's content words with a stem in `known` (a set or a vocabulary dict)."""
    pairs = stems(text)
    return sum(any(stem in known for stem in pair) for pair in pairs) / len(pairs) if pairs else 0.0


def focus(query: str, texts: list[str], frequency: Callable[[str], int], documents: int) -> float:
    """How much of the question one text holds, the best text's: the share of the question's content words it has,
    each word weighted by its rarity in the corpus (inverse document frequency of its commonest stem; a word the
    corpus lacks weighs most), so the words that make the question specific count ("fees" in "consultants' fees")."""
    pairs = stems(query)
    if not pairs or not texts:
        return 0.0
    weights = [math.log(1 + documents / (1 + max(frequency(stem) for stem in pair))) for pair in pairs]
    total = sum(weights)
    best = 0.0
    for text in texts:
        held = set(tokens(text))
        best = max(best, sum(w for pair, w in zip(pairs, weights) if any(stem in held for stem in pair)) / total)
    return best


def coverage(query: str, texts: list[str]) -> float:
    """Share of the query's content words found in the texts (in any language's stem form)."""
    return share_known(query, set(tokens(" ".join(texts))))
