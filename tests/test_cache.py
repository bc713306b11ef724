"""The answer cache with the real Ollama client against the test server (which counts the model's answers), the real
retriever and index: repeats and near-repeats served at once, other questions never, and every change that
affects an entry (its sources, the prompts, a thumbs-down) ending its reuse."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from assistant.answering.cache import AnswerCache, same_meaning
from assistant.app.services import Services
from ingest.pipeline import Pipeline

from conftest import ROOT, thresholds_of, write_md
from fake_servers import FakeOllama

QUESTION = "Når ble Bærekraftssenteret etablert?"


def chats(server: FakeOllama) -> int:
    return sum(path == "/api/chat" for path, _ in server.requests)


@pytest.fixture
def setup(settings, docs, minilm, tmp_path):
    settings = settings.model_copy(update={"embedder": minilm.spec})  # near-repeats need an embedder of meaning
    write_md(
        docs / "centre.nb.md",
        "Senteret",
        "nb",
        "# Senteret\nBærekraftssenteret ble etablert i juni 2020 av "
        "kommunedirektøren. Senteret arbeider med bærekraftsmål 11 og 12 og måler byen med U4SSC.",
    )
    Pipeline(settings, embedder=minilm).run([docs])
    with FakeOllama(reply="Bærekraftssenteret ble etablert i juni 2020 [1].") as server:
        live = settings.model_copy(
            update={
                "llm_backend": "ollama",
                "ollama_host": server.url,
                "cache_db": tmp_path / "answers.sqlite",
                "prompts_dir": ROOT / "prompts",
                "refuse_below": 0.0,
                "answer_above": 0.0,
            }
        )
        yield Services(live, embedder=minilm), server, docs


def test_a_repeated_question_is_answered_from_the_cache(setup):
    services, server, _ = setup
    first = services.answerer.ask(QUESTION)
    assert first.backend == "ollama (gemma3:4b)" and not first.cached_at and first.cache_id
    again = services.answerer.ask("  når ble bærekraftssenteret etablert  ")  # case, spaces, no question mark
    assert chats(server) == 1, "the model answered once"
    assert again.text == first.text and again.cached_at and again.backend == first.backend
    assert [c.n for c in again.citations] == [c.n for c in first.citations]
    assert services.cache.stats()["hits"] == 1


def test_a_near_repeat_with_a_typo_is_reused_but_never_another_code_or_another_question(setup):
    services, server, _ = setup
    services.answerer.ask(QUESTION)
    typo = services.answerer.ask("Når ble Bærekraftsenteret etablert?")  # one s missing
    assert typo.cached_at and chats(server) == 1
    for other in ("Når ble Bærekraftssenteret nedlagt?", "Hvorfor ble Bærekraftssenteret etablert?"):
        assert not services.answerer.ask(other).cached_at, other
    services.answerer.ask("Hva handler bærekraftsmål 11 om?")
    assert not services.answerer.ask("Hva handler bærekraftsmål 12 om?").cached_at, "SDG 12 is not SDG 11"


def test_a_changed_source_a_changed_prompt_or_a_thumbs_down_ends_the_reuse(setup, tmp_path):
    services, server, docs = setup
    first = services.answerer.ask(QUESTION)
    write_md(
        docs / "centre.nb.md",
        "Senteret",
        "nb",
        "# Senteret\nBærekraftssenteret ble etablert i juni 2020. Senteret har nå ti ansatte.",
    )
    services.reindex([docs])
    assert not services.answerer.ask(QUESTION).cached_at, "its source changed: answered afresh"
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    (prompts / "answer.nb.txt").write_text((prompts / "answer.nb.txt").read_text() + "\n", encoding="utf-8")
    edited = Services(services.settings.model_copy(update={"prompts_dir": prompts}), embedder=services.embedder)
    assert not edited.answerer.ask(QUESTION).cached_at, "other prompts: answered afresh"
    reused = services.answerer.ask(QUESTION)
    assert reused.cached_at and services.cache.forget(reused.cache_id)
    assert not services.answerer.ask(QUESTION).cached_at, "after a thumbs-down: answered afresh"
    assert first.cache_id != reused.cache_id


def test_a_new_document_that_ranks_among_the_sources_ends_the_reuse(setup):
    """A newer figure in a new document: the old answer ("57") is not served where the sources now say 75."""
    services, server, docs = setup
    question = "Hvor mange ansatte har Bærekraftssenteret?"
    write_md(docs / "staff-2023.nb.md", "Ansatte 2023", "nb", "# Ansatte\nBærekraftssenteret har 57 ansatte i 2023.")
    services.reindex([docs])
    assert services.answerer.ask(question).cache_id and services.answerer.ask(question).cached_at
    write_md(docs / "staff-2025.nb.md", "Ansatte 2025", "nb", "# Ansatte\nBærekraftssenteret har 75 ansatte i 2025.")
    services.reindex([docs])
    fresh = services.answerer.ask(question)
    assert not fresh.cached_at, "a new source ranks among the answer's: answered afresh"
    assert any("75 ansatte" in source.text for source in fresh.sources)


def test_a_catalogue_edited_and_indexed_by_another_process_ends_the_reuse_in_a_running_app(setup):
    """Two processes share the index: one answers about 11.6.2 and caches it; the other edits the catalogue's title
    and re-indexes. The first notices the new index generation, reads the catalogue again and answers afresh."""
    services, server, docs = setup
    catalogue = docs / "goal-11.yaml"
    shutil.copy(ROOT / "corpus" / "sdg" / "goal-11.yaml", catalogue)
    services.reindex([docs])
    app = Services(services.settings.model_copy(update={"refresh_seconds": 0.1}), embedder=services.embedder)
    question = "Hva måler indikator 11.6.2?"
    assert app.answerer.ask(question).cache_id and app.answerer.ask(question).cached_at
    old = "Årlig gjennomsnittsnivå av fint svevestøv"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(old, "Årsmiddel av svevestøv"), "utf-8")
    other = Services(services.settings, embedder=services.embedder)  # another process's ingestion
    other.reindex([docs])
    deadline = time.monotonic() + 60
    while app.reader.current().generation != other.reader.snapshot.generation and time.monotonic() < deadline:
        time.sleep(0.1)  # the running app checks the index's generation in the background
    answer = app.answerer.ask(question)
    assert not answer.cached_at, "the card changed: answered afresh"
    assert answer.card is not None and "Årsmiddel av svevestøv" in answer.card.text and old not in answer.card.text


def test_cutting_words_decide_a_near_repeat():
    assert same_meaning("When did Trondheim's UN status begin?", "When did Trondheim's UN status begin", "")
    assert not same_meaning("When did the UN status expire?", "When did the UN status begin?", "It began in 2019.")
    assert not same_meaning("Which cities got one after Trondheim?", "Which cities got one before Trondheim?", "")
    assert not same_meaning("Who helps the students?", "Who do the students help?", "Students help firms.")
    assert not same_meaning("Brukte Asker rammeverket fra Trondheim?", "Brukte Trondheim rammeverket fra Asker?", "")
    assert same_meaning(
        "What is the centre's phone number, please?",
        "What is the centre's phone number",
        "The centre's phone number is 72 54 00 00.",
    ), "politeness changes nothing"
    assert not same_meaning(
        "What is the phone number of the centre?",
        "What is the centre's phone number",
        "The centre's phone number is 72 54 00 00.",
    ), "another order: answered afresh, to be safe"


def test_the_cache_command_warms_shows_and_clears(setup, tmp_path, run_cli):
    services, server, _ = setup
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "\n".join(json.dumps({"question": q}) for q in (QUESTION, "Hvilken måned ble Bærekraftssenteret etablert?")),
        encoding="utf-8",
    )
    s = services.settings
    env = {
        "ASSISTANT_INDEX_DIR": str(s.index_dir),
        **thresholds_of(s),
        "ASSISTANT_EMBEDDER": s.embedder,
        "ASSISTANT_LLM_BACKEND": "ollama",
        "ASSISTANT_OLLAMA_HOST": server.url,
        "ASSISTANT_CACHE_DB": str(s.cache_db),
        "ASSISTANT_REFUSE_BELOW": "0",
        "ASSISTANT_ANSWER_ABOVE": "0",
        "ASSISTANT_CORPUS_DIRS": json.dumps([str(d) for d in s.corpus_dirs]),
    }

    def cli(*args):
        done = run_cli("assistant", "cache", *args, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert cli("warm", str(questions)).startswith("2 answered")
    assert cli("warm", str(questions)).startswith("0 answered, 2 already cached")
    assert json.loads(cli("stats", "--json"))["entries"] == 2
    assert cli("clear").startswith("2 cached answers removed")
    assert AnswerCache(s.cache_db).stats()["entries"] == 0
