"""`make lab`, the course's main command, started the way the README says.

`make lab LAB_PORT=... LAB_ARGS=--no-browser` runs in the repository with private Jupyter folders;
the test waits for the link JupyterLab prints, then checks that the server listens on 127.0.0.1
only, answers the API with its token and refuses without it (or with a wrong one), and that it
stops, with a kernel it was asked to start, leaving no process and no listening port behind.
As root (containers, CI) `make lab` must add --allow-root and say so in one line; as another user
it must not.

Set-up is not re-run here: the test passes this environment as VENV and marks its set-up stamp as
up to date (`make -o`), so running the test never installs packages.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 120
ROOT_LINE = "make lab: running as root (a container or cloud VM?), so JupyterLab starts with --allow-root"

pytestmark = pytest.mark.skipif(shutil.which("make") is None or os.name == "nt",
                                reason="needs make and a POSIX shell (Windows: see the README)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def status(url: str, token: str | None = None, method: str = "GET") -> tuple[int, str]:
    """HTTP status (redirects not followed) and body of one request to the server."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    headers = {"Authorization": f"token {token}"} if token else {}
    body = b"{}" if method == "POST" else None
    request = urllib.request.Request(url, method=method, headers=headers, data=body)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


def wait_for_link(process: subprocess.Popen, log: Path, port: int) -> str:
    """The token from the link JupyterLab prints once it serves."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        if match := re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]+)", text):
            return match.group(1)
        if process.poll() is not None:
            raise AssertionError(f"make lab exited with {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"no link within {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen, started: list[psutil.Process]) -> None:
    """Stop make, the server and everything it started, whatever state they are in."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
            break
    for child in started:
        with contextlib.suppress(psutil.Error):
            child.kill()


def test_make_lab_serves_on_localhost_with_a_token_and_stops(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MAKE"))}
    private = dict(JUPYTER_CONFIG_DIR="config", JUPYTER_DATA_DIR="data", JUPYTER_RUNTIME_DIR="runtime",
                   JUPYTERLAB_SETTINGS_DIR="settings", JUPYTERLAB_WORKSPACES_DIR="workspaces",
                   IPYTHONDIR="ipython", HOME="home")  # nothing read from or written to the user's
    env.update({name: str(tmp_path / folder) for name, folder in private.items()})
    prefix = Path(sys.prefix)
    command = ["make", "--no-print-directory", "-o", str(prefix / ".installed"), "lab", f"VENV={prefix}",
               f"LAB_PORT={port}", "LAB_ARGS=--no-browser --ServerApp.port_retries=0"]
    log = tmp_path / "lab.log"
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # own process group: stopped as one
    started: list[psutil.Process] = []
    try:
        token = wait_for_link(process, log, port)
        base = f"http://127.0.0.1:{port}"
        server = next(p for p in psutil.Process(process.pid).children(recursive=True)
                      if "jupyter" in " ".join(p.cmdline()))
        listening = {c.laddr.ip for c in server.net_connections("inet") if c.status == psutil.CONN_LISTEN}
        assert listening == {"127.0.0.1"}

        # with its token the API answers; without it, or with a wrong one, it refuses
        code, body = status(f"{base}/api/status", token)
        assert code == 200 and "started" in json.loads(body)
        assert status(f"{base}/api/contents", token)[0] == 200
        for path in ("/api/contents", "/api/status", "/api/kernels"):
            assert status(base + path)[0] in (302, 403), path
            assert status(base + path, "0" * len(token))[0] in (302, 403), path
        assert status(f"{base}/api/kernels", method="POST")[0] in (302, 403)

        # a kernel it starts (as a student's notebook would) goes with it
        code, body = status(f"{base}/api/kernels", token, method="POST")
        assert code == 201, body
        started = server.children(recursive=True)
        assert started and all(p.is_running() for p in started)
        started.append(server)

        text = log.read_text(encoding="utf-8")
        is_root = os.geteuid() == 0
        assert (ROOT_LINE in text) == is_root and text.count(ROOT_LINE) == int(is_root)
        assert "Running as root is not recommended" not in text
        assert status(f"{base}/api/shutdown", token, method="POST")[0] == 200
        process.wait(timeout=60)
        assert process.returncode == 0
    finally:
        stop(process, started)
    psutil.wait_procs(started, timeout=20)
    assert not [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not is_listening(port)
    assert not list((tmp_path / "runtime").glob("kernel-*.json"))
