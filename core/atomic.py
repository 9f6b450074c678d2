"""Atomic file writes: a temporary file in the same folder, flushed, then renamed over the target.

A write that fails or is killed halfway leaves the old file (if any) as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def current_umask() -> int:
    """The process's umask. On Linux it is read from /proc (setting it to read it back, the only
    portable way, would race with other threads creating files); elsewhere set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_file_mode(path, keep_mode: bool = False) -> int:
    """The permission bits a written file gets: a new file's usual mode (0666 less the umask), or,
    with keep_mode, those of the file it replaces."""
    path = Path(path)
    if keep_mode and path.is_file():
        return path.stat().st_mode & 0o777
    return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb", keep_mode: bool = False, **kwargs):
    """Yield a file object; on success it replaces `path`, on any error (an exception leaving the
    block) it is removed and `path` is untouched. keep_mode: the new file gets the permission bits of
    the one it replaces (a new file gets the usual mode either way, never mkstemp's private 0600)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    bits = new_file_mode(path, keep_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, bits)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
