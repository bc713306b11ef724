"""Ingestion into a real Chroma index: incremental runs, bad input, atomicity, locking, embedder mismatch."""

from __future__ import annotations

import json

import pytest

from assistant.search.lock import index_lock
from assistant.search.manifest import Manifest
from ingest.pipeline import IngestError, Pipeline

from conftest import env_of, write_md, write_pdf


def store_by_path(pipeline_settings, embedder):
    from assistant.search.store import Store

    out: dict[str, set[str]] = {}
    for cid, meta in Store(pipeline_settings, embedder).metadata_by_id().items():
        out.setdefault(meta["path"], set()).add(cid)
    return out


def assert_manifest_equals_store(settings, embedder):
    from assistant.search.store import Store

    manifest = Manifest.load(settings.manifest_for(Store(settings, embedder).name))
    assert {k: set(v.chunks) for k, v in manifest.files.items()} == store_by_path(settings, embedder)


def corpus(docs):
    write_md(
        docs / "a.en.md", "Alpha", "en", "# Alpha\nThe centre opened in June 2020.\n\n## Partners\nNTNU and SINTEF."
    )
    write_md(docs / "b.nb.md", "Beta", "nb", "# Beta\nSenteret ligger i Trondheim.")
    (docs / "c.txt").write_text("Plain text about goal 11 and sustainable cities.", encoding="utf-8")
    write_pdf(docs / "review.pdf", ["Page one about food systems.", "Page two about students."], title="Review")


def test_incremental_runs(settings, docs, hashed, monkeypatch):
    corpus(docs)
    pipeline = Pipeline(settings, embedder=hashed)
    first = pipeline.run([docs])
    assert len(first.added) == 4 and not first.skipped
    assert first.chunks_total == first.chunks_written > 4
    assert_manifest_equals_store(settings, hashed)

    before = hashed.passages_embedded
    second = pipeline.run([docs])
    assert hashed.passages_embedded == before, "an unchanged corpus must not embed anything"
    assert len(second.unchanged) == 4 and second.chunks_written == 0
    assert second.chunks_total == first.chunks_total

    write_md(docs / "b.nb.md", "Beta", "nb", "# Beta\nSenteret flyttet til Bytorget.")
    (docs / "c.txt").unlink()
    third = pipeline.run([docs])
    assert third.updated == [k for k in first.added if k.endswith("b.nb.md")]
    assert third.removed == [k for k in first.added if k.endswith("c.txt")]
    texts = pipeline_texts(settings, hashed)
    assert any("Bytorget" in t for t in texts)
    assert not any("ligger i Trondheim" in t for t in texts), "the old version of an edited file must be gone"
    assert not any("Plain text about goal 11" in t for t in texts), "a deleted file's chunks must be gone"
    assert_manifest_equals_store(settings, hashed)


def pipeline_texts(settings, embedder):
    from assistant.search.store import Store

    return Store(settings, embedder).all_chunks()["documents"]


def test_a_rebuild_lists_the_files_of_other_paths_it_takes_out_of_service(settings, docs, hashed, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    write_md(docs / "a.nb.md", "A", "nb", "# A\nBærekraftssenteret ligger i Trondheim og arbeider med bærekraftsmål.")
    write_md(extra / "b.en.md", "B", "en", "# B\nThe extra folder holds a note about cycling routes in Trondheim.")
    Pipeline(settings, embedder=hashed).run([docs, extra])
    summary = Pipeline(settings, embedder=hashed).run([docs], rebuild=True)
    assert [key for key in summary.removed if key.endswith("b.en.md")], summary.removed
    assert summary.chunks_removed >= 1 and summary.documents_total == 1


def test_chunks_carry_metadata_and_stable_ids(settings, docs, hashed):
    corpus(docs)
    Pipeline(settings, embedder=hashed).run([docs])
    from assistant.search.store import Store

    data = Store(settings, hashed).all_chunks()
    ids_first = sorted(data["ids"])
    for meta in data["metadatas"]:
        for key in ("source", "title", "language", "doc_type", "as_of", "chunk_index", "content_hash", "path"):
            assert key in meta, key
    pages = sorted(m["page"] for m in data["metadatas"] if m["path"].endswith("review.pdf"))
    assert pages == [1, 2]
    Pipeline(settings, embedder=hashed).run([docs], rebuild=True)
    assert sorted(Store(settings, hashed).all_chunks()["ids"]) == ids_first, "ids derive from source and position"


def test_bad_files_are_skipped_with_reasons_and_the_run_goes_on(settings, docs, hashed):
    write_md(docs / "good.en.md", "Good", "en", "Good text about the goals.")
    (docs / "empty.md").write_text("", encoding="utf-8")
    (docs / "latin.txt").write_bytes("Bærekraft".encode("latin-1"))
    (docs / "broken.md").write_text("---\ntitle: [x\n---\ntext", encoding="utf-8")
    (docs / "data.xlsx").write_bytes(b"PK\x03\x04")
    (docs / "corrupt.pdf").write_bytes(b"%PDF-1.4 not really")
    write_pdf(docs / "locked.pdf", ["secret"], password="pw")
    (docs / "notes.yaml").write_text("just: a list\n", encoding="utf-8")
    summary = Pipeline(settings, embedder=hashed).run([docs])
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in summary.skipped}
    assert set(reasons) == {
        "empty.md",
        "latin.txt",
        "broken.md",
        "data.xlsx",
        "corrupt.pdf",
        "locked.pdf",
        "notes.yaml",
    }
    assert "empty" in reasons["empty.md"]
    assert "UTF-8" in reasons["latin.txt"]
    assert "front matter" in reasons["broken.md"]
    assert "unknown file type" in reasons["data.xlsx"]
    assert "needs a password" in reasons["locked.pdf"]
    assert "catalogue" in reasons["notes.yaml"]
    assert [p.rsplit("/", 1)[-1] for p in summary.added] == ["good.en.md"]


class FailingEmbedder:
    """Wraps a real embedder and fails on the n-th call: a run that dies part-way."""

    def __init__(self, inner, fail_on: int):
        self.inner, self.calls, self.fail_on = inner, 0, fail_on
        self.spec = inner.spec

    def passages(self, texts, progress=iter):
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("embedding server died")
        return self.inner.passages(texts, progress)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_run_that_dies_leaves_every_file_old_or_new(settings, docs, hashed):
    corpus(docs)
    Pipeline(settings, embedder=hashed).run([docs])
    for name, word in (("a.en.md", "first"), ("b.nb.md", "andre")):
        write_md(docs / name, name, "en", f"# {name}\nThe {word} edit.\n\n## More\nA second section.")
    with pytest.raises(RuntimeError):
        Pipeline(settings, embedder=FailingEmbedder(hashed, fail_on=2)).run([docs])
    texts = pipeline_texts(settings, hashed)
    assert any("The first edit." in t for t in texts), "the file before the failure is fully new"
    assert any("Senteret ligger i Trondheim." in t for t in texts), "the failing file is fully old"
    assert not any("andre edit" in t for t in texts)
    assert_manifest_equals_store(settings, hashed)
    summary = Pipeline(settings, embedder=hashed).run([docs])
    assert [p.rsplit("/", 1)[-1] for p in summary.updated] == ["b.nb.md"]
    assert_manifest_equals_store(settings, hashed)


def test_a_write_interrupted_after_the_store_is_repaired_on_the_next_run(settings, docs, hashed, monkeypatch):
    corpus(docs)
    Pipeline(settings, embedder=hashed).run([docs])
    write_md(docs / "a.en.md", "Alpha", "en", "# Alpha\nShort now.")
    from assistant.search.store import Store

    def die(self, ids):
        raise KeyboardInterrupt  # killed between the upsert and removing the old chunks

    monkeypatch.setattr(Store, "delete", die)
    with pytest.raises(KeyboardInterrupt):
        Pipeline(settings, embedder=hashed).run([docs])
    monkeypatch.undo()
    summary = Pipeline(settings, embedder=hashed).run([docs])
    assert [p.rsplit("/", 1)[-1] for p in summary.added] == ["a.en.md"]
    assert_manifest_equals_store(settings, hashed)
    texts = pipeline_texts(settings, hashed)
    assert not any("NTNU and SINTEF" in t for t in texts), "no orphan from the old version survives"


def test_locked_index_and_embedder_mismatch_stop_the_run(settings, docs, minilm, e5):
    """Also the second embedder backend (sentence-transformers) at work."""
    settings = settings.model_copy(update={"embedder": minilm.spec})
    corpus(docs)
    with index_lock(settings.index_dir), pytest.raises(IngestError, match="locked"):
        Pipeline(settings, embedder=minilm).run([docs])
    Pipeline(settings, embedder=minilm).run([docs])
    with pytest.raises(IngestError, match="rebuild"):
        Pipeline(settings.model_copy(update={"embedder": "e5"}), embedder=e5).run([docs])
    rebuilt = Pipeline(settings.model_copy(update={"embedder": "e5"}), embedder=e5).run([docs], rebuild=True)
    assert len(rebuilt.added) == 4 and rebuilt.embedder == "e5"


def test_a_changed_ef_search_reaches_the_existing_index(settings, docs, hashed):
    from assistant.search.store import Store, open_client

    corpus(docs)
    Pipeline(settings, embedder=hashed).run([docs])
    assert Store(settings, hashed).collection.configuration["hnsw"]["ef_search"] == settings.hnsw_ef_search
    wider = settings.model_copy(update={"hnsw_ef_search": 2 * settings.hnsw_ef_search})
    Store(wider, hashed)
    reopened = open_client(settings).get_collection(settings.collection)  # a new client: nothing cached
    assert reopened.configuration["hnsw"]["ef_search"] == 2 * settings.hnsw_ef_search
    assert Pipeline(wider, embedder=hashed).run([docs]).unchanged, "the index is kept, not rebuilt"


def test_ingest_cli_json_summary_and_exit_codes(settings, docs, tmp_path, run_cli):
    corpus(docs)
    (docs / "latin.txt").write_bytes("Bærekraft".encode("latin-1"))
    done = run_cli("ingest", str(docs), "--json", env=env_of(settings))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert len(summary["added"]) == 4 and summary["skipped"][0]["path"].endswith("latin.txt")
    assert {"added", "updated", "unchanged", "removed", "skipped", "chunks_total", "seconds"} <= set(summary)

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    blocked = run_cli("ingest", str(docs), env=env_of(settings, index_dir=blocker / "ix"))
    assert blocked.returncode == 2 and "not writable" in blocked.stderr


def test_ingest_cli_refuses_another_embedder(settings, docs, run_cli):
    corpus(docs)
    assert run_cli("ingest", str(docs), env=env_of(settings)).returncode == 0
    done = run_cli("ingest", str(docs), env=env_of(settings, embedder="e5"))
    assert done.returncode == 2
    assert "built with the embedder" in done.stderr and "--rebuild" in done.stderr


@pytest.mark.parametrize("module", ["ingest", "assistant"])
def test_a_bad_setting_or_an_embedder_that_cannot_load_is_named_without_a_traceback(settings, docs, module, run_cli):
    args = [str(docs)] if module == "ingest" else ["search", "mål 11"]
    wrong_type = run_cli(module, *args, env=env_of(settings, chunk_tokens="many"))
    assert wrong_type.returncode == 2 and "Traceback" not in wrong_type.stderr
    assert "ASSISTANT_CHUNK_TOKENS" in wrong_type.stderr and "integer" in wrong_type.stderr
    missing = run_cli(module, *args, env=env_of(settings, embedder="st:no-such-model"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "could not load 'no-such-model'" in missing.stderr
