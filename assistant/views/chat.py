"""The conversation: streamed answers, numbered sources under each, feedback per answer."""

from __future__ import annotations

import logging

import streamlit as st

from assistant.answer import Answer, Turn
from assistant.services import Services
from assistant.views.text import T

log = logging.getLogger(__name__)


def answers() -> list[Answer]:
    return st.session_state.setdefault("answers", [])


def history() -> list[Turn]:
    return [Turn.of(a) for a in answers()]


def show_sources(answer: Answer, lang: str) -> None:
    labels = T[lang]
    if answer.refused or not answer.citations:
        return
    with st.expander(f"{labels['sources']} ({len(answer.citations)})"):
        for citation in answer.citations:
            where = (
                f", {labels['page']} {citation.page}"
                if citation.page
                else (f" — {citation.section}" if citation.section else "")
            )
            st.markdown(f"**[{citation.n}] {citation.title}**{where} · {labels['as_of']} {citation.as_of}")
            if citation.source.startswith("http"):
                st.markdown(f"[{labels['open_source']}]({citation.source})")
            else:
                st.caption(citation.source)
            st.text(citation.text[:1200])


def show_feedback(svc: Services, answer: Answer, lang: str, key: str) -> None:
    labels = T[lang]
    done = st.session_state.setdefault("feedback_done", set())
    if key in done:
        st.caption(labels["thanks"])
        return
    comment_col, up_col, down_col = st.columns([6, 1, 1], vertical_alignment="bottom")
    comment = comment_col.text_input(labels["comment"], key=f"comment-{key}", placeholder=labels["feedback_prompt"])
    for col, rating, icon in ((up_col, 1, "👍"), (down_col, -1, "👎")):
        if col.button(icon, key=f"rate-{rating}-{key}", help=labels["feedback_prompt"]):
            svc.feedback.add(
                rating=rating,
                question=answer.question,
                answer=answer.text,
                sources=[c.as_json() for c in answer.citations],
                backend=answer.backend,
                language=answer.language,
                audience=answer.audience,
                comment=comment,
            )
            done.add(key)
            st.rerun()


def caption(answer: Answer, lang: str) -> str:
    labels = T[lang]
    return f"{labels['answered_by']}: {answer.backend}" + (f" ({labels['refused']})" if answer.refused else "")


def show_answer(svc: Services, answer: Answer, lang: str, key: str) -> None:
    st.markdown(answer.text)
    st.caption(caption(answer, lang))
    show_sources(answer, lang)
    show_feedback(svc, answer, lang, key)


def ask(svc: Services, question: str, lang: str, audience: str) -> Answer | None:
    """Stream an answer into the current container and keep it in the conversation."""
    try:
        stream = svc.answerer.stream(question, history(), audience=audience)
        st.write_stream(stream)
    except Exception:  # noqa: BLE001 - a person sees a message in their language, never a traceback
        log.exception("answering failed")
        st.error(T[lang]["error"])
        return None
    answer = stream.answer
    st.caption(caption(answer, lang))
    show_sources(answer, lang)
    answers().append(answer)
    return answer


def render(svc: Services, lang: str, audience: str) -> None:
    for index, answer in enumerate(answers()):
        with st.chat_message("user"):
            st.markdown(answer.question)
        with st.chat_message("assistant"):
            show_answer(svc, answer, lang, key=str(index))
    question = st.chat_input(T[lang]["ask"])
    if question:
        with st.chat_message("user"):
            st.markdown(question)
        with st.chat_message("assistant"):
            if ask(svc, question, lang, audience):
                st.rerun()  # redraw with feedback controls under the new answer
