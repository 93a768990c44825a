"""Notebook 05's exercises and the package pieces it relies on: every checker refuses near misses with a
reason, the expected answers equal independent computations, ``train_one_epoch(after_step=...)``
records what an inline loop computes, and the stored notebook shows what the exercises and the prose
claim about it."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab.counting import conv_macs, count_parameters
from convmixer_lab.data import fashion_mnist_tensors
from convmixer_lab.exercises import exercise, nb05
from convmixer_lab.presets import MODELS, fashion_convmixer
from convmixer_lab.texts import set_language
from convmixer_lab.train import OneCycle, Settings, seed_everything, train_one_epoch

AGAIN = "Try again, or call .hint()."


def verdict(key: str, answer, capsys) -> tuple[bool, str]:
    ok = exercise(key).check(answer)
    return ok, capsys.readouterr().out


# --- the expected answers, computed independently -------------------------------------------------

@pytest.mark.parametrize("classes,smoothing", [(10, 0.1), (2, 0.2), (100, 0.05)])
def test_smoothing_floor_is_the_entropy_of_the_smoothed_target(classes, smoothing):
    q = np.full(classes, smoothing / classes)
    q[0] += 1 - smoothing
    assert nb05.smoothing_floor(classes, smoothing) == pytest.approx(-(q * np.log(q)).sum(), rel=1e-12)


def test_no_probabilities_beat_the_smoothing_floor():
    """Random predictions, and the target nudged either way, all cost more than the floor."""
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(500, 10, generator=g, dtype=torch.float64) * 3
    labels = torch.zeros(500, dtype=torch.long)
    losses = F.cross_entropy(logits, labels, label_smoothing=0.1, reduction="none")
    assert losses.min().item() > nb05.FLOOR
    assert nb05.FLOOR == pytest.approx(0.5003, abs=1e-4)


def test_shared_norm_weight_is_nine_nineteenths_for_momentum_0_1():
    assert nn.BatchNorm2d(1).momentum == 0.1
    assert nb05.WEIGHT == pytest.approx(9 / 19, abs=1e-6)  # r = 0.81 r + 0.09 a + 0.1 b (float32)


def test_shared_norm_weight_follows_the_momentum_of_a_real_batchnorm():
    """Feeding the 1st input's statistics, then the 2nd's, the running mean settles at 9/19 a + 10/19 b."""
    norm = nn.BatchNorm2d(3).train()
    a, b = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([3.0, 1.0, 0.5])
    with torch.no_grad():
        for _ in range(300):
            norm(a.view(1, 3, 1, 1).expand(2, 3, 2, 2))
            norm(b.view(1, 3, 1, 1).expand(2, 3, 2, 2))
    assert torch.allclose(norm.running_mean, nb05.WEIGHT * a + (1 - nb05.WEIGHT) * b, atol=1e-6)


def test_experiment_ratios_follow_the_grid_and_the_kernel():
    h, d, k, p = (MODELS["small"][key] for key in ("dim", "depth", "kernel_size", "patch_size"))

    def macs(k: int, p: int) -> int:
        g = 28 // p
        layer = conv_macs(h, h, k, g, g, groups=h) + conv_macs(h, h, 1, g, g)
        return conv_macs(1, h, p, g, g) + d * layer + h * 10

    assert nb05.MAC_RATIO_P2 == pytest.approx(macs(k, 2) / macs(k, p), rel=1e-12)
    assert nb05.MAC_RATIO_K7 == pytest.approx(macs(7, p) / macs(k, p), rel=1e-12)
    assert nb05.MAC_RATIO_P2 > 3 and 1 < nb05.MAC_RATIO_K7 < 2
    # option (b) of 05.4: p = 2 has FEWER parameters than the small preset, k = 7 more
    fewer, base, more = (count_parameters(fashion_convmixer("small", **c))
                         for c in (dict(patch_size=2), {}, dict(kernel_size=7)))
    assert fewer < base < more
    assert (nb05._params(patch_size=2), nb05._params()) == (fewer, base)


def test_kinds_and_keys():
    """Numbered in reading order: 05.1 in section 3, 05.2 in section 4, 05.3 in section 5, 05.4 and 05.5
    in section 7."""
    kinds = {key: exercise(key).kind for key in ("05.1", "05.2", "05.3", "05.4", "05.5")}
    assert kinds == {"05.1": "predict", "05.2": "why", "05.3": "predict", "05.4": "experiment", "05.5": "why"}
    assert [exercise(key).options for key in kinds] == ["", "abcd", "", "abcd", "abcd"]
    assert [exercise(key).answer for key in kinds] == [0.5, "d", 0.47, "b", "c"]


# --- near misses: each refused, each with its reason ----------------------------------------------

def test_floor_is_the_true_class_term_plus_the_other_terms():
    assert nb05.PLAIN_LOSS == pytest.approx(-math.log(0.91), rel=1e-12)
    assert nb05.TRUE_TERM == pytest.approx(-0.91 * math.log(0.91), rel=1e-12)
    assert nb05.OTHER_TERMS == pytest.approx(-9 * 0.01 * math.log(0.01), rel=1e-12)
    assert nb05.TRUE_TERM + nb05.OTHER_TERMS == pytest.approx(nb05.FLOOR, rel=1e-9)


@pytest.mark.parametrize("answer,reason", [
    (0, "0 is the floor WITHOUT label smoothing"),
    (0.0, "0 is the floor WITHOUT label smoothing"),
    (np.int64(0), "0 is the floor WITHOUT label smoothing"),  # judged by value, whatever the type
    (0.1, "the smoothing eps"),
    (0.1, "measured in nats (units of the natural logarithm ln)"),
    (Fraction(1, 10), "the smoothing eps"),
    (0.09, "-ln 0.91 = 0.094 is the plain cross-entropy"),  # -ln 0.91 to the 2 decimals the question allows
    (0.094, "-ln 0.91 = 0.094 is the plain cross-entropy"),
    (-math.log(0.91), "the loss against the smoothed target also has 9 terms"),
    (0.086, "0.086 is only the true class's term, 0.91 * ln(1/0.91); the 9 other classes' terms, "
            "0.01 * ln(1/0.01) each"),  # 0.91 * ln(1/0.91): the floor without the other classes
    (0.41, "0.414 is only the 9 other classes' terms"),  # 9 * 0.01 * ln(100): the floor less the true class
    (2.30, "ln 10 = 2.30 is the loss of a uniform guess"),
    (math.log(10), "loss of a uniform guess"),
    (torch.tensor(math.log(10)), "loss of a uniform guess"),
    (0.45, "too small: the loss is lowest when"),
    (0.55, "too large: the loss is lowest when"),
    (0.62, "too large"),  # the loss at 0.99 on the true class, printed in the same cell
    (Decimal("0.62"), "too large"),
    ("0.5", "expected a number, got str"),
    ([0.5], "expected a number, got list"),
    (np.array([0.5]), "expected a number, got ndarray"),
    (float("nan"), "expected a number, got NaN (not a number)"),
    (True, "expected a number, got bool"),
])
def test_05_1_refuses_near_misses_with_a_reason(answer, reason, capsys):
    ok, out = verdict("05.1", answer, capsys)
    assert not ok and "not quite" in out and reason in out and out.count("\n") == 1


@pytest.mark.parametrize("answer", [0.5, 0.50, 0.48, 0.52, round(nb05.FLOOR, 3), np.float64(0.5),
                                    np.float32(0.5), torch.tensor(0.5), np.array(0.5), Fraction(1, 2),
                                    Decimal("0.50")])
def test_05_1_accepts_the_floor_to_two_decimals(answer, capsys):
    assert verdict("05.1", answer, capsys)[0]


@pytest.mark.parametrize("answer,reason", [
    (0.5, "close, but not half each"),  # the naive guess: the hint and the solution say why it is not
    (0.50, "Which input is written last"),
    (Fraction(1, 2), "close, but not half each"),
    (0.45, "too small: write the stored value"),
    (0.46, "too small"),
    (0.49, "too large: write the stored value"),
    (np.float32(0.49), "too large"),
    (0.1, "0.1 is the momentum"),
    (0.9, "0.9 is what each update keeps"),
    (10 / 19, "that is the 2nd input's weight"),
    (0.53, "that is the 2nd input's weight"),
    (torch.tensor(0.53), "that is the 2nd input's weight"),
    (0.0, "remembers many calls back"),
    (1, "remembers many calls back"),
    (-0.5, "remembers many calls back"),  # outside 0..1 altogether
    (5, "remembers many calls back"),
    (0.3, "too small"),
    (0.7, "too large"),
    ("0.47", "expected a number, got str"),
    (True, "expected a number, got bool"),
    ((0.47, 0.53), "expected a number, got tuple"),
    (float("nan"), "NaN (not a number)"),
])
def test_05_3_refuses_near_misses_with_a_reason(answer, reason, capsys):
    ok, out = verdict("05.3", answer, capsys)
    assert not ok and "not quite" in out and reason in out and out.count("\n") == 1


@pytest.mark.parametrize("answer", [9 / 19, 0.47, 0.48, 0.474, Fraction(9, 19), Decimal("0.47"),
                                    np.float32(0.47), torch.tensor(9 / 19), np.float64(0.48)])
def test_05_3_accepts_nine_nineteenths_to_two_decimals(answer, capsys):
    assert verdict("05.3", answer, capsys)[0]
    assert nb05.WEIGHT_TOLERANCE < abs(0.5 - nb05.WEIGHT)  # "half each" stays outside


def test_predictions_are_revealed_with_the_measurement_and_the_reason(capsys):
    ex = exercise("05.3")
    ex.predict(0.5)
    assert not ex.reveal(0.48)
    out = capsys.readouterr().out
    assert "you predicted 0.5, the cell measured 0.48" in out and "close, but not half each" in out
    ex.predict(np.float64(0.47))
    assert ex.reveal(0.48)
    ex.predict(...)
    assert not ex.reveal(0.48) and "not made a prediction yet" in capsys.readouterr().out


@pytest.mark.parametrize("key", ["05.2", "05.4", "05.5"])
def test_choice_exercises_refuse_each_wrong_letter_with_its_own_reason(key, capsys):
    ex = exercise(key)
    assert ex.options == "abcd"
    reasons = set()
    for letter in ex.options.replace(ex.answer, ""):
        reason = ex.text(f"wrong.{letter}")
        for spelled in (letter, letter.upper(), f"({letter})", f" {letter} "):
            ok, out = verdict(key, spelled, capsys)
            assert not ok and reason in out
        reasons.add(reason)
    assert len(reasons) == 3  # three different explanations
    for not_a_letter in ("e", "bc", "", 3, [ex.answer], {ex.answer: 1}, (ex.answer,)):
        ok, out = verdict(key, not_a_letter, capsys)
        assert not ok and out == f"Exercise {key}: not quite - choose one of a, b, c, d. {AGAIN}\n"
    assert verdict(key, f"({ex.answer.upper()})", capsys)[0]


HEDGES = ("may", "likely", "probably", "roughly", "at least", "slightly", "within a little", "about")


def hedged(text: str) -> bool:
    return any(f" {word} " in f" {text.lower()} " for word in HEDGES)


def test_choice_options_do_not_give_the_answer_away():
    """Lengths balanced (the right option never the longest), the right option at a different letter in
    each question, and in 05.4 and 05.5 the hedges spread over right and wrong options: some wrong options
    carry one and some do not, the right one does in 05.4 and does not in 05.5 (a test-wise student can
    pick neither the most careful nor the only plain option). 05.5's question presumes no answer."""
    keys = ("05.2", "05.4", "05.5")
    for key in keys:
        ex = exercise(key)
        lengths = {letter: len(ex.text(f"option.{letter}")) for letter in ex.options}
        assert max(lengths.values()) <= 1.12 * min(lengths.values()), (key, lengths)
        assert lengths[ex.answer] < max(lengths.values()) or len(set(lengths.values())) == 1, (key, lengths)
    assert len({exercise(key).answer for key in keys}) == len(keys)
    for key in ("05.4", "05.5"):
        ex = exercise(key)
        wrong = [hedged(ex.text(f"option.{letter}")) for letter in ex.options if letter != ex.answer]
        assert any(wrong) and not all(wrong), (key, wrong)
    assert hedged(exercise("05.4").text("option.b")) and not hedged(exercise("05.5").text("option.c"))
    assert "wrong" not in exercise("05.5").text("question").lower()


def test_05_5_is_a_new_case():
    """05.5 asks about picking the epoch by watching the test set, a case section 4 does not spell out."""
    ex = exercise("05.5")
    assert "scores the TEST set after every epoch" in ex.text("question")
    assert "pick the epoch" in ex.text("option.c")
    assert ex.answer == "c"


def test_texts_show_the_numbers_the_package_computes(capsys):
    """Every number in a text comes from the package: the floor, the weight, the presets' counts."""
    for key in ("05.1", "05.3", "05.4"):
        exercise(key).solution()
    out = capsys.readouterr().out
    assert f"= {nb05.FLOOR:.3f}. A model that puts more than 0.91" in out
    assert f"w = 9/19 = {nb05.WEIGHT:.3f}." in out
    assert (f"p=2 has fewer parameters ({nb05._params(patch_size=2):,} vs {nb05._params():,}), since only "
            f"the stem's p x p filters shrink, but every mixer layer works at 196 patches instead of 49, so "
            f"{nb05.MAC_RATIO_P2:.1f}x the MACs, and it scored lowest. k=7 grows only the depthwise part "
            f"({nb05.MAC_RATIO_K7:.1f}x in all, not the {49 / 9:.1f}x that 49 weights per kernel instead of 9 "
            "suggest)") in out


def test_chinese_verdicts_keep_the_numbers(capsys):
    set_language("zh")
    try:
        exercise("05.1").question()
        ok, out = verdict("05.1", 0.086, capsys)
        ok_choice, out_choice = verdict("05.4", "a", capsys)
    finally:
        set_language("en")
    assert not ok and not ok_choice
    assert out == ("练习 05.1：先预测，再运行。fit 训练时使用 0.1 的标签平滑，共有 10 个类别。"
                   "一张图像的目标在它自己的类别上是 0.91，在其他每个类别上是 0.01。"
                   "无论权重取什么值，模型能达到的训练损失最低是多少？预测一个数（保留 2 位小数就够了）。\n"
                   "练习 05.1：还不对——0.086 只是正确类别的那一项 0.91 * ln(1/0.91)；"
                   "其余 9 个类别各有一项 0.01 * ln(1/0.01)，剩下的部分由它们加起来。"
                   "再试一次，或者调用 .hint() 看提示。\n")
    assert out_choice == ("练习 05.4：还不对——看乘加次数那一列：p=2 的乘加次数是 3.8 倍（与 p=4 相比）。"
                          "变小的只是起始层的 p x p 滤波器；每个 ConvMixer 层现在要在 196 个图像块上计算，"
                          "而不是 49 个，而乘加次数计的正是每个图像块上的计算。"
                          "再试一次，或者调用 .hint() 看提示。\n")


# --- train_one_epoch(after_step=...): the package side of the notebook's inline epoch ---------------

@pytest.fixture(scope="module")
def subset():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    data = fashion_mnist_tensors(subset=600)
    yield data["train"]
    torch.set_num_threads(before)


def fresh(seed: int = 0):
    seed_everything(seed)
    model = fashion_convmixer("small", dim=16, depth=2)
    generator = seed_everything(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.05)
    return model, generator, optimizer, OneCycle(optimizer, total_steps=5)


def test_step_losses_are_the_losses_of_an_inline_loop(subset):
    """The notebook's claim: the loop written by hand and train_one_epoch give the same losses, step by
    step, and the same weights afterwards."""
    x, y = subset
    model, generator, optimizer, scheduler = fresh()
    inline = []
    model.train()
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(x), 128):
        batch = order[start:start + 128]
        loss = F.cross_entropy(model(x[batch]), y[batch], label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        inline.append(loss.item())
    package, generator, optimizer, scheduler = fresh()
    recorded = []
    stats = train_one_epoch(package, optimizer, x, y, Settings(batch_size=128), generator=generator,
                            scheduler=scheduler, after_step=lambda loss: recorded.append(loss.item()))
    assert recorded == inline and len(recorded) == stats["steps"] == 5
    for a, b in zip(model.state_dict().values(), package.state_dict().values()):
        assert torch.equal(a, b)
    sizes = [128] * 4 + [len(x) - 512]
    assert stats["loss"] == pytest.approx(sum(v * n for v, n in zip(recorded, sizes)) / len(x), rel=1e-6)


def test_recording_the_losses_changes_nothing_else(subset):
    x, y = subset
    results = []
    for record in (None, lambda loss: [].append(loss.item())):
        model, generator, optimizer, scheduler = fresh(seed=3)
        stats = train_one_epoch(model, optimizer, x, y, Settings(batch_size=128), generator=generator,
                                scheduler=scheduler, after_step=record)
        results.append((stats, [t.clone() for t in model.state_dict().values()]))
    (stats_a, weights_a), (stats_b, weights_b) = results
    assert stats_a == stats_b and all(torch.equal(a, b) for a, b in zip(weights_a, weights_b))


def test_after_step_ends_the_epoch_early_when_it_says_so(subset):
    x, y = subset
    model, generator, optimizer, scheduler = fresh()
    recorded = []

    def record(loss):
        recorded.append(loss.item())
        return len(recorded) == 2

    stats = train_one_epoch(model, optimizer, x, y, Settings(batch_size=128), generator=generator,
                            scheduler=scheduler, after_step=record)
    assert stats["steps"] == len(recorded) == 2
