"""Calibrate the refusal thresholds: grid search on calibration questions (bench/calibration.jsonl and the shared
dev questions), then report the chosen thresholds on the held-out project set (bench/questions.jsonl).

    .venv/bin/python bench/calibrate_refusal.py
Needs the index of corpus/ (make index). Questions that name a known code are always answered and are left out.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.catalog import find_codes  # noqa: E402
from assistant.evaluation import load_questions  # noqa: E402
from assistant.services import Services  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "dev-eval" / "questions.jsonl"


def features(svc: Services, files):
    rows = []
    for path, must in files:
        if not path.exists():
            continue
        for q in load_questions(path, must):
            if q.follows or find_codes(q.question, svc.catalog):
                continue
            results = svc.retriever.search(q.question, k=svc.settings.top_k)
            rows.append((svc.answerer.evidence(q.question, results), q.refuse, q.question))
    return rows


def rates(rows, thresholds) -> tuple[float, float]:
    on = [e.strong(*thresholds) for e, refuse, _ in rows if not refuse]
    off = [not e.strong(*thresholds) for e, refuse, _ in rows if refuse]
    return sum(on) / max(len(on), 1), sum(off) / max(len(off), 1)


def main() -> None:
    svc = Services()
    calibration = features(svc, [(ROOT / "bench/calibration.jsonl", None), (DEV, ROOT / "bench/dev-eval-must.json")])
    held_out = features(svc, [(ROOT / "bench/questions.jsonl", None)])
    grid = itertools.product(
        [x / 1000 for x in range(840, 921, 5)],
        [x / 1000 for x in range(780, 851, 5)],
        [0.4, 0.5, 0.6, 0.7],
        [0.5, 0.6, 0.7, 0.8],
    )
    scored = []
    for t in grid:
        answered, refused = rates(calibration, t)
        scored.append((answered + refused, answered, refused, t))
    best = max(s[0] for s in scored)
    # among the best, the loosest: highest coverage margins are least fitted to these few questions
    candidates = [s for s in scored if s[0] == best]
    s = svc.settings
    current = (s.answer_above, s.refuse_below, s.min_coverage, s.min_known)
    print(
        f"calibration: {sum(not r for _, r, _ in calibration)} on-topic, {sum(r for _, r, _ in calibration)} off-topic"
    )
    print(
        f"best on calibration: answered {candidates[0][1]:.3f}, refused {candidates[0][2]:.3f} "
        f"({len(candidates)} threshold sets tie)"
    )
    for name, rows in (("calibration", calibration), ("held-out bench/questions.jsonl", held_out)):
        answered, refused = rates(rows, current)
        print(f"settings {current} on {name}: on-topic answered {answered:.3f}, off-topic refused {refused:.3f}")
        for e, refuse, q in rows:
            if e.strong(*current) == refuse:
                print(
                    f"   {'refused' if not refuse else 'answered'} wrongly: {q} (top {e.top:.3f}, "
                    f"coverage {e.coverage:.2f}, known {e.known:.2f})"
                )
    print("settings among the best on calibration:", current in [c[3] for c in candidates])


if __name__ == "__main__":
    main()
