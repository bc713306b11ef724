"""Step 1: understand the question. Its language (a follow-up without clear words keeps the last one's), the
standalone question (a follow-up condensed with the conversation), the codes that names and its vector: each found
once, for every later step."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache

from assistant.answering.parts import Turn, Understood
from assistant.answering.prompts import Prompts
from assistant.knowledge.catalog import Catalog
from assistant.knowledge.codes import find_codes
from assistant.language import registry
from assistant.language.detect import detect_language
from assistant.language.privacy import mask
from assistant.language.tokens import tokens
from assistant.llm.base import Backend, LLMError
from assistant.search.retrieval import Query, Result, Retriever

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _patterns(codes: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """A question that continues the last one by its first words ("Og i 2021?", "What about Stavanger?"), and one
    that may be a follow-up (those words, a question word first, or a word pointing back: "Hvorfor er det viktig?")."""
    languages = [registry.get(code) for code in codes]
    continuing = [w for lang in languages for w in lang.continuing_words]
    starting = continuing + [w for lang in languages for w in lang.follow_up_words]
    referring = [w for lang in languages for w in lang.referring_words]

    def words(items: list[str]) -> str:
        return "|".join(map(re.escape, dict.fromkeys(items)))

    return (
        re.compile(rf"^\s*({words(continuing)})\b", re.IGNORECASE),
        re.compile(rf"^\s*({words(starting)})\b|\b({words(referring)})\b", re.IGNORECASE),
    )


def points_back(question: str) -> bool:
    """Does the question speak of something named earlier in the conversation: a pronoun ("How many members did
    it have?"), or a word like "det" or "this" among its last two ("Hvilken indikator måler det?")?"""
    words = re.findall(r"[\w'-]+", question.lower())
    languages = [registry.get(code) for code in registry.codes()]
    pronouns = {w for lang in languages for w in lang.pronouns}
    referring = {w for lang in languages for w in lang.referring_words}
    return bool(pronouns & set(words) or referring & set(words[-2:]))


class Understanding:
    """`judge` says whether a question's own search results are strong enough for it to stand alone (the evidence
    step's rule); the chain's first writing backend condenses other follow-ups."""

    def __init__(
        self,
        catalog: Catalog,
        retriever: Retriever,
        prompts: Prompts,
        chain: list[Backend],
        judge: Callable[[Query, list[Result]], bool],
        top_k: int = 5,
        log_content: bool = False,
    ) -> None:
        self.catalog = catalog
        self.retriever = retriever
        self.prompts = prompts
        self.chain = chain
        self.judge = judge
        self.top_k = top_k
        self.log_content = log_content

    def language(self, question: str, history: list[Turn]) -> str:
        return detect_language(question, default=detect_language(history[-1].question) if history else None)

    def understand(self, question: str, history: list[Turn], audience: str) -> Understood:
        language = self.language(question, history)
        if self.log_content:  # debugging only: by default no question or answer text reaches the logs
            log.info("question (%s, %s): %s", language, audience, mask(question))
        own = self._query(question)
        standalone = self.condense(question, own, history, language)
        query = own if standalone == question else self._query(standalone)
        return Understood(question, standalone, language, audience, query.codes, query.vector)

    def _query(self, text: str) -> Query:
        return self.retriever.query(text, find_codes(text, self.catalog))

    def condense(self, question: str, own: Query, history: list[Turn], language: str) -> str:
        """A standalone question. Code swaps ("Hva med mål 12?") are rewritten directly; other follow-ups
        go to the first LLM that answers; without one, or when its rewrite still points back, the previous question is
        added as context."""
        if not history:
            return question
        continues, follow_up = _patterns(registry.codes())
        if not (continues.search(question) or points_back(question)) and self.stands_alone(own, language):
            return question  # "Hvem var partnerne i senteret?" needs no model to rewrite it (which takes seconds)
        previous = history[-1]
        old_codes = find_codes(previous.standalone, self.catalog) if previous.codes is None else previous.codes
        if own.codes and old_codes and len(question.split()) <= 6:
            pattern = rf"(?<![\w.]){re.escape(old_codes[0])}(?![\w.]*\d)"
            swapped, count = re.subn(pattern, own.codes[0], previous.standalone, count=1, flags=re.IGNORECASE)
            if count:
                return swapped
        if not follow_up.search(question) and len(question.split()) > 6:
            return question
        lines = "\n".join(f"- {t.standalone}\n  {t.answer[:300]}" for t in history[-3:])
        prompt = self.prompts.get("condense", language, history=lines, question=question)
        for backend in self.chain:
            if backend.kind == "extractive" or not backend.available()[0]:
                continue
            try:
                text = backend.complete([("user", prompt)]).strip().splitlines()
            except LLMError:
                continue
            rewritten = text[0].strip().strip('"«»') if text else ""
            if rewritten and rewritten.lower() != question.strip().lower() and not points_back(rewritten):
                return rewritten
            break  # the model left the question as it was, still pointing back
        return f"{question} ({previous.standalone})"

    def stands_alone(self, own: Query, language: str) -> bool:
        """A question that names a code, or says what it is about (two words or more beyond the question words)
        and finds strong evidence by itself, is not rewritten with the history ("Hvorfor er det viktig?" is)."""
        if own.codes:
            return True
        if len(tokens(own.text, (language,))) < 2:
            return False
        return self.judge(own, self.retriever.search(own, k=self.top_k))
