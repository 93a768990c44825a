"""The one way the package writes a file.

``atomic_write`` writes to a temporary file beside the target, flushes it to disk (fsync) and
renames it over the target, so an interrupted run never leaves a half-written file: the target is
either the old file or the new one. The new file keeps the old one's permissions (a new one gets
what the umask allows, as ``open`` would give it), and a target that is a symbolic link is written
where the link points (the link stays). Temporaries are named ``.NAME.PID.XXXX.tmp``; ones left behind by
a process that no longer runs (a killed run) are removed the next time NAME is written.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "remove_stale_temporaries"]


def _process_is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT on Windows: decide by age instead
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temporaries(path: str | Path, older_than: float = 3600.0) -> list[Path]:
    """Delete temporaries that an interrupted ``atomic_write`` of ``path`` left behind: those of a
    process that no longer runs, or (where that cannot be told) older than ``older_than`` seconds.
    Returns what was deleted."""
    path = Path(path)
    removed = []
    if not path.parent.is_dir():
        return removed
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        pid_text = tmp.name[len(path.name) + 2:].split(".", 1)[0]
        try:
            stale = (not _process_is_running(int(pid_text))
                     or time.time() - tmp.stat().st_mtime > older_than)
        except (ValueError, OSError):
            continue
        if stale:
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


def _umask() -> int:
    """The process's umask, read without changing it where the system says (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object] | bytes,
                 mode: int | None = None) -> Path:
    """Write ``path`` all or nothing: ``write(file)`` (or the given bytes) fills a temporary file in
    the same folder, which is flushed, fsynced and renamed over ``path``. If anything fails, the
    temporary is removed, ``path`` keeps its old content, and the error propagates. ``mode``: the
    permissions (default: those of the file replaced, else 0o666 less the umask). A symbolic link
    is followed: the file it points to is replaced. Returns the path written."""
    path = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    if mode is None:
        mode = os.stat(path).st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(write, bytes):
                f.write(write)
            else:
                write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            except OSError:
                pass
            finally:
                os.close(dir_fd)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
