"""For students: the sources used in the conversation in a citation style (APA 7 or Harvard), as files for reference
managers (RIS, BibTeX, CSL-JSON), and the conversation as Markdown or JSON."""

from __future__ import annotations

from functools import partial

import streamlit as st

from assistant.app.services import Services
from assistant.app.views import chat
from assistant.app.views.text import T
from assistant.people.export import conversation_json, conversation_markdown
from assistant.study import references
from assistant.study.exports import FORMATS, MIME
from assistant.study.sources import load_register
from assistant.study.styles import STYLES

STYLE_KEY = "study-style"  # the chosen style, shared with the explorer's study sheets
BUTTONS = {"ris": "download_ris", "bibtex": "download_bibtex", "csl-json": "download_csl"}


def chosen_style() -> str:
    """The citation style chosen in this session (APA 7 until one is chosen)."""
    return st.session_state.get(STYLE_KEY, "apa")


def render(svc: Services, lang: str, audience: str) -> None:
    labels = T[lang]
    answers = chat.answers()
    citations = [citation for answer in answers for citation in answer.citations]
    if not citations:
        st.info(labels["no_refs"])
        return
    chosen = st.radio(
        labels["refs_style"],
        tuple(STYLES),
        key=STYLE_KEY,
        horizontal=True,
        format_func=lambda name: labels[f"style_{name}"],
    )
    sources = references.of_citations(load_register(tuple(svc.settings.corpus_dirs)), citations)
    text = references.render(sources, chosen, lang, "text")
    st.write(labels["refs_intro"])
    st.code(text, language=None, wrap_lines=True)  # with a button that copies it
    columns = st.columns(len(FORMATS) + 1)
    columns[0].download_button(
        labels["download_refs"], text, file_name=f"references-{chosen}.txt", mime="text/plain", on_click="ignore"
    )
    for column, (form, suffix) in zip(columns[1:], FORMATS.items()):
        column.download_button(
            labels[BUTTONS[form]],
            partial(references.render, sources, chosen, lang, form),  # made when pressed
            file_name=f"references{suffix}",
            mime=MIME[form],
            on_click="ignore",
        )
    st.download_button(
        labels["download_md"], conversation_markdown(answers, lang), file_name="samtale.md", mime="text/markdown"
    )
    st.download_button(
        labels["download_json"], conversation_json(answers), file_name="samtale.json", mime="application/json"
    )
