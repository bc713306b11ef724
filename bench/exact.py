"""Exact search (numpy over every vector, what a reader does up to ASSISTANT_EXACT_SEARCH_MAX chunks) against
Chroma's HNSW (the project's settings: cosine, M 32, ef_construction 200, ef_search 200) at today's size and at
100,000 chunks: time per query, HNSW's recall of the exact top 20, and whether HNSW gives the same ids in a second
process.

    .venv/bin/python bench/exact.py [--sizes 1529 100000] [--queries 200]

The vectors are today's index's own (data/index), repeated with noise up to the size asked for (e5's vectors are
not uniform on the sphere: random ones would flatter HNSW), the queries e5 vectors of the project set's questions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def corpus_vectors() -> tuple[np.ndarray, np.ndarray]:
    from assistant.app.evaluation import load_questions
    from assistant.app.services import Services

    services = Services()
    data = services.store.all_chunks(include_embeddings=True)
    questions = [q.question for q in load_questions(ROOT / "bench/questions.jsonl")]
    queries = services.embedder.queries(questions)
    return np.asarray(data["embeddings"], dtype=np.float32), np.asarray(queries, dtype=np.float32)


def grown(vectors: np.ndarray, size: int, seed: int = 7) -> np.ndarray:
    """The vectors repeated with Gaussian noise (sd 0.02 per dimension) and normalised, up to `size`."""
    rng = np.random.default_rng(seed)
    rows = [vectors]
    while sum(len(r) for r in rows) < size:
        noisy = vectors + rng.normal(0, 0.02, vectors.shape).astype(np.float32)
        rows.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
    return np.vstack(rows)[:size]


def hnsw_ids(folder: str, queries: np.ndarray, k: int) -> list[list[str]]:
    import chromadb

    client = chromadb.PersistentClient(folder, settings=chromadb.Settings(anonymized_telemetry=False))
    collection = client.get_collection("bench")
    return collection.query(query_embeddings=queries, n_results=k, include=[])["ids"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 100_000])  # 0: today's index as it is
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # a second process: HNSW's ids for the same queries
        queries = np.load(args.child[1])
        print(json.dumps(hnsw_ids(args.child[0], queries, 20)))
        return
    import chromadb

    base, queries = corpus_vectors()
    queries = queries[: args.queries]
    k = 20
    print(
        "| chunks | exact ms/query | HNSW ms/query | HNSW recall of exact top 20 | same HNSW ids in another process |"
    )
    print("|---|---|---|---|---|")
    for size in args.sizes:
        vectors = grown(base, size) if size else base
        with tempfile.TemporaryDirectory() as folder:
            client = chromadb.PersistentClient(folder, settings=chromadb.Settings(anonymized_telemetry=False))
            collection = client.create_collection(
                "bench",
                configuration={
                    "hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}
                },
            )
            ids = [f"c{n}" for n in range(len(vectors))]
            for start in range(0, len(ids), 5000):
                collection.add(ids=ids[start : start + 5000], embeddings=vectors[start : start + 5000])
            started = time.perf_counter()
            exact = []
            for query in queries:
                scores = vectors @ query
                best = np.argpartition(-scores, k)[:k]
                exact.append({ids[i] for i in best})
            exact_ms = (time.perf_counter() - started) * 1000 / len(queries)
            started = time.perf_counter()
            found = [collection.query(query_embeddings=[q], n_results=k, include=[])["ids"][0] for q in queries]
            hnsw_ms = (time.perf_counter() - started) * 1000 / len(queries)
            recall = np.mean([len(set(f) & e) / k for f, e in zip(found, exact)])
            del collection, client
            saved = Path(folder) / "queries.npy"
            np.save(saved, queries)
            other = json.loads(
                subprocess.run(
                    [sys.executable, __file__, "--child", folder, str(saved)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            same = sum(a == b for a, b in zip(found, other))
            print(f"| {len(vectors):,} | {exact_ms:.2f} | {hnsw_ms:.2f} | {recall:.3f} | {same}/{len(queries)} |")


if __name__ == "__main__":
    main()
