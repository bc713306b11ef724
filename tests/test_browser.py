"""What people see: `streamlit run app.py` against a test index, driven in Debian's chromium by playwright."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, thresholds_of

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


@pytest.fixture(scope="module")
def ollama():
    """A test server speaking Ollama's API, writing slowly enough that the early sources and quotes can be seen."""
    from fake_servers import FakeOllama

    with FakeOllama(reply="Kommunedirektøren etablerte Bærekraftssenteret i juni 2020 [1].", token_delay=0.25) as fake:
        yield fake


@pytest.fixture(scope="module")
def server(subset_index, tmp_path_factory, ollama):
    """One app for all the browser tests (what `make run` starts: services warmed before it takes visitors)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
    s = subset_index
    tmp_path = tmp_path_factory.mktemp("browser")
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_INDEX_DIR": str(s.index_dir),
        **thresholds_of(s),
        "ASSISTANT_CORPUS_DIRS": json.dumps([str(d) for d in s.corpus_dirs]),
        "ASSISTANT_LLM_BACKEND": "ollama",
        "OLLAMA_HOST": ollama.url,
        "ASSISTANT_FEEDBACK_DB": str(tmp_path / "fb.sqlite"),
        "ASSISTANT_CACHE_DB": str(tmp_path / "answers.sqlite"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant.app.web",  # what `make run` starts: services warmed before the server takes visitors
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


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, driven by playwright (which never downloads a browser here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A new session of the app: a page in a fresh browser context (no cookies or storage from another test)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server)
    yield page
    context.close()


@pytest.mark.slow
def test_ask_in_a_real_browser(page, tmp_path):
    from playwright.sync_api import expect

    box = page.get_by_placeholder("Skriv et spørsmål ...")
    expect(box).to_be_visible(timeout=120_000)
    expect(page.get_by_role("heading", name="Bærekraftsassistenten")).to_be_visible()
    assert page.get_by_text("Traceback").count() == 0 and page.get_by_text("method").count() == 0
    box.fill("Når ble Bærekraftssenteret etablert?")
    box.press("Enter")
    quotes = page.get_by_text("Sitater fra kildene").first
    expect(quotes).to_be_visible(timeout=15_000)
    assert page.get_by_text("Svar fra: ollama").count() == 0, "the quotes come before the model's answer"
    expect(page.get_by_text("Kilder som brukes", exact=False).first).to_be_visible()
    expect(page.get_by_text("Språkmodellen skriver et kort svar").first).to_be_visible()
    early_y = quotes.bounding_box()["y"]
    expect(page.get_by_text("Svar fra: ollama (gemma3:4b)")).to_be_visible(timeout=120_000)
    settle(page)
    expect(page.get_by_text("Kommunedirektøren etablerte Bærekraftssenteret").first).to_be_visible()
    expect(page.get_by_text("Kort svar, skrevet av en språkmodell", exact=False).first).to_be_visible()
    kept = page.get_by_text("Sitater fra kildene").first
    assert abs(kept.bounding_box()["y"] - early_y) < 4, "the quotes stay where they were: the answer is composed"
    sources = page.get_by_text("Kilder (", exact=False).first
    expect(sources).to_be_visible(timeout=60_000)
    sources.click()
    expect(page.get_by_text("Åpne kilden").first).to_be_visible(timeout=30_000)
    shot = tmp_path / "answer.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    box = page.get_by_placeholder("Skriv et spørsmål ...")
    box.fill("Når ble Bærekraftssenteret etablert?")
    box.press("Enter")
    expect(page.get_by_text("fra svarlageret", exact=False).first).to_be_visible(timeout=30_000)


@pytest.mark.slow
def test_the_goal_tiles_are_drawn_and_a_click_opens_the_card(page, tmp_path):
    from coloraide import Color
    from PIL import Image
    from playwright.sync_api import expect

    from assistant.app.views import charts

    expect(page.get_by_placeholder("Skriv et spørsmål ...")).to_be_visible(timeout=120_000)
    page.get_by_role("tab", name="Indikatorer").click()
    tiles = page.locator("[data-testid='stVegaLiteChart']").first
    expect(tiles).to_be_visible(timeout=60_000)
    drawn = tiles.locator("canvas, svg").first
    expect(drawn).to_be_visible(timeout=30_000)
    box = drawn.bounding_box()
    assert box and box["width"] >= 600 and box["height"] >= 60, box  # six tiles a row, one row per six goals
    card = page.get_by_text("Bærekraftsmål 11:", exact=False)
    assert card.count() == 0, "no card for goal 11 before the click"
    # the subset's goals are 7, 11 and 12: the second tile of the first row is goal 11
    drawn.click(position={"x": 115 * 1.5, "y": 40})  # tiles are 115 px wide, in rows of six
    expect(card.first).to_be_visible(timeout=30_000)
    page.screenshot(path=str(tmp_path / "tiles.png"), full_page=True)
    # the browser draws the colours the contrast tests (test_pictures.py) compute: goal 7's tile, greyed by the pick
    page.mouse.move(0, 0)  # no tooltip over the tiles
    picture = Image.open(io.BytesIO(tiles.locator("canvas, svg").first.screenshot())).convert("RGB")
    pixel = Color("srgb", [channel / 255 for channel in picture.getpixel((100, 75))])  # below its label
    assert pixel.delta_e(charts.drawn(charts.UNPICKED), method="2000") < 2, pixel.to_string(hex=True)
    assert pixel.contrast(charts.INKS[0], method="wcag21") >= 4.5


WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
TABS = {"nb": ["Samtale", "Indikatorer", "Kartlegg en tekst", "Quiz", "Opplæring", "Kilder og eksport"],
        "en": ["Chat", "Indicators", "Map a text", "Quiz", "Training", "Sources and export"]}  # fmt: skip


@pytest.mark.slow
def test_axe_finds_no_serious_or_critical_violation_in_either_language(page, tmp_path):
    """WCAG 2.1 A and AA rules of axe-core on the start page, an answer with its sources open and the feedback
    controls shown, and every tab, in Norwegian and in English; the page's language follows the chosen one."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    axe, found, counts = Axe(), [], {}

    def check(page, where: str) -> None:
        found.extend(serious_violations(axe, page, where, counts))

    for lang, ask, question in (
        ("nb", "Skriv et spørsmål ...", "Når ble Bærekraftssenteret etablert?"),
        ("en", "Ask a question ...", "When was Bærekraftssenteret established?"),
    ):
        if lang == "en":
            page.get_by_text("English", exact=True).click()
        box = page.get_by_placeholder(ask)
        expect(box).to_be_visible(timeout=120_000)
        expect(page.locator("html")).to_have_attribute("lang", lang, timeout=30_000)
        check(page, f"{lang} start")
        box.fill(question)
        box.press("Enter")
        useful = "👍 Nyttig" if lang == "nb" else "👍 Useful"
        expect(page.get_by_role("button", name=useful).first).to_be_visible(timeout=120_000)
        page.get_by_text("Kilder (" if lang == "nb" else "Sources (", exact=False).first.click()
        check(page, f"{lang} answer with sources and feedback")
        for tab in TABS[lang][1:]:
            page.get_by_role("tab", name=tab).click()
            check(page, f"{lang} tab {tab}")
        page.get_by_role("tab", name=TABS[lang][0]).click()
    print("axe violations by impact (nodes):", json.dumps(counts, sort_keys=True))
    assert not found, found


def serious_violations(axe, page, where: str, counts: dict[str, int]) -> list[tuple]:
    """axe-core's WCAG 2.1 A/AA rules on the page as it is: the serious and critical violations (each printed), and
    every violation's nodes counted by impact."""
    settle(page)
    found = []
    for violation in axe.run(page, options=WCAG).response["violations"]:
        counts[violation["impact"]] = counts.get(violation["impact"], 0) + len(violation["nodes"])
        if violation["impact"] in ("serious", "critical"):
            found.append((where, violation["id"], [n["target"] for n in violation["nodes"]][:3]))
            for node in violation["nodes"]:
                print(
                    "VIOLATION",
                    where,
                    violation["id"],
                    node["target"][-1][-80:],
                    node.get("any", [{}])[0].get("message", "")[:160],
                )
    return found


# the focused control's name: its aria-label, text or placeholder (a focusable container's whole text is no name)
FOCUSED = """() => { const e = document.activeElement; if (!e || e === document.body) return '';
  const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
  const name = (e.getAttribute('aria-label') || label || e.innerText || e.placeholder || e.value || '').trim();
  return name.length > 80 ? '' : name; }"""


def settle(page) -> None:
    """Wait until the app has finished its rerun (it replaces elements, and the focus with them): no running status
    and no element marked stale."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=60_000)


def tab_to(page, label: str, exact: bool = True, limit: int = 150) -> None:
    """Press Tab until the focused element is `label` (its text, aria-label or placeholder): reachable by keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused == label or (not exact and label in focused):
            return
    raise AssertionError(f"{label!r} cannot be reached with Tab")


@pytest.mark.slow
def test_a_keyboard_alone_can_ask_open_the_sources_rate_and_switch_tab_and_language(page):
    from playwright.sync_api import expect

    expect(page.get_by_placeholder("Skriv et spørsmål ...")).to_be_visible(timeout=120_000)
    tab_to(page, "Skriv et spørsmål ...")
    page.keyboard.type("Når ble Bærekraftssenteret etablert?")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="👍 Nyttig").first).to_be_visible(timeout=120_000)
    settle(page)
    tab_to(page, "Kilder (", exact=False)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Åpne kilden").first).to_be_visible(timeout=30_000)
    tab_to(page, "👍 Nyttig")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Takk for tilbakemeldingen!").first).to_be_visible(timeout=30_000)
    page.keyboard.press("Shift+Tab")  # from wherever the rerun left the focus, back to the page's start
    tab_to(page, "Samtale")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="Indikatorer")).to_have_attribute("aria-selected", "true", timeout=30_000)
    tab_to(page, "Norsk (bokmål)")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_placeholder("Ask a question ...")).to_be_visible(timeout=30_000)
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=30_000)


@pytest.mark.slow
def test_a_keyboard_alone_takes_a_training_module_and_downloads_the_summary_and_axe_passes(page, subset_index):
    """Keyboard only: open the training tab, answer the first module's quiz, check it, type a name and download
    the summary (Markdown and PDF); axe finds no serious or critical violation on the tab with its
    feedback shown, in Norwegian and in English."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect
    from pypdf import PdfReader

    from assistant.knowledge.quiz import load_quiz_files
    from assistant.study.training import load_path, questions

    module = load_path()[0]
    quiz = questions(module, load_quiz_files(subset_index.corpus_dirs), "nb")
    expect(page.get_by_placeholder("Skriv et spørsmål ...")).to_be_visible(timeout=120_000)
    settle(page)
    tab_to(page, "Samtale")
    for name in TABS["nb"][1 : TABS["nb"].index("Opplæring") + 1]:  # the arrows move along the tabs, Enter opens one
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => ({FOCUSED})() === {json.dumps(name)}", timeout=30_000)
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="Opplæring")).to_have_attribute("aria-selected", "true", timeout=30_000)
    expect(page.get_by_text(quiz[0].question).first).to_be_visible(timeout=60_000)
    settle(page)
    for question in quiz:  # Tab into each question's options, then arrows (or Space) to the right one
        tab_to(page, question.options[0])
        if question.answer:
            for _ in range(question.answer):
                page.keyboard.press("ArrowDown")
        else:
            page.keyboard.press("Space")
        expect(page.get_by_role("radio", name=question.options[question.answer]).first).to_be_checked()
    tab_to(page, "Sjekk svarene")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Du fikk {len(quiz)} av {len(quiz)} riktige i denne modulen.")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("1 av 6 moduler fullført", exact=False).first).to_be_visible()
    settle(page)
    tab_to(page, "Navn (valgfritt, bare i filen du laster ned)")
    page.keyboard.type("Kari Nordmann")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Navnet i oppsummeringen: Kari Nordmann")).to_be_visible(timeout=30_000)
    settle(page)
    tab_to(page, "Last ned oppsummeringen (Markdown)")
    with page.expect_download(timeout=60_000) as markdown:
        page.keyboard.press("Enter")
    text = Path(markdown.value.path()).read_text(encoding="utf-8")
    assert "**Navn:** Kari Nordmann" in text
    assert f"| 1. {module.title['nb']} | Fullført | {len(quiz)} / {len(quiz)} |" in text
    tab_to(page, "Last ned oppsummeringen (PDF)")
    with page.expect_download(timeout=60_000) as pdf:
        page.keyboard.press("Enter")
    reader = PdfReader(pdf.value.path())
    assert "Kari Nordmann" in " ".join((p.extract_text() or "") for p in reader.pages)

    axe, counts = Axe(), {}
    found = serious_violations(axe, page, "nb training with feedback", counts)
    page.get_by_text("English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=30_000)
    page.get_by_role("tab", name="Training").click()
    expect(page.get_by_text(f"You got {len(quiz)} of {len(quiz)} right in this module.")).to_be_visible(timeout=60_000)
    found += serious_violations(axe, page, "en training with feedback", counts)
    print("axe violations by impact (nodes):", json.dumps(counts, sort_keys=True))
    assert not found, found
