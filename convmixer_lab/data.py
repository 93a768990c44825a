"""Data for the course: the sample photo and Fashion-MNIST (bundled in data/, read offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
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
import gzip  # noqa: E402
import hashlib  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import urllib.request  # noqa: E402

FASHION_MNIST_DIR = DATA_DIR / "fashion-mnist"
REFERENCE_CHECKPOINT = DATA_DIR / "checkpoints" / "reference.pt"  # see data/checkpoints/README.md
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# The four official files, unchanged, and their sha256 (data/README.md lists the same values).
FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}
# sha256 of each file's decompressed IDX content: the check the reader and the downloader make.
# (The bundled .gz files were recompressed by Debian, so their container bytes, listed in
# GZ_SHA256 and data/README.md, differ from upstream's .gz files; the content inside does not.)
SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
GZ_SHA256 = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
SPLITS = ("train", "test")
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
# Mean and standard deviation of the 60,000 training images' pixels scaled to [0, 1]
# (tests/test_data.py recomputes them from the data). Every course model expects this normalisation.
MEAN, STD = 0.2860, 0.3530
_IDX_MAGIC = {"images": 2051, "labels": 2049}  # 0x00000803 (3-D uint8), 0x00000801 (1-D uint8)
_FIX = "re-download it with convmixer_lab.data.download_fashion_mnist(root)"


class DataError(ValueError):
    """A Fashion-MNIST file is missing, damaged or not what it claims to be."""


def sha256_of(path: str | Path, decompress: bool = False) -> str:
    """Hex sha256 of a file (of its gzip content with ``decompress``), read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with (gzip.open if decompress else open)(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _decompress(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(f"{path} is missing; {_FIX}, or pass root= the folder that holds it")
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError) as err:  # truncated, or not gzip at all
        raise DataError(f"{path} is not a complete gzip file ({err}); delete it and {_FIX}") from err


def read_idx(path: str | Path, kind: str, sha256: str | None = None) -> np.ndarray:
    """Read one gzip IDX file: ``kind="images"`` -> uint8 [N, rows, cols], ``"labels"`` -> uint8 [N].

    Layout: big-endian int32 magic (2051 images / 2049 labels), int32 N, (int32 rows, int32 cols),
    then the uint8 payload; header and payload must agree exactly. With ``sha256`` the
    decompressed content must have that hash.
    """
    path = Path(path)
    if kind not in _IDX_MAGIC:
        raise ValueError(f"kind must be 'images' or 'labels', got {kind!r}")
    raw = _decompress(path)
    if sha256 is not None and (actual := hashlib.sha256(raw).hexdigest()) != sha256:
        raise DataError(f"{path} has content sha256 {actual}, expected {sha256}: the file is damaged "
                        f"or not the official one; delete it and {_FIX}")
    n_dims = 3 if kind == "images" else 1
    header = 4 * (1 + n_dims)
    if len(raw) < header:
        raise DataError(f"{path} is too short for an IDX header ({len(raw)} bytes); {_FIX}")
    magic, *shape = (int.from_bytes(raw[i:i + 4], "big") for i in range(0, header, 4))
    if magic != _IDX_MAGIC[kind]:
        raise DataError(f"{path} has IDX magic number {magic}, expected {_IDX_MAGIC[kind]} for {kind}: "
                        f"is it the wrong file? {_FIX}")
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DataError(f"{path}: header says {' x '.join(map(str, shape))} = {expected} bytes of data "
                        f"but the file holds {len(raw) - header}; {_FIX}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def load_fashion_mnist(split: str, root: str | Path | None = None,
                       verify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST ``split`` ("train": 60,000 images, "test": 10,000) from ``root``
    (default: the bundled data/fashion-mnist). Returns (images uint8 [N, 28, 28], labels int64 [N]).
    With ``verify`` the files' content must have the official sha256 (``SHA256``)."""
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = Path(root) if root is not None else FASHION_MNIST_DIR
    paths = {kind: folder / FILES[(split, kind)] for kind in ("images", "labels")}
    images, labels = (read_idx(paths[kind], kind, SHA256[paths[kind].name] if verify else None)
                      for kind in ("images", "labels"))
    if len(images) != len(labels):
        raise DataError(f"{paths['images']} holds {len(images)} images but {paths['labels']} holds "
                        f"{len(labels)} labels; the two files must come from the same split ({_FIX})")
    return images, labels.astype(np.int64)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 images [N, 28, 28] (or one [28, 28]) -> float32 [N, 1, 28, 28], scaled to [0, 1],
    then normalised with the training set's MEAN and STD."""
    arr = np.asarray(images)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3):
        raise ValueError(f"images must be a uint8 array [N, H, W] or [H, W] as load_fashion_mnist "
                         f"returns, got dtype {arr.dtype} and shape {arr.shape}")
    if arr.ndim == 2:
        arr = arr[None]
    x = torch.from_numpy(np.ascontiguousarray(arr)).float().div_(255.0).unsqueeze(1)
    return x.sub_(MEAN).div_(STD)


def _content_sha256(path: Path) -> str | None:
    """sha256 of a gzip file's content, or None when it is not a complete gzip file."""
    try:
        return sha256_of(path, decompress=True)
    except (OSError, EOFError):
        return None


def download_fashion_mnist(root: str | Path | None = None, base_url: str = FASHION_MNIST_URL,
                           timeout: float = 60.0) -> Path:
    """Fetch the four official files into ``root`` (default data/fashion-mnist) when missing or
    damaged. Each is downloaded to a temporary name, its content's sha256 checked, then renamed, so nothing
    half-written is left. ``base_url`` may point to a mirror (http://, https:// or file://)."""
    folder = Path(root) if root is not None else FASHION_MNIST_DIR
    folder.mkdir(parents=True, exist_ok=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    for name, expected in SHA256.items():
        target = folder / name
        if target.is_file() and _content_sha256(target) == expected:
            continue
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    with urllib.request.urlopen(base + name, timeout=timeout) as response:
                        shutil.copyfileobj(response, out)
                except OSError as err:  # URLError, HTTPError, timeouts are all OSErrors
                    raise DataError(f"downloading {base + name} failed ({err}); check the network "
                                    "or pass base_url= a mirror that holds the official files") from err
            actual = _content_sha256(Path(tmp)) or "unknown (not a complete gzip file)"
            if actual != expected:
                raise DataError(f"{base + name} has content sha256 {actual}, expected {expected}: the "
                                "server sent a different file; nothing was saved. Try another base_url")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return folder


# --- the validation split (held out from the 60,000 training images) --------------------------
VAL_PER_CLASS = 500  # 10 classes x 500 = 5,000 validation images; 55,000 remain for training
SPLIT_SEED = 20220124  # fixed: every run, notebook and script holds out the same images


def train_val_split(labels: np.ndarray, per_class: int = VAL_PER_CLASS,
                    seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, val) into the training set: ``per_class`` images of every class are held out
    for validation, picked at random with a fixed ``seed`` (the same split every time; class-balanced).
    Both index arrays are sorted, so the training images keep their original order."""
    from convmixer_lab.checks import check_int

    labels = np.asarray(labels)
    per_class = check_int("per_class", per_class, minimum=0)
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of class numbers, got shape {labels.shape}")
    rng = np.random.default_rng(seed)
    held = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if per_class >= len(members):
            raise ValueError(f"per_class={per_class} would hold out every image of class {c} "
                             f"({len(members)} images); choose per_class < {len(members)}")
        held.append(rng.choice(members, size=per_class, replace=False))
    val = np.sort(np.concatenate(held)) if held else np.zeros(0, dtype=np.int64)
    train = np.setdiff1d(np.arange(len(labels)), val)
    return train, val


def fashion_mnist_tensors(root: str | Path | None = None, val_per_class: int = VAL_PER_CLASS,
                          subset: int | None = None) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The three splits as model-ready tensors: {"train", "val", "test"} -> (images float32
    [N, 1, 28, 28] normalised by ``to_tensor``, labels int64 [N]). "val" is ``train_val_split`` of
    the training set; ``subset`` keeps only the first N of the remaining training images."""
    images, labels = load_fashion_mnist("train", root)
    test_images, test_labels = load_fashion_mnist("test", root)
    train_idx, val_idx = train_val_split(labels, val_per_class)
    if subset is not None:
        train_idx = train_idx[:subset]
    return {
        "train": (to_tensor(images[train_idx]), torch.from_numpy(labels[train_idx])),
        "val": (to_tensor(images[val_idx]), torch.from_numpy(labels[val_idx])),
        "test": (to_tensor(test_images), torch.from_numpy(test_labels)),
    }
