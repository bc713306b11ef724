"""8 app sessions asking while an ingestion and a rebuild run: errors, empty results and answer times.

    .venv/bin/python bench/concurrency.py [--sessions 8]

A copy of corpus/centre and corpus/guides is indexed with the default embedder; then `--sessions` threads ask the
project's questions through one `Services` (as the app's sessions share it, extractive backend) while the main
thread, through the same services, adds a file (an upload's re-index), rebuilds the index, and re-indexes again
(which drops the replaced collection while sessions may hold it). The baseline is the same sessions asking with
nothing else running, in the same process.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app.evaluation import load_questions  # noqa: E402
from assistant.app.services import Services  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def ask_while(services: Services, questions: list[str], sessions: int, work) -> dict:
    stop, rows, lock = threading.Event(), [], threading.Lock()

    def session(offset: int) -> None:
        n = offset
        while not stop.is_set():
            question = questions[n % len(questions)]
            started = time.perf_counter()
            try:
                answer = services.answerer.ask(question)
                row = (time.perf_counter() - started, len(answer.sources), None)
            except Exception as exc:  # noqa: BLE001 - counted
                row = (time.perf_counter() - started, 0, repr(exc))
            with lock:
                rows.append(row)
            n += sessions

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    stop.set()
    for t in threads:
        t.join()
    times = sorted(r[0] for r in rows)
    return {
        "answers": len(rows),
        "errors": [r[2] for r in rows if r[2]],
        "empty": sum(r[1] == 0 for r in rows),
        "p50": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    args = parser.parse_args()
    questions = [q.question for q in load_questions(ROOT / "bench" / "questions.jsonl") if not q.refuse]
    with tempfile.TemporaryDirectory(prefix="concurrency-") as tmp:
        corpus = Path(tmp) / "corpus"
        for part in ("centre", "guides"):
            shutil.copytree(ROOT / "corpus" / part, corpus / part)
        settings = Settings(
            index_dir=Path(tmp) / "index", corpus_dirs=[corpus], llm_backend="extractive", refresh_seconds=0.5
        )
        services = Services(settings)
        first = services.reindex([corpus])
        print(f"indexed {first.chunks_total} chunks in {first.seconds:.0f} s")
        quiet = ask_while(services, questions, args.sessions, lambda: time.sleep(60))

        def change() -> None:
            (corpus / "centre" / "upload.en.md").write_text(
                "---\ntitle: Upload\nlanguage: en\nsource: https://example.org/upload\nas_of: 2026-11-30\n---\n"
                "# Upload\nA new note on the centre's partners and its courses for employees.",
                encoding="utf-8",
            )
            services.reindex([corpus])
            services.reindex([corpus], rebuild=True)
            services.reindex([corpus])

        busy = ask_while(services, questions, args.sessions, change)
    print(
        f"\n| {args.sessions} sessions | answers | errors | empty | p50 (s) | p95 (s) | window (s) |\n"
        f"|---|---|---|---|---|---|---|"
    )
    for label, r in (("quiet (baseline)", quiet), ("ingestion + rebuild + re-index", busy)):
        print(
            f"| {label} | {r['answers']} | {len(r['errors'])} | {r['empty']} | {r['p50']:.2f} | {r['p95']:.2f} | "
            f"{r['seconds']:.0f} |"
        )
    print(f"\np50 ratio busy/quiet: {busy['p50'] / quiet['p50']:.2f}")
    for error in (quiet["errors"] + busy["errors"])[:5]:
        print("error:", error)


if __name__ == "__main__":
    main()
