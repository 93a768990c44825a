"""The course in a real JupyterLab, in a real browser.

For every notebook in notebooks/, and the Chinese twin of notebook 01 (notebooks/zh/): JupyterLab
(started from this environment on a free 127.0.0.1 port, random token, private config/runtime/settings
folders) opens it in headless Chromium, the notebook is run with Run > Run All Cells, and the test
checks what a student would see: every code cell ran, no cell shows an error, every figure rendered as
an image, every widget rendered (no "Error displaying widget"), and moving a slider with the keyboard
changes a label or a figure. In the Chinese twin, the markdown and the package's printed texts
(exercises, explorers) show Chinese, and so does JupyterLab's own interface: the twin is opened in a
JupyterLab whose language setting is Simplified Chinese (the pinned jupyterlab-language-pack-zh-CN),
the English notebooks in one set to English.

Screenshots of each notebook go to build/screenshots/<notebook>/ (git-ignored) before anything is
asserted, so a failure can be looked at. Needs Debian's `chromium` (or CHROMIUM=/path/to/chrome);
without it the test is skipped, except when CI=true, where it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
# One Chinese twin (the others share its code and machinery; the twins' drift test covers them all).
CHINESE = REPO / "notebooks" / "zh" / "01_patch_embedding.ipynb"
CHINESE_TEXTS = ("分块嵌入", "练习 01.")  # a markdown term, and an exercise's printed verdict
# JupyterLab's interface per edition: its language setting (a locale) and the menu labels the test
# clicks or looks for, as that interface shows them (zh_CN: the language pack's translations).
INTERFACE = {
    "en": {"Edit": "Edit", "Clear Outputs of All Cells": "Clear Outputs of All Cells", "Run": "Run",
           "Run All Cells": "Run All Cells", "File": "File", "Settings": "Settings"},
    "zh_CN": {"Edit": "编辑", "Clear Outputs of All Cells": "清除所有单元格的输出", "Run": "运行",
              "Run All Cells": "运行所有单元格", "File": "文件", "Settings": "设置"},
}
SCREENSHOTS = REPO / "build" / "screenshots"
RUN_TIMEOUT_S = 1200  # the training notebook runs about a minute alone; CI machines can be slow
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run"]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.browser


# --- finding the browser ------------------------------------------------------------------------

def find_chromium() -> str | None:
    """$CHROMIUM if set, else `chromium` on PATH (Debian's package)."""
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"])
    return shutil.which("chromium")


def require_chromium() -> str:
    path = find_chromium()
    if path:
        return path
    message = ("Chromium not found, so the notebooks were not run in a browser. Install it with "
               "`sudo apt-get install chromium` (Debian/Ubuntu), or point CHROMIUM at a Chrome/Chromium "
               "binary, then run `make test` again.")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: CI must run this test, not skip it)", pytrace=False)
    pytest.skip(message)


# --- the JupyterLab server ----------------------------------------------------------------------

# User settings JupyterLab reads from its (private) settings folder: every cell stays in the page
# (no virtual scrolling) so the checks see all outputs; nothing is autosaved; no news or update
# checks (the network may be closed).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class Lab:
    url: str
    token: str
    port: int
    log: Path

    def api(self, method: str, path: str, timeout: float = 10) -> object:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def jupyter_lab(root: Path, home: Path, startup_timeout: float = 120, locale: str = "en") -> Iterator[Lab]:
    """Run `python -m jupyter lab` from this environment serving ``root``; private Jupyter folders
    under ``home``; its interface in ``locale`` ("en", or "zh_CN" with the language pack). The server,
    and every kernel it started, is stopped on exit, even on error."""
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), IPYTHONDIR=str(home / "ipython"),
               MPLCONFIGDIR=str(home / "matplotlib"))
    env.pop("MPLBACKEND", None)
    settings = {**LAB_SETTINGS, "@jupyterlab/translation-extension/plugin": {"locale": locale}}
    for plugin, values in settings.items():
        path = home / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    port, token = free_port(), secrets.token_hex(24)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
        command.append("--allow-root")
    log = home / "server.log"
    with open(log, "w", encoding="utf-8") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # own process group: killed as one
    lab = Lab(url=f"http://127.0.0.1:{port}", token=token, port=port, log=log)
    children: dict[int, psutil.Process] = {}
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {process.returncode} while starting; "
                                   f"log:\n{log.read_text(encoding='utf-8')[-3000:]}")
            with contextlib.suppress(OSError):
                lab.api("GET", "/api/status", timeout=2)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within {startup_timeout:.0f} s; "
                                   f"log:\n{log.read_text(encoding='utf-8')[-3000:]}")
            time.sleep(0.3)
        yield lab
    finally:
        # Kernels run in sessions of their own: remember them (by pid) before the server goes.
        with contextlib.suppress(psutil.Error):
            children = {p.pid: p for p in psutil.Process(process.pid).children(recursive=True)}
        with contextlib.suppress(OSError):
            lab.api("POST", "/api/shutdown", timeout=5)  # stops the kernels cleanly
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        for child in children.values():
            with contextlib.suppress(psutil.Error):
                child.kill()
        psutil.wait_procs(list(children.values()), timeout=10)
        if is_listening(port):
            raise RuntimeError(f"something still listens on port {port} after JupyterLab was stopped")


# --- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium() -> str:
    return require_chromium()


def serve_copies(factory: pytest.TempPathFactory, notebooks: list[Path], locale: str) -> Iterator[Lab]:
    """JupyterLab serving copies of ``notebooks`` (the UI run never touches the committed files)."""
    root = factory.mktemp("lab-root")
    for notebook in notebooks:
        (root / notebook.relative_to(REPO)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, root / notebook.relative_to(REPO))
    with jupyter_lab(root, factory.mktemp("lab-home"), locale=locale) as server:
        yield server


@pytest.fixture(scope="module")
def lab(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The English notebooks, in JupyterLab's English interface."""
    yield from serve_copies(tmp_path_factory, NOTEBOOKS, "en")


@pytest.fixture(scope="module")
def lab_zh(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The Chinese twin, in JupyterLab's Simplified Chinese interface (the language pack)."""
    yield from serve_copies(tmp_path_factory, [CHINESE], "zh_CN")


@pytest.fixture(scope="module")
def page(chromium: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(120_000)  # a busy 2-core CI machine is slow to open JupyterLab
            yield page
        finally:
            browser.close()


# --- driving JupyterLab -------------------------------------------------------------------------

def click_menu(page, menu: str, item: str, locale: str = "en") -> None:
    """Open the main menu ``menu`` and click its ``item`` (English names, shown in ``locale``)."""
    labels = INTERFACE[locale]
    page.get_by_role("menuitem", name=labels[menu], exact=True).click()
    page.get_by_role("menuitem", name=labels[item], exact=True).click()


def check_interface_language(page, locale: str) -> str | None:
    """None when the menu bar shows ``locale``'s labels (File, Settings), else what it shows."""
    shown = [label.strip() for label in page.locator(".lm-MenuBar-itemLabel").all_inner_texts()]
    wanted = [INTERFACE[locale][name] for name in ("File", "Settings")]
    if all(label in shown for label in wanted) and (locale != "en" or not any(map(has_cjk, shown))):
        return None
    hint = (" (is jupyterlab-language-pack-zh-CN installed? `pip install -r requirements.txt`)"
            if locale != "en" else "")
    return f"the menu bar shows {shown}, not {wanted}{hint}"


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


# Polled in the page: done when no cell waits ("[*]") and the kernel is idle; reports the prompts.
RUN_STATE_JS = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .map(e => e.textContent.trim());
    const status = panel.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status');
    return {prompts, status, done: status === 'idle' && !prompts.includes('[*]:')};
}"""

# What a student sees in the outputs, read from the page.
OUTPUTS_JS = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const cells = [...panel.querySelectorAll('.jp-CodeCell')];
    const errors = [], images = [], widgets = [];
    cells.forEach((cell, index) => {
        for (const out of cell.querySelectorAll('.jp-OutputArea-output')) {
            const text = out.innerText;
            if (out.dataset.mimeType === 'application/vnd.jupyter.stderr'
                    && /Traceback|^-{20,}\\s*\\n?\\S*(Error|Exception|Interrupt)/m.test(text)) {
                errors.push({cell: index, text: text.slice(0, 800)});
            }
            const failed = text.includes('Error displaying widget')
                           || !!out.querySelector('.jupyter-widgets-error-widget');  // a JS error
            if (out.querySelector(':scope > .jupyter-widgets') || failed) {
                widgets.push({cell: index, ok: !failed && !!out.querySelector('.jupyter-widgets'),
                              text: text.slice(0, 200)});
            }
        }
        for (const img of cell.querySelectorAll('.jp-OutputArea-output img')) {
            images.push({cell: index, ok: img.complete && img.naturalWidth > 0 && img.naturalHeight > 0});
        }
    });
    return {errors, images, widgets};
}"""

# A cell's outputs as a student sees them, minus the sliders' own number readouts.
CELL_SIGNATURE_JS = """(cell) => {
    const out = cell.querySelector('.jp-Cell-outputArea').cloneNode(true);
    out.querySelectorAll('.widget-readout, .noUi-target').forEach(e => e.remove());
    return out.textContent + '|' + [...out.querySelectorAll('img')].map(i => i.src).join('|');
}"""


def stored_counts(notebook: Path) -> tuple[int, int]:
    """(figures, widget views) among the notebook's stored outputs."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    outputs = [o.get("data", {}) for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    return sum("image/png" in d for d in outputs), sum(WIDGET_MIME in d for d in outputs)


def take_screenshots(page, folder: Path, prefix: str = "page") -> None:
    """The whole notebook, one viewport-high screenshot after another."""
    scroller = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer")
    height, step = scroller.evaluate("el => [el.scrollHeight, el.clientHeight]")
    for index, top in enumerate(range(0, max(height, 1), max(step, 1))):
        scroller.evaluate("(el, top) => el.scrollTo(0, top)", top)
        page.screenshot(path=str(folder / f"{prefix}-{index + 1:02d}.png"))


def move_first_slider(page, folder: Path) -> str | None:
    """Press an arrow key on the first slider's handle; return None when a label or figure in its
    cell changed, else a description of what went wrong."""
    handle = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-slider .noUi-handle").first
    cell = handle.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' jp-CodeCell ')]")
    before = cell.evaluate(CELL_SIGNATURE_JS)
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("ArrowLeft" if at_max else "ArrowRight")
    try:
        page.wait_for_function(f"([cell, before]) => ({CELL_SIGNATURE_JS})(cell) !== before",
                               arg=[cell.element_handle(), before], timeout=60_000)
    except Exception:  # playwright's TimeoutError
        return "moving the slider changed no label or figure in its cell within 60 s"
    finally:
        cell.screenshot(path=str(folder / "slider-moved.png"))
    return None


@pytest.mark.slow
@pytest.mark.parametrize("notebook", [*NOTEBOOKS, CHINESE],
                         ids=lambda p: "/".join(p.relative_to(REPO / "notebooks").with_suffix("").parts))
def test_notebook_in_jupyterlab(notebook: Path, request: pytest.FixtureRequest, page) -> None:
    locale = "zh_CN" if notebook == CHINESE else "en"
    lab = request.getfixturevalue("lab_zh" if locale == "zh_CN" else "lab")
    figures, widget_views = stored_counts(notebook)
    where = notebook.relative_to(REPO / "notebooks").as_posix()
    folder = SCREENSHOTS / where.removesuffix(".ipynb").replace("/", "-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        page.goto(f"{lab.url}/lab/tree/notebooks/{where}?reset&token={lab.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator", timeout=120_000)
        # Collapse the file browser (click its current tab) for wider screenshots.
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
        page.screenshot(path=str(folder / "interface.png"))
        wrong_language = check_interface_language(page, locale)
        assert wrong_language is None, f"{where}: JupyterLab's interface is not in {locale}: {wrong_language}"
        click_menu(page, "Edit", "Clear Outputs of All Cells", locale)
        start = time.perf_counter()
        click_menu(page, "Run", "Run All Cells", locale)
        page.wait_for_timeout(500)
        try:
            page.wait_for_function(f"({RUN_STATE_JS})().done", timeout=RUN_TIMEOUT_S * 1000, polling=500)
        except Exception:
            take_screenshots(page, folder)
            pytest.fail(f"{where} still running after {RUN_TIMEOUT_S} s: "
                        f"{page.evaluate(RUN_STATE_JS)}")
        seconds = time.perf_counter() - start
        (folder / "run-all-seconds.txt").write_text(f"{seconds:.1f}\n", encoding="utf-8")
        print(f"{where}: Run All Cells took {seconds:.1f} s in the browser")
        if widget_views:  # widgets render asynchronously after the kernel is idle
            with contextlib.suppress(Exception):
                page.wait_for_function(f"({OUTPUTS_JS})().widgets.length >= {widget_views}", timeout=30_000)
        state, seen = page.evaluate(RUN_STATE_JS), page.evaluate(OUTPUTS_JS)
        take_screenshots(page, folder)

        assert not seen["errors"], f"{where}: cells show errors: {seen['errors']}"
        not_run = [i for i, p in enumerate(state["prompts"]) if not p[1:-2].isdigit()]
        assert not not_run, f"{where}: code cells {not_run} did not run: {state['prompts']}"
        assert all(img["ok"] for img in seen["images"]), f"{where}: broken images {seen['images']}"
        assert len(seen["images"]) >= figures, \
            f"{where}: {len(seen['images'])} figures rendered, the stored notebook has {figures}"
        broken = [w for w in seen["widgets"] if not w["ok"]]
        assert not broken, f"{where}: widgets did not render: {broken}"
        assert len(seen["widgets"]) >= widget_views, \
            f"{where}: {len(seen['widgets'])} widgets rendered; {widget_views} are stored"
        if notebook == CHINESE:
            shown = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").inner_text()
            absent = [text for text in CHINESE_TEXTS if text not in shown]
            assert not absent, f"{where}: the page shows no {absent}"
        if page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-slider .noUi-handle").count():
            problem = move_first_slider(page, folder)
            assert problem is None, f"{where}: {problem}"
    finally:
        page.goto("about:blank")
        lab.shut_down_kernels()


def test_server_is_stopped_even_when_the_test_fails(tmp_path: Path) -> None:
    """The server and its kernels go away, and nothing listens on the port, after an error."""
    (tmp_path / "root").mkdir()
    nb = {"cells": [], "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                   "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "root" / "empty.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(RuntimeError, match="the test failed"), \
            jupyter_lab(tmp_path / "root", tmp_path / "home") as lab:
        session = {"path": "empty.ipynb", "type": "notebook", "name": "empty.ipynb",
                   "kernel": {"name": "python3"}}
        request = urllib.request.Request(f"{lab.url}/api/sessions", method="POST",
                                         data=json.dumps(session).encode(),
                                         headers={"Authorization": f"token {lab.token}",
                                                  "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=60).close()
        server = psutil.Process(next(p.pid for p in psutil.process_iter(["cmdline"])
                                     if f"--ServerApp.port={lab.port}" in (p.info["cmdline"] or [])))
        kernels = server.children(recursive=True)
        assert kernels and is_listening(lab.port)
        raise RuntimeError("the test failed")
    assert not is_listening(lab.port)
    assert not server.is_running() and not any(k.is_running() for k in kernels)


def test_without_chromium_the_test_skips_with_a_hint_but_fails_in_ci(monkeypatch) -> None:
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="sudo apt-get install chromium"):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: CI must run this test"):
        require_chromium()
