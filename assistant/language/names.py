"""Names of places, bodies and people in a text (nb, en), and whether another text names them too, in any form:
inflected ("Trondheims", "Bergen's"), spelt without its letters ("Mjoen" for "Mjøen") or translated ("FN" for "UN").

A name is a capitalised word that the corpus never writes in lower case (`lowercase`: "Sustainable" in a title is a
word, "Bergen" a name, and "Kommunen" first in a sentence a word); without such a list, a word first in its sentence
is a name only when its form shows it ("Bergen's ...", "Oslo kommune ...")."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set

from assistant.language import registry
from assistant.language.sentences import split

WORD = re.compile(r"[\wæøåÆØÅ]+(?:[-'’][\wæøåÆØÅ]+)*")
EQUIVALENT = {"fn": "un", "norge": "norway", "sverige": "sweden", "danmark": "denmark", "europa": "europe"}


def fold(word: str) -> str:
    """Lower case, genitive and diacritics aside: "Mjøen's" -> "mjoen", "Trondheims" stays (see `forms`)."""
    word = re.sub(r"['’]s$", "", word.lower())
    word = word.replace("ø", "o").replace("æ", "ae").replace("å", "a")
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return EQUIVALENT.get(plain, plain)


def forms(word: str) -> set[str]:
    """The folded forms a name may stand in: itself, and without a Norwegian genitive s ("Trondheims")."""
    folded = fold(word)
    return {folded, folded[:-1]} if folded.endswith("s") and len(folded) > 3 else {folded}


def names(text: str, language: str, lower: Set[str] = frozenset()) -> list[str]:
    """The names in a text, each once, in order; runs of capitalised words as one ("Kristian Mjøen"). `lower`: the
    words the corpus writes in lower case."""
    lang = registry.get(language)
    common = lang.stop_words | lang.question_words | lang.not_names
    out: list[str] = []
    for sentence in split(text, language):
        words = WORD.findall(sentence)
        run: list[str] = []
        for position, word in enumerate([*words, ""]):
            base = re.sub(r"['’]s$", "", word)
            folded = base.lower()
            capital = base[:1].isupper() and base[1:2].islower() and folded not in common and folded not in lower
            if capital and position == 0 and not lower:  # no word list to tell a name from a capitalised word
                following = words[1].lower() if len(words) > 1 else ""
                capital = base != word or following in lang.place_words
            if capital:
                run.append(word)
                continue
            if run:
                out.append(" ".join(run))
                run = []
    return list(dict.fromkeys(out))


def named_in(name: str, text: str) -> bool:
    """Does `text` name it? Every word of the name occurs in the text in one of its forms."""
    known = set().union(*(forms(word) for word in WORD.findall(text)))
    return all(forms(word) & known for word in name.split())


def placed(name: str, text: str, language: str) -> bool:
    """Is the name used as a place or a body in the text ("in Bergen", "Bergen's", "Oslo kommune")?"""
    lang = registry.get(language)
    first = re.escape(name.split()[0])
    before = r"(?:in|i|for|of|på|til|from|fra|at|about|om|by)"
    patterns = [rf"\b{before}\s+{first}\b", rf"\b{first}['’]s\b"]
    if lang.place_words:
        patterns.append(rf"\b{first}\s+(?:{'|'.join(map(re.escape, lang.place_words))})\b")
    return any(re.search(pattern, text, re.IGNORECASE) for pattern in patterns)
