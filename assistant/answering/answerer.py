"""Answering in two steps. `prepare` condenses a follow-up, resolves the codes the question names (once), retrieves,
decides whether the evidence is strong enough, and picks the quotes that support an answer: everything a reader can
be shown at once. `generate` then streams the model's answer (or the quotes, or the refusal) and cites it.

`Answerer.stream()` runs both: iterating it yields answer text as it is produced, and `.answer` then holds the
whole `Answer` (text, language, backend, refusal, citations, sources).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assistant.language import sentences
from assistant.answering.cache import AnswerCache, Key
from assistant.knowledge.cards import definition, render
from assistant.knowledge.catalog import Catalog, find_codes
from assistant.answering.checks import check, supported
from assistant.answering.citations import Citation, cited, reference_list, tidy_citations
from assistant.language.injection import addresses_assistant
from assistant.language.detect import detect_language
from assistant.search.lexical import coverage, tokens
from assistant.llm.backends import Backend, LLMError, Prompt
from assistant.language.privacy import mask, personal
from assistant.answering.prompts import Prompts
from assistant.search.retrieval import Result, Retriever
from assistant.answering.scope import out_of_scope
from assistant.settings import Settings
from assistant.texts import Section

log = logging.getLogger(__name__)

# a question that continues the last one by its first words ("Og i 2021?", "What about Stavanger?")
CONTINUES = re.compile(r"^\s*(og|and|men|but|hva med|what about|how about|enn)\b", re.IGNORECASE)
FOLLOW_UP = re.compile(
    r"^\s*(og|and|men|but|hva med|what about|how about|enn|hvorfor|why|hvordan|how|hvem|who|når|when)\b"
    r"|\b(den|det|dette|denne|disse|de|dem|it|this|that|these|those|they|them|its|their)\b",
    re.IGNORECASE,
)
TEXT = Section("answer")
LONG_LINE = 250  # characters: a longer line of a catalogue card is cut to its best sentence for the model


@dataclass
class Evidence:
    top: float  # best cosine similarity among the retrieved chunks
    coverage: float  # share of the question's words found in them
    known: float  # share of the question's words found anywhere in the corpus

    def strong(self, answer_above: float, refuse_below: float, min_coverage: float, min_known: float) -> bool:
        return self.top >= answer_above or (
            self.top >= refuse_below and self.coverage >= min_coverage and self.known >= min_known
        )


@dataclass
class Answer:
    question: str
    standalone: str
    language: str
    audience: str
    codes: list[str] = field(default_factory=list)  # catalogue codes the standalone question names
    backend: str = ""
    refused: bool = False
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    sources: list[Result] = field(default_factory=list)
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (source number, sentence) supporting an answer
    notices: list[str] = field(default_factory=list)
    written: str = ""  # the language model's own words (not the quotes, notices or references)
    checked_out: int = 0  # sentences of the model's removed because its sources do not bear them out
    cached_at: str = ""  # when the answer was made, if it came from the answer cache
    cache_id: int | None = None  # its entry in the cache (a thumbs-down removes it)

    @property
    def code(self) -> str | None:
        """The item whose catalogue card is source 1, when the question names one."""
        return self.codes[0] if self.codes else None

    def as_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "language": self.language,
            "backend": self.backend,
            "refused": self.refused,
            "citations": [c.as_json() for c in self.citations],
            "sources": [s.as_json() for s in self.sources],
        }


@dataclass
class Turn:
    question: str
    standalone: str
    answer: str
    codes: list[str] | None = None  # the codes its standalone question named; None: not known (found when needed)

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        return cls(answer.question, answer.standalone, answer.text, answer.codes)


class AnswerStream:
    """Iterate for the answer's text as it is produced; `answer` is complete when the iteration ends."""

    def __init__(self, tokens: Iterator[str], answer: Answer) -> None:
        self._tokens = tokens
        self.answer = answer

    def __iter__(self) -> Iterator[str]:
        return self._tokens


class Answerer:
    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        catalog: Catalog,
        prompts: Prompts,
        chain: list[Backend],
        cache: AnswerCache | None = None,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.catalog = catalog
        self.prompts = prompts
        self.chain = chain
        self.cache = cache
        self.version = prompts.version  # answers made with other prompts are not reused

    # -- step 1: what can be shown at once ----------------------------------------------------------------------
    def start(self, question: str, history: list[Turn], audience: str | None = None) -> Answer:
        """An answer to fill: the question, its language (a follow-up without clear words keeps the last one's)."""
        language = detect_language(question, default=detect_language(history[-1].question) if history else "nb")
        return Answer(
            question=question, standalone=question, language=language, audience=audience or self.settings.audience
        )

    def prepare(self, question: str, history: list[Turn] | None = None, audience: str | None = None) -> Answer:
        answer = self.start(question, history or [], audience)
        self.fill(answer, history or [])
        return answer

    def fill(self, answer: Answer, history: list[Turn]) -> None:
        """Step 1 on an answer made by `start`."""
        question, language = answer.question, answer.language
        if self.settings.log_content:  # debugging only: by default no question or answer text reaches the logs
            log.info("question (%s, %s): %s", language, answer.audience, mask(question))
        answer.standalone = self.condense(question, history, language)
        if self.settings.scope_rules and out_of_scope(answer.standalone, self.retriever.newest_year):
            answer.refused, answer.backend = True, "refusal"  # a task or a fact no document here can hold
            return
        answer.codes = find_codes(answer.standalone, self.catalog)
        results = self.retriever.search(answer.standalone, k=self.settings.top_k, codes=answer.codes)
        answer.sources = self.number(answer.codes, results, language)
        if not (answer.codes or self.strong(answer.standalone, results)):
            answer.refused, answer.backend = True, "refusal"
            return
        answer.quotes = sentences.quotes(answer.standalone, answer.sources, language, self.settings.quote_sentences)

    def condense(self, question: str, history: list[Turn], language: str) -> str:
        """A standalone question. Code swaps ("Hva med mål 12?") are rewritten directly; other follow-ups
        go to the first LLM that answers; without one, the previous question is added as context."""
        if not history:
            return question
        if not CONTINUES.search(question) and self.stands_alone(question, language):
            return question  # "Hvem var partnerne i senteret?" needs no model to rewrite it (which takes seconds)
        previous = history[-1]
        new_codes = find_codes(question, self.catalog)
        old_codes = find_codes(previous.standalone, self.catalog) if previous.codes is None else previous.codes
        if new_codes and old_codes and len(question.split()) <= 6:
            pattern = rf"(?<![\w.]){re.escape(old_codes[0])}(?![\w.]*\d)"
            swapped, count = re.subn(pattern, new_codes[0], previous.standalone, count=1, flags=re.IGNORECASE)
            if count:
                return swapped
        if not FOLLOW_UP.search(question) and len(question.split()) > 6:
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
            if text and text[0].strip():
                return text[0].strip().strip('"«»')
        return f"{question} ({previous.standalone})"

    def stands_alone(self, question: str, language: str) -> bool:
        """A question that names a code, or says what it is about (two words or more beyond the question words)
        and finds strong evidence by itself, is not rewritten with the history ("Hvorfor er det viktig?" is)."""
        if find_codes(question, self.catalog):
            return True
        if len(tokens(question, (language,))) < 2:
            return False
        return self.strong(question, self.retriever.search(question, k=self.settings.top_k))

    def card(self, code: str, language: str) -> Result:
        item = self.catalog.items[code]  # a code from find_codes is in the catalogue
        text = render(self.catalog, item, language)
        return Result(
            rank=0,
            id=f"catalog:{code}",
            text=text,
            score=1.0,
            metadata={
                "title": text.split("\n", 1)[0],
                "source": item.source,
                "as_of": item.as_of,
                "language": language,
                "doc_type": f"catalog_{item.kind}",
                "codes": code,
                "section": code,
            },
        )

    def number(self, codes: list[str], results: list[Result], language: str) -> list[Result]:
        """The numbered sources: the catalogue card of the code asked about first (in the reader's language),
        then the search results that are not that item's own documents."""
        if codes:
            rest = [r for r in results if (r.metadata.get("codes") or "").split("|")[0] != codes[0]]
            sources = [self.card(codes[0], language), *rest]
        else:
            sources = list(results)
        sources = sources[: self.settings.answer_sources]
        for rank, source in enumerate(sources, start=1):
            source.rank = rank
        return sources

    def evidence(self, question: str, results: list[Result]) -> Evidence:
        return Evidence(
            top=max((r.score for r in results), default=0.0),
            coverage=coverage(question, [r.text for r in results]),
            known=self.retriever.lexical.known(question),
        )

    def strong(self, question: str, results: list[Result]) -> bool:
        """Is the evidence good enough to answer? (thresholds in settings, calibrated in BENCHMARKS.md)"""
        settings = self.settings
        return bool(results) and self.evidence(question, results).strong(
            settings.answer_above, settings.refuse_below, settings.min_coverage, settings.min_known
        )

    def messages(self, answer: Answer) -> list[tuple[str, str]]:
        """System prompt (with the audience) first and unchanged between a session's questions, so llama.cpp can
        reuse its cache; the user message holds only what changes."""
        language, question = answer.language, answer.standalone
        blocks = []
        for number, source in enumerate(answer.sources, start=1):
            meta = source.metadata
            # the tag names the document and the innermost heading; the chunk's own heading line would repeat it
            section = meta.get("section", "").split(" > ")[-1]
            where = f", page {meta['page']}" if meta.get("page") else (f", {section}" if section else "")
            title = meta.get("title", "")
            if addresses_assistant(f"{title}{where}"):  # a planted instruction as a title or heading
                title, where = Path(str(meta.get("source", ""))).name, ""
            if source.id.startswith("catalog:"):
                text = self.card_summary(question, source.text)
            else:
                lang = meta.get("language", "nb")
                text = "\n".join(sentences.best(question, source.text, self.settings.context_sentences, lang))
            text = re.sub(r"</?\s*source", "‹source", text, flags=re.IGNORECASE)  # a document cannot close its tag
            blocks.append(
                f'<source n="{number}" title="{title}{where}" as_of="{meta.get("as_of", "")}">\n{text}\n</source>'
            )
        hint = self.prompts.get("explain", language, code=answer.code) if answer.code else ""
        user = re.sub(
            r"\n{3,}",
            "\n\n",
            self.prompts.get("answer", language, sources="\n".join(blocks), hint=hint, question=question),
        )  # no gap where there is no hint
        system = f"{self.prompts.get('system', language)}\n\n{self.prompts.audience(answer.audience, language)}"
        return [("system", system), ("user", user)]

    def instructions(self, answer: Answer) -> str:
        """The prompt's own wording, without the sources: what an answer must never repeat."""
        language = answer.language
        hint = self.prompts.get("explain", language, code=answer.code) if answer.code else ""
        template = self.prompts.get("answer", language, sources="", hint=hint, question="")
        return "\n".join(
            [self.prompts.get("system", language), self.prompts.audience(answer.audience, language), template]
        )

    def card_summary(self, question: str, card: str) -> str:
        """A catalogue card cut for the model: its heading and official title, then the `card_lines` lines that
        best match the question (the whole card when 0). Every line less is ~25 ms less before the first token."""
        lines = card.split("\n")
        keep = self.settings.card_lines
        if not keep or len(lines) <= keep + 2:
            return card
        wanted = set(tokens(question, ("nb", "en")))
        rest = list(dict.fromkeys(line for line in lines[2:] if line.strip()))  # a goal's sections repeat the source
        best = sorted(range(len(rest)), key=lambda i: (-sentences.overlap(wanted, rest[i]), i))[:keep]
        chosen = [rest[i] for i in sorted(best)]
        # a paragraph on one line (a goal's "about") gives its two best sentences
        chosen = [
            line if len(line) <= LONG_LINE else " ".join(sentences.best(question, f"-\n{line}", 1)) for line in chosen
        ]
        return "\n".join(lines[:2] + chosen)

    # -- step 2: the answer itself ----------------------------------------------------------------------------
    def generate(
        self, answer: Answer, backend: str | None = None, on_wait: Callable[[int], None] | None = None
    ) -> Iterator[str]:
        """The answer's text as it is written: the refusal, a cached answer, or the first backend of the chain
        that answers. `on_wait` hears the place in the queue while a local model answers other sessions."""
        lang = answer.language
        if answer.refused:
            answer.text = self.prompts.get("refusal", lang)
            yield answer.text
            return
        wanted = [b for b in self.chain if (backend is None or b.kind == backend) and b.available()[0]]
        chain = list(dict.fromkeys([*wanted, self.chain[-1]]))  # the extractive backend always closes the chain
        if self.cache and chain[0].kind != "extractive" and self.from_cache(answer, chain[0]):
            yield answer.text
        else:
            yield from self.write(answer, chain, on_wait)
            if not answer.text:  # even the extractive backend found no sentence worth quoting
                answer.refused, answer.backend, answer.text = True, "refusal", self.prompts.get("refusal", lang)
                yield answer.text
                return
            if self.cache and not answer.notices and chain[0].kind != "extractive":
                self.remember(answer)
        answer.citations = cited(answer.text, answer.sources)
        if answer.audience == "student" and answer.citations:
            refs = reference_list(answer.citations, lang)
            answer.text += "\n\n" + refs
            yield "\n\n" + refs

    def write(self, answer: Answer, chain: list[Backend], on_wait: Callable[[int], None] | None) -> Iterator[str]:
        """Stream the first backend of `chain` that answers; then `answer.text` and `answer.backend` are set."""
        lang = answer.language
        prompt = Prompt(
            messages=self.messages(answer),
            question=answer.standalone,
            language=lang,
            sources=answer.sources,
            intro=self.prompts.get("extractive", lang),
            max_tokens=self.settings.audience_max_tokens.get(answer.audience),
            on_wait=on_wait,
        )
        parts: list[str] = []
        for index, candidate in enumerate(chain):
            written: list[str] = []
            tokens = tidy_citations(candidate.stream(prompt))
            if self.settings.check_answers and candidate.kind != "extractive":
                tokens = self.checked(tokens, answer)
            try:
                for token in tokens:
                    written.append(token)
                    yield token
            except LLMError as exc:
                reason = TEXT[lang]["reasons"][exc.kind].format(seconds=f"{exc.seconds:.0f}")
                if not written:  # nothing shown yet: the next backend answers, and the reader is told why
                    following = chain[index + 1]  # the last, extractive, never fails
                    instead = (
                        TEXT[lang]["instead_extractive"]
                        if following.kind == "extractive"
                        else TEXT[lang]["instead_model"].format(next=following.name)
                    )
                    notice = f"{TEXT[lang]['skipped'].format(failed=candidate.name, reason=reason)} {instead}"
                    answer.notices.append(notice)
                    parts.append(f"_{notice}_\n\n")
                    yield parts[-1]
                    continue
                notice = TEXT[lang]["cut"].format(reason=reason)  # what the reader saw is kept, and said to be cut
                answer.notices.append(notice)
                written.append(f" …\n\n_{notice}_")
                yield written[-1]
            if answer.checked_out:
                written.append(f"\n\n_{TEXT[lang]['checked_out'].format(count=answer.checked_out)}_")
                yield written[-1]
            parts += written
            answer.backend = candidate.name
            if candidate.kind != "extractive":
                answer.written = "".join(written).strip()
            if self.settings.quote_evidence and candidate.kind != "extractive":
                evidence = self.evidence_quotes(answer)
                if evidence:
                    parts.append("\n\n" + evidence)
                    yield parts[-1]
            break
        answer.text = "".join(parts).strip()

    def checked(self, tokens: Iterator[str], answer: Answer) -> Iterator[str]:
        """The model's words a sentence at a time, each shown once complete and borne out by the sources: a number
        none of its sources has, a "[n]" or a citation standing where a name belongs, or the prompt's own
        instructions repeated, and the sentence is left out (a citation of a catalogue item is replaced by the
        item's code and name instead). `answer.checked_out` counts what was left out."""
        sources = [source.text for source in answer.sources]
        instructions = self.instructions(answer)
        held = ""
        for token in tokens:
            held += token
            end = max(held.rfind("\n"), *(held.rfind(mark + " ") + 1 for mark in ".!?"))
            if end > 0:
                done, held = held[:end], held[end:]
                yield from self._vetted(done, answer, sources, instructions)
        if held.strip():
            yield from self._vetted(held, answer, sources, instructions)

    def _vetted(self, text: str, answer: Answer, sources: list[str], instructions: str) -> Iterator[str]:
        for finding in check(text, sources, answer.standalone, instructions):
            if finding.kind == "citation_as_noun":
                fixed = self._named(finding.sentence, answer)
            elif finding.kind == "number":
                fixed = self._recited(finding.sentence, finding.detail.split(", "), sources)
            else:
                fixed = None
            if fixed and not check(fixed, sources, answer.standalone, instructions):
                text = text.replace(finding.sentence, fixed, 1)
            else:
                text = text.replace(finding.sentence, "", 1)
                answer.checked_out += 1
        if text.strip():
            yield text

    @staticmethod
    def _recited(sentence: str, missing: list[str], sources: list[str]) -> str | None:
        """The sentence citing the source that states its numbers, when the model cited another one."""
        holders = [n for n, text in enumerate(sources, start=1) if all(supported(num, text) for num in missing)]
        if not holders:
            return None
        cited = re.sub(r"\s*\[\d{1,2}\]", "", sentence).rstrip()
        end = cited[-1] if cited and cited[-1] in ".!?" else ""
        return f"{cited.rstrip('.!?')} [{holders[0]}]{end}" + sentence[len(sentence.rstrip()) :]

    def _named(self, sentence: str, answer: Answer) -> str | None:
        """The sentence with each citation of a catalogue item preceded by the item's code and name."""

        def name(match: re.Match) -> str:
            number = int(match.group(1))
            if not 1 <= number <= len(answer.sources):
                return match.group(0)
            code = (answer.sources[number - 1].metadata.get("codes") or "").split("|")[0]
            item = self.catalog.items.get(code)
            return f"{item.code} {item.label(answer.language)} {match.group(0)}" if item else match.group(0)

        named = re.sub(r"\[(\d{1,2})\]", name, sentence)
        return named if named != sentence else None

    # -- the answer cache ---------------------------------------------------------------------------------------
    def _cache_key(self, answer: Answer, backend: Backend) -> Key:
        return Key(answer.language, answer.audience, backend.name, self.version)

    def _fingerprints(self, sources: list[Result]) -> list[dict]:
        """What each source is now: a chunk's content hash, or the hash of a catalogue card's text."""
        out = []
        for source in sources:
            if source.id.startswith("catalog:"):
                digest = hashlib.sha256(source.text.encode()).hexdigest()[:16]
            else:
                digest = str(self.retriever.metas.get(source.id, {}).get("content_hash", ""))
            out.append({"id": source.id, "hash": digest})
        return out

    def _still_valid(self, language: str) -> Callable[[list[dict]], bool]:
        def valid(stored: list[dict]) -> bool:
            current = []
            for entry in stored:
                if entry["id"].startswith("catalog:"):
                    code = entry["id"].removeprefix("catalog:")
                    if code not in self.catalog.items:
                        return False
                    current.append(self.card(code, language))
                elif entry["id"] in self.retriever.metas:
                    current.append(Result(0, entry["id"], "", {}, 0.0))
                else:
                    return False
            return self._fingerprints(current) == stored

        return valid

    def from_cache(self, answer: Answer, backend: Backend) -> bool:
        """Fill `answer` from the cache when this question (or a near-repeat) was answered by the same backend
        and prompts from sources still unchanged in the index."""
        assert self.cache is not None
        vector = self.retriever.embedder.query(answer.standalone)
        entry = self.cache.find(
            answer.standalone,
            vector,
            answer.codes,
            self._cache_key(answer, backend),
            self._still_valid(answer.language),
        )
        if entry is None:
            return False
        stored = entry.answer
        answer.text, answer.backend = stored["text"], stored["backend"]
        answer.sources = [Result(r["rank"], r["id"], r["text"], r["metadata"], r["score"]) for r in stored["sources"]]
        answer.cached_at, answer.cache_id = entry.created_at, entry.id
        return True

    def remember(self, answer: Answer) -> None:
        assert self.cache is not None
        if personal(answer.question) or personal(answer.standalone):
            return  # a question with an e-mail address, a phone or an identity number is never stored
        backend = next(b for b in self.chain if b.name == answer.backend)
        stored = {
            "text": answer.text,
            "backend": answer.backend,
            "sources": [
                {"rank": s.rank, "id": s.id, "text": s.text, "metadata": s.metadata, "score": s.score}
                for s in answer.sources
            ],
        }
        vector = self.retriever.embedder.query(answer.standalone)
        answer.cache_id = self.cache.put(
            answer.standalone,
            vector,
            answer.codes,
            self._cache_key(answer, backend),
            self._fingerprints(answer.sources),
            stored,
        )

    def evidence_quotes(self, answer: Answer) -> str:
        """A model's wording backed by source sentences, quoted and numbered: for a code, its official wording from
        the catalogue card (source 1) first, then the sentences that best match the question."""
        lang = answer.language
        first = f"> «{definition(self.catalog.items[answer.code], lang)}» [1]\n\n" if answer.code else ""
        rest = sentences.quoted(sentences.quotes(answer.standalone, answer.sources, lang, 2 - bool(answer.code)))
        return f"{TEXT[lang]['evidence']}\n\n{first}{rest}" if first or rest else ""

    # -- both steps ---------------------------------------------------------------------------------------------
    def stream(
        self, question: str, history: list[Turn] | None = None, audience: str | None = None, backend: str | None = None
    ) -> AnswerStream:
        history = history or []
        answer = self.start(question, history, audience)

        def run() -> Iterator[str]:
            self.fill(answer, history)
            yield from self.generate(answer, backend)

        return AnswerStream(run(), answer)

    def ask(
        self, question: str, history: list[Turn] | None = None, audience: str | None = None, backend: str | None = None
    ) -> Answer:
        stream = self.stream(question, history, audience, backend)
        for _ in stream:
            pass
        return stream.answer
