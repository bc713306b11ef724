"""The Chroma server against the embedded store: search latency, ingestion throughput, and two app processes
answering at once against one server; memory of each part.

    .venv/bin/python bench/server.py [--rounds 3]

A copy of corpus/centre, corpus/u4ssc and corpus/sdg/goal-11.yaml is ingested with the default embedder into an
embedded store (the baseline) and into a `chroma run` server started here on a loopback port, in the same script.
Search runs the project's questions through the app's retriever (hybrid: embedding, vector query, BM25) and, to
isolate the store, the vector query alone with the same precomputed vectors. Then two processes, each holding the
app's `Services` against the server (extractive backend, no answer cache), answer 20 questions each at the same
moment.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers import ChromaServer  # noqa: E402

from assistant.app.evaluation import load_questions  # noqa: E402
from assistant.app.services import Services  # noqa: E402
from assistant.settings import Settings  # noqa: E402

PARTS = ("centre", "u4ssc", "sdg/goal-11.yaml")

# One app process: load, warm, wait for the start line, answer its questions, print the times as JSON.
REPLICA = """
import json, sys, time
from assistant.app.services import Services
from assistant.settings import Settings
settings = Settings.model_validate_json(sys.argv[1])
questions = json.loads(sys.argv[2])
services = Services(settings)
services.warm()
print("ready", flush=True)
input()
times, errors = [], []
for question in questions:
    started = time.perf_counter()
    try:
        answer = services.answerer.ask(question)
        assert answer.text.strip(), "empty answer"
    except Exception as exc:
        errors.append(repr(exc))
    times.append(time.perf_counter() - started)
status = open("/proc/self/status").read()
peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
print(json.dumps({"times": times, "errors": errors, "peak_mb": int(peak) / 1024}), flush=True)
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed_searches(services: Services, questions: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """Per-question seconds through the retriever and through the store's vector query alone."""
    retriever, store = services.retriever, services.reader.snapshot.store
    vectors = [services.embedder.query(q) for q in questions]
    hybrid, vector = [], []
    for _ in range(rounds):
        for question, query_vector in zip(questions, vectors, strict=True):
            started = time.perf_counter()
            retriever.search(retriever.query(question), k=5)
            hybrid.append(time.perf_counter() - started)
            started = time.perf_counter()
            store.query(query_vector, 20)
            vector.append(time.perf_counter() - started)
    return hybrid, vector


def two_replicas(settings: Settings, questions: list[str]) -> list[dict]:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                REPLICA,
                settings.model_copy(update={"index_dir": settings.index_dir / name}).model_dump_json(),
                json.dumps(questions),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("replica-a", "replica-b")
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        proc.stdin.write("\n")
        proc.stdin.flush()
    results = [json.loads(proc.stdout.readline()) for proc in procs]
    for proc in procs:
        proc.wait(timeout=60)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    questions = [q.question for q in load_questions(ROOT / "bench" / "questions.jsonl")]
    answerable = [q.question for q in load_questions(ROOT / "bench" / "questions.jsonl") if not q.refuse][:20]
    with tempfile.TemporaryDirectory(prefix="server-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        for part in PARTS:
            source, target = ROOT / "corpus" / part, corpus / part
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
        base = Settings(corpus_dirs=[corpus], llm_backend="extractive", cache_answers=False)
        embedded = Services(base.model_copy(update={"index_dir": Path(tmp) / "embedded"}))
        rows = {}
        with ChromaServer(Path(tmp) / "chroma-server") as server:
            remote = Services(
                base.model_copy(update={"index_dir": Path(tmp) / "remote", "chroma_url": server.url}),
                embedder=embedded.embedder,
            )
            for label, services in (("embedded", embedded), ("server", remote)):
                summary = services.reindex([corpus])
                searches = timed_searches(services, questions, args.rounds)
                rows[label] = (summary.chunks_total, summary.seconds, *searches)
            idle_mb = resident_mb(server.proc.pid)
            replicas = two_replicas(remote.settings, answerable)
            server_mb = resident_mb(server.proc.pid)
    chunks = rows["embedded"][0]
    print(f"{chunks} chunks, {len(questions)} questions x {args.rounds} rounds\n")
    print("| store | ingest (s) | chunks/s | search p50 (ms) | search p95 (ms) | vector query p50 (ms) | p95 (ms) |")
    print("|---|---|---|---|---|---|---|")
    for label, (count, seconds, hybrid, vector) in rows.items():
        print(
            f"| {label} | {seconds:.1f} | {count / seconds:.1f} | {statistics.median(hybrid) * 1000:.1f} | "
            f"{percentile(hybrid, 0.95) * 1000:.1f} | {statistics.median(vector) * 1000:.1f} | "
            f"{percentile(vector, 0.95) * 1000:.1f} |"
        )
    ratio = statistics.median(rows["server"][2]) / statistics.median(rows["embedded"][2])
    vector_ratio = statistics.median(rows["server"][3]) / statistics.median(rows["embedded"][3])
    throughput = (rows["server"][0] / rows["server"][1]) / (rows["embedded"][0] / rows["embedded"][1])
    print(f"\nsearch p50 server/embedded: {ratio:.2f}; vector query alone: {vector_ratio:.2f}")
    print(f"ingestion throughput server/embedded: {throughput:.2f}")
    times = [t for r in replicas for t in r["times"]]
    errors = [e for r in replicas for e in r["errors"]]
    print(
        f"\ntwo app processes x {len(answerable)} extractive questions at once: {len(times)} answers, "
        f"{len(errors)} errors, p50 {statistics.median(times):.2f} s, p95 {percentile(times, 0.95):.2f} s"
    )
    print(
        f"memory: app process peak {max(r['peak_mb'] for r in replicas):.0f} MB; chroma server "
        f"{idle_mb:.0f} MB after ingestion, {server_mb:.0f} MB after the replicas"
    )
    for error in errors[:5]:
        print("error:", error)


if __name__ == "__main__":
    main()
