"""What the training tab costs on each rerun, on the server alone: a module's reading and quiz taken from the corpus,
and the summary as Markdown and as tagged PDF (both made on every rerun once a module is done).

    .venv/bin/python bench/training.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.knowledge.catalog import load_catalog  # noqa: E402
from assistant.knowledge.quiz import load_quiz_files  # noqa: E402
from assistant.study import training  # noqa: E402


def median_ms(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    dirs = (ROOT / "corpus",)
    catalog, items = load_catalog(dirs), load_quiz_files(dirs)
    modules = training.load_path()
    results: training.Results = {}
    for module in modules:
        quiz = training.questions(module, items, "nb")
        training.record(results, module, quiz, {q.id: q.answer for q in quiz})
    day = date(2026, 12, 5)

    def reading() -> None:
        for module in modules:
            training.passages(module, "nb", dirs, catalog)
            training.questions(module, items, "nb")

    first = time.perf_counter()
    training.summary_pdf(modules, results, "nb", day, "Kari Nordmann")
    print(f"first PDF (fonts loaded): {(time.perf_counter() - first) * 1000:.0f} ms")
    print(f"reading and quiz of all {len(modules)} modules: {median_ms(reading, repeat):.1f} ms (median of {repeat})")
    markdown = median_ms(lambda: training.summary_markdown(modules, results, "nb", day, "Kari Nordmann"), repeat)
    print(f"summary, Markdown: {markdown:.2f} ms")
    pdf = median_ms(lambda: training.summary_pdf(modules, results, "nb", day, "Kari Nordmann"), repeat)
    print(f"summary, PDF: {pdf:.0f} ms")


if __name__ == "__main__":
    main()
