"""Which files a run reads: folders walked without following a link twice, every entry that is not a readable
file (link loop, broken link, named pipe, socket, device, unreadable folder, name that is not UTF-8) reported with
a reason, and manifest keys that do not depend on the working directory."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

IGNORED_NAMES = {"README.md"}  # format documentation, not knowledge


def key_for(path: Path, home: Path) -> str:
    """The manifest key and `path` metadata of a file: relative to the project folder `home` when inside it (stable
    when the project is moved or cloned), else the absolute path; links are followed to the file they name."""
    try:
        resolved = path.resolve(strict=False)
    except (RuntimeError, OSError):  # a link loop: the link itself is the file's name
        resolved = Path(os.path.abspath(path))
    try:
        return resolved.relative_to(home.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _not_a_file(path: Path) -> str | None:
    """Why `path` cannot be read as a file or folder, or None when it can."""
    try:
        mode = path.stat().st_mode  # follows links
    except RuntimeError:  # Python 3.11 reports a link loop this way
        return "a symbolic link loop"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        if path.is_symlink():
            return f"a broken symbolic link (its target {os.readlink(path)} does not exist)"
        return f"cannot read it: {exc.strerror}"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "a device, not a file"


@dataclass
class Found:
    files: list[Path] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}
    _folders: set[tuple[int, int]] = field(default_factory=set)
    _keys: dict[str, Path] = field(default_factory=dict)

    def skip(self, path: Path, reason: str, home: Path) -> None:
        """Record what was passed over under its own name (a broken link's, not its target's); a name that is not
        UTF-8 is shown with its odd bytes as \\xNN, so the summary can be printed and stored."""
        named = Path(os.path.abspath(path))
        try:
            named = named.relative_to(home.resolve())
        except ValueError:
            pass
        shown = named.as_posix().encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        self.skipped.append({"path": shown, "reason": reason})

    def add(self, path: Path, home: Path) -> None:
        name = os.fsencode(path.name)
        try:
            name.decode("utf-8")
        except UnicodeDecodeError:
            self.skip(path, "the file name is not valid UTF-8; rename the file", home)
            return
        key = key_for(path, home)
        if key in self._keys:  # the same file reached twice, through a link or by naming it twice
            if self._keys[key] != path:
                self.skipped.append(
                    {
                        "path": Path(os.path.abspath(path)).as_posix(),
                        "reason": f"a link to {key}, which is indexed once",
                    }
                )
            return
        self._keys[key] = path
        self.files.append(path)

    def walk(self, folder: Path, home: Path) -> None:
        info = folder.stat()
        if (info.st_dev, info.st_ino) in self._folders:
            self.skip(folder, "a link to a folder that is read already (a loop or a second way in)", home)
            return
        self._folders.add((info.st_dev, info.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.skip(folder, f"cannot read the folder: {exc.strerror}", home)
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name in IGNORED_NAMES:
                continue
            self.visit(Path(entry.path), home)

    def visit(self, path: Path, home: Path) -> None:
        reason = _not_a_file(path)
        if reason:
            self.skip(path, reason, home)
        elif path.is_dir():
            self.walk(path, home)
        else:
            self.add(path, home)


def discover(paths: list[Path], home: Path) -> Found:
    """Files to index under `paths` (folders in name order), and what was passed over, with reasons."""
    found = Found()
    for path in paths:
        if not os.path.lexists(path):
            found.skipped.append({"path": key_for(path, home), "reason": "no such file or folder"})
        else:
            found.visit(path, home)
    return found
