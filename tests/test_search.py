"""The real corpus in a real index: whole-corpus ingestion, HNSW top-k equal to exact search, the search CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import env_of

QUESTIONS = [
    "Når ble Bærekraftssenteret etablert?",
    "Which partners were part of the centre in October 2020?",
    "What does indicator 11.6.2 measure?",
    "Hva er Bærekraftsnettverket?",
    "How is household internet access measured?",
    "Hvilke byer var med i UNECE-prosjektet?",
    "clean water and sanitation",
    "renewable energy share",
    "Stavangererklæringen",
    "verified values for Karmøy",
    "gender equality in local politics",
    "ocean acidification",
]


@pytest.mark.slow
def test_whole_corpus_ingests_with_no_skipped_file(corpus_index):
    _, summary = corpus_index
    assert summary.skipped == []
    assert len(summary.added) >= 60 and summary.chunks_total > 1000


@pytest.mark.slow
def test_hnsw_top_k_equals_exact_search(corpus_index, e5):
    from assistant.search.store import Store

    settings, _ = corpus_index
    store = Store(settings, e5)
    data = store.all_chunks(include_embeddings=True)
    vectors = np.asarray(data["embeddings"], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    k = 10
    for question in QUESTIONS:
        q = e5.query(question)
        exact = {data["ids"][i] for i in np.argsort(-(vectors @ q))[:k]}
        found = {h.id for h in store.query(q, k)}
        assert found == exact, question


def test_search_cli_json_contract(subset_index, run_cli):
    settings = subset_index
    done = run_cli(
        "assistant", "search", "What is the Stavanger declaration?", "--k", "3", "--json", env=env_of(settings)
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["query"] == "What is the Stavanger declaration?"
    assert [r["rank"] for r in out["results"]] == [1, 2, 3]
    first = out["results"][0]
    assert set(first) == {"rank", "text", "title", "source", "page", "language", "doc_type", "codes", "score"}
    assert isinstance(first["codes"], list) and first["language"] in ("nb", "en")
    # ranked by the fused (dense + BM25) order; each score is the question's cosine with that chunk, not the rank's
    assert all(0 < r["score"] <= 1 for r in out["results"])


def test_search_cli_batch_prints_one_object_per_question_in_order(subset_index, tmp_path, run_cli):
    settings = subset_index
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        "\n".join(json.dumps({"id": n, "question": q, "lang": "x"}) for n, q in enumerate(QUESTIONS[:3])),
        encoding="utf-8",
    )
    done = run_cli("assistant", "search", "--batch", str(batch), "--k", "2", "--json", env=env_of(settings))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["query"] for line in lines] == QUESTIONS[:3]
    assert all(len(line["results"]) == 2 for line in lines)


def test_search_cli_readable_output_and_filters(subset_index, run_cli):
    settings = subset_index
    done = run_cli("assistant", "search", "bærekraftsmål", "--k", "4", "--language", "en", env=env_of(settings))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("(en,") == 4 and "(nb," not in done.stdout


def test_multilingual_default_ranks_the_english_answer_for_a_norwegian_question(e5):
    answer = "The secretariat Bærekraftssenteret was established by the chief municipal executive in June 2020."
    unrelated = "Kommunen har mange idrettslag og svømmehaller som er åpne for alle innbyggere."
    q = e5.query("Når ble sekretariatet etablert av kommunedirektøren?")
    vecs = e5.passages([answer, unrelated])
    assert vecs[0] @ q > vecs[1] @ q
    assert not np.allclose(e5.query(answer), vecs[0]), "queries and passages are encoded with different prefixes"


@pytest.mark.slow
def test_reading_the_whole_index_in_pages_loses_and_repeats_nothing(corpus_index, e5, monkeypatch):
    from assistant.search import store as store_module

    settings, _ = corpus_index
    store = store_module.Store(settings, e5)
    whole = store.collection.get(include=["documents", "embeddings"])
    monkeypatch.setattr(store_module, "READ_PAGE", 300)
    paged = store.all_chunks(include_embeddings=True)
    assert len(paged["ids"]) == len(set(paged["ids"])) == store.count() > 3 * 300
    by_id = dict(zip(whole["ids"], zip(whole["documents"], whole["embeddings"])))
    for cid, doc, vec, meta in zip(paged["ids"], paged["documents"], paged["embeddings"], paged["metadatas"]):
        assert by_id[cid][0] == doc and np.array_equal(by_id[cid][1], vec) and meta["path"]
    assert set(store.metadata_by_id()) == set(whole["ids"])
