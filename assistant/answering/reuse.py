"""The answer cache seen from answering: a question answered before (or a near-repeat of it) by the same backend
with the same prompts is served again while every source it was built from is still in the index unchanged."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answering.cache import AnswerCache, Key
from assistant.answering.parts import Answer, Prepared
from assistant.language.privacy import personal
from assistant.search.retrieval import Result


def fingerprints(sources: tuple[Result, ...] | list[Result]) -> list[dict]:
    """What each source is now: a chunk's content hash, or the hash of a catalogue card's text."""
    return [{"id": source.id, "hash": str(source.metadata.get("content_hash", ""))} for source in sources]


class Reuse:
    def __init__(self, cache: AnswerCache, version: str) -> None:
        self.cache = cache
        self.version = version  # of the prompts and texts: answers made with other ones are not reused

    def key(self, prepared: Prepared, backend: str) -> Key:
        return Key(prepared.language, prepared.audience, backend, self.version)

    def find(self, prepared: Prepared, backend: str, hash_of: Callable[[str], str | None]) -> Answer | None:
        """The cached answer to this question for `backend`, if every source it was built from still has the hash
        it had; `hash_of` tells a source's hash in the index now (None when it is gone)."""

        def valid(stored: list[dict]) -> bool:
            return all(hash_of(entry["id"]) == entry["hash"] for entry in stored)

        understood = prepared.understood
        assert understood.vector is not None
        entry = self.cache.find(
            understood.standalone, understood.vector, list(understood.codes), self.key(prepared, backend), valid
        )
        if entry is None:
            return None
        stored = entry.answer
        sources = tuple(Result(r["rank"], r["id"], r["text"], r["metadata"], r["score"]) for r in stored["sources"])
        return Answer(
            prepared,
            text=stored["text"],
            backend=stored["backend"],
            sources=sources,
            cached_at=entry.created_at,
            cache_id=entry.id,
        )

    def keep(self, answer: Answer) -> int | None:
        """Store an answer for repeats; never one whose question holds personal data."""
        if personal(answer.question) or personal(answer.standalone):
            return None  # a question with an e-mail address, a phone or an identity number is never stored
        understood = answer.prepared.understood
        assert understood.vector is not None
        stored = {
            "text": answer.text,
            "backend": answer.backend,
            "sources": [
                {"rank": s.rank, "id": s.id, "text": s.text, "metadata": s.metadata, "score": s.score}
                for s in answer.sources
            ],
        }
        return self.cache.put(
            understood.standalone,
            understood.vector,
            list(understood.codes),
            self.key(answer.prepared, answer.backend),
            fingerprints(answer.sources),
            stored,
        )
