"""Same input, same index, fresh processes: are the sources of every question and the mapping of every text
(codes, order, evidence, scores) identical in each?

    .venv/bin/python bench/determinism.py [--processes 10] [--exact-max N]

Each process (a new interpreter: nothing shared but the index on disk) searches bench/heldout.jsonl's questions
and maps bench/mapping-heldout.jsonl's and bench/mapping-offtopic-heldout.jsonl's texts; the script counts the inputs
whose results differ between processes. `--exact-max 0` runs Chroma's HNSW instead of the exact search
(ASSISTANT_EXACT_SEARCH_MAX). Exit status 1 when any differs. Needs the index of corpus/ (make index).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "bench/heldout.jsonl"
TEXTS = [ROOT / "bench/mapping-heldout.jsonl", ROOT / "bench/mapping-offtopic-heldout.jsonl"]


def lines(path: Path, key: str) -> list[str]:
    return [json.loads(line)[key] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def worker(questions: list[str], texts: list[str]) -> dict[str, object]:
    """What one process finds: each question's result ids in order, each text's mapping as JSON."""
    from assistant.app.services import shared

    services = shared()
    out: dict[str, object] = {}
    for question in questions:
        out[f"q:{question}"] = [r.id for r in services.search(question)]
    for text in texts:
        out[f"t:{text[:60]}"] = services.mapper.map_text(text).as_json()
    return out


def differing(runs: list[dict[str, object]]) -> list[str]:
    """The inputs whose results are not the same in every run."""
    return [key for key in runs[0] if any(json.dumps(run[key]) != json.dumps(runs[0][key]) for run in runs[1:])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=10)
    parser.add_argument("--exact-max", type=int, default=None, help="ASSISTANT_EXACT_SEARCH_MAX for the processes")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--texts", type=Path, nargs="*", default=TEXTS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    questions = lines(args.questions, "question")
    texts = [text for path in args.texts for text in lines(path, "text")]
    if args.worker:
        print(json.dumps(worker(questions, texts), ensure_ascii=False))
        return 0
    env = dict(os.environ, HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    if args.exact_max is not None:
        env["ASSISTANT_EXACT_SEARCH_MAX"] = str(args.exact_max)
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--questions",
        str(args.questions),
        "--texts",
        *map(str, args.texts),
    ]
    runs = [
        json.loads(subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout)
        for _ in range(args.processes)
    ]
    diff = differing(runs)
    print(
        json.dumps(
            {
                "processes": args.processes,
                "questions": len(questions),
                "texts": len(texts),
                "differing": len(diff),
                "examples": diff[:5],
            },
            ensure_ascii=False,
        )
    )
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
