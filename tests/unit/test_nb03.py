"""Notebooks 03 and 04: every checker refuses near-miss answers WITH a reason, the expected answers
agree with real modules, the build-the-model check names what differs, and the notebooks have the
shape the course asks for (exercise kinds, blank student bodies, "Check your understanding")."""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn as nn

from convmixer_lab.counting import conv_macs, count_parameters
from convmixer_lab.exercises import EXERCISES, exercise, nb03
from convmixer_lab.texts import set_language
from tests.helpers import accepted, refused_with

# --- 03: expected answers match real modules; near misses refused with a reason ----------------

def test_03_expected_answers_agree_with_real_modules():
    assert nb03.GROUPED_PARAMS == count_parameters(nn.Conv2d(256, 512, 3, groups=4, bias=False)) == 294_912
    for stride in (1, 2, 4):  # MACs per weight = output positions, measured on a real layer
        out = nn.Conv2d(256, 512, 3, stride=stride, padding=1, bias=False)(torch.zeros(1, 256, 16, 16))
        assert nb03.macs_per_weight(stride) == out.shape[2] * out.shape[3]
    assert EXERCISES["03.2"].answer == 36  # stride 3: a 6 x 6 output
    dw, pw = conv_macs(768, 768, 7, 32, 32, groups=768), conv_macs(768, 768, 1, 32, 32)
    assert nb03.DEPTHWISE_MAC_SHARE == round(100 * dw / (dw + pw), 1) == 6.0


@pytest.mark.parametrize("key,answer,reason", [
    ("03.1", 1_179_648, "that is groups=1"),         # ignores groups
    ("03.1", 1_179_648 / 16, "divided by groups twice"),
    ("03.1", 2_304, "depthwise convolution's count"),
    ("03.1", 294_913, "too large"),
    ("03.1", np.int64(1_179_648), "that is groups=1"),  # judged by value, whatever the number's type
    ("03.1", "294912", "expected a number, got str"),
    ("03.1", float("nan"), "expected a number, got NaN"),
    ("03.2", 256, "that is stride 1"),                # ran the cell without changing the stride
    ("03.2", 64, "that is stride 2"),
    ("03.2", 16, "that is stride 4"),
    ("03.2", 25, "without padding"),                  # (16 - 3) // 3 + 1 = 5
    ("03.2", 28.44, "not 16 / 3"),                    # 256 / 9
    ("03.2", 6, "that is the output's side"),
    ("03.2", torch.tensor(6), "that is the output's side"),
    ("03.2", 37, "too large"),
    ("03.2", np.float32("nan"), "expected a number, got NaN"),
    ("03.2", [36], "expected a number, got list"),
    ("03.3", 50, "do not cost the same"),
    ("03.3", 94.0, "the pointwise half's share"),
    ("03.3", 12.5, "too large"),
    ("03.3", 5.4, "too small"),
    ("03.3", 0.06, "give a percentage, not a fraction"),
    ("03.3", Fraction(6, 100), "give a percentage, not a fraction"),
    ("03.3", 0.94, "give a percentage, not a fraction"),
    ("03.3", True, "expected a number, got bool"),
])
def test_03_near_misses_are_refused_with_a_reason(key, answer, reason, capsys):
    assert reason in refused_with(key, answer, capsys)


@pytest.mark.parametrize("key,answer", [
    ("03.1", 294_912), ("03.1", 294_912.0), ("03.1", np.int64(294_912)), ("03.1", torch.tensor(294_912)),
    ("03.2", 36.0), ("03.2", 36), ("03.2", np.float32(36)), ("03.2", Fraction(36)), ("03.2", Decimal("36")),
    ("03.3", 6.0), ("03.3", 6.4), ("03.3", 5.6), ("03.3", np.float64(6.0)), ("03.3", Decimal("6.0")),
])
def test_03_right_answers_are_accepted(key, answer, capsys):
    accepted(key, answer, capsys)


def test_03_every_wrong_answer_s_reason_is_the_right_one_in_both_languages(capsys):
    """The English and Chinese reasons of one near miss (the texts by id, their numbers as fields)."""
    assert "that is groups=1 (a standard convolution)" in refused_with("03.1", 1_179_648, capsys)
    set_language("zh")
    try:
        assert exercise("03.1").check(1_179_648) is False
        exercise("03.1").solution()
        assert capsys.readouterr().out == (
            "练习 03.1：还不对——这是 groups=1（标准卷积）的参数量；groups=4 时，每个卷积核只看得到本组的 "
            "c_in / groups = 64 个通道。再试一次，或者调用 .hint() 看提示。\n"
            "练习 03.1 的解答：3 * 3 * (256 / 4) * 512 = 294,912：是标准卷积 1,179,648 的四分之一。"
            "groups=1 就是标准卷积，groups=c_in 就是深度卷积。\n")
    finally:
        set_language("en")


@pytest.mark.parametrize("key", ["03.4", "03.5"])
def test_03_choice_questions_explain_every_wrong_letter(key, capsys):
    ex = exercise(key)
    assert (ex.kind, ex.options) == ({"03.4": "why", "03.5": "experiment"}[key], "abcd")
    for letter in ex.options.replace(ex.answer, ""):
        assert ex.text(f"wrong.{letter}") in refused_with(key, letter, capsys)
    assert "choose one of a, b, c, d" in refused_with(key, "e", capsys)
    assert "choose one of a, b, c, d" in refused_with(key, ["d"], capsys)  # a list gets one line
    assert "choose one of a, b, c, d" in refused_with(key, {"a": 1}, capsys)
    accepted(key, f" ({ex.answer.upper()})", capsys)


@pytest.mark.parametrize("key", ["03.4", "03.5"])
def test_03_choice_options_do_not_give_the_answer_away_by_length(key):
    """The right option is neither much longer than the wrong ones nor the only one with an explanation
    (the explanation goes into the solution)."""
    ex = exercise(key)
    right = len(ex.text(f"option.{ex.answer}"))
    wrong = [len(ex.text(f"option.{letter}")) for letter in ex.options if letter != ex.answer]
    assert 0.8 * min(wrong) <= right <= 1.1 * max(wrong), (key, right, wrong)
    assert "(" not in ex.text(f"option.{ex.answer}")  # no parenthesised explanation in the right option


def test_03_choice_answers_differ():
    assert (exercise("03.4").answer, exercise("03.5").answer) == ("c", "a")


def test_03_5_answer_is_what_the_intensities_show(capsys):
    """(a): batch 8 -> 64 raises the standard convolution's intensity a lot, the pointwise one's a little,
    not the depthwise one's; every option names all three layers."""
    assert nb03.intensity(64) > 1.5 * nb03.intensity(8)
    pw8, pw64 = nb03.intensity(8, k=1), nb03.intensity(64, k=1)
    assert (round(pw8, 1), round(pw64, 1)) == (39.4, 42.2)
    dw8, dw64 = nb03.intensity(8, groups=256, c_out=256), nb03.intensity(64, groups=256, c_out=256)
    assert abs(dw64 - dw8) < 0.01 and round(dw64, 1) == 1.1
    assert EXERCISES["03.5"].answer == "a" and EXERCISES["03.5"].kind == "experiment"
    ex = exercise("03.5")
    assert all(all(w in ex.text(f"option.{o}").lower() for w in ("standard", "pointwise", "depthwise"))
               for o in ex.options)
    assert [ex.text(f"option.{o}")[:40] for o in "ad"] == [  # every option graded alike, the numbers counted
        "Standard: about +60%; pointwise: about +", "Standard: about +700%; pointwise: about "]
    assert ex.text("option.a").endswith("pointwise: about +7%; depthwise: about +0%.")
    ex.solution()
    assert (f"from {nb03.intensity(8):.0f} to {nb03.intensity(64):.0f} MACs/byte and the pointwise one from "
            f"39.4 to 42.2; the depthwise one stays at {dw64:.1f}") in capsys.readouterr().out


_LEFT, _RIGHT = "left of the memory knee (2.5 MACs/byte); ", "right of the memory knee (2.5 MACs/byte); "
_PEAK = "more than 10% above the matrix product's rate: the peak, and so every knee, was estimated low"
_ROOF = ("above its memory roof: its bytes came faster than the 128 MiB copy moved bytes (from the "
         "caches, or the copy underrates main memory)")
_UNDER = "under its memory roof, as the roofline expects"


@pytest.mark.parametrize("intensity,rate,expected", [
    (1.1, 22.1, _LEFT + _PEAK + "; " + _ROOF),  # every rule it meets, not only the first
    (1.1, 21.0, _LEFT + _ROOF),                 # above the peak by at most 10%, above its sloped roof
    (1.1, 9.0, _LEFT + _ROOF),
    (6.1, 22.1, _RIGHT + _PEAK),
    (6.1, 22.0, _RIGHT + "above the matrix product's rate by at most 10%: at its roof (the 10% allows "
                         "for a peak estimated a little low)"),
    (6.1, 4.9, _RIGHT + "under a quarter of its memory roof: something the roofline leaves out holds "
                        "it back, or a busy machine does (rerun the timing cell)"),
    (6.1, 5.0, _RIGHT + _UNDER),
    (6.1, 20.0, _RIGHT + _UNDER),
    (2.0, 16.0, _LEFT + _UNDER),
])
def test_03_roof_reading_applies_the_notebook_s_rules(intensity, rate, expected):
    """Memory roof min(intensity x 8 GB/s, 20 GMAC/s): its knee at 2.5 MACs/byte; a quarter of a flat
    roof is 5.0, so 4.9 is far below it and 5.0 is not; 10% above the peak is 22.0."""
    assert nb03.roof_reading(intensity, rate, 8.0, 20.0) == expected
    set_language("zh")
    try:
        assert nb03.roof_reading(6.1, 5.0, 8.0, 20.0) == ("在主存拐点（每字节 2.5 次乘加）右边；"
                                                          "在主存屋顶之下，与屋顶线的预期相符")
        assert nb03.roof_reading(1.1, 22.1, 8.0, 20.0) == (
            "在主存拐点（每字节 2.5 次乘加）左边；比矩阵乘法的速度高出 10% 以上：峰值估低了，"
            "每个拐点也随之估低了；"
            "高于主存屋顶：它取得字节的速度比 128 MiB 复制快（来自缓存，或者复制低估了主存的带宽）")
    finally:
        set_language("en")


def test_03_roof_reading_refuses_what_is_not_a_measurement():
    with pytest.raises(ValueError, match="intensity, rate, bandwidth and peak must be positive"):
        nb03.roof_reading(1.1, 0.0, 8.0, 20.0)
