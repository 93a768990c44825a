"""The sample photo and Fashion-MNIST: four gzip IDX files in ``root=``, ``$CONVMIXER_LAB_DATA/fashion-mnist``
or the bundled ``data/``, each decompressed as a stream, hashed on the way and refused once past its official
size. Every problem with a file is one ``DataError`` naming it and the fix."""

import hashlib
import os
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from matplotlib import cbook
from PIL import Image

from convmixer_lab.checks import check_bool, check_choice, check_int, check_number, check_positive_int
from convmixer_lab.files import atomic_write
from convmixer_lab.repo import REPO_ROOT

DATA_ENV = "CONVMIXER_LAB_DATA"  # the data folder (holds fashion-mnist/ and checkpoints/)
BUNDLED_DATA_DIR = REPO_ROOT / "data"


class DataError(ValueError):
    """A Fashion-MNIST file is missing, damaged or not what it claims to be."""


def data_dir() -> Path:
    """The data folder: ``$CONVMIXER_LAB_DATA`` (``~`` expanded) if set, else the bundled data/."""
    value = os.environ.get(DATA_ENV)
    if value and not value.strip():
        raise DataError(f"{DATA_ENV}={value!r} is blank; set {DATA_ENV} to the full path of the data "
                        "folder (the one that holds fashion-mnist/), or unset it")
    try:
        return Path(value).expanduser() if value else BUNDLED_DATA_DIR
    except RuntimeError:  # ~user of no such user, or no home directory to expand ~ to
        raise DataError(f"{DATA_ENV}={value!r} cannot be expanded (no such user or home folder); set "
                        f"{DATA_ENV} to the full path of the data folder") from None


def reference_checkpoint() -> Path:
    """Where the shipped reference model is: checkpoints/reference.pt in ``data_dir()``."""
    return data_dir() / "checkpoints" / "reference.pt"  # see data/checkpoints/README.md


try:  # as at import (reference_checkpoint() reads the variable when called)
    REFERENCE_CHECKPOINT = reference_checkpoint()
except DataError:
    REFERENCE_CHECKPOINT = Path(os.environ[DATA_ENV]) / "checkpoints" / "reference.pt"
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FILES = {("train", "images"): "train-images-idx3-ubyte.gz", ("train", "labels"): "train-labels-idx1-ubyte.gz",
         ("test", "images"): "t10k-images-idx3-ubyte.gz", ("test", "labels"): "t10k-labels-idx1-ubyte.gz"}
# sha256 of each file's content (the bundled .gz were recompressed: their own bytes, GZ_SHA256, differ).
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
# Decompressed sizes of the official files: IDX header (16 bytes for images, 8 for labels) + data.
CONTENT_BYTES = {FILES[split, kind]: (16 + n * 28 * 28 if kind == "images" else 8 + n)
                 for split, n in (("train", 60_000), ("test", 10_000)) for kind in ("images", "labels")}
SIZE_MARGIN = 1 << 16  # bytes of content allowed beyond the official size before a file is refused
SPLITS = ("train", "test")
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
# Mean and standard deviation of the training pixels in [0, 1]; every course model expects them.
MEAN, STD = 0.2860, 0.3530
_IDX_MAGIC = {"images": 2051, "labels": 2049}  # 0x00000803 (3-D uint8), 0x00000801 (1-D uint8)
# Content limit for a file of another name: the largest official file of that kind, plus the margin.
_LIMIT = {kind: CONTENT_BYTES[FILES[("train", kind)]] + SIZE_MARGIN for kind in _IDX_MAGIC}
_CHUNK = 1 << 20
_NO_DATA = (f"no Fashion-MNIST folder: root= was not given, {DATA_ENV} is not set, and there is no "
            f"bundled data/ folder beside the package ({BUNDLED_DATA_DIR}). Pass root= the folder that "
            f"holds the four .gz files, or set {DATA_ENV} to the folder that holds fashion-mnist/ and "
            "checkpoints/; convmixer_lab.data.download_fashion_mnist(root) fetches the files")


class _TooLarge(Exception):
    """Raised by ``_GzipStream`` when the content passes its limit."""


def sample_photo(size: int = 224) -> np.ndarray:
    """The photo matplotlib ships (Grace Hopper), centre-cropped and resized: uint8 [size, size, 3]."""
    size = check_positive_int("size", size, hint="pixels per side, e.g. 224")
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        img = Image.open(f).convert("RGB")
        side = min(img.size)
        left, top = (img.width - side) // 2, (img.height - side) // 2
        img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.BICUBIC)
        return np.asarray(img, dtype=np.uint8).copy()


def _fix(folder: Path) -> str:
    return f"fetch a good copy with convmixer_lab.data.download_fashion_mnist({str(folder)!r})"


def fashion_mnist_dir(root: str | Path | None = None, create: bool = False) -> Path:
    """The folder of the four files: ``root``, ``$CONVMIXER_LAB_DATA/fashion-mnist`` or the bundled one."""
    if root is not None:
        if not isinstance(root, (str, os.PathLike)) or not str(root):
            raise TypeError(f"root must be a folder path (str or pathlib.Path), got {root!r}")
        folder, given = Path(root).expanduser(), f"root={str(root)!r}"
    elif value := os.environ.get(DATA_ENV):  # its fashion-mnist/, not a file or the .gz files themselves
        data, given = data_dir(), DATA_ENV
        if data.exists() and not data.is_dir():
            raise DataError(f"{DATA_ENV}={value!r} is a file, not a folder; set {DATA_ENV} to the folder "
                            "that holds fashion-mnist/ and checkpoints/, or unset it")
        folder = data / "fashion-mnist"
        if not folder.exists() and any((data / name).is_file() for name in FILES.values()):
            raise DataError(f"{DATA_ENV}={value!r} holds the .gz files itself, but they belong in its "
                            f"fashion-mnist/ folder: move them into {folder}")
    elif BUNDLED_DATA_DIR.is_dir():
        folder, given = BUNDLED_DATA_DIR / "fashion-mnist", "the bundled data/"
    else:
        raise DataError(_NO_DATA)
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{folder} (from {given}) is a file, not a folder; pass root= the folder that "
                        f"holds the four .gz files (or set {DATA_ENV} to the folder that holds "
                        "fashion-mnist/)")
    if not folder.exists() and not create:
        raise DataError(f"{folder} (from {given}) does not exist; pass root= the folder that holds the "
                        f"four .gz files, set {DATA_ENV} to the folder that holds fashion-mnist/, or "
                        f"fetch them with convmixer_lab.data.download_fashion_mnist({str(folder)!r})")
    return folder


def fashion_mnist_files(root: str | Path | None = None) -> Path:
    """``fashion_mnist_dir(root)`` once it holds the four files (nothing is read): a quick check."""
    folder = fashion_mnist_dir(root)
    missing = [name for name in FILES.values() if not (folder / name).is_file()]
    if missing:
        raise DataError(f"{folder} lacks {', '.join(missing)}; {_fix(folder)}")
    return folder


class _GzipStream:
    """Decompress and hash gzip data fed in chunks; ``_TooLarge`` past ``limit`` bytes."""

    def __init__(self, limit: int, keep: bool = False) -> None:
        self.limit, self.size, self.digest = limit, 0, hashlib.sha256()
        self.content = bytearray() if keep else None
        self._zlib = zlib.decompressobj(wbits=31)  # 31: a gzip container around deflate data

    def feed(self, chunk: bytes) -> None:
        while chunk:
            if self._zlib.eof:  # one gzip member ended and another follows
                self._zlib = zlib.decompressobj(wbits=31)
            out = self._zlib.decompress(chunk, min(self.limit + 1 - self.size, _CHUNK))  # bounded
            self.size += len(out)
            if self.size > self.limit:
                raise _TooLarge
            self.digest.update(out)
            if self.content is not None:
                self.content += out
            chunk = self._zlib.unused_data if self._zlib.eof else self._zlib.unconsumed_tail

    def close(self) -> None:
        """EOFError when the data ended inside a gzip member (a truncated file)."""
        if not self._zlib.eof:
            raise EOFError("the compressed data end early: the file is truncated")


def _decompress_file(path: Path, limit: int, keep: bool = False) -> _GzipStream:
    fix = _fix(path.parent)
    if path.is_dir():
        raise DataError(f"{path} is a folder where the data file should be; remove the folder, then {fix}")
    if not path.exists():
        raise DataError(f"{path} is missing; {fix}, or pass root= the folder that holds it")
    stream = _GzipStream(limit, keep)
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                raise DataError(f"{path} is empty (0 bytes); {fix}")
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                stream.feed(chunk)
        stream.close()
    except _TooLarge:
        raise DataError(f"{path} decompresses to more than {limit:,} bytes, more than the official file "
                        f"(a damaged file or a gzip bomb); it was not read further. {fix}") from None
    except (zlib.error, EOFError) as err:
        raise DataError(f"{path} is not a complete gzip file ({err}); {fix}") from None
    except OSError as err:  # permissions, I/O errors
        raise DataError(f"{path} cannot be read ({err.strerror or err}); check its permissions, "
                        f"or {fix}") from err
    return stream


def sha256_of(path: str | Path, decompress: bool = False) -> str:
    """Hex sha256 of a file (``decompress``: of its gzip content, with the largest official size limit)."""
    path = Path(path)
    if decompress:
        return _decompress_file(path, max(_LIMIT.values())).digest.hexdigest()
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_idx(path: str | Path, kind: str, sha256: str | None = None) -> np.ndarray:
    """One gzip IDX file: uint8 [N, rows, cols] images or [N] labels; ``sha256``: the content's hash."""
    path = Path(path)
    check_choice("kind", kind, tuple(_IDX_MAGIC))
    limit = CONTENT_BYTES[path.name] + SIZE_MARGIN if path.name in CONTENT_BYTES else _LIMIT[kind]
    stream, fix = _decompress_file(path, limit, keep=True), _fix(path.parent)
    if sha256 is not None and (actual := stream.digest.hexdigest()) != sha256:
        raise DataError(f"{path} has content sha256 {actual}, expected {sha256}: the file is damaged "
                        f"or not the official one; {fix}")
    raw, header = stream.content, 4 * (1 + (3 if kind == "images" else 1))  # magic, then one int per dim
    if len(raw) < header:
        raise DataError(f"{path} is too short for an IDX header ({len(raw)} bytes); {fix}")
    magic, *shape = (int.from_bytes(raw[i:i + 4], "big") for i in range(0, header, 4))
    if magic != _IDX_MAGIC[kind]:
        raise DataError(f"{path} has IDX magic number {magic}, expected {_IDX_MAGIC[kind]} for {kind}: "
                        f"is it the wrong file? {fix}")
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise DataError(f"{path}: header says {' x '.join(map(str, shape))} = {expected} bytes of data "
                        f"but the file holds {len(raw) - header}; {fix}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_fashion_mnist(split: str, root: str | Path | None = None,
                       verify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST ``split`` ("train" or "test"): images uint8 [N, 28, 28], labels int64 [N]."""
    check_choice("split", split, SPLITS)
    check_bool("verify", verify)
    folder = fashion_mnist_dir(root)
    paths = {kind: folder / FILES[(split, kind)] for kind in ("images", "labels")}
    images, labels = (read_idx(paths[kind], kind, SHA256[paths[kind].name] if verify else None)
                      for kind in ("images", "labels"))
    fix = _fix(folder)
    if images.shape[1:] != (28, 28):
        raise DataError(f"{paths['images']} holds {images.shape[1]}x{images.shape[2]} images; "
                        f"Fashion-MNIST's are 28x28. Is it another data set? {fix}")
    if len(images) != len(labels):
        raise DataError(f"{paths['images']} holds {len(images)} images but {paths['labels']} holds "
                        f"{len(labels)} labels; the two files must come from the same split ({fix})")
    if labels.size and (top := int(labels.max())) >= len(CLASS_NAMES):
        raise DataError(f"{paths['labels']} holds label {top} at index {int(labels.argmax())}, but "
                        f"Fashion-MNIST's classes are 0-{len(CLASS_NAMES) - 1}; the file is damaged; {fix}")
    return images, labels.astype(np.int64)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 images [N, 28, 28] (or one [28, 28]) -> float32 [N, 1, 28, 28], normalised by MEAN and STD."""
    arr = np.asarray(images)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3):
        raise ValueError(f"images must be a uint8 array [N, H, W] or [H, W] as load_fashion_mnist "
                         f"returns, got dtype {arr.dtype} and shape {arr.shape}")
    arr = arr[None] if arr.ndim == 2 else arr
    x = torch.from_numpy(np.ascontiguousarray(arr)).float().div_(255.0).unsqueeze(1)
    return x.sub_(MEAN).div_(STD)


def _is_good_copy(path: Path) -> bool:
    try:
        return _decompress_file(path, CONTENT_BYTES[path.name] + SIZE_MARGIN).digest.hexdigest() \
            == SHA256[path.name]
    except DataError:
        return False


def _download_chunks(url: str, timeout: float) -> Iterator[bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(_CHUNK):
                yield chunk
    except OSError as err:  # URLError, HTTPError, timeouts, a dropped connection are all OSErrors
        raise DataError(f"downloading {url} failed ({err}); check the network or pass base_url= a "
                        "mirror that holds the official files") from err


def _download_verified(url: str, name: str, timeout: float, out) -> None:
    stream = _GzipStream(CONTENT_BYTES[name] + SIZE_MARGIN)
    try:
        for chunk in _download_chunks(url, timeout):
            out.write(chunk)
            stream.feed(chunk)
        stream.close()
        actual = stream.digest.hexdigest()
    except _TooLarge:
        actual = f"unknown (its content is larger than the official {CONTENT_BYTES[name]:,} bytes)"
    except (zlib.error, EOFError):
        actual = "unknown (not a complete gzip file)"
    if actual != SHA256[name]:
        raise DataError(f"{url} has content sha256 {actual}, expected {SHA256[name]}: the server sent "
                        "a different file; nothing was saved. Try another base_url")


def download_fashion_mnist(root: str | Path | None = None, base_url: str = FASHION_MNIST_URL,
                           timeout: float = 60.0) -> Path:
    """Fetch each official file that lacks a good copy, checked before it replaces the old file."""
    if not isinstance(base_url, str) or not base_url:
        raise TypeError(f"base_url must be a URL string (http://, https:// or file://), got {base_url!r}")
    timeout = check_number("timeout", timeout, minimum=0, strict=True, hint="seconds, e.g. 60")
    folder = fashion_mnist_dir(root, create=True)
    for name in SHA256:
        if (folder / name).is_dir():
            raise DataError(f"{folder / name} is a folder where the data file should be; remove or "
                            "rename it, then download again (nothing was downloaded)")
    base = base_url if base_url.endswith("/") else base_url + "/"
    for name in SHA256:
        if not _is_good_copy(folder / name):
            atomic_write(folder / name, lambda out, n=name: _download_verified(base + n, n, timeout, out))
    return folder


VAL_PER_CLASS = 500  # 10 classes x 500 = 5,000 validation images; 55,000 remain for training
SPLIT_SEED = 20220124  # fixed: every run, notebook and script holds out the same images


def train_val_split(labels: np.ndarray, per_class: int = VAL_PER_CLASS,
                    seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Sorted indices (train, val): ``per_class`` images of every class held out, drawn with ``seed``."""
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
    return np.setdiff1d(np.arange(len(labels)), val), val


def fashion_mnist_tensors(root: str | Path | None = None, val_per_class: int = VAL_PER_CLASS,
                          subset: int | None = None) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """{"train", "val", "test"} -> (images, labels); ``subset`` keeps the first N training images."""
    images, labels = load_fashion_mnist("train", root)
    test_images, test_labels = load_fashion_mnist("test", root)
    train_idx, val_idx = train_val_split(labels, val_per_class)
    train_idx = train_idx[:subset]  # subset None: all of them
    pairs = {"train": (images[train_idx], labels[train_idx]), "val": (images[val_idx], labels[val_idx]),
             "test": (test_images, test_labels)}
    return {key: (to_tensor(x), torch.from_numpy(y)) for key, (x, y) in pairs.items()}
