"""``python -m convmixer_lab.train [--preset reference] [--checkpoint-dir DIR [--resume | --overwrite]]``.

Every value is checked before data are loaded (argparse's usage line, exit 2); Ctrl-C (130) and a failed
checkpoint write (1) end in one line naming the last checkpoint and the command that resumes it."""

import argparse
import json
import os
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from convmixer_lab.augment import AUGMENTATION
from convmixer_lab.checks import check_int
from convmixer_lab.counting import convmixer_params
from convmixer_lab.data import VAL_PER_CLASS, DataError, fashion_mnist_files, fashion_mnist_tensors
from convmixer_lab.model import BLOCKS
from convmixer_lab.presets import PRESET_NAMES, fashion_convmixer, model_config, recipe
from convmixer_lab.train import checkpoint, loop, runfolder

IMAGE_SIZE = 28  # Fashion-MNIST images are 28 x 28 pixels
TRAIN_IMAGES = 60_000 - 10 * VAL_PER_CLASS  # 55,000 once the validation split is held out
MODEL_KEYS = ("dim", "depth", "kernel_size", "patch_size", "block")
RECIPE_KEYS = ("epochs", "batch_size", "lr", "augment")
RUN_KEYS = ("seed", "time_budget", "subset")
# training_memory: ACTIVATIONS_PER_LAYER kept [batch, h, grid, grid] tensors a layer; FIXED_CAP: RAM unknown.
ACTIVATIONS_PER_LAYER, EVAL_BATCH, DATA_BYTES, FIXED_CAP = 8, 1000, 250 * 2**20, 16 * 2**30


class UsageError(ValueError):
    """A command line that cannot run; argparse prints it with the usage line and exits with 2."""


def _value(key: str, convert: type = int, **limits: Any) -> Callable[[str], Any]:
    """An argparse type: ``convert`` the text, then check it as ``Settings`` (or ``check_int``) does."""
    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            what = "a whole number" if convert is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        try:
            check_int(key, value, **limits) if limits else loop.Settings(**{key: value})
        except (TypeError, ValueError) as e:
            raise argparse.ArgumentTypeError(str(e).removeprefix(f"{key} ")) from None
        return value
    return parse


def _device(text: str) -> str:
    try:
        loop.pick_device(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def _folder(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path; give the run's folder, e.g. runs/small")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m convmixer_lab.train", allow_abbrev=False,
        description="Train a ConvMixer on Fashion-MNIST (55,000 training images; 5,000 held out for "
                    "validation after every epoch; the 10,000 test images scored once, at the end).")
    p.add_argument("--preset", choices=PRESET_NAMES, help="model and recipe to start from (default: "
                   "small); the flags below override it")
    patch = dict(maximum=IMAGE_SIZE, hint="a patch cannot be larger than the 28x28 image")
    sizes = [(key, dict(maximum=checkpoint.CONFIG_LIMITS[key])) for key in ("dim", "depth", "kernel_size")]
    for key, limits in (*sizes, ("patch_size", patch)):
        p.add_argument(f"--{key.replace('_', '-')}", type=_value(key, minimum=1, **limits),
                       help="override the preset's value")
    for key in ("epochs", "batch_size"):
        p.add_argument(f"--{key.replace('_', '-')}", type=_value(key), help="override the preset's value")
    p.add_argument("--block", choices=BLOCKS, help=f"'paper' (default) or the tutorial's {BLOCKS[1]!r} layer")
    p.add_argument("--lr", type=_value("lr", float), help="peak learning rate of the one-cycle schedule")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help=f"augment the training images: {AUGMENTATION} (default: the preset's)")
    p.add_argument("--seed", type=_value("seed"), help=f"random seed, 0 to {loop.SEED_MAX} (default 0)")
    p.add_argument("--device", type=_device, default="auto",
                   help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps")
    p.add_argument("--time-budget", type=_value("time_budget", float), metavar="SECONDS",
                   help="train as well as possible in this many seconds, counted across --resume "
                        "(replaces --epochs)")
    p.add_argument("--subset", type=_value("subset", minimum=1, maximum=TRAIN_IMAGES), metavar="N",
                   help=f"train on the first N of the {TRAIN_IMAGES:,} training images")
    p.add_argument("--checkpoint-dir", type=_folder, metavar="DIR",
                   help="write last.pt (resumable, every epoch) and model.pt (at the end) here")
    p.add_argument("--resume", action="store_true",
                   help="continue the unfinished run in DIR with the settings stored in its checkpoint "
                        "(a flag that contradicts them is refused; leave flags out)")
    p.add_argument("--overwrite", action="store_true",
                   help="discard the run in DIR (finished or not) and train from scratch")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print one final JSON line of results")
    return p


@dataclass
class Run:
    """A checked command line: what to train and where."""

    model: dict[str, Any]    # MODEL_KEYS, for presets.fashion_convmixer
    recipe: dict[str, Any]   # RECIPE_KEYS
    seed: int
    time_budget: float | None
    subset: int | None
    folder: Path | None
    resume_state: dict[str, Any] | None
    argv: list[str]          # the command line that started the run
    preset: str | None = None  # None when resuming: the checkpoint, not a preset, says what to train


def plan_run(args: argparse.Namespace, argv: list[str]) -> Run:
    """The command line checked (``UsageError``); nothing written, nothing read but a checkpoint to resume."""
    for flag in ("resume", "overwrite"):
        if getattr(args, flag) and args.checkpoint_dir is None:
            raise UsageError(f"--{flag} needs --checkpoint-dir DIR (the folder of the run)")
    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite contradict each other: --resume continues the run "
                         "in DIR, --overwrite discards it")
    state = _check_folder(args) if args.checkpoint_dir is not None else None
    run = _resolve(args, state, argv)
    if run.subset == 1 and IMAGE_SIZE // run.model["patch_size"] == 1:
        raise UsageError(f"--subset 1 with --patch-size {run.model['patch_size']}: one image on a 1x1 grid "
                         "cannot be normalised by BatchNorm in training mode; use --subset 2 or more")
    need, params = training_memory(run.model, run.recipe["batch_size"])
    limit, source = memory_limit(args.device)
    if need > limit:
        m = run.model
        raise UsageError(f"ConvMixer-{m['dim']}/{m['depth']} (k={m['kernel_size']}, p={m['patch_size']}, "
                         f"{params:,} parameters) at --batch-size {run.recipe['batch_size']} would need "
                         f"about {need / 2**30:,.1f} GiB to train, more than {source}; choose a smaller "
                         "--dim, --depth, --kernel-size or --batch-size, or a larger --patch-size")
    try:
        fashion_mnist_files()  # CONVMIXER_LAB_DATA names a folder with the four files
    except DataError as e:
        raise UsageError(str(e)) from None
    return run


def _check_folder(args: argparse.Namespace) -> dict[str, Any] | None:
    """Refuse a folder that cannot be used or whose run would be lost; the checkpoint to resume."""
    folder = args.checkpoint_dir
    if problem := runfolder.unusable(folder):
        raise UsageError(f"--checkpoint-dir {folder} {problem}")
    held = runfolder.contents(folder)
    if held.running:
        raise UsageError(f"--checkpoint-dir {folder}: a run ({held.running}) is training in it right "
                         f"now; wait for it to end or stop it (if none is, delete {folder / runfolder.LOCK})")
    if args.overwrite:
        return None
    if held.finished:
        raise UsageError(f"--checkpoint-dir {folder} holds a finished run ({runfolder.FINAL}): "
                         + ("nothing to resume; use --overwrite to train again from scratch" if args.resume
                            else "use --overwrite to replace it (--resume only continues an unfinished "
                                 "run), or another --checkpoint-dir"))
    if held.unfinished and not args.resume:
        raise UsageError(f"--checkpoint-dir {folder} holds an unfinished run ({runfolder.LAST}): use "
                         "--resume to continue it, or --overwrite to discard it and start again")
    if args.resume and not held.unfinished:
        raise UsageError(f"--resume: nothing to resume, {folder} holds no {runfolder.LAST}; leave out "
                         "--resume to start a run there")
    if not args.resume:
        return None
    try:
        return checkpoint.read_checkpoint_state(folder / runfolder.LAST, resumable=True)
    except checkpoint.CheckpointError as e:
        raise UsageError(f"--resume: {e}") from None
    except OSError as e:
        raise UsageError(f"--resume: cannot read {folder / runfolder.LAST}: {e.strerror or e}") from None


def _resolve(args: argparse.Namespace, state: dict[str, Any] | None, argv: list[str]) -> Run:
    """The preset's model and recipe with the flags given, or the checkpoint's (each flag must agree)."""
    given = {k: getattr(args, k) for k in MODEL_KEYS + RECIPE_KEYS + RUN_KEYS if getattr(args, k) is not None}
    if given.get("subset") == TRAIN_IMAGES:
        given["subset"] = None  # all the training images: the same as no --subset
    if state is None:
        preset = args.preset or "small"
        config = model_config(preset, **{k: v for k, v in given.items() if k in MODEL_KEYS})
        return Run(model={k: config[k] for k in MODEL_KEYS},
                   recipe=recipe(preset, **{k: v for k, v in given.items() if k in RECIPE_KEYS}),
                   seed=given.get("seed", 0), time_budget=given.get("time_budget"),
                   subset=given.get("subset"), folder=args.checkpoint_dir, resume_state=None,
                   argv=list(argv), preset=preset)
    stored = {**state["config"], **state["settings"], "subset": _stored_subset(state, args.checkpoint_dir)}
    claims = [(f"--{k.replace('_', '-')}", k, v) for k, v in given.items()]
    if args.preset:
        preset_values = {**model_config(args.preset), **recipe(args.preset)}
        claims += [(f"--preset {args.preset}", k, v) for k, v in preset_values.items() if k not in given]
    for flag, key, value in claims:
        if stored.get(key) != value:
            shown = "" if flag.startswith("--preset") else f" {value}"
            raise UsageError(f"--resume: {flag}{shown} contradicts the run in {args.checkpoint_dir}, "
                             f"trained with {key} {stored.get(key)}; leave the flag out to continue with "
                             "the checkpoint's settings, or use --overwrite to start again")
    return Run(model={k: stored[k] for k in MODEL_KEYS}, recipe={k: stored[k] for k in RECIPE_KEYS},
               seed=stored["seed"], time_budget=stored["time_budget"], subset=stored["subset"],
               folder=args.checkpoint_dir, resume_state=state, argv=list(state["argv"]))


def _stored_subset(state: dict[str, Any], folder: Path) -> int | None:
    """The --subset a resumable checkpoint was trained with (None: every training image)."""
    n_train = state["settings"]["n_train"]  # a positive int (read_checkpoint_state checked it)
    if n_train > TRAIN_IMAGES:
        raise UsageError(f"--resume: {folder / runfolder.LAST} cannot be resumed: its stored setting "
                         f"n_train={n_train} is impossible, Fashion-MNIST has {TRAIN_IMAGES:,} training "
                         "images (the file was edited or damaged); start the run again with --overwrite")
    return None if n_train == TRAIN_IMAGES else n_train


def training_memory(model: dict[str, Any], batch_size: int) -> tuple[int, int]:
    """(bytes a training run needs, parameters), estimated from the formulas."""
    params = convmixer_params(**model_config("small", **model))
    h, d, k, grid = model["dim"], model["depth"], model["kernel_size"], IMAGE_SIZE // model["patch_size"]
    feature_map = 4 * h * grid * grid  # bytes of one [h, grid, grid] float32 activation
    padded = 4 * h * (grid + k - 1) ** 2  # the depthwise input padded for padding="same"
    train = 16 * params + batch_size * (feature_map * (ACTIVATIONS_PER_LAYER * d + 3) + padded * d)
    evaluation = 4 * params + EVAL_BATCH * feature_map * 3
    return max(train, evaluation) + DATA_BYTES, params


def memory_limit(device: str) -> tuple[int, str]:
    """(bytes, where the limit comes from) for training on ``device``: 90% of a GPU, 3/4 of the RAM."""
    if (chosen := loop.pick_device(device)).type == "cuda":
        index = chosen.index or 0
        total = torch.cuda.get_device_properties(index).total_memory
        return int(0.9 * total), f"90% of GPU {index}'s {total / 2**30:.1f} GiB"
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return FIXED_CAP, f"the fixed cap of {FIXED_CAP // 2**30} GiB (this machine's RAM is unknown)"
    return int(0.75 * ram), f"3/4 of this machine's {ram / 2**30:.1f} GiB of RAM"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        run = plan_run(args, argv)
    except UsageError as e:
        parser.error(str(e))
    if run.folder is None:
        return _train(run, args, argv)
    try:
        with runfolder.locked(run.folder, discard=args.overwrite):
            return _train(run, args, argv)
    except runfolder.FolderBusy as e:
        parser.error(str(e))


def _train(run: Run, args: argparse.Namespace, argv: list[str]) -> int:
    """Train and report; Ctrl-C and failed checkpoint writes end in one line."""
    done = [len(run.resume_state["history"]["epoch"]) if run.resume_state else 0]  # epochs saved
    try:
        result = train_and_report(run, args, done)
    except KeyboardInterrupt:
        print(f"interrupted: {_where(run, argv, done[0])}", file=sys.stderr, flush=True)
        return 130
    except checkpoint.CheckpointWriteError as e:
        print(f"{e}; {_where(run, argv, done[0])}", file=sys.stderr, flush=True)
        return 1
    except (checkpoint.CheckpointError, DataError) as e:  # the resumed state does not fit; a damaged file
        print(f"python -m convmixer_lab.train: error: {e}", file=sys.stderr, flush=True)
        return 2
    if args.json:
        print(json.dumps(result), flush=True)
    return 0


def _where(run: Run, argv: list[str], epochs: int) -> str:
    """Where the last checkpoint is and the command that resumes from it."""
    if run.folder is None:
        return "nothing was saved (no --checkpoint-dir); run the command again to start over"
    last = run.folder / runfolder.LAST
    if not last.is_file():
        return f"no checkpoint was written yet in {run.folder}; run the same command again"
    again = [a for a in argv if a not in ("--resume", "--overwrite")] + ["--resume"]
    return (f"the last checkpoint is {last} (after epoch {epochs}); resume with: "
            f"python -m convmixer_lab.train {shlex.join(again)}")


def train_and_report(run: Run, args: argparse.Namespace, done: list[int]) -> dict[str, Any]:
    """Load the data, build the model, train (last.pt after every epoch), score the test set once."""
    t0 = time.perf_counter()
    data = fashion_mnist_tensors(subset=run.subset)
    loop.seed_everything(run.seed)  # the initial weights follow the seed
    model = fashion_convmixer(run.preset or "small", **run.model)  # every model key given: h, d, k, p, block
    params = sum(p.numel() for p in model.parameters())
    settings = loop.Settings(**run.recipe, seed=run.seed, time_budget=run.time_budget)
    trainer = loop.Trainer(model, data["train"], data["val"], settings, args.device)
    m, settings = run.model, trainer.record()
    print(f"ConvMixer-{m['dim']}/{m['depth']} p={m['patch_size']} k={m['kernel_size']} block={m['block']}: "
          f"{params:,} parameters; device {trainer.device}; {settings['n_train']:,} training and "
          f"{len(data['val'][0]):,} validation images; settings {settings}", flush=True)
    if run.resume_state is not None:
        checkpoint.restore(trainer, run.resume_state, run.folder / runfolder.LAST)
        print(f"resuming {run.folder / runfolder.LAST} after epoch {done[0]} "
              f"({sum(run.resume_state['history']['seconds']):.1f} s of training so far)", flush=True)

    def report(row: dict[str, float]) -> None:
        done[0] += 1
        print(f"{loop.epoch_line(row)}, {row['seconds']:.1f} s", flush=True)

    last = None if run.folder is None else run.folder / runfolder.LAST
    on_epoch = report if last is None else checkpoint.save_every_epoch(trainer, last, run.argv, then=report)
    history = trainer.run(progress=not args.no_progress, on_epoch=on_epoch)
    test_accuracy = loop.evaluate(model, *data["test"])
    if run.folder is not None:
        checkpoint.save_checkpoint(run.folder / runfolder.FINAL, checkpoint.checkpoint_state(
            model, history, settings, run.argv, test_accuracy=test_accuracy))
    result = dict(val_accuracy=history["val_accuracy"][-1], test_accuracy=test_accuracy,
                  train_seconds=sum(history["seconds"]), total_seconds=time.perf_counter() - t0,
                  params=params, epochs=history["epoch"][-1], device=str(trainer.device),
                  preset=run.preset, block=m["block"], model=m, settings=settings)
    print(f"test accuracy {test_accuracy:.2%} (val {result['val_accuracy']:.2%}) after "
          f"{result['train_seconds']:.1f} s of training ({result['epochs']} epochs)", flush=True)
    return result
