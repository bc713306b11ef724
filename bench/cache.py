"""The answer cache's near-repeats on labelled question pairs, and the time a cached answer takes.

    .venv/bin/python bench/cache.py [--similarity 0.97]

For each pair of bench/cache-pairs.jsonl (tuning) and bench/cache-pairs-heldout.jsonl (kept aside), question a is
answered and stored in a fresh cache, then question b is looked up: a pair of the same meaning should reuse the
answer, a pair of different meaning must never. The stored answer is the extractive answer to a (the cache keeps
model answers only; the quotes stand in for one here, since a near-repeat is judged on the question and the
answer's words). Then the same question is asked twice through the fake backend, and the second, cached answer
is timed against the first (the retrieval it still needs, without a model).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answering.cache import AnswerCache, Key  # noqa: E402
from assistant.app.services import Services  # noqa: E402
from assistant.knowledge.codes import find_codes  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--similarity", type=float, default=Settings().cache_similarity)
    args = parser.parse_args()
    services = Services(Settings(llm_backend="extractive", cache_answers=False))
    answerer, embedder = services.answerer, services.embedder
    for name in ("cache-pairs.jsonl", "cache-pairs-heldout.jsonl"):
        rows = [json.loads(line) for line in (ROOT / "bench" / name).read_text(encoding="utf-8").splitlines()]
        outcome = {True: [0, 0], False: [0, 0]}  # same: [reused, total]
        wrong = []
        with tempfile.TemporaryDirectory() as tmp:
            for n, row in enumerate(rows):
                cache = AnswerCache(Path(tmp) / f"{n}.sqlite", args.similarity)
                first = answerer.ask(row["a"])
                key = Key(first.language, first.audience, "bench", "v")
                cache.put(
                    row["a"],
                    embedder.query(row["a"]),
                    find_codes(row["a"], services.catalog),
                    key,
                    [],
                    {"text": first.text},
                )
                hit = cache.find(
                    row["b"],
                    embedder.query(row["b"]),
                    find_codes(row["b"], services.catalog),
                    Key(first.language, first.audience, "bench", "v"),
                    lambda sources: True,
                )
                outcome[row["same"]][0] += hit is not None
                outcome[row["same"]][1] += 1
                if hit is not None and not row["same"]:
                    wrong.append((row["a"], row["b"], round(hit.similarity, 3)))
        print(
            f"{name} (similarity >= {args.similarity}): same meaning reused {outcome[True][0]}/{outcome[True][1]}, "
            f"different meaning reused {outcome[False][0]}/{outcome[False][1]}"
        )
        for pair in wrong:
            print("   wrongly reused:", pair)
    with tempfile.TemporaryDirectory() as tmp:
        timed = Services(Settings(llm_backend="fake", cache_db=Path(tmp) / "answers.sqlite"))
        timed.warm()
        question = "Når ble Bærekraftssenteret etablert?"
        fresh, cached = [], []
        for _ in range(5):
            timed.cache.clear()
            started = time.perf_counter()
            timed.answerer.ask(question)
            fresh.append(time.perf_counter() - started)
            started = time.perf_counter()
            answer = timed.answerer.ask(question)
            cached.append(time.perf_counter() - started)
            assert answer.cached_at
        print(
            f"fake backend (no model time): first answer p50 {statistics.median(fresh):.3f} s, the repeat from "
            f"the cache p50 {statistics.median(cached):.3f} s (goal: a repeat complete within 0.5 s)"
        )


if __name__ == "__main__":
    main()
