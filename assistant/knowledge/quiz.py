"""Quiz for competence training: multiple-choice questions made deterministically (no LLM) from the catalogues
and from the centre's quiz file (corpus/quiz/*.yaml, `catalog: quiz`)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.knowledge import schema
from assistant.knowledge.catalog import Catalog, group_name
from assistant.knowledge.schema import CatalogError
from assistant.texts import Section, format_date

TEXT = Section("quiz")


@dataclass
class QuizQuestion:
    id: str
    question: str
    options: list[str]
    answer: int  # index into options
    explanation: str
    source: str
    as_of: str

    def check(self, choice: int | None) -> bool:
        return choice == self.answer


def parse_quiz(data: dict, path: str) -> list[dict]:
    """The validated items of one quiz file, as {field_lang: text} like the file; raises CatalogError naming the
    bad field. An item without its own source or as_of takes the file's."""
    checked = schema.validate(data)
    assert isinstance(checked, schema.QuizFile)
    items = []
    for item in checked.questions:
        flat = {"id": item.id, "source": item.source or checked.source or path, "as_of": item.as_of or checked.as_of}
        for field in ("source_title", "publisher", "issued"):
            flat[field] = getattr(item, field)
        for name in ("question", "answer", "explanation", "wrong"):
            flat |= {f"{name}_{code}": text for code, text in getattr(item, name).items()}
        items.append(flat)
    return items


def quiz_documents_text(item: dict, lang: str) -> str:
    """A quiz item as an indexable text (question, answer, explanation)."""
    labels = TEXT[lang]
    return (
        f"{labels['question']}: {item[f'question_{lang}']}\n"
        f"{labels['answer']}: {item[f'answer_{lang}']}. {item[f'explanation_{lang}']}"
    )


def load_quiz_files(dirs: Iterable[Path]) -> list[dict]:
    items: list[dict] = []
    for folder in dirs:
        for path in sorted(Path(folder).rglob("*.y*ml")) if Path(folder).is_dir() else []:
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("catalog") == "quiz":
                    items += parse_quiz(data, path.as_posix())
            except (OSError, UnicodeDecodeError, yaml.YAMLError, CatalogError):
                continue  # ingestion reports broken files
    return items


def _choices(rng: random.Random, right: str, pool: list[str], n: int = 4) -> tuple[list[str], int]:
    wrong = rng.sample(sorted({p for p in pool if p != right}), min(n - 1, len(set(pool)) - 1))
    options = wrong + [right]
    rng.shuffle(options)
    return options, options.index(right)


def _catalog_questions(catalog: Catalog, lang: str, rng: random.Random) -> list[QuizQuestion]:
    labels = TEXT[lang]
    goals, kpis = catalog.goals(), sorted(catalog.kpis(), key=lambda k: k.code)
    targets = sorted(catalog.of_kind("target"), key=lambda t: t.code)
    out: list[QuizQuestion] = []
    for goal in goals:
        options, answer = _choices(rng, f"{goal.code}", [g.code for g in goals])
        out.append(
            QuizQuestion(
                id=f"goal-{goal.code}",
                question=labels["goal_q"].format(name=goal.label(lang)),
                options=[labels["goal_option"].format(code=o) for o in options],
                answer=answer,
                explanation=f"{goal.code}: {goal.titled(lang)}",
                source=goal.source,
                as_of=goal.as_of,
            )
        )
    for ind in sorted(catalog.of_kind("indicator"), key=lambda i: i.code)[::7]:
        parent = ind.parents[0]
        pool = [t.code for t in targets if t.code.split(".")[0] == parent.split(".")[0]] or [t.code for t in targets]
        options, answer = _choices(rng, parent, pool)
        out.append(
            QuizQuestion(
                id=f"indicator-{ind.code}",
                question=labels["indicator_q"].format(code=ind.code),
                options=options,
                answer=answer,
                explanation=labels["indicator_why"].format(goal=ind.code.split(".")[0], target=parent, code=ind.code)
                + ind.titled(lang),
                source=ind.source,
                as_of=ind.as_of,
            )
        )
    dimensions = sorted({kpi.attrs["dimension"] for kpi in kpis})
    for kpi in kpis[::3]:
        name = kpi.titled(lang)
        dim = kpi.attrs["dimension"]
        shown = {d: group_name("dimension", d, lang) for d in dimensions}
        options, answer = _choices(rng, shown[dim], list(shown.values()), n=3)
        out.append(
            QuizQuestion(
                id=f"kpi-dimension-{kpi.code}",
                question=labels["dimension_q"].format(name=name, code=kpi.code),
                options=options,
                answer=answer,
                explanation=labels["dimension_why"].format(prefix=kpi.code[:2], dimension=shown[dim]),
                source=kpi.source,
                as_of=kpi.as_of,
            )
        )
        levels = [labels["level_core"], labels["level_advanced"]]
        right = levels[0] if kpi.attrs["level"] == "core" else levels[1]
        out.append(
            QuizQuestion(
                id=f"kpi-level-{kpi.code}",
                question=labels["level_q"].format(name=name, code=kpi.code),
                options=levels,
                answer=levels.index(right),
                explanation=labels["level_why"].format(last=kpi.code[-1]),
                source=kpi.source,
                as_of=kpi.as_of,
            )
        )
    return out


def item_question(item: dict, lang: str, rng: random.Random) -> QuizQuestion:
    """One item of a quiz file as a question, its options in the order `rng` gives."""
    options, answer = _choices(rng, item[f"answer_{lang}"], [item[f"answer_{lang}"], *item[f"wrong_{lang}"]])
    return QuizQuestion(
        id=item["id"],
        question=item[f"question_{lang}"],
        options=options,
        answer=answer,
        explanation=item[f"explanation_{lang}"],
        source=str(item["source"]),
        as_of=format_date(str(item["as_of"]), lang),
    )


def build_quiz(catalog: Catalog, items: list[dict], lang: str, n: int = 10, seed: int = 0) -> list[QuizQuestion]:
    """`n` questions, half from the centre's quiz file and half from the catalogues; the same seed gives
    the same quiz."""
    rng = random.Random(seed)
    centre = [item_question(item, lang, rng) for item in items]
    generated = _catalog_questions(catalog, lang, rng)
    half = min(len(centre), n // 2)
    picked = rng.sample(centre, half) + rng.sample(generated, min(n - half, len(generated)))
    rng.shuffle(picked)
    return picked


def score(questions: list[QuizQuestion], choices: dict[str, int | None]) -> tuple[int, int]:
    return sum(q.check(choices.get(q.id)) for q in questions), len(questions)
