"""Evaluation on JSONL question files: retrieval hit@k and MRR per mode, and (optionally) answer quality.

A line: {"id", "question", "lang", "must": [["alt1", "alt2"], ["alt3"]], "must_not": ["claim"], "answer",
"refuse": true, "follows": "id"}. "must" holds when every group is matched, case-insensitively, by at least one of its
alternatives, anywhere in the answer (summary, card, quotes); "must_not" lists wrong claims (a subject swapped, a
fact given to the wrong party) the model's summary must never make.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from assistant.answering.checks import check
from assistant.answering.parts import Turn
from assistant.search.retrieval import Query
from assistant.settings import SearchMode

if TYPE_CHECKING:
    from assistant.app.services import Services


@dataclass
class Question:
    id: str
    question: str
    lang: str = ""
    must: list[list[str]] = field(default_factory=list)
    refuse: bool = False
    follows: str | None = None
    must_not: list[str] = field(default_factory=list)  # wrong claims the model's summary must never make


def load_questions(path: Path, must_file: Path | None = None) -> list[Question]:
    """Questions of a JSONL file; `must_file` (JSON {id: must}) adds checks to a file that has none."""
    extra = json.loads(must_file.read_text(encoding="utf-8")) if must_file else {}
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{lineno} is not JSON: {exc}") from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str) or not obj["question"].strip():
            raise ValueError(f'{path}:{lineno} has no "question" text')
        try:
            obj["question"].encode("utf-8")
        except UnicodeEncodeError as exc:  # JSON allows "\ud800", which is no character at all
            raise ValueError(
                f"{path}:{lineno}: the question holds an invalid character ({exc.reason}: "
                f"{obj['question'][exc.start : exc.end]!a})"
            ) from exc
        must = obj.get("must") or extra.get(str(obj.get("id"))) or []
        if not all(isinstance(g, list) and all(isinstance(a, str) for a in g) for g in must):
            raise ValueError(f'{path}:{lineno}: "must" must be a list of lists of strings')
        must_not = obj.get("must_not") or []
        if not all(isinstance(a, str) for a in must_not):
            raise ValueError(f'{path}:{lineno}: "must_not" must be a list of strings')
        out.append(
            Question(
                id=str(obj.get("id", lineno)),
                question=obj["question"],
                lang=obj.get("lang", ""),
                must=must,
                refuse=bool(obj.get("refuse", False)),
                follows=obj.get("follows"),
                must_not=must_not,
            )
        )
    return out


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("\u00a0", " ").split())


def satisfies(text: str, must: list[list[str]]) -> bool:
    normalized = _norm(text)
    return all(any(_norm(alt) in normalized for alt in group) for group in must)


def first_match_rank(texts: list[str], must: list[list[str]]) -> int | None:
    """1-based rank of the first chunk that matches at least one group."""
    for rank, text in enumerate(texts, start=1):
        normalized = _norm(text)
        if any(any(_norm(alt) in normalized for alt in group) for group in must):
            return rank
    return None


class Evaluator:
    def __init__(self, services: Services) -> None:
        self.services = services

    def query(self, question: Question, by_id: dict[str, Question]) -> Query:
        """Follow-ups are retrieved with the conversation condensed, as the app does."""
        if not (question.follows and question.follows in by_id):
            return self.services.query(question.question)
        first = by_id[question.follows]
        history = [Turn(first.question, first.question, "")]
        understanding = self.services.answerer.understanding
        return understanding.understand(question.question, history, self.services.settings.audience).query

    def retrieval(self, questions: list[Question], k: int, modes: list[str]) -> dict:
        by_id = {q.id: q for q in questions}
        rows, summary = [], {}
        for mode in modes:
            hits, rr, count, seconds = 0, 0.0, 0, 0.0
            for question in questions:
                if question.refuse or not question.must:
                    continue
                query = self.query(question, by_id)
                started = time.perf_counter()
                results = self.services.retriever.search(query, k=k, mode=cast(SearchMode, mode))
                seconds += time.perf_counter() - started
                texts = [r.text for r in results]
                hit = satisfies("\n".join(texts), question.must)
                rank = first_match_rank(texts, question.must)
                hits += hit
                rr += 1.0 / rank if rank else 0.0
                count += 1
                rows.append({"id": question.id, "mode": mode, "hit": hit, "rank": rank, "query": query.text})
            summary[mode] = {
                "questions": count,
                f"hit@{k}": round(hits / max(count, 1), 3),
                "mrr": round(rr / max(count, 1), 3),
                "ms_per_query": round(1000 * seconds / max(count, 1), 1),
            }
        return {"rows": rows, "summary": summary}

    def answers(self, questions: list[Question], audience: str | None = None) -> dict:
        answerer = self.services.answerer
        by_id = {q.id: q for q in questions}
        answered: dict[str, tuple[str, str]] = {}
        rows: list[dict[str, Any]] = []
        for question in questions:
            history = []
            if question.follows and question.follows in answered:
                first_q, first_a = answered[question.follows]
                history = [Turn(first_q, by_id[question.follows].question, first_a)]
            started = time.perf_counter()
            answer = answerer.ask(question.question, history, audience=audience)
            answered[question.id] = (question.question, Turn.of(answer).answer)
            cites = bool(re.search(r"\[\d+\]", answer.text)) and bool(answer.citations)
            findings = (
                check(
                    answer.written,
                    [s.text for s in answer.sources],
                    answer.standalone,
                    answerer.writer.builder.instructions(answer.prepared),
                    answer.language,
                )
                if answer.written
                else []
            )
            kinds = [f.kind for f in findings]
            rows.append(
                {
                    "id": question.id,
                    "lang": question.lang,
                    "refuse_expected": question.refuse,
                    "refused": answer.refused,
                    "refusal_ok": answer.refused == question.refuse,
                    "must_ok": (not question.refuse) and satisfies(answer.text, question.must),
                    "cites": cites,
                    "language_ok": not question.lang or answer.language == question.lang,
                    "backend": answer.backend,
                    "unsupported_numbers": kinds.count("number"),
                    "placeholders": kinds.count("placeholder") + kinds.count("citation_as_noun"),
                    "echoes": kinds.count("echo"),
                    "checked_out": answer.checked_out,
                    "cut": answer.cut,
                    "wrong_claims": [claim for claim in question.must_not if _norm(claim) in _norm(answer.summary)],
                    "seconds": round(time.perf_counter() - started, 2),
                    "summary": answer.summary,
                    "answer": answer.text,
                }
            )
        on_topic = [r for r in rows if not r["refuse_expected"]]
        off_topic = [r for r in rows if r["refuse_expected"]]
        share = lambda rs, key: round(sum(r[key] for r in rs) / max(len(rs), 1), 3)  # noqa: E731
        by_language = {
            lang: {
                "must": share([r for r in on_topic if r["lang"] == lang], "must_ok"),
                "answered_on_topic": round(1 - share([r for r in on_topic if r["lang"] == lang], "refused"), 3),
                "refused_off_topic": share([r for r in off_topic if r["lang"] == lang], "refused"),
            }
            for lang in sorted({r["lang"] for r in rows if r["lang"]})
        }
        return {
            "rows": rows,
            "by_language": by_language,
            "summary": {
                "questions": len(rows),
                "must": share(on_topic, "must_ok"),
                "cites": share(on_topic, "cites"),
                "answered_on_topic": round(1 - share(on_topic, "refused"), 3),
                "refused_off_topic": share(off_topic, "refused"),
                "refusal_correct": share(rows, "refusal_ok"),
                "language": share(rows, "language_ok"),
                "answers_with_unsupported_numbers": sum(r["unsupported_numbers"] > 0 for r in rows),
                "answers_with_placeholders": sum(r["placeholders"] > 0 for r in rows),
                "answers_echoing_the_prompt": sum(r["echoes"] > 0 for r in rows),
                "sentences_checked_out": sum(r["checked_out"] for r in rows),
                "summaries_cut_at_the_limit": sum(r["cut"] > 0 for r in rows),
                "summaries_with_wrong_claims": sum(bool(r["wrong_claims"]) for r in rows),
                "seconds_per_answer": share(rows, "seconds"),
                "backends": sorted({r["backend"] for r in rows}),
            },
        }
