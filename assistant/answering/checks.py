"""Checks of a model's answer against what it was given: numbers and names (of places, bodies, people) that occur in
none of its sources, citations that stand in for the noun they should name, and sentences that echo the prompt's own
instructions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from assistant.language import registry
from assistant.language.names import named_in, names
from assistant.language.sentences import ITEM_MARK, spans

# a number as written in either language: 91, 2 020, 14 000, 1,5, 81.57, 97 %, 23. august 2022 (the 23), 11.6.2
NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?(?![\w])|(?<![\w])\d+(?:[.,:]\d+)*")
CITATION = re.compile(r"\[\d{1,2}\]")
LIST_MARK = re.compile(rf"^[ \t]*{ITEM_MARK}", re.MULTILINE)
# "[n]", "[kilde]", "[source]", "[nummer]": the prompt's placeholder written out instead of a number
PLACEHOLDER = re.compile(r"\[\s*(?:n|nr|number|nummer|kilde|source|x|\.\.\.|…)\s*\]", re.IGNORECASE)
# a citation where the answer should name something: "the KPI that covers this is [1]", "er [2] og [3]"
CITATION_AS_NOUN = re.compile(
    r"(?<![\w-])(?<!\]\s)(?:is|are|was|were|called|named|er|var|heter|kalles|het|including|blant annet|som|like|"
    r"such as|and|og|the|den|det|de|om|about|:)"
    r"\s*\[\d{1,2}\](?:\s*(?:,|og|and|or|eller)\s*\[\d{1,2}\])*\s*(?:[.,;:!?]|$)",
    re.IGNORECASE,
)


def digits(number: str) -> str:
    """The digits of a number, grouping spaces and the decimal sign aside: "2 020" -> "2020", "1,5" -> "1.5"."""
    plain = re.sub(r"[ \u00a0\u202f]", "", number)
    return plain.replace(",", ".").strip(".:")


def numbers(text: str) -> list[str]:
    """The numbers in a text, citations and list markers left out."""
    cleaned = LIST_MARK.sub(" ", CITATION.sub(" ", text))
    return [digits(found) for found in NUMBER.findall(cleaned)]


def supported(number: str, evidence: str) -> bool:
    """Does `number` occur in `evidence` (a source's text, or the question)? A whole number may be written with
    grouping spaces or a thousands separator there, and "50" is found in "50 %" but not in "150"."""
    known = set(numbers(evidence))
    if number in known or any(k.replace(".", "") == number for k in known):  # "14.000" written as 14000
        return True
    value = _value(number)
    return value is not None and any(_value(k) == value for k in known)  # "97" for "97,00"


def _value(number: str) -> float | None:
    try:
        return float(number) if number.count(".") <= 1 else None
    except ValueError:
        return None


@dataclass
class Finding:
    sentence: str
    kind: str  # "number" or "name" (not in its sources), "placeholder", "citation_as_noun", "echo" (of the prompt)
    detail: str


def cited_sources(sentence: str, sources: list[str]) -> list[str]:
    """The texts of the sources a sentence cites ([2] -> sources[1]); all of them when it cites none."""
    cited = [int(n) for n in re.findall(r"\[(\d{1,2})\]", sentence) if 1 <= int(n) <= len(sources)]
    return [sources[n - 1] for n in cited] or sources


def check(
    answer: str,
    sources: list[str],
    question: str,
    prompt_text: str = "",
    language: str = "",
    lowercase: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every problem sentence of a model's answer (in `language`). `sources` are the texts it was given, numbered
    from 1; `prompt_text` is the prompt's own wording (system and instructions), which an answer must not repeat;
    `lowercase` the words the corpus writes in lower case (a capitalised one of them is no name)."""
    out = []
    echo = _shingles(prompt_text)
    language = language or registry.default()
    for sentence in spans(answer, language):
        if PLACEHOLDER.search(sentence):
            out.append(Finding(sentence, "placeholder", PLACEHOLDER.search(sentence).group(0)))  # type: ignore[union-attr]
            continue
        if CITATION_AS_NOUN.search(sentence):
            out.append(Finding(sentence, "citation_as_noun", CITATION_AS_NOUN.search(sentence).group(0)))  # type: ignore[union-attr]
            continue
        if echo and len(_shingles(sentence) & echo) >= 2:
            out.append(Finding(sentence, "echo", "repeats the prompt's instructions"))
            continue
        evidence = " ".join([*cited_sources(sentence, sources), question])
        missing = [n for n in numbers(sentence) if not supported(n, evidence)]
        if missing:
            out.append(Finding(sentence, "number", ", ".join(missing)))
            continue
        unnamed = [name for name in names(sentence, language, lowercase) if not named_in(name, evidence)]
        if unnamed:
            out.append(Finding(sentence, "name", ", ".join(unnamed)))
    return out


def _shingles(text: str, size: int = 6) -> set[str]:
    """Runs of `size` words: two shared runs mean a sentence copies the text."""
    words = re.findall(r"[\wæøå]+", text.lower())
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


class Vetter:
    """A model's words a sentence at a time, each passed on when borne out by its sources: a number
    none of its sources has, a "[n]" or a citation standing where a name belongs, or the prompt's own
    instructions repeated, or a place, body or person none of its cited sources names, and the sentence is left out
    (a citation of a catalogue item is replaced by the item's code and name, and a number or a name is re-cited to
    the source that has it, instead). `checked_out` counts what was left out. `name_of(n)` is source n's catalogue
    code and name, when it is a catalogue card; `lowercase` the words the corpus writes in lower case."""

    def __init__(
        self,
        sources: list[str],
        question: str,
        instructions: str,
        name_of: Callable[[int], str | None],
        language: str,
        lowercase: frozenset[str] = frozenset(),
    ) -> None:
        self.sources = sources
        self.lowercase = lowercase
        self.language = language
        self.question = question
        self.instructions = instructions
        self.name_of = name_of
        self.checked_out = 0

    def __call__(self, sentences: Iterator[str]) -> Iterator[str]:
        """`sentences`: the model's text in whole sentences (`writing.WholeSentences` holds back the rest)."""
        for text in sentences:
            yield from self._vetted(text)

    def _vetted(self, text: str) -> Iterator[str]:
        for finding in self._check(text):
            if finding.kind == "citation_as_noun":
                fixed = self._named(finding.sentence)
            elif finding.kind in ("number", "name"):
                fixed = self._recited(finding.sentence, finding.kind, finding.detail.split(", "))
            else:
                fixed = None
            if fixed and not self._check(fixed):
                text = text.replace(finding.sentence, fixed, 1)
            else:
                text = text.replace(finding.sentence, "", 1)
                self.checked_out += 1
        if text.strip():
            yield text

    def _check(self, text: str) -> list[Finding]:
        return check(text, self.sources, self.question, self.instructions, self.language, self.lowercase)

    def _recited(self, sentence: str, kind: str, missing: list[str]) -> str | None:
        """The sentence citing the source that states its numbers (or names), when the model cited another one."""
        has = supported if kind == "number" else named_in
        holders = [n for n, text in enumerate(self.sources, start=1) if all(has(found, text) for found in missing)]
        if not holders:
            return None
        plain = re.sub(r"\s*\[\d{1,2}\]", "", sentence).rstrip()
        end = plain[-1] if plain and plain[-1] in ".!?" else ""
        return f"{plain.rstrip('.!?')} [{holders[0]}]{end}" + sentence[len(sentence.rstrip()) :]

    def _named(self, sentence: str) -> str | None:
        """The sentence with each citation of a catalogue item preceded by the item's code and name."""

        def name(match: re.Match) -> str:
            number = int(match.group(1))
            named = self.name_of(number) if 1 <= number <= len(self.sources) else None
            return f"{named} {match.group(0)}" if named else match.group(0)

        named = re.sub(r"\[(\d{1,2})\]", name, sentence)
        return named if named != sentence else None
