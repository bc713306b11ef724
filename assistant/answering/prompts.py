"""Prompt templates from prompts/ (plain files the centre can edit, loaded once at start), and the messages a
language model is given, made from them.

The model is given the system prompt (with the audience) first and unchanged between a session's questions, so
llama.cpp can reuse its cache; then one user message with the numbered sources, each cut to the sentences that best
match the question, and the question. Document text is data: it cannot close its tag, and a planted instruction is
never in it (`sentences.best` leaves such sentences out).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.answering.parts import Prepared
from assistant.language import registry, sentences
from assistant.language.injection import addresses_assistant
from assistant.language.tokens import tokens
from assistant.settings import AUDIENCES

TEMPLATES = {  # name -> placeholders it must contain
    "system": (),
    "answer": ("{sources}", "{hint}", "{question}"),
    "condense": ("{history}", "{question}"),
    "explain": ("{code}",),
    "refusal": (),
    "extractive": (),
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


LONG_LINE = 250  # characters: a longer line of a catalogue card is cut to its best sentence for the model
Messages = list[tuple[str, str]]


class MessageBuilder:
    def __init__(self, prompts: Prompts, context_sentences: int = 2, card_lines: int = 4) -> None:
        self.prompts = prompts
        self.context_sentences = context_sentences  # of each chunk, the sentences that best match the question
        self.card_lines = card_lines  # of a catalogue card, the lines that best match (0: the whole card)

    def system(self, language: str, audience: str) -> str:
        return f"{self.prompts.get('system', language)}\n\n{self.prompts.audience(audience, language)}"

    def messages(self, prepared: Prepared) -> Messages:
        language, question = prepared.language, prepared.standalone
        blocks = []
        for number, source in enumerate(prepared.sources, start=1):
            meta = source.metadata
            # the tag names the document and the innermost heading; the chunk's own heading line would repeat it
            section = meta.get("section", "").split(" > ")[-1]
            where = f", page {meta['page']}" if meta.get("page") else (f", {section}" if section else "")
            title = meta.get("title", "")
            if addresses_assistant(f"{title}{where}"):  # a planted instruction as a title or heading
                title, where = Path(str(meta.get("source", ""))).name, ""
            if source.id.startswith("catalog:"):
                text = self.card_summary(question, source.text)
            else:
                lang = meta.get("language") or registry.default()
                text = "\n".join(sentences.best(question, source.text, self.context_sentences, lang))
            text = re.sub(r"</?\s*source", "‹source", text, flags=re.IGNORECASE)  # a document cannot close its tag
            blocks.append(
                f'<source n="{number}" title="{title}{where}" as_of="{meta.get("as_of", "")}">\n{text}\n</source>'
            )
        sources = "\n".join(blocks)
        user = self.prompts.get("answer", language, sources=sources, hint=self.hint(prepared), question=question)
        user = re.sub(r"\n{3,}", "\n\n", user)  # no gap where there is no hint
        return [("system", self.system(language, prepared.audience)), ("user", user)]

    def hint(self, prepared: Prepared) -> str:
        return self.prompts.get("explain", prepared.language, code=prepared.code) if prepared.code else ""

    def instructions(self, prepared: Prepared) -> str:
        """The prompt's own wording, without the sources: what an answer must never repeat."""
        language = prepared.language
        template = self.prompts.get("answer", language, sources="", hint=self.hint(prepared), question="")
        return "\n".join([self.system(language, prepared.audience), template])

    def card_summary(self, question: str, card: str) -> str:
        """A catalogue card cut for the model: its heading and official title, then the `card_lines` lines that
        best match the question (the whole card when 0). Every line less is ~25 ms less before the first token."""
        lines = card.split("\n")
        keep = self.card_lines
        if not keep or len(lines) <= keep + 2:
            return card
        wanted = set(tokens(question))
        rest = list(dict.fromkeys(line for line in lines[2:] if line.strip()))  # a goal's sections repeat the source
        best = sorted(range(len(rest)), key=lambda i: (-sentences.overlap(wanted, rest[i]), i))[:keep]
        chosen = [rest[i] for i in sorted(best)]
        # a paragraph on one line (a goal's "about") gives its two best sentences
        chosen = [
            line if len(line) <= LONG_LINE else " ".join(sentences.best(question, f"-\n{line}", 1, registry.default()))
            for line in chosen
        ]
        return "\n".join(lines[:2] + chosen)
