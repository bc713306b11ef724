"""Every text a person reads (interface labels, notices in answers, card and quiz wording, exports), loaded from
`prompts/text.nb.yaml` and `prompts/text.en.yaml`, so the centre can change wording without touching code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

LANGS = ("nb", "en")


class TextError(ValueError):
    pass


@lru_cache(maxsize=4)
def load(directory: Path) -> dict[str, dict[str, dict]]:
    """{language: {section: {key: text}}} from the two files in `directory`."""
    out = {}
    for lang in LANGS:
        path = directory / f"text.{lang}.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise TextError(f"text file {path} cannot be read: {exc}") from exc
        if not isinstance(data, dict):
            raise TextError(f"{path} must hold sections of key: text lines")
        out[lang] = data
    return out


def directory() -> Path:
    from assistant.settings import get_settings

    return get_settings().prompts_dir


class Section:
    """One section of the texts: `Section("ui")["nb"]["title"]`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getitem__(self, lang: str) -> dict:
        return load(directory())[lang][self.name]
