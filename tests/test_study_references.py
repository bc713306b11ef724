"""References by the standard: the corpus's sources complete and consistent, rendered by citeproc-py with the CSL
project's APA 7 and Harvard (Cite Them Right) styles in English and Norwegian, exported as RIS, BibTeX and CSL-JSON
(each read back by its own parser), and the `references` command."""

from __future__ import annotations

import json
import subprocess
import sys

import bibtexparser
import pytest
import rispy
from citeproc.source.json import CiteProcJSON

from assistant.answering.citations import Citation
from assistant.answering.parts import Answer, Prepared, Understood
from assistant.app.cli import main
from assistant.knowledge.catalog import load_catalog
from assistant.people.export import conversation_json
from assistant.study import references
from assistant.study.exports import export
from assistant.study.sources import Register, Source, front_matter, load_register
from assistant.study.styles import bibliography, keyed

from conftest import CORPUS, ROOT, write_md

DIRS = (CORPUS,)
FRAMEWORK = "https://unstats.un.org/sdgs/indicators/indicators-list/"
AGENDA = "https://sdgs.un.org/2030agenda"


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(DIRS)


def test_every_source_the_corpus_cites_has_what_a_reference_needs(register):
    assert register.defects() == []
    cited = {front_matter(p).get("source") for p in CORPUS.rglob("*.md")} - {None}
    cited |= {i.source for i in load_catalog(DIRS).items.values()}
    assert cited <= set(register.sources), "every document's and catalogue's source is described"


def test_a_missing_field_or_a_disagreement_is_a_defect_named_with_its_file(tmp_path):
    base = {"source": "https://example.org/a", "publisher": "Org", "accessed": "2026-11-01"}
    write_md(tmp_path / "a.nb.md", "A", "nb", "# A\ntekst", **base)
    write_md(tmp_path / "b.en.md", "B", "en", "# B\ntext", **base, source_title="T", issued="2020")
    write_md(tmp_path / "c.en.md", "C", "en", "# C\ntext", **base, source_title="Another title")
    write_md(tmp_path / "d.en.md", "D", "en", "# D\ntext", source="https://example.org/d", source_title="D")
    defects = load_register((tmp_path,)).defects()
    assert any("c.en.md" in d and "title 'Another title' differs from 'T'" in d for d in defects), defects
    assert any("d.en.md" in d and "accessed" in d and "author or publisher" in d for d in defects), defects
    assert len(defects) == 2  # a.nb.md lacked the title that b.en.md states for the same address


KNOWN = {
    # APA 7 (apastyle.apa.org, webpage with a group author): Author. (Date). *Title*. URL; undated and changing:
    # (n.d.) and "Retrieved Month Day, Year, from URL". The publisher is left out when it is the author.
    ("apa", "en", FRAMEWORK): "United Nations Statistics Division. (2025). *Global indicator framework for the "
    "Sustainable Development Goals and targets of the 2030 Agenda for Sustainable Development*. " + FRAMEWORK,
    ("apa", "en", AGENDA): "United Nations. (n.d.). *Transforming our world: the 2030 Agenda for Sustainable "
    "Development*. Retrieved November 1, 2026, from " + AGENDA,
    ("apa", "nb", AGENDA): "United Nations. (u.å.). *Transforming our world: the 2030 Agenda for Sustainable "
    "Development*. Hentet 1. november 2026, fra " + AGENDA,
    # Cite Them Right 12th ed., web page: Organisation (Year) *Title*. Available at: URL (Accessed: 1 November 2026).
    ("harvard", "en", FRAMEWORK): "United Nations Statistics Division (2025) *Global indicator framework for the "
    "Sustainable Development Goals and targets of the 2030 Agenda for Sustainable Development*. Available at: "
    + FRAMEWORK
    + " (Accessed: 1 November 2026).",
    ("harvard", "nb", AGENDA): "United Nations (u.å.) *Transforming our world: the 2030 Agenda for Sustainable "
    "Development*. Tilgjengelig på: " + AGENDA + " (Lest: 1. november 2026).",
}


@pytest.mark.parametrize(("style", "lang", "url"), list(KNOWN))
def test_a_known_source_in_the_styles_own_form(register, style, lang, url):
    assert bibliography(keyed([register.get(url)]), style, lang) == [KNOWN[style, lang, url]]


def test_a_person_is_named_family_first_and_a_documents_page_is_kept():
    web = Source("https://example.org/r", "Our common future", "Brundtland, Gro Harlem", "Oxford", "1987", "2026-11-01")
    assert bibliography(keyed([web]), "apa", "en") == [
        "Brundtland, G. H. (1987). *Our common future*. Oxford. https://example.org/r"
    ]
    assert bibliography(keyed([web]), "harvard", "nb") == [
        "Brundtland, G.H. (1987) *Our common future*. Oxford. Tilgjengelig på: https://example.org/r "
        "(Lest: 1. november 2026)."
    ]
    upload = Source("data/uploads/r.pdf", "Our common future", "Brundtland, Gro Harlem", "Oxford", "1987", page=43)
    assert bibliography(keyed([upload]), "apa", "en") == [
        "Brundtland, G. H. (1987). *Our common future* (p. 43). Oxford."
    ]


def test_every_catalogue_item_has_a_reference_dated_from_its_own_source(register):
    catalog = load_catalog(DIRS)
    for item in catalog.items.values():
        for source in references.item_sources(register, item):
            for style in ("apa", "harvard"):
                (text,) = bibliography(keyed([source]), style, "nb")
                year = source.issued[:4] or "u.å."
                assert f"({year}" in text and source.url in text, (item.code, text)


def test_the_reference_list_is_in_the_styles_order(register):
    sources = references.of_codes(register, load_catalog(DIRS), ["11.6.2", "EC: ICT: ICT: 1C", "EC: ICT: PS: 1A"])
    listed = references.render(sources, "harvard", "en", "text").splitlines()
    assert [line.split(" (")[0] for line in listed] == ["International Telecommunication Union"] * 3 + [
        "United Nations Statistics Division"
    ]
    assert [line[line.index("(") + 1 : line.index(")")] for line in listed[:3]] == ["2017", "2020", "2021"]


@pytest.fixture(scope="module")
def items(register) -> list[dict]:
    return keyed(list(register.sources.values()))


def test_ris_reads_back(items):
    back = rispy.loads(export(items, "ris"))
    assert [entry["id"] for entry in back] == [item["id"] for item in items]
    for item, entry in zip(items, back):
        assert entry["title"] == item["title"] and entry["urls"] == [item["URL"]]
        assert entry["authors"] == [item["author"][0]["literal"]]
        assert entry["access_date"] == "2026/11/01"
        assert entry.get("year", "") == str(item.get("issued", {"date-parts": [[""]]})["date-parts"][0][0])


def test_bibtex_reads_back_with_organisations_kept_whole(items):
    library = bibtexparser.parse_string(export(items, "bibtex"))
    assert not library.failed_blocks
    assert [entry.key for entry in library.entries] == [item["id"] for item in items]
    for item, entry in zip(items, library.entries):
        fields = entry.fields_dict
        assert entry.entry_type == "misc" and entry.key.isascii()
        assert fields["author"].value == "{" + item["author"][0]["literal"] + "}"
        assert fields["title"].value == item["title"] and fields["url"].value == item["URL"]
        assert fields["urldate"].value == "2026-11-01"
    assert "ø" in export(items, "bibtex"), "UTF-8 kept (biber and bibtex8 read it)"


def test_csl_json_reads_back_and_renders_the_same(items):
    back = json.loads(export(items, "csl-json"))
    assert back == items
    assert set(CiteProcJSON(back)) == {item["id"] for item in items}
    assert bibliography(back, "apa", "en") == bibliography(items, "apa", "en")


def test_a_conversation_saved_as_json_gives_its_sources_once(register, tmp_path):
    about = (
        "https://www.trondheim.kommune.no/aktuelt/om-kommunen/bk/barekraft/barekraftssenteret/om-barekraftssenteret/"
    )
    answers = [
        {"question": "q1", "citations": [{"n": 1, "title": "Om", "source": about, "page": None, "as_of": "2022"}]},
        {
            "citations": [
                {"n": 1, "title": "Om", "source": about},
                {"n": 2, "title": "Rapport", "source": "data/uploads/r.pdf", "page": 4},
            ]
        },
    ]
    saved = tmp_path / "samtale.json"
    saved.write_text(json.dumps(answers), encoding="utf-8")
    sources = references.of_citations(register, references.conversation_citations(saved), accessed="2026-12-01")
    assert [s.url for s in sources] == [about, "data/uploads/r.pdf"]
    assert sources[0].title == "Om bærekraftssenteret" and sources[0].accessed == "2026-11-01"
    assert sources[1] == Source("data/uploads/r.pdf", "Rapport", accessed="2026-12-01", page=4)
    lines = saved.with_suffix(".jsonl")
    lines.write_text("\n".join(json.dumps(a) for a in answers), encoding="utf-8")
    assert references.conversation_citations(lines) == references.conversation_citations(saved)


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_styles_and_exports_catalogue_items(capsys):
    code, out, _ = _run(
        ["references", "--codes", "11.6.2", "--style", "harvard", "--format", "text", "--language", "en"], capsys
    )
    assert (
        code == 0
        and out
        == "United Nations Statistics Division (2025) Global indicator framework for the "
        "Sustainable Development Goals and targets of the 2030 Agenda for Sustainable Development. Available at: "
        f"{FRAMEWORK} (Accessed: 1 November 2026).\n"
    )
    code, out, _ = _run(["references", "--codes", "EC: ICT: ICT: 1C", "--format", "csl-json"], capsys)
    assert code == 0 and [i["id"] for i in json.loads(out)] == ["international2017collection", "international2020u4ssc"]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["references", "--codes", "11", "99.9"], "unknown code '99.9'"),
        (["references", "--conversation", "/nonexistent/samtale.json"], "/nonexistent/samtale.json"),
        (["references"], "--codes CODE ... or --conversation FILE"),
    ],
)
def test_the_command_names_what_is_wrong(capsys, argv, named):
    code, out, err = _run(argv, capsys)
    assert code == 2 and out == "" and named in err and "Traceback" not in err


def test_a_file_that_is_not_a_conversation_is_named(capsys, tmp_path):
    for name, content in (("binary.json", b"\x00\xff\xfe"), ("bad.json", b"{not json"), ("other.json", b'{"a": 1}')):
        (tmp_path / name).write_bytes(content)
        code, _, err = _run(["references", "--conversation", str(tmp_path / name)], capsys)
        assert code == 2 and str(tmp_path / name) in err, err
    assert "'citations'" in err


def test_a_bad_format_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["references", "--codes", "11", "--format", "docx"])
    assert stop.value.code == 2 and "'docx'" in capsys.readouterr().err


def test_the_command_in_a_process_of_its_own_writes_ris(tmp_path):
    out = tmp_path / "refs.ris"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "references",
            "--codes",
            "11",
            "7.2.1",
            "--format",
            "ris",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    (entry,) = rispy.loads(out.read_text(encoding="utf-8"))  # both cite the same framework: once
    assert entry["urls"] == [FRAMEWORK] and entry["type_of_reference"] == "ELEC"


def test_the_apps_conversation_json_is_masked_and_read_back_by_the_command(tmp_path, capsys):
    about = (
        "https://www.trondheim.kommune.no/aktuelt/om-kommunen/bk/barekraft/barekraftssenteret/om-barekraftssenteret/"
    )
    cited = Citation(n=1, title="Om Bærekraftssenteret", source=about, page=None, section="", as_of="2022", text="...")
    question = "Når ble senteret etablert? Svar til kari@example.no"
    answer = Answer(Prepared(Understood(question, question, "nb", "student")), "Svar [1]", "fake", citations=(cited,))
    saved = tmp_path / "samtale.json"
    saved.write_text(conversation_json([answer]), encoding="utf-8")
    assert "kari@example.no" not in saved.read_text(encoding="utf-8")
    assert main(["references", "--conversation", str(saved), "--format", "text"]) == 0
    assert capsys.readouterr().out == f"Trondheim kommune. (2022, mars 15). Om bærekraftssenteret. {about}\n"
