"""Search latency and HNSW recall at the corpus size and with synthetic chunks (10k, 100k).

    .venv/bin/python bench/search.py [--sizes 10000 100000] [--queries 50]

For each size: p50/p95 of a warm, in-process hybrid search (code lookup, query embedding, dense, BM25, fusion)
against a raw Chroma query on the same collection with a precomputed query vector (the baseline), and the
top-10 recall of Chroma's HNSW against exact search over the stored vectors. The corpus size uses the real index
(data/index, `python -m ingest`); synthetic sizes add perturbed copies of the real chunk vectors (the neighbourhood
structure real queries meet) with texts drawn from the corpus vocabulary, in a temporary index: embedding 100k
real chunks would take hours here.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluation import load_questions  # noqa: E402
from assistant.retrieval import Retriever  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store import Store  # noqa: E402


def percentiles(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.95 * len(ms)))]


def measure(store: Store, retriever: Retriever, questions: list[str], vectors: dict[str, np.ndarray]) -> dict:
    for q in questions[:5]:  # warm caches
        retriever.search(q, k=5)
    hybrid, raw = [], []
    for q in questions:
        started = time.perf_counter()
        retriever.search(q, k=5)
        hybrid.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        store.collection.query(query_embeddings=[vectors[q]], n_results=5, include=["documents", "metadatas"])
        raw.append(1000 * (time.perf_counter() - started))
    data = store.all_chunks(include_embeddings=True)
    matrix = np.asarray(data["embeddings"], dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    recalls = []
    for q in questions:
        exact = {data["ids"][i] for i in np.argsort(-(matrix @ vectors[q]))[:10]}
        found = set(store.collection.query(query_embeddings=[vectors[q]], n_results=10, include=[])["ids"][0])
        recalls.append(len(found & exact) / 10)
    (h50, h95), (r50, r95) = percentiles(hybrid), percentiles(raw)
    return {"chunks": store.count(), "hybrid_p50": h50, "hybrid_p95": h95, "raw_p50": r50, "raw_p95": r95,
            "ratio_p50": h50 / r50, "recall@10": statistics.mean(recalls)}


def synthetic(base: Services, size: int, tmp: Path) -> tuple[Store, Retriever]:
    settings = Settings(index_dir=tmp / f"synthetic-{size}", embedder=base.settings.embedder,
                        corpus_dirs=base.settings.corpus_dirs)
    store = Store(settings, base.embedder)
    real = base.store.all_chunks(include_embeddings=True)
    words = np.array(" ".join(real["documents"]).split())  # an array once: rng.choice converts a list each call
    rng = np.random.default_rng(0)
    real_vecs = np.asarray(real["embeddings"], dtype=np.float32)
    ids = list(real["ids"])
    store.upsert(ids, real["documents"], real["metadatas"], real_vecs)
    batch = 5000
    for start in range(len(ids), size, batch):
        n = min(batch, size - start)
        # perturbed copies of real vectors: the same neighbourhood structure the real queries meet
        vecs = real_vecs[rng.integers(0, len(real_vecs), n)] + rng.normal(0, 0.02, (n, real_vecs.shape[1]))
        vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
        texts = [" ".join(rng.choice(words, 120)) for _ in range(n)]
        metas = [{"path": f"synthetic/{start + i}", "language": "nb" if i % 2 else "en", "doc_type": "synthetic",
                  "title": f"synthetic {start + i}", "content_hash": "x", "chunk_index": 0} for i in range(n)]
        store.upsert([f"s{start + i}" for i in range(n)], texts, metas, vecs)
    retriever = Retriever(store, base.embedder, base.catalog, settings.lexical_dir, settings.bm25_weight)
    return store, retriever


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    base = Services()
    questions = [q.question for q in load_questions(ROOT / "bench/questions.jsonl")][: args.queries]
    vectors = {q: base.embedder.query(q) for q in questions}
    rows = [("corpus", measure(base.store, base.retriever, questions, vectors))]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            started = time.perf_counter()
            store, retriever = synthetic(base, size, Path(tmp))
            print(f"built {size} chunks in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            rows.append((f"{size:,}", measure(store, retriever, questions, vectors)))
    print("| index | chunks | hybrid p50 / p95 (ms) | raw Chroma p50 / p95 (ms) | hybrid / raw (p50) | HNSW recall@10 |")
    print("|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['chunks']:,} | {r['hybrid_p50']:.1f} / {r['hybrid_p95']:.1f} | {r['raw_p50']:.1f} / "
              f"{r['raw_p95']:.1f} | {r['ratio_p50']:.1f} | {r['recall@10']:.3f} |")


if __name__ == "__main__":
    main()
