"""The planted-instruction filter on phrasing sets written by others, and on every sentence of the corpus.

    .venv/bin/python bench/injection.py

For each set: planted sentences caught (recall) and ordinary sentences wrongly dropped, by language; then the
corpus's own sentences wrongly dropped (they must all stay).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.language.injection import addresses_assistant  # noqa: E402
from assistant.language.sentences import body, split  # noqa: E402

SETS = {
    "tests/data/injections.yaml": "the test's phrasings",
    "bench/injections-heldout.yaml": "held-out set 1",
    "bench/injections-heldout-2.yaml": "held-out set 2 (red team)",
}


def corpus_sentences() -> list[str]:
    from assistant.knowledge.cards import render
    from assistant.knowledge.catalog import load_catalog
    from ingest.loaders import load_markdown

    out = []
    for path in sorted((ROOT / "corpus").rglob("*.md")):
        if path.name != "README.md":
            out += [s for doc in load_markdown(path) for s in split(doc.page_content, doc.metadata["language"])]
    catalog = load_catalog((ROOT / "corpus",))
    for item in catalog.items.values():
        for lang in ("nb", "en"):
            out += split(body(render(catalog, item, lang)), lang)
    return out


def main() -> None:
    print("| set | language | planted caught | ordinary dropped |\n|---|---|---|---|")
    for path, label in SETS.items():
        data = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
        for lang in ("nb", "en"):
            planted, benign = data["planted"][lang], data["benign"][lang]
            caught = sum(map(addresses_assistant, planted))
            dropped = sum(map(addresses_assistant, benign))
            print(f"| {label} | {lang} | {caught}/{len(planted)} | {dropped}/{len(benign)} |")
    sentences = corpus_sentences()
    flagged = [s for s in sentences if addresses_assistant(s)]
    print(f"\ncorpus sentences dropped: {len(flagged)}/{len(sentences)}")
    for sentence in flagged:
        print(f"  {sentence[:160]}")


if __name__ == "__main__":
    main()
