"""The answer cache seen from answering: a question answered before (or a near-repeat of it) by the same backend
with the same prompts is served again only while the question finds the same sources, unchanged. What is stored is
the model's summary; the card and the quotes are always the ones shown for the sources now."""

from __future__ import annotations

from assistant.answering.cache import AnswerCache, Key
from assistant.answering.parts import Answer, Prepared
from assistant.language.privacy import personal
from assistant.search.retrieval import Result


def fingerprints(sources: tuple[Result, ...] | list[Result], given: str) -> list[dict]:
    """What each source is now (a chunk's content hash, or the hash of a catalogue card's text), and what the model
    was given."""
    return [{"id": source.id, "hash": str(source.metadata.get("content_hash", ""))} for source in sources] + [
        {"id": "model input", "hash": given}
    ]


class Reuse:
    def __init__(self, cache: AnswerCache, version: str) -> None:
        self.cache = cache
        self.version = version  # of the prompts and texts: answers made with other ones are not reused

    def key(self, prepared: Prepared, backend: str) -> Key:
        return Key(prepared.language, prepared.audience, backend, self.version)

    def find(self, prepared: Prepared, backend: str, given: str) -> Answer | None:
        """The cached answer to this question (or a near-repeat) for `backend`, made from exactly the sources the
        question finds now (the same chunks and cards with the same content: a new document that ranks among them,
        or an edited one, ends the reuse) and from the same model input (`given`: the digest of what the model is
        given besides the question's words)."""
        now = fingerprints(prepared.sources, given)

        def valid(stored: list[dict]) -> bool:
            return stored == now

        understood = prepared.understood
        assert understood.vector is not None
        entry = self.cache.find(
            understood.standalone, understood.vector, list(understood.codes), self.key(prepared, backend), valid
        )
        if entry is None:
            return None
        stored = entry.answer
        return Answer(
            prepared,
            summary=stored["summary"],
            backend=stored["backend"],
            sources=prepared.sources,
            checked_out=stored.get("checked_out", 0),
            notices=tuple(stored.get("notices", ())),
            cached_at=entry.created_at,
            cache_id=entry.id,
        )

    def keep(self, answer: Answer, given: str) -> int | None:
        """Store an answer for repeats; never one whose question holds personal data."""
        if personal(answer.question) or personal(answer.standalone):
            return None  # a question with an e-mail address, a phone or an identity number is never stored
        understood = answer.prepared.understood
        assert understood.vector is not None
        stored = {
            "summary": answer.summary,
            "backend": answer.backend,
            "checked_out": answer.checked_out,
            "notices": list(answer.notices),  # only what the checks said: an answer a backend failed is not kept
        }
        return self.cache.put(
            understood.standalone,
            understood.vector,
            list(understood.codes),
            self.key(answer.prepared, answer.backend),
            fingerprints(answer.sources, given),
            stored,
        )
