"""What a person experiences in the browser on the embedded default, after `make run` (index built, model prepared).

    .venv/bin/python bench/browser.py [--sessions 4] [--questions 4]

Starts the app as `make run` does (`python -m assistant.app.web`, default settings: the auto chain answers with the
in-process llama.cpp model unless an Ollama server is up), with a fresh answer cache, and drives Debian's chromium:

1. first page: from the moment the server prints its address until the question box can be used;
2. one session: Enter -> the quotes on screen -> the model's first words in their slot -> the answer complete; then
   the first question again in a new session (from the cache);
3. several sessions at once (separate browser contexts, different questions): each one's time to a complete
   answer, and whether it saw its place in the queue;
4. the baseline for 3: the same questions asked one after another in one session.

The browser shares the machine's cores with the server; `bench/answer_path.py` measures the server side alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import CHROMIUM, FLAGS  # noqa: E402

from assistant.app.evaluation import load_questions  # noqa: E402

EARLY = "Sitater fra kildene"  # the quotes, shown at once
WRITING = "Språkmodellen skriver et kort svar"
DONE = "Svar fra:"
# the text in the newest answer's summary slot, apart from the caption that says a model is writing
SUMMARY_TEXT = """() => { const slots = document.querySelectorAll('[class*="st-key-summary-"]');
  if (!slots.length) return ''; const slot = slots[slots.length - 1];
  return [...slot.querySelectorAll('[data-testid="stMarkdownContainer"]')]
    .filter(e => !e.closest('[data-testid="stCaptionContainer"]')).map(e => e.innerText).join(' ').trim(); }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cache: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, "ASSISTANT_CACHE_DB": str(cache)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant.app.web",
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
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "URL:" in line:
            printed = time.perf_counter()
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # keep draining
            return proc, f"http://127.0.0.1:{port}", printed
    raise RuntimeError("the server did not print its address")


def ask(page, question: str) -> dict:
    """Enter a question and time what appears; returns seconds from Enter."""
    count = page.get_by_text(DONE).count()
    box = page.get_by_placeholder("Skriv et spørsmål ...")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    row: dict = {"question": question}
    early = page.get_by_text(EARLY)
    before = early.count()
    queued = page.get_by_text("foran deg i køen", exact=False)
    while page.get_by_text(DONE).count() <= count:
        now = time.perf_counter() - started
        if "early" not in row and early.count() > before:
            row["early"] = round(now, 2)
        if "first_words" not in row and page.get_by_text(WRITING).count() and page.evaluate(SUMMARY_TEXT):
            row["first_words"] = round(now, 2)
        if queued.count():
            row["queued"] = True
        if now > 900:
            row["timeout"] = True
            break
        time.sleep(0.05)
    row["complete"] = round(time.perf_counter() - started, 2)
    caption = page.get_by_text(DONE).last.inner_text()
    row["cached"] = "svarlageret" in caption
    row["backend"] = re.sub(r"^Svar fra: ", "", caption).split(" · ")[0]
    return row


def session(browser, url: str, questions: list[str], rows: list, barrier: threading.Barrier | None = None) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.get_by_placeholder("Skriv et spørsmål ...").wait_for(timeout=120_000)
    if barrier:
        barrier.wait()
    for question in questions:
        rows.append(ask(page, question))
    context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--questions", type=int, default=4, help="questions for the one-session run")
    parser.add_argument("--busy", type=float, default=0.0, help="keep one core busy for this many seconds")
    args = parser.parse_args()
    if args.busy:
        busy = f"import time\nend = time.time() + {args.busy}\nwhile time.time() < end: pass"
        subprocess.Popen([sys.executable, "-c", busy])
    pool = [
        q.question
        for q in load_questions(ROOT / "bench" / "questions.jsonl")
        if not q.refuse and not q.follows and q.lang == "nb"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        proc, url, printed = start(Path(tmp) / "answers.sqlite")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(url)
                page.get_by_placeholder("Skriv et spørsmål ...").wait_for(timeout=120_000)
                first_page = time.perf_counter() - printed
                print(json.dumps({"first_page_after_address_s": round(first_page, 2)}), flush=True)
                one = []
                for question in pool[: args.questions]:
                    one.append(ask(page, question))
                    print(json.dumps(one[-1], ensure_ascii=False), flush=True)
                page.close()
                page = browser.new_page(viewport={"width": 1280, "height": 900})  # a new session asks it again
                page.goto(url)
                page.get_by_placeholder("Skriv et spørsmål ...").wait_for(timeout=120_000)
                one.append(ask(page, pool[0]))  # from the cache
                print(json.dumps(one[-1], ensure_ascii=False), flush=True)
                page.close()
                together: list[dict] = []
                chosen = pool[args.questions : args.questions + args.sessions]
                barrier = threading.Barrier(args.sessions)
                # playwright's sync API is one thread per browser: each session gets its own browser
                threads = []
                for question in chosen:
                    threads.append(threading.Thread(target=run_alone, args=(url, [question], together, barrier)))
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    fresh = [r for r in one if not r["cached"]]
    print("\n| one session | quotes (s) | first words (s) | complete (s) |\n|---|---|---|---|")
    for row in one:
        print(
            f"| {row['question'][:60]}{' (again, new session: cache)' if row['cached'] else ''} | "
            f"{row.get('early', '-')} | {row.get('first_words', '-')} | {row['complete']} |"
        )
    times = sorted(r["complete"] for r in together)
    print(
        f"\none session, fresh answers: complete p50 {statistics.median(r['complete'] for r in fresh):.1f} s; "
        f"quotes p50 {statistics.median(r['early'] for r in fresh if 'early' in r):.2f} s; first words p50 "
        f"{statistics.median(r['first_words'] for r in fresh if 'first_words' in r):.2f} s"
    )
    print(
        f"{len(together)} sessions at once: complete p50 {statistics.median(times):.1f} s, p95 {times[-1]:.1f} s "
        f"(max of {len(times)}), early view max {max(r.get('early', 0) for r in together):.2f} s, "
        f"saw the queue: {sum(bool(r.get('queued')) for r in together)}"
    )
    for row in together:
        print(json.dumps(row, ensure_ascii=False))


def run_alone(url: str, questions: list[str], rows: list, barrier: threading.Barrier) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        session(browser, url, questions, rows, barrier)
        browser.close()


if __name__ == "__main__":
    main()
