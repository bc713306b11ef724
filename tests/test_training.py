"""The training path for new employees: its modules, readings chosen from the corpus, quizzes whose answers the
reading states (on the same source), scoring, progress and the summary to download."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from assistant.knowledge.catalog import load_catalog
from assistant.knowledge.quiz import load_quiz_files
from assistant.study import training
from assistant.study.training import TrainingError

from conftest import CORPUS

LANGS = ("nb", "en")
MODULES = training.load_path()
DIRS = (CORPUS,)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(DIRS)


@pytest.fixture(scope="module")
def items():
    return load_quiz_files(DIRS)


def test_the_path_has_the_six_modules_in_order_each_with_four_to_six_questions():
    assert [m.id for m in MODULES] == [
        "sustainable-development",
        "goals-in-groups",
        "goals-targets-indicators",
        "u4ssc",
        "centre",
        "municipality",
    ]
    for module in MODULES:
        assert 4 <= len(module.questions) <= 6, module.id
        assert len(set(module.questions)) == len(module.questions), module.id
    every = [q for m in MODULES for q in m.questions]
    assert len(every) == len(set(every)), "a question is asked in one module only"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_every_reading_passage_exists_in_the_corpus(module, lang, catalog):
    reading = training.passages(module, lang, DIRS, catalog)
    assert len(reading) == len(module.reading)
    for passage, spec in zip(reading, module.reading):
        assert len(passage.text.split()) >= 15, passage.heading
        if spec.doc:  # a section of the document, word for word, under its heading
            text = (CORPUS / passage.where).read_text(encoding="utf-8")
            assert passage.where == f"{spec.doc}.{lang}.md"
            assert f"# {spec.section[lang]}\n\n{passage.text}" in text
        else:  # a section of the catalogue item's card, from the catalogue file named
            item = catalog.get(spec.code)
            assert passage.where.endswith(item.path.rsplit("/", 1)[-1]) and passage.where.startswith(("sdg/", "u4ssc/"))
            assert item.titled(lang).rstrip(".") in passage.text or item.about("about", lang) in passage.text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_every_quiz_answer_is_stated_in_the_reading_from_its_own_source(module, lang, catalog, items):
    """The answer (in the reader's language) occurs in the prose of a passage of the module's reading, and that
    passage's document cites the page the quiz item names as its source."""
    reading = training.passages(module, lang, DIRS, catalog)
    for question in training.questions(module, items, lang):
        passage = training.evidence(question, reading)
        assert passage is not None, f"{question.id}: {question.options[question.answer]!r} is in no passage"
        assert question.source in passage.cites, f"{question.id}: {passage.where} does not cite {question.source}"
        assert question.explanation and question.source.startswith("https://")


def test_quiz_items_have_both_languages_and_no_date_for_an_undated_page(items):
    for item in items:
        for lang in LANGS:
            assert item[f"question_{lang}"] and item[f"explanation_{lang}"] and len(item[f"wrong_{lang}"]) >= 2
        if not item["issued"]:
            assert not item["as_of"], f"{item['id']} cites an undated page but has as_of {item['as_of']}"


def test_stated_reads_prose_not_addresses():
    assert training.stated("Tirana, Vienna, Tallinn and Glasgow", "after Tirana, Vienna, Tallinn and Glasgow.")
    assert not training.stated("Tirana, Vienna, Tallinn and Glasgow", "after Tirana, Vienna and Glasgow.")
    assert not training.stated("Juni 2020", "I august 2019 ble det opprettet"), "neither the month nor the year"
    assert training.stated("Vel 14 000", "med sine vel 14.000 ansatte")
    assert training.stated("Every six months (twice a year)", "the council meets every six months")
    address = "see https://www.trondheim.kommune.no/aktuelt/om-kommunen/bk/barekraft/ for more"
    assert not training.stated("barekraft", address), "an answer inside an address is not stated"


def test_scoring_progress_and_the_summary(items):
    first, second = MODULES[0], MODULES[4]
    results: training.Results = {}
    assert training.totals(results, MODULES) == (0, 0, 0)
    quiz = training.questions(first, items, "nb")
    assert [q.id for q in quiz] == first.questions
    assert [q.options for q in quiz] == [q.options for q in training.questions(first, items, "nb")], "stable order"
    choices: dict[str, int | None] = {q.id: q.answer for q in quiz}
    wrong = quiz[1]
    choices[wrong.id] = (wrong.answer + 1) % len(wrong.options)
    choices[quiz[2].id] = None  # not answered counts as wrong
    training.record(results, first, quiz, choices)
    assert results[first.id]["right"] == len(quiz) - 2 and results[first.id]["total"] == len(quiz)
    assert results[first.id]["marks"][wrong.id] is False and results[first.id]["marks"][quiz[0].id] is True
    other = training.questions(second, items, "en")
    training.record(results, second, other, {q.id: q.answer for q in other})
    done, right, answered = training.totals(results, MODULES)
    assert (done, right, answered) == (2, len(quiz) - 2 + len(other), len(quiz) + len(other))

    day = date(2026, 12, 5)
    text = training.summary_markdown(MODULES, results, "nb", day)
    assert "5. desember 2026" in text and "Navn" not in text, "no name unless one is typed"
    assert f"| 1. {first.title['nb']} | Fullført | {len(quiz) - 2} / {len(quiz)} |" in text
    assert f"| 2. {MODULES[1].title['nb']} | Ikke tatt | – |" in text
    assert f"**Moduler fullført:** 2 / {len(MODULES)}" in text
    named = training.summary_markdown(MODULES, results, "en", day, name="  Kari Nordmann ")
    assert "**Name:** Kari Nordmann" in named and "5 December 2026" in named and "| Done |" in named


def test_the_summary_pdf_holds_the_modules_and_scores_in_its_language(items):
    results: training.Results = {}
    quiz = training.questions(MODULES[1], items, "nb")
    training.record(results, MODULES[1], quiz, {q.id: q.answer for q in quiz})
    pdf = training.summary_pdf(MODULES, results, "nb", date(2026, 12, 5), name="Åse Ødegård")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    words = " ".join(text.split())
    for expected in ("Opplæring i bærekraftsarbeid", "Åse Ødegård", "5. desember 2026", MODULES[1].title["nb"]):
        assert expected in words, expected
    assert f"{len(quiz)} / {len(quiz)}" in words
    assert reader.trailer["/Root"].get("/Lang") == "nb"


def test_a_bad_path_file_is_refused_naming_the_file_and_field(tmp_path):
    bad = tmp_path / "training.yaml"
    bad.write_text(
        "modules:\n  - id: x\n    title: {nb: X, en: X}\n    reading: [{doc: centre/about, section: {nb: A, en: A}}]\n"
        "    questions: [a, b, c]\n",
        encoding="utf-8",
    )
    with pytest.raises(TrainingError, match=r"training\.yaml: modules\.0\.questions: .*at least 4"):
        training.load_path(bad)
    bad.write_text("modules:\n  - id: x\n    title: {nb: X}\n", encoding="utf-8")
    with pytest.raises(TrainingError, match=r"training\.yaml: modules\.0\.(title|reading)"):
        training.load_path(bad)


def test_a_passage_or_quiz_item_missing_from_the_corpus_is_named(catalog, items, tmp_path):
    module = MODULES[0].model_copy(
        update={"reading": [training.Reading(doc="centre/about", section={"nb": "Finnes ikke", "en": "Missing"})]}
    )
    with pytest.raises(TrainingError, match="centre/about.en.md has no section headed 'Missing'"):
        training.passages(module, "en", DIRS, catalog)
    with pytest.raises(TrainingError, match=r"centre/about\.nb\.md is not in the corpus"):
        training.passages(module, "nb", (tmp_path,), catalog)
    renamed = [dict(i, id=f"old-{i['id']}") if i["id"] == MODULES[0].questions[0] else i for i in items]
    with pytest.raises(TrainingError, match=f"no quiz item {MODULES[0].questions[0]}"):
        training.questions(MODULES[0], renamed, "nb")
    broken = tmp_path / "centre" / "about.nb.md"
    broken.parent.mkdir()
    broken.write_text("---\ntitle: Om\nlanguage: nb\n---\n# Om\n\n## Finnes ikke\n\nTekst.\n", encoding="utf-8")
    with pytest.raises(
        TrainingError, match=r"centre/about\.nb\.md: its front matter cannot be read \(KeyError\('source'\)"
    ):
        training.passages(module, "nb", (tmp_path,), catalog)
    card = training.Reading(code="11", card="kpi")
    with pytest.raises(TrainingError, match="the card of 11 has no section 'kpi'"):
        training.passages(MODULES[0].model_copy(update={"reading": [card]}), "nb", DIRS, catalog)


def test_the_options_are_shuffled_so_the_answer_is_not_always_in_one_place(items):
    for lang in LANGS:
        places = [q.answer for m in MODULES for q in training.questions(m, items, lang)]
        assert len(set(places)) >= 3, places
