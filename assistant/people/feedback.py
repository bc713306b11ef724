"""Feedback on answers (thumbs up/down, optional comment), exported as CSV. Stored in SQLite beside the app by
default, or in a database several app replicas share (`ASSISTANT_FEEDBACK_URL`, e.g. PostgreSQL), through
SQLAlchemy."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa

from assistant.language.privacy import mask

COLUMNS = ("id", "created_at", "rating", "comment", "question", "answer", "language", "audience", "backend", "sources")

METADATA = sa.MetaData()
FEEDBACK = sa.Table(
    "feedback",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("rating", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("language", sa.Text),
    sa.Column("audience", sa.Text),
    sa.Column("backend", sa.Text),
    sa.Column("sources", sa.Text, nullable=False),
)


class FeedbackError(RuntimeError):
    """The feedback database cannot be used; the message says which and why (never the password)."""


class FeedbackStore:
    def __init__(self, path: Path | None = None, url: str | None = None) -> None:
        """SQLite at `path`, or the database at `url` (a SQLAlchemy URL) when given."""
        if url is None:
            if path is None:
                raise ValueError("give a SQLite path or a database URL")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise FeedbackError(f"the feedback database {path} cannot be used: {exc.strerror or exc}") from exc
            url = f"sqlite:///{path}"
        try:
            self.where = sa.engine.make_url(url).render_as_string(hide_password=True)
            self.engine = sa.create_engine(
                url, pool_pre_ping=True, connect_args={"timeout": 10} if url.startswith("sqlite") else {}
            )
        except (sa.exc.ArgumentError, ValueError) as exc:
            raise FeedbackError(f"ASSISTANT_FEEDBACK_URL is not a database address SQLAlchemy knows: {exc}") from exc
        except ImportError as exc:  # the database's driver is an extra
            raise FeedbackError(
                f"the driver for {url.split(':', 1)[0]} is not installed ({exc.name}): for PostgreSQL, "
                "pip install '.[postgres]'"
            ) from exc
        with self._using():
            METADATA.create_all(self.engine)

    @contextmanager
    def _using(self) -> Iterator[None]:
        """A database that is away, refuses the login or cannot be written: FeedbackError naming it, never the
        password."""
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc.__class__.__name__).strip().splitlines()[0][:160]
            raise FeedbackError(f"the feedback database {self.where} cannot be used: {reason}") from exc

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
        row = {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rating": rating,
            "comment": mask(comment.strip()),
            "question": mask(question),
            "answer": mask(answer),
            "language": language,
            "audience": audience,
            "backend": backend,
            "sources": json.dumps(sources, ensure_ascii=False),
        }
        with self._using(), self.engine.begin() as db:
            key = db.execute(FEEDBACK.insert().values(**row)).inserted_primary_key
            return int(key[0]) if key else 0

    def purge(self, older_than_days: float) -> int:
        """Delete feedback older than the retention period; the number deleted."""
        cutoff = (datetime.now(UTC) - timedelta(days=older_than_days)).isoformat(timespec="seconds")
        with self._using(), self.engine.begin() as db:
            return db.execute(FEEDBACK.delete().where(FEEDBACK.c.created_at < cutoff)).rowcount

    def delete(self, ids: list[int]) -> int:
        """Delete the given entries (a person's feedback, when they delete their conversation)."""
        if not ids:
            return 0
        with self._using(), self.engine.begin() as db:
            return db.execute(FEEDBACK.delete().where(FEEDBACK.c.id.in_(ids))).rowcount

    def rows(self) -> list[dict]:
        with self._using(), self.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(sa.select(FEEDBACK).order_by(FEEDBACK.c.id))]

    def export_csv(self, out: TextIO) -> int:
        rows = self.rows()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return len(rows)
