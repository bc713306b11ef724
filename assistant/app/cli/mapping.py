"""Map a text to the goals, targets and U4SSC KPIs it addresses (nothing is indexed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.app.cli.common import CommandError
from assistant.app.services import Services
from assistant.language import registry
from assistant.mapping.export import KINDS, MAPPING, mapping_csv, mapping_markdown
from assistant.mapping.mapper import MappingError


def standard_input(limit: int) -> str:
    """Standard input as text, read as ingestion reads a file (UTF-8 or UTF-16, never binary), at most `limit`
    characters' worth: a longer text is refused by the mapper without reading the rest."""
    from ingest.loaders import LoadError
    from ingest.loaders.common import decode

    try:
        return decode(sys.stdin.buffer.read(4 * limit + 4))
    except LoadError as exc:
        raise MappingError(str(exc).replace("the file", "the input")) from exc


def cmd_map(services: Services, args) -> int:
    try:
        if str(args.file) == "-":
            mapping = services.mapper.map_text(standard_input(services.settings.map_max_chars))
        else:
            mapping = services.map_file(args.file)
    except (MappingError, OSError) as exc:
        raise CommandError(f"{args.file}: {exc}") from exc
    lang = args.language or mapping.language
    if args.csv:
        args.csv.write_text(mapping_csv(mapping, lang), encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(mapping_markdown(mapping, services.catalog, lang), encoding="utf-8")
    if args.json:
        print(json.dumps(mapping.as_json(lang), ensure_ascii=False, indent=1))
        return 0
    labels = MAPPING[lang]
    print(labels["sentences"].format(count=mapping.sentences))
    for key in KINDS:
        for match in getattr(mapping, key):
            print(f"{labels[key]:<24} {match.code:<18} {match.score:.2f}  {match.titled(lang)}")
            for sentence in match.evidence[:1]:
                print(f"{'':<24} «{sentence}»")
    if not mapping.goals:
        print(labels["none"])
    return 0


def register(sub) -> None:
    mapper = sub.add_parser("map", help="the goals, targets and U4SSC KPIs a text addresses (nothing is indexed)")
    mapper.add_argument("file", type=Path, help="a PDF, Markdown, text or HTML file, or - for standard input")
    mapper.add_argument("--json", action="store_true", help='{"goals": [...], "targets": [...], "kpis": [...]}')
    mapper.add_argument("--csv", type=Path, help="also write the mapping as CSV to this file")
    mapper.add_argument("--markdown", type=Path, help="also write it as Markdown, with references, to this file")
    mapper.add_argument("--language", choices=registry.codes(), help="titles in this language (default: the text's)")
    mapper.set_defaults(func=cmd_map)
