"""The index while it changes: searches during a rebuild, a rebuild that dies, and app sessions asking while an
ingestion and a rebuild run (threads through the services, as the app uses them)."""

from __future__ import annotations

import threading

import pytest

from assistant.app.services import Services
from assistant.search.store import Store, Versions, open_client
from ingest.pipeline import Pipeline

from conftest import eventually, write_md


def corpus(docs, n: int = 12, version: str = "first") -> None:
    for i in range(n):
        write_md(
            docs / f"doc{i:02d}.en.md",
            f"Doc {i}",
            "en",
            f"# Doc {i}\nThe sustainability centre report number {i} ({version} version) covers goal {i % 17 + 1}."
            f"\n\n## Details\nIt names partners, indicators and the city of Trondheim, part {i}.",
        )


def searcher(services: Services, stop: threading.Event, outcomes: list, question: str) -> None:
    while not stop.is_set():
        try:
            outcomes.append(len(services.search(question, k=3)))
        except Exception as exc:  # noqa: BLE001 - counted, and shown by the assertion
            outcomes.append(exc)


def test_searches_during_a_rebuild_always_find_the_old_index(settings, docs, hashed):
    corpus(docs)
    Pipeline(settings, embedder=hashed).run([docs])
    services = Services(settings.model_copy(update={"refresh_seconds": 0.1}), embedder=hashed)
    before = services.reader.snapshot.store.name
    stop, outcomes = threading.Event(), []
    threads = [
        threading.Thread(target=searcher, args=(services, stop, outcomes, "Which partners does the centre name?"))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    corpus(docs, version="second")
    summary = Pipeline(settings, embedder=hashed).run([docs], rebuild=True)
    eventually(lambda: services.reader.snapshot.store.name != before, what="the readers notice the switch")
    searched = len(outcomes)
    eventually(lambda: len(outcomes) > searched + 4, what="searches go on against the new index")
    stop.set()
    for t in threads:
        t.join()
    assert len(outcomes) > 10 and all(o == 3 for o in outcomes), [o for o in outcomes if o != 3][:3]
    assert len(summary.added) == 12
    assert services.reader.snapshot.store.name != before, "the readers moved to the new index without a restart"
    texts = " ".join(services.reader.snapshot.texts.values())
    assert "second version" in texts and "first version" not in texts


class Crash(Exception):
    pass


def test_a_rebuild_that_dies_leaves_the_old_index_in_service(settings, docs, hashed, monkeypatch):
    corpus(docs)
    Pipeline(settings, embedder=hashed).run([docs])
    old = Store(settings, hashed)
    old_ids = sorted(old.all_chunks()["ids"])
    calls = {"n": 0}
    real = hashed.passages

    def dies_on_the_fifth_file(texts, progress=iter):
        calls["n"] += 1
        if calls["n"] == 5:
            raise Crash("power cut")
        return real(texts, progress)

    monkeypatch.setattr(hashed, "passages", dies_on_the_fifth_file)
    corpus(docs, version="second")
    with pytest.raises(Crash):
        Pipeline(settings, embedder=hashed).run([docs], rebuild=True)
    monkeypatch.undo()
    client = open_client(settings)
    versions = Versions(client, settings.collection)
    assert versions.active() == old.name and len(versions.unused()) == 1, "the half-built index is not in service"
    assert sorted(Store(settings, hashed).all_chunks()["ids"]) == old_ids
    texts = " ".join(Store(settings, hashed).all_chunks()["documents"])
    assert "first version" in texts and "second version" not in texts
    Pipeline(settings, embedder=hashed).run([docs])  # the next run clears the half-built one away
    assert versions.unused() == [] and versions.active() == old.name


QUESTIONS = [
    "Which partners does the centre name?",
    "What does report number 3 cover?",
    "Which goal is covered?",
    "Where is the centre?",
    "What are the indicators?",
    "Which city is named?",
    "What is part 7?",
    "What does the second version say?",
]


def test_eight_sessions_ask_while_an_ingestion_and_a_rebuild_run(settings, docs, hashed):
    corpus(docs)
    Pipeline(settings, embedder=hashed).run([docs])
    live = settings.model_copy(update={"refresh_seconds": 0.05, "llm_backend": "extractive"})
    services = Services(live, embedder=hashed)
    stop, outcomes, answers = threading.Event(), [], []

    def session(question: str) -> None:
        while not stop.is_set():
            try:
                answer = services.answerer.ask(question)
                answers.append(answer)
                outcomes.append(len(answer.sources))
            except Exception as exc:  # noqa: BLE001
                outcomes.append(exc)

    threads = [threading.Thread(target=session, args=(q,)) for q in QUESTIONS]
    for t in threads:
        t.start()
    write_md(docs / "new.en.md", "New", "en", "# New\nA new report about the centre's partners in Trondheim.")
    services.reindex([docs])  # an upload through the admin page: the same services, under the index lock
    corpus(docs, version="second")
    services.reindex([docs], rebuild=True)
    services.reindex([docs])  # drops the replaced collection while sessions may still hold it
    eventually(lambda: len(outcomes) >= 16, what="sessions answer after the re-indexing")
    stop.set()
    for t in threads:
        t.join()
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert not errors, errors[:3]
    assert len(outcomes) >= 16 and all(o > 0 for o in outcomes), "every answer had sources"
    assert all(a.text for a in answers)
    assert any("second version" in t for t in services.reader.snapshot.texts.values())
