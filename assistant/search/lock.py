"""The index lock: one writer at a time per index folder (ingestion, a rebuild, an upload's re-index), across
processes and threads; readers never take it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


class IndexBusy(RuntimeError):
    """Another run holds the lock, or the folder cannot hold one; the message says which."""


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(index_dir / ".lock", timeout=0, thread_local=False)
        lock.acquire()
    except Timeout as exc:
        raise IndexBusy(f"the index in {index_dir} is locked by another ingestion run; wait for it to finish") from exc
    except OSError as exc:
        raise IndexBusy(f"the index directory {index_dir} is not writable: {exc.strerror}") from exc
    try:
        yield
    finally:
        lock.release()
