"""The admin password: compared in constant time, and each wrong guess costs a wait that doubles (up to a limit)
for everyone, so guessing is slow however many sessions a guesser opens. Every failure is logged, never the guess."""

from __future__ import annotations

import hmac
import logging
import threading
import time

log = logging.getLogger(__name__)
MAX_DELAY = 30.0


class PasswordGate:
    def __init__(self, password: str | None, sleep=time.sleep) -> None:
        self._password = (password or "").encode()
        self._failures = 0
        self._lock = threading.Lock()
        self._sleep = sleep

    @property
    def failures(self) -> int:
        return self._failures

    def delay(self) -> float:
        """Seconds the next attempt waits: 0 after no failure, then 1, 2, 4, ... up to MAX_DELAY."""
        return 0.0 if not self._failures else min(2.0 ** (self._failures - 1), MAX_DELAY)

    def check(self, given: str, who: str = "") -> bool:
        """Wait out the current delay, then compare; a wrong password makes the next wait longer."""
        self._sleep(self.delay())
        ok = bool(self._password) and hmac.compare_digest(given.encode(), self._password)
        with self._lock:
            if ok:
                self._failures = 0
            else:
                self._failures += 1
                log.warning(
                    "admin login failed (%d in a row)%s; next attempt waits %.0f s",
                    self._failures,
                    f" from {who}" if who else "",
                    self.delay(),
                )
        return ok
