"""Fashion-MNIST reader, checksums, normalisation, where the data are, and download (offline: local
files and servers made here). Bad files, one by one: tests/test_bad_inputs_data.py."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import torch

from convmixer_lab import data
from convmixer_lab.data import (
    BUNDLED_DATA_DIR,
    CLASS_NAMES,
    DATA_ENV,
    FILES,
    GZ_SHA256,
    MEAN,
    SHA256,
    STD,
    DataError,
    download_fashion_mnist,
    fashion_mnist_dir,
    load_fashion_mnist,
    read_idx,
    sha256_of,
    to_tensor,
    train_val_split,
)

BUNDLED = BUNDLED_DATA_DIR / "fashion-mnist"


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
    readme = (BUNDLED_DATA_DIR / "README.md").read_text()
    for name, digest in SHA256.items():
        assert sha256_of(BUNDLED / name, decompress=True) == digest
        assert sha256_of(BUNDLED / name) == GZ_SHA256[name]
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
    with pytest.raises(ValueError, match="split must be one of 'train', 'test', got 'valid'"):
        load_fashion_mnist("valid")
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz is missing; fetch a good copy with "
                                        r"convmixer_lab.data.download_fashion_mnist\('"):
        load_fashion_mnist("test", root=tmp_path)


def test_a_synthetic_split_reads_back_exactly(tmp_path):
    images, labels = load_fashion_mnist("test", root=fake_split(tmp_path), verify=False)
    assert images.shape == (3, 28, 28) and labels.tolist() == [0, 1, 2]
    assert images.reshape(-1)[:256].tolist() == list(range(256))


def test_truncated_gzip(tmp_path):
    folder = fake_split(tmp_path)
    path = folder / FILES[("test", "images")]
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz is not a complete gzip file \(the "
                                        r"compressed data end early: the file is truncated\); fetch a good"):
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
    assert download_fashion_mnist(target, base_url=server(BUNDLED)) == target
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
    download_fashion_mnist(target, base_url=BUNDLED.as_uri())
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


# --- where the data are: root=, CONVMIXER_LAB_DATA, the bundled data/ ---------------------------

def test_the_data_folder_comes_from_root_then_the_variable_then_the_bundled_copy(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    assert fashion_mnist_dir() == BUNDLED
    elsewhere = tmp_path / "course-data"
    fake_split(elsewhere / "fashion-mnist")
    monkeypatch.setenv(DATA_ENV, str(elsewhere))
    assert fashion_mnist_dir() == elsewhere / "fashion-mnist"
    assert load_fashion_mnist("test", verify=False)[1].tolist() == [0, 1, 2]  # read at call time
    assert fashion_mnist_dir(BUNDLED) == BUNDLED  # root= wins over the variable
    assert load_fashion_mnist("test", root=BUNDLED)[0].shape == (10_000, 28, 28)
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match=r"nowhere/fashion-mnist \(from CONVMIXER_LAB_DATA\) does not exist; "
                                        r"pass root= .* set CONVMIXER_LAB_DATA .*download_fashion_mnist"):
        load_fashion_mnist("test")


def test_without_root_variable_or_bundled_data_the_error_names_all_three(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.setattr(data, "BUNDLED_DATA_DIR", tmp_path / "site-packages" / "data")  # an installed copy
    for call in (lambda: load_fashion_mnist("test"), lambda: download_fashion_mnist(),
                 lambda: data.fashion_mnist_tensors()):
        with pytest.raises(DataError) as info:
            call()
        message = str(info.value)
        assert message.startswith("no Fashion-MNIST folder: root= was not given, CONVMIXER_LAB_DATA is "
                                  "not set, and there is no bundled data/ folder beside the package")
        assert "download_fashion_mnist(root)" in message
    assert list(tmp_path.iterdir()) == []


def test_download_into_the_variables_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "course-data"))
    assert download_fashion_mnist(base_url=BUNDLED.as_uri()) == tmp_path / "course-data" / "fashion-mnist"
    assert load_fashion_mnist("test")[0].shape == (10_000, 28, 28)


# --- download repairs a copy damaged in any way ----------------------------------------------------


def test_a_gzip_bomb_is_refused_without_being_held_in_memory(tmp_path):
    """300 MB of zeros in a file of about 300 KB, written as a stream; reading it stops at the
    official size plus the margin, so memory stays small."""
    bomb = tmp_path / "t10k-labels-idx1-ubyte.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        block = bytes(1 << 20)
        for _ in range(300):
            f.write(block)
    assert bomb.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz decompresses to more than 75,544 "):
            read_idx(bomb, "labels")
        with pytest.raises(DataError, match="gzip bomb"):
            sha256_of(bomb, decompress=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20  # output is bounded per step (1 MiB) and in all (the file's limit)


# --- tests that notice small bugs (issue 19) -------------------------------------------------------

REAL_VAL_START = [10, 24, 54, 63, 76, 85]  # the first held-out indices of the fixed split


def test_the_validation_split_draws_at_random_within_each_class():
    """500 of each class, drawn at random within the class (not its first 500 images, not across
    classes), the same every time: a changed draw changes these indices."""
    labels = np.repeat(np.arange(3), 10)[np.random.default_rng(1).permutation(30)]
    train, val = train_val_split(labels, per_class=4, seed=7)
    assert np.bincount(labels[val]).tolist() == [4, 4, 4] and len(train) == 18
    assert np.intersect1d(train, val).size == 0 and list(val) == sorted(val)
    firsts = np.concatenate([np.flatnonzero(labels == c)[:4] for c in range(3)])
    assert set(val) != set(firsts)
    real = train_val_split(load_fashion_mnist("train", verify=False)[1])[1]
    assert real[:6].tolist() == REAL_VAL_START and len(real) == 5000


def test_the_label_range_check_takes_9_and_refuses_10(tmp_path):
    folder = fake_split(tmp_path / "ok", n_images=10, n_labels=10)  # labels 0..9
    assert load_fashion_mnist("test", root=folder, verify=False)[1].max() == 9
    folder = fake_split(tmp_path / "bad", n_images=3, n_labels=3)
    write_idx(folder / FILES[("test", "labels")], 2049, (3,), bytes([0, 10, 2]))
    with pytest.raises(DataError, match="holds label 10 at index 1, but Fashion-MNIST's classes are 0-9"):
        load_fashion_mnist("test", root=folder, verify=False)
