"""Time to 90% Fashion-MNIST test accuracy for the small preset, on this machine's CPU.

    .venv/bin/python benchmarks/time_to_accuracy.py                 # small preset, 4 evaluations/epoch
    .venv/bin/python benchmarks/time_to_accuracy.py --target 0.9 --evals-per-epoch 2 --threads 2

Trains exactly as ``python -m convmixer_lab.train --preset small`` does (``train.fit`` with the
preset's model, epochs, batch size, learning rate and one-cycle schedule, seed 0, the 55,000 training
images left after the validation split) and evaluates on the 10,000 test images several times per
epoch (a measurement of speed, not a choice of model: nothing is selected by it). Evaluation time
is NOT counted: the clock shows training time only. Prints a row per evaluation and the first
training time at which the test accuracy reached the target (or that it never did).
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from model_speed import cpu_name

from convmixer_lab.data import fashion_mnist_tensors
from convmixer_lab.presets import MODELS, PRESET_NAMES, RECIPES, fashion_convmixer
from convmixer_lab.train import Settings, evaluate, fit, seed_everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", type=float, default=0.90, help="test accuracy to reach (0..1)")
    parser.add_argument("--evals-per-epoch", type=int, default=4, help="test evaluations per epoch")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--preset", choices=PRESET_NAMES, default="small")
    args = parser.parse_args()
    if not 0 < args.target <= 1:
        parser.error("--target must be a fraction in (0, 1], e.g. 0.9")
    if args.evals_per_epoch < 1:
        parser.error("--evals-per-epoch must be >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    s = {**MODELS[args.preset], **RECIPES[args.preset]}
    data = fashion_mnist_tensors()
    (xtr, ytr), (xte, yte) = data["train"], data["test"]
    steps_per_epoch = math.ceil(len(xtr) / s["batch_size"])
    # evaluate after these steps of every epoch (the last one ends the epoch)
    marks = {round(steps_per_epoch * j / args.evals_per_epoch) for j in range(1, args.evals_per_epoch + 1)}

    seed_everything(0)  # the command line's initial weights; fit seeds again before it draws anything
    model = fashion_convmixer(args.preset)
    rows: list[tuple[int, float, float]] = []
    paused = 0.0  # seconds spent evaluating, taken off the clock
    start = time.perf_counter()

    def on_step(step: int, lr: float) -> None:
        nonlocal paused
        if (step - 1) % steps_per_epoch + 1 not in marks:
            return
        t0 = time.perf_counter()
        accuracy = evaluate(model, xte, yte)
        model.train()  # evaluate() switched to eval mode; fit continues the epoch in train mode
        rows.append((step, t0 - start - paused, accuracy))
        print(f"step {step:>5} (epoch {step / steps_per_epoch:5.2f}): {t0 - start - paused:7.1f} s "
              f"of training, test accuracy {accuracy:.2%}", flush=True)
        paused += time.perf_counter() - t0

    print(f"machine: {cpu_name()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}")
    print(f"preset {args.preset}: ConvMixer-{s['dim']}/{s['depth']} p={s['patch_size']} "
          f"k={s['kernel_size']}, {s['epochs']} epochs of {steps_per_epoch} steps (batch "
          f"{s['batch_size']}), lr {s['lr']}, augment {s['augment']}; target {args.target:.0%}", flush=True)
    fit(model, (xtr, ytr), None, Settings(epochs=s["epochs"], batch_size=s["batch_size"], lr=s["lr"],
                                          augment=s["augment"]),
        device="cpu", progress=False, on_step=on_step)
    report(rows, args.target, steps_per_epoch)


def report(rows: list[tuple[int, float, float]], target: float, steps_per_epoch: int) -> None:
    """The first evaluation at ``target`` or above (or the best one), and the last."""
    reached = [(step, seconds, acc) for step, seconds, acc in rows if acc >= target]
    if reached:
        step, seconds, acc = reached[0]
        print(f"reached {target:.0%} test accuracy after {seconds:.1f} s of training "
              f"(step {step}, epoch {step / steps_per_epoch:.2f}; accuracy {acc:.2%})")
    else:
        best = max(rows, key=lambda r: r[2])
        print(f"never reached {target:.0%}: best {best[2]:.2%} at step {best[0]} "
              f"after {best[1]:.1f} s of training")
    print(f"final test accuracy {rows[-1][2]:.2%} after {rows[-1][1]:.1f} s of training")


if __name__ == "__main__":
    main()
