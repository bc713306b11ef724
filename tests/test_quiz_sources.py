"""Every item of the quizzes (corpus/quiz/*.yaml) cites a page that states its answer: the answer (in English or
Norwegian), or its key figures, must occur in that page's prose as kept in ../shared (the fact excerpts and the
founding page), not merely in its address; and an item's as_of is a date the cited page gives (an undated page has
none, and no date is borrowed from another page)."""

from __future__ import annotations

import re

import pytest
import yaml

from assistant.study.training import load_path, stated

from conftest import ROOT, SHARED, needs_shared

SEED_URL = "https://www.trondheim.kommune.no/aktuelt/om-kommunen/bk/barekraft/barekraftssenteret/om-barekraftssenteret/"
ADDRESS = re.compile(r"(?:https?://|\.\.\./)[^\s)]+")  # ".../page14.html" is short for the previous address's folder
MAX_UNCHECKED = 3

pytestmark = needs_shared("data/facts")


def key(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.rstrip(":/").lower())


def pages() -> dict[str, str]:
    """Page text by address: each heading or top-level bullet of a facts file starts a block, which belongs to the
    page whose address it names (or to none); the founding page is the seed file."""
    texts = {key(SEED_URL): [p.read_text(encoding="utf-8") for p in (SHARED / "seeds").glob("*.txt")]}
    for path in sorted((SHARED / "data/facts").glob("*.md")):
        url = folder = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("#", "- ")):
                url = m.group() if (m := ADDRESS.search(line)) else None
                if url and url.startswith("..."):
                    url = folder + url[3:]
                elif url:
                    folder = url.rsplit("/", 1)[0]
            if url:
                texts.setdefault(key(url), []).append(line)
    return {u: "\n".join(t) for u, t in texts.items()}


QUIZZES = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus/quiz").glob("*.yaml"))}
ITEMS = [dict(q, file=name) for name, quiz in QUIZZES.items() for q in quiz["questions"]]


def source(q: dict) -> str:
    return q.get("source") or QUIZZES[q["file"]]["source"]


@pytest.fixture(scope="module")
def text() -> dict[str, str]:
    return pages()


@pytest.mark.parametrize("q", ITEMS, ids=lambda q: q["id"])
def test_the_source_page_states_the_answer(q, text):
    page = text.get(key(source(q)))
    if page is None:
        pytest.skip(f"{source(q)} is not in the reference data")
    answers = [str(q["answer_en"]), str(q["answer_nb"])]
    assert any(stated(a, page) for a in answers), f"{source(q)} does not state {answers}"


def test_few_quiz_sources_are_outside_the_reference_data(text):
    """The training path's items are also checked against the corpus passage that states them and cites the same
    page (tests/test_training.py), which covers the pages the reference data lacks (the 2030 Agenda, the UNSD list)."""
    in_path = {q for module in load_path() for q in module.questions}
    unchecked = [f"{q['id']}: {source(q)}" for q in ITEMS if key(source(q)) not in text and q["id"] not in in_path]
    assert len(unchecked) <= MAX_UNCHECKED, unchecked


MONTHS = {
    "nb": "januar februar mars april mai juni juli august september oktober november desember".split(),
    "en": "january february march april may june july august september october november december".split(),
}


def written(as_of: str) -> list[str]:
    """The ways a page may write a date: 2022-03-15, 15.03.2022, 15. mars 2022, 15 March 2022, March 2022, 2022."""
    parts = [int(p) for p in str(as_of).split("-")]
    year = parts[0]
    if len(parts) == 1:
        return [str(year)]
    month = parts[1]
    names = [MONTHS[lang][month - 1] for lang in MONTHS]
    if len(parts) == 2:
        return [f"{name[:length]} {year}" for name in names for length in (3, None)] + [f"{month:02d}.{year}"]
    day = parts[2]
    return [
        str(as_of),
        f"{day:02d}.{month:02d}.{year}",
        f"{day}.{month}.{year}",
        *(f"{day}. {name} {year}" for name in names),
        *(f"{day} {name} {year}" for name in names),
        *(f"{name} {day}, {year}" for name in names),
    ]


@pytest.mark.parametrize("q", [q for q in ITEMS if q.get("as_of")], ids=lambda q: q["id"])
def test_an_items_date_is_one_its_source_page_gives(q, text):
    page = text.get(key(source(q)))
    if page is None:
        pytest.skip(f"{source(q)} is not in the reference data")
    prose = ADDRESS.sub(" ", page).lower()
    # a publication's year in its own address ("2022-U4SSC-KPIs-Verification-Manual", "nyheter/2020-1-kvartal")
    named = len(str(q["as_of"])) <= 7 and re.search(rf"/{str(q['as_of'])[:4]}-", source(q))
    assert named or any(form.lower() in prose for form in written(q["as_of"])), f"{source(q)} gives no date"
