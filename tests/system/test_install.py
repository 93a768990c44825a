"""The package installed from a wheel works outside the repository.

The wheel is built offline (`pip wheel --no-deps --no-build-isolation --no-index`, this environment's
setuptools) from a copy of the sources in a temporary folder, so nothing is written into the
repository. It is installed with pip (`--target`, any pip version) into the site-packages of a fresh
virtual environment without pip, whose only link to this environment is a `.pth` line that puts this
environment's site-packages (torch, numpy, ...) after its own; the editable install of the
repository is not processed there. A subprocess whose working directory is a temporary folder and
whose sys.path holds neither the repository nor any other convmixer_lab folder then imports the
installed package, loads the test split through CONVMIXER_LAB_DATA, builds a
model from a preset, and loads the reference checkpoint; without the variable, the error names
root=, the variable and the download helper.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import numpy as np
import pytest
import torch

from convmixer_lab.data import BUNDLED_DATA_DIR, REFERENCE_CHECKPOINT, load_fashion_mnist, to_tensor
from convmixer_lab.train import load_checkpoint

REPO = Path(__file__).resolve().parents[2]
N_PREDICT = 500  # test images the installed copy classifies with the reference model

pytestmark = pytest.mark.slow

# Runs in the temporary environment; prints one JSON line.
PROBE = """
import json, os, sys
from pathlib import Path
import numpy as np, torch
import convmixer_lab
from convmixer_lab import data
from convmixer_lab.counting import count_parameters
from convmixer_lab.presets import fashion_convmixer
from convmixer_lab.train import load_checkpoint

images, labels = data.load_fashion_mnist("test")
model = load_checkpoint(data.REFERENCE_CHECKPOINT)
with torch.no_grad():
    predicted = model(data.to_tensor(images[:N])).argmax(1).tolist()
by_root = data.load_fashion_mnist("test", root=Path(os.environ["CONVMIXER_LAB_DATA"]) / "fashion-mnist")
del os.environ["CONVMIXER_LAB_DATA"]
try:
    data.load_fashion_mnist("test")
    error = None
except data.DataError as err:
    error = str(err)
print(json.dumps({"package": convmixer_lab.__file__, "path": sys.path, "cwd": os.getcwd(),
                  "shape": list(images.shape), "counts": np.bincount(labels).tolist(),
                  "same_by_root": bool(np.array_equal(by_root[0], images)),
                  "small_params": count_parameters(fashion_convmixer("small")),
                  "reference_params": count_parameters(model), "predicted": predicted,
                  "error_without_data": error}))
"""


def build_wheel(workdir: Path) -> Path:
    """The package's wheel, built from a copy of its sources under ``workdir`` (offline)."""
    src = workdir / "src"
    shutil.copytree(REPO / "convmixer_lab", src / "convmixer_lab",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "--quiet", "-w", str(workdir / "dist"), str(src)], check=True, cwd=workdir)
    (wheel,) = (workdir / "dist").glob("convmixer_lab-*.whl")
    return wheel


def make_environment(workdir: Path, wheel: Path) -> Path:
    """A fresh venv with the wheel installed; this environment's packages reachable through a .pth."""
    env_dir = workdir / "env"
    venv.create(env_dir, with_pip=False, symlinks=os.name != "nt")
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    ask = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([str(python), "-c", ask], capture_output=True, text=True,
                               check=True).stdout.strip())
    (site / "course_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    "--target", str(site), str(wheel)], check=True, cwd=workdir)  # any pip version
    return python


def test_the_wheel_works_outside_the_repository(tmp_path):
    wheel = build_wheel(tmp_path)
    python = make_environment(tmp_path, wheel)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env["CONVMIXER_LAB_DATA"] = str(BUNDLED_DATA_DIR)
    run = subprocess.run([str(python), "-c", f"N = {N_PREDICT}\n{PROBE}"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    probe = json.loads(run.stdout.strip().splitlines()[-1])

    # the installed copy ran, not the repository's, from a folder outside the repository
    assert Path(probe["package"]).is_relative_to(tmp_path / "env")
    assert not Path(probe["cwd"]).resolve().is_relative_to(REPO)
    for entry in probe["path"]:
        folder = (Path(probe["cwd"]) / entry).resolve()  # "" is the working directory
        assert folder != REPO and not folder.is_relative_to(REPO / "convmixer_lab"), entry
        assert not (folder / "convmixer_lab").is_dir() or folder.is_relative_to(tmp_path.resolve()), entry

    # the data and the models, through CONVMIXER_LAB_DATA (and root=)
    assert probe["shape"] == [10_000, 28, 28] and probe["counts"] == [1000] * 10
    assert probe["same_by_root"]
    assert probe["small_params"] == 22_090 and probe["reference_params"] == 641_290
    images, _ = load_fashion_mnist("test")
    model = load_checkpoint(REFERENCE_CHECKPOINT)
    with torch.no_grad():
        expected = model(to_tensor(images[:N_PREDICT])).argmax(1).tolist()
    assert probe["predicted"] == expected  # the installed copy computes what the repository does
    assert np.mean(np.array(expected) == load_fashion_mnist("test")[1][:N_PREDICT]) > 0.9

    # without root= or the variable, and no bundled data beside the installed package
    error = probe["error_without_data"]
    assert error is not None
    for needed in ("root=", "CONVMIXER_LAB_DATA", "download_fashion_mnist", "no bundled data/"):
        assert needed in error, error
