"""kill -9 at random points of an ingestion and of a rebuild, each followed by a rerun: the index must equal a
clean build id for id (0 chunks lost, 0 duplicated), and a killed rebuild must leave the old index in service.

    .venv/bin/python bench/crash.py [--points 20] [--seed 0] [--embedder e5]

Each point copies a finished index of the older version of a folder of documents (or starts empty), runs
`python -m ingest` (or `--rebuild`) on the newer version in a child process, kills it with SIGKILL after a random
delay within the run's own duration, then reruns `python -m ingest` to completion and compares the index with a
clean build of the newer version. tests/test_crash.py runs a few points of the same harness.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def write_version(docs: Path, version: int) -> None:
    """A folder of Markdown, text and PDF files; version 2 edits some, deletes one and adds one."""
    from fpdf import FPDF

    shutil.rmtree(docs, ignore_errors=True)
    docs.mkdir(parents=True)
    for i in range(24):
        if version == 2 and i == 5:
            continue  # deleted
        edited = version == 2 and i % 4 == 0
        body = "\n\n".join(
            f"Paragraph {p} of report {i}{' (revised)' if edited else ''}: the centre measured goal "
            f"{i % 17 + 1} with indicators on waste, water, energy and transport in Trondheim."
            for p in range(6)
        )
        if i % 6 == 1:
            pdf = FPDF()
            pdf.set_font("helvetica", size=11)
            for page in range(3):
                pdf.add_page()
                pdf.multi_cell(0, 6, f"Page {page + 1}. {body[:600]}")
            pdf.output(str(docs / f"report-{i:02d}.pdf"))
        elif i % 6 == 2:
            (docs / f"report-{i:02d}.txt").write_text(body, encoding="utf-8")
        else:
            front = f"---\ntitle: Report {i}\nlanguage: en\nsource: https://example.org/{i}\nas_of: 2024-01-01\n---\n"
            (docs / f"report-{i:02d}.en.md").write_text(f"{front}# Report {i}\n{body}", encoding="utf-8")
    if version == 2:
        (docs / "added.txt").write_text(
            "A new file about the network of 16 municipalities and counties.", encoding="utf-8"
        )


def environment(index: Path, embedder: str) -> dict:
    return {
        **os.environ,
        "ASSISTANT_INDEX_DIR": str(index),
        "ASSISTANT_EMBEDDER": embedder,
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
    }


def ingest(docs: Path, index: Path, embedder: str, rebuild: bool = False) -> subprocess.Popen:
    args = [sys.executable, "-m", "ingest", str(docs), "--json", *(["--rebuild"] if rebuild else [])]
    return subprocess.Popen(
        args, cwd=ROOT, env=environment(index, embedder), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=900)
    if process.returncode != 0:
        raise RuntimeError(f"ingestion failed ({process.returncode}): {err[-2000:]}")
    return json.loads(out)


def timed_run(docs: Path, index: Path, embedder: str, rebuild: bool = False) -> float:
    started = time.perf_counter()
    finish(ingest(docs, index, embedder, rebuild))
    return time.perf_counter() - started


def snapshot(index: Path, embedder: str) -> dict:
    """What a reader of `index` finds, read in a child process (a fresh Chroma client, nothing cached)."""
    code = """
import json, sys
from assistant.search.manifest import Manifest
from assistant.settings import Settings
from assistant.search.embedders import embedder_for
from assistant.search.store import Store, Versions
s = Settings()
store = Store(s, embedder_for(s))
data = store.all_chunks()
manifest = Manifest.load(s.manifest_for(store.name))
print(json.dumps({"collection": store.name, "chunks": {i: [m["content_hash"], d] for i, d, m in
                  zip(data["ids"], data["documents"], data["metadatas"])},
                  "manifest": sorted(c for e in manifest.files.values() for c in e.chunks)}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment(index, embedder),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout)


def compare(got: dict, want: dict) -> dict:
    lost = sorted(set(want["chunks"]) - set(got["chunks"]))
    extra = sorted(set(got["chunks"]) - set(want["chunks"]))
    changed = sorted(i for i in set(got["chunks"]) & set(want["chunks"]) if got["chunks"][i] != want["chunks"][i])
    return {
        "lost": len(lost),
        "duplicated": len(extra),
        "changed": len(changed),
        "manifest_equals_store": got["manifest"] == sorted(got["chunks"]),
    }


def run(points: int, seed: int, embedder: str, work: Path) -> list[dict]:
    """`points` kills of an ingestion (half from empty, half incremental) and as many of a rebuild."""
    rng = random.Random(seed)
    docs = work / "docs"
    write_version(docs, 1)
    older = work / "older"
    timed_run(docs, older, embedder)
    old_state = snapshot(older, embedder)
    write_version(docs, 2)
    clean = work / "clean"
    durations = {"empty": timed_run(docs, clean, embedder)}
    want = snapshot(clean, embedder)
    probe = work / "probe"
    shutil.copytree(older, probe)
    durations["incremental"] = timed_run(docs, probe, embedder)
    shutil.rmtree(probe)
    shutil.copytree(older, probe)
    durations["rebuild"] = timed_run(docs, probe, embedder, rebuild=True)
    shutil.rmtree(probe)
    results = []
    plan = [("empty" if n % 2 else "incremental") for n in range(points)] + ["rebuild"] * points
    for n, kind in enumerate(plan):
        index = work / f"point-{n:02d}"
        if kind != "empty":
            shutil.copytree(older, index)
        delay = rng.uniform(0.0, durations[kind])
        child = ingest(docs, index, embedder, rebuild=kind == "rebuild")
        time.sleep(delay)
        alive = child.poll() is None
        if alive:
            child.send_signal(signal.SIGKILL)
        child.wait()
        child.communicate()
        row = {"kind": kind, "delay_s": round(delay, 2), "killed": alive}
        if kind == "rebuild":  # readers meanwhile: the old index, whole, or the new one, whole
            during = snapshot(index, embedder)
            row["in_service_after_kill"] = (
                "old"
                if compare(during, old_state)["lost"] == 0 and not compare(during, old_state)["duplicated"]
                else "new"
                if not any(compare(during, want)[k] for k in ("lost", "duplicated"))
                else "broken"
            )
        finish(ingest(docs, index, embedder))
        row.update(compare(snapshot(index, embedder), want))
        results.append(row)
        shutil.rmtree(index, ignore_errors=True)
        print(json.dumps(row), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20, help="kill points per kind (ingestion, rebuild)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedder", default="e5")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        results = run(args.points, args.seed, args.embedder, Path(tmp))
    for kind in ("empty", "incremental", "rebuild"):
        rows = [r for r in results if r["kind"] == kind]
        if rows:
            print(
                f"{kind:>11}: {len(rows)} runs, {sum(r['killed'] for r in rows)} killed mid-run; "
                f"lost {sum(r['lost'] for r in rows)}, duplicated {sum(r['duplicated'] for r in rows)}, "
                f"changed {sum(r['changed'] for r in rows)}, manifest = store in "
                f"{sum(r['manifest_equals_store'] for r in rows)}/{len(rows)}"
                + (
                    f", old index whole in service after the kill in "
                    f"{sum(r['in_service_after_kill'] in ('old', 'new') for r in rows)}/{len(rows)}"
                    if kind == "rebuild"
                    else ""
                )
            )


if __name__ == "__main__":
    main()
