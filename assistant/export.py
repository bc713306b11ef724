"""For students: the conversation as Markdown, and the list of sources used, ready to paste."""

from __future__ import annotations

from datetime import date

from assistant.answer import Answer
from assistant.citations import Citation, reference
from assistant.texts import Section

TEXT = Section("export")


def _key(c: Citation) -> tuple:
    return (c.source, c.page, c.title)


def references(answers: list[Answer], lang: str, accessed: str | None = None) -> list[str]:
    """Every source cited in the conversation, once, in order of first use."""
    accessed = accessed or date.today().isoformat()
    seen, out = set(), []
    for a in answers:
        for c in a.citations:
            if _key(c) not in seen:
                seen.add(_key(c))
                out.append(reference(c, lang, accessed))
    return out


def conversation_markdown(answers: list[Answer], lang: str, accessed: str | None = None) -> str:
    t = TEXT[lang]
    accessed = accessed or date.today().isoformat()
    lines = [f"# {t['title']}", "", f"{t['exported']} {accessed}", ""]
    for n, a in enumerate(answers, start=1):
        lines += [f"## {n}. {t['q']}: {a.question}", "", a.text, ""]
        if a.citations:
            lines.append(f"**{t['sources']}:**")
            lines += [f"- [{c.n}] {reference(c, lang, accessed)}" for c in a.citations]
            lines.append("")
    refs = references(answers, lang, accessed)
    if refs:
        lines += [f"## {t['refs']}", ""] + [f"{n}. {r}" for n, r in enumerate(refs, start=1)]
    return "\n".join(lines).rstrip() + "\n"
