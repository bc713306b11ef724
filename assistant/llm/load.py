"""How many cores other processes leave free, for llama.cpp's threads: with more compute threads than free cores,
ggml's spinning barrier collapses (measured here: 0.5-0.8 tokens/s written with 2 threads beside one busy process,
4.3-7.6 with 1). Read from /proc/stat and this process's own CPU time, sampled in the background; where /proc is
missing, every core counts as free."""

from __future__ import annotations

import math
import os
import threading
import time
from pathlib import Path

STAT = Path("/proc/stat")
BUSY = slice(1, 4), slice(6, 9)  # user, nice, system; irq, softirq, steal (of the "cpu" line's fields)


def _busy_seconds() -> float | None:
    """CPU seconds all processes have used since boot, or None where /proc/stat cannot be read."""
    try:
        fields = STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = sum(int(v) for part in BUSY for v in fields[part])
    return ticks / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    times = os.times()
    return times.user + times.system


class FreeCores:
    """`free()`: the cores other processes leave free over the last `window` seconds (at least 1)."""

    def __init__(self, interval: float = 0.5, window: float = 3.0) -> None:
        self.cores = os.cpu_count() or 1
        self.interval = interval
        self.window = window
        self._samples: list[tuple[float, float, float]] = []  # (wall, all busy, own)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        busy = _busy_seconds()
        if busy is None:
            return
        with self._lock:
            self._samples.append((time.monotonic(), busy, _own_seconds()))
            while len(self._samples) > 2 and self._samples[-1][0] - self._samples[0][0] > self.window:
                self._samples.pop(0)

    def _run(self) -> None:
        while True:
            self._sample()
            time.sleep(self.interval)

    def others(self) -> float:
        """Cores busy with other processes, on average over the window (0 until two samples exist)."""
        if self._thread is None:
            self._sample()
            self._thread = threading.Thread(target=self._run, name="free-cores", daemon=True)
            self._thread.start()
        with self._lock:
            if len(self._samples) < 2:
                return 0.0
            (wall0, busy0, own0), (wall1, busy1, own1) = self._samples[0], self._samples[-1]
        elapsed = wall1 - wall0
        return max(0.0, ((busy1 - busy0) - (own1 - own0)) / elapsed) if elapsed > 0 else 0.0

    def free(self) -> int:
        """Cores to compute on: all of them on an idle machine, one fewer for each core others keep busy."""
        return max(1, min(self.cores, self.cores - math.ceil(self.others() - 0.3)))
