"""Notebook 06's comparison: ConvMixer against its peers and its own ablations, at ONE parameter
budget (``BUDGET``, each configuration within ``TOLERANCE``, its width fitted by ``closest_width``) and
one time budget, over several seeds: ``CONFIGS`` names them, ``run_config`` trains one, ``load_results``
reads the committed data/results/compare_models.json. The protocol (``benchmarks/compare_models.py``):
one recipe (``RECIPE``) and time budget for all, counted in the run's own CPU seconds on ONE torch
thread; the model of the epoch of best validation accuracy is kept and scored once on the test set."""

import copy
import itertools
import json
import math
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from convmixer_lab import peers
from convmixer_lab.checks import check_choice, check_int, check_number, check_positive_int
from convmixer_lab.counting import convmixer_macs, convmixer_params
from convmixer_lab.model import ConvMixer
from convmixer_lab.repo import REPO_ROOT
from convmixer_lab.threads import torch_threads
from convmixer_lab.train import Settings, evaluate, fit, seed_everything

BUDGET = 50_000
TOLERANCE = 0.05  # every configuration has BUDGET * (1 +- TOLERANCE) parameters
IMAGE_SIZE = 28
FAMILIES = ("convmixer", "vit", "mlpmixer", "resnet")
# The one recipe every configuration is trained with (keyword arguments of train.fit) ...
RECIPE: dict[str, Any] = dict(batch_size=128, lr=0.01, weight_decay=0.05, label_smoothing=0.1, augment=False)
# ... and what train.fit always uses, whatever its arguments (tests/test_compare.py checks it).
FIT_FIXED: dict[str, str] = dict(optimizer="AdamW", schedule="one-cycle")
# The clocks a time budget can count in: this process's CPU seconds, or wall-clock seconds.
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
# What every run_config record holds; a results file's records also say which part they belong to.
RECORD_KEYS = frozenset({"name", "family", "config", "params", "macs", "seed", "lr", "seconds", "epochs",
                         "val_accuracy", "test_accuracy"})
REQUIRED = RECORD_KEYS | {"part"}
RESULTS = REPO_ROOT / "data" / "results" / "compare_models.json"
# The committed protocol (benchmarks/compare_models.py's defaults): every run of the main comparison trains
# EPOCHS epochs on the first TRAIN_IMAGES training images, at its family's rate from LR_GRID; the
# CPU-time view gives each run CPU_BUDGET CPU-seconds instead.
EPOCHS, TRAIN_IMAGES, LR_GRID, CPU_BUDGET = 1, 16_000, (0.003, 0.01, 0.03), 10.0
# Each family's rate as the committed file's lr search chose it (tests/notebooks/test_nb06_results.py checks).
LR_CHOICE = {"convmixer": 0.03, "vit": 0.01, "mlpmixer": 0.03, "resnet": 0.03}

_BUILD = {"convmixer": ConvMixer, "vit": peers.ViT, "mlpmixer": peers.MLPMixer, "resnet": peers.ResNet}
# A ConvMixer's residual and image_size change no parameter count, its block and residual no MACs.
_PARAMS = {"convmixer": lambda residual=True, image_size=IMAGE_SIZE, **config: convmixer_params(**config),
           "vit": peers.vit_params, "mlpmixer": peers.mixer_params, "resnet": peers.resnet_params}
_MACS = {"convmixer": lambda block="paper", residual=True, image_size=IMAGE_SIZE, **config:
         convmixer_macs(**config, image_size=image_size),
         "vit": peers.vit_macs, "mlpmixer": peers.mixer_macs, "resnet": peers.resnet_macs}
_WIDTH = {"convmixer": "dim", "vit": "dim", "mlpmixer": "dim", "resnet": "width"}


def build(family: str, config: dict[str, Any]) -> nn.Module:
    """A new model of ``family`` from its keyword arguments ``config`` (seed first for the same weights)."""
    check_choice("family", family, FAMILIES)
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict of {family} arguments, got {type(config).__name__}")
    return _BUILD[family](**config)


def count(family: str, config: dict[str, Any]) -> dict[str, int]:
    """{"params", "macs"} of ``build(family, config)`` by formula (no model is built), for a 28x28 image."""
    check_choice("family", family, FAMILIES)
    return {"params": _PARAMS[family](**config), "macs": _MACS[family](**config)}


def closest_width(family: str, config: dict[str, Any], budget: int = BUDGET) -> int:
    """The width ("dim", or "width" for the ResNet) that brings ``config``'s parameter count nearest to
    ``budget``, all else fixed (a ViT's a multiple of its heads); an impossible setting is refused first."""
    check_choice("family", family, FAMILIES)
    budget = check_int("budget", budget, minimum=1)
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict of {family} arguments, got {type(config).__name__}")
    step = check_positive_int("heads", config.get("heads", 1)) if family == "vit" else 1
    params = _PARAMS[family]
    params(**{**config, _WIDTH[family]: step * 4096})  # wide enough for any ratio: a failure here is final
    best, best_gap = step, math.inf
    for width in itertools.count(step, step):
        try:
            gap = params(**{**config, _WIDTH[family]: width}) - budget
        except ValueError:  # too narrow for this config (e.g. an MLP ratio leaves no hidden unit)
            continue
        if abs(gap) < best_gap:
            best, best_gap = width, abs(gap)
        if gap > 0:  # parameters grow with the width: past the budget, nothing nearer follows
            return best


def _convmixer(dim: int, depth: int = 4, kernel_size: int = 3, patch_size: int = 4, block: str = "paper",
               residual: bool = True) -> tuple[str, dict[str, Any]]:
    return "convmixer", dict(dim=dim, depth=depth, kernel_size=kernel_size, patch_size=patch_size,
                             num_classes=10, in_channels=1, block=block, residual=residual)


GREY_28 = dict(num_classes=10, in_channels=1)
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    # the four families (ConvMixer: the course's small preset shape, k=3, p=4, widened to the budget)
    "convmixer": _convmixer(101),
    "vit": ("vit", dict(dim=36, depth=3, patch_size=4, heads=4, mlp_ratio=4.0, image_size=IMAGE_SIZE,
                        **GREY_28)),
    "mlpmixer": ("mlpmixer", dict(dim=36, depth=4, patch_size=4, token_mlp_ratio=0.5,
                                  channel_mlp_ratio=4.0, image_size=IMAGE_SIZE, **GREY_28)),
    "resnet": ("resnet", dict(width=13, depth=1, stages=3, **GREY_28)),
    # ablations of the ConvMixer: one change each, the width re-fitted to the budget
    "convmixer-p2": _convmixer(103, patch_size=2),   # 14x14 patch grid: 4x the MACs
    "convmixer-p7": _convmixer(98, patch_size=7),    # 4x4 patch grid
    "convmixer-k5": _convmixer(94, kernel_size=5),
    "convmixer-k7": _convmixer(85, kernel_size=7),   # on a 7x7 grid, the centre patch sees all
    "convmixer-wide": _convmixer(144, depth=2),      # wider and shallower
    "convmixer-deep": _convmixer(70, depth=8),       # narrower and deeper
    # the tutorial's block (model.TutorialConvMixerLayer): ONE BatchNorm used after both
    # convolutions, the residual around both (notebook 04)
    "convmixer-tutorial": _convmixer(102, block="tutorial"),
    "convmixer-nores": _convmixer(101, residual=False),  # no residual (same parameters)
}
PEERS = ("convmixer", "vit", "mlpmixer", "resnet")
ABLATIONS = tuple(name for name in CONFIGS if name.startswith("convmixer-"))


def _lookup(spec: str | tuple[str, dict[str, Any]]) -> tuple[str | None, str, dict[str, Any]]:
    """(name or None, family, config) from a name in CONFIGS or a (family, config) pair."""
    if isinstance(spec, str):
        check_choice("name", spec, CONFIGS)
        family, config = CONFIGS[spec]
        return spec, family, dict(config)
    if not (isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], dict)):
        raise TypeError(f"spec must be a name in CONFIGS or a (family, config dict) pair, got {spec!r}")
    check_choice("family", spec[0], FAMILIES)
    return None, spec[0], dict(spec[1])


def describe(name: str | tuple[str, dict[str, Any]]) -> dict[str, int]:
    """{"params", "macs"} of a named configuration (or a (family, config) pair)."""
    _, family, config = _lookup(name)
    return count(family, config)


def _train(model: nn.Module, data: dict, settings: Settings) -> tuple[dict, dict]:
    """The ONE call to ``fit``; the model of the best validation accuracy is loaded back at the end.
    Returns fit's history and {"val_accuracy", "epoch"} of the kept model."""
    best: dict[str, Any] = dict(val_accuracy=-1.0, epoch=None, state=None)

    def keep_best(row: dict[str, float]) -> None:
        if row["val_accuracy"] > best["val_accuracy"]:
            best.update(val_accuracy=row["val_accuracy"], epoch=row["epoch"],
                        state=copy.deepcopy(model.state_dict()))

    history = fit(model, data["train"], data["val"], settings, device="cpu", progress=False,
                  on_epoch=keep_best)
    model.load_state_dict(best.pop("state"))
    return {key: list(values) for key, values in history.items()}, best


def _check_run(seed: object, time_budget: object, epochs: object, data: object,
               recipe: dict[str, Any] | None, clock: object) -> dict[str, Any]:
    check_int("seed", seed, minimum=0)
    if time_budget is None and epochs is None:
        raise ValueError("give time_budget (seconds) or epochs: one of them sets how long to train")
    if time_budget is not None:
        check_number("time_budget", time_budget, minimum=0, strict=True)
    if epochs is not None:
        check_int("epochs", epochs, minimum=1)
    check_choice("clock", clock, CLOCKS)
    if not isinstance(data, dict) or not {"train", "val", "test"} <= set(data):
        raise TypeError("data must be a dict with 'train', 'val' and 'test' (images, labels) pairs, "
                        "as data.fashion_mnist_tensors() returns")
    if unknown := set(recipe or {}) - set(RECIPE):
        raise TypeError(f"unknown recipe setting(s) {sorted(unknown)}; a recipe has {sorted(RECIPE)}")
    return {**RECIPE, **(recipe or {})}


def run_config(spec: str | tuple[str, dict[str, Any]], seed: int, time_budget: float | None,
               data: dict, *, epochs: int | None = None, recipe: dict[str, Any] | None = None,
               threads: int | None = 1, clock: str = "cpu") -> dict[str, Any]:
    """Seed, build and train ``spec`` (a name in ``CONFIGS`` or a (family, config) pair) for
    ``time_budget`` seconds on ``clock`` ("cpu" or "wall"), or ``epochs`` epochs; keep the epoch of the
    best validation accuracy and score the test set ONCE, on it. Returns one record (``RECORD_KEYS`` and
    more: ``wall_seconds``, ``best_epoch``, the settings, the ``history`` per epoch)."""
    name, family, config = _lookup(spec)
    recipe = _check_run(seed, time_budget, epochs, data, recipe, clock)
    counts = count(family, config)
    with torch_threads(threads):
        seed_everything(seed)
        model = build(family, config)
        wall = time.perf_counter()
        history, best = _train(model, data, Settings(epochs=epochs or 1, seed=seed, time_budget=time_budget,
                                                     clock=CLOCKS[clock], **recipe))
        wall = time.perf_counter() - wall
        test_accuracy = evaluate(model, *data["test"])
        used = torch.get_num_threads()
    done = history["epoch"][-1]
    return dict(name=name, family=family, config=config, **counts, seed=seed,
                seconds=sum(history["seconds"]), wall_seconds=wall, epochs=done,
                steps=round(done * math.ceil(len(data["train"][1]) / recipe["batch_size"])),
                lr=recipe["lr"], best_epoch=best["epoch"], val_accuracy=best["val_accuracy"],
                final_val_accuracy=history["val_accuracy"][-1], test_accuracy=test_accuracy,
                time_budget=time_budget, clock=clock, threads=used, recipe=recipe, device="cpu",
                history={k: history[k] for k in ("epoch", "loss", "val_accuracy", "seconds")})


RESULTS_KEYS = ("command", "machine", "protocol", "configs", "lr_choice", "cpu_order", "records",
                "invocations", "total_seconds")
PARTS = ("lr_search", "main", "cpu_time")  # the three parts of the file (benchmarks/compare_models.py)


def load_results(path: str | Path = RESULTS) -> dict[str, Any]:
    """The results file ``benchmarks/compare_models.py`` wrote, checked (``RESULTS_KEYS``, ``REQUIRED``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; run python benchmarks/compare_models.py "
                                f"--out {path} to make it")
    results = json.loads(path.read_text(encoding="utf-8"))
    if missing := [k for k in RESULTS_KEYS if k not in results]:
        raise ValueError(f"{path} is not a compare_models.py results file: it lacks {missing}")
    for i, r in enumerate(results["records"]):
        if not REQUIRED <= set(r):
            raise ValueError(f"{path}: record {i} lacks {sorted(REQUIRED - set(r))}")
        if r["part"] not in PARTS:
            raise ValueError(f"{path}: record {i}: part must be one of {', '.join(PARTS)}, got {r['part']!r}")
    order = {name: i for i, name in enumerate(CONFIGS)}
    results["records"].sort(key=lambda r: (PARTS.index(r["part"]), order.get(r["name"], len(order)),
                                           r["seed"], r["lr"]))
    return results


def part(results: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The records of one part of a results file ("lr_search", "main" or "cpu_time")."""
    check_choice("part", name, PARTS)
    return [r for r in results["records"] if r["part"] == name]
