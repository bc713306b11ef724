"""The Streamlit app's flows with streamlit.testing (AppTest), a fake chat model, and the real index."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT

REPLY = "Bærekraftssenteret ble etablert av kommunedirektøren i juni 2020 [1]."
# as shown: the number check may point the citation at the source that states the year
SHOWN = re.compile(r"Bærekraftssenteret ble etablert av kommunedirektøren i juni 2020 \[\d\]\.")


@pytest.fixture
def app(subset_index, monkeypatch, tmp_path):
    import streamlit as st

    s = subset_index
    env = {
        "ASSISTANT_INDEX_DIR": s.index_dir,
        "ASSISTANT_CORPUS_DIRS": json.dumps([str(d) for d in s.corpus_dirs]),
        "ASSISTANT_PROMPTS_DIR": s.prompts_dir,
        "ASSISTANT_FEEDBACK_DB": tmp_path / "feedback.sqlite",
        "ASSISTANT_UPLOADS_DIR": tmp_path / "uploads",
        "ASSISTANT_LLM_BACKEND": "fake",
        "ASSISTANT_FAKE_REPLIES": json.dumps([REPLY]),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.delenv("ASSISTANT_ADMIN_PASSWORD", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_ask_shows_the_streamed_answer_and_its_sources(app):
    ask(app, "Når ble Bærekraftssenteret etablert?")
    assert SHOWN.search(texts(app))
    assert "Svar fra: fake" in texts(app)
    cited = set(re.findall(r"\[(\d)\]", texts(app).split("Spør om FNs")[0]))
    assert [e.label for e in app.expander if e.label.startswith("Kilder")] == [f"Kilder ({len(cited)})"]
    assert any("[1]" in m.value and "Om Bærekraftssenteret" in m.value for m in app.markdown)


def test_language_switch_changes_every_label(app):
    assert app.chat_input[0].placeholder == "Skriv et spørsmål ..."
    app.sidebar.radio(key="lang").set_value("en").run()
    assert app.chat_input[0].placeholder == "Ask a question ..."
    assert [t.label for t in app.tabs] == ["Chat", "Indicators", "Quiz", "Sources and export"]
    ask(app, "When was the centre established?")
    assert "Answered by: fake" in texts(app)


def test_audience_student_gets_references(app):
    app.sidebar.radio(key="audience").set_value("student").run()
    ask(app, "Når ble Bærekraftssenteret etablert?")
    assert "**Referanser**" in texts(app)
    assert app.code and "Om Bærekraftssenteret" in app.code[0].value, "the references tab lists the sources"


def test_explorer_lookup_by_code_and_browse(app):
    app.text_input(key="x-search").set_value("11.6.2").run()
    assert any(m.value.startswith("Indikator 11.6.2") for m in app.markdown)
    app.text_input(key="x-search").set_value("").run()
    app.radio(key="x-framework").set_value("U4SSC-indikatorer").run()
    assert any("U4SSC-indikator (KPI)" in m.value for m in app.markdown)
    app.text_input(key="x-search").set_value("EC: ICT: ICT: 1C").run()
    app.button(key="x-ask-EC: ICT: ICT: 1C").click().run()
    assert SHOWN.search(texts(app)), "asking about an item answers below its card"


def test_quiz_scoring(app):
    from assistant.catalog import Catalog
    from assistant.quiz import build_quiz, load_quiz_files
    from assistant.settings import Settings

    settings = Settings()
    questions = build_quiz(
        Catalog.from_dirs(settings.corpus_dirs), load_quiz_files(settings.corpus_dirs), "nb", n=10, seed=0
    )
    for n, q in enumerate(questions):
        choice = q.options[q.answer] if n < 7 else q.options[(q.answer + 1) % len(q.options)]
        app.radio(key=f"quiz-0-nb-{q.id}").set_value(choice)
    app.button[[b.label for b in app.button].index("Sjekk svarene")].click().run()
    assert [m.label for m in app.metric] == ["Du fikk 7 av 10 riktige."]
    assert len(app.success) == 7 and len(app.error) == 3
    assert "Kilde:" in app.error[0].value


def test_feedback_is_stored(app, tmp_path):
    from assistant.feedback import FeedbackStore

    ask(app, "Når ble Bærekraftssenteret etablert?")
    app.text_input(key="comment-0").set_value("Kort og greit")
    app.button(key="rate--1-0").click().run()
    rows = FeedbackStore(tmp_path / "feedback.sqlite").rows()
    assert len(rows) == 1
    row = rows[0]
    assert (row["rating"], row["comment"], row["backend"]) == (-1, "Kort og greit", "fake")
    assert SHOWN.match(row["answer"])
    assert json.loads(row["sources"])[0]["n"] == 1
    assert "Takk for tilbakemeldingen!" in texts(app)


def test_admin_needs_the_password(app, monkeypatch):
    assert "Admin" not in [t.label for t in app.tabs], "no admin page without ASSISTANT_ADMIN_PASSWORD"
    monkeypatch.setenv("ASSISTANT_ADMIN_PASSWORD", "riktig-passord")
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert "Admin" in [t.label for t in at.tabs]
    at.text_input(key="admin-password").set_value("galt").run()
    assert any("Feil passord" in e.value for e in at.error)
    assert not at.get("file_uploader"), "no upload without the password"
    at.text_input(key="admin-password").set_value("riktig-passord").run()
    assert at.get("file_uploader")
