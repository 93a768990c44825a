"""Training steps per second of the small preset: the course's model vs the tutorial's code.

    .venv/bin/python benchmarks/train_speed.py                  # 5 interleaved repeats of 20 steps
    .venv/bin/python benchmarks/train_speed.py --steps 40 --repeats 7 --threads 2

Every case runs the course's own training loop, ``convmixer_lab.train.fit`` (AdamW, one-cycle
schedule, label smoothing; batches of 128 real Fashion-MNIST images), for ``--steps`` steps, with
the small preset's model and recipe (``presets.MODELS["small"]``, ``presets.RECIPES["small"]``):

    course      ConvMixer(dim, depth, k, p, 10, in_channels=1): the model the course trains
    course-nchw the same as `course` with its weights, and so its activations, channels-first
                (NCHW): the one difference is the memory layout notebook 03 describes
    course-rgb  the same with in_channels=3 on the grey images repeated to 3 channels
    tutorial    benchmarks/tutorial_convmixer.py with num_classes=10, on the same 3-channel input
                (its stem is hard-wired to RGB, so a student must repeat the grey channel)

course-rgb vs tutorial is the like-for-like ratio (same input, same stem): target >= 1.0 within
noise. course vs course-nchw is the speed-up the channels-last layout gives on this machine. Each
repeat runs every case once in a rotating order; the table shows medians.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn as nn
from model_speed import cpu_name
from tutorial_convmixer import ConvMixer as TutorialConvMixer

from convmixer_lab import ConvMixer
from convmixer_lab.data import load_fashion_mnist, to_tensor
from convmixer_lab.presets import MODELS, RECIPES, fashion_convmixer
from convmixer_lab.train import Settings, fit

SMALL = {**MODELS["small"], **RECIPES["small"]}


class GreyToRGB(nn.Module):
    """[N, 1, H, W] -> [N, 3, H, W]: the grey channel repeated, for models built for RGB."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x.expand(-1, 3, -1, -1))


def build(case: str) -> nn.Module:
    s = SMALL
    args = (s["dim"], s["depth"], s["kernel_size"], s["patch_size"], 10)
    if case in ("course", "course-nchw"):
        model = fashion_convmixer("small")
        return model.to(memory_format=torch.contiguous_format) if case == "course-nchw" else model
    if case == "course-rgb":
        return GreyToRGB(ConvMixer(*args, in_channels=3))
    return GreyToRGB(TutorialConvMixer(*args))


def steps_per_second(case: str, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Build the case's model (seeded) and time one epoch of ``fit`` over ``images``."""
    s = SMALL
    torch.manual_seed(0)
    model = build(case)
    start = time.perf_counter()
    fit(model, (images, labels), None, Settings(epochs=1, batch_size=s["batch_size"], lr=s["lr"],
                                                augment=s["augment"]), device="cpu", progress=False)
    seconds = time.perf_counter() - start
    return -(-len(images) // s["batch_size"]) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats (median shown)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.steps < 1 or args.repeats < 1:
        parser.error("--steps and --repeats must be >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    s = SMALL
    images, labels = load_fashion_mnist("train")
    n = args.steps * s["batch_size"]
    x, y = to_tensor(images[:n]), torch.from_numpy(labels[:n])

    cases = ["course", "course-nchw", "course-rgb", "tutorial"]
    for case in cases:  # warm-up
        steps_per_second(case, x[:2 * s["batch_size"]], y[:2 * s["batch_size"]])
    rates: dict[str, list[float]] = {case: [] for case in cases}
    for r in range(args.repeats):
        for case in cases[r % 4:] + cases[:r % 4]:
            rates[case].append(steps_per_second(case, x, y))
    med = {case: statistics.median(v) for case, v in rates.items()}

    print(f"machine: {cpu_name()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}")
    print(f"small preset ConvMixer-{s['dim']}/{s['depth']} (p={s['patch_size']}, k={s['kernel_size']}), "
          f"batch {s['batch_size']}, convmixer_lab.train.fit on CPU; {args.steps} steps per run, "
          f"median of {args.repeats} interleaved repeats")
    print(f"{'case':<12} {'steps/s':>8} {'min':>7} {'max':>7} {'images/s':>9}")
    for case, v in rates.items():
        print(f"{case:<12} {med[case]:>8.2f} {min(v):>7.2f} {max(v):>7.2f} "
              f"{med[case] * s['batch_size']:>9.0f}")
    print(f"course-rgb vs tutorial speed ratio (like for like): {med['course-rgb'] / med['tutorial']:.2f} "
          f"(target >= 1.0); course (grey input) vs tutorial: {med['course'] / med['tutorial']:.2f}")
    print(f"channels-last vs channels-first (course vs course-nchw): "
          f"{med['course'] / med['course-nchw']:.2f}")
    epoch_steps = -(-55_000 // s["batch_size"])  # the training images left after the validation split
    print(f"at {med['course']:.2f} steps/s one epoch of 55,000 images ({epoch_steps} steps) takes "
          f"about {epoch_steps / med['course']:.0f} s; the preset's {s['epochs']} epochs about "
          f"{s['epochs'] * epoch_steps / med['course']:.0f} s")


if __name__ == "__main__":
    main()
