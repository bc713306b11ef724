"""Hybrid retrieval: BM25 kept in step with ingestion, hybrid beating each single mode, and the ask/chat CLIs."""

from __future__ import annotations

import json
import re

import pytest

from assistant.app.evaluation import Evaluator, load_questions
from assistant.app.services import Services
from assistant.search.lexical import LexicalIndex, fingerprint
from ingest.pipeline import Pipeline

from conftest import ROOT, thresholds_of, write_md
from fake_servers import FakeOllama


def test_bm25_stays_in_step_with_ingestion(settings, docs, hashed):
    from assistant.search.store import Store

    write_md(docs / "a.nb.md", "A", "nb", "# A\nStavangererklæringen er nettverkets verdigrunnlag.")
    write_md(docs / "b.en.md", "B", "en", "# B\nThe strategic council meets every half year.")
    pipeline = Pipeline(settings, embedder=hashed)

    def state():
        chunks = Store(settings, hashed).all_chunks()
        ids = set(chunks["ids"])
        index = LexicalIndex.load(
            settings.lexical_dir / fingerprint(chunks["ids"], [m["content_hash"] for m in chunks["metadatas"]])[:16]
        )
        assert [p.name for p in settings.lexical_dir.iterdir()] == [index.fingerprint[:16]], "old versions pruned"
        assert index is not None and set(index.ids) == ids, "BM25 holds exactly the chunks of the store"
        return index

    pipeline.run([docs])
    assert state().search("Stavangererklæringen", 3)
    write_md(docs / "c.en.md", "C", "en", "# C\nBytorget is the visiting address.")  # add
    write_md(docs / "b.en.md", "B", "en", "# B\nThe council now meets every quarter.")  # change
    (docs / "a.nb.md").unlink()  # delete
    pipeline.run([docs])
    index = state()
    assert index.search("Bytorget", 3) and index.search("quarter", 3)
    assert not index.search("Stavangererklæringen", 3) and not index.search("half year", 3)


@pytest.mark.slow
def test_hybrid_beats_each_single_mode_on_the_whole_project_set(corpus_index, e5):
    """hit@5 over every question of bench/questions.jsonl on the whole corpus, as BENCHMARKS.md reports it."""
    settings, _ = corpus_index
    services = Services(settings, embedder=e5)
    questions = load_questions(ROOT / "bench/questions.jsonl")
    report = Evaluator(services).retrieval(questions, k=5, modes=["hybrid", "dense", "bm25"])
    hybrid, dense, bm25 = (report["summary"][m]["hit@5"] for m in ("hybrid", "dense", "bm25"))
    assert report["summary"]["hybrid"]["questions"] > 100
    assert hybrid > dense and hybrid > bm25 and hybrid >= 0.95, report["summary"]


def test_the_exact_search_finds_the_true_nearest_chunks_in_each_scope(subset_index, e5):
    """Below `exact_search_max` chunks the dense search is numpy over every vector: the true nearest of the scope the
    filters admit, best first, with their cosines."""
    import numpy as np

    services = Services(subset_index, embedder=e5)
    snapshot = services.reader.snapshot
    assert snapshot.vectors is not None and len(snapshot.order) == len(snapshot.metas)
    everything = services.store.all_chunks(include_embeddings=True)
    vectors = dict(zip(everything["ids"], np.asarray(everything["embeddings"], dtype=np.float32)))
    for question in ("Hva er U4SSC?", "How does the centre work with partners?"):
        query = services.query(question)
        for language, doc_type in ((None, None), ("en", None), (None, "quiz")):
            scope = snapshot.scope(language, doc_type)
            truth = sorted(scope.ids, key=lambda cid: -float(vectors[cid] @ query.vector))[:8]
            got = snapshot.nearest(query.vector, 8, scope)
            assert [round(h.score, 5) for h in got] == [round(float(vectors[c] @ query.vector), 5) for c in truth]
            assert {h.id for h in got[:-1]} <= set(truth) and {h.id for h in got} <= scope.ids


def test_post_filtering_matches_chroma_where(subset_index, e5, monkeypatch):
    """Dropping the few hidden chunks after an unfiltered query returns what Chroma's `where` filter returns."""
    from assistant.search import snapshot as retrieval

    questions = [q.question for q in load_questions(ROOT / "bench/questions.jsonl")][::6]  # every 6th: 22 questions
    questions.append("Hvilke spørsmål har quizen om senteret?")  # words the quiz chunks share
    services = Services(subset_index.model_copy(update={"exact_search_max": 0}), embedder=e5)  # Chroma's HNSW
    reader = services.reader
    assert reader.snapshot.vectors is None
    quiz = {cid for cid, m in reader.snapshot.metas.items() if m.get("doc_type") == "quiz"}
    assert quiz and len(quiz) <= retrieval.POST_FILTER_LIMIT

    def results(limit: int) -> list[list[tuple[str, float]]]:
        monkeypatch.setattr(retrieval, "POST_FILTER_LIMIT", limit)
        reader.refresh()
        return [
            [(r.id, round(r.score, 4)) for r in services.search(q, k=5, mode=mode, language=lang)]
            for q in questions
            for mode in ("hybrid", "dense")
            for lang in (None, "en")
        ]

    post_filtered, with_where = results(retrieval.POST_FILTER_LIMIT), results(-1)
    assert reader.snapshot.scope(None, None).where is not None  # the second run really used Chroma's filter
    assert post_filtered == with_where
    assert not {cid for row in post_filtered for cid, _ in row} & quiz


@pytest.fixture
def cli(run_cli):
    """`python -m assistant ...` on an index, answering without a model."""

    def call(*args, settings, stdin="", **env_vars):
        env = {
            "ASSISTANT_INDEX_DIR": str(settings.index_dir),
            **thresholds_of(settings),
            "ASSISTANT_LLM_BACKEND": "extractive",
            "ASSISTANT_CORPUS_DIRS": json.dumps([str(d) for d in settings.corpus_dirs]),
            **env_vars,
        }
        return run_cli("assistant", *args, env=env, stdin=stdin)

    return call


def test_ask_cli_json_contract(subset_index, cli):
    done = cli("ask", "Når ble Bærekraftssenteret etablert?", "--json", "--audience", "employee", settings=subset_index)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {
        "question", "answer", "language", "backend", "refused", "summary", "card", "quotes", "notices", "citations",
        "sources",
    }  # fmt: skip
    assert (out["language"], out["backend"], out["refused"]) == ("nb", "extractive", False)
    assert "juni 2020" in out["answer"] and any("juni 2020" in q["text"] for q in out["quotes"])
    assert out["summary"]["written_by_a_language_model"] is False, "no model: the quotes are the answer"
    assert out["citations"] and set(out["citations"][0]) == {"n", "title", "source", "page", "as_of"}
    assert set(out["sources"][0]) == {
        "rank",
        "text",
        "title",
        "source",
        "page",
        "language",
        "doc_type",
        "codes",
        "score",
    }
    off = json.loads(cli("ask", "Who won the 2018 World Cup?", "--json", settings=subset_index).stdout)
    assert off["refused"] and off["language"] == "en" and off["citations"] == []


def test_chat_cli_keeps_the_conversation(subset_index, cli):
    done = cli("chat", settings=subset_index, stdin="Hva handler mål 11 om?\nHva med mål 12?\n")
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split("[extractive]")[:2]
    assert "11" in first and ("Ansvarlig forbruk" in second or "forbruk" in second.lower())


def test_eval_cli_judges_answers(subset_index, tmp_path, cli):
    """`eval --answers --json`: must, citations, refusal and language judged per question on the real answer path
    (the Ollama client against a test server that always gives the same reply)."""
    lines = [
        {
            "id": "ok",
            "question": "Når ble Bærekraftssenteret etablert?",
            "lang": "nb",
            "must": [["juni 2020"], ["etablert"]],
        },
        {"id": "wrong", "question": "Hvem var senterets partnere?", "lang": "nb", "must": [["juni 2021", "desember"]]},
        {"id": "follow", "question": "Og hvor ligger det?", "lang": "nb", "follows": "ok", "must": [["2020"]]},
        {"id": "off", "question": "Who won the 2018 World Cup?", "lang": "en", "refuse": True},
    ]
    file = tmp_path / "questions.jsonl"
    file.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    with FakeOllama(reply="Bærekraftssenteret ble etablert i juni 2020 [1].") as server:
        done = cli(
            "eval",
            str(file),
            "--answers",
            "--json",
            settings=subset_index,
            ASSISTANT_LLM_BACKEND="ollama",
            ASSISTANT_OLLAMA_HOST=server.url,
        )
        chats = [body for path, body in server.requests if path == "/api/chat"]
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["answers"]
    rows = {row["id"]: row for row in report["rows"]}
    assert [rows[i]["must_ok"] for i in ("ok", "wrong", "follow", "off")] == [True, False, True, False]
    shown = re.escape(server.reply).replace(r"\[1\]", r"\[\d\]")  # the citation may move to the source with the year
    assert rows["ok"]["cites"] and re.match(shown, rows["ok"]["summary"])
    assert (rows["off"]["refused"], rows["off"]["refusal_ok"], rows["off"]["cites"]) == (True, True, False)
    assert any("Når ble Bærekraftssenteret etablert?" in json.dumps(body, ensure_ascii=False) for body in chats[2:]), (
        "the follow-up is asked with the question it follows"
    )
    summary = report["summary"]
    assert (summary["must"], summary["refused_off_topic"], summary["answered_on_topic"]) == (0.667, 1.0, 1.0)
    assert summary["backends"] == ["ollama (gemma3:4b)", "refusal"]


# "How many" questions asked in several ways; the count is the catalogue's own (the number of its KPIs, targets and
# goals), so the test follows the corpus and not a number written here.
COUNT_QUESTIONS = [
    ("How many indicators does the U4SSC framework contain?", "kpi"),
    ("What is the total number of U4SSC key performance indicators?", "kpi"),
    ("Hvor mange indikatorer har U4SSC-rammeverket?", "kpi"),
    ("Antall nøkkelindikatorer i U4SSC?", "kpi"),
    ("How many targets do the sustainable development goals have?", "target"),
    ("Hvor mange delmål har bærekraftsmålene?", "target"),
    ("How many goals are there in the 2030 Agenda?", "goal"),
    ("Hvor mange mål har Agenda 2030?", "goal"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("question", "kind"), COUNT_QUESTIONS)
def test_a_count_question_gets_the_chunk_that_states_the_count(corpus_index, e5, question, kind):
    """The chunk stating the count reaches the top 5 (not only other chunks of the right document): a sentence with
    the catalogue's number of such items followed by a word for them."""
    settings, _ = corpus_index
    services = Services(settings, embedder=e5)
    count = len(services.catalog.of_kind(kind))
    results = services.retriever.search(services.retriever.query(question), k=5)
    noun = "indi|kpi|nøkkel|targ|delmål|goal|mål|bærekraftsmål"
    stated = re.compile(rf"\b{count}\b\W+(?:\w+\W+){{0,2}}?(?:{noun})", re.I)
    assert any(stated.search(r.text) for r in results), [r.text[:200] for r in results]


@pytest.mark.slow
def test_every_synonym_is_a_term_of_the_corpus(corpus_index, e5):
    """SYNONYMS is written in stems: a key or value the stemmer never makes (once 'indicat') expands nothing."""
    from assistant.search.lexical import SYNONYMS

    settings, _ = corpus_index
    vocabulary = Services(settings, embedder=e5).retriever.reader.current().lexical.model.vocab_dict
    terms = {term for key, values in SYNONYMS.items() for term in (key, *values)}
    assert sorted(terms - set(vocabulary)) == []
