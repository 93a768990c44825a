"""The command line of the trainer: ``python -m convmixer_lab.train`` (see ``train.py``).

    python -m convmixer_lab.train --preset small --time-budget 60 --json
    python -m convmixer_lab.train --preset reference --checkpoint-dir runs/ref [--resume]

Bad arguments get argparse's usage message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from convmixer_lab.model import BLOCKS, ConvMixer
from convmixer_lab.train import PRESETS, fit, pick_device, save_checkpoint, seed_everything


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m convmixer_lab.train",
                                description="Train a ConvMixer on Fashion-MNIST (data/fashion-mnist).")

    def positive(kind: type) -> Callable[[str], float]:
        def parse(text: str) -> float:
            try:
                value = kind(text)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"expected a positive {kind.__name__}, got {text!r}") from None
            if not value > 0:
                raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
            return value
        return parse

    p.add_argument("--preset", choices=sorted(PRESETS), default="small",
                   help="model and recipe to start from (other flags override it)")
    for flag in ("dim", "depth", "kernel-size", "patch-size", "epochs", "batch-size"):
        p.add_argument(f"--{flag}", type=positive(int), help="override the preset's value")
    p.add_argument("--block", choices=BLOCKS, default="paper", help="paper's layer or the tutorial's")
    p.add_argument("--lr", type=positive(float), help="peak learning rate of the one-cycle schedule")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random shifts and horizontal flips (default: the preset's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cpu, cuda, mps")
    p.add_argument("--time-budget", type=positive(float), metavar="SECONDS",
                   help="train as well as possible within this wall time (replaces --epochs)")
    p.add_argument("--subset", type=positive(int), help="use only the first N training images")
    p.add_argument("--checkpoint-dir", type=Path, help="write last.pt (resumable) and model.pt here")
    p.add_argument("--resume", action="store_true", help="continue from CHECKPOINT_DIR/last.pt")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print one final JSON line of results")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.resume and args.checkpoint_dir is None:
        parser.error("--resume needs --checkpoint-dir DIR (the folder holding last.pt)")
    if args.device not in ("auto", "cpu", "cuda", "mps") and not args.device.startswith("cuda:"):
        parser.error(f"--device must be auto, cpu, cuda or mps, got {args.device!r}")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--device cuda, but no CUDA GPU is available here; use --device auto or cpu")
    settings = {**PRESETS[args.preset], **{k: v for k, v in vars(args).items()
                                           if k in PRESETS["small"] and v is not None}}
    from convmixer_lab.data import load_fashion_mnist, to_tensor

    t0 = time.perf_counter()
    (xtr, ytr), (xte, yte) = load_fashion_mnist("train"), load_fashion_mnist("test")
    xtr, ytr = to_tensor(xtr[:args.subset]), torch.from_numpy(ytr[:args.subset])
    xte, yte = to_tensor(xte), torch.from_numpy(yte)
    seed_everything(args.seed)
    model = ConvMixer(settings["dim"], settings["depth"], settings["kernel_size"],
                      settings["patch_size"], 10, in_channels=1, block=args.block)
    params = sum(p.numel() for p in model.parameters())
    device = pick_device(args.device)
    print(f"ConvMixer-{settings['dim']}/{settings['depth']} p={settings['patch_size']} "
          f"k={settings['kernel_size']} block={args.block}: {params:,} parameters; device {device}; "
          f"{len(xtr):,} training images; settings {settings}", flush=True)
    last = args.checkpoint_dir / "last.pt" if args.checkpoint_dir else None
    history = fit(model, (xtr, ytr), (xte, yte), epochs=settings["epochs"],
                  batch_size=settings["batch_size"], lr=settings["lr"], augment=settings["augment"],
                  seed=args.seed, device=args.device, time_budget=args.time_budget,
                  progress=not args.no_progress, checkpoint_path=last, resume=args.resume)
    for row in zip(*history.values()):
        print("epoch {:.2f}: loss {:.4f}, train accuracy {:.2%}, test accuracy {:.2%}, "
              "{:.1f} s".format(*row), flush=True)
    result = dict(test_accuracy=history["test_accuracy"][-1], train_seconds=sum(history["seconds"]),
                  total_seconds=time.perf_counter() - t0, params=params, epochs=history["epoch"][-1],
                  device=str(device), preset=args.preset, settings=settings, block=args.block)
    if args.checkpoint_dir is not None:
        save_checkpoint(args.checkpoint_dir / "model.pt", dict(
            config=dict(model.config), model={k: v.cpu() for k, v in model.state_dict().items()},
            history=history, settings=settings, argv=list(sys.argv[1:] if argv is None else argv)))
    print(f"test accuracy {result['test_accuracy']:.2%} after {result['train_seconds']:.1f} s of "
          f"training ({result['epochs']} epochs)", flush=True)
    if args.json:
        print(json.dumps(result))
    return 0
