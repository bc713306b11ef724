"""Replicas and restarts give the same sources and mappings for the same input and index: the same questions and
texts in 10 fresh processes (new interpreters sharing only the index on disk), identical results in the same order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, env_of

QUESTIONS = [
    "Hvor mange nøkkelindikatorer har U4SSC?",
    "Which partners does the centre work with?",
    "Hva betyr delmål 11.6?",
    "Write a bash script that renames all .jpeg files in a folder to .jpg.",
]
TEXTS = [
    # a software release note (once mapped to goals 10 and 17 in half the processes and to none in the others)
    "Version 4.2 of the booking app fixes a crash when exporting a calendar to CSV. The login page now loads faster "
    "on older phones, and the deprecated settings screen was removed. Thanks to everyone who reported bugs.",
    "Kommunen skal bytte ut oljefyrene i tre skoler med varmepumper og etterisolere takene. Tiltaket skal halvere "
    "energibruken i byggene innen 2028 og gi elevene et bedre inneklima.",
    "Tall fra Statistisk sentralbyrå viser at andelen unge som verken er i arbeid eller utdanning har økt i byen. "
    "Kommunen vil derfor styrke oppfølgingen av elever som står i fare for å slutte på videregående.",
]


@pytest.mark.slow
def test_ten_fresh_processes_give_identical_sources_and_mappings(corpus_index, tmp_path):
    settings, _ = corpus_index
    questions, texts = tmp_path / "questions.jsonl", tmp_path / "texts.jsonl"
    questions.write_text("".join(json.dumps({"question": q}) + "\n" for q in QUESTIONS), encoding="utf-8")
    texts.write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | env_of(settings)
    env["ASSISTANT_CORPUS_DIRS"] = json.dumps([str(d) for d in settings.corpus_dirs])
    command = [sys.executable, str(ROOT / "bench/determinism.py"), "--processes", "10"]
    ran = subprocess.run(
        [*command, "--questions", str(questions), "--texts", str(texts)], env=env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr[-2000:]
    report = json.loads(ran.stdout)
    assert report == {"processes": 10, "questions": 4, "texts": 3, "differing": 0, "examples": []}
