"""The explorers of notebooks 01 and 02, driven without a browser: move a slider, read the widget."""

import re
import unicodedata

import matplotlib.pyplot as plt
import pytest
import torch.nn as nn

from convmixer_lab import widgets as w
from convmixer_lab.texts import set_language

REFUSED = "<div style='color: #c44e52; font-weight: bold'>{}</div>"  # a refusal, shown once


def grid_lines(explorer: w.PatchSizeExplorer) -> tuple[int, int]:
    """(vertical, horizontal) grid lines drawn on the explorer's figure."""
    ax = explorer.figure.axes[0]
    vertical, horizontal = (len(c.get_segments()) for c in ax.collections[:2])
    return vertical, horizontal


# --- notebook 01: patch size explorer ---------------------------------------------------------

def test_patch_explorer_default_is_the_tutorial_setting():
    e = w.patch_size_explorer()
    assert repr(e) == "PatchSizeExplorer(dim=768, patch_size=7, image_size=224)"
    assert "32 x 32 = 1,024" in e.text and "[1, 768, 32, 32]" in e.text
    assert "3 x 7 x 7 = 147" in e.text and e.message.value == ""
    assert grid_lines(e) == (33, 33)
    assert bytes(e.image.value).startswith(b"\x89PNG")
    assert not plt.get_fignums(), "the explorer must not draw through pyplot (it would be displayed)"


def test_patch_slider_updates_label_counts_and_figure():
    e = w.patch_size_explorer()
    before_png, before_html = e.image.value, e.summary.value
    e.patch_slider.value = 14
    assert "224 // 14 = 16" in e.text and "16 x 16 = 256" in e.text
    assert "[1, 768, 16, 16]" in e.text
    assert e.summary.value != before_html and "16 x 16 = 256" in e.summary.value
    assert e.image.value != before_png and grid_lines(e) == (17, 17)
    assert e.figure.axes[0].get_title().endswith("16x16 grid of patches")


def test_dim_and_image_size_sliders():
    e = w.patch_size_explorer()
    e.dim_slider.value = 1536
    assert "[1, 1536, 32, 32]" in e.text and "stem parameters:    230,400" in e.text
    e.image_slider.value = 28
    e.patch_slider.value = 4
    assert "28 // 4 = 7" in e.text and grid_lines(e) == (8, 8)


def test_non_multiple_patch_size_is_explained_and_shaded():
    e = w.patch_size_explorer()
    e.patch_slider.value = 9
    assert "224 is not a multiple of 9" in e.message.value and "last 8 pixel" in e.message.value
    assert "24 x 24 = 576" in e.text
    assert len(e.figure.axes[0].patches) == 2  # the ignored strips, right and bottom


def test_patch_larger_than_image_is_refused_in_the_widget():
    e = w.patch_size_explorer()
    e.image_slider.value = 28
    png = e.image.value
    e.patch_slider.value = 40  # must not raise
    assert e.text == ("refused: patch_size=40 is larger than the 28-pixel image: the stem needs at least "
                      "one whole patch; choose patch_size <= 28")
    assert e.message.value == REFUSED.format(e.text.replace("<", "&lt;"))
    assert e.summary.value == "" and e.image.value == png  # said once; the old figure stays
    e.patch_slider.value = 28  # back to a valid setting: message gone, numbers back
    assert e.message.value == "" and "1 x 1 = 1" in e.text


# --- notebook 02: convolution parameter explorer ------------------------------------------------

def test_conv_explorer_default_is_the_tutorial_example():
    e = w.conv_param_explorer()
    assert repr(e) == "ConvParamExplorer(c_in=256, c_out=512, k=3, groups=1)"
    assert "= 1,179,648" in e.text and "133,376 = 11.3% of standard" in e.text
    bars = e.figure.axes[0].containers[0]
    assert [b.get_height() for b in bars] == [1_179_648, 2_304, 131_072, 133_376, 1_179_648]
    assert not plt.get_fignums()


def test_kernel_slider_updates_counts_and_figure():
    e = w.conv_param_explorer()
    png, html = e.image.value, e.summary.value
    e.kernel_slider.value = 9
    assert "9*9*256*512 = 10,616,832" in e.text and "9*9*256 = 20,736" in e.text
    assert e.summary.value != html and e.image.value != png
    assert e.figure.axes[0].containers[0][0].get_height() == 10_616_832


def test_channel_sliders_update_counts_and_figure():
    e = w.conv_param_explorer()
    png = e.image.value
    e.c_in_slider.value = 128
    assert "3*3*128*512 = 589,824" in e.text and "3*3*128 = 1,152" in e.text
    assert "128*512 = 65,536" in e.text and e.image.value != png
    assert e.figure.axes[0].get_title() == "3x3 convolution, 128 -> 512 channels (log scale)"
    png = e.image.value
    e.c_out_slider.value = 128
    assert "3*3*128*128 = 147,456" in e.text and "128*128 = 16,384" in e.text
    assert e.image.value != png
    heights = [b.get_height() for b in e.figure.axes[0].containers[0]]
    assert heights == [147_456, 1_152, 16_384, 17_536, 147_456]


def test_groups_that_do_not_divide_are_refused_in_the_widget():
    e = w.conv_param_explorer()
    png = e.image.value
    e.groups_slider.value = 3  # must not raise
    assert e.text == ("refused: groups=3 must divide both c_in=256 and c_out=512 (PyTorch refuses it too); "
                      "choose one of 1, 2, 4, 8, 16, 32, 64, 128, ...")
    assert e.message.value == REFUSED.format(e.text) and e.summary.value == "" and e.image.value == png
    with pytest.raises(ValueError):
        nn.Conv2d(256, 512, 3, groups=3)  # PyTorch refuses it as well
    e.groups_slider.value = 256  # depthwise-like grouping: valid again
    assert e.message.value == "" and "3*3*(256/256)*512 = 4,608" in e.text


def receptive_square(explorer: w.ReceptiveFieldExplorer) -> tuple[float, float]:
    """(width, height) in pixels of the yellow receptive-field square on the explorer's figure."""
    square = next(p for p in explorer.figure.axes[0].patches if p.get_label() == "receptive field")
    return square.get_width(), square.get_height()


def test_receptive_field_explorer_default_and_sliders():
    e = w.receptive_field_explorer()
    assert repr(e) == "ReceptiveFieldExplorer(depth=1, kernel_size=9, position=centre, patch_size=7)"
    assert "1 + 1 * (9 - 1) = 9 patches = 63 pixels wide" in e.text
    assert ("centre patch (row 16, col 16) sees rows 12-20, columns 12-20: 81 of 1,024 patches (7.9%)"
            in e.text)
    assert "the centre patch sees it from d = 4 on, the corner patch from d = 8 on" in e.text
    assert receptive_square(e) == (63, 63)
    png, html = e.image.value, e.summary.value
    e.depth_slider.value = 2
    assert "= 17 patches = 119 pixels wide" in e.text and e.summary.value != html
    assert e.image.value != png and receptive_square(e) == (119, 119)
    e.kernel_slider.value = 3
    assert "1 + 2 * (3 - 1) = 5 patches = 35 pixels wide" in e.text and receptive_square(e) == (35, 35)
    assert "the centre patch sees it from d = 16 on, the corner patch from d = 31 on" in e.text
    assert not plt.get_fignums()


def test_receptive_field_explorer_corner_patch():
    e = w.receptive_field_explorer(depth=4)
    png = e.image.value
    e.position_buttons.value = "corner"
    assert "corner patch (row 0, col 0) sees rows 0-16, columns 0-16: 289 of 1,024 patches (28.2%)" in e.text
    assert e.image.value != png and receptive_square(e) == (119, 119)  # clipped at the top-left corner
    assert e.figure.axes[0].get_title() == "corner patch after d = 4: depends on\n289 of 1,024 patches"
    outline = next(p for p in e.figure.axes[0].patches if p.get_label() == "the patch")
    assert (outline.get_x(), outline.get_y()) == (0, 0)
    e.depth_slider.value = 8
    assert "1,024 of 1,024 patches (100.0%)" in e.text and receptive_square(e) == (224, 224)
    e.depth_slider.value = 7
    assert "841 of 1,024 patches" in e.text
    e.position_buttons.value = "centre"
    assert "centre patch (row 16, col 16)" in e.text and "1,024 of 1,024" in e.text


def test_receptive_field_explorer_clips_to_the_image():
    e = w.receptive_field_explorer(depth=4)
    assert "= 33 patches = 231 pixels wide" in e.text and "1,024 of 1,024 patches (100.0%)" in e.text
    assert receptive_square(e) == (224, 224)  # 33 patches around patch 16 of 32: clipped to the photo
    e.depth_slider.value = 0
    assert "= 1 patch = 7 pixels" in e.text and receptive_square(e) == (7, 7)


def test_receptive_field_explorer_kernel_one_never_grows():
    e = w.receptive_field_explorer(depth=8, kernel_size=1)
    assert "with k = 1 the field never grows" in e.text and receptive_square(e) == (7, 7)


def test_receptive_field_explorer_refuses_even_kernels_and_bad_arguments():
    e = w.receptive_field_explorer()
    png = e.image.value
    e.kernel_slider.value = 4  # the slider steps by 2, but code can still set it: refused, not raised
    assert e.text == ("refused: kernel_size must be odd (ConvMixer's kernels are), got 4; the slider offers "
                      "1, 3, ..., 15")
    assert e.message.value == REFUSED.format(e.text.replace("'", "&#x27;")) and e.summary.value == ""
    assert e.image.value == png
    e.kernel_slider.value = 5
    assert e.message.value == "" and "1 + 1 * (5 - 1) = 5 patches" in e.text
    with pytest.raises(ValueError, match="patch_size must be at most 56"):
        w.receptive_field_explorer(patch_size=100)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        w.receptive_field_explorer(kernel_size=4)
    with pytest.raises(ValueError, match="position must be one of 'centre', 'corner', got 'edge'"):
        w.receptive_field_explorer(position="edge")


# --- the explorers in Chinese (the Chinese twins select set_language("zh")) -----------------------

# The numbers a text prints, in order (the twins check compares them between the editions). A comma
# belongs to a number only between digit groups: English "row 16, col" and Chinese "第 16 行，" both print 16.
NUMBER = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?", re.IGNORECASE)


@pytest.fixture
def chinese():
    set_language("zh")
    yield
    set_language("en")


def columns(text: str) -> int:
    """Monospace columns of ``text``: a Chinese (wide or fullwidth) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def english_text(build, **sliders) -> str:
    """The text of the same explorer at the same setting, in English."""
    set_language("en")
    try:
        e = build()
        for name, value in sliders.items():
            getattr(e, name).value = value
        return e.text
    finally:
        set_language("zh")


def test_patch_explorer_in_chinese(chinese):
    e = w.patch_size_explorer()
    assert e.children[0].value == "<b>分块嵌入探索器</b>：拖动滑块，网格和数字会跟着变化。"
    assert [e.dim_slider.description, e.patch_slider.description, e.image_slider.description] == [
        "嵌入维度 h", "图像块大小 p", "图像大小（像素）"]
    lines = e.text.splitlines()
    assert lines == ["图像 224x224x3，图像块 7x7：每边 224 // 7 = 32 个图像块",
                     "图像块个数：        32 x 32 = 1,024",
                     "每块数值个数：      3 x 7 x 7 = 147",
                     "嵌入形状：          [1, 768, 32, 32]",
                     "起始层参数量：      115,200（卷积 113,664 + 批归一化 1,536）",
                     "起始层乘加/图：     115,605,504"]
    for line in lines[1:]:  # every value starts in column 20, as in English
        label = line[:len(line) - len(line.split("  ")[-1].lstrip())]
        assert columns(label) == 20, line
    assert "图像块个数：" in e.summary.value
    assert repr(e) == "PatchSizeExplorer(dim=768, patch_size=7, image_size=224)"  # code names stay
    assert NUMBER.findall(e.text) == NUMBER.findall(english_text(w.patch_size_explorer))
    e.patch_slider.value = 9
    assert ("224 不是 9 的整数倍：起始层只用 24x24 个图像块（216 像素），"
            "最后 8 行和列像素被忽略（红色阴影部分）。" in e.message.value)
    e.image_slider.value = 28
    e.patch_slider.value = 40
    assert e.text == ("不能这样设置：图像块大小 p = 40 大于 28 像素的图像："
                      "起始层至少需要一个完整的图像块；请选 p <= 28")
    assert e.message.value == REFUSED.format(e.text.replace("<", "&lt;")) and e.summary.value == ""
    assert NUMBER.findall(e.text) == NUMBER.findall(english_text(w.patch_size_explorer, image_slider=28,
                                                                 patch_slider=40))


def test_conv_explorer_in_chinese(chinese):
    e = w.conv_param_explorer()
    assert e.children[0].value == "<b>卷积参数量探索器</b>：标准卷积、深度卷积、逐点卷积对比（不含偏置）。"
    assert [s.description for s in (e.c_in_slider, e.c_out_slider, e.kernel_slider, e.groups_slider)] == [
        "输入通道数 c_in", "输出通道数 c_out", "卷积核大小 k", "分组数 g"]
    lines = e.text.splitlines()
    assert lines == ["标准卷积  3x3, 256 -> 512:  3*3*256*512 = 1,179,648",
                     "深度卷积  3x3, groups=256:  3*3*256 = 2,304",
                     "逐点卷积  1x1, 256 -> 512:  256*512 = 131,072",
                     "深度可分离（深度 + 逐点）：133,376 = 标准卷积的 11.3%",
                     "分组卷积  3x3, groups=1:  3*3*(256/1)*512 = 1,179,648"]
    assert {columns(line[:line.index("x") - 1]) for line in lines if "  " in line} == {10}  # k x k at 10
    assert NUMBER.findall(e.text) == NUMBER.findall(english_text(w.conv_param_explorer))
    assert e.figure.axes[0].get_title() == "3x3 convolution, 256 -> 512 channels (log scale)"  # English
    e.groups_slider.value = 3
    assert e.text == ("不能这样设置：分组数 g = 3 必须同时整除 c_in = 256 和 c_out = 512"
                      "（PyTorch 也不接受）；可选 1, 2, 4, 8, 16, 32, 64, 128, ...")
    assert e.message.value == REFUSED.format(e.text) and e.summary.value == ""


def test_receptive_field_explorer_in_chinese(chinese):
    e = w.receptive_field_explorer()
    assert e.children[0].value.startswith("<b>感受野探索器</b>：经过 d 个 ConvMixer 层之后")
    assert [e.depth_slider.description, e.kernel_slider.description] == ["层数 d", "卷积核大小 k"]
    assert e.position_buttons.description == "选择图像块"
    assert e.position_buttons.options == (("中心图像块", "centre"), ("角落图像块", "corner"))
    assert e.text.splitlines() == [
        "经过 1 层 9x9 深度卷积（p = 7）之后：",
        "感受野：1 + 1 * (9 - 1) = 9 个图像块 = 63 像素宽",
        "中心图像块（第 16 行，第 16 列）看到第 12-20 行、第 12-20 列：81 / 1,024 个图像块（7.9%）",
        "整个 32x32 网格：中心图像块从 d = 4 起能看全，角落图像块从 d = 8 起"]
    assert NUMBER.findall(e.text) == NUMBER.findall(english_text(w.receptive_field_explorer))
    e.depth_slider.value = 4
    e.position_buttons.value = "corner"
    assert "角落图像块（第 0 行，第 0 列）看到第 0-16 行、第 0-16 列：289 / 1,024 个图像块（28.2%）" in e.text
    assert e.figure.axes[0].get_title() == "corner patch after d = 4: depends on\n289 of 1,024 patches"
    e.depth_slider.value = 0
    assert "感受野：1 + 0 * (9 - 1) = 1 个图像块 = 7 像素宽" in e.text
    e.kernel_slider.value = 1
    assert e.text.endswith("k = 1 时感受野不会增长：再多的层也不能让一个图像块看到整个网格")
    e.kernel_slider.value = 4
    assert e.text == ("不能这样设置：卷积核大小 k 必须是奇数（ConvMixer 的卷积核都是奇数），"
                      "现在是 4；滑块可选 1, 3, ..., 15")
    assert e.message.value == REFUSED.format(e.text) and e.summary.value == ""
    assert NUMBER.findall(e.text) == NUMBER.findall(english_text(w.receptive_field_explorer, kernel_slider=4))


def test_explorers_built_after_switching_back_speak_english():
    set_language("zh")
    try:
        w.conv_param_explorer()
    finally:
        set_language("en")
    e = w.conv_param_explorer()
    assert e.children[0].value.startswith("<b>Convolution parameter explorer</b>")
    assert e.text.startswith("standard  3x3, 256 -> 512:") and e.kernel_slider.description == "kernel size k"
