"""The Streamlit app's flows with streamlit.testing (AppTest), a fake chat model, and the real index."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.proto.LabelVisibility_pb2 import LabelVisibility
from streamlit.testing.v1 import AppTest

from conftest import ROOT, thresholds_of

REPLY = "Bærekraftssenteret ble etablert av kommunedirektøren i juni 2020 [1]."
# as shown: the number check may point the citation at the source that states the year
SHOWN = re.compile(r"Bærekraftssenteret ble etablert av kommunedirektøren i juni 2020 \[\d\]\.")


@pytest.fixture
def app(subset_index, monkeypatch, tmp_path):
    import streamlit as st

    s = subset_index
    env = {
        "ASSISTANT_INDEX_DIR": s.index_dir,
        **thresholds_of(s),
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


def open_tab(at: AppTest, label: str) -> AppTest:
    """Choose a tab: only the open tab's view runs."""
    at.session_state["view"] = label
    at.run()
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
    assert [t.label for t in app.tabs] == ["Chat", "Indicators", "Map a text", "Quiz", "Training", "Sources and export"]
    ask(app, "When was Bærekraftssenteret established?")
    assert "Answered by: fake" in texts(app)


def test_audience_student_gets_references(app):
    app.sidebar.radio(key="audience").set_value("student").run()
    ask(app, "Når ble Bærekraftssenteret etablert?")
    assert "**Referanser**" in texts(app)
    open_tab(app, "Kilder og eksport")
    # in APA 7 (the default), by the source's own title and date, with the nb locale's month
    assert app.code and "Trondheim kommune. (2022, mars 15). Om bærekraftssenteret." in app.code[0].value
    labels = [b.label for b in app.get("download_button")]
    for label in ("Til referanseverktøy (RIS)", "Til LaTeX og JabRef (BibTeX)", "Til Zotero og andre (CSL-JSON)"):
        assert label in labels
    assert {"Last ned samtalen (Markdown)", "Last ned samtalen (JSON)"} <= set(labels)
    app.radio(key="study-style").set_value("harvard").run()
    assert "Trondheim kommune (2022) Om bærekraftssenteret. Tilgjengelig på: https://" in app.code[0].value
    assert "(Lest: 1. november 2026)" in app.code[0].value


def test_explorer_lookup_by_code_and_browse(app):
    open_tab(app, "Indikatorer")
    app.text_input(key="x-search").set_value("11.6.2").run()
    assert any(m.value.startswith("Indikator 11.6.2") for m in app.markdown)
    sheets = [b.label for b in app.get("download_button")]
    assert {"Last ned studieark (PDF)", "Studieark (Markdown)"} <= set(sheets), "each card offers its study sheet"
    app.text_input(key="x-search").set_value("").run()
    app.radio(key="x-framework").set_value("U4SSC-indikatorer").run()
    assert any("U4SSC-indikator (KPI)" in m.value for m in app.markdown)
    app.text_input(key="x-search").set_value("EC: ICT: ICT: 1C").run()
    app.button(key="x-ask-EC: ICT: ICT: 1C").click().run()
    assert SHOWN.search(texts(app)), "asking about an item answers below its card"


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def test_explorer_draws_the_goals_and_hierarchies_and_a_kpis_values(app):
    open_tab(app, "Indikatorer")
    specs = charts(app)
    tiles = [s for s in specs if "layer" in s and any(p.get("name") == "pick" for p in s.get("params", []))]
    assert tiles, "the goal tiles are drawn with a click selection"
    captions = texts(app)
    assert re.search(r"\d+ mål, \d+ delmål, \d+ indikatorer", captions)
    app.radio(key="x-framework").set_value("U4SSC-indikatorer").run()
    assert "3 dimensjoner" in texts(app) and "91 KPI-er" in texts(app)
    app.text_input(key="x-search").set_value("EC: ICT: ICT: 1C").run()
    assert "Kjente verdier for norske byer" in texts(app)
    values = [s for s in charts(app) if s.get("mark", {}).get("type") == "bar" or s.get("mark") == "bar"]
    assert values, "the KPI's city values as a bar chart"
    assert any("ingen kjent verdi for denne indikatoren i Trondheim" in i.value for i in app.info)


def test_the_explorer_has_one_labelled_framework_switch_for_its_picture_and_its_lists(app):
    open_tab(app, "Indikatorer")
    frameworks = ["FNs bærekraftsmål", "U4SSC-indikatorer"]
    switches = [r for r in app.radio if list(r.options) == frameworks]
    assert len(switches) == 1, [r.label for r in switches]
    assert switches[0].label == "Rammeverk" and switches[0].proto.label_visibility.value == LabelVisibility.VISIBLE
    switches[0].set_value("U4SSC-indikatorer").run()
    assert "3 dimensjoner" in texts(app), "the picture follows the switch"
    assert app.selectbox(key="x-dim").value == "Economy", "and so do the lists"
    assert len([r for r in app.radio if list(r.options) == frameworks]) == 1, "still one after switching"
    shown = app.selectbox(key="x-kpi").options
    assert shown and all(re.fullmatch(r"(EC|EN|SC): [A-Z]+: [A-Z]+: \d+[CA] — \S.*", kpi) for kpi in shown), shown
    app.radio(key="x-framework").set_value("FNs bærekraftsmål").run()
    indicators = app.radio(key="x-ind").options[1:]
    assert indicators and all(re.fullmatch(r"\d+\.\w+\.\d+ — \S.*", i) for i in indicators), indicators


def test_map_a_pasted_text(app):
    open_tab(app, "Kartlegg en tekst")
    app.text_area(key="m-text").set_value(
        "Kommunen bygger nye sykkelveier og flere bussfelt for å få ned klimagassutslippene fra trafikken. "
        "Luftkvaliteten i sentrum skal bli bedre, og svevestøv fra piggdekk skal halveres innen 2030. "
        "Alle holdeplasser skal bli universelt utformet."
    )
    app.button(key="m-go").click().run()
    assert not app.exception, app.exception
    labels = [e.label for e in app.expander]
    assert any(label.startswith("11 ") for label in labels), labels
    assert any(b.label == "Last ned som CSV" for b in app.get("download_button"))
    app.text_area(key="m-text").set_value("Jeg bakte en sjokoladekake med mye smør og sukker til bursdagen.")
    app.button(key="m-go").click().run()
    assert any("Ingen mål, delmål eller KPI skiller seg ut" in i.value for i in app.info)


def test_quiz_scoring(app):
    open_tab(app, "Quiz")
    from assistant.knowledge.catalog import Catalog
    from assistant.knowledge.quiz import build_quiz, load_quiz_files
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


def test_training_module_feedback_progress_and_the_downloaded_summary(app, monkeypatch):
    """Through the centre's module by its quiz: feedback per question with its source, progress in the session, and
    the summary the person downloads, as Markdown and as PDF."""
    import io
    from datetime import date

    from pypdf import PdfReader
    from streamlit.runtime.media_file_manager import MediaFileManager

    from assistant.knowledge.quiz import load_quiz_files
    from assistant.settings import Settings
    from assistant.study.training import load_path, questions
    from assistant.texts import format_date

    handed: dict[str, object] = {}  # what the app gives Streamlit to download, by file name
    add = MediaFileManager.add

    def keep(self, data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        handed[file_name] = data
        return add(self, data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", keep)
    open_tab(app, "Opplæring")
    assert "0 av 6 moduler fullført" in app.get("progress")[0].proto.text
    assert not app.get("download_button"), "nothing to sum up before a module is done"
    assert any("lagres ikke på serveren" in m.value for m in app.sidebar.markdown), "the privacy notice says so"
    modules = load_path()
    index = [m.id for m in modules].index("centre")
    app.radio(key="training-module").set_value(index).run()
    assert any(m.value.startswith("**Sekretariatet ble opprettet i juni 2020**") for m in app.markdown)
    assert any("centre/about.nb.md" in c.value for c in app.caption), "each passage shows its document"
    quiz = questions(modules[index], load_quiz_files(Settings().corpus_dirs), "nb")
    for n, q in enumerate(quiz):
        choice = q.options[q.answer] if n else q.options[(q.answer + 1) % len(q.options)]
        app.radio(key=f"training-nb-{q.id}").set_value(choice)
    app.button[[b.label for b in app.button].index("Sjekk svarene")].click().run()
    assert not app.exception, app.exception
    assert len(app.success) == len(quiz) - 1 and len(app.error) == 1
    assert f"Feil – riktig svar: {quiz[0].options[quiz[0].answer]}" in app.error[0].value
    assert quiz[0].explanation in app.error[0].value, "the feedback explains the answer"
    stated = [c.value for c in app.caption if "Står i lesestoffet" in c.value]
    assert len(stated) == len(quiz) and all("Kilde:" in c for c in stated)
    progress = app.get("progress")[0].proto.text
    assert f"1 av 6 moduler fullført · {len(quiz) - 1} av {len(quiz)} riktige svar" in progress
    app.text_input(key="training-name").set_value("Kari Nordmann").run()
    assert {"opplaering.md", "opplaering.pdf"} <= set(handed), handed.keys()
    data = handed["opplaering.md"]
    markdown = data.decode("utf-8") if isinstance(data, bytes) else str(data)
    today = format_date(date.today().isoformat(), "nb")
    assert "**Navn:** Kari Nordmann" in markdown and today in markdown
    assert f"| 5. {modules[index].title['nb']} | Fullført | {len(quiz) - 1} / {len(quiz)} |" in markdown
    assert f"| 1. {modules[0].title['nb']} | Ikke tatt | – |" in markdown
    pdf_bytes = handed["opplaering.pdf"]
    assert isinstance(pdf_bytes, bytes)
    reader = PdfReader(io.BytesIO(pdf_bytes))
    pdf = " ".join(" ".join((page.extract_text() or "") for page in reader.pages).split())
    assert "Kari Nordmann" in pdf and today in pdf and modules[index].title["nb"] in pdf
    assert f"{len(quiz) - 1} / {len(quiz)}" in pdf


def test_feedback_is_stored(app, tmp_path):
    from assistant.people.feedback import FeedbackStore

    ask(app, "Når ble Bærekraftssenteret etablert?")
    app.text_input(key="comment-0").set_value("Kort og greit")
    app.button(key="rate--1-0").click().run()
    rows = FeedbackStore(tmp_path / "feedback.sqlite").rows()
    assert len(rows) == 1
    row = rows[0]
    assert (row["rating"], row["comment"], row["backend"]) == (-1, "Kort og greit", "fake")
    assert SHOWN.search(row["answer"])
    assert json.loads(row["sources"])[0]["n"] == 1
    assert "Takk for tilbakemeldingen!" in texts(app)


def test_admin_needs_the_password(app, monkeypatch):
    assert "Admin" not in [t.label for t in app.tabs], "no admin page without ASSISTANT_ADMIN_PASSWORD"
    monkeypatch.setenv("ASSISTANT_ADMIN_PASSWORD", "riktig-passord")
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert "Admin" in [t.label for t in at.tabs]
    open_tab(at, "Admin")
    at.text_input(key="admin-password").set_value("galt").run()
    assert any("Feil passord" in e.value for e in at.error)

    def admin_uploads():
        return [u for u in at.get("file_uploader") if u.key != "m-file"]

    assert not admin_uploads(), "no upload without the password"
    at.text_input(key="admin-password").set_value("riktig-passord").run()
    assert admin_uploads()


def test_a_person_can_delete_their_conversation_and_read_the_privacy_notice(app, tmp_path):
    from assistant.people.feedback import FeedbackStore

    assert any("I 180 dager, så slettes det" in m.value or "i 180 dager" in m.value for m in app.sidebar.markdown)
    ask(app, "Når ble Bærekraftssenteret etablert? Svar til kari@example.no")
    app.button(key="rate-1-0").click().run()
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    assert len(store.rows()) == 1 and "kari@example.no" not in store.rows()[0]["question"]
    app.button(key="delete-chat").click().run()
    assert store.rows() == [], "the feedback they gave is deleted with the conversation"
    assert any("Samtalen din og tilbakemeldingene dine er slettet" in s.value for s in app.success)
    assert not [m for m in app.chat_message], "no question or answer left on screen"
