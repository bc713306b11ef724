"""Reliability of ingestion under bad input: encrypted PDFs, links, pipes, binary text, odd names, huge files,
another working directory, the same content twice; every file skipped with a reason or indexed exactly once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest.pipeline import Pipeline

from conftest import ROOT, env_of, write_md, write_pdf


def encrypted_pdf(path: Path, algorithm: str, user_password: str = "") -> Path:
    """A real PDF encrypted by pypdf: with an empty user password it opens for reading without one."""
    from pypdf import PdfReader, PdfWriter

    write_pdf(path, [f"This report is encrypted with {algorithm} and states that the centre opened in 2020."])
    writer = PdfWriter(clone_from=PdfReader(str(path)))
    writer.encrypt(user_password=user_password, owner_password="owner-only", algorithm=algorithm)
    with open(path, "wb") as f:
        writer.write(f)
    return path


def indexed_texts(settings, embedder) -> dict[str, list[str]]:
    from assistant.search.store import Store

    data = Store(settings, embedder).all_chunks()
    out: dict[str, list[str]] = {}
    for text, meta in zip(data["documents"], data["metadatas"]):
        out.setdefault(meta["path"], []).append(text)
    return out


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256", "RC4-128"])
def test_a_pdf_encrypted_without_a_user_password_is_indexed(settings, docs, hashed, algorithm):
    encrypted_pdf(docs / "open.pdf", algorithm)
    encrypted_pdf(docs / "locked.pdf", algorithm, user_password="hemmelig")
    write_md(docs / "after.en.md", "After", "en", "A good file after the encrypted ones.")
    summary = Pipeline(settings, embedder=hashed).run([docs])
    assert sorted(Path(p).name for p in summary.added) == ["after.en.md", "open.pdf"]
    assert [(Path(s["path"]).name, s["reason"]) for s in summary.skipped] == [
        ("locked.pdf", "the PDF needs a password to open (only PDFs that open without one can be indexed)")
    ]
    texts = indexed_texts(settings, hashed)
    assert any(f"encrypted with {algorithm}" in t for t in texts[next(k for k in texts if k.endswith("open.pdf"))])


@pytest.fixture
def ingest_cli(run_cli):
    def call(*args, settings, cwd, home=None):
        return run_cli("ingest", *args, "--json", env=env_of(settings, home=home or ROOT), cwd=cwd)

    return call


def test_the_working_directory_does_not_change_what_is_indexed(settings, docs, tmp_path, ingest_cli):
    write_md(docs / "a.nb.md", "A", "nb", "Senteret ligger i Trondheim.")
    (docs / "b.txt").write_text("Plain text about goal 11.", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    first = ingest_cli(str(docs), settings=settings, cwd=docs)
    second = ingest_cli(str(docs), settings=settings, cwd="/")
    relative = ingest_cli(os.path.relpath(docs, elsewhere), settings=settings, cwd=elsewhere)
    for done in (first, second, relative):
        assert done.returncode == 0, done.stderr
    first, second, relative = (json.loads(d.stdout) for d in (first, second, relative))
    assert len(first["added"]) == 2 and first["chunks_total"] == 2
    for run in (second, relative):
        assert sorted(run["unchanged"]) == sorted(first["added"]) and not run["added"]
        assert run["chunks_total"] == 2 and run["documents_total"] == 2, "nothing doubles"


def test_keys_are_relative_to_the_project_so_a_moved_project_keeps_its_index(settings, tmp_path, ingest_cli):
    import shutil

    project = tmp_path / "project"
    write_md((project / "corpus").mkdir(parents=True) or project / "corpus" / "a.nb.md", "A", "nb", "Tekst om mål 11.")
    local = settings.model_copy(update={"index_dir": project / "data" / "index"})
    done = ingest_cli(settings=local, cwd=project, home=project)  # the default: the corpus folder of the project
    assert json.loads(done.stdout)["added"] == ["corpus/a.nb.md"], done.stderr
    moved = tmp_path / "moved"
    shutil.copytree(project, moved)
    again = ingest_cli(settings=local.model_copy(update={"index_dir": moved / "data" / "index"}), cwd="/", home=moved)
    summary = json.loads(again.stdout)
    assert summary["unchanged"] == ["corpus/a.nb.md"] and summary["chunks_total"] == 1, again.stderr


def test_the_same_content_under_another_name_is_not_indexed_twice(settings, docs, hashed):
    write_md(docs / "report.en.md", "Report", "en", "The centre has ten employees.")
    (docs / "copy").mkdir()
    (docs / "copy" / "report-copy.en.md").write_bytes((docs / "report.en.md").read_bytes())
    summary = Pipeline(settings, embedder=hashed).run([docs])
    assert [Path(p).name for p in summary.added] == ["report-copy.en.md"]
    assert summary.skipped == [
        {
            "path": summary.added[0].replace("copy/report-copy", "report"),
            "reason": f"the same content as {summary.added[0]}, which is indexed",
        }
    ]
    (docs / "copy" / "report-copy.en.md").unlink()  # the indexed twin goes: the other one takes its place
    summary = Pipeline(settings, embedder=hashed).run([docs])
    assert [Path(p).name for p in summary.added] == ["report.en.md"] and len(summary.removed) == 1
    assert summary.chunks_total == 1


def test_a_symlink_loop_named_on_the_command_line_is_skipped_and_the_run_goes_on(settings, docs, ingest_cli):
    os.symlink("loop.md", docs / "loop.md")
    (docs / "good.txt").write_text("Good text about the goals.", encoding="utf-8")
    done = ingest_cli(str(docs / "loop.md"), str(docs / "good.txt"), settings=settings, cwd=docs)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    summary = json.loads(done.stdout)
    assert [Path(p).name for p in summary["added"]] == ["good.txt"]
    assert [(Path(s["path"]).name, s["reason"]) for s in summary["skipped"]] == [("loop.md", "a symbolic link loop")]


def bad_inputs(docs: Path, tmp_path: Path) -> dict[str, str | None]:
    """At least 20 kinds of bad input beside good files. Name -> a word of the reason it is skipped, or None when
    it must be indexed."""
    from fpdf import FPDF

    kinds: dict[str, str | None] = {}

    def add(name: str, reason: str | None) -> Path:
        kinds[name] = reason
        return docs / name

    write_md(add("good.en.md", None), "Good", "en", "# Good\nThe centre opened in June 2020.")
    add("good.txt", None).write_text("Plain text about goal 11 and sustainable cities.", encoding="utf-8")
    add("empty.md", "empty").write_text("", encoding="utf-8")
    add("blank.txt", "empty").write_text("   \n\n  ", encoding="utf-8")
    add("zero.pdf", "empty").write_bytes(b"")
    whole = write_pdf(tmp_path / "whole.pdf", ["A page about waste.", "A second page."])
    add("truncated.pdf", "damaged|no extractable text").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    image_only = FPDF()
    image_only.add_page()
    image_only.rect(20, 20, 100, 60, style="F")  # drawn, no text: what a scanned page gives a text extractor
    image_only.output(str(add("scan.pdf", "no extractable text")))
    add("corrupt.pdf", "damaged").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\ngarbage\n%%EOF")
    encrypted_pdf(add("aes256.pdf", None), "AES-256")
    encrypted_pdf(add("aes128.pdf", None), "AES-128")
    encrypted_pdf(add("locked.pdf", "needs a password"), "AES-256", user_password="pw")
    add("data.xlsx", "unknown file type").write_bytes(b"PK\x03\x04 not really a workbook")
    add("latin.txt", "not UTF-8").write_bytes("Bærekraft på latin-1".encode("latin-1"))
    add("utf16.txt", None).write_bytes("Bærekraftig byutvikling i Trondheim.".encode("utf-16"))
    add("broken.md", "front matter").write_text("---\ntitle: [x\n---\ntext", encoding="utf-8")
    add("unclosed.md", "front matter").write_text("---\ntitle: x\nno closing line\n", encoding="utf-8")
    add("script.html", "no visible text").write_text(
        "<html><head><script>var a = 1;</script></head><body><script>alert(1)</script></body></html>", encoding="utf-8"
    )
    add("nested.html", None).write_text(
        "<html><body>" + "<div>" * 10_000 + "Deep text about goal 13." + "</div>" * 10_000 + "</body></html>",
        encoding="utf-8",
    )
    add("nul.md", "binary").write_bytes(b"\x00" * 4096)
    add("notes.yaml", "catalogue").write_text("just: a list\n", encoding="utf-8")
    add("Årsrapport\n2021 – «endelig» 🌍.md", None).write_text(
        "# Rapport\nEn rapport med et rart navn.", encoding="utf-8"
    )
    (docs / os.fsdecode(b"latin-\xe6\xf8.txt")).write_text("Named in latin-1.", encoding="utf-8")
    kinds["latin-\\xe6\\xf8.txt"] = "not valid UTF-8"  # reported with its odd bytes written out
    add("big.txt", "above the limit").write_text("stor fil " * 150_000, encoding="utf-8")  # 1.35 MB > 1 MB limit
    add("one-line.txt", None).write_text("ord " * 50_000, encoding="utf-8")  # 200 kB, no sentence end
    os.symlink("loop-a.md", docs / "loop-b.md")
    os.symlink("loop-b.md", add("loop-a.md", "symbolic link loop"))
    kinds["loop-b.md"] = "symbolic link loop"
    os.symlink("nowhere.md", add("dangling.md", "broken symbolic link"))
    os.mkfifo(add("pipe.txt", "named pipe"))
    (docs / "sub").mkdir()
    os.symlink("..", docs / "sub" / "up")  # a link back to a folder already read
    kinds["up"] = "read already"
    add("vanishes.txt", "cannot read").write_text("This file is deleted before it is read.", encoding="utf-8")
    return kinds


def test_a_matrix_of_bad_input_is_skipped_with_reasons_and_good_files_indexed_once(settings, docs, tmp_path, hashed):
    kinds = bad_inputs(docs, tmp_path)
    assert len([k for k, reason in kinds.items() if reason]) >= 20

    def vanish(items, **_):  # the file disappears between discovery and reading
        for item in items:
            if isinstance(item, Path) and item.name == "vanishes.txt":
                item.unlink()
            yield item

    small = settings.model_copy(update={"max_file_mb": 1.0})
    summary = Pipeline(small, embedder=hashed, progress=vanish).run([docs])
    skipped = {Path(s["path"]).name: s["reason"] for s in summary.skipped}
    indexed = {Path(p).name for p in summary.added}
    for name, reason in kinds.items():
        if reason is None:
            assert name in indexed, (name, skipped.get(name))
        else:
            assert name in skipped and any(r in skipped[name] for r in reason.split("|")), (name, skipped.get(name))
    assert not indexed - {k for k, r in kinds.items() if r is None}
    texts = indexed_texts(small, hashed)
    assert len(texts) == len(indexed), "each good file once"
    assert any("Bærekraftig byutvikling" in t for t in texts[next(k for k in texts if k.endswith("utf16.txt"))])
    assert any("Deep text about goal 13." in t for t in texts[next(k for k in texts if k.endswith("nested.html"))])

    again = Pipeline(small, embedder=hashed).run([docs])  # nothing already indexed is lost or duplicated
    assert sorted(Path(p).name for p in again.unchanged) == sorted(indexed) and not again.added
    assert again.chunks_total == summary.chunks_total


def test_the_cli_reports_a_bad_folder_without_a_traceback(settings, docs, tmp_path, run_cli):
    kinds = bad_inputs(docs, tmp_path)
    (docs / "vanishes.txt").unlink()
    done = run_cli("ingest", str(docs), cwd=docs, env=env_of(settings, max_file_mb=1))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Indexed with") and "skipped" in lines[0]
    skipped_lines = [line for line in lines if line.startswith("  skipped ")]
    assert len(skipped_lines) == len([k for k, r in kinds.items() if r and k != "vanishes.txt"])
    assert any(
        line.startswith("  skipped ")
        and line.endswith("latin-\\xe6\\xf8.txt: the file name is not valid UTF-8; rename the file")
        for line in lines
    )
