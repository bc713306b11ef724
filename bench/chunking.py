"""Loading and chunking large text files: time per MB and peak memory at 1, 2, 4, 8 and 16 MB.

    .venv/bin/python bench/chunking.py [--sizes 1 2 4 8 16] [--paragraphs | --one-paragraph]

Each size runs in a fresh process (the default e5 tokenizer counts the tokens, as in ingestion): the text is
written to a file, loaded with the text loader and split by the chunker. The baseline is the same process doing
everything but the loading and chunking (imports, the tokenizer, the file written), so the memory figure is what
chunking adds. Goal: seconds per MB flat within 2x across sizes, memory a small multiple of the file.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "bærekraft kommunen målet indikatoren byen Trondheim energi vann avfall transport utslipp senteret "
    "innbyggerne planen budsjettet rapporten klima natur helse skole"
).split()


def text(megabytes: float, paragraphs: bool, seed: int = 0) -> str:
    rng = random.Random(seed)
    out, size = [], 0
    while size < megabytes * 1_000_000:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 20))).capitalize() + ". "
        out.append(sentence)
        size += len(sentence.encode())
        if paragraphs and rng.random() < 0.05:
            out.append("\n\n")
    return "".join(out)


def measure(megabytes: float, paragraphs: bool, chunk: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    from assistant.search.embedders import make_embedder
    from ingest.chunking import Chunker
    from ingest.loaders import load_text

    e5 = make_embedder("e5", models_dir=ROOT / "data" / "models")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.txt"
        path.write_text(text(megabytes, paragraphs), encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        chunks = 0
        if chunk:
            chunker = Chunker(e5.count_tokens, 280, 40)
            chunks = sum(len(chunker.split(doc)) for doc in load_text(path))
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "mb": megabytes,
        "seconds": round(seconds, 2),
        "chunks": chunks,
        "rss_before_mb": round(before / 1024),
        "rss_peak_mb": round(peak / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--one-paragraph", action="store_true", help="no blank lines at all (the worst case)")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, not args.one_paragraph, chunk=not args.baseline)))
        return
    rows = []
    for mb in args.sizes:
        row = {}
        for baseline in (True, False):
            command = [
                sys.executable,
                __file__,
                "--child",
                str(mb),
                *(["--one-paragraph"] if args.one_paragraph else []),
                *(["--baseline"] if baseline else []),
            ]
            result = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
            row["baseline_peak_mb" if baseline else "peak_mb"] = result["rss_peak_mb"]
            if not baseline:
                row.update(mb=mb, seconds=result["seconds"], chunks=result["chunks"])
        row["s_per_mb"] = round(row["seconds"] / mb, 3)
        row["added_mb"] = row["peak_mb"] - row["baseline_peak_mb"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    rates = [r["s_per_mb"] for r in rows]
    print("\n| MB | seconds | s/MB | chunks | peak RSS | baseline | added by chunking |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['mb']:g} | {r['seconds']} | {r['s_per_mb']} | {r['chunks']} | {r['peak_mb']} MB | "
            f"{r['baseline_peak_mb']} MB | {r['added_mb']} MB |"
        )
    print(f"\ns/MB max/min: {max(rates) / min(rates):.2f} (goal <= 2)")


if __name__ == "__main__":
    main()
