"""Quiz mode for competence training: deterministic questions, checked with the source shown, and a score."""

from __future__ import annotations

import streamlit as st

from assistant.app.services import Services
from assistant.app.views.text import T
from assistant.knowledge.quiz import build_quiz, score

QUESTIONS = 10


def render(svc: Services, lang: str, audience: str) -> None:
    labels = T[lang]
    st.write(labels["quiz_intro"].format(n=QUESTIONS))
    seed = st.session_state.setdefault("quiz_seed", 0)
    if st.button(labels["new_quiz"], key="quiz-new"):
        st.session_state["quiz_seed"] = seed = seed + 1
        st.session_state.pop("quiz_checked", None)
    questions = build_quiz(svc.catalog, svc.quiz_items, lang, n=QUESTIONS, seed=seed)
    with st.form(f"quiz-{seed}-{lang}"):
        choices = {}
        for number, question in enumerate(questions, start=1):
            picked = st.radio(
                f"{number}. {question.question}", question.options, index=None, key=f"quiz-{seed}-{lang}-{question.id}"
            )
            choices[question.id] = question.options.index(picked) if picked is not None else None
        checked = st.form_submit_button(labels["check"])
    if not (checked or st.session_state.get("quiz_checked") == (seed, lang)):
        return
    st.session_state["quiz_checked"] = (seed, lang)
    right, total = score(questions, choices)
    for number, question in enumerate(questions, start=1):
        ok = question.check(choices[question.id])
        verdict = labels["right"] if ok else labels["wrong"].format(answer=question.options[question.answer])
        (st.success if ok else st.error)(
            f"{number}. {verdict}. {question.explanation} — {labels['source']}: {question.source} ({question.as_of})"
        )
    st.metric(labels["score"].format(right=right, total=total), f"{right}/{total}")
