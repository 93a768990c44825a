"""Augmentation per image on the batch's device: a shift, a flip and an erased square (``AUGMENTATION``),
chosen on the CPU once per epoch (``draw``), so the same on any device."""

import torch

AUGMENTATION = ("random shifts of up to 2 pixels, horizontal flips (half the images) and random "
                "erasing of a 10x10 square (half the images)")


def draw(n: int, generator: torch.Generator, size: int = 28, max_shift: int = 2,
         erase: int = 10) -> torch.Tensor:
    """int64 [n, 5]: (row shift, column shift, flip, erase row, erase column); erase row -size: none."""
    if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
        raise ValueError(f"max_shift must be an int >= 0, got {max_shift!r}")
    shifts = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=generator)
    flips = torch.randint(0, 2, (n, 1), generator=generator)
    corners = torch.randint(0, max(1, size - erase + 1), (n, 2), generator=generator)
    keep = torch.rand(n, generator=generator) < 0.5
    corners[keep, 0] = -size
    return torch.cat([shifts, flips, corners], dim=1)


def augment_batch(x: torch.Tensor, choices: torch.Tensor, max_shift: int = 2,
                  erase: int = 10) -> torch.Tensor:
    """``x`` [N, C, H, W] shifted, flipped and erased as ``choices`` say (background: the top-left pixel)."""
    if x.dim() != 4 or choices.shape != (x.shape[0], 5):
        raise ValueError(f"x must be [N, C, H, W] and choices [N, 5]; got {list(x.shape)} and "
                         f"{list(choices.shape)}")
    n, c, h, w = x.shape
    s = max_shift
    background = x[:, :, :1, :1]  # [N, C, 1, 1]
    rows = torch.arange(h, device=x.device)[None, :]  # [1, H]
    cols = torch.arange(w, device=x.device)[None, :]  # [1, W]
    if s > 0:
        padded = background.expand(n, c, h + 2 * s, w + 2 * s).clone()
        padded[:, :, s:s + h, s:s + w] = x
        r = choices[:, :1] + rows  # [N, H]: rows of the padded image to take
        q = choices[:, 1:2] + cols  # [N, W]
        batch = torch.arange(n, device=x.device)[:, None, None]
        # gather each image's H x W window: [N, H, W, C] -> [N, C, H, W]
        x = padded.permute(0, 2, 3, 1)[batch, r[:, :, None], q[:, None, :]].permute(0, 3, 1, 2)
    x = torch.where(choices[:, 2, None, None, None] == 1, x.flip(3), x)
    if erase > 0:
        in_rows = (rows >= choices[:, 3:4]) & (rows < choices[:, 3:4] + erase)  # [N, H]
        in_cols = (cols >= choices[:, 4:5]) & (cols < choices[:, 4:5] + erase)  # [N, W]
        x = torch.where((in_rows[:, :, None] & in_cols[:, None, :])[:, None], background, x)
    return x.contiguous()
