"""Answering: condense a follow-up, retrieve, refuse on weak evidence, prompt a backend, stream, cite.

`Answerer.stream()` yields answer text as it is produced; when the stream is exhausted, `.answer` holds the
whole `Answer` (text, language, backend, refusal, citations, sources).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from assistant import sentences
from assistant.cards import definition, render
from assistant.catalog import Catalog, find_codes
from assistant.language import detect_language
from assistant.lexical import coverage
from assistant.llm import Backend, ExtractiveBackend, LLMError, Prompt
from assistant.prompts import Prompts
from assistant.retrieval import Result, Retriever
from assistant.settings import Settings

FOLLOW_UP = re.compile(
    r"^\s*(og|and|men|but|hva med|what about|how about|enn|hvorfor|why|hvordan|how|hvem|who|når|when)\b"
    r"|\b(den|det|dette|denne|disse|de|dem|it|this|that|these|those|they|them|its|their)\b", re.IGNORECASE)
CITATION = re.compile(r"\[(\d{1,2})\]")
LOOSE_CITATION = re.compile(r"\[\s*(?:n|nr|kilde|source)?\s*:?\s*(\d{1,2})(?:\s*:\s*\d{1,3})?\s*\]", re.IGNORECASE)
BRACKET_WAIT = 16  # characters held back after a "[" while waiting for its "]"
REASONS = {
    "nb": {"unreachable": "kunne ikke nås", "busy": "var opptatt med andres spørsmål i mer enn {seconds} sekunder",
           "first_token": "begynte ikke å svare innen {seconds} sekunder", "total": "brukte mer enn {seconds} sekunder",
           "error": "svarte med en feil"},
    "en": {"unreachable": "could not be reached", "busy": "was busy with other people's questions for more than "
           "{seconds} seconds", "first_token": "did not start answering within {seconds} seconds",
           "total": "took more than {seconds} seconds", "error": "replied with an error"},
}
SKIPPED = {"nb": "Språkmodellen ({failed}) ble hoppet over: den {reason}.",
           "en": "The language model ({failed}) was skipped: it {reason}."}
INSTEAD = {"nb": {"extractive": "Her er sitater fra dokumentene i stedet.", "model": "{next} svarer i stedet."},
           "en": {"extractive": "Here are quotes from the documents instead.", "model": "{next} answers instead."}}
CUT = {"nb": "Svaret stopper her: språkmodellen {reason}.", "en": "The answer stops here: the language model {reason}."}
REFERENCES = {"nb": "Referanser", "en": "References"}
EVIDENCE = {"nb": "Fra kildene:", "en": "From the sources:"}
ACCESSED = {"nb": "lest", "en": "accessed"}


def tidy_citations(tokens: Iterator[str]) -> Iterator[str]:
    """Small models also cite as [n:1], [n: 4] or [1:1]: rewritten to [1] as the tokens stream, holding text back
    from a "[" until its "]" (or for at most BRACKET_WAIT characters)."""
    held = ""
    for token in tokens:
        held += token
        start = held.rfind("[")
        if start >= 0 and "]" not in held[start:] and len(held) - start <= BRACKET_WAIT:
            ready, held = held[:start], held[start:]
        else:
            ready, held = held, ""
        if ready:
            yield LOOSE_CITATION.sub(r"[\1]", ready)
    if held:
        yield LOOSE_CITATION.sub(r"[\1]", held)


@dataclass
class Evidence:
    top: float  # best cosine similarity among the retrieved chunks
    coverage: float  # share of the question's words found in them
    known: float  # share of the question's words found anywhere in the corpus

    def strong(self, answer_above: float, refuse_below: float, min_coverage: float, min_known: float) -> bool:
        return self.top >= answer_above or (self.top >= refuse_below and self.coverage >= min_coverage
                                            and self.known >= min_known)


@dataclass
class Turn:
    question: str
    standalone: str
    answer: str


@dataclass
class Citation:
    n: int
    title: str
    source: str
    page: int | None
    section: str
    as_of: str
    text: str

    def as_json(self) -> dict:
        return {"n": self.n, "title": self.title, "source": self.source, "page": self.page, "as_of": self.as_of}


@dataclass
class Answer:
    question: str
    standalone: str
    language: str
    audience: str
    backend: str = ""
    refused: bool = False
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    sources: list[Result] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"question": self.question, "answer": self.text, "language": self.language, "backend": self.backend,
                "refused": self.refused, "citations": [c.as_json() for c in self.citations],
                "sources": [s.as_json() for s in self.sources]}


class AnswerStream:
    def __init__(self, tokens: Iterator[str], answer: Answer) -> None:
        self._tokens = tokens
        self.answer = answer

    def __iter__(self) -> Iterator[str]:
        return self._tokens


class Answerer:
    def __init__(self, settings: Settings, retriever: Retriever, catalog: Catalog, prompts: Prompts,
                 chain: list[Backend]) -> None:
        self.settings = settings
        self.retriever = retriever
        self.catalog = catalog
        self.prompts = prompts
        self.chain = chain

    # -- pieces ----------------------------------------------------------------------------------------------
    def condense(self, question: str, history: list[Turn], language: str) -> str:
        """A standalone question. Code swaps ("Hva med mål 12?") are rewritten directly; other follow-ups
        go to the first LLM that answers; without one, the previous question is added as context."""
        if not history:
            return question
        previous = history[-1].standalone
        new_codes, old_codes = find_codes(question, self.catalog), find_codes(previous, self.catalog)
        if new_codes and old_codes and len(question.split()) <= 6:
            pattern = rf"(?<![\w.]){re.escape(old_codes[0])}(?![\w.]*\d)"
            swapped, n = re.subn(pattern, new_codes[0], previous, count=1, flags=re.IGNORECASE)
            if n:
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
        return f"{question} ({previous})"

    def card(self, code: str, language: str) -> Result:
        item = self.catalog.get(code)
        text = render(self.catalog, item, language)
        return Result(rank=0, id=f"catalog:{code}", text=text, score=1.0, metadata={
            "title": text.split("\n", 1)[0], "source": item.source, "as_of": item.as_of, "language": language,
            "doc_type": f"catalog_{item.kind}", "codes": code, "section": code})

    def sources_for(self, standalone: str, language: str) -> tuple[list[Result], str | None, bool]:
        """(numbered sources, the code explained or None, evidence strong enough)."""
        results = self.retriever.search(standalone, k=self.settings.top_k)
        codes = find_codes(standalone, self.catalog)
        if codes:
            card = self.card(codes[0], language)
            rest = [r for r in results if (r.metadata.get("codes") or "").split("|")[0] != codes[0]]
            sources = [card, *rest][: self.settings.answer_sources]
        else:
            sources = results[: self.settings.answer_sources]
        for n, source in enumerate(sources, start=1):
            source.rank = n
        return sources, (codes[0] if codes else None), bool(codes) or self.strong(standalone, results)

    def evidence(self, question: str, results: list[Result]) -> "Evidence":
        return Evidence(top=max((r.score for r in results), default=0.0),
                        coverage=coverage(question, [r.text for r in results]),
                        known=self.retriever.lexical.known(question))

    def strong(self, question: str, results: list[Result]) -> bool:
        """Is the evidence good enough to answer? (thresholds in settings, calibrated in BENCHMARKS.md)"""
        s = self.settings
        return bool(results) and self.evidence(question, results).strong(s.answer_above, s.refuse_below,
                                                                         s.min_coverage, s.min_known)

    def messages(self, question: str, language: str, audience: str, sources: list[Result], code: str | None):
        """System prompt (with the audience) first and unchanged between a session's questions, so llama.cpp can
        reuse its cache; the user message holds only what changes."""
        blocks = []
        for n, s in enumerate(sources, start=1):
            m = s.metadata
            # the tag names the document and the innermost heading; the chunk's own heading line would repeat it
            section = m.get("section", "").split(" > ")[-1]
            where = f", page {m['page']}" if m.get("page") else (f", {section}" if section else "")
            text = s.text if s.id.startswith("catalog:") else "\n".join(
                sentences.best(question, s.text, self.settings.context_sentences))
            text = re.sub(r"</?\s*source", "‹source", text, flags=re.IGNORECASE)  # a document cannot close its tag
            blocks.append(f'<source n="{n}" title="{m.get("title", "")}{where}" as_of="{m.get("as_of", "")}">\n'
                          f"{text}\n</source>")
        hint = self.prompts.get("explain", language, code=code) if code else ""
        user = re.sub(r"\n{3,}", "\n\n", self.prompts.get("answer", language, sources="\n".join(blocks), hint=hint,
                                                          question=question))  # no gap where there is no hint
        system = f'{self.prompts.get("system", language)}\n\n{self.prompts.audience(audience, language)}'
        return [("system", system), ("user", user)]

    # -- the whole answer --------------------------------------------------------------------------------------
    def stream(self, question: str, history: list[Turn] | None = None, audience: str | None = None,
               backend: str | None = None) -> AnswerStream:
        history = history or []
        audience = audience or self.settings.audience
        language = detect_language(question, default=detect_language(history[-1].question) if history else "nb")
        answer = Answer(question=question, standalone=question, language=language, audience=audience)
        return AnswerStream(self._run(answer, history, backend), answer)

    def ask(self, question: str, history: list[Turn] | None = None, audience: str | None = None,
            backend: str | None = None) -> Answer:
        stream = self.stream(question, history, audience, backend)
        for _ in stream:
            pass
        return stream.answer

    def _run(self, answer: Answer, history: list[Turn], backend: str | None) -> Iterator[str]:
        lang = answer.language
        answer.standalone = self.condense(answer.question, history, lang)
        sources, code, strong = self.sources_for(answer.standalone, lang)
        answer.sources = sources
        if not strong:
            answer.refused, answer.backend, answer.text = True, "refusal", self.prompts.get("refusal", lang)
            yield answer.text
            return
        prompt = Prompt(messages=self.messages(answer.standalone, lang, answer.audience, sources, code),
                        question=answer.standalone, language=lang, sources=sources,
                        intro=self.prompts.get("extractive", lang))
        chain = [b for b in self.chain if backend is None or b.kind == backend] or self.chain[-1:]
        parts: list[str] = []
        for n, candidate in enumerate(chain):
            ok, why = candidate.available()
            if not ok:
                continue
            written: list[str] = []
            try:
                for token in tidy_citations(candidate.stream(prompt)):
                    written.append(token)
                    yield token
            except LLMError as exc:
                reason = REASONS[lang][exc.kind].format(seconds=f"{exc.seconds:.0f}")
                if not written:  # nothing shown yet: the next backend answers, and the reader is told why
                    following = next((b.name for b in chain[n + 1 :] if b.available()[0]), "extractive")
                    instead = INSTEAD[lang]["extractive" if following == "extractive" else "model"]
                    notice = f"{SKIPPED[lang].format(failed=candidate.name, reason=reason)} " \
                             f"{instead.format(next=following)}"
                    answer.notices.append(notice)
                    parts.append(f"_{notice}_\n\n")
                    yield parts[-1]
                    continue
                notice = CUT[lang].format(reason=reason)  # what the reader saw is kept, and said to be cut short
                answer.notices.append(notice)
                written.append(f" …\n\n_{notice}_")
                yield written[-1]
            parts += written
            answer.backend = candidate.name
            if self.settings.quote_evidence and candidate.kind != "extractive":
                quotes = self.quotes(prompt, code)
                if quotes:
                    parts.append("\n\n" + quotes)
                    yield "\n\n" + quotes
            break
        answer.text = "".join(parts).strip()
        if not answer.text:  # even the extractive backend found no sentence worth quoting
            answer.refused, answer.backend, answer.text = True, "refusal", self.prompts.get("refusal", lang)
            yield answer.text
            return
        answer.citations = self.citations(answer.text, sources)
        if answer.audience == "student" and answer.citations:
            refs = self.references(answer.citations, lang)
            answer.text += "\n\n" + refs
            yield "\n\n" + refs

    def quotes(self, prompt: Prompt, code: str | None) -> str:
        """A small model's wording backed by source sentences, quoted and numbered: for a code, its official
        wording from the catalogue card (source 1) first, then the sentences that best match the question."""
        lang = prompt.language
        first = f"> «{definition(self.catalog.get(code), lang)}» [1]\n\n" if code else ""
        rest = "".join(ExtractiveBackend(max_sentences=2 - bool(code)).stream(
            Prompt(messages=[], question=prompt.question, language=lang, sources=prompt.sources)))
        return f"{EVIDENCE[lang]}\n\n{first}{rest}" if first or rest else ""

    @staticmethod
    def citations(text: str, sources: list[Result]) -> list[Citation]:
        """The sources the answer cites, in citation-number order; all sources shown when it cites none."""
        cited = sorted({int(n) for n in CITATION.findall(text) if 1 <= int(n) <= len(sources)})
        out = []
        for n in cited or range(1, len(sources) + 1):
            m = sources[n - 1].metadata
            out.append(Citation(n=n, title=m.get("title", ""), source=m.get("source", ""), page=m.get("page"),
                                section=m.get("section", ""), as_of=str(m.get("as_of", "")), text=sources[n - 1].text))
        return out

    @staticmethod
    def references(citations: list[Citation], language: str) -> str:
        from datetime import date

        today = date.today().isoformat()
        lines = [f"**{REFERENCES[language]}**"]
        for c in citations:
            page = f", s. {c.page}" if c.page and language == "nb" else (f", p. {c.page}" if c.page else "")
            lines.append(f"[{c.n}] {c.title}{page} ({c.as_of}). {c.source} ({ACCESSED[language]} {today})")
        return "\n".join(lines)
