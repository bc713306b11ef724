"""What the commands share: the error that ends a command with a message, and argument types."""

from __future__ import annotations

import argparse

from assistant.answering.prompts import PromptError
from assistant.mapping.mapper import MappingError
from assistant.people.feedback import FeedbackError
from assistant.search.embedders import EmbedderError
from assistant.search.store import StoreError
from assistant.settings import SettingsError
from assistant.study.references import StudyError


class CommandError(RuntimeError):
    """A command cannot do what was asked; the message says why (exit status 2)."""


# the errors a command ends with, each with a message a person understands
EXPECTED = (
    CommandError,
    SettingsError,
    StoreError,
    PromptError,
    EmbedderError,
    MappingError,
    FeedbackError,
    StudyError,
)


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def text(value: str) -> str:
    """An argparse type: text that is valid Unicode (a terminal can pass lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("holds characters that are not valid text") from None
    return value
