"""kill -9 during an ingestion and during a rebuild, then a rerun: the index equals a clean build id for id
(bench/crash.py runs the same harness at 20 points of each; BENCHMARKS.md has its figures)."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import crash  # noqa: E402


@pytest.mark.slow
def test_killed_runs_are_repaired_by_the_next_run(tmp_path):
    rows = crash.run(points=3, seed=1, embedder="e5", work=tmp_path)
    assert len(rows) == 6 and sum(r["killed"] for r in rows) >= 4, rows
    for row in rows:
        assert (row["lost"], row["duplicated"], row["changed"], row["manifest_equals_store"]) == (0, 0, 0, True), row
    for row in rows[3:]:
        assert row["in_service_after_kill"] in ("old", "new"), "a killed rebuild never leaves a broken index in service"
