"""For students: the sources used in the conversation, and the conversation as Markdown."""

from __future__ import annotations

import streamlit as st

from assistant.app.services import Services
from assistant.app.views import chat
from assistant.app.views.text import T
from assistant.people.export import conversation_markdown, references


def render(svc: Services, lang: str, audience: str) -> None:
    labels = T[lang]
    answers = chat.answers()
    refs = references(answers, lang)
    if not refs:
        st.info(labels["no_refs"])
        return
    st.write(labels["refs_intro"])
    st.code("\n".join(f"{n}. {r}" for n, r in enumerate(refs, start=1)), language=None, wrap_lines=True)
    st.download_button(labels["download_refs"], "\n".join(refs) + "\n", file_name="referanser.txt", mime="text/plain")
    st.download_button(
        labels["download_md"], conversation_markdown(answers, lang), file_name="samtale.md", mime="text/markdown"
    )
