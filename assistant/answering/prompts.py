"""Prompt templates from prompts/: plain files the centre can edit, loaded once at start."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.settings import AUDIENCES

LANGS = ("nb", "en")
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
            for lang in LANGS:
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
        for lang in LANGS:
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
