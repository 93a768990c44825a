"""How close can a depthwise separable convolution come to a standard one?

A separable weight is W_sep[o, i] = P[o, i] * D[i] (k*k*c_in + c_in*c_out numbers, not k*k*c_in*c_out):
each input channel's [c_out, k*k] slice has rank 1, so the nearest one keeps each slice's top singular
pair (``nearest_separable``); ``fit_to_standard`` measures what is left."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab.checks import check_int, check_positive_int
from convmixer_lab.threads import one_thread


def combined_weight(depthwise: torch.Tensor, pointwise: torch.Tensor) -> torch.Tensor:
    """The standard weight [c_out, c_in, k, k] that depthwise then pointwise compute: P[o, i] * D[i]."""
    return pointwise[:, :, :1, :1] * depthwise[:, 0][None]  # [c_out, c_in, k, k]


def nearest_separable(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The depthwise and pointwise weights whose combination is closest to ``weight`` (rank-1 SVDs)."""
    if not isinstance(weight, torch.Tensor) or weight.dim() != 4:
        raise ValueError("weight must be a conv weight tensor [c_out, c_in, k, k]")
    c_out, c_in, k, _ = weight.shape
    slices = weight.detach().permute(1, 0, 2, 3).reshape(c_in, c_out, k * k)  # [c_in, c_out, k*k]
    u, s, vh = torch.linalg.svd(slices, full_matrices=False)
    pointwise = (u[:, :, 0] * s[:, :1]).T.reshape(c_out, c_in, 1, 1)    # [c_out, c_in, 1, 1]
    depthwise = vh[:, 0, :].reshape(c_in, 1, k, k)                     # [c_in, 1, k, k]
    return depthwise, pointwise


def relative_error(output: torch.Tensor, target: torch.Tensor) -> float:
    """||output - target|| / ||target|| (0 means a perfect fit, 1 means no better than zeros)."""
    return ((output - target).norm() / target.norm()).item()


def _fit(layer: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> float:
    """Adam on the mean squared error between layer(x) and y; the relative error at the end."""
    optimizer = torch.optim.Adam(layer.parameters(), lr=0.02)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    for _ in range(steps):
        loss = F.mse_loss(layer(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    with torch.no_grad():
        return relative_error(layer(x), y)


def fit_to_standard(c_in: int = 8, c_out: int = 16, k: int = 3, steps: int = 300,
                    seed: int = 0) -> dict[str, float]:
    """Relative output errors fitting a random standard k x k convolution on 12x12 inputs (``steps`` Adam
    steps): ``standard`` and ``separable`` layers trained from scratch, ``separable_svd`` untrained SVD."""
    c_in, c_out, k = (check_positive_int(n, v) for n, v in (("c_in", c_in), ("c_out", c_out), ("k", k)))
    steps = check_int("steps", steps, minimum=0, maximum=100_000)
    seed = check_int("seed", seed, minimum=0)
    generator = torch.Generator().manual_seed(seed)
    target = torch.randn(c_out, c_in, k, k, generator=generator) / (k * c_in ** 0.5)
    x = torch.randn(16, c_in, 12, 12, generator=generator)
    with torch.no_grad():
        y = F.conv2d(x, target, padding="same")
    torch.manual_seed(seed)
    standard = nn.Conv2d(c_in, c_out, k, padding="same", bias=False)
    separable = nn.Sequential(nn.Conv2d(c_in, c_in, k, padding="same", groups=c_in, bias=False),
                              nn.Conv2d(c_in, c_out, 1, bias=False))
    depthwise, pointwise = nearest_separable(target)
    with torch.no_grad():
        svd_out = F.conv2d(F.conv2d(x, depthwise, padding="same", groups=c_in), pointwise)
    with one_thread():  # tiny tensors: see convmixer_lab/threads.py
        fitted = {"standard": _fit(standard, x, y, steps), "separable": _fit(separable, x, y, steps)}
    return {**fitted, "separable_svd": relative_error(svd_out, y)}
