"""One place per language: a stub third language (Nynorsk, with the Bokmål texts copied) is an entry in the registry
and its text files, and then the interface, the prompts, detection, sentences, search, cards and answers all work in
it, with no other change to the code."""

from __future__ import annotations

import shutil

import pytest

from assistant import texts
from assistant.language import registry
from assistant.language.registry import Language

from conftest import CORPUS, ROOT, write_md

NYNORSK = Language(
    code="nn",
    name="Norsk (nynorsk)",
    stemmer="norwegian",
    sentence_rules="no",
    function_words=frozenset(
        "eg me dei ho ikkje kva korleis kvifor kven kvar nokon noko nokre ein eit er og i på med til frå berre òg"
        "".split()
    ),
    letters="",
    corpus=False,  # no catalogue texts or document twins in it: cards fall back to the official English titles
)


@pytest.fixture
def nynorsk(tmp_path):
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    for path in list(prompts.glob("*.nb.*")):
        shutil.copy(path, prompts / path.name.replace(".nb.", ".nn."))
    registry.register(NYNORSK)
    texts.use(prompts)
    yield prompts
    registry.unregister("nn")
    texts.use(ROOT / "prompts")


def test_a_third_language_needs_only_its_entry_and_its_files(nynorsk, tmp_path, hashed, run_cli):
    from assistant.answering.prompts import Prompts
    from assistant.app.cli import build_parser
    from assistant.app.services import Services
    from assistant.knowledge.cards import render
    from assistant.knowledge.catalog import Catalog
    from assistant.language.detect import detect_language
    from assistant.language.sentences import split
    from assistant.settings import Settings
    from assistant.texts import load
    from ingest.pipeline import Pipeline

    assert registry.codes() == ("nb", "en", "nn")
    assert set(load(nynorsk)) == {"nb", "en", "nn"} and Prompts.load(nynorsk).get("refusal", "nn")
    assert detect_language("Kva gjer kommunen med berekraftsmåla, og korleis kan eg hjelpe til òg?") == "nn"
    assert split("Eg bur i Trondheim, bl.a. nær sjøen. Det er fint.", "nn") == [
        "Eg bur i Trondheim, bl.a. nær sjøen.",
        "Det er fint.",
    ]
    catalog = Catalog.from_dirs([CORPUS / "sdg" / "goal-11.yaml"])
    card = render(catalog, catalog.get("11.6.2"), "nn")
    assert "Annual mean levels of fine particulate matter" in card, "the official title where nn has none"
    assert build_parser().parse_args(["search", "mål 11", "--language", "nn"]).language == "nn"

    docs = tmp_path / "docs"
    docs.mkdir()
    write_md(docs / "sykkel.nn.md", "Bysyklar", "nn", "# Bysyklar\nKommunen har 300 bysyklar i sentrum kvar sommar.")
    settings = Settings(
        index_dir=tmp_path / "index", embedder=hashed.spec, corpus_dirs=[docs], prompts_dir=nynorsk,
        llm_backend="extractive", cache_answers=False, refuse_below=0.0, answer_above=0.0, min_focus=0.0, min_known=0.4,
    )  # fmt: skip
    assert not Pipeline(settings, embedder=hashed).run([docs]).skipped, "a document in the new language is indexed"
    answer = Services(settings, embedder=hashed).answerer.ask(
        "Kva for bysyklar finst i byen, og korleis kan eg låne dei?"
    )
    assert answer.language == "nn" and "300 bysyklar" in answer.text and not answer.refused
    done = run_cli("assistant", "search", "bysyklar", "--language", "nn", env={
        "ASSISTANT_INDEX_DIR": settings.index_dir, "ASSISTANT_EMBEDDER": "hash", "ASSISTANT_PROMPTS_DIR": nynorsk,
    })  # fmt: skip
    assert done.returncode == 0 and "(nn," in done.stdout, done.stderr
