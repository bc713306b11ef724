"""Mapping a text to the goals, targets and KPIs it addresses, on the real index (goals 7, 11 and 12 of the
subset), through the services, the CLI (a real PDF, standard input, a file it cannot read) and the exports."""

from __future__ import annotations

import csv
import io
import json

import pytest

from assistant.app.services import Services
from assistant.mapping.export import mapping_csv, mapping_markdown
from assistant.mapping.sections import sections_of

from conftest import thresholds_of, write_pdf

ENERGY = (
    "Kommunen installerer solcellepaneler på taket av tolv skoler og bytter oljefyrer ut med varmepumper. "
    "Målet er at all energi til byggene skal være fornybar innen 2030."
)
WASTE = (
    "The municipality will halve food waste in school canteens and sort plastic packaging for recycling. "
    "Students measure how much food is thrown away every week."
)
CAKE = "Jeg bakte en sjokoladekake med mye smør og sukker til bursdagen til bestemor. Den var god."


@pytest.fixture(scope="module")
def services(subset_index, e5):
    return Services(subset_index, embedder=e5)


def test_sections_split_at_headings():
    assert sections_of("# Energi\nSol på taket.\n## Avfall\nMindre matsvinn.", "Plan") == [
        ("Energi", "Sol på taket."),
        ("Avfall", "Mindre matsvinn."),
    ]
    assert sections_of("Bare tekst.", "Notat") == [("Notat", "Bare tekst.")]


def test_a_text_is_mapped_with_evidence_from_its_own_sentences(services):
    mapping = services.mapper.map_text(f"# Energi\n{ENERGY}\n# Avfall\n{WASTE}")
    goals = [m.code for m in mapping.goals]
    assert set(goals[:2]) == {"7", "12"}, goals
    energy = next(m for m in mapping.goals if m.code == "7")
    assert energy.evidence and all(sentence in ENERGY for sentence in energy.evidence)
    assert energy.sections == ["Energi"], "the section that supports the goal"
    assert mapping.targets and mapping.targets[0].code.split(".")[0] in {"7", "12"}
    assert all(0 < m.score <= 1 for m in mapping.goals + mapping.targets + mapping.kpis)
    shape = mapping.as_json("nb")
    assert set(shape) == {"language", "goals", "targets", "kpis"}
    assert set(shape["targets"][0]) == {"code", "title", "score", "evidence", "sections"}
    assert shape["goals"][0]["title"].startswith(("Sikre", "Sørge")), "the official title in the reader's language"


def test_a_text_about_nothing_in_the_catalogue_is_given_nothing(services):
    mapping = services.mapper.map_text(CAKE)
    assert mapping.goals == [] and mapping.targets == [] and mapping.kpis == []


def test_exports_carry_the_mapping_and_the_catalogues_references(services):
    mapping = services.mapper.map_text(ENERGY)
    rows = list(csv.DictReader(io.StringIO(mapping_csv(mapping, "en"))))
    assert rows[0]["Code"] == "7" and rows[0]["Kind"] == "SDGs" and rows[0]["Supporting sentences"]
    markdown = mapping_markdown(mapping, services.catalog, "nb", accessed="2026-11-30")
    assert "## Bærekraftsmål" in markdown and "- **7**" in markdown
    assert "## Referanser" in markdown and "https://unstats.un.org/sdgs/indicators/indicators-list/" in markdown
    assert "«" in markdown, "the supporting sentences are quoted"


@pytest.fixture
def run(run_cli):
    def call(settings, *args, stdin: str | bytes = "", **extra):
        env = {
            "ASSISTANT_INDEX_DIR": str(settings.index_dir),
            **thresholds_of(settings),
            "ASSISTANT_CORPUS_DIRS": json.dumps([str(d) for d in settings.corpus_dirs]),
            **extra,
        }
        return run_cli("assistant", "map", *args, env=env, stdin=stdin)

    return call


def test_the_cli_maps_a_pdf_and_standard_input_and_names_a_bad_file(subset_index, tmp_path, run):
    pdf = write_pdf(tmp_path / "plan.pdf", [ENERGY, WASTE], title="Plan")
    done = run(subset_index, str(pdf), "--json", "--csv", str(tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {g["code"] for g in result["goals"][:2]} == {"7", "12"}
    assert {s for g in result["goals"] for s in g["sections"]} <= {"p. 1", "p. 2"}, "a PDF's sections are pages"
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") >= 3
    piped = run(subset_index, "-", stdin=CAKE)
    assert piped.returncode == 0 and "Ingen mål, delmål eller KPI skiller seg ut" in piped.stdout
    binary = tmp_path / "bilde.md"
    binary.write_bytes(b"\x00\x01" * 100)
    refused = run(subset_index, str(binary))
    assert refused.returncode == 2 and "bilde.md" in refused.stderr and "binary" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    "case, stdin, args, env, message",
    [
        ("binary on standard input", b"\x89PNG\r\n\x00\x00" * 50, ["-"], {}, "binary"),
        ("truncated UTF-16 on standard input", "Bærekraft".encode("utf-16")[:-1], ["-"], {}, "UTF-16"),
        ("a text longer than the bound", ENERGY * 40, ["-"], {"ASSISTANT_MAP_MAX_CHARS": "1000"}, "MAP_MAX_CHARS"),
        ("--csv into a folder that does not exist", ENERGY, ["-", "--csv", "/nonexistent/o.csv"], {}, "/nonexistent"),
    ],
)
def test_the_map_command_refuses_what_it_cannot_map_or_write_with_a_message(
    subset_index, run, case, stdin, args, env, message
):
    done = run(subset_index, *args, stdin=stdin, **env)
    assert done.returncode == 2, (case, done.stdout, done.stderr)
    assert message in done.stderr and "Traceback" not in done.stderr, (case, done.stderr)


# Texts written for these tests, about nothing the catalogue covers: an invitation, a puzzle, a release note.
ABOUT_NOTHING = [
    "Hjertelig velkommen til 50-årsdagen til Per fredag 3. oktober! Vi samles i festsalen på Byåsen klokka 19 og "
    "byr på tapas og kake. Gi beskjed til Anne om du kommer.",
    "Join us for Grandma's 90th birthday on Sunday afternoon! There will be cake, coffee and old photographs in the "
    "garden, and the grandchildren are preparing a song. Let us know if you can make it.",
    "Vannrett: 2. Sitter på et tre (4). 5. Dyr som sier mø (2). Loddrett: 1. Har fire hjul (3). 3. Kald drikk (3).",
    "Version 7.3 adds a search field to the contacts list, fixes a crash on start-up for some tablets and removes "
    "the old import wizard. Thanks to all testers.",
]
SCHOOL_ENERGY = (
    "Kommunen skal energieffektivisere tre barneskoler. Oljekjelene byttes ut med varmepumper, vinduene skiftes og "
    "taket etterisoleres. Det skal spare rundt 40 prosent av energibruken i byggene. Arbeidet starter i juni."
)
NEWS_WITH_HEADLINE = (
    "Nytt renseanlegg for avløpsvann\n"
    "Tirsdag åpnet kommunen det nye renseanlegget for avløpsvann. Anlegget renser mer av næringsstoffene før vannet "
    "slippes ut i fjorden. Prosjektet har kostet 640 millioner kroner. Badevannet skal bli renere allerede i sommer."
)
PLAN = (
    "# Klimaplan\n\n## Transport\nUtslippene fra transport skal halveres innen 2030. Kommunen bygger sykkelveier og "
    "gir bussene egne felt. Parkeringsplasser i sentrum blir færre.\n\n## Energi i bygg\nAlle kommunale bygg får "
    "energiledelse og målere. Skoler og sykehjem rehabiliteres slik at energibruken går ned med en tredel. "
    "Solceller på takene skal dekke en del av strømbehovet.\n\n## Avfall\nMatavfall skal sorteres i alle "
    "husholdninger, og kantinene skal kaste halvparten så mye mat."
)


@pytest.fixture(scope="module")
def everything(corpus_index, e5):
    return Services(corpus_index[0], embedder=e5)


@pytest.mark.slow
@pytest.mark.parametrize("text", ABOUT_NOTHING)
def test_a_text_about_nothing_gets_no_goal_on_the_whole_catalogue(everything, text):
    assert everything.mapper.map_text(text).goals == []


@pytest.mark.slow
def test_a_mapping_does_not_pad_and_stays_with_the_goals_it_found(everything):
    catalog = everything.catalog
    for text in (SCHOOL_ENERGY, NEWS_WITH_HEADLINE, PLAN):
        mapping = everything.mapper.map_text(text)
        goals = {m.code for m in mapping.goals}
        assert goals, text
        assert all(0 < m.score <= 1 for m in mapping.goals + mapping.targets + mapping.kpis)
        assert all(t.code.split(".")[0] in goals for t in mapping.targets), "targets of the goals found"
        assert all(set(catalog.get(k.code).related) & goals for k in mapping.kpis), "KPIs related to them"
        assert all(not any(ch.isdigit() for ch in e) or "kroner" not in e for m in mapping.goals for e in m.evidence)
    energy = everything.mapper.map_text(SCHOOL_ENERGY)
    assert energy.goals[0].code == "7" and energy.targets[0].code.split(".")[1].isdigit(), "a numbered target first"
    news = everything.mapper.map_text(NEWS_WITH_HEADLINE)
    assert not any("avløpsvann Tirsdag" in e for m in news.goals for e in m.evidence), "the headline kept apart"
    plan = everything.mapper.map_text(PLAN)
    assert "7" in [m.code for m in plan.goals[:3]], "each section is heard"
