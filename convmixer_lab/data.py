"""Data for the course: the sample photo and Fashion-MNIST (bundled in data/, read offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import cbook

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"


def sample_photo(size: int = 224) -> np.ndarray:
    """The photo matplotlib ships (Grace Hopper), centre-cropped to a square and resized to
    ``size`` x ``size``: uint8 array [size, size, 3]. No network needed."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int (pixels per side), got {size!r}")
    from PIL import Image  # matplotlib depends on Pillow

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        img = Image.open(f).convert("RGB")
        w, h = img.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.BICUBIC)
        return np.asarray(img, dtype=np.uint8).copy()


# --- Fashion-MNIST (reader, checksums, download, normalisation) go below ---------------------
