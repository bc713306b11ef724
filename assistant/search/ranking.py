"""How candidates become results: reciprocal rank fusion of the dense and BM25 lists, the chunks shaped like the
answer a question asks for ("how many", "which"), and the removal of repeats (near-copies, translation twins, more
than a document's share)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from assistant.language import registry
from assistant.language.tokens import stop_words, tokens, words
from assistant.search.lexical import expand
from assistant.search.snapshot import CATALOG_TYPES, Snapshot
from assistant.settings import SearchMode, Settings

RRF_K = 60
DUPLICATE_JACCARD = 0.9
SHAPED_POOL = 30  # of the fused candidates, the ones looked at for the answer's shape
SHAPED_DEPTH = 50  # and as deep in BM25's ranking of the documents (the cards crowd out the one stating a count)
COUNT_DEPTH = 500  # for "how many X": as deep in BM25's ranking of the documents that name X
LISTED = re.compile(
    r"(?<![\w-])([A-ZÆØÅ][\wæøå-]+(?: [A-ZÆØÅ][\wæøå-]+)?,\s+){2,}[A-ZÆØÅ][\wæøå-]+|(^|\n)[ \t]*(?:[-*•]|\d+[.)])\s"
)


@dataclass(frozen=True)
class Tuning:
    """How results are ranked (the settings' search section)."""

    mode: SearchMode = "hybrid"  # the default method, for every caller
    bm25_weight: float = 0.5  # BM25's weight against dense (1.0) in the fusion
    per_document: int = 0  # chunks of one document in the results, unless nothing else qualifies (0: no limit)
    drop_twins: bool = False  # the same passage in the other language counts once
    shaped_first: int = 0  # chunks shaped like the answer ("how many", "which") put first

    @classmethod
    def of(cls, settings: Settings) -> Tuning:
        names = ("search_mode", "bm25_weight", "per_document", "drop_twins", "shaped_first")
        return cls(*(getattr(settings, name) for name in names))


def rrf(rankings: list[list[str]], weights: list[float]) -> list[str]:
    """Weighted reciprocal rank fusion."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for position, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + weight / (RRF_K + position + 1)
    return sorted(scores, key=lambda c: -scores[c])


def _words(words: list[str]) -> str:
    return "|".join(map(re.escape, words))


@lru_cache(maxsize=4)
def _question_shapes(codes: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """The registered languages' words for "how many" (anywhere), "which" (at the start), "why" (anywhere) and the
    words that give a reason."""
    languages = [registry.get(code) for code in codes]
    return (
        re.compile(rf"\b({_words([w for lang in languages for w in lang.count_words])})\b", re.I),
        re.compile(rf"^\W*({_words([w for lang in languages for w in lang.list_words])})\b", re.I),
        re.compile(rf"\b({_words([w for lang in languages for w in lang.why_words])})\b", re.I),
        re.compile(rf"\b({_words([w for lang in languages for w in lang.reason_words])})\b", re.I),
    )


YEAR = re.compile(r"\b(1[89]|20)\d\d\b")


def sentence_shape(query: str) -> Callable[[str], bool] | None:
    """For a question that asks for a number, a reason or a time, whether a sentence holds one; None for other
    questions."""
    count_question, _, why_question, reason = _question_shapes(registry.codes())
    if count_question.search(query):
        return lambda sentence: bool(re.search(r"\d", sentence))
    if why_question.search(query):
        return lambda sentence: bool(reason.search(sentence))
    if _when(registry.codes()).search(query):
        return lambda sentence: bool(YEAR.search(sentence))
    return None


@lru_cache(maxsize=4)
def _when(codes: tuple[str, ...]) -> re.Pattern:
    return re.compile(rf"\b({_words([w for code in codes for w in registry.get(code).when_words])})\b", re.I)


def counted(query: str) -> str:
    """What a "how many" question counts: its words after "how many" up to the first stop word ("how many global
    indicators does ..." -> "global indicators"); "" for other questions."""
    found = _question_shapes(registry.codes())[0].search(query)
    if not found:
        return ""
    stop = stop_words()
    phrase: list[str] = []
    for word in re.findall(r"[\wæøå-]+", query[found.end() :].lower())[:4]:
        if word in stop:
            break
        phrase.append(word)
    return " ".join(phrase)


def _count_strength(text: str, own: list[str], others: list[set[str]]) -> float:
    """How well a text states the count, by its best sentence: a number whose noun (the last word before punctuation
    or a stop word, within three words: "17 global goals", "91 KPIs,") is what is counted (the question's own word 1,
    an equivalent 0.75; a compound by its head: nøkkel+indikator), and a third for each other word of the question in
    that sentence (the framework it asks about: "U4SSC has defined 91 KPIs")."""
    wanted = {want: 1.0 if want in own else 0.75 for want in expand(own)}
    stop = stop_words()

    def credit(noun: str) -> float:
        return max(
            (
                w
                for want, w in wanted.items()
                for s in tokens(noun)
                if s == want or (s.endswith(want) and len(want) >= 4)
            ),
            default=0.0,
        )

    def stated(sentence: str) -> float:
        parts = re.findall(r"[\wæøå]+(?:-[\wæøå]+)*|[^\w\s]", sentence.lower())
        best = 0.0
        for index, part in enumerate(parts):
            if part.isdigit():
                noun = ""
                for word in parts[index + 1 : index + 4]:
                    if not word[0].isalnum() or word in stop:
                        break
                    noun = word
                best = max(best, credit(noun))
        if not best:
            return 0.0
        stems = set(tokens(sentence))
        return best + sum(bool(word & stems) for word in others) / 3

    return max(map(stated, re.split(r"(?<=[.!?:])\s+|\n(?=\s*(?:\n|[-*|#]))", text)), default=0.0)


def answer_shaped(query: str, ranked: list[str], texts: dict[str, str], pool: list[str]) -> list[str]:
    """Candidates shaped like the answer a question asks for, from the fused ranking and the deeper `pool` of
    either list: for "how many X", a number just before X or a word for it ("91 KPI-er", "91 nøkkelindikatorer",
    "17 mål"), the question's own word before an equivalent; for "which ones", a list (names in a row, or items); for
    "why", words that give a reason ("fordi", "the advantage"). A chunk that only repeats the question's words ranks
    no higher for it."""
    _, list_question, why_question, reason = _question_shapes(registry.codes())
    candidates = [cid for cid in dict.fromkeys([*ranked[:SHAPED_POOL], *pool]) if cid in pool]
    if phrase := counted(query):
        own = tokens(phrase)
        others = [set(tokens(word)) for word in words(query) if not set(tokens(word)) & set(own)]
        strength = {cid: _count_strength(texts.get(cid, ""), own, others) for cid in candidates}
        return sorted((cid for cid in candidates if strength[cid] > 0), key=lambda cid: -strength[cid])
    if list_question.search(query):

        def shaped(text: str) -> bool:
            return bool(LISTED.search(text.split("\n", 1)[-1]))

    elif why_question.search(query):

        def shaped(text: str) -> bool:
            return bool(reason.search(text.split("\n", 1)[-1]))

    else:
        return []
    return [cid for cid in candidates if shaped(texts.get(cid, ""))]


def _passage(meta: dict) -> tuple[str, str]:
    """What a chunk and its translation twin share: the document without its language (about.nb.md and about.en.md)
    and the position, or for a catalogue item its code and section."""
    if meta.get("doc_type") in CATALOG_TYPES:
        return (str(meta.get("codes", "")).split("|")[0], str(meta.get("section", "")))
    return (_twin_suffix(registry.codes()).sub(r"\2", str(meta.get("path", ""))), str(meta.get("chunk_index", "")))


@lru_cache(maxsize=4)
def _twin_suffix(codes: tuple[str, ...]) -> re.Pattern:
    """The language in a file name: about.nb.md, about.en.md."""
    return re.compile(r"\.(" + "|".join(map(re.escape, codes)) + r")(\.\w+)$")


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def distinct(snap: Snapshot, ranked: list[str], limit: int, tuning: Tuning) -> list[str]:
    """The first `limit` chunks of `ranked` without repeats: a chunk that repeats an earlier one almost word for
    word, the translation twin of one already chosen (the same passage in the other language), and more than
    `per_document` chunks of one document, unless too few others remain (then they fill the places left)."""
    chosen: list[str] = []
    later: list[str] = []
    seen: list[set[str]] = []
    per_file: dict[str, int] = {}
    passages: set[tuple[str, str]] = set()
    for cid in ranked:
        if cid not in snap.texts:
            continue
        shingles = _shingles(snap.texts[cid])
        if any(len(shingles & other) / max(1, len(shingles | other)) >= DUPLICATE_JACCARD for other in seen):
            continue
        passage = _passage(snap.metas.get(cid, {}))
        if tuning.drop_twins and passage in passages:
            continue
        path = passage[0]  # the document (a catalogue item counts as its own document)
        if tuning.per_document and per_file.get(path, 0) >= tuning.per_document:
            later.append(cid)
            continue
        chosen.append(cid)
        seen.append(shingles)
        passages.add(passage)
        per_file[path] = per_file.get(path, 0) + 1
        if len(chosen) == limit:
            return chosen
    return chosen + later[: limit - len(chosen)]
