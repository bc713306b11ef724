"""Every text a person reads (interface labels, notices in answers, card and quiz wording, exports), loaded from
`prompts/text.<language>.yaml`, one file per registered language, so the centre can change wording without touching
code. The folder is the project's `prompts/` until the application names another (`use`, from the settings)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.language import registry
from assistant.settings import project_home

_FOLDER: dict[str, Path] = {}


class TextError(ValueError):
    pass


def use(directory: Path) -> None:
    """Read the texts from this folder from now on (the application calls it with `Settings.prompts_dir`)."""
    _FOLDER["texts"] = directory


def directory() -> Path:
    return _FOLDER.get("texts") or project_home() / "prompts"


@lru_cache(maxsize=8)
def _load(directory: Path, codes: tuple[str, ...]) -> dict[str, dict[str, dict]]:
    out = {}
    for lang in codes:
        path = directory / f"text.{lang}.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise TextError(f"text file {path} cannot be read: {exc}") from exc
        if not isinstance(data, dict):
            raise TextError(f"{path} must hold sections of key: text lines")
        out[lang] = data
    return out


def load(directory: Path) -> dict[str, dict[str, dict]]:
    """{language: {section: {key: text}}} from the text files in `directory`, one per registered language."""
    return _load(directory, registry.codes())


class Section:
    """One section of the texts: `Section("ui")["nb"]["title"]`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getitem__(self, lang: str) -> dict:
        return load(directory())[lang][self.name]


def format_date(value: str, lang: str) -> str:
    """'2020-09' -> 'september 2020' / 'September 2020'; other forms unchanged."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", str(value))
    if not match:
        return str(value)
    words = Section("dates")[lang]
    month = words["months"][int(match.group(2)) - 1]
    if match.group(3):
        return words["day_month_year"].format(day=int(match.group(3)), month=month, year=match.group(1))
    return words["month_year"].format(month=month, year=match.group(1))
