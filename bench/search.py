"""Search latency and HNSW recall at the corpus size and with synthetic chunks (10k, 100k).

    .venv/bin/python bench/search.py [--sizes 10000 100000] [--queries 50] [--ef-search 100 200 400 800]
                                     [--work DIR]

For each size: p50/p95 of a warm, in-process hybrid search (code lookup, query embedding, dense, BM25, fusion)
against a raw Chroma query on the same collection with a precomputed query vector (the baseline), and the
top-10 recall of Chroma's HNSW against exact search over the stored vectors. The corpus size uses the real index
(data/index, `python -m ingest`); synthetic sizes add perturbed copies of the real chunk vectors (the neighbourhood
structure real queries meet) with texts drawn from the corpus vocabulary, in a temporary index (or in --work, where
an index of the right size is reused): embedding 100k real chunks would take hours here. Then, per size, where a
hybrid search spends its time (cProfile, cumulative per stage), and with --ef-search the raw query and the recall
at each ef_search.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app.evaluation import load_questions  # noqa: E402
from assistant.app.services import Services  # noqa: E402
from assistant.search.ranking import Tuning  # noqa: E402
from assistant.search.retrieval import Retriever  # noqa: E402
from assistant.search.snapshot import Reader  # noqa: E402
from assistant.search.store import Store  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def percentiles(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.95 * len(ms)))]


def exact_top10(store: Store, questions: list[str], vectors: dict[str, np.ndarray]) -> dict[str, set[str]]:
    data = store.all_chunks(include_embeddings=True)
    matrix = np.asarray(data["embeddings"], dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return {q: {data["ids"][i] for i in np.argsort(-(matrix @ vectors[q]))[:10]} for q in questions}


def raw_query(
    store: Store, questions: list[str], vectors: dict[str, np.ndarray], exact: dict[str, set[str]]
) -> tuple[list[float], float]:
    """Latencies (ms) of raw Chroma queries at k = 5, and the mean recall@10 against exact search."""
    ms, recalls = [], []
    for q in questions:
        started = time.perf_counter()
        store.collection.query(query_embeddings=[vectors[q]], n_results=5, include=["documents", "metadatas"])
        ms.append(1000 * (time.perf_counter() - started))
        found = set(store.collection.query(query_embeddings=[vectors[q]], n_results=10, include=[])["ids"][0])
        recalls.append(len(found & exact[q]) / 10)
    return ms, statistics.mean(recalls)


def measure(
    store: Store, retriever: Retriever, questions: list[str], vectors: dict[str, np.ndarray], exact: dict[str, set[str]]
) -> dict:
    for q in questions[:5]:  # warm caches
        retriever.search(retriever.query(q), k=5)
    hybrid = []
    for q in questions:
        started = time.perf_counter()
        retriever.search(retriever.query(q), k=5)
        hybrid.append(1000 * (time.perf_counter() - started))
    raw, recall = raw_query(store, questions, vectors, exact)
    (h50, h95), (r50, r95) = percentiles(hybrid), percentiles(raw)
    return {
        "chunks": store.count(),
        "hybrid_p50": h50,
        "hybrid_p95": h95,
        "raw_p50": r50,
        "raw_p95": r95,
        "ratio_p50": h50 / r50,
        "recall@10": recall,
    }


STAGES = {  # stage: (file, function) as cProfile names them
    "whole search": ("retrieval.py", "search"),
    "query embedding": ("embeddings.py", "query"),
    "filters (allowed chunks)": ("retrieval.py", "_scope"),
    "code lookup": ("retrieval.py", "code_hits"),
    "dense (Chroma query)": ("store.py", "query"),
    "BM25": ("lexical.py", "search"),
    "near-duplicate filter": ("retrieval.py", "_dedupe"),
}


def profile(retriever: Retriever, questions: list[str]) -> dict[str, float]:
    """Mean milliseconds per search spent in each stage (cumulative, under cProfile) and in the whole search."""
    profiler = cProfile.Profile()
    profiler.enable()
    for q in questions:
        retriever.search(retriever.query(q), k=5)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # {(file, line, function): (calls, ncalls, tottime, cumtime, callers)}
    out = dict.fromkeys(STAGES, 0.0)
    for (file, _, function), (_, _, _, cumulative, _) in stats.items():
        for stage, (name, func) in STAGES.items():
            if file.endswith(name) and function == func:
                out[stage] += 1000 * cumulative / len(questions)
    return out


def synthetic(base: Services, size: int, work: Path) -> tuple[Store, Retriever]:
    settings = Settings(
        index_dir=work / f"synthetic-{size}", embedder=base.settings.embedder, corpus_dirs=base.settings.corpus_dirs
    )
    store = Store(settings, base.embedder)
    if store.count() == size:  # built by an earlier run with --work
        return store, Retriever(
            Reader(store, settings.lexical_dir), base.embedder, Tuning(bm25_weight=settings.bm25_weight)
        )
    store.drop()
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
        metas = [
            {
                "path": f"synthetic/{start + i}",
                "language": "nb" if i % 2 else "en",
                "doc_type": "synthetic",
                "title": f"synthetic {start + i}",
                "content_hash": "x",
                "chunk_index": 0,
            }
            for i in range(n)
        ]
        store.upsert([f"s{start + i}" for i in range(n)], texts, metas, vecs)
    retriever = Retriever(Reader(store, settings.lexical_dir), base.embedder, Tuning(bm25_weight=settings.bm25_weight))
    return store, retriever


def sweep(store: Store, ef: int, vectors: dict[str, np.ndarray], exact: dict[str, set[str]], job: Path) -> list[str]:
    """Raw latency and recall at this ef_search, measured in a child process: Chroma applies a changed ef_search
    only to an index it has not loaded yet."""
    job.write_text(
        json.dumps(
            {
                "index_dir": str(store.settings.index_dir),
                "ef": ef,
                "vectors": {q: v.tolist() for q, v in vectors.items()},
                "exact": {q: sorted(ids) for q, ids in exact.items()},
            }
        )
    )
    done = subprocess.run([sys.executable, __file__, "--sweep-job", str(job)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the ef_search {ef} run failed: {done.stderr[-2000:]}")
    return [str(ef), *json.loads(done.stdout)]


def sweep_job(job: Path) -> None:
    spec = json.loads(job.read_text())
    base = Services()
    settings = base.settings.model_copy(update={"index_dir": Path(spec["index_dir"]), "hnsw_ef_search": spec["ef"]})
    store = Store(settings, base.embedder)  # opening applies the setting
    vectors = {q: np.asarray(v, dtype=np.float32) for q, v in spec["vectors"].items()}
    ms, recall = raw_query(store, list(vectors), vectors, {q: set(ids) for q, ids in spec["exact"].items()})
    print(json.dumps(["{:.1f} / {:.1f}".format(*percentiles(ms)), f"{recall:.3f}"]))


def table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--ef-search", type=int, nargs="*", default=[], help="ef_search values to sweep")
    parser.add_argument("--work", type=Path, help="keep the synthetic indexes here and reuse them")
    parser.add_argument("--sweep-job", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sweep_job:
        return sweep_job(args.sweep_job)
    base = Services()
    questions = [q.question for q in load_questions(ROOT / "bench/questions.jsonl")][: args.queries]
    vectors = {q: base.embedder.query(q) for q in questions}
    results, profiles, sweeps = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        indexes = [("corpus", base.store, base.retriever)]
        for size in args.sizes:
            started = time.perf_counter()
            indexes.append((f"{size:,}", *synthetic(base, size, args.work or Path(tmp))))
            print(f"built {size} chunks in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        for name, store, retriever in indexes:
            exact = exact_top10(store, questions, vectors)
            results.append((name, measure(store, retriever, questions, vectors, exact)))
            profiles.append((name, profile(retriever, questions)))
            sweeps += [[name, *sweep(store, ef, vectors, exact, Path(tmp) / "job.json")] for ef in args.ef_search]
        if args.ef_search:  # opening with the configured value puts the real index back
            Store(base.settings, base.embedder)
    table(
        [
            "index",
            "chunks",
            "hybrid p50 / p95 (ms)",
            "raw Chroma p50 / p95 (ms)",
            "hybrid / raw (p50)",
            "HNSW recall@10",
        ],
        [
            [
                name,
                f"{r['chunks']:,}",
                f"{r['hybrid_p50']:.1f} / {r['hybrid_p95']:.1f}",
                f"{r['raw_p50']:.1f} / {r['raw_p95']:.1f}",
                f"{r['ratio_p50']:.1f}",
                f"{r['recall@10']:.3f}",
            ]
            for name, r in results
        ],
    )
    table(
        ["stage (ms per search, cProfile)", *[name for name, _ in profiles]],
        [[stage, *[f"{p[stage]:.1f}" for _, p in profiles]] for stage in profiles[0][1]],
    )
    if sweeps:
        table(["index", "ef_search", "raw Chroma p50 / p95 (ms)", "HNSW recall@10"], sweeps)


if __name__ == "__main__":
    main()
