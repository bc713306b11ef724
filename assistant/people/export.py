"""For students: the conversation as Markdown or JSON, and the list of sources used, ready to copy."""

from __future__ import annotations

import json
from datetime import date

from assistant.answering.citations import Citation, reference
from assistant.answering.parts import Answer
from assistant.language.privacy import mask
from assistant.texts import Section

TEXT = Section("export")


def _key(citation: Citation) -> tuple:
    return (citation.source, citation.page, citation.title)


def references(answers: list[Answer], lang: str, accessed: str | None = None) -> list[str]:
    """Every source cited in the conversation, once, in order of first use."""
    accessed = accessed or date.today().isoformat()
    seen, out = set(), []
    for answer in answers:
        for citation in answer.citations:
            if _key(citation) not in seen:
                seen.add(_key(citation))
                out.append(reference(citation, lang, accessed))
    return out


def conversation_markdown(answers: list[Answer], lang: str, accessed: str | None = None) -> str:
    labels = TEXT[lang]
    accessed = accessed or date.today().isoformat()
    lines = [f"# {labels['title']}", "", f"{labels['exported']} {accessed}", ""]
    for number, answer in enumerate(answers, start=1):
        lines += [f"## {number}. {labels['q']}: {mask(answer.question)}", "", mask(answer.text), ""]
        if answer.citations:
            lines.append(f"**{labels['sources']}:**")
            lines += [f"- [{c.n}] {reference(c, lang, accessed)}" for c in answer.citations]
            lines.append("")
    refs = references(answers, lang, accessed)
    if refs:
        lines += [f"## {labels['refs']}", ""] + [f"{n}. {r}" for n, r in enumerate(refs, start=1)]
    return "\n".join(lines).rstrip() + "\n"


def conversation_json(answers: list[Answer]) -> str:
    """The conversation as JSON, one object an answer with the fields `ask --json` prints for them (question,
    language, answer, citations), personal data masked: what `python -m assistant references --conversation` reads."""
    return json.dumps(
        [
            {
                "question": mask(answer.question),
                "language": answer.language,
                "answer": mask(answer.text),
                "citations": [citation.as_json() for citation in answer.citations],
            }
            for answer in answers
        ],
        ensure_ascii=False,
        indent=1,
    )
