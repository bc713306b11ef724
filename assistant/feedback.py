"""Feedback on answers (thumbs up/down, optional comment), stored locally in SQLite; exported as CSV."""

from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

COLUMNS = ("id", "created_at", "rating", "comment", "question", "answer", "language", "audience", "backend", "sources")


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("""CREATE TABLE IF NOT EXISTS feedback (
                id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, rating INTEGER NOT NULL,
                comment TEXT NOT NULL DEFAULT '', question TEXT NOT NULL, answer TEXT NOT NULL,
                language TEXT, audience TEXT, backend TEXT, sources TEXT NOT NULL)""")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(
        self,
        rating: int,
        question: str,
        answer: str,
        sources: list[dict],
        backend: str,
        language: str = "",
        audience: str = "",
        comment: str = "",
    ) -> int:
        if rating not in (1, -1):
            raise ValueError("rating must be 1 (thumbs up) or -1 (thumbs down)")
        with closing(self._connect()) as db, db:
            cur = db.execute(
                "INSERT INTO feedback (created_at, rating, comment, question, answer, language, audience, backend,"
                " sources)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    rating,
                    comment.strip(),
                    question,
                    answer,
                    language,
                    audience,
                    backend,
                    json.dumps(sources, ensure_ascii=False),
                ),
            )
            return int(cur.lastrowid or 0)

    def rows(self) -> list[dict]:
        with closing(self._connect()) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id")]

    def export_csv(self, out: TextIO) -> int:
        rows = self.rows()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return len(rows)
