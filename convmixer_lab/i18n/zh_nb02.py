"""Chinese for notebook 02's exercises (convmixer_lab/exercises/nb02.py), keyed by the English text."""

ZH: dict[str, str] = {
    # --- 02.1: one changed value through a whole ConvMixer layer ---
    "Predict, then run. Add 1 to ONE input value (channel 2, row 16, column 16) and run a whole "
    "ConvMixerLayer in eval mode, h = 8, k = 9: depthwise, GELU, BatchNorm, residual, pointwise, GELU, "
    "BatchNorm. How many output channels change, and what is the side of the square of positions that "
    "changes? Answer with a pair (channels, side).":
        "先预测，再运行。只给一个输入值加 1（它的 (通道, 行, 列) = (2, 16, 16)），"
        "然后在评估模式下运行一整个 ConvMixerLayer，h = 8, k = 9："
        "深度卷积、GELU、BatchNorm、残差连接、逐点卷积、GELU、BatchNorm。有几个输出通道会改变？"
        "发生改变的位置构成一个正方形，它的边长是多少？用一对数 (通道数, 边长) 回答。",
    "Follow the change through the two convolutions in order: which one spreads it over positions, which "
    "one over channels? In eval mode GELU and BatchNorm act value by value (each output from its own "
    "input alone), and the residual adds the input back at the same position.":
        "按顺序跟着这个改动走过两个卷积：哪一个把它扩散到别的位置，哪一个把它扩散到别的通道？"
        "在评估模式下，GELU 和 BatchNorm 都是逐值计算的（每个输出只取决于它自己的输入），"
        "残差连接也只是把输入加回到同一个位置。",
    "(8, 9): the 9x9 depthwise step spreads it over 9x9 pixels of channel 2; the pointwise step then "
    "mixes those pixels' channel 2 into all 8 output channels, pixel by pixel. The same footprint as one "
    "standard 9x9 convolution. (In training mode BatchNorm would normalise with the batch's own "
    "statistics and spread the change over the whole map.)":
        "(8, 9)：9x9 的深度卷积把这个改动扩散到通道 2 的 9x9 个像素上；"
        "随后逐点卷积逐个像素地把这些像素的通道 2 混入全部 8 个输出通道。"
        "影响范围和一个 9x9 的标准卷积相同。（在训练模式下，BatchNorm 会用这一批数据自己的统计量做归一化，"
        "把改动扩散到整张特征图上。）",
    "predict a pair (output channels changed, side of the changed square in pixels), e.g. (3, 5)":
        "请预测一对数 (改变的输出通道数, 改变区域这个正方形的边长，以像素计)，例如 (3, 5)",
    "side: the whole 32x32 map changes only in training mode, where BatchNorm normalises with the batch's "
    "own mean and variance; in eval mode (as here) it uses its stored statistics and acts value by value":
        "边长：只有在训练模式下，整张 32x32 的特征图才会改变，"
        "因为那时 BatchNorm 用这一批数据自己的均值和方差做归一化；在评估模式下（就像这里），"
        "它用保存下来的统计量，逐值计算",
    "channels: the depthwise step keeps the change in channel 2, but the pointwise step after it mixes "
    "channel 2 into all 8 output channels":
        "通道数：深度卷积让改动只留在通道 2, 但它后面的逐点卷积会把通道 2 混入全部 8 个输出通道",
    "side: the depthwise 9x9 kernel spreads the value over 9x9 pixels, and the 1x1 pointwise step adds no "
    "width":
        "边长：深度卷积的 9x9 卷积核把这个值扩散到 9x9 个像素上，而 1x1 的逐点卷积不会再增加宽度",
    "side: the depthwise 9x9 kernel spreads the value over 9x9 pixels, and the 1x1 pointwise step adds no "
    "width (it would not stay at one pixel)":
        "边长：深度卷积的 9x9 卷积核把这个值扩散到 9x9 个像素上，"
        "而 1x1 的逐点卷积不会再增加宽度（改动不会只停留在一个像素上）",
    "{first}; {second}": "{first}；{second}",
    # --- 02.2: the nearest separable convolution as k changes ---
    "Experiment. Run the cell above with k_try = 1, 3, 5 and 9. What do you see?":
        "实验。把上面的单元格依次用 k_try = 1, 3, 5 和 9 运行。你看到了什么？",
    "The gap is about the same for every k: separable weights miss by about 85%.":
        "差距对每个 k 都差不多：可分离权重总是相差约 85%。",
    "The gap shrinks as k grows: larger kernels give the separable layer more weights.":
        "差距随 k 增大而缩小：更大的卷积核让可分离层有更多权重。",
    "The gap is 0 for every k once nearest_separable picks the best separable weights.":
        "只要 nearest_separable 选出最好的可分离权重，差距对每个 k 都是 0。",
    "The gap is 0 for k = 1 and grows with k: more of each k*k slice is out of reach.":
        "差距为 0（k = 1 时），之后随 k 增大而变大：每个 k*k 切片里够不着的部分越来越多。",
    "the cell prints 0% for k = 1 and 94% for k = 9, against 85% for k = 3.":
        "单元格打印的是：k = 3 时 85%，而 k = 9, 1 时分别为 94% 和 0%。",
    "the separable layer does gain k*k*c_in weights, but the standard one gains k*k*c_in*c_out, so more "
    "of it is out of reach: the printed gap grows.":
        "可分离层确实多了 k*k*c_in 个权重，但标准层多了 k*k*c_in*c_out 个，所以够不着的部分更多："
        "打印出的差距在变大。",
    "nearest_separable already finds the closest separable weights; for k >= 3 they still miss by most of "
    "the target's size.":
        "nearest_separable 找到的已经是最接近的可分离权重；k >= 3 时，它们与目标的差距仍占目标大小的大半。",
    "Compare each input channel's slice of the weight: c_out rows of k*k numbers. How many numbers does a "
    "row have when k = 1?":
        "看权重中每个输入通道的那一片（切片）：c_out 行，每行 k*k 个数。k = 1 时一行有几个数？",
    "(d). For k = 1 each slice is a column of c_out numbers, and any column is a rank-1 'table', so a "
    "separable layer can copy it: 1x1 standard convolutions are separable. For k >= 3 a slice has c_out "
    "rows of k*k numbers; a separable layer keeps only one kernel per input channel (rank 1), and the "
    "larger k*k, the more it leaves out.":
        "(d)。k = 1 时，每个切片是一列 c_out 个数，而任何一列都是秩为 1 的“表”，可分离层能原样复制它："
        "1x1 的标准卷积都是可分离的。k >= 3 时，一个切片有 c_out 行、每行 k*k 个数；"
        "可分离层每个输入通道只保留一个卷积核（秩 1），k*k 越大，它漏掉的就越多。",
    # --- 02.3: how many layers a corner patch needs ---
    "Predict, then run. With k = 9 and p = 7, the 32x32 grid's centre patch sees the whole image after 4 "
    "layers. After how many layers does the top-left corner patch (row 0, column 0) see the whole image?":
        "先预测，再运行。取 k = 9 和 p = 7, 这时 32x32 网格正中的图像块经过 4 层就能看到整张图像。"
        "位于 (行, 列) = (0, 0) 的左上角图像块要经过多少层才能看到整张图像？",
    "The field grows by (k - 1) / 2 = 4 patches on every side per layer, but near the border only the "
    "inward side matters. How far is the corner from the farthest patch?":
        "感受野每过一层，每一侧扩展 (k - 1) / 2 = 4 个图像块；但在边界附近，"
        "只有朝向图像内部的那一侧才算数。角落离最远的图像块有多远？",
    "8: the corner patch must reach 31 patches to the right and down; 4 per layer takes ceil(31 / 4) = 8 "
    "layers (counting.layers_to_see_all(32, 9, 0, 0)).":
        "8：角上的图像块要向右、向下各覆盖 31 个图像块；每层扩展 4 个，"
        "需要 ceil(31 / 4) = 8 层（counting.layers_to_see_all(32, 9, 0, 0)）。",
    "predict a whole number of layers, got {type}": "请预测一个整数层数，你给的是 {type}",
    "4 layers are enough for the centre patch, which is at most 16 patches from an edge; the corner patch "
    "is 31 patches from the far edge":
        "4 层对中心图像块够了，因为它离任何一条边最多 16 个图像块；而角上的图像块离远处的边有 31 个图像块",
    "after 7 layers the field reaches 7 * 4 = 28 patches to the right; the last column is 31 patches away":
        "7 层之后，感受野只向右延伸了 7 * 4 = 28 个图像块；而最后一列在 31 个图像块之外",
    "too many: each 9x9 layer widens the field by (k - 1) / 2 = 4 patches on each side; how many such "
    "steps reach 31 patches?":
        "太多了：每个 9x9 的层让感受野在每一侧扩展 (k - 1) / 2 = 4 个图像块；"
        "要走多少步才能够到 31 个图像块？",
    "too few: each 9x9 layer widens the field by (k - 1) / 2 = 4 patches on each side; how many such "
    "steps reach 31 patches?":
        "太少了：每个 9x9 的层让感受野在每一侧扩展 (k - 1) / 2 = 4 个图像块；"
        "要走多少步才能够到 31 个图像块？",
    # --- 02.4: why a large depthwise kernel is affordable ---
    "In the parameter explorer, k = 3 -> 9 multiplies the standard convolution's parameters by 9 (256 -> "
    "512 channels), but the separable one grows only from 133,376 to 151,808. Why is a large kernel cheap "
    "in a depthwise separable convolution?":
        "在参数量探索器里，k = 3 -> 9 时，标准卷积的参数量变成原来的 9 倍（256 -> 512 通道），"
        "而可分离卷积只从 133,376 增加到 151,808。为什么在深度可分离卷积里，大卷积核很便宜？",
    "The depthwise part shares one k x k kernel among all channels, so it pays k*k once.":
        "深度卷积部分让所有通道共用一个 k x k 卷积核，所以 k*k 只付一次。",
    "k*k is only in the depthwise count (k*k*c_in), not the pointwise one (c_in*c_out).":
        "k*k 只出现在深度卷积的参数量（k*k*c_in）里，不在逐点卷积的参数量（c_in*c_out）里。",
    "padding='same' keeps the output size, so a larger kernel adds no weights at all.":
        "padding='same' 让输出尺寸不变，所以更大的卷积核根本不增加权重。",
    "The pointwise part replaces the k x k kernels, so the count barely depends on k.":
        "逐点卷积部分取代了 k x k 卷积核，所以参数量几乎与 k 无关。",
    "it has one kernel per channel (weight [c_in, 1, k, k]: k*k*c_in numbers, the explorer's depthwise "
    "line); what it leaves out is mixing between channels, not kernels.":
        "深度卷积每个通道各有一个卷积核（权重 [c_in, 1, k, k]：k*k*c_in 个数，即探索器里深度卷积那一行）；"
        "它省掉的是通道之间的混合，而不是卷积核。",
    "padding adds zeros around the input so the output keeps its size; it changes no weight count, and "
    "the separable count does grow (133,376 -> 151,808).":
        "填充只是在输入四周补零，让输出保持原来的尺寸；它不改变任何权重的数量，"
        "而且可分离卷积的参数量确实增加了（133,376 -> 151,808）。",
    "the k x k kernels are still there, in the depthwise part: 2,304 numbers at k = 3, 20,736 at k = 9 "
    "(the explorer's depthwise line). They are cheap because there are only c_in of them, not c_in*c_out.":
        "k x k 卷积核仍然在，就在深度卷积部分里：k = 3, 9 时分别有 2,304 和 20,736 个数（探索器里深度卷积"
        "那一行）。它们便宜，是因为只有 c_in 个，而不是 c_in*c_out 个。",
    "Write both counts as formulas in k, c_in and c_out (the explorer prints them). Which terms have k*k "
    "in them?":
        "把两种参数量都写成 k、c_in 和 c_out 的公式（探索器会打印出来）。哪些项里含有 k*k？",
    "(b). standard = k*k*c_in*c_out; separable = k*k*c_in + c_in*c_out. Going from k = 3 to 9 adds "
    "72*c_in numbers to the separable layer but 72*c_in*c_out to the standard one. That is why ConvMixer "
    "can afford 9x9 kernels.":
        "(b)。标准卷积 = k*k*c_in*c_out；深度可分离卷积 = k*k*c_in + c_in*c_out。k 从 3 变到 9，"
        "可分离层只多出 72*c_in 个数，标准层却多出 72*c_in*c_out 个。所以 ConvMixer 用得起 9x9 的卷积核。",
    # --- 02.5: a pointwise convolution by hand ---
    "Write pointwise_by_hand(z, weight, bias): a 1x1 convolution done as a per-pixel linear map. z is [N, "
    "C, H, W], weight is [C_out, C], bias is [C_out]; return [N, C_out, H, W] without calling a "
    "convolution (F.conv2d, nn.Conv2d, ...).":
        "写出 pointwise_by_hand(z, weight, bias)：把 1x1 卷积实现成逐像素的线性映射。"
        "z 的形状是 [N, C, H, W]，weight 是 [C_out, C]，bias 是 [C_out]；返回 [N, C_out, H, W]，"
        "不能调用任何卷积（F.conv2d, nn.Conv2d, ...）。",
    "At each position, output channel o is bias[o] + sum_i weight[o, i] * z[:, i]: one matrix-vector "
    "product per position. The @ operator multiplies along a tensor's last axis; which axis holds z's "
    "channels now?":
        "在每个位置上，输出通道 o 等于 bias[o] + sum_i weight[o, i] * z[:, i]：每个位置做一次矩阵乘向量。"
        "@ 运算符沿张量的最后一维相乘；现在 z 的通道在哪一维？",
    "return (z.permute(0, 2, 3, 1) @ weight.T + bias).permute(0, 3, 1, 2): channels last, so that @ "
    "weight.T mixes them at every position, then the bias, then channels back in place.":
        "return (z.permute(0, 2, 3, 1) @ weight.T + bias).permute(0, 3, 1, 2)：先把通道移到最后一维，"
        "这样 @ weight.T 就在每个位置上混合通道；再加上偏置，最后把通道移回原位。",
    "your function calls {names}: the exercise asks for the per-pixel linear map itself, without a "
    "convolution (the convolution is what your result is compared with)":
        "你的函数调用了 {names}：这道练习要你亲手写出逐像素的线性映射，"
        "不借助卷积（卷积是用来和你的结果比对的）",
    "the result must be [N, C_out, H, W] = {expected}, got {got}{hint}":
        "结果的形状必须是 [N, C_out, H, W] = {expected}，你的是 {got}{hint}",
    " (channels last: move them back with permute(0, 3, 1, 2))":
        "（现在通道在最后一维：用 permute(0, 3, 1, 2) 把它们移回原位）",
    "the bias is missing: add bias (one number per output channel) after the matrix product":
        "漏掉了偏置：在矩阵乘法之后加上 bias（每个输出通道一个数）",
    "the weight is used the wrong way round: output channel o is sum_i weight[o, i] * z[i], so with "
    "channels last multiply by weight.T":
        "权重用反了：输出通道 o 是 sum_i weight[o, i] * z[i]，所以通道放在最后一维时要乘 weight.T",
    "the shape is right but the values are not a per-pixel linear map of z's channels: at each position, "
    "output channel o must be bias[o] + sum_i weight[o, i] * z[:, i]":
        "形状对了，但数值不是 z 各通道的逐像素线性映射：在每个位置上，"
        "输出通道 o 必须等于 bias[o] + sum_i weight[o, i] * z[:, i]",
}
