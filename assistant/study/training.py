"""The training path for new employees: modules in a fixed order (training.yaml), each a short reading chosen from
the corpus by reference (a document's section, or a section of a catalogue item's card: never a copy) and quiz
items from corpus/quiz/ whose answers the reading states. A person's progress is a plain dict the app keeps in their
browser session; nothing here writes anything to disk."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.knowledge import cards
from assistant.knowledge.catalog import Catalog
from assistant.knowledge.quiz import QuizQuestion, item_question, score
from assistant.language import registry
from assistant.study.pdf import pdf_from_markdown
from assistant.texts import Section, format_date

PATH_FILE = Path(__file__).with_name("training.yaml")
WORDS = Section("export")  # the summary's labels, from prompts/text.*.yaml
Results = dict[str, dict]  # module id -> {"right": int, "total": int, "marks": {question id: answered right}}


class TrainingError(ValueError):
    """The training path cannot be built: the message names the file and the field or passage."""


class Reading(BaseModel):
    """One passage: `doc` + `section` (a heading per language) or `code` + `card` (a catalogue card's section)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    doc: str = ""
    section: dict[str, str] = Field(default_factory=dict)
    code: str = ""
    card: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> Reading:
        if bool(self.doc) == bool(self.code):
            raise ValueError("give either doc and section, or code and card")
        if self.doc and set(self.section) != set(registry.codes()):
            raise ValueError(f"section needs a heading in each language: {', '.join(registry.codes())}")
        if self.code and not self.card:
            raise ValueError("card (the card's section: about, municipal, targets or the item's kind) is missing")
        return self


class Module(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: dict[str, str]
    reading: list[Reading] = Field(min_length=1)
    questions: list[str] = Field(min_length=4, max_length=6)

    @model_validator(mode="after")
    def _every_language(self) -> Module:
        if set(self.title) != set(registry.codes()):
            raise ValueError(f"title needs each language: {', '.join(registry.codes())}")
        return self


class TrainingPath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    modules: list[Module] = Field(min_length=1)


@dataclass(frozen=True)
class Passage:
    heading: str
    text: str
    title: str  # the document's title, or the title of the catalogue's source
    where: str  # the file in the corpus, e.g. "centre/history.en.md" or "sdg/goal-11.yaml"
    source: str
    as_of: str
    cites: tuple[str, ...]  # every address the document names as its source


def load_path(path: Path = PATH_FILE) -> list[Module]:
    try:
        return TrainingPath.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).modules
    except (OSError, yaml.YAMLError) as exc:
        raise TrainingError(f"{path}: cannot be read: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise TrainingError(f"{path}: {where}: {first['msg']}") from exc


def _sections(path: Path) -> tuple[dict, dict[str, str]]:
    """A Markdown document's front matter and its sections' text by heading."""
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2) if text.startswith("---\n") else ("", "", text)
    parts = re.split(r"^#{1,6}[ \t]+(.+?)[ \t]*$", body, flags=re.M)
    return yaml.safe_load(head) or {}, {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}


def doc_passage(reading: Reading, lang: str, corpus_dirs: Iterable[Path]) -> Passage:
    name = f"{reading.doc}.{lang}.md"
    path = next((Path(d) / name for d in corpus_dirs if (Path(d) / name).is_file()), None)
    if path is None:
        raise TrainingError(f"{name} is not in the corpus")
    try:
        meta, sections = _sections(path)
        title, cites, as_of = (
            str(meta["title"]),
            (str(meta["source"]), *map(str, meta.get("sources") or [])),
            meta["as_of"],
        )
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise TrainingError(f"{name}: its front matter cannot be read ({exc!r})") from exc
    heading = reading.section[lang]
    if heading not in sections:
        raise TrainingError(f"{name} has no section headed {heading!r}")
    return Passage(heading, sections[heading], title, name, cites[0], str(as_of), cites)


def card_passage(reading: Reading, lang: str, catalog: Catalog) -> Passage:
    item = catalog.get(reading.code)
    if item is None:
        raise TrainingError(f"the catalogue has no item {reading.code!r}")
    found = dict(cards.sections(catalog, item, lang))
    if reading.card not in found:
        raise TrainingError(f"the card of {reading.code} has no section {reading.card!r} (it has {', '.join(found)})")
    source_line = f"{cards.WORDS[lang]['source']}: "
    lines = [line for line in found[reading.card].splitlines()[1:] if not line.startswith(source_line)]
    heading = cards.heading(item, lang)
    where = Path(item.path).parent.name + "/" + Path(item.path).name
    text = "\n\n".join(lines)
    return Passage(heading, text, item.source_title or item.source, where, item.source, item.as_of, (item.source,))


def passages(module: Module, lang: str, corpus_dirs: Iterable[Path], catalog: Catalog) -> list[Passage]:
    dirs = list(corpus_dirs)
    return [doc_passage(r, lang, dirs) if r.doc else card_passage(r, lang, catalog) for r in module.reading]


def questions(module: Module, items: list[dict], lang: str) -> list[QuizQuestion]:
    """The module's quiz, in the path's order; each question's options shuffled the same way every time."""
    by_id = {item["id"]: item for item in items}
    missing = [q for q in module.questions if q not in by_id]
    if missing:
        raise TrainingError(f"module {module.id}: no quiz item {', '.join(missing)} in corpus/quiz/")
    rng = random.Random(module.id)
    return [item_question(by_id[q], lang, rng) for q in module.questions]


def normalise(text: str) -> str:
    text = re.sub(r"(?:https?://|www\.)\S+", " ", text)  # an answer inside an address is not stated
    text = re.sub(r"(?<=\d)[ .\u00a0](?=\d{3}\b)", "", text)  # 14.000 and 14 000 -> 14000
    text = re.sub(r"[*_«»“”\"]", "", text)  # Markdown emphasis and quotation marks
    return " ".join(text.lower().replace("’", "'").split())


def stated(answer: str, text: str) -> bool:
    """The text states the answer: each part of it ("Tirana, Vienna, Tallinn and Glasgow") occurs in the text (a
    part's gloss in brackets may stand for it), or, failing that, all of the answer's numbers do."""
    page = normalise(text)

    def found(part: str) -> bool:
        part = re.sub(r"^(the|a|an)\s+", "", part.strip(" .'\"").lower())
        variants = [part, re.sub(r"\s*\([^)]*\)", "", part), *re.findall(r"\(([^)]*)\)", part)]
        return any(v.strip() and normalise(v) in page for v in variants)

    if all(found(p) for p in re.split(r",|\s(?:and|og|samt)\s", answer) if p.strip()):
        return True
    numbers = re.findall(r"\d+(?:[.,]\d+)*", normalise(answer))
    return bool(numbers) and all(re.search(rf"(?<!\d){re.escape(n)}(?!\d)", page) for n in numbers)


def evidence(question: QuizQuestion, reading: list[Passage]) -> Passage | None:
    """The passage of the reading that states the question's answer."""
    answer = question.options[question.answer]
    return next((p for p in reading if stated(answer, f"{p.heading}\n{p.text}")), None)


def record(results: Results, module: Module, quiz: list[QuizQuestion], choices: dict[str, int | None]) -> None:
    right, total = score(quiz, choices)
    marks = {q.id: q.check(choices.get(q.id)) for q in quiz}  # right or wrong: the options' order is per language
    results[module.id] = {"right": right, "total": total, "marks": marks}


def totals(results: Results, modules: list[Module]) -> tuple[int, int, int]:
    """(modules done, answers right, questions answered) over the path."""
    done = [results[m.id] for m in modules if m.id in results]
    return len(done), sum(r["right"] for r in done), sum(r["total"] for r in done)


def summary_markdown(modules: list[Module], results: Results, lang: str, day: date, name: str = "") -> str:
    """What the person may download: the modules, their scores and the date; a name only when they typed one."""
    words = WORDS[lang]
    done, right, total = totals(results, modules)
    lines = [f"# {words['training_title']}", ""]
    if name.strip():
        lines.append(f"**{words['training_name']}:** {name.strip()}  ")
    lines += [
        f"**{words['training_date']}:** {format_date(day.isoformat(), lang)}  ",
        f"**{words['training_done']}:** {done} / {len(modules)}  ",
        f"**{words['training_score']}:** {right} / {total}",
        "",
        f"| {words['training_module']} | {words['training_status']} | {words['training_points']} |",
        "|---|---|---|",
    ]
    for number, module in enumerate(modules, start=1):
        result = results.get(module.id)
        status = words["training_completed"] if result else words["training_not_started"]
        points = f"{result['right']} / {result['total']}" if result else "–"
        lines.append(f"| {number}. {module.title[lang]} | {status} | {points} |")
    return "\n".join([*lines, "", words["training_note"], ""])


def summary_pdf(modules: list[Module], results: Results, lang: str, day: date, name: str = "") -> bytes:
    """The summary as a tagged PDF in the reader's language."""
    markdown = summary_markdown(modules, results, lang, day, name)
    return pdf_from_markdown(markdown, lang, WORDS[lang]["training_title"])
