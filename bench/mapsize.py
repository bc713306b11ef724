"""Mapping's time against the text's size: distinct prose from the corpus, cut at 10 KB, 50 KB and all of it, through
`Mapper.map_text` on the built index; then a 1 MB text, which is refused by the bound (ASSISTANT_MAP_MAX_CHARS).

    .venv/bin/python bench/mapsize.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app.services import Services  # noqa: E402
from assistant.mapping.mapper import MappingError  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def main() -> None:
    mapper = Services(Settings()).mapper
    prose = "\n\n".join(
        path.read_text(encoding="utf-8").split("---", 2)[-1]
        for path in sorted((ROOT / "corpus").rglob("*.md"))
        if path.name != "README.md"
    )
    mapper.map_text("Trondheim kommune arbeider med energi i bygg og fjernvarme.")  # the models loaded first
    print("| text | time | per KB |\n|---|---|---|")
    for size in (10_000, 50_000, len(prose)):
        text = prose[:size]
        started = time.perf_counter()
        mapping = mapper.map_text(text)
        seconds = time.perf_counter() - started
        per_kb = seconds / len(text) * 1000
        print(f"| {len(text) / 1000:.0f} KB ({mapping.sentences} sentences) | {seconds:.1f} s | {per_kb:.3f} s |")
    started = time.perf_counter()
    try:
        mapper.map_text("x " * 500_000)
    except MappingError as error:
        print(f"| 1 MB | refused in {time.perf_counter() - started:.3f} s: {error} | |")


if __name__ == "__main__":
    main()
