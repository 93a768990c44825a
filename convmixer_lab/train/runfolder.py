"""A command-line run's folder: last.pt (resumable), model.pt (finished), run.lock (while a run trains)."""

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from convmixer_lab.files import _process_is_running

LAST, FINAL, LOCK = "last.pt", "model.pt", "run.lock"


class FolderBusy(RuntimeError):
    """Another live run holds the folder's lock."""


@dataclass(frozen=True)
class Contents:
    finished: bool       # model.pt is there
    unfinished: bool     # last.pt without model.pt: an interrupted run
    running: str | None  # "pid N on host H" while a live run holds the lock


def unusable(folder: Path) -> str | None:
    """Why runs cannot be written into ``folder`` (judged by the nearest existing folder), else None."""
    if folder.exists() and not folder.is_dir():
        return "is a file, not a folder; give a folder (it is created if missing)"
    for name in (LAST, FINAL):
        if (folder / name).exists() and not (folder / name).is_file():
            return f"holds {name} as a folder, not a checkpoint file; remove or rename {folder / name}"
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot be created: {existing} is a file"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot be written: no write permission for {existing}"
    return None


def _holder(folder: Path) -> str | None:
    """The live run holding ``folder``'s lock, or None (no lock, or a stale one)."""
    try:
        info = json.loads((folder / LOCK).read_text())
        pid, host = int(info["pid"]), str(info["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none, or half-written by a run killed while taking it: stale
    if host == socket.gethostname() and not _process_is_running(pid):
        return None
    return f"pid {pid} on host {host}"


def contents(folder: Path) -> Contents:
    finished = (folder / FINAL).is_file()
    return Contents(finished=finished, unfinished=not finished and (folder / LAST).is_file(),
                    running=_holder(folder) if folder.is_dir() else None)


@contextmanager
def locked(folder: Path, discard: bool = False) -> Iterator[Path]:
    """Hold ``folder``'s lock (``FolderBusy`` if a live run does); ``discard`` deletes its checkpoints."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK
    if lock.exists() and _holder(folder) is None:
        lock.unlink(missing_ok=True)  # stale: its run was killed
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise FolderBusy(f"--checkpoint-dir {folder}: another run ({_holder(folder)}) is training in "
                         "it right now; wait for it to end or stop it") from None
    with os.fdopen(fd, "w") as f:
        json.dump(dict(pid=os.getpid(), host=socket.gethostname()), f)
    try:
        if discard:
            for name in (FINAL, LAST):
                (folder / name).unlink(missing_ok=True)
        yield folder
    finally:
        lock.unlink(missing_ok=True)
