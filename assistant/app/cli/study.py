"""References of catalogue items or of a saved conversation in a citation style or for a reference manager, and the
one-page study sheet of a goal, target, indicator or U4SSC KPI (from the catalogue and the corpus, no model)."""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.app.cli.common import CommandError, text
from assistant.app.services import Services
from assistant.language import registry
from assistant.study import references, sheets
from assistant.study.sources import load_register
from assistant.study.styles import STYLES


def _written(out: Path | None, data: bytes, fallback: Path | None = None) -> int:
    """The output to --out (or `fallback`), else to standard output."""
    target = out or fallback
    if target is None:
        sys.stdout.write(data.decode("utf-8"))
        return 0
    target.write_bytes(data)
    print(f"{target} ({len(data)} bytes)", file=sys.stderr)
    return 0


def cmd_references(services: Services, args) -> int:
    if not (args.codes or args.conversation):
        raise CommandError("references needs --codes CODE ... or --conversation FILE (or both)")
    register = load_register(tuple(services.settings.corpus_dirs))
    found = references.of_codes(register, services.catalog, args.codes or [])
    if args.conversation:
        found += references.of_citations(register, references.conversation_citations(args.conversation))
    output = references.render(found, args.style, args.language, args.format)
    return _written(args.out, output.encode("utf-8"))


def cmd_sheet(services: Services, args) -> int:
    register = load_register(tuple(services.settings.corpus_dirs))
    data = sheets.sheet(services.catalog, register, args.code, args.language, args.style, args.format)
    fallback = Path(sheets.file_name(args.code, "pdf", args.language)) if args.format == "pdf" else None
    return _written(args.out, data, fallback)


def register(sub) -> None:
    refs = sub.add_parser("references", help="references of catalogue items or a conversation, styled or exported")
    refs.add_argument("--codes", nargs="+", type=text, metavar="CODE", help="goal, target, indicator or KPI codes")
    refs.add_argument("--conversation", type=Path, metavar="FILE", help="a conversation saved as JSON (ask --json)")
    refs.add_argument("--format", choices=references.OUTPUTS, default="text")
    sheet = sub.add_parser("sheet", help="a one-page study sheet of a goal, target, indicator or U4SSC KPI")
    sheet.add_argument("code", type=text, help="'11', '11.6', '11.6.2' or 'EC: ICT: ICT: 1C'")
    sheet.add_argument("--format", choices=tuple(sheets.FORMS), default="md", help="md (default) or pdf")
    for parser in (refs, sheet):
        parser.add_argument("--style", choices=tuple(STYLES), default="apa")
        parser.add_argument("--language", choices=registry.codes(), default="nb", help="the references' language")
        parser.add_argument(
            "--out",
            type=Path,
            help="write to this file (default: standard output; a PDF sheet: studieark-CODE.pdf in the working folder)",
        )
    refs.set_defaults(func=cmd_references)
    sheet.set_defaults(func=cmd_sheet)
