"""The local model's queue: one generation at a time, first come first served."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from assistant.llm.base import LLMError


class ModelGate:
    """One generation at a time (a llama.cpp context is not re-entrant), first come first served. Time spent
    waiting here is not the model's: the answer's own time limits start when the turn comes."""

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._queue: list[object] = []

    def waiting(self) -> int:
        with self._turns:
            return max(len(self._queue) - 1, 0)

    def acquire(self, name: str, timeout: float, on_wait: Callable[[int], None] | None = None) -> Callable[[], None]:
        """Wait for the turn (LLMError "busy" after `timeout` s); returns the function that ends it. While waiting,
        `on_wait` hears the number of answers ahead (called in the waiting thread, at most once a second)."""
        ticket = object()
        with self._turns:
            self._queue.append(ticket)
            deadline = time.monotonic() + timeout
            told = None
            while self._queue[0] is not ticket:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._queue.remove(ticket)
                    self._turns.notify_all()
                    raise LLMError(f"{name} was busy with other answers for {timeout:.0f} s", "busy", timeout)
                ahead = self._queue.index(ticket)
                if on_wait and ahead != told:
                    told = ahead
                    on_wait(ahead)
                self._turns.wait(min(remaining, 1.0))

        def release() -> None:
            with self._turns:
                self._queue.remove(ticket)
                self._turns.notify_all()

        return release
