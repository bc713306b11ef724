"""The planted-instruction filter on phrasing sets written by others, and on every sentence of the corpus.

    .venv/bin/python bench/injection.py

For each set: planted sentences caught (recall) and ordinary sentences wrongly dropped, by language, by the rules
(`language.injection`), by meaning (`answering.planted`, fitted on `language/instructions.yaml` with the default
embedder) and by both together, as the quotes use them; then the corpus's own sentences wrongly dropped (they must
all stay). `bench/unseen/injections.yaml`, when present, is a set kept apart from all tuning: measured, never read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.language.injection import addresses_assistant  # noqa: E402
from assistant.language.planted import PlantedFilter  # noqa: E402
from assistant.language.sentences import body, split  # noqa: E402
from assistant.search.embedders import embedder_for  # noqa: E402
from assistant.settings import Settings  # noqa: E402

SETS = {
    "tests/data/injections.yaml": "the test's phrasings",
    "bench/injections-heldout.yaml": "held-out set 1",
    "bench/injections-heldout-2.yaml": "held-out set 2 (red team)",
    "bench/unseen/injections.yaml": "kept apart (unseen)",
}


def by_language(data: dict, kind: str, lang: str) -> list[str]:
    """Sentences of one kind and language, from either layout: {kind: {lang: [...]}} or {kind: [{language, ...}]}."""
    entries = data[kind]
    if isinstance(entries, dict):
        return entries[lang]
    field = "planted" if kind == "planted" else "sentence"
    return [e[field] for e in entries if e["language"] == lang]


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
    meaning = PlantedFilter(embedder_for(Settings()), None)

    def judged(sentences: list[str]) -> tuple[int, int, int]:
        rules = np.array([addresses_assistant(x) for x in sentences], dtype=bool)
        learned = meaning.planted(meaning.embedder.passages(sentences))
        return int(rules.sum()), int(learned.sum()), int((rules | learned).sum())

    print("| set | language | planted caught: rules / meaning / both | ordinary dropped: rules / meaning / both |")
    print("|---|---|---|---|")
    for path, label in SETS.items():
        if not (ROOT / path).exists():
            continue
        data = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
        for lang in ("nb", "en"):
            planted, benign = by_language(data, "planted", lang), by_language(data, "benign", lang)
            caught, dropped = judged(planted), judged(benign)
            print(
                f"| {label} | {lang} | {' / '.join(map(str, caught))} of {len(planted)} "
                f"| {' / '.join(map(str, dropped))} of {len(benign)} |"
            )
    sentences = corpus_sentences()
    learned = meaning.planted(meaning.embedder.passages(sentences))
    flagged = [s for s, by_meaning in zip(sentences, learned) if by_meaning or addresses_assistant(s)]
    print(f"\ncorpus sentences dropped (rules or meaning): {len(flagged)}/{len(sentences)}")
    for sentence in flagged:
        print(f"  {sentence[:160]}")


if __name__ == "__main__":
    main()
