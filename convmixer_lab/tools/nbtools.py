"""Execute the course notebooks in place, the way their stored outputs are produced.

    python -m convmixer_lab.tools.nbtools notebooks/03_parameter_count.ipynb [...]

Each runs in a fresh kernel in its own folder (as nbval runs it) and is written atomically, not at all
when it changed on disk meanwhile or a cell failed (one line says why, exit 2). Ctrl-C or SIGTERM stops
cleanly: the kernel shut down, the notebook left as it was, exit 130 or 143."""

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import NoReturn

import nbformat
from jupyter_core.paths import jupyter_runtime_dir
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat.reader import NotJSONError

from convmixer_lab.files import atomic_write


class NotebookError(ValueError):
    """A notebook that cannot be read, run or written back; the message is one line that says why."""


class Interrupted(Exception):
    """The run was stopped by a signal (``signum``: SIGINT or SIGTERM)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def refuse(prog: str, message: str) -> NoReturn:
    """End a command line with one line on stderr and exit code 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def digest(path: str | Path) -> str | None:
    """The sha256 of the file at ``path`` (None when there is none)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


@dataclasses.dataclass
class Written:
    """What ``write_unless_changed`` did: the files it wrote, and those it kept (changed since)."""
    written: list[Path]
    kept: list[Path]


def write_unless_changed(contents: dict[Path, bytes], manifest: Path, force: bool = False) -> Written:
    """Write each file atomically (sha256s in ``manifest``) but keep one changed since, unless ``force``."""
    try:  # what was written last: relative path -> sha256 (empty when unknown)
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        recorded = {str(name): str(sha) for name, sha in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        recorded = {}
    folder, done = manifest.parent, Written([], [])
    for target, content in contents.items():
        name = target.relative_to(folder).as_posix()
        new = hashlib.sha256(content).hexdigest()
        if not force and digest(target) not in (None, new, recorded.get(name)):
            done.kept.append(target)
            continue
        atomic_write(target, content)
        recorded[name] = new
        done.written.append(target)
    atomic_write(manifest, json.dumps({"files": recorded}, indent=1).encode() + b"\n")
    return done


def notebook_bytes(nb: nbformat.NotebookNode) -> bytes:
    """``nb`` as ``nbformat.write`` would store it (JSON, final newline)."""
    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def write_notebook(nb: nbformat.NotebookNode, path: str | Path, expected: str | None = "any") -> Path:
    """Write ``nb`` to ``path`` atomically; ``NotebookError`` if its ``digest`` is not ``expected``."""
    if expected != "any" and digest(path) != expected:
        raise NotebookError(f"{path} changed on disk since it was read (saved from JupyterLab "
                            "meanwhile?); it was kept and this run's result was not written: run again")
    return atomic_write(path, notebook_bytes(nb))


def check_writable(path: str | Path) -> None:
    """Refuse (``NotebookError``) a notebook whose folder cannot take the file written back."""
    folder = Path(os.path.realpath(path)).parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise NotebookError(f"{folder} is read-only, so {Path(path).name} could not be written there; "
                            "make the folder writable (chmod u+w) or work on a copy elsewhere")


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    return load_notebook(path)[0]


def load_notebook(path: str | Path) -> tuple[nbformat.NotebookNode, str]:
    """The notebook at ``path`` and its ``digest``; a one-line error naming a file that is no notebook."""
    path = Path(path)
    if path.suffix != ".ipynb":
        raise ValueError(f"{path} is not a notebook (the name must end in .ipynb); pass a notebook file")
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"{path} {what}; pass an existing .ipynb file")
    try:
        raw = path.read_bytes()
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except (NotJSONError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not valid notebook JSON ({str(err)[:80]}); restore it from git "
                         "(git checkout -- FILE) or re-save it from JupyterLab") from None
    except (nbformat.ValidationError, ValueError, AttributeError, KeyError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"{path} is not a valid Jupyter notebook ({reason}); restore it from git "
                         "(git checkout -- FILE) or re-save it from JupyterLab") from None
    return nb, hashlib.sha256(raw).hexdigest()


async def _stop_kernel(client: NotebookClient, now: bool) -> None:
    """Shut the kernel down and remove its connection file, whatever state it is in."""
    km, kc = client.km, client.kc
    try:
        if km is not None and await ensure_async(km.is_alive()):
            await ensure_async(km.shutdown_kernel(now=now))
    finally:
        if km is not None:
            await ensure_async(km.cleanup_resources())
        if kc is not None:
            await ensure_async(kc.stop_channels())
        client.km = client.kc = None


async def _run_cells(client: NotebookClient, name: str) -> None:
    """Run every cell; a failing cell, a time-out or a dead kernel becomes one ``NotebookError``."""
    for index, cell in enumerate(client.nb.cells):
        where = f"{name}: cell {index} (id {cell.get('id')})"
        try:
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        except CellExecutionError as err:
            last = f"{err.ename}: {err.evalue}".strip().splitlines()[-1]
            raise NotebookError(f"{where} failed with {last}; nothing was written") from None
        except CellTimeoutError:
            raise NotebookError(f"{where} ran longer than the time-out ({client.timeout} s); nothing was "
                                "written: pass a larger --timeout") from None
        except DeadKernelError:
            raise NotebookError(f"{where}: the kernel died (out of memory?); nothing was written") from None


async def _execute(client: NotebookClient, name: str = "notebook") -> None:
    """``client.execute()`` without its signal handlers; the kernel stops however the run ends."""
    client.km = client.create_kernel_manager()
    runtime = Path(jupyter_runtime_dir())  # not a temporary file elsewhere: where Jupyter looks
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    client.km.connection_file = str(runtime / f"kernel-{uuid.uuid4()}.json")
    finished = False
    try:
        await client.async_start_new_kernel()
        await client.async_start_new_kernel_client()
        reply = await client.async_wait_for_reply(await ensure_async(client.kc.kernel_info()))
        if reply is not None and "language_info" in reply["content"]:
            client.nb.metadata["language_info"] = reply["content"]["language_info"]
        await _run_cells(client, name)
        finished = True
    finally:
        await _stop_kernel(client, now=not finished)


def _finish_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is still pending (nbclient's pollers), let it end, and close ``loop``."""
    try:
        if pending := asyncio.all_tasks(loop):
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def run_until_signal(coro: Coroutine) -> None:
    """Run ``coro`` in a fresh event loop; SIGINT or SIGTERM cancels it, then raises ``Interrupted``."""
    loop = asyncio.new_event_loop()
    task = loop.create_task(coro)
    received: list[int] = []

    def stop(signum: int) -> None:
        if not received:
            task.cancel()
        received.append(signum)

    previous = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            handler = signal.getsignal(signum)
            if handler is not signal.SIG_IGN:  # ignored (a background job): the shell wants it so
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(signum, stop, signum)
                    previous[signum] = handler
        loop.run_until_complete(task)
    except BaseException:
        if not received:  # a real failure, not the cancellation (nbclient may re-raise it as
            raise         # DeadKernelError)
    finally:
        for signum, handler in previous.items():
            loop.remove_signal_handler(signum)
            signal.signal(signum, handler)
        _finish_loop(loop)
    if received:
        raise Interrupted(received[0])


def run_notebook(nb: nbformat.NotebookNode, folder: str | Path, timeout: int = 600,
                 name: str = "notebook") -> float:
    """Run every cell of ``nb`` (in memory) in ``folder``, drop widget state; return seconds taken."""
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(folder).resolve())}})
    start = time.perf_counter()
    run_until_signal(_execute(client, name))
    nb.metadata.pop("widgets", None)
    return time.perf_counter() - start


def execute_notebook(path: str | Path, timeout: int = 600) -> float:
    """Run the notebook at ``path`` and store its outputs (see the module docstring); return seconds."""
    nb, before = load_notebook(path)
    check_writable(path)
    seconds = run_notebook(nb, Path(os.path.realpath(path)).parent, timeout, name=str(path))
    write_notebook(nb, path, expected=before)
    return seconds


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` inside the block (outside the event loop too)."""
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        for signum, handler in previous.items():
            if handler is not signal.SIG_IGN:
                signal.signal(signum, _raise_interrupted)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convmixer_lab.tools.nbtools",
                                     description="Execute notebooks in place and store their outputs.")
    parser.add_argument("notebooks", nargs="+", help=".ipynb files to execute")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    if args.timeout < 1:
        refuse("nbtools", f"--timeout must be at least 1 second, got {args.timeout}")
    for nb in args.notebooks:  # refuse a bad argument before running anything
        try:
            read_notebook(nb)
            check_writable(nb)
        except (OSError, ValueError) as err:
            refuse("nbtools", str(err))
    current = None
    try:
        with signals_interrupt():
            for current in args.notebooks:
                print(f"{current}: {execute_notebook(current, args.timeout):.1f} s", flush=True)
    except Interrupted as stop:
        print(f"nbtools: interrupted by {stop} while running {current}; that notebook was left "
              "unchanged", file=sys.stderr)
        return 128 + stop.signum
    except (NotebookError, OSError) as err:
        print(f"nbtools: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
