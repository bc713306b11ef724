"""References for reference managers (Zotero, EndNote, Mendeley, JabRef, BibTeX/biblatex): RIS written by rispy,
BibTeX by bibtexparser, and CSL-JSON as it is, all made from the same CSL-JSON items (`styles.keyed`)."""

from __future__ import annotations

import json

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field

FORMATS = {"ris": ".ris", "bibtex": ".bib", "csl-json": ".json"}
MIME = {"ris": "application/x-research-info-systems", "bibtex": "application/x-bibtex", "csl-json": "application/json"}


def _iso(item: dict, name: str) -> str:
    parts = (item.get(name) or {}).get("date-parts", [[]])[0]
    return "-".join(f"{p:02}" if i else str(p) for i, p in enumerate(parts))


def _name(person: dict) -> str:
    return person.get("literal") or f"{person['family']}, {person['given']}".rstrip(", ")


class _RisWriter(rispy.RisWriter):
    """RIS as reference managers write it: no "1." line before each entry (rispy's default)."""

    def set_header(self, count: int) -> str:
        return ""


def ris(items: list[dict]) -> str:
    entries = []
    for item in items:
        entry = {
            "type_of_reference": "ELEC" if item["type"] == "webpage" else "GEN",
            "id": item["id"],
            "title": item["title"],
            "authors": [_name(p) for p in item.get("author", [])],
            "publisher": item.get("publisher", ""),
            "year": _iso(item, "issued")[:4],
            "date": _iso(item, "issued").replace("-", "/"),
            "access_date": _iso(item, "accessed").replace("-", "/"),
            "urls": [item["URL"]] if "URL" in item else [],
            "start_page": item.get("page", ""),
        }
        entries.append({key: value for key, value in entry.items() if value})
    return rispy.dumps(entries, implementation=_RisWriter)


def _plain(text: str) -> str:
    return text.replace("{", "").replace("}", "")  # BibTeX's grouping characters, never meant in a title


def _author(person: dict) -> str:
    return "{" + _plain(person["literal"]) + "}" if "literal" in person else _plain(_name(person))


def bibtex(items: list[dict]) -> str:
    """@misc entries (BibTeX and biblatex both read them): an organisation as author is braced whole, so it is
    not split into given and family names; `urldate` is the date the source was read."""
    library = bibtexparser.Library()
    for item in items:
        fields = {
            "author": " and ".join(_author(p) for p in item.get("author", [])),
            "title": _plain(item["title"]),
            "publisher": _plain(item.get("publisher", "")),
            "year": _iso(item, "issued")[:4],
            "date": _iso(item, "issued"),
            "url": item.get("URL", ""),
            "urldate": _iso(item, "accessed"),
            "pages": item.get("page", ""),
        }
        library.add(Entry("misc", item["id"], [Field(key, value) for key, value in fields.items() if value]))
    return bibtexparser.write_string(library)  # which encloses each value in braces


def csl_json(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=1)


def export(items: list[dict], form: str) -> str:
    """The items in one of FORMATS."""
    return {"ris": ris, "bibtex": bibtex, "csl-json": csl_json}[form](items)
