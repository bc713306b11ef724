"""The house rules a newcomer relies on: one-way layers without import cycles, each choice defined once, every text
in both languages, and the hand-written pieces checked against the libraries that know better."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGES = ("assistant", "ingest")
TOP = {"assistant.app.services", "assistant.app.cli", "assistant.__main__"}  # the composition layer: may use ingestion


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(path: Path) -> set[str]:
    """Project modules a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    known = modules()
    return {name for name in found if name in known}


def test_ingestion_and_answering_depend_one_way():
    graph = {name: imports(path) for name, path in modules().items()}
    for name, deps in graph.items():
        layer = name.split(".")[0]
        if name.startswith("assistant.app.views"):
            assert not {d for d in deps if d.startswith("ingest")}, f"{name}: views call services, not ingestion"
        elif layer == "assistant" and name not in TOP:
            assert not {d for d in deps if d.startswith("ingest")}, f"{name} (answering core) imports ingestion"
        if layer == "ingest":
            upper = {
                d
                for d in deps
                if d in TOP or d.startswith("assistant.app.views") or d == "assistant.answering.answerer"
            }
            assert not upper, f"{name} imports {upper}: ingestion builds on the core, not on the app"


def test_no_import_cycles():
    graph = {name: imports(path) - {name} for name, path in modules().items()}

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            pytest.fail("import cycle: " + " -> ".join(trail[trail.index(node) :] + [node]))
        for dep in graph.get(node, ()):
            visit(dep, trail + [node])

    for name in graph:
        visit(name, [])


def test_each_choice_is_defined_once():
    from assistant import settings
    from assistant.answering.prompts import Prompts
    from assistant.llm import backends as llm
    from assistant.llm import weights as models

    assert set(settings.LLAMA_MODELS) == set(models.MODELS), "llama.cpp models: settings and the weights"
    assert set(settings.BACKENDS) == {*llm.BACKENDS, "extractive"}, "backends: settings and the adapters"
    prompts = Prompts.load(ROOT / "prompts")
    assert all(set(prompts.audiences[lang]) == set(settings.AUDIENCES) for lang in ("nb", "en"))


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


def test_every_text_exists_in_both_languages_with_the_same_placeholders():
    from assistant.texts import load

    texts = load(ROOT / "prompts")
    nb, en = flatten(texts["nb"]), flatten(texts["en"])
    assert set(nb) == set(en), set(nb) ^ set(en)
    assert len(nb) > 100
    for key in nb:
        assert placeholders(nb[key]) == placeholders(en[key]), key
        assert nb[key].strip() and en[key].strip(), key


# Single-letter names kept on purpose: a public dataclass field and keyword parameters callers pass by name
PUBLIC_SHORT_NAMES = {
    ("assistant/citations.py", "n"),
    ("assistant/evaluation.py", "k"),
    ("assistant/quiz.py", "n"),
    ("assistant/retrieval.py", "k"),
    ("assistant/views/text.py", "T"),
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
        "assistant/language.py",
        "assistant/catalog.py",
        "assistant/injection.py",
        "assistant/lexical.py",
        "assistant/answer.py",
        "assistant/sentences.py",
        "assistant/checks.py",
        "assistant/scope.py",
        "assistant/cache.py",
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


def test_the_hand_written_onnx_graph_passes_the_onnx_checker(tmp_path):
    """assistant.search.e5.graph writes protobuf by hand (no onnx dependency at run time); the onnx package checks it."""
    import onnx

    from assistant.search.e5.graph import build

    for precision in ("int8", "fp32"):
        path = build(tmp_path, precision)
        onnx.checker.check_model(str(path), full_check=True)
        model = onnx.load(str(path))
        assert [i.name for i in model.graph.input] == ["emb", "mask"]
        assert [o.name for o in model.graph.output] == ["pooled"]
