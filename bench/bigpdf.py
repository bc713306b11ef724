"""A 2,000-page PDF ingested end to end by `python -m ingest`, with its progress, time and peak memory.

    .venv/bin/python bench/bigpdf.py [--pages 2000]

The PDF is written with fpdf2 (about 900 characters of text a page), then indexed into a temporary index by the
real command in a child process, with the default embedder. Progress lines (files, the PDF's pages, embedding
batches) go to stderr; the last of each kind is shown here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, pages: int) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(
            0,
            5,
            " ".join(
                f"Page {n}, paragraph {p}: the municipality reports on goal {(n + p) % 17 + 1}, its targets and the "
                f"indicators for waste, water, energy and transport."
                for p in range(8)
            ),
        )
    pdf.output(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bigpdf-") as tmp:
        pdf = Path(tmp) / "annual-review-2000.pdf"
        started = time.perf_counter()
        write(pdf, args.pages)
        print(f"wrote {args.pages} pages, {pdf.stat().st_size / 1e6:.1f} MB, in {time.perf_counter() - started:.0f} s")
        env = {**os.environ, "ASSISTANT_INDEX_DIR": str(Path(tmp) / "index")}
        command = ["/usr/bin/time", "-v", sys.executable, "-m", "ingest", str(pdf), "--json"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    summary = json.loads(done.stdout)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    print(
        f"ingested in {seconds:.0f} s: {len(summary['added'])} file, {summary['chunks_total']} chunks, "
        f"skipped {summary['skipped']}, peak RSS {int(peak.group(1)) / 1024:.0f} MB"
        if peak
        else ""
    )
    for unit in ("file", "page", "batch"):
        lines = [line for line in re.split(r"[\r\n]", done.stderr) if f"{unit}/s" in line or f"s/{unit}" in line]
        if lines:
            print(f"progress ({unit}s), last line: {lines[-1].strip()}")


if __name__ == "__main__":
    main()
