"""The conversation: each answer composed in place (the model's short answer in a slot of its own above the card
and the quotes, which stay), numbered sources under each, feedback per answer."""

from __future__ import annotations

import html
import logging

import streamlit as st

from assistant.answering.parts import Answer, Prepared, Turn
from assistant.app.services import Services
from assistant.app.views.accessibility import announce, other_language
from assistant.app.views.text import T
from assistant.search.store import StoreError
from assistant.texts import Section

log = logging.getLogger(__name__)
T_ANSWER = Section("answer")


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
    comment_col, up_col, down_col = st.columns([4, 2, 2], vertical_alignment="bottom")
    comment = comment_col.text_input(labels["comment"], key=f"comment-{key}", placeholder=labels["feedback_prompt"])
    # words beside the icons: a screen reader (and a browser without emoji fonts) reads the label in the UI language
    for col, rating, label in ((up_col, 1, labels["rate_up"]), (down_col, -1, labels["rate_down"])):
        if col.button(label, key=f"rate-{rating}-{key}", help=labels["feedback_prompt"], use_container_width=True):
            entry = svc.feedback.add(
                rating=rating,
                question=answer.question,
                answer=answer.text,
                sources=[c.as_json() for c in answer.citations],
                backend=answer.backend,
                language=answer.language,
                audience=answer.audience,
                comment=comment,
            )
            st.session_state.setdefault("my_feedback", []).append(entry)  # to delete with the conversation
            if rating < 0 and answer.cache_id is not None and svc.cache is not None:
                svc.cache.forget(answer.cache_id)  # a wrong answer is not served again
            done.add(key)
            st.rerun()


def delete_conversation(svc: Services) -> None:
    """Forget this person's conversation: the answers on screen, the feedback they gave, and the cached answers
    their questions created (answers they were served from the cache belong to others' questions and stay)."""
    svc.feedback.delete(st.session_state.get("my_feedback", []))
    if svc.cache is not None:
        for answer in answers():
            if answer.cache_id is not None and not answer.cached_at:
                svc.cache.forget(answer.cache_id)
    for key in ("answers", "feedback_done", "my_feedback", "announced"):
        st.session_state.pop(key, None)


def caption(answer: Answer, lang: str) -> str:
    labels = T[lang]
    text = f"{labels['answered_by']}: {answer.backend}" + (f" ({labels['refused']})" if answer.refused else "")
    if answer.cached_at:
        text += " · " + labels["from_cache"].format(when=answer.cached_at.replace("T", " ").removesuffix("+00:00"))
    return text


def show_parts(prepared: Prepared, lang: str) -> None:
    """What is known at once and stays: the sources used, the catalogue card of a code asked about, and the
    sentences that best answer the question, as quotes (one in the other language marked as such, WCAG 3.1.2)."""
    labels = T[lang]
    titles = "; ".join(
        f"[{s.rank}] {s.metadata.get('title', '')} ({labels['as_of']} {s.metadata.get('as_of', '')})"
        for s in prepared.sources
    )
    st.caption(f"{labels['early_sources']}: {titles}")
    if prepared.card is not None:
        with st.container(border=True):
            st.markdown(f"**{T_ANSWER[lang]['card']}** [1]  \n" + prepared.card.text.replace("\n", "  \n"))
    if prepared.quotes:
        marked = "".join(
            f"> «{other_language(q.text, q.language) if q.language != lang else html.escape(q.text)}» [{q.n}]\n\n"
            for q in prepared.quotes
        )
        st.markdown(f"**{T_ANSWER[lang]['quotes']}**\n\n{marked}", unsafe_allow_html=True)


def show_summary(answer: Answer, lang: str) -> None:
    """The slot above the card and quotes: the model's short answer under its label, the refusal, or a note that no
    model wrote; and what the reader should know (a model skipped, sentences left out)."""
    words = T_ANSWER[lang]
    if answer.refused:
        st.markdown(answer.refusal)
    elif answer.summary:
        st.caption(words["summary"])
        st.markdown(answer.summary)
    else:
        st.caption(words["no_model"])
    for notice in answer.notices:
        st.caption(notice)


def show_answer(svc: Services, answer: Answer, lang: str, key: str) -> None:
    with st.container(key=f"summary-{key}", border=True):
        show_summary(answer, lang)
    if not answer.refused:
        show_parts(answer.prepared, lang)
    if answer.references:
        st.markdown(answer.references)
    st.caption(caption(answer, lang))
    show_sources(answer, lang)
    show_feedback(svc, answer, lang, key)


def ask(svc: Services, question: str, lang: str, audience: str) -> Answer | None:
    """Show the parts known at once (sources, card, quotes) and stream the model's short answer into its slot above
    them: nothing already shown moves or goes away. The answer is kept in the conversation."""
    labels = T[lang]
    slot = st.container(key=f"summary-{len(answers())}", border=True)
    status = st.empty()
    try:
        prepared = svc.answerer.prepare(question, history(), audience)
        if not prepared.refused:
            show_parts(prepared, lang)
        with slot:
            if not prepared.refused:
                st.caption(T_ANSWER[lang]["writing"])
            live = st.empty()

        def waiting(ahead: int) -> None:
            status.caption(labels["queue"].format(ahead=ahead))

        stream = svc.answerer.generate(prepared, on_wait=waiting)
        with live.container():
            st.write_stream(stream)
        answer = stream.answer
        assert answer is not None
    except StoreError as exc:  # the index server is away: answers resume when it is back, no restart needed
        log.warning("index unavailable: %s", exc)
        st.error(labels["index_down"].format(reason=exc))
        return None
    except Exception:  # noqa: BLE001 - a person sees a message in their language, never a traceback
        log.exception("answering failed")
        st.error(labels["error"])
        return None
    status.empty()
    answers().append(answer)
    return answer


def render(svc: Services, lang: str, audience: str) -> None:
    conversation = st.container()  # above the question box: a new answer is drawn where it will stay
    with conversation:
        for index, answer in enumerate(answers()):
            with st.chat_message("user"):
                st.markdown(answer.question)
            with st.chat_message("assistant"):
                show_answer(svc, answer, lang, key=str(index))
    announced = st.session_state.setdefault("announced", set())
    if answers() and len(answers()) not in announced:  # once, when the answer is complete, not token by token
        announced.add(len(answers()))
        last = answers()[-1]
        announce(f"{T[lang]['answer_ready']} {last.refusal or last.summary or T_ANSWER[lang]['no_model']}")
    question = st.chat_input(T[lang]["ask"])
    if question:
        with conversation:
            with st.chat_message("user"):
                st.markdown(question)
            with st.chat_message("assistant"):
                if ask(svc, question, lang, audience):
                    st.rerun()  # redraw in the same places, with the feedback controls under the new answer
