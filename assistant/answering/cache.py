"""Answers kept for repeats, in SQLite beside the index.

An entry is found by its standalone question (exactly, after folding case, spaces and end punctuation) or, for a
near-repeat, by the similarity of the question's embedding, but only when the language, the audience, the backend
and model, the prompt version, the catalogue codes and the numbers the question names are all equal ("SDG 11" never
answers "SDG 12"). It is served only while every source it was built from is still in the index unchanged, so a
change of the index invalidates exactly the entries it affects; a change of the prompts or the model makes a new
version, and the old entries are never found again.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from assistant.language import registry
from assistant.language.tokens import stems, tokens

NUMBERS = re.compile(r"\d+(?:[.,:]\d+)*")
WORDS = re.compile(r"[\wæøå]+(?:-[\wæøå]+)*", re.IGNORECASE)
NAMES = re.compile(r"\b[A-ZÆØÅ][\wæøå-]+")
# Small words that turn a question into another one; two questions that differ in them are never the same
TURNING_WORDS = frozenset(
    """
    not no never none without ikke ingen aldri uten before after first last earliest latest før etter først sist
    siste første tidligste seneste who whom whose what when where why how which hvem hva når hvor hvorfor hvordan
    hvilke hvilken hvilket many much mange mye more less most least flere færre mest minst start end began begin
    ended ends expired started startet sluttet begynte utløp opphørte core kjerne advanced avansert avanserte
""".split()
)
SCHEMA = """CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, question TEXT NOT NULL, folded TEXT NOT NULL,
    language TEXT NOT NULL, audience TEXT NOT NULL, backend TEXT NOT NULL, version TEXT NOT NULL,
    codes TEXT NOT NULL, numbers TEXT NOT NULL, vector BLOB NOT NULL, sources TEXT NOT NULL, answer TEXT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0)"""
INDEXES = (
    "CREATE INDEX IF NOT EXISTS answers_folded ON answers (folded, language, audience, backend, version)",
    "CREATE INDEX IF NOT EXISTS answers_scope ON answers (language, audience, backend, version, codes, numbers)",
)


def fold(question: str) -> str:
    """The exact-match form: lower case, single spaces, no end punctuation."""
    return " ".join(question.lower().split()).rstrip(" ?!.")


# Words of politeness (as stemmed), which change no question
POLITE = frozenset("pleas kind kindly you tell can could would takk gjern vennligst meg du fortel kan".split())


def numbers(question: str) -> str:
    return "|".join(sorted(set(NUMBERS.findall(question))))


def same_meaning(new: str, old: str, answer: str) -> bool:
    """Can the answer to `old` answer `new`, a question close to it in embedding space? Embeddings place
    "When did the status begin?" next to "... expire?", so the question's turning words must be the same, its
    names in the same order, and every content word of `new` that `old` lacks must occur in the answer itself."""

    def turning(text: str) -> set[str]:
        return {w for w in WORDS.findall(text.lower()) if w in TURNING_WORDS}

    if turning(new) != turning(old) or not _alike(NAMES.findall(new)[1:], NAMES.findall(old)[1:]):
        return False
    new_words, old_words = _content(new), _content(old)
    shared = [w for w in new_words if w in old_words]
    if shared != [w for w in old_words if w in new_words]:  # "who helps the students" / "who do the students help"
        return False
    known = set(tokens(f"{old} {answer}")) | POLITE
    return all(any(_known(stem, known) for stem in pair) for pair in stems(new))


def _content(question: str) -> list[str]:
    return [word for word in tokens(question, (registry.default(),)) if word not in POLITE]


def _known(word: str, known: set[str]) -> bool:
    """In `known`, or a typo of a long word in it (one letter added, dropped or changed)."""
    return word in known or (
        len(word) >= 6 and any(abs(len(k) - len(word)) <= 1 and _one_edit(word, k) for k in known if len(k) >= 6)
    )


def _alike(first: list[str], second: list[str]) -> bool:
    """The same names in the same order, allowing a typo in a long one."""
    return len(first) == len(second) and all(
        a.lower() == b.lower() or (min(len(a), len(b)) >= 6 and _one_edit(a.lower(), b.lower()))
        for a, b in zip(first, second)
    )


def _one_edit(first: str, second: str) -> bool:
    if len(first) > len(second):
        first, second = second, first
    start = next((i for i, (a, b) in enumerate(zip(first, second)) if a != b), len(first))
    if len(first) == len(second):
        return first[start + 1 :] == second[start + 1 :]
    return first[start:] == second[start + 1 :]


@dataclass(frozen=True)
class Key:
    """Everything but the question that must be equal for an answer to be reused."""

    language: str
    audience: str
    backend: str  # the backend and model that would answer now
    version: str  # of the prompts and texts


@dataclass
class Entry:
    id: int
    created_at: str
    question: str
    sources: list[dict]  # {"id", "hash"}: what the answer was built from
    answer: dict  # the answer as stored (text, citations, sources, backend)
    similarity: float  # 1.0 for the same question


class AnswerCache:
    def __init__(self, path: Path, similarity: float = 0.95) -> None:
        self.path = path
        self.similarity = similarity
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute(SCHEMA)
            for statement in INDEXES:
                db.execute(statement)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            yield db

    def find(
        self, question: str, vector: np.ndarray, codes: list[str], key: Key, valid: Callable[[list[dict]], bool]
    ) -> Entry | None:
        """The entry for this question or a near-repeat of it whose sources are all still `valid`, best first."""
        scope = (key.language, key.audience, key.backend, key.version)
        with self._db() as db:
            exact = db.execute(
                "SELECT id, created_at, question, sources, answer FROM answers WHERE folded = ? AND language = ? "
                "AND audience = ? AND backend = ? AND version = ? ORDER BY id DESC",
                (fold(question), *scope),
            ).fetchall()
            near = db.execute(
                "SELECT id, created_at, question, sources, answer, vector FROM answers WHERE language = ? AND "
                "audience = ? AND backend = ? AND version = ? AND codes = ? AND numbers = ?",
                (*scope, "|".join(codes), numbers(question)),
            ).fetchall()
        candidates = [(1.0, row) for row in exact]
        if near:
            vectors = np.stack([np.frombuffer(row[5], dtype=np.float32) for row in near])
            scores = vectors @ vector.astype(np.float32)
            candidates += sorted(
                ((float(score), row[:5]) for score, row in zip(scores, near) if score >= self.similarity),
                key=lambda pair: -pair[0],
            )
        for score, (entry_id, created_at, stored_question, sources, answer) in candidates:
            entry = Entry(entry_id, created_at, stored_question, json.loads(sources), json.loads(answer), score)
            if score < 1.0 and not same_meaning(question, stored_question, entry.answer.get("text", "")):
                continue
            if valid(entry.sources):
                with self._lock, self._db() as db:
                    db.execute("UPDATE answers SET hits = hits + 1 WHERE id = ?", (entry_id,))
                return entry
        return None

    def put(
        self, question: str, vector: np.ndarray, codes: list[str], key: Key, sources: list[dict], answer: dict
    ) -> int:
        with self._lock, self._db() as db:
            db.execute(
                "DELETE FROM answers WHERE folded = ? AND language = ? AND audience = ? AND backend = ? "
                "AND version = ?",
                (fold(question), key.language, key.audience, key.backend, key.version),
            )
            cursor = db.execute(
                "INSERT INTO answers (created_at, question, folded, language, audience, backend, version, codes, "
                "numbers, vector, sources, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    question,
                    fold(question),
                    key.language,
                    key.audience,
                    key.backend,
                    key.version,
                    "|".join(codes),
                    numbers(question),
                    vector.astype(np.float32).tobytes(),
                    json.dumps(sources),
                    json.dumps(answer, ensure_ascii=False),
                ),
            )
            return int(cursor.lastrowid or 0)

    def forget(self, entry_id: int) -> bool:
        """Remove one entry (a reader marked its answer as wrong)."""
        with self._lock, self._db() as db:
            return db.execute("DELETE FROM answers WHERE id = ?", (entry_id,)).rowcount > 0

    def purge(self, older_than_days: float) -> int:
        cutoff = (datetime.now(UTC) - timedelta(days=older_than_days)).isoformat(timespec="seconds")
        with self._lock, self._db() as db:
            return db.execute("DELETE FROM answers WHERE created_at < ?", (cutoff,)).rowcount

    def clear(self) -> int:
        with self._lock, self._db() as db:
            return db.execute("DELETE FROM answers").rowcount

    def stats(self) -> dict:
        with self._db() as db:
            total, hits = db.execute("SELECT COUNT(*), COALESCE(SUM(hits), 0) FROM answers").fetchone()
            by = db.execute(
                "SELECT backend, language, COUNT(*), COALESCE(SUM(hits), 0) FROM answers "
                "GROUP BY backend, language ORDER BY backend, language"
            ).fetchall()
            oldest, newest = db.execute("SELECT MIN(created_at), MAX(created_at) FROM answers").fetchone()
        return {
            "entries": total,
            "hits": hits,
            "oldest": oldest,
            "newest": newest,
            "path": str(self.path),
            "by_backend": [{"backend": b, "language": lang, "entries": n, "hits": h} for b, lang, n, h in by],
        }
