"""Fit the mapper's confidence (assistant/mapping/confidence.json) on the labelled tuning texts only.

    .venv/bin/python bench/calibrate_mapping.py

Each tuning text of bench/mapping.jsonl and bench/mapping-offtopic.jsonl gives one row per goal: the features the
mapper measures of that goal in the whole text (assistant/mapping/confidence.py) and whether the goal is labelled.
A logistic regression on the standardised features is the confidence; the held-out texts are never read here
(bench/mapping.py measures them). Prints the fit's accuracy on its own rows and, per threshold, how many off-topic
tuning texts would still get a goal. Needs the index of corpus/ (make index).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app.services import Services  # noqa: E402
from assistant.mapping.confidence import MODEL, Confidence  # noqa: E402
from assistant.mapping.sections import sections_of  # noqa: E402

TUNING = ("mapping.jsonl", "mapping-offtopic.jsonl")


def rows_of(services: Services, text: str) -> tuple[list[str], np.ndarray] | None:
    """The goal codes and the whole text's features per goal; None when no sentence is grounded (never mapped)."""
    mapper = services.mapper
    reading = mapper.read(sections_of(text))
    if not reading.grounded.any():
        return None
    codes, _, signals = mapper.goal_signals(reading)
    return codes, signals[0]


def main() -> None:
    services = Services()
    texts = [
        json.loads(line)
        for name in TUNING
        for line in (ROOT / "bench" / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    x, y, owner = [], [], []
    for n, row in enumerate(texts):
        found = rows_of(services, row["text"])
        if found is None:
            continue
        codes, signals = found
        x.append(signals)
        y += [code in row["goals"] for code in codes]
        owner += [n] * len(codes)
    features, labels = np.vstack(x), np.array(y)
    scaler = StandardScaler().fit(features)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(features), labels)
    fitted = Confidence(model.coef_[0], float(model.intercept_[0]), scaler.mean_, scaler.scale_)
    MODEL.write_text(json.dumps(fitted.as_json(), indent=1) + "\n", encoding="utf-8")
    sure = fitted(features)
    print(
        f"{len(texts)} texts, {len(labels)} rows, {labels.sum()} labelled goals; accuracy at 0.5 "
        f"{((sure >= 0.5) == labels).mean():.3f}; written to {MODEL.relative_to(ROOT)}"
    )
    best = {n: sure[np.array(owner) == n].max() for n in set(owner)}
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        off = sum(1 for n, p in best.items() if not texts[n]["goals"] and p >= threshold)
        on = sum(1 for n, p in best.items() if texts[n]["goals"] and p < threshold)
        print(f"threshold {threshold}: off-topic texts with a goal {off}, on-topic texts with none {on}")


if __name__ == "__main__":
    main()
