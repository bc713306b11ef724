"""Every regular expression the project compiles (module-level patterns and lists of them in assistant/ and ingest/,
and the ones the language registry builds), run on long runs of its own kind of characters: the time at two lengths
shows whether a pattern backtracks (linear: the longer run takes about 4x for 4x the text; quadratic: 16x).

    .venv/bin/python bench/regexes.py [--length 4000]
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PIECES = [
    " ",
    "\t",
    "a",
    "Æ",
    "1",
    ".",
    "#",
    "-",
    "*",
    "|",
    ":",
    "\n",
    "«",
    "[",
    "(",
    "_",
    "/",
    "@",
    ",",
    " a",
    "a.",
    "1 ",
]
SHAPES = ["{r}", "#{r}x", "x{r}!", "{r}#", "[{r}", "# {r}#", "a@{r}", "{r}:", "1{r}2", "- {r}"]


def patterns() -> dict[str, re.Pattern]:
    import assistant
    import ingest

    found: dict[str, re.Pattern] = {}
    for package in (assistant, ingest):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".app.views" in info.name or info.name.endswith("__main__"):
                continue
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                values = value if isinstance(value, (list, tuple)) else [value]
                for index, item in enumerate(values):
                    if isinstance(item, re.Pattern):
                        found[f"{info.name}.{name}" + (f"[{index}]" if values != [value] else "")] = item
    # the patterns built from the language registry
    from assistant.answering.understanding import _patterns
    from assistant.knowledge.codes import _goal_loose
    from assistant.language import registry
    from assistant.search.ranking import _question_shapes, _twin_suffix, _when

    codes = registry.codes()
    for name, built in {
        "understanding": _patterns(codes),
        "goal words": (_goal_loose(codes),),
        "question shapes": _question_shapes(codes),
        "twin": (_twin_suffix(codes),),
        "when": (_when(codes),),
    }.items():
        for index, pattern in enumerate(built):
            found[f"registry {name}[{index}]"] = pattern
    return found


def seconds(pattern: re.Pattern, text: str) -> float:
    started = time.perf_counter()
    pattern.search(text)
    list(pattern.finditer(text[:2000]))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=4000)
    args = parser.parse_args()
    worst = []
    for name, pattern in patterns().items():
        for piece in PIECES:
            for shape in SHAPES:
                short = shape.format(r=piece * (args.length // 4 // len(piece)))
                long = shape.format(r=piece * (args.length // len(piece)))
                small, big = seconds(pattern, short), seconds(pattern, long)
                worst.append(
                    (big, big / max(small, 1e-6), name, repr(shape.format(r=piece + "...")), pattern.pattern[:80])
                )
    worst.sort(reverse=True)
    print(f"{len(patterns())} patterns, {len(PIECES) * len(SHAPES)} inputs each, {args.length} characters")
    print("| seconds | x for 4x the text | pattern | input |\n|---|---|---|---|")
    for big, ratio, name, shape, _ in worst[:12]:
        print(f"| {big:.4f} | {ratio:.1f} | {name} | {shape} |")


if __name__ == "__main__":
    main()
