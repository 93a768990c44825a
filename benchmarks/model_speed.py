"""Inference speed of ConvMixer-1536/20 (p=7, k=9): the course's model vs the tutorial's code.

    .venv/bin/python benchmarks/model_speed.py            # 7 interleaved repeats
    .venv/bin/python benchmarks/model_speed.py --repeats 11 --threads 2

Measured side by side in ONE run, on the tutorial's own input (4 x 3 x 224 x 224), in eval mode
under torch.no_grad():

    course     ConvMixer(1536, 20, 9, 7), then model.eval(), exactly as a student calls it
    tutorial   benchmarks/tutorial_convmixer.py, the tutorial's code transcribed verbatim
    matmul     torch.mm of two n x n float32 matrices: the rate the machine's BLAS reaches

and, for information (not targets), two more rows:

    course-cl  the same course model fed x.contiguous(memory_format=torch.channels_last). ConvMixer
               already keeps its weights channels-last (model.py), so this should match `course`;
               it shows the input's layout no longer matters (the largest logit difference is printed)
    gemm-1x1   one pointwise layer alone, F.conv2d of a channels-last [4, 1536, 32, 32] tensor with a
               [1536, 1536, 1, 1] weight: the same GEMM through oneDNN, the library PyTorch's CPU
               convolutions use. On CPUs where the BLAS behind torch.mm does not run at full speed
               (MKL on AMD processors), this is the stricter ceiling.

Each repeat times all three once, in a rotating order, so a neighbour's load spike hits them alike;
the table shows the median (and the fastest and slowest repeat). The model's rate counts
2 FLOPs per multiply-accumulate, with MACs from convmixer_lab.counting.total_macs (convolutions and
the classifier; GELU, BatchNorm and additions are not counted, so they only cost time).

Targets (issue 6): course / tutorial speed ratio >= 1.0 within noise; course rate >= 80% of matmul.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from tutorial_convmixer import ConvMixer as TutorialConvMixer

from convmixer_lab import ConvMixer
from convmixer_lab.counting import total_macs

BATCH, IMAGE = 4, 224
DIM, DEPTH, KERNEL, PATCH = 1536, 20, 9, 7


def cpu_name() -> str:
    """The `lscpu` model name (Linux), else what the platform module knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def time_once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(cases: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Time every case once per repeat, rotating the order each repeat; one warm-up call first."""
    for fn in cases.values():
        fn()
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(time_once(cases[name]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats (median shown)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--matmul-size", type=int, default=4096, help="n for the n x n torch.mm")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)

    torch.manual_seed(0)
    course = ConvMixer(DIM, DEPTH, KERNEL, PATCH)
    course.eval()
    tutorial = TutorialConvMixer(DIM, DEPTH, KERNEL, PATCH).eval()
    x = torch.randn(BATCH, 3, IMAGE, IMAGE)
    n = args.matmul_size
    a, b = torch.randn(n, n), torch.randn(n, n)
    model_flops = 2 * total_macs(course, IMAGE) * BATCH

    x_cl = x.contiguous(memory_format=torch.channels_last)
    grid = IMAGE // PATCH
    z = torch.randn(BATCH, DIM, grid, grid).contiguous(memory_format=torch.channels_last)
    w = torch.randn(DIM, DIM, 1, 1) / DIM ** 0.5

    def infer(model: torch.nn.Module, inp: torch.Tensor) -> Callable[[], object]:
        def run() -> torch.Tensor:
            with torch.no_grad():
                return model(inp)
        return run

    cases = {"course": infer(course, x), "tutorial": infer(tutorial, x), "matmul": lambda: torch.mm(a, b),
             "course-cl": infer(course, x_cl), "gemm-1x1": lambda: F.conv2d(z, w)}
    with torch.no_grad():
        assert course(x[:1]).shape == tutorial(x[:1]).shape == (1, 1000)
        cl_diff = (course(x) - course(x_cl)).abs().max().item()
    times = interleaved(cases, args.repeats)
    flops = {"course": model_flops, "tutorial": model_flops, "matmul": 2 * n ** 3,
             "course-cl": model_flops, "gemm-1x1": 2 * BATCH * grid * grid * DIM * DIM}
    med = {name: statistics.median(ts) for name, ts in times.items()}
    rate = {name: flops[name] / med[name] / 1e9 for name in times}

    print(f"machine: {cpu_name()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}")
    print(f"ConvMixer-{DIM}/{DEPTH} (p={PATCH}, k={KERNEL}) inference on {BATCH}x3x{IMAGE}x{IMAGE}, "
          f"eval + no_grad; {model_flops / 1e9:.1f} GFLOP per batch; matmul n={n}; "
          f"median of {args.repeats} interleaved repeats")
    print(f"{'case':<10} {'median s':>9} {'min s':>8} {'max s':>8} {'GFLOP/s':>8} {'of matmul':>10} "
          f"{'of gemm-1x1':>12}")
    for name, ts in times.items():
        print(f"{name:<10} {med[name]:>9.3f} {min(ts):>8.3f} {max(ts):>8.3f} {rate[name]:>8.1f} "
              f"{rate[name] / rate['matmul']:>10.0%} {rate[name] / rate['gemm-1x1']:>12.0%}")
    speedup = med["tutorial"] / med["course"]
    spread = max(max(ts) / min(ts) for name, ts in times.items() if name != "matmul") - 1
    print(f"course vs tutorial speed ratio (tutorial time / course time): {speedup:.2f} "
          f"(target >= 1.0; run-to-run spread this run: {spread:.0%})")
    print(f"course rate / matmul rate: {rate['course'] / rate['matmul']:.0%} (target >= 80%)")
    print(f"for information: a channels-last input runs {med['course'] / med['course-cl']:.2f}x as fast "
          f"(largest logit difference {cl_diff:.1e}); course / gemm-1x1 rate: "
          f"{rate['course'] / rate['gemm-1x1']:.0%}")


if __name__ == "__main__":
    main()
