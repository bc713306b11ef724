"""Cold start and peak memory of the CLI, the app and the embedded model, each in a fresh process.

    .venv/bin/python bench/startup.py [--repeat 3]

Baseline: a process that only imports the stack every entry point needs (chromadb, langchain-core, streamlit,
numpy), measured in the same run; each entry point is reported as its wall time and as a ratio against it.
Wall time is the median of --repeat runs; peak memory is the child's maximum resident set size (getrusage).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

APP_RUN = (
    "from streamlit.testing.v1 import AppTest; "
    "at = AppTest.from_file('app.py', default_timeout=300).run(); "
    "assert not at.exception, at.exception"
)
MODEL_LOAD = (
    "from assistant.settings import Settings; from assistant.llm.llamacpp import _load_llama; "
    "from assistant.llm.weights import MODELS, model_file; "
    "s = Settings(); m = MODELS[s.llamacpp_model]; "
    "_load_llama(str(model_file(m, s.models_dir)), s.llm_context)"
)
CASES = {
    "baseline: import chromadb, langchain_core, streamlit, numpy": [
        PY,
        "-c",
        "import chromadb, langchain_core, streamlit, numpy",
    ],
    "CLI: `python -m assistant search` (imports, embedder, index, one query)": [
        PY,
        "-m",
        "assistant",
        "search",
        "Hva måler indikator 11.6.2?",
        "--json",
    ],
    "CLI: `python -m assistant status`": [PY, "-m", "assistant", "status"],
    "app: first run of app.py (imports, services warmed, page drawn; AppTest, no server)": [PY, "-c", APP_RUN],
    "embedded model: load the default llama.cpp GGUF": [PY, "-c", MODEL_LOAD],
}


def run_once(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one fresh process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for name, cmd in CASES.items():
        runs = [run_once(cmd) for _ in range(args.repeat)]
        rows.append((name, statistics.median(w for w, _ in runs), max(m for _, m in runs)))
    base = rows[0][1]
    print("| process | wall, median (s) | vs baseline | peak RSS (MB) |")
    print("|---|---|---|---|")
    for name, wall, rss in rows:
        print(f"| {name} | {wall:.2f} | {wall / base:.1f}x | {rss:.0f} |")


if __name__ == "__main__":
    main()
