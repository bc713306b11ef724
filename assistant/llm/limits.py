"""Time limits on a model's tokens, enforced while the model is silent."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator

from assistant.llm.base import LLMError


def pull(
    source: Iterator[str], name: str, first_token: float, total: float, release: Callable[[], None] = lambda: None
) -> Iterator[str]:
    """The tokens of `source`, within time limits counted from now (the start of generation).

    The source is read in a worker thread, so a limit holds even while it is blocked (a model reading its
    prompt). When the reader stops (a new question) or a limit passes, the worker stops at the next token, closes
    the source (a generation, an HTTP stream) and then calls `release`."""
    items: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            for token in source:
                if stop.is_set():
                    break
                items.put(("token", token))
            items.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the reader's thread
            items.put(("error", exc))
        finally:
            getattr(source, "close", lambda: None)()
            release()

    threading.Thread(target=work, name=f"generate {name}", daemon=True).start()
    started = time.monotonic()
    first = True
    try:
        while True:
            kind, limit = ("first_token", first_token) if first else ("total", total)
            try:
                what, value = items.get(timeout=max(started + limit - time.monotonic(), 0.001))
            except queue.Empty:
                detail = f"gave no token within {limit:.0f} s" if first else f"took longer than {limit:.0f} s"
                raise LLMError(f"{name} {detail}", kind, limit) from None
            if what == "end":
                return
            if what == "error":
                raise value
            if value:
                first = False
                yield value
    finally:
        stop.set()
