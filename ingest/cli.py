"""`python -m ingest [PATH ...]`: index files into the configured store; a summary at the end."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from assistant.search.embedders import EmbedderError
from assistant.search.store import StoreError
from assistant.settings import SettingsError, load_settings
from ingest.pipeline import IngestError, Pipeline, Summary


def _shown(path: str) -> str:
    """A path on one line: control characters (a newline in a file name) written as escapes."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], path)


def _print_summary(summary: Summary) -> None:
    print(
        f"Indexed with {summary.embedder} in {summary.seconds:.1f} s: {len(summary.added)} added, "
        f"{len(summary.updated)} updated, {len(summary.unchanged)} unchanged, {len(summary.removed)} removed, "
        f"{len(summary.skipped)} skipped."
    )
    print(
        f"Chunks: {summary.chunks_written} written, {summary.chunks_removed} removed, "
        f"{summary.chunks_total} in the index ({summary.documents_total} files)."
    )
    for item in summary.skipped:
        print(f"  skipped {_shown(item['path'])}: {item['reason']}")


def _progress(items, **kw):
    """Files, a PDF's pages, a long file's embedding batches, on stderr (stdout holds the summary); to a log
    rather than a terminal, a line every 10 s at most."""
    from tqdm import tqdm

    tty = sys.stderr.isatty()
    return tqdm(items, file=sys.stderr, mininterval=0.1 if tty else 10, ascii=not tty, **kw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the corpus folders)")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="build the index again beside the one in service, and switch when it is complete",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress on standard error")
    args = parser.parse_args(argv)
    progress = None if args.quiet else _progress
    try:
        summary = Pipeline(load_settings(), progress=progress).run(args.paths or None, rebuild=args.rebuild)
    except (IngestError, SettingsError, StoreError, EmbedderError) as exc:
        if args.json:
            print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False))
    else:
        _print_summary(summary)
    return 0
