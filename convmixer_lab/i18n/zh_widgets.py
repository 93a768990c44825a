"""Chinese for the explorers' labels and texts (convmixer_lab/widgets.py), keyed by the English text."""

ZH: dict[str, str] = {
    # titles, sliders and buttons
    "<b>Patch embedding explorer</b>: move a slider; the grid and the numbers follow.":
        "<b>分块嵌入探索器</b>：拖动滑块，网格和数字会跟着变化。",
    "<b>Convolution parameter explorer</b>: standard vs depthwise vs pointwise (no bias).":
        "<b>卷积参数量探索器</b>：标准卷积、深度卷积、逐点卷积对比（不含偏置）。",
    "<b>Receptive field explorer</b>: how much of the photo one patch embedding (red) depends on "
    "after d ConvMixer layers (yellow).":
        "<b>感受野探索器</b>：经过 d 层 ConvMixer 之后，"
        "一个图像块的嵌入（红框）取决于照片上多大的区域（黄色）。",
    "embedding dim h": "嵌入维度 h",
    "patch size p": "图像块大小 p",
    "image size (pixels)": "图像大小（像素）",
    "channels in c_in": "输入通道数 c_in",
    "channels out c_out": "输出通道数 c_out",
    "kernel size k": "卷积核大小 k",
    "groups g": "分组数 g",
    "layers d": "层数 d",
    "which patch": "选择图像块",
    "centre patch": "中心图像块",
    "corner patch": "角落图像块",
    "refused: {reason}": "不能这样设置：{reason}",
    # notebook 01: patch embedding explorer (labels padded to 20 columns: at most 18 wide)
    "image {size}x{size}x{c}, patch {p}x{p}: {size} // {p} = {grid} patches per side":
        "图像 {size}x{size}x{c}，图像块 {p}x{p}：每边 {size} // {p} = {grid} 个图像块",
    "number of patches:": "图像块个数：",
    "values per patch:": "每块数值个数：",
    "embedding shape:": "嵌入形状：",
    "stem parameters:": "嵌入层参数量：",
    "stem MACs / image:": "嵌入层每图 MACs：",
    "{total} (conv {conv} + BatchNorm {norm})": "{total}（卷积 {conv} + BatchNorm {norm}）",
    "{size} is not a multiple of {p}: the stem uses {grid}x{grid} patches ({used} pixels) and ignores "
    "the last {ignored} pixel rows and columns (shaded red).":
        "{size} 不是 {p} 的整数倍：嵌入层只用 {grid}x{grid} 个图像块（{used} 像素），"
        "最后 {ignored} 行和列像素被忽略（红色阴影部分）。",
    # notebook 02: convolution parameter explorer (names padded to 10 columns)
    "standard": "标准卷积",
    "depthwise": "深度卷积",
    "pointwise": "逐点卷积",
    "grouped": "分组卷积",
    "separable (depthwise + pointwise): {params} = {share}% of standard":
        "深度可分离（深度 + 逐点）：{params} = 标准卷积的 {share}%",
    # notebook 02: receptive field explorer
    "after {depth} layer(s) of {k}x{k} depthwise convolutions (p = {p}):":
        "经过 {depth} 层 {k}x{k} 深度卷积（p = {p}）之后：",
    "receptive field: 1 + {depth} * ({k} - 1) = {patches} patches = {pixels} pixels wide":
        "感受野：1 + {depth} * ({k} - 1) = {patches} 个图像块 = {pixels} 像素宽",
    "receptive field: 1 + {depth} * ({k} - 1) = {patches} patch = {pixels} pixels wide":
        "感受野：1 + {depth} * ({k} - 1) = {patches} 个图像块 = {pixels} 像素宽",
    "{patch} (row {row}, col {col}) sees rows {top}-{bottom}, columns {left}-{right}: "
    "{seen} of {total} patches ({share}%)":
        "{patch}（第 {row} 行，第 {col} 列）看到第 {top}-{bottom} 行、第 {left}-{right} 列："
        "{seen} / {total} 个图像块（{share}%）",
    "the whole {grid}x{grid} grid: the centre patch sees it from d = {centre} on, "
    "the corner patch from d = {corner} on":
        "整个 {grid}x{grid} 网格：中心图像块从 d = {centre} 起能看全，角落图像块从 d = {corner} 起",
    "with k = {k} the field never grows: no depth lets a patch see the whole grid":
        "k = {k} 时感受野不会增长：再多的层也不能让一个图像块看到整个网格",
}
