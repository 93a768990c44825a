"""Download repairs every kind of damage to the bundled files: moved out of tests/unit because it
re-reads and re-verifies the full Fashion-MNIST files once per kind of damage (about 7 s on 2 cores)."""

from __future__ import annotations

import gzip

import pytest

from convmixer_lab.data import (
    BUNDLED_DATA_DIR,
    CONTENT_BYTES,
    GZ_SHA256,
    SHA256,
    DataError,
    download_fashion_mnist,
    load_fashion_mnist,
    sha256_of,
)

BUNDLED = BUNDLED_DATA_DIR / "fashion-mnist"


def _flip_a_bit(raw: bytes, at: float) -> bytes:
    i = int(len(raw) * at)
    return raw[:i] + bytes([raw[i] ^ 0x10]) + raw[i + 1:]


DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "bit flip in the data": lambda raw: _flip_a_bit(raw, 0.5),
    "bit flip in the trailer (crc32)": lambda raw: _flip_a_bit(raw, 1 - 6 / len(raw)),
    "empty": lambda raw: b"",
    "not gzip": lambda raw: b"<html>404 Not Found</html>",
    "the other split's file": lambda raw: (BUNDLED / "t10k-labels-idx1-ubyte.gz").read_bytes(),
    "a gzip bomb": lambda raw: gzip.compress(bytes(CONTENT_BYTES["train-labels-idx1-ubyte.gz"] * 40)),
}


def test_download_repairs_every_kind_of_damage(tmp_path):
    target = tmp_path / "copy"
    target.mkdir()
    names = list(SHA256)
    victims = {"t10k-images-idx3-ubyte.gz": None, "train-labels-idx1-ubyte.gz": None}
    for kind, damage in DAMAGE.items():
        for name in names:
            (target / name).write_bytes((BUNDLED / name).read_bytes())
        for name in victims:
            (target / name).write_bytes(damage((BUNDLED / name).read_bytes()))
            with pytest.raises(DataError, match=name):
                load_fashion_mnist("test" if name.startswith("t10k") else "train", root=target)
        untouched = (target / "train-images-idx3-ubyte.gz").stat().st_mtime_ns
        download_fashion_mnist(target, base_url=BUNDLED.as_uri())
        for name in names:
            assert sha256_of(target / name) == GZ_SHA256[name], (kind, name)
        assert (target / "train-images-idx3-ubyte.gz").stat().st_mtime_ns == untouched, kind  # good: kept
        assert sorted(p.name for p in target.iterdir()) == sorted(names), kind  # no temporary left
