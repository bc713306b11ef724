"""The names check (assistant/language/names.py via answering/checks.py) on sentences with their sources and the
expected verdict: drop (names a place, body or person none of the sources it cites names) or keep.

    .venv/bin/python bench/names.py [FILE.yaml]     # default: bench/unseen/names.yaml (kept apart from all tuning)

The words the corpus writes in lower case come from the index (make index). Prints caught, kept and wrongly dropped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from assistant.answering.checks import check
from assistant.app.services import shared

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench/unseen/names.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    lowercase = shared().reader.current().lowercase
    counts = {"drop": [0, 0], "keep": [0, 0]}
    wrong = []
    for item in items:
        findings = check(item["sentence"], item["sources"], "", language=item["language"], lowercase=lowercase)
        dropped = any(f.kind == "name" for f in findings)
        right = dropped == (item["expected"] == "drop")
        counts[item["expected"]][0] += right
        counts[item["expected"]][1] += 1
        if not right:
            wrong.append(f"{item['id']} expected {item['expected']}: {item['sentence'][:90]}")
    (caught, drops), (kept, keeps) = counts["drop"], counts["keep"]
    print(f"to drop: caught {caught}/{drops}; to keep: kept {kept}/{keeps}")
    if "unseen" not in str(path):  # the kept-apart set is measured, never read case by case
        print("\n".join(wrong))


if __name__ == "__main__":
    main()
