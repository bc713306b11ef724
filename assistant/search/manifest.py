"""The manifest: which files are indexed, with their content hash and chunk ids, written atomically."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class FileEntry:
    hash: str  # of the bytes, the catalogues a catalogue file cross-references, and the chunk settings
    chunks: list[str]
    ingested_at: str
    sha256: str = ""  # of the bytes alone: the same content under another name is not indexed twice


@dataclass
class Manifest:
    embedder: str = ""
    files: dict[str, FileEntry] = field(default_factory=dict)
    last_run: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                embedder=data.get("embedder", ""),
                files={k: FileEntry(**v) for k, v in data.get("files", {}).items()},
                last_run=data.get("last_run", {}),
            )
        except (ValueError, TypeError) as exc:
            # A damaged manifest only costs re-embedding: the store is reconciled against an empty one.
            log.warning("%s is damaged (%s); every file will be re-indexed", path, exc)
            return cls()

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".manifest-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "embedder": self.embedder,
                    "files": {k: asdict(v) for k, v in sorted(self.files.items())},
                    "last_run": self.last_run,
                },
                handle,
                ensure_ascii=False,
                indent=1,
            )
        os.replace(tmp, path)
