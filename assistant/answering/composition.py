"""An answer's parts in their places, as Markdown (the terminal, exports, feedback) and as JSON (`ask --json`): the
model's short summary under a label that says a language model wrote it (or the refusal, or a note that no model
wrote), the catalogue card of a code asked about, and the quotes, each cited."""

from __future__ import annotations

from assistant.answering.parts import Answer
from assistant.texts import Section

TEXT = Section("answer")


def quoted(quotes) -> str:
    """Quotes as Markdown, each marked as a quote and cited."""
    return "".join(f"> «{quote.text}» [{quote.n}]\n\n" for quote in quotes)


def markdown(answer: Answer) -> str:
    labels = TEXT[answer.language]
    if answer.refused:
        first = answer.refusal
    else:
        first = f"_{labels['summary']}_\n\n{answer.summary}" if answer.summary else f"_{labels['no_model']}_"
    return f"{first}\n\n{after_summary(answer)}".strip()


def after_summary(answer: Answer) -> str:
    """What follows the summary: notices, the card, the quotes, and a student's references."""
    labels = TEXT[answer.language]
    parts = [f"_{notice}_" for notice in answer.notices]
    if not answer.refused:
        if answer.card is not None:
            parts.append(f"**{labels['card']}** [1]\n\n" + "  \n".join(answer.card.text.split("\n")))
        if answer.quotes:
            parts.append(f"**{labels['quotes']}**\n\n{quoted(answer.quotes).rstrip()}")
    if answer.references:
        parts.append(answer.references)
    return "\n\n".join(part for part in parts if part).strip()


def as_json(answer: Answer) -> dict:
    card = answer.card
    return {
        "question": answer.question,
        "language": answer.language,
        "backend": answer.backend,
        "refused": answer.refused,
        "summary": {
            "text": answer.refusal if answer.refused else answer.summary,
            "written_by_a_language_model": bool(answer.summary) and not answer.refused,
            "checked_out": answer.checked_out,
            "cut": answer.cut,
        },
        "card": {"code": answer.code, "text": card.text} if card is not None else None,
        "quotes": [{"n": quote.n, "text": quote.text, "language": quote.language} for quote in answer.quotes],
        "notices": list(answer.notices),
        "answer": answer.text,
        "citations": [c.as_json() for c in answer.citations],
        "sources": [s.as_json() for s in answer.sources],
    }
