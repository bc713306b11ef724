"""The app's logic outside Streamlit: quiz, feedback store and CSV export, student exports, upload checks."""

from __future__ import annotations

import csv
import io
import json

import pytest

from assistant.answering.citations import Citation
from assistant.answering.parts import Answer, Prepared, Understood
from assistant.knowledge.catalog import Catalog
from assistant.knowledge.quiz import build_quiz, load_quiz_files, score
from assistant.people.export import conversation_markdown, references
from assistant.people.feedback import FeedbackStore
from assistant.people.uploads import UploadError, check, safe_name, store

from conftest import CORPUS, thresholds_of


@pytest.fixture(scope="module")
def catalog():
    return Catalog.from_dirs([CORPUS])


def test_quiz_is_deterministic_mixed_and_scored(catalog):
    items = load_quiz_files([CORPUS])
    assert len(items) >= 20
    a = build_quiz(catalog, items, "nb", n=10, seed=3)
    b = build_quiz(catalog, items, "nb", n=10, seed=3)
    assert [(q.id, q.options) for q in a] == [(q.id, q.options) for q in b], "same seed, same quiz"
    assert [q.id for q in build_quiz(catalog, items, "nb", n=10, seed=4)] != [q.id for q in a]
    assert len({q.id for q in a}) == 10 and any(q.id in {i["id"] for i in items} for q in a)
    assert any(q.id.startswith(("goal-", "indicator-", "kpi-")) for q in a)
    for q in a:
        assert len(set(q.options)) == len(q.options) >= 2 and 0 <= q.answer < len(q.options)
        assert q.source and q.explanation
    choices = {q.id: q.answer for q in a}
    choices[a[0].id] = (a[0].answer + 1) % len(a[0].options)
    choices[a[1].id] = None
    assert score(a, choices) == (8, 10)
    en = build_quiz(catalog, items, "en", n=10, seed=3)
    assert all(not q.question.startswith(("Hvilket", "Hva", "Når")) for q in en)


def test_goal_quiz_questions_are_right(catalog):
    for q in build_quiz(catalog, [], "en", n=200, seed=1):
        if q.id.startswith("goal-"):
            code = q.id.removeprefix("goal-")
            assert q.options[q.answer] == f"Goal {code}"
            assert catalog.get(code).short["en"] in q.question


def answer(question: str, cites: list[tuple[str, str, int | None]]) -> Answer:
    return Answer(
        Prepared(Understood(question, question, "nb", "student")),
        summary=f"Svar på {question} [1]",
        backend="extractive",
        citations=tuple(
            Citation(n=n, title=t, source=s, page=p, section="", as_of="2022-03-15", text="...")
            for n, (t, s, p) in enumerate(cites, start=1)
        ),
    )


def test_references_are_listed_once_in_order_of_use():
    conv = [
        answer("A?", [("Om senteret", "https://x/om", None), ("Årsrapport", "data/uploads/ar.pdf", 3)]),
        answer("B?", [("Om senteret", "https://x/om", None)]),
    ]
    refs = references(conv, "nb", accessed="2026-11-29")
    assert refs == [
        "Om senteret (2022-03-15). https://x/om (lest 2026-11-29)",
        "Årsrapport, s. 3 (2022-03-15). data/uploads/ar.pdf (lest 2026-11-29)",
    ]
    md = conversation_markdown(conv, "en", accessed="2026-11-29")
    assert md.startswith("# Conversation with Bærekraftsassistenten")
    assert "## 2. Question: B?" in md and "## References" in md and "accessed 2026-11-29" in md


def test_feedback_store_and_csv_export(tmp_path):
    db = FeedbackStore(tmp_path / "fb.sqlite")
    db.add(1, "Når?", "I juni 2020 [1].", [{"n": 1, "title": "Om"}], "extractive", "nb", "citizen", "bra")
    db.add(-1, "What?", "Sorry", [], "refusal", "en", "student")
    with pytest.raises(ValueError):
        db.add(0, "x", "y", [], "z")
    out = io.StringIO()
    assert db.export_csv(out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["rating"] for r in rows] == ["1", "-1"] and rows[0]["comment"] == "bra"
    assert json.loads(rows[0]["sources"])[0]["title"] == "Om"


def test_feedback_export_cli(tmp_path, run_cli):
    FeedbackStore(tmp_path / "fb.sqlite").add(1, "Q", "A", [], "extractive")
    env = {"ASSISTANT_FEEDBACK_DB": tmp_path / "fb.sqlite"}
    done = run_cli("assistant", "feedback", "export", "--out", tmp_path / "f.csv", env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "f.csv").read_text(encoding="utf-8").splitlines()[1].startswith("1,")
    missing = run_cli("assistant", "feedback", "export", "--out", "/nonexistent/d/f.csv", env=env)
    assert missing.returncode == 2 and "/nonexistent/d/f.csv" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.parametrize("backend", ["fake", "openai"])
def test_asking_for_a_backend_the_settings_do_not_configure_is_an_error_not_a_silent_fallback(
    subset_index, run_cli, backend
):
    env = {"ASSISTANT_INDEX_DIR": subset_index.index_dir, "ASSISTANT_LLM_BACKEND": "extractive"}
    env |= thresholds_of(subset_index)
    done = run_cli("assistant", "ask", "Hva er bærekraftsmål 11?", "--backend", backend, env=env)
    assert done.returncode == 2 and f"--backend {backend}: not configured" in done.stderr, done.stderr
    assert not done.stdout, "nothing answered"


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty"),
        ("big.txt", b"x" * 2000, "above the limit"),
        ("virus.exe", b"MZ\x90\x00", "not accepted"),
        ("fake.pdf", b"just text", "the content is text"),
        ("real.txt", b"%PDF-1.7 ...", "the content is PDF"),
        ("page.html", b"plain words", "not an HTML page"),
        ("latin.md", "Bærekraft".encode("latin-1"), "not UTF-8"),
        ("bin.md", b"abc\x00def", "binary"),
    ],
)
def test_uploads_are_checked_by_content(name, data, reason):
    with pytest.raises(UploadError, match=reason):
        check(name, data, max_bytes=1000)


def test_upload_names_are_made_safe(tmp_path):
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\x\\Årsrapport 2021 (endelig).pdf") == "Arsrapport-2021-endelig.pdf"
    assert safe_name(".hidden.md") == "hidden.md"
    path, new = store(tmp_path / "up", "../notat om mål.md", b"# Notat\nTekst.", max_bytes=1000)
    assert new and path.parent == tmp_path / "up" and path.name == "notat-om-mal.md"
    page, _ = store(tmp_path / "up", "side.html", b"<!DOCTYPE html><html><body>x</body></html>", 1000)
    assert page.suffix == ".html"


def test_a_long_upload_name_keeps_its_extension(tmp_path):
    name = "Årsrapport for Bærekraftssenteret i Trondheim kommune " * 4 + "(endelig versjon).pdf"
    assert len(name) > 200
    clean = safe_name(name)
    assert len(clean) <= 120 and clean.endswith(".pdf")
    path, new = store(tmp_path, name, b"%PDF-1.7 ...", 1000)
    assert new and path.name == clean


def test_an_upload_never_replaces_an_earlier_file(tmp_path):
    first, _ = store(tmp_path, "notat.md", "# Notat\nFørste versjon.".encode(), 1000)
    second, new = store(tmp_path, "notat.md", b"# Notat\nAndre versjon.", 1000)
    assert new and second.name == "notat-2.md" and first.read_bytes() == "# Notat\nFørste versjon.".encode()
    again, new = store(tmp_path, "notat.md", b"# Notat\nAndre versjon.", 1000)
    assert not new and again == second, "the same content uploaded again is not stored twice"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notat-2.md", "notat.md"]


def test_wrong_admin_passwords_cost_a_growing_wait(caplog):
    from assistant.people.access import MAX_DELAY, PasswordGate

    waits = []
    gate = PasswordGate("riktig-passord", sleep=waits.append)
    for guess in ("a", "b", "c", "d"):
        assert not gate.check(guess, who="session 1")
    assert waits == [0.0, 1.0, 2.0, 4.0], "each wrong guess doubles the wait before the next attempt"
    assert gate.check("riktig-passord") and gate.delay() == 0.0, "the right password still works, and resets"
    for _ in range(12):
        gate.check("x")
    assert gate.delay() == MAX_DELAY
    failures = [r.getMessage() for r in caplog.records if "admin login failed" in r.getMessage()]
    assert len(failures) == 16 and "session 1" in failures[0]
    assert not any("riktig-passord" in r.getMessage() or " a;" in r.getMessage() for r in caplog.records)
    assert not PasswordGate(None, sleep=waits.append).check(""), "no password set: nothing opens"


def test_the_privacy_notice_says_where_data_goes_under_the_running_configuration():
    from assistant.app.services import Services
    from assistant.app.views.sidebar import privacy_notice
    from assistant.app.views.text import T
    from assistant.settings import Settings

    local = privacy_notice(Services(Settings()), T["nb"])
    assert "ingenting sendes videre" in local and "180 dager" in local and "lagrede svarene" in local
    remote = Services(
        Settings(
            llm_backend="openai",
            openai_base_url="http://10.0.0.5:8000/v1",
            feedback_url="postgresql+psycopg://app@db.example.org:5432/feedback",
        )
    )
    assert remote.elsewhere() == {"model": ["10.0.0.5"], "feedback": ["db.example.org"], "search": []}
    for lang, nothing in (("nb", "ingenting sendes videre"), ("en", "nothing is sent elsewhere")):
        notice = privacy_notice(remote, T[lang])
        assert "10.0.0.5" in notice and "db.example.org" in notice and nothing not in notice, notice
    on_loopback = Services(Settings(llm_backend="ollama", ollama_host="http://localhost:11434"))
    assert on_loopback.elsewhere() == {"model": [], "feedback": [], "search": []}
