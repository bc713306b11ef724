"""`python -m assistant.app.web [streamlit options]`: the app, with the embedder, the index and the local model loaded
before the server prints its address, so the first visitor does not wait for them (`make run` uses it)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def main() -> int:
    from streamlit.web import cli

    from assistant.app.services import shared

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        shared().warm(models=True)
    except Exception as exc:  # noqa: BLE001 - the app shows the reason on its page; the server still starts
        logging.getLogger(__name__).error("could not load everything before start: %s", exc)
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
