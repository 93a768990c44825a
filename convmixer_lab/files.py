"""The one way the package writes a file: ``atomic_write``, all or nothing; temporaries ``.NAME.PID.XXXX.tmp``
that a killed run left are removed the next time NAME is written."""

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _process_is_running(pid: int) -> bool:
    # on Windows os.kill(pid, 0) would send CTRL_C_EVENT: there the temporary's age decides
    if pid == os.getpid() or os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        pass
    return True


def remove_stale_temporaries(path: str | Path, older_than: float = 3600.0) -> list[Path]:
    """Delete the temporaries of ``path`` whose process is gone or older than ``older_than`` seconds."""
    path, removed = Path(path), []
    for tmp in path.parent.glob(f".{path.name}.*.tmp") if path.parent.is_dir() else ():
        try:
            pid = int(tmp.name[len(path.name) + 2:].split(".", 1)[0])
            if not _process_is_running(pid) or time.time() - tmp.stat().st_mtime > older_than:
                tmp.unlink()
                removed.append(tmp)
        except (ValueError, OSError):
            continue
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
    """Write ``path`` all or nothing: ``write(file)`` (or the bytes) fills a temporary beside it, fsynced
    and renamed over ``path`` (a link's target). ``mode``: default the old file's, else 0o666 less umask."""
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
