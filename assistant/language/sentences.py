"""Sentences of a chunk and how well each matches a question: quotes (the extractive backend, the evidence under
a model's answer, the first thing a reader sees) and shorter model context. Sentences are split by Moses's rules
(the `sentence-splitter` package), so "dr.", "bl.a.", "f.eks.", "nr.", "ca." and "e.g." do not end one."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files

from sentence_splitter import SentenceSplitter

from assistant.language import registry
from assistant.language.tokens import tokens

# a list item's marker: "- ", "* ", "1. Trondheim kommune", "2) NTNU", not "25. september 2015 vedtok ..."
_NUMBERED = r"\d+[.)][ \t]+(?![a-zæøå])"
ITEM_MARK = rf"(?:[-*•][ \t]+|{_NUMBERED})"
_LABELLED = r"[A-ZÆØÅ][^\n:.!?]{0,70}:\s"  # a line that starts with its own label: "Nivå: kjerneindikator"
_STARTS_ANEW = re.compile(rf"[\-*•|#>]|{_NUMBERED}")  # a list item, a table row, a heading, a block quote
_LABEL = re.compile(_LABELLED)
WRAPPED = 50  # characters: a line this long that goes on in the next one was wrapped to fit a width
_ITEM = re.compile(rf"^{ITEM_MARK}")
_SENTENCE_ITEM = 5  # words: an item this long that ends with a full stop is a sentence of its own
MAX_ITEMS = 8  # items of a list brought along with its lead-in
MIN_QUOTE = 25  # characters: a shorter sentence says too little to quote


WINDOW = 2000  # characters given to Moses's splitter at once: its cost grows with the square of a line's length


def unwrapped(text: str) -> str:
    """The text with hard-wrapped lines joined: a line goes on in the next one unless that one starts anew (a list
    item, a table row, a heading), or both are fields ("Engelsk navn: X" then "Nivå: Y"; a short line before a
    field ends where it ends)."""
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        before = out[-1].strip()
        field = _LABEL.match(line.lstrip()) and (_LABEL.match(before) or len(before) < WRAPPED)
        if line.strip() and before and not _STARTS_ANEW.match(line.lstrip()) and not field:
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


@lru_cache(maxsize=8)
def _rules(code: str) -> tuple[SentenceSplitter, frozenset[str]]:
    """Moses's rules for the language, with its own abbreviations (the registry's) added to Moses's list; and the
    words a full stop does not end a sentence after."""
    language = registry.get(code)
    shipped = files("sentence_splitter") / "non_breaking_prefixes" / f"{language.sentence_rules}.txt"
    prefixes = shipped.read_text(encoding="utf-8") + "\n" + "\n".join(language.abbreviations) + "\n"
    words = frozenset(line.split("#")[0].split()[0] for line in prefixes.splitlines() if line.split("#")[0].strip())
    fd, path = tempfile.mkstemp(prefix=f"prefixes-{code}-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(prefixes)
        return SentenceSplitter(language=language.sentence_rules, non_breaking_prefix_file=path), words
    finally:
        os.unlink(path)


_BOUNDARY = re.compile(r"(?<!\S)(\S+)[.!?]\s+(?=[«\"(\[]?[A-ZÆØÅ0-9])")


def _windows(line: str, prefixes: frozenset[str]) -> Iterator[str]:
    """A long line in pieces of at most about WINDOW characters, cut where a sentence surely ends (a full stop not
    after an abbreviation, then a capital or a digit), else at a space, else anywhere: linear in the line."""
    start = 0
    while len(line) - start > WINDOW:
        end = start + WINDOW
        cut = None
        for match in _BOUNDARY.finditer(line, start + WINDOW // 2, end):
            if match.group(1).lower().rstrip(".") not in prefixes:
                cut = match.end()
        if cut is None:
            space = line.rfind(" ", start + WINDOW // 2, end)
            cut = space + 1 if space > start else end
        yield line[start:cut]
        start = cut
    yield line[start:]


def split(text: str, language: str) -> list[str]:
    """The sentences of a text, by Moses's rules: a list item is a sentence, hard-wrapped lines are joined."""
    splitter, prefixes = _rules(language)
    out = []
    for line in unwrapped(text).split("\n"):
        line = line.strip()
        for window in _windows(line, prefixes) if line else ():
            parts = splitter.split(window)
            if len(parts) > 1 and re.fullmatch(r"\d+[.)]", parts[0]):  # "1. Trondheim kommune" is one list item
                parts[:2] = [f"{parts[0]} {parts[1]}"]
            out += [" ".join(p.split()) for p in parts if p.strip()]
    return out


# a written sentence's end: its mark, closing quotes or brackets and citations ("... i 2020 [1]."), then a space and
# the next sentence's first letter, capital or digit
# (the word before the mark starts where a word starts: a long run without spaces is scanned once, not from each of
# its characters)
_WRITTEN_END = re.compile(r"(?<!\S)(\S*?)([.!?])[»\"')\]]*(?:\s*\[\d{1,2}\])*[.!?]?(\s+)(?=[«\"(\[]?[A-ZÆØÅ0-9])")
_TAIL_END = re.compile(r"(?<!\S)(\S*?)([.!?])[»\"')\]]*(?:\s*\[\d{1,2}\])*[.!?]?\s*$")


def _abbreviated(word: str, language: str) -> bool:
    """Whether a full stop after `word` belongs to it: an abbreviation of the language."""
    return word.lstrip('«"([').lower().rstrip(".") in _rules(language)[1]


def last_end(text: str, language: str) -> int:
    """Where the text being written has its last finished sentence (0: none yet): after a sentence mark followed by
    the next sentence's capital or digit, and not after an abbreviation ("bl.a. NTNU")."""
    end = 0
    for match in _WRITTEN_END.finditer(text):
        if match.group(2) != "." or not _abbreviated(match.group(1), language):
            end = match.end()
    return end


def finished(text: str, language: str) -> bool:
    """Whether written text ends with a whole sentence: not where a model stopped after an abbreviation or a day's
    number ("... bl.a.", "... per 1.")."""
    match = _TAIL_END.search(text.rstrip())
    if not match or match.group(2) != ".":
        return bool(match)
    word = match.group(1).lstrip('«"([')
    return not (_abbreviated(word, language) or word.isdigit() and len(word) <= 2)


def body(chunk: str) -> str:
    """A chunk's text without the title line the chunker put first."""
    lines = chunk.split("\n", 1)
    return lines[1] if len(lines) > 1 else chunk


def section(chunk: str) -> str:
    """The section a chunk starts in, from the title line the chunker put first ("Contact — Visiting address")."""
    title = chunk.split("\n", 1)[0]
    return title.rsplit(" — ", 1)[1].strip() if " — " in title else ""


def spans(text: str, language: str) -> list[str]:
    """The sentences of `text` as they stand in it (spaces and line breaks kept), so each can be found and replaced
    in the text."""
    out, position = [], 0
    for sentence in split(text, language):
        pattern = re.compile(r"\s+".join(map(re.escape, sentence.split())))
        found = pattern.search(text, position)
        if found is None:  # the splitter changed the sentence's characters: keep what is left as one piece
            break
        out.append(found.group(0))
        position = found.end()
    rest = text[position:].strip()
    return out + ([rest] if rest and not out else [])


def overlap(question_tokens: set[str], sentence: str) -> float:
    return len(question_tokens & set(tokens(sentence))) / (1 + len(question_tokens))


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|\S\s+\|\s+\S.*\s+\|\s+\S")


def _table_rule(line: str) -> bool:
    """The line under a table's header: |---|:--| (only bars, colons, dashes and spaces, with three dashes)."""
    return "---" in line and not line.strip().strip("|:- \t")


_HEADING = re.compile(r"^\s*#{1,6}\s")
# a front matter line: "as_of: 2022-03-15", "---" (a key in lower case, as YAML front matter writes it)
_FIELD = re.compile(r"^\s*[a-z][a-z_]{1,29}:(?:\s+\S+)?\s*$|^\s*-{3,}\s*$")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)|`")
_FINISHED = re.compile(r"[.!?:;»\"')\]]$")


def _plain(sentence: str) -> str:
    """A sentence without Markdown emphasis and without the marker of a list item."""
    return " ".join(_MARKUP.sub("", _ITEM.sub("", sentence)).split())


def _cells(row: str) -> list[str]:
    return [_plain(cell) for cell in row.strip().strip("|").split("|")]


def _row(cells: list[str], header: list[str]) -> str:
    """A table row as a line of prose, its cells named by the header: "visiting address: Bytorget, ...",
    "Unemployment Rate (EC: P: EM: 1C) – value: 2.74; unit: %"."""
    if len(cells) == 2:
        return f"{cells[0]}: {cells[1]}"
    named = "; ".join(f"{name}: {cell}" for name, cell in zip(header[1:], cells[1:]) if cell)
    return f"{cells[0]} – {named}"


def _pieces(text: str, language: str, section: str) -> Iterator[tuple[str, str, str]]:
    """The text's sentences, each with what it is and the section it stands in: "row" (a table row in prose),
    "line" (the end of a line that is whole whatever its last mark), or ""; headings, rules and front matter left
    out."""
    lines = [line.strip() for line in unwrapped(text).split("\n")]
    filled = [n for n, line in enumerate(lines) if line]
    last = filled[-1] if filled else -1
    header: list[str] = []
    for number, line in enumerate(lines):
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if not line:
            header = []
        elif _HEADING.match(line):
            section = _plain(line.lstrip("#"))
        elif _TABLE_ROW.search(line):
            if _table_rule(following):
                header = _cells(line)  # the header row names the columns
            elif header and not _table_rule(line) and len(_cells(line)) == len(header):
                yield _row(_cells(line), header), "row", section
            # a row of a table whose header is not in this text cannot be read alone
        elif not _FIELD.match(line):
            before = lines[number - 1] if number else ""
            # a line that is a paragraph of its own, or a field among fields, is whole without a full stop (but
            # the text's last line may be where the chunk was cut)
            alone = (not before or _HEADING.match(before)) and (not following or _HEADING.match(following))
            field = _LABEL.match(line) and (not following or _LABEL.match(following) or _HEADING.match(following))
            whole = number != last and bool(alone or field) and not _ITEM.match(line)
            found = split(line, language)
            for index, sentence in enumerate(found):
                yield sentence, "line" if whole and index == len(found) - 1 else "", section


def units(text: str, language: str, section: str = "") -> list[str]:
    """The prose of a text as whole sentences a reader can be shown as quotes: no headings, front matter lines or
    unfinished pieces (a chunk cut mid-sentence); list markers and emphasis removed; a list of short items joined to
    the sentence that introduces it ("... three partners: Trondheim kommune, NTNU, SINTEF."), an item that is a
    sentence quoted on its own; a line that is whole but has no
    full stop ("Bytorget, Erling Skakkes gate 14") under the name of its section (`section`, or the heading above
    it); a table row in prose, its cells named by the header (a row whose header is not in the text is left out)."""
    found = list(_pieces(text, language, section))
    out: list[str] = []
    index = 0
    while index < len(found):
        sentence, kind, heading = found[index]
        index += 1
        if kind == "row":
            out.append(sentence)
            continue
        if sentence.endswith(":"):
            fragments: list[str] = []
            while index < len(found) and _ITEM.match(found[index][0]) and len(fragments) < MAX_ITEMS:
                if _is_sentence(found[index][0]):
                    break  # items that are sentences stand on their own
                fragments.append(_plain(found[index][0]).rstrip(".;,"))
                index += 1
            if not fragments:
                continue  # a lead-in says nothing without its items
            sentence = f"{sentence} {', '.join(fragments)}."
        elif _ITEM.match(sentence) and not _is_sentence(sentence):
            continue  # a fragment without its lead-in says too little on its own
        plain = _plain(sentence)
        if not _FINISHED.search(plain):
            if kind != "line":
                continue  # cut off where the chunk ends
            plain = f"{heading}: {plain}" if heading and not re.match(_LABELLED, plain) else plain
        if len(plain) >= MIN_QUOTE:
            out.append(plain)
    return out


def _is_sentence(item: str) -> bool:
    plain = _plain(item)
    return plain.endswith((".", "!", "?")) and len(plain.split()) >= _SENTENCE_ITEM
