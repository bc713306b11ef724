"""What people see: `streamlit run app.py` against a test index, driven in Debian's chromium by playwright."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(subset_index, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
    s = subset_index
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_INDEX_DIR": str(s.index_dir),
        "ASSISTANT_CORPUS_DIRS": json.dumps([str(d) for d in s.corpus_dirs]),
        "ASSISTANT_LLM_BACKEND": "extractive",
        "ASSISTANT_FEEDBACK_DB": str(tmp_path / "fb.sqlite"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.slow
def test_ask_in_a_real_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server)
        box = page.get_by_placeholder("Skriv et spørsmål ...")
        expect(box).to_be_visible(timeout=120_000)
        expect(page.get_by_role("heading", name="Bærekraftsassistenten")).to_be_visible()
        assert page.get_by_text("Traceback").count() == 0 and page.get_by_text("method").count() == 0
        box.fill("Når ble Bærekraftssenteret etablert?")
        box.press("Enter")
        answer = page.get_by_text("juni 2020").first
        expect(answer).to_be_visible(timeout=120_000)
        sources = page.get_by_text("Kilder (", exact=False).first
        expect(sources).to_be_visible(timeout=60_000)
        sources.click()
        expect(page.get_by_text("Åpne kilden").first).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Svar fra: extractive")).to_be_visible()
        shot = tmp_path / "answer.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        browser.close()
