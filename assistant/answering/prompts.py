"""Prompt templates from prompts/ (plain files the centre can edit, loaded once at start), and the messages a
language model is given, made from them.

What comes first is the same for every question in a language and audience (the system prompt with the audience,
then an example exchange), so llama.cpp keeps it read; what changes is short: the sentences the reader is shown as
quotes, each under its source's number and date, and the question. A sentence that speaks to an assistant is never
a quote (`answering.evidence`), and document text cannot pose as the prompt's own structure.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.answering.parts import Prepared, Quote
from assistant.language import registry, sentences
from assistant.language.tokens import tokens
from assistant.settings import AUDIENCES

TEMPLATES = {  # name -> placeholders it must contain
    "system": (),
    "answer": ("{sources}", "{question}"),
    "example": (),  # an exchange in good prose the model follows: sources and question, a line "---", its answer
    "condense": ("{history}", "{question}"),
    "refusal": (),
}


class PromptError(ValueError):
    pass


@dataclass
class Prompts:
    texts: dict[tuple[str, str], str]
    audiences: dict[str, dict[str, str]]
    version: str = ""  # a hash of every file in the folder: answers made with other prompts or texts are not reused

    @classmethod
    def load(cls, directory: Path) -> Prompts:
        texts = {}
        for name, needed in TEMPLATES.items():
            for lang in registry.codes():
                path = directory / f"{name}.{lang}.txt"
                try:
                    text = path.read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise PromptError(f"prompt file {path} cannot be read: {exc.strerror}") from exc
                missing = [p for p in needed if p not in text]
                if missing:
                    raise PromptError(f"prompt file {path} lacks {', '.join(missing)}")
                texts[(name, lang)] = text
        audiences = {}
        for lang in registry.codes():
            path = directory / f"audience.{lang}.yaml"
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                raise PromptError(f"prompt file {path} cannot be read: {exc}") from exc
            if not isinstance(data, dict) or set(data) != set(AUDIENCES):
                raise PromptError(f"{path} must have exactly the keys {', '.join(AUDIENCES)}")
            audiences[lang] = {k: str(v).strip() for k, v in data.items()}
        digest = hashlib.sha256()
        for path in sorted(p for p in directory.iterdir() if p.is_file()):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return cls(texts, audiences, digest.hexdigest()[:16])

    def get(self, name: str, lang: str, **values: str) -> str:
        text = self.texts[(name, lang)]
        return text.format(**values) if values else text

    def audience(self, audience: str, lang: str) -> str:
        return self.audiences[lang][audience]


Messages = list[tuple[str, str]]
QUOTE_WORDS = 60  # a longer quote (a lead-in with its list) is cut for the model; the reader sees it whole


class MessageBuilder:
    def __init__(self, prompts: Prompts, card_lines: int = 3, quote_words: int = 80) -> None:
        self.prompts = prompts
        self.card_lines = card_lines  # of a catalogue card, the lines that best match the question (0: all)
        self.quote_words = quote_words  # of the quotes shown, the best ones the model is given, up to these words

    def prefix(self, language: str, audience: str) -> Messages:
        """The messages every question in this language and audience starts with (kept read by llama.cpp)."""
        system = f"{self.prompts.get('system', language)}\n\n{self.prompts.audience(audience, language)}"
        example, answer = self.prompts.get("example", language).split("\n---\n", 1)
        return [("system", system), ("user", example.strip()), ("assistant", answer.strip())]

    def messages(self, prepared: Prepared) -> Messages:
        user = self.prompts.get("answer", prepared.language, sources=self.given(prepared), question=prepared.standalone)
        return [*self.prefix(prepared.language, prepared.audience), ("user", user)]

    def digest(self, prepared: Prepared) -> str:
        """What the model is given apart from the question's words: an answer written from it may serve a
        near-repeat of the question, and only while it is the same."""
        prefix = "\n".join(text for _, text in self.prefix(prepared.language, prepared.audience))
        return hashlib.sha256(f"{prefix}\n{self.given(prepared)}".encode()).hexdigest()[:16]

    def given(self, prepared: Prepared) -> str:
        """The sources' lines the model is given: the best quotes under their source's number and date (a title
        would cost more tokens than it tells: the quotes are whole sentences that name what they speak of)."""
        quotes: dict[int, list[str]] = {}
        chosen = self.chosen(prepared)
        for quote in prepared.quotes:  # in the order they stand, as the reader sees them
            if quote in chosen:
                quotes.setdefault(quote.n, []).append(f"«{_shortened(quote.text, QUOTE_WORDS)}»")
        card = prepared.card
        if card is not None:
            quotes[1] = [self.card_summary(prepared.standalone, card.text)]
        lines = []
        for number in sorted(quotes):
            meta = prepared.sources[number - 1].metadata
            when = f" ({meta['as_of']})" if meta.get("as_of") else ""
            lines.append(f"[{number}]{when}: {' '.join(_data(text) for text in quotes[number])}")
        return "\n".join(lines)

    def chosen(self, prepared: Prepared) -> list[Quote]:
        """The quotes the model is given: for "how many", "why" or "when", those that hold a number, a reason or a
        year first (a sentence restating the question would be restated in the answer), then by score, while
        they fit in `quote_words` (the best one always)."""
        ranked = sorted(prepared.quotes, key=lambda q: (not q.shaped, -q.score))
        chosen: list[Quote] = []
        used = 0
        for quote in ranked:
            words = min(len(quote.text.split()), QUOTE_WORDS)
            if chosen and used + words > self.quote_words:
                continue
            chosen.append(quote)
            used += words
        return chosen

    def instructions(self, prepared: Prepared) -> str:
        """The prompt's own wording, without the sources: what an answer must never repeat."""
        template = self.prompts.get("answer", prepared.language, sources="", question="")
        return "\n".join([text for _, text in self.prefix(prepared.language, prepared.audience)[:2]] + [template])

    def card_summary(self, question: str, card: str) -> str:
        """A catalogue card cut for the model: its heading and official title, then the `card_lines` lines that
        best match the question (the whole card when 0): the reader sees the whole card beside the answer."""
        lines = card.split("\n")
        keep = self.card_lines
        if keep and len(lines) > keep + 2:
            wanted = set(tokens(question))
            rest = list(dict.fromkeys(line for line in lines[2:] if line.strip()))  # a goal's sections repeat lines
            best = sorted(range(len(rest)), key=lambda i: (-sentences.overlap(wanted, rest[i]), i))[:keep]
            lines = lines[:2] + [_shortened(rest[i]) for i in sorted(best)]
        return " / ".join(line.strip() for line in lines if line.strip())


def _shortened(line: str, words: int = 40) -> str:
    parts = line.split()
    return line if len(parts) <= words else " ".join(parts[:words]) + " ..."


def _data(text: str) -> str:
    """Document text as data: it cannot start a numbered source line of its own or pose as the question."""
    return re.sub(r"\s+", " ", text).replace("[", "(").replace("]", ")")
