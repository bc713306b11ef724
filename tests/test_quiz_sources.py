"""Every item of the centre's quiz cites a page that states its answer: the answer (in English or Norwegian), or its
key figures, must occur in that page's text as kept in ../shared (the fact excerpts and the founding page)."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT, SHARED, needs_shared

SEED_URL = "https://www.trondheim.kommune.no/aktuelt/om-kommunen/bk/barekraft/barekraftssenteret/om-barekraftssenteret/"
ADDRESS = re.compile(r"(?:https?://|\.\.\./)[^\s)]+")  # ".../page14.html" is short for the previous address's folder
MAX_UNCHECKED = 3

pytestmark = needs_shared("data/facts")


def key(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.rstrip(":/").lower())


def norm(text: str) -> str:
    text = re.sub(r"(?<=\d)[ .\u00a0](?=\d{3}\b)", "", text)  # 14.000 and 14 000 -> 14000
    return " ".join(text.lower().replace("’", "'").split())


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
    return {u: norm("\n".join(t)) for u, t in texts.items()}


def states(answer: str, page: str) -> bool:
    """Each part of the answer ("Tirana, Vienna, Tallinn and Glasgow") is on the page; a part's gloss in brackets
    ("Every six months (twice a year)") may stand for it, or be left out."""

    def found(part: str) -> bool:
        part = re.sub(r"^(the|a|an)\s+", "", part.strip(" .'\"").lower())
        variants = [part, re.sub(r"\s*\([^)]*\)", "", part), *re.findall(r"\(([^)]*)\)", part)]
        return any(v.strip() and norm(v) in page for v in variants)

    return all(found(p) for p in re.split(r",|\s(?:and|og|samt)\s", answer) if p.strip())


def figures(answer: str, page: str) -> bool:
    """The answer's numbers (years, counts) are all on the page."""
    nums = re.findall(r"\d+(?:[.,]\d+)*", norm(answer))
    return bool(nums) and all(re.search(rf"(?<!\d){re.escape(n)}(?!\d)", page) for n in nums)


QUIZ = yaml.safe_load((ROOT / "corpus/quiz/centre.yaml").read_text(encoding="utf-8"))
ITEMS = QUIZ["questions"]


def source(q: dict) -> str:
    return q.get("source") or QUIZ["source"]


@pytest.fixture(scope="module")
def text() -> dict[str, str]:
    return pages()


@pytest.mark.parametrize("q", ITEMS, ids=lambda q: q["id"])
def test_the_source_page_states_the_answer(q, text):
    page = text.get(key(source(q)))
    if page is None:
        pytest.skip(f"{source(q)} is not in the reference data")
    answers = [str(q["answer_en"]), str(q["answer_nb"])]
    assert any(states(a, page) or figures(a, page) for a in answers), f"{source(q)} does not state {answers}"


def test_few_quiz_sources_are_outside_the_reference_data(text):
    unchecked = [f"{q['id']}: {source(q)}" for q in ITEMS if key(source(q)) not in text]
    assert len(unchecked) <= MAX_UNCHECKED, unchecked
