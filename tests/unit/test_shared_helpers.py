"""The helpers every module shares: argument checks, atomic writes, presets, the validation split."""

from __future__ import annotations

import os

import numpy as np
import pytest

from convmixer_lab.checks import check_choice, check_int, check_number, check_positive_int
from convmixer_lab.counting import convmixer_params, count_parameters
from convmixer_lab.data import load_fashion_mnist, train_val_split
from convmixer_lab.files import atomic_write
from convmixer_lab.presets import MODELS, fashion_convmixer, model_config, recipe


@pytest.mark.parametrize("call, error, message", [
    (lambda: check_positive_int("dim", 0), ValueError, "dim must be a positive int (>= 1), got 0"),
    (lambda: check_positive_int("dim", True), TypeError, "dim must be a positive int (>= 1), got bool True"),
    (lambda: check_positive_int("dim", 2.0), TypeError, "dim must be a positive int (>= 1), got float 2.0"),
    (lambda: check_int("depth", -1, minimum=0), ValueError, "depth must be an int >= 0, got -1"),
    (lambda: check_int("seed", 2**40, minimum=0, maximum=2**32 - 1), ValueError, "seed must be at most"),
    (lambda: check_int("dim", 10**400, maximum=9), ValueError,
     "dim must be at most 9, got 1" + "0" * 56 + "..."),
    (lambda: check_number("lr", float("nan")), ValueError, "lr must be a finite number, got nan"),
    (lambda: check_number("lr", float("inf"), minimum=0), ValueError, "lr must be a finite number"),
    (lambda: check_number("lr", 10**400), ValueError, "lr must be a finite number, got 1000000000"),
    (lambda: check_number("lr", 0, minimum=0, strict=True), ValueError, "lr must be > 0, got 0"),
    (lambda: check_number("lr", "0.1"), TypeError, "lr must be a number, got str '0.1'"),
    (lambda: check_choice("block", "Paper", ("paper", "tutorial")), ValueError,
     "block must be one of 'paper', 'tutorial', got 'Paper'"),
])
def test_checks_name_the_argument(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_checks_return_plain_values():
    assert check_positive_int("dim", np.int64(3)) == 3 and type(check_positive_int("dim", np.int64(3))) is int
    assert check_number("lr", 1) == 1.0 and check_number("lr", np.float32(0.5)) == 0.5


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "a.bin"
    atomic_write(target, b"old")

    def broken(f):
        f.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_atomic_write_keeps_the_mode_respects_the_umask_and_follows_symlinks(tmp_path):
    private = tmp_path / "private.pt"
    private.write_bytes(b"old")
    private.chmod(0o600)
    atomic_write(private, b"new")
    assert (private.stat().st_mode & 0o7777, private.read_bytes()) == (0o600, b"new")
    previous = os.umask(0o077)
    try:
        atomic_write(tmp_path / "new.pt", b"x")
        os.umask(0o002)
        atomic_write(tmp_path / "shared.pt", b"x")
    finally:
        os.umask(previous)
    assert (tmp_path / "new.pt").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "shared.pt").stat().st_mode & 0o777 == 0o664
    atomic_write(tmp_path / "explicit.pt", b"x", mode=0o640)
    assert (tmp_path / "explicit.pt").stat().st_mode & 0o777 == 0o640
    (tmp_path / "real").mkdir()
    (tmp_path / "link.pt").symlink_to(tmp_path / "real" / "target.pt")  # dangling until written
    assert atomic_write(tmp_path / "link.pt", b"through the link") == tmp_path / "real" / "target.pt"
    atomic_write(tmp_path / "link.pt", b"again")
    assert (tmp_path / "link.pt").is_symlink() and (tmp_path / "real" / "target.pt").read_bytes() == b"again"
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["target.pt"]


def test_presets_split_model_and_recipe():
    assert model_config("small") == dict(dim=64, depth=4, kernel_size=3, patch_size=4, in_channels=1,
                                         num_classes=10, block="paper")
    assert recipe("small") == dict(epochs=3, batch_size=128, lr=0.01, augment=False)
    assert count_parameters(fashion_convmixer("small")) == 22_090
    assert count_parameters(fashion_convmixer("reference")) == 641_290
    tutorial = fashion_convmixer("small", patch_size=2, block="tutorial")
    assert tutorial.config["patch_size"] == 2 and tutorial.config["block"] == "tutorial"
    assert count_parameters(tutorial) == convmixer_params(**{**MODELS["small"], "patch_size": 2},
                                                          num_classes=10, in_channels=1, block="tutorial")
    with pytest.raises(TypeError, match="unknown model argument"):
        fashion_convmixer("small", lr=0.1)
    with pytest.raises(ValueError, match="preset must be one of 'small', 'reference', got 'huge'"):
        fashion_convmixer("huge")


def test_validation_split_is_fixed_balanced_and_disjoint():
    _, labels = load_fashion_mnist("train")
    train, val = train_val_split(labels)
    again_train, again_val = train_val_split(labels)
    assert np.array_equal(val, again_val) and np.array_equal(train, again_train)
    assert len(val) == 5_000 and len(train) == 55_000
    assert np.bincount(labels[val]).tolist() == [500] * 10
    assert np.intersect1d(train, val).size == 0 and np.all(np.diff(train) > 0)
    with pytest.raises(ValueError, match="per_class=6000 would hold out every image"):
        train_val_split(labels, per_class=6000)
