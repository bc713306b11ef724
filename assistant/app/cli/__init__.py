"""`python -m assistant`: one subcommand per module (search, answers, mapping, data, study); every failure a person can
cause or meet (a bad setting, a file that cannot be read or written, the index away) ends in one message on
standard error that names the setting or file, and exit status 2."""

from __future__ import annotations

import argparse
import sys

from assistant.app.cli import answers, data, mapping, search, study
from assistant.app.cli.common import EXPECTED
from assistant.app.services import Services
from assistant.settings import load_settings

COMMANDS = (search, answers, mapping, data, study)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Bærekraftsassistenten")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        services = Services(load_settings())
        return args.func(services, args)
    except EXPECTED as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file given on the command line cannot be written or read
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
