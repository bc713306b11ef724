"""Training for new employees: a fixed path of short modules, each a reading chosen from the corpus with its sources
and a quiz whose feedback explains the answer from its source; progress lives in the browser session
(st.session_state) and the summary is offered as Markdown and PDF. Nothing of it is stored on the server."""

from __future__ import annotations

from datetime import date

import streamlit as st

from assistant.app.services import Services
from assistant.app.views.text import T
from assistant.knowledge.quiz import QuizQuestion
from assistant.study.training import (
    Module,
    Passage,
    Results,
    TrainingError,
    evidence,
    load_path,
    passages,
    questions,
    record,
    summary_markdown,
    summary_pdf,
    totals,
)
from assistant.texts import format_date

STATE = "training"  # st.session_state key of the person's results: {module id: {"right", "total", "marks"}}


def render(svc: Services, lang: str, audience: str) -> None:
    labels = T[lang]
    try:
        modules = load_path()
    except TrainingError as exc:
        st.error(labels["training_unavailable"].format(reason=exc))
        return
    results: Results = st.session_state.setdefault(STATE, {})
    st.write(labels["training_intro"].format(n=len(modules)))
    bar = st.empty()  # filled last: checking a module's answers below counts in this run's progress
    index = st.radio(
        labels["training_module"],
        range(len(modules)),
        format_func=lambda i: f"{i + 1}. {modules[i].title[lang]}",
        key="training-module",
    )
    module = modules[index or 0]
    st.subheader(f"{(index or 0) + 1}. {module.title[lang]}")
    try:
        reading = passages(module, lang, svc.settings.corpus_dirs, svc.catalog)
        quiz = questions(module, svc.quiz_items, lang)
    except TrainingError as exc:  # a corpus without the passage or the quiz item: say which, never a traceback
        st.warning(labels["training_unavailable"].format(reason=exc))
    else:
        _reading(reading, lang)
        _quiz(module, quiz, reading, results, lang, {i["id"]: i for i in svc.quiz_items})
    done, right, answered = totals(results, modules)
    progress = labels["training_progress"].format(done=done, total=len(modules), right=right, answered=answered)
    bar.progress(done / len(modules), text=progress)
    if results:
        _summary(modules, results, lang)


def _reading(reading: list[Passage], lang: str) -> None:
    labels = T[lang]
    st.markdown(f"#### {labels['training_reading']}")
    for passage in reading:
        with st.container(border=True):
            st.markdown(f"**{passage.heading}**\n\n{passage.text}")
            st.caption(
                labels["training_from"].format(title=passage.title, heading=passage.heading, where=passage.where)
                + f" · {labels['training_source']}: {passage.source}"
                + (f", {labels['training_as_of']} {format_date(passage.as_of, lang)}" if passage.as_of else "")
            )


def _quiz(
    module: Module, quiz: list[QuizQuestion], reading: list[Passage], results: Results, lang: str, items: dict
) -> None:
    labels = T[lang]
    st.markdown(f"#### {labels['training_quiz']}")
    with st.form(f"training-{module.id}-{lang}"):
        choices: dict[str, int | None] = {}
        for number, question in enumerate(quiz, start=1):
            picked = st.radio(
                f"{number}. {question.question}", question.options, index=None, key=f"training-{lang}-{question.id}"
            )
            choices[question.id] = question.options.index(picked) if picked is not None else None
        if st.form_submit_button(labels["training_check"]):
            record(results, module, quiz, choices)
    result = results.get(module.id)
    if result is None:
        return
    st.info(labels["training_result"].format(right=result["right"], total=result["total"]))
    for number, question in enumerate(quiz, start=1):
        ok = result["marks"].get(question.id, False)
        verdict = labels["right"] if ok else labels["wrong"].format(answer=question.options[question.answer])
        (st.success if ok else st.error)(f"{number}. {verdict}. {question.explanation}")
        item = items[question.id]
        title = item.get("source_title") or item.get("publisher") or ""
        where = evidence(question, reading)
        st.caption(
            f"{labels['training_source']}: {title} ({question.source})"
            + (f", {labels['training_as_of']} {question.as_of}" if question.as_of else "")
            + (f" · {labels['training_stated'].format(heading=where.heading, where=where.where)}" if where else "")
        )


def _summary(modules: list[Module], results: Results, lang: str) -> None:
    labels = T[lang]
    st.markdown(f"#### {labels['training_summary']}")
    st.write(labels["training_summary_intro"])
    name = st.text_input(labels["training_name"], key="training-name", max_chars=120).strip()
    if name:
        st.caption(labels["training_named"].format(name=name))
    today = date.today()
    left, right = st.columns(2)
    left.download_button(
        labels["training_download_md"],
        summary_markdown(modules, results, lang, today, name),
        file_name="opplaering.md" if lang == "nb" else "training.md",
        mime="text/markdown",
        key="training-md",
    )
    right.download_button(  # about 0.1 s to lay out (bench/training.py, BENCHMARKS.md)
        labels["training_download_pdf"],
        summary_pdf(modules, results, lang, today, name),
        file_name="opplaering.pdf" if lang == "nb" else "training.pdf",
        mime="application/pdf",
        key="training-pdf",
    )
