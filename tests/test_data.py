"""Fashion-MNIST reader, checksums, normalisation and download (offline: local files and servers)."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from convmixer_lab import data
from convmixer_lab.data import (
    CLASS_NAMES,
    FILES,
    GZ_SHA256,
    MEAN,
    SHA256,
    STD,
    DataError,
    download_fashion_mnist,
    load_fashion_mnist,
    read_idx,
    sha256_of,
    to_tensor,
)


@pytest.fixture(scope="module")
def train_set():
    return load_fashion_mnist("train")


def write_idx(path: Path, magic: int, shape: tuple[int, ...], payload: bytes) -> Path:
    header = b"".join(int(v).to_bytes(4, "big") for v in (magic, *shape))
    with gzip.open(path, "wb") as f:
        f.write(header + payload)
    return path


def fake_split(folder: Path, n_images: int = 3, n_labels: int = 3) -> Path:
    """A tiny 'test' split with the official names (checksums will not match: verify=False)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / FILES[("test", "images")], 2051, (n_images, 28, 28),
              bytes(range(256)) * (n_images * 784 // 256) + bytes(n_images * 784 % 256))
    write_idx(folder / FILES[("test", "labels")], 2049, (n_labels,), bytes(i % 10 for i in range(n_labels)))
    return folder


def test_bundled_files_load_with_the_official_shapes(train_set):
    images, labels = train_set
    assert images.shape == (60_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60_000,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [6000] * 10
    test_images, test_labels = load_fashion_mnist("test")
    assert test_images.shape == (10_000, 28, 28)
    assert np.bincount(test_labels).tolist() == [1000] * 10
    assert len(CLASS_NAMES) == 10 and CLASS_NAMES[9] == "Ankle boot"


def test_bundled_files_have_the_listed_checksums_and_readme_lists_them():
    readme = (data.DATA_DIR / "README.md").read_text()
    for name, digest in SHA256.items():
        assert sha256_of(data.FASHION_MNIST_DIR / name, decompress=True) == digest
        assert sha256_of(data.FASHION_MNIST_DIR / name) == GZ_SHA256[name]
        assert name in readme and digest in readme and GZ_SHA256[name] in readme


def test_mean_and_std_are_the_training_sets(train_set):
    pixels = train_set[0].astype(np.float64) / 255
    assert round(pixels.mean(), 4) == MEAN
    assert round(pixels.std(), 4) == STD


def test_to_tensor_normalises(train_set):
    x = to_tensor(train_set[0][:1000])
    assert x.shape == (1000, 1, 28, 28) and x.dtype == torch.float32
    assert x[0, 0, 0, 0].item() == pytest.approx((train_set[0][0, 0, 0] / 255 - MEAN) / STD, abs=1e-6)
    assert to_tensor(train_set[0][0]).shape == (1, 1, 28, 28)
    full = to_tensor(train_set[0])
    assert abs(full.mean().item()) < 1e-3 and abs(full.std().item() - 1) < 1e-3
    with pytest.raises(ValueError, match="images must be a uint8 array"):
        to_tensor(train_set[0].astype(np.float32))


def test_bad_split_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_fashion_mnist("valid")
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz is missing; re-download"):
        load_fashion_mnist("test", root=tmp_path)


def test_a_synthetic_split_reads_back_exactly(tmp_path):
    images, labels = load_fashion_mnist("test", root=fake_split(tmp_path), verify=False)
    assert images.shape == (3, 28, 28) and labels.tolist() == [0, 1, 2]
    assert images.reshape(-1)[:256].tolist() == list(range(256))


def test_truncated_gzip(tmp_path):
    folder = fake_split(tmp_path)
    path = folder / FILES[("test", "images")]
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz is not a complete gzip file"):
        load_fashion_mnist("test", root=folder, verify=False)


def test_wrong_magic_number(tmp_path):
    folder = fake_split(tmp_path)
    # a labels header (magic 2049) where the images file should be
    write_idx(folder / FILES[("test", "images")], 2049, (3, 28, 28), bytes(3 * 784))
    with pytest.raises(DataError, match=r"has IDX magic number 2049, expected 2051 for images"):
        load_fashion_mnist("test", root=folder, verify=False)


def test_header_disagrees_with_payload(tmp_path):
    path = write_idx(tmp_path / "x.gz", 2051, (5, 28, 28), bytes(4 * 784))
    with pytest.raises(DataError, match=r"header says 5 x 28 x 28 = 3920 bytes of data but the file "
                                        r"holds 3136"):
        read_idx(path, "images")
    with pytest.raises(DataError, match="too short for an IDX header"):
        read_idx(write_idx(tmp_path / "y.gz", 2049, (), b""), "labels")


def test_labels_and_images_of_different_lengths(tmp_path):
    folder = fake_split(tmp_path, n_images=3, n_labels=4)
    with pytest.raises(DataError, match="holds 3 images but .* holds 4 labels"):
        load_fashion_mnist("test", root=folder, verify=False)


def test_checksum_mismatch_names_the_file(tmp_path):
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz has content sha256 [0-9a-f]{64}, "
                                        r"expected 5b4141"):
        load_fashion_mnist("test", root=fake_split(tmp_path))


# --- download (no network: file:// URLs and a server on 127.0.0.1 made here) --------------------

@pytest.fixture()
def server():
    """Serve a folder over HTTP on 127.0.0.1; yields a function folder -> base URL."""
    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/"

    yield serve
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def test_download_over_http_verifies_and_skips_good_copies(tmp_path, server):
    target = tmp_path / "copy"
    assert download_fashion_mnist(target, base_url=server(data.FASHION_MNIST_DIR)) == target
    assert sorted(p.name for p in target.iterdir()) == sorted(SHA256)
    for name in SHA256:
        assert sha256_of(target / name) == GZ_SHA256[name]  # the served files, byte for byte
    # a second call finds good copies and needs no server at all
    download_fashion_mnist(target, base_url="http://127.0.0.1:9/")
    assert load_fashion_mnist("test", root=target)[0].shape == (10_000, 28, 28)


def test_download_from_file_url_replaces_a_damaged_copy(tmp_path):
    target = tmp_path / "copy"
    target.mkdir()
    (target / "t10k-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    download_fashion_mnist(target, base_url=data.FASHION_MNIST_DIR.as_uri())
    assert sha256_of(target / "t10k-labels-idx1-ubyte.gz") == GZ_SHA256["t10k-labels-idx1-ubyte.gz"]


def test_download_of_a_wrong_file_leaves_nothing(tmp_path, server):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in SHA256:
        (mirror / name).write_bytes(b"not the official file")
    target = tmp_path / "copy"
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz has content sha256 unknown .* "
                                        r"nothing was saved"):
        download_fashion_mnist(target, base_url=server(mirror))
    assert list(target.iterdir()) == []


def test_download_from_a_server_without_the_files(tmp_path, server):
    target = tmp_path / "copy"
    with pytest.raises(DataError, match=r"downloading http://127.0.0.1:\d+/train-images-idx3-ubyte.gz "
                                        r"failed"):
        download_fashion_mnist(target, base_url=server(tmp_path / "empty_does_not_exist"))
    assert list(target.iterdir()) == []
