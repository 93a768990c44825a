"""Bad inputs to the data files, one row each: the error type, a message that names the culprit
(file or argument) and the fix, and nothing on disk changed. The rows call the package
(`load_fashion_mnist`, `read_idx`, `download_fashion_mnist`); mirrors are file:// folders made here:
nothing needs the network. (The instructor tools have their table in test_bad_inputs_tools.py.)
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from convmixer_lab.data import (
    BUNDLED_DATA_DIR,
    DATA_ENV,
    FILES,
    DataError,
    download_fashion_mnist,
    fashion_mnist_files,
    load_fashion_mnist,
    read_idx,
)

OFFICIAL = BUNDLED_DATA_DIR / "fashion-mnist"
IMAGES, LABELS = FILES[("test", "images")], FILES[("test", "labels")]
FETCH = "fetch a good copy with convmixer_lab.data.download_fashion_mnist("


# --- making bad files ------------------------------------------------------------------------------

def idx(path: Path, magic: int, shape: tuple[int, ...], payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = b"".join(int(v).to_bytes(4, "big") for v in (magic, *shape))
    path.write_bytes(gzip.compress(header + payload))


def fake_split(folder: Path, n_images: int = 3, n_labels: int = 3, side: int = 28,
               labels: bytes | None = None) -> None:
    """A tiny test split with the official names (read with verify=False: checksums differ)."""
    idx(folder / IMAGES, 2051, (n_images, side, side), bytes(n_images * side * side))
    idx(folder / LABELS, 2049, (n_labels,), labels if labels is not None else bytes(range(n_labels)))


def fake_split_in(folder: str, **kwargs: object) -> Callable[[Path], None]:
    return lambda d: fake_split(d / folder, **kwargs)


def official_split(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in (IMAGES, LABELS):
        shutil.copy2(OFFICIAL / name, folder / name)


def damaged(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        official_split(d / "fm")
        (d / "fm" / name).write_bytes(change((OFFICIAL / name).read_bytes()))
    return setup


def flip(at: float) -> Callable[[bytes], bytes]:
    def change(raw: bytes) -> bytes:
        i = min(int(len(raw) * at), len(raw) - 1)
        return raw[:i] + bytes([raw[i] ^ 0x04]) + raw[i + 1:]
    return change


def bomb(size: int = 4_000_000) -> Callable[[bytes], bytes]:
    return lambda raw: gzip.compress(bytes(size), compresslevel=9)


def mirror_with(name: str, content: bytes) -> Callable[[Path], None]:
    """A target folder with good copies of every file but ``name``, and a mirror that serves
    ``content`` as ``name`` (so the download tries that file only)."""
    def setup(d: Path) -> None:
        (d / "fm").mkdir()
        (d / "mirror").mkdir()
        for other in FILES.values():
            shutil.copy2(OFFICIAL / other, d / "mirror" / other)
            if other != name:
                shutil.copy2(OFFICIAL / other, d / "fm" / other)
        (d / "mirror" / name).write_bytes(content)
    return setup


def load(verify: bool = True, split: str = "test", root: str = "fm") -> Callable[[Path], object]:
    return lambda d: load_fashion_mnist(split, root=d / root, verify=verify)


# --- the table -------------------------------------------------------------------------------------

@dataclass
class Bad:
    setup: Callable[[Path], object]  # makes the bad input under the folder d
    call: Callable[[Path], object]
    error: type[BaseException]
    culprit: str  # text that names the file or the argument ("{d}": the folder d)
    fix: str  # text of the fix the message must give
    env: str | None = None  # CONVMIXER_LAB_DATA for the call ("{d}" allowed), else unset


def nothing(d: Path) -> None:
    return None


def mkdir(*parts: str) -> Callable[[Path], None]:
    return lambda d: d.joinpath(*parts).mkdir(parents=True)


def write(text: str, *parts: str) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        d.joinpath(*parts).parent.mkdir(parents=True, exist_ok=True)
        d.joinpath(*parts).write_text(text)
    return setup


def both(*setups: Callable[[Path], object]) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        for one in setups:
            one(d)
    return setup


def official(d: Path) -> None:
    official_split(d / "fm")


def replace_with_folder(name: str) -> Callable[[Path], None]:
    return lambda d: ((d / "fm" / name).unlink(), (d / "fm" / name).mkdir())


def bad_idx(name: str, magic: int, shape: tuple[int, ...], payload: bytes) -> Callable[[Path], None]:
    return lambda d: idx(d / "fm" / name, magic, shape, payload)


def download(mirror: str = "mirror", **kwargs: object) -> Callable[[Path], object]:
    return lambda d: download_fashion_mnist(d / "fm", base_url=(d / mirror).as_uri(), **kwargs)


def in_content(change: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    return lambda raw: gzip.compress(change(gzip.decompress(raw)))


TRAIN_LABELS = FILES[("train", "labels")]
CASES = {
    # data files: (images or labels of the test split, under {d}/fm)
    "empty file": Bad(damaged(IMAGES, lambda raw: b""), load(), DataError,
                      "{d}/fm/" + IMAGES + " is empty (0 bytes)", FETCH),
    "truncated gzip": Bad(damaged(LABELS, lambda raw: raw[:-100]), load(), DataError,
                          LABELS + " is not a complete gzip file", FETCH),
    "not gzip at all": Bad(damaged(IMAGES, lambda raw: b"<html>Not Found</html>"), load(), DataError,
                           IMAGES + " is not a complete gzip file", FETCH),
    "bit flip in the compressed data": Bad(damaged(IMAGES, flip(0.5)), load(), DataError, IMAGES, FETCH),
    "bit flip in the gzip trailer": Bad(damaged(LABELS, flip(0.999)), load(), DataError,
                                        LABELS + " is not a complete gzip file", FETCH),
    "bit flip in the content": Bad(damaged(LABELS, in_content(flip(0.5))), load(), DataError,
                                   LABELS + " has content sha256", FETCH),
    "wrong magic number": Bad(both(fake_split_in("fm"), bad_idx(IMAGES, 2049, (3, 28, 28), bytes(3 * 784))),
                              load(verify=False), DataError,
                              IMAGES + " has IDX magic number 2049, expected 2051", FETCH),
    "header says more than the data": Bad(
        both(fake_split_in("fm"), bad_idx(IMAGES, 2051, (5, 28, 28), bytes(784))), load(verify=False),
        DataError, IMAGES + ": header says 5 x 28 x 28", FETCH),
    "too short for a header": Bad(both(fake_split_in("fm"), bad_idx(LABELS, 2049, (), b"")),
                                  load(verify=False),
                                  DataError, LABELS + " is too short", FETCH),
    "wrong checksum": Bad(fake_split_in("fm"), load(), DataError, IMAGES + " has content sha256", FETCH),
    "gzip bomb": Bad(damaged(LABELS, bomb()), load(), DataError, LABELS + " decompresses to more than",
                     FETCH),
    "labels out of range": Bad(fake_split_in("fm", labels=bytes([0, 12, 3])), load(verify=False), DataError,
                               LABELS + " holds label 12 at index 1", FETCH),
    "a folder where a file should be": Bad(both(official, replace_with_folder(LABELS)), load(), DataError,
                                           LABELS + " is a folder", "remove the folder"),
    "a missing file": Bad(both(official, lambda d: (d / "fm" / LABELS).unlink()), load(), DataError,
                          LABELS + " is missing", FETCH),
    "images and labels counts differ": Bad(fake_split_in("fm", n_images=3, n_labels=4), load(verify=False),
                                           DataError, "holds 3 images but", FETCH),
    "images not 28x28": Bad(fake_split_in("fm", side=10), load(verify=False), DataError,
                            IMAGES + " holds 10x10 images", FETCH),
    "bad split name": Bad(official, load(split="valid"), ValueError, "split must be one of",
                          "'train', 'test', got 'valid'"),
    "bad kind": Bad(official, lambda d: read_idx(d / "fm" / IMAGES, "pixels"), ValueError,
                    "kind must be one of", "'images', 'labels'"),
    "verify not a bool": Bad(official, lambda d: load_fashion_mnist("test", root=d / "fm", verify="no"),
                             TypeError, "verify must be", "True or False"),
    "root is a file": Bad(write("x", "fm"), load(), DataError, "{d}/fm (from root=",
                          "is a file, not a folder; pass root= the folder"),
    "root does not exist": Bad(nothing, load(), DataError, "{d}/fm (from root=",
                               "does not exist; pass root= the folder"),
    "root not a path": Bad(nothing, lambda d: load_fashion_mnist("test", root=5), TypeError,
                           "root must be a folder path", "str or pathlib.Path"),
    "CONVMIXER_LAB_DATA holds a file": Bad(write("x", "data", "fashion-mnist"),
                                           lambda d: load_fashion_mnist("test"), DataError,
                                           "{d}/data/fashion-mnist (from CONVMIXER_LAB_DATA) is a file",
                                           "set CONVMIXER_LAB_DATA to the folder", env="{d}/data"),
    "CONVMIXER_LAB_DATA is a file": Bad(write("x", "data"), lambda d: load_fashion_mnist("test"), DataError,
                                        "CONVMIXER_LAB_DATA='{d}/data' is a file, not a folder",
                                        "set CONVMIXER_LAB_DATA to the folder that holds", env="{d}/data"),
    "CONVMIXER_LAB_DATA is blank": Bad(nothing, lambda d: load_fashion_mnist("test"), DataError,
                                       "CONVMIXER_LAB_DATA=' ' is blank", "or unset it", env=" "),
    "CONVMIXER_LAB_DATA holds the .gz files itself": Bad(
        official, lambda d: load_fashion_mnist("test"), DataError,
        "CONVMIXER_LAB_DATA='{d}/fm' holds the .gz files itself", "move them into {d}/fm/fashion-mnist",
        env="{d}/fm"),
    "files missing, checked without reading": Bad(
        mkdir("fm"), lambda d: fashion_mnist_files(d / "fm"), DataError,
        "{d}/fm lacks train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images", FETCH),
    "download over a folder": Bad(mkdir("fm", IMAGES), download(), DataError, IMAGES + " is a folder",
                                  "remove or rename it"),
    "mirror serves a wrong file": Bad(mirror_with(TRAIN_LABELS, b"not gzip"), download(), DataError,
                                      TRAIN_LABELS + " has content sha256 unknown (not a complete gzip file)",
                                      "nothing was saved. Try another base_url"),
    "mirror serves a gzip bomb": Bad(mirror_with(TRAIN_LABELS, bomb()(b"")), download(), DataError,
                                     TRAIN_LABELS + " has content sha256 unknown (its content is larger",
                                     "nothing was saved. Try another base_url"),
    "mirror without the files": Bad(official, download("none"), DataError,
                                    "train-images-idx3-ubyte.gz failed", "pass base_url= a mirror"),
    "download timeout 0": Bad(nothing, download(timeout=0), ValueError, "timeout must be > 0",
                              "seconds, e.g. 60"),
}


def state(*folders: Path) -> dict[str, str]:
    """Every file and folder under ``folders``: path -> sha256 of its bytes ("dir" for a folder)."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            found[str(path)] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_the_table_is_large_enough():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input(case: Bad, tmp_path: Path, monkeypatch):
    d = tmp_path / "d"
    d.mkdir()
    case.setup(d)
    if case.env is None:
        monkeypatch.delenv(DATA_ENV, raising=False)
    else:
        monkeypatch.setenv(DATA_ENV, case.env.format(d=d))
    before = state(tmp_path)
    with pytest.raises(case.error) as info:
        case.call(d)
    message = str(info.value)
    assert case.culprit.format(d=d) in message, message
    assert case.fix.format(d=d) in message, message
    assert state(tmp_path) == before
