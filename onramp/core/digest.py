"""A file's sha256, computed in a thread: hashlib and file reads release the GIL, so it takes
a core that would otherwise wait. No Django import here: `onramp ingest-usage` starts hashing
its file before Django has started (see onramp/__main__.py), on the core that Django's
single-threaded start-up leaves idle."""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
from pathlib import Path


def file_sha256(path: Path) -> str:
    """The file mapped into memory and hashed in one call: no copies, and the GIL is released
    once for the whole file (block by block, each block took the GIL back from a busy main
    thread, slowing it down)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        if os.fstat(fh.fileno()).st_size:
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
                h.update(view)
    return h.hexdigest()


def file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """What tells a file's content unchanged: device, inode, size and modification time."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class FileDigest:
    """The sha256 of a file, computed in a thread once `start()` is called. Read `.value` to
    wait for it (it starts the thread if nobody did)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.identity = file_identity(self.path)
        self._result: list[str] = []
        self._error: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> FileDigest:
        if not self.started:
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._result.append(file_sha256(self.path))
        except BaseException as exc:  # re-raised in the caller's thread
            self._error.append(exc)

    @property
    def value(self) -> str:
        self.start()
        self._thread.join()
        if self._error:
            raise self._error[0]
        return self._result[0]


_early: dict[str, FileDigest] = {}


def hash_early(path: str | Path) -> None:
    """Start hashing a file that a command is about to read (a path that is not a file is left
    alone: the command reports it)."""
    key = os.path.abspath(path)
    if key not in _early and os.path.isfile(key):
        _early[key] = FileDigest(Path(key)).start()


def file_digest(path: Path) -> FileDigest:
    """The digest of `path`: the one started early for it if the file is unchanged since,
    else a new one, not started."""
    early = _early.pop(os.path.abspath(path), None)
    if early is not None and early.identity is not None and early.identity == file_identity(path):
        return early
    return FileDigest(path)
