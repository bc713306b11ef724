"""The house rules a newcomer relies on: packages in one-way layers (import-linter), small modules in small folders,
each choice defined once, every text in every language, and the pieces libraries check for us."""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGES = ("assistant", "ingest")
MAX_LINES = 300  # a module longer than this does more than one job
MAX_MODULES = 12  # per folder: more, and a reader cannot see the flow from the names


def test_the_packages_keep_their_layers():
    """import-linter's contracts in pyproject.toml: each package by stage uses only those below it, and only the
    application reaches ingestion (so no package imports one that imports it back)."""
    # in a process of its own: import-linter configures logging, which would silence the loggers other tests read
    linter = Path(sys.executable).parent / "lint-imports"
    command = [str(linter), "--config", str(ROOT / "pyproject.toml"), "--no-cache"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]


def test_small_modules_in_small_folders():
    long = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                long[path.relative_to(ROOT).as_posix()] = lines
        for folder in [ROOT / package, *(d for d in (ROOT / package).rglob("*") if d.is_dir())]:
            modules = [f for f in folder.glob("*.py") if f.name != "__init__.py"]
            assert len(modules) <= MAX_MODULES, f"{folder.relative_to(ROOT)} holds {len(modules)} modules"
    assert long == {}


def test_each_choice_is_defined_once():
    from assistant import settings
    from assistant.answering.prompts import Prompts
    from assistant.llm import chain as llm
    from assistant.llm import weights as models

    assert set(settings.LLAMA_MODELS) == set(models.MODELS), "llama.cpp models: settings and the weights"
    assert set(settings.BACKENDS) == {*llm.BACKENDS, "extractive"}, "backends: settings and the adapters"
    prompts = Prompts.load(ROOT / "prompts")
    assert all(set(prompts.audiences[lang]) == set(settings.AUDIENCES) for lang in prompts.audiences)


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def flatten(data: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def meaning(text: str) -> tuple:
    """What a translation must keep as it is: its numbers, its emphasis and its addresses."""
    return sorted(re.findall(r"\d+", text)), text.count("**"), sorted(re.findall(r"https?://\S+", text))


def test_every_text_exists_in_every_language_with_the_same_placeholders_numbers_and_addresses():
    from assistant.language import registry
    from assistant.texts import load

    texts = load(ROOT / "prompts")
    first, *others = (flatten(texts[code]) for code in registry.codes())
    assert len(first) > 100
    for other in others:
        assert set(first) == set(other), set(first) ^ set(other)
        for key in first:
            assert placeholders(first[key]) == placeholders(other[key]), key
            assert meaning(first[key]) == meaning(other[key]), key
            assert first[key].strip() and other[key].strip(), key


# Single-letter names kept on purpose: a public dataclass field and keyword parameters callers pass by name
PUBLIC_SHORT_NAMES = {
    ("assistant/answering/citations.py", "n"),
    ("assistant/answering/parts.py", "n"),
    ("assistant/app/evaluation.py", "k"),
    ("assistant/knowledge/quiz.py", "n"),
    ("assistant/search/retrieval.py", "k"),
    ("assistant/app/services.py", "k"),
    ("assistant/app/views/text.py", "T"),
}


def test_no_single_letter_names_outside_comprehensions():
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            inside = {
                id(sub)
                for node in ast.walk(tree)
                for sub in ast.walk(node)
                if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda))
            }
            for node in ast.walk(tree):
                name = (
                    node.id
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
                    else node.arg
                    if isinstance(node, ast.arg)
                    else node.name
                    if isinstance(node, ast.ExceptHandler)
                    else None
                )
                if name and len(name) == 1 and name != "_" and id(node) not in inside:
                    found.add((path.relative_to(ROOT).as_posix(), name))
    assert found <= PUBLIC_SHORT_NAMES, sorted(found - PUBLIC_SHORT_NAMES)


def test_user_facing_text_lives_in_the_text_files():
    """No module keeps its own table of Norwegian phrases: a line of code with one is a string in the wrong place."""
    norwegian = re.compile(r'"[^"\n]*\b(og|ikke|svar|spørsmål|kilder|språkmodell|hoppet over)\b[^"\n]*"')
    allowed = {
        "assistant/language/registry.py",
        "assistant/language/injection.py",
        "assistant/answering/understanding.py",
        "assistant/answering/checks.py",
        "assistant/answering/writing.py",
        "assistant/answering/scope.py",
        "assistant/answering/cache.py",
        "assistant/study/training.py",
    }  # word lists for detection and matching
    offenders = []
    for path in (ROOT / "assistant").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel in allowed:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if norwegian.search(line) and not line.lstrip().startswith(("#", '"""')):
                offenders.append(f"{rel}:{n}: {line.strip()[:100]}")
    assert offenders == []


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("Senteret ble ledet av dr. Kristian Mjøen. Det var i 2019.", 2),
        ("Det samarbeider bl.a. med NTNU og SINTEF, f.eks. om data. Så kom mer.", 2),
        ("Vedtak nr. 164/20 ble fattet. Det er ca. 30 kommuner med.", 2),
        ("Den 15. mars 2020 skjedde det. Mål 11 handler om byer.", 2),
        ("Se kap. 4 og tlf. 72 54 00 00 for mer. Ny setning.", 2),
    ],
)
def test_norwegian_abbreviations_do_not_end_a_sentence(text, sentences):
    from assistant.language.sentences import split

    assert len(split(text, "nb")) == sentences, split(text, "nb")


def test_english_abbreviations_do_not_end_a_sentence():
    from assistant.language.sentences import split

    text = "It works with partners, e.g. NTNU and SINTEF, on data. Dr. Mjøen led it, i.e. the UN centre. Done."
    assert split(text, "en") == [
        "It works with partners, e.g. NTNU and SINTEF, on data.",
        "Dr. Mjøen led it, i.e. the UN centre.",
        "Done.",
    ]


def test_the_e5_graph_passes_the_onnx_checker(tmp_path):
    """assistant.search.e5.graph writes the encoder with onnx.helper; the full checker accepts it."""
    import onnx

    from assistant.search.e5.graph import build

    for precision in ("int8", "fp32"):
        path = build(tmp_path, precision)
        onnx.checker.check_model(str(path), full_check=True)
        model = onnx.load(str(path))
        assert [i.name for i in model.graph.input] == ["emb", "mask"]
        assert [o.name for o in model.graph.output] == ["pooled"]
