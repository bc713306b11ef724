"""The mapper against two baselines on labelled texts: goal-level precision@3 and recall@3, target-level hit@5.

    .venv/bin/python bench/mapping.py

bench/mapping.jsonl (74 texts, tuning) and bench/mapping-heldout.jsonl (24 texts, kept aside: never used to choose
anything) are short nb and en texts (municipal projects, plans, budget lines, student abstracts, news) with the
goals (and targets where clear) they address, written for this; bench/mapping-offtopic.jsonl (6, tuning) and
bench/mapping-offtopic-heldout.jsonl (12, kept aside) are texts about nothing the catalogue covers (recipes, sport,
letters), which should be given no goal. Each method returns at most 3 goals:
- keyword: BM25 of the whole text over one document per goal (its title, description, targets and indicators in
  both languages), the 3 best;
- dense: the whole text's embedding against the catalogue's title and description vectors, the 3 goals with the
  closest one;
- mapper: `assistant.mapping.mapper.Mapper` as the app and `python -m assistant map` run it (it returns fewer than
  3 when fewer stand out).
precision@3 = correct goals among those returned / returned; recall@3 = correct among them / labelled goals;
target hit@5 = a labelled target among the 5 first targets. Needs the index of corpus/ (make index).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import bm25s
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app.services import Services  # noqa: E402
from assistant.language.tokens import tokens  # noqa: E402
from assistant.mapping.parts import goal_of, target_of  # noqa: E402


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (ROOT / "bench" / name).read_text(encoding="utf-8").splitlines() if line]


def scores(rows: list[dict], predict) -> dict[str, float]:
    precision = recall = hits = labelled = 0.0
    for row in rows:
        goals, targets = predict(row)
        if not row["goals"]:
            continue
        gold = set(row["goals"])
        correct = len(set(goals[:3]) & gold)
        precision += correct / len(goals[:3]) if goals else 0.0
        recall += correct / len(gold)
        if row["targets"]:
            labelled += 1
            hits += bool(set(targets[:5]) & set(row["targets"]))
    on_topic = sum(bool(row["goals"]) for row in rows)
    return {"p@3": precision / on_topic, "r@3": recall / on_topic, "target hit@5": hits / max(labelled, 1)}


def unmapped(rows: list[dict], predict) -> str:
    """Off-topic texts (no labelled goal) given no goal."""
    off = [row for row in rows if not row["goals"]]
    return f"{sum(not predict(row)[0] for row in off)}/{len(off)}"


def main() -> None:
    services = Services()
    mapper, catalog = services.mapper, services.catalog
    owners = mapper.descriptors.owners

    goal_docs: dict[str, list[str]] = defaultdict(list)
    target_docs: dict[str, list[str]] = defaultdict(list)
    for item in catalog.of_kind("goal") + catalog.of_kind("target") + catalog.of_kind("indicator"):
        words = [*item.title.values(), *item.short.values(), *(t for v in item.text.values() for t in v.values())]
        goal_docs[goal_of(item.code) or ""] += words
        if target := target_of(item.code):
            target_docs[target] += words
    keyword_indexes = {}
    for name, docs in (("goal", goal_docs), ("target", target_docs)):
        codes = list(docs)
        index = bm25s.BM25()
        index.index([tokens(" ".join(docs[c])) for c in codes], show_progress=False)
        keyword_indexes[name] = (codes, index)

    def keyword(row):
        out = []
        for name in ("goal", "target"):
            codes, index = keyword_indexes[name]
            found, _ = index.retrieve([tokens(row["text"])], k=len(codes), show_progress=False)
            out.append([codes[i] for i in found[0]])
        return out[0][:3], out[1]

    sdg_rows = np.array([goal_of(str(o)) is not None for o in owners])

    def dense(row):
        sims = mapper.descriptors.vectors[sdg_rows] @ services.embedder.query(row["text"])
        best_goal: dict[str, float] = {}
        best_target: dict[str, float] = {}
        for owner, sim in zip(owners[sdg_rows], sims, strict=True):
            goal, target = goal_of(str(owner)), target_of(str(owner))
            best_goal[goal] = max(best_goal.get(goal, -1.0), float(sim))
            if target:
                best_target[target] = max(best_target.get(target, -1.0), float(sim))
        return sorted(best_goal, key=best_goal.get, reverse=True)[:3], sorted(
            best_target, key=best_target.get, reverse=True
        )

    def mapped(row):
        result = mapper.map_text(row["text"])
        return [m.code for m in result.goals], [m.code for m in result.targets]

    print(
        "| set | method | goal precision@3 | goal recall@3 | target hit@5 | off-topic texts given no goal |\n"
        "|---|---|---|---|---|---|"
    )
    for label, names in (
        ("tuning (74 + 6 off-topic)", ("mapping.jsonl", "mapping-offtopic.jsonl")),
        ("held-out (24 + 12 off-topic)", ("mapping-heldout.jsonl", "mapping-offtopic-heldout.jsonl")),
    ):
        rows = [row for name in names for row in load(name)]
        for method, predict in (("keyword (BM25)", keyword), ("dense, catalogue alone", dense), ("mapper", mapped)):
            result = scores(rows, predict)
            print(
                f"| {label} | {method} | {result['p@3']:.3f} | {result['r@3']:.3f} | {result['target hit@5']:.3f} "
                f"| {unmapped(rows, predict)} |"
            )


if __name__ == "__main__":
    main()
