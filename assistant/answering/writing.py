"""Step 3: the words. The first backend of the chain that answers writes, its sentences checked as they stream;
a backend that fails before its first token is skipped with a notice in the reader's language, one that fails later
keeps what was shown and says it was cut. After a model's words come the source sentences that best support them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from assistant.answering.checks import Vetter
from assistant.answering.citations import tidy_citations
from assistant.answering.parts import Prepared, Written
from assistant.answering.prompts import MessageBuilder, Prompts
from assistant.knowledge.cards import definition
from assistant.knowledge.catalog import Catalog
from assistant.language import sentences
from assistant.llm.base import Backend, LLMError, Prompt
from assistant.texts import Section

TEXT = Section("answer")


class Writer:
    def __init__(
        self,
        catalog: Catalog,
        prompts: Prompts,
        builder: MessageBuilder,
        max_tokens: dict[str, int],
        check: bool = True,
        quote_evidence: bool = True,
    ) -> None:
        self.catalog = catalog
        self.prompts = prompts
        self.builder = builder
        self.max_tokens = max_tokens  # by audience
        self.check = check  # leave out a model's sentences its sources do not bear out
        self.quote_evidence = quote_evidence  # quote the source sentences that best support a model's words

    def write(
        self, prepared: Prepared, chain: list[Backend], on_wait: Callable[[int], None] | None = None
    ) -> Iterator[str | Written]:
        """The text as the first backend of `chain` that answers writes it, then (last) what was `Written`."""
        lang = prepared.language
        prompt = Prompt(
            messages=self.builder.messages(prepared),
            question=prepared.standalone,
            language=lang,
            sources=list(prepared.sources),
            intro=self.prompts.get("extractive", lang),
            max_tokens=self.max_tokens.get(prepared.audience),
            on_wait=on_wait,
        )
        parts: list[str] = []
        notices: list[str] = []
        for index, candidate in enumerate(chain):
            written: list[str] = []
            vetter = self._vetter(prepared)
            tokens = tidy_citations(candidate.stream(prompt))
            if self.check and candidate.kind != "extractive":
                tokens = vetter(tokens)
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
                    notices.append(notice)
                    parts.append(f"_{notice}_\n\n")
                    yield parts[-1]
                    continue
                notice = TEXT[lang]["cut"].format(reason=reason)  # what the reader saw is kept, and said to be cut
                notices.append(notice)
                written.append(f" …\n\n_{notice}_")
                yield written[-1]
            if vetter.checked_out:
                written.append(f"\n\n_{TEXT[lang]['checked_out'].format(count=vetter.checked_out)}_")
                yield written[-1]
            parts += written
            words = "".join(written).strip() if candidate.kind != "extractive" else ""
            if self.quote_evidence and candidate.kind != "extractive":
                evidence = self.evidence_quotes(prepared)
                if evidence:
                    parts.append("\n\n" + evidence)
                    yield parts[-1]
            yield Written("".join(parts).strip(), candidate.name, words, tuple(notices), vetter.checked_out)
            return
        yield Written("".join(parts).strip(), "", "", tuple(notices))

    def _vetter(self, prepared: Prepared) -> Vetter:
        def name_of(number: int) -> str | None:
            code = (prepared.sources[number - 1].metadata.get("codes") or "").split("|")[0]
            item = self.catalog.items.get(code)
            return f"{item.code} {item.label(prepared.language)}" if item else None

        return Vetter(
            [source.text for source in prepared.sources],
            prepared.standalone,
            self.builder.instructions(prepared),
            name_of,
            prepared.language,
        )

    def evidence_quotes(self, prepared: Prepared) -> str:
        """A model's wording backed by source sentences, quoted and numbered: for a code, its official wording from
        the catalogue card (source 1) first, then the sentences that best match the question."""
        lang = prepared.language
        first = f"> «{definition(self.catalog.items[prepared.code], lang)}» [1]\n\n" if prepared.code else ""
        rest = sentences.quoted(
            sentences.quotes(prepared.standalone, list(prepared.sources), lang, 2 - bool(prepared.code))
        )
        return f"{TEXT[lang]['evidence']}\n\n{first}{rest}" if first or rest else ""
