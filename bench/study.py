"""Study sheets and reference exports: how long a sheet (Markdown, PDF) and a whole conversation's references take.

    .venv/bin/python bench/study.py [--repeat 5]

Start-up (the catalogue, the corpus's sources, the CSL styles and the PDF font read once) is timed on its own; then
each figure is the median of --repeat runs: the sheet of a goal (the longest SDG sheets) and of a KPI with Norwegian
values, as Markdown and as PDF, and the references of a 20-question conversation (three citations an answer, drawn
with a fixed seed from the corpus's sources and an uploaded PDF's pages) in APA 7 and Harvard text and as RIS,
BibTeX and CSL-JSON. No model and no index are involved: both are made from the catalogue and the corpus.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answering.citations import Citation  # noqa: E402
from assistant.knowledge.catalog import load_catalog  # noqa: E402
from assistant.study import references, sheets  # noqa: E402
from assistant.study.sources import load_register  # noqa: E402

FORMS = ("text", "ris", "bibtex", "csl-json")


def conversation(register, questions: int = 20, per_answer: int = 3) -> list[Citation]:
    pick = random.Random(25)
    addresses = [*register.sources, "data/uploads/annual-review-2021.pdf"]
    return [
        Citation(
            n=n, title="Annual Review 2021", source=source, page=pick.randint(1, 40), section="", as_of="", text=""
        )
        for _ in range(questions)
        for n, source in enumerate(pick.sample(addresses, per_answer), start=1)
    ]


def export_all(register, citations: list[Citation]) -> int:
    sources = references.of_citations(register, citations, accessed="2026-12-05")
    written = 0
    for style in ("apa", "harvard"):
        written += len(references.render(sources, style, "nb", "text"))
    for form in FORMS[1:]:
        written += len(references.render(sources, "apa", "nb", form))
    return written


def timed(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    dirs = (ROOT / "corpus",)
    catalog, register = load_catalog(dirs), load_register(dirs)
    sheets.sheet(catalog, register, "11", "nb", "apa", "pdf")
    for style in ("apa", "harvard"):
        references.render([], style, "nb", "text")
    print(f"start-up (catalogue, sources, styles, first PDF): {time.perf_counter() - start:.2f} s")
    for code in ("17", "EC: ICT: ICT: 1C"):
        for form in ("md", "pdf"):
            seconds = timed(
                lambda code=code, form=form: sheets.sheet(catalog, register, code, "nb", "apa", form), args.repeat
            )
            print(f"sheet {code} [{form}]: {seconds * 1000:.0f} ms")
    citations = conversation(register)
    seconds = timed(lambda: export_all(register, citations), args.repeat)
    print(
        f"references of a 20-question conversation ({len(citations)} citations, "
        f"{len(references.of_citations(register, citations))} sources) in APA and Harvard text, RIS, BibTeX, "
        f"CSL-JSON: {seconds * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
