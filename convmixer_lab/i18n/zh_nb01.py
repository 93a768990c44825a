"""Chinese for notebook 01's exercises (convmixer_lab/exercises/nb01.py), keyed by the English text."""

_AFTER = ("更大的 p 确实能让网络变快，但快在 stem 层之后的那些层：在 16x16 的网格上，每个 ConvMixer 层"
          "需要的 MACs 少 4 倍")

ZH: dict[str, str] = {
    # --- 01.1: the stem's MACs at p = 14 relative to p = 7 ----------------------------------------
    "Predict, then run. The stem Conv2d(3, 768, kernel_size=p, stride=p) on a 224x224 image: "
    "how many times as many MACs does p = 14 need as p = 7? (A number: 2 means twice as many, "
    "0.5 half as many.)":
        "先预测，再运行。stem 层 Conv2d(3, 768, kernel_size=p, stride=p) 作用在一张 224x224 的图像上："
        "p = 14 需要的 MACs 是 p = 7 的多少倍？（填一个数：2 表示两倍，0.5 表示一半。）",
    "Two things change with p: how many numbers each output value multiplies (3*p*p), and how "
    "many output values there are (768 per patch, (224/p)^2 patches).":
        "p 一变，有两样东西跟着变：每个输出值要乘多少个数（3*p*p），以及一共有多少个输出值"
        "（每个图像块 768 个，共 (224/p)^2 个图像块）。",
    "1: each output value costs 4x more (3*14*14 vs 3*7*7 MACs), and there are 4x fewer of them "
    "(256 vs 1,024 patches). Whenever p divides the image side, every pixel is used once per output "
    "channel: 3 * 224 * 224 * h MACs, whatever p. A larger p does make the network faster, but "
    "through the layers after the stem: on the 16x16 grid each ConvMixer layer needs 4 times fewer "
    "MACs.":
        "1：每个输出值的代价变成 4 倍（3*14*14 对 3*7*7 次 MACs），而输出值的个数少了 4 倍"
        "（256 个对 1,024 个图像块）。只要 p 能整除图像的边长，每个像素对每个输出通道都恰好用一次："
        "总共 3 * 224 * 224 * h 次 MACs，与 p 无关。" + _AFTER + "。",
    "predict one number, MACs at p = 14 divided by MACs at p = 7, got {type}":
        "要预测的是一个数，即 MACs 之比：p = 14 比 p = 7, 你给的却是 {type}",
    "each output value does cost 4 times more MACs (3*14*14 instead of 3*7*7), but there are "
    "4 times fewer patches (16x16 instead of 32x32)":
        "每个输出值的 MACs 确实变成了 4 倍（3*14*14 而不是 3*7*7），但图像块少了 4 倍"
        "（16x16 而不是 32x32）",
    "there are 4 times fewer patches, but each output value costs 4 times more MACs (3*14*14 "
    "instead of 3*7*7 numbers to multiply). A larger p does make the network faster, but through "
    "the layers after the stem: on the 16x16 grid each ConvMixer layer needs 4 times fewer MACs":
        "图像块确实少了 4 倍，但每个输出值的 MACs 变成了 4 倍（要乘的数是 3*14*14 个，而不是 "
        "3*7*7 个）。" + _AFTER,
    "{side}: MACs = (MACs per output value) x (number of output values); work out how each factor "
    "changes from p = 7 to p = 14":
        "{side}：MACs = (每个输出值的 MACs) x (输出值的个数)；算一算从 p = 7 到 p = 14，"
        "这两个因子各自怎么变",

    # --- 01.2: the shift experiment ----------------------------------------------------------------
    "Experiment. Run the cell above with shift = 7, then shift = 3, then shift = 14. What do you "
    "see for the patch embedding?":
        "实验。依次取 shift = 7, 3, 14，各运行一次上面的单元格。分块嵌入那一行显示了什么？",
    "Any shift moves it along: every patch column reappears, shifted, as at stride 1.":
        "任何平移都会让它跟着平移：每一列图像块都会在平移后的位置原样出现，和步长为 1 时一样。",
    "Only the columns at the left edge change, where torch.roll wraps pixels around.":
        "只有左边缘的那几列会变，因为 torch.roll 把像素从右边绕回到了那里。",
    "Shifts by a multiple of p move it along; any other shift changes every column.":
        "平移 p 的整数倍时，它跟着平移；其他任何平移都会让每一列都改变。",
    "A 3-pixel shift changes little: most of each patch's pixels stay in its window.":
        "平移 3 个像素改变不大：每个图像块的大部分像素还留在它原来的窗口里。",
    "that is what the stride-1 line shows. For the patch embedding, shift = 3 leaves 0 columns "
    "unchanged: its windows are fixed to the image, so they now cut it elsewhere.":
        "那是 stride 1 那一行显示的结果。对分块嵌入来说，shift = 3 时保持不变的列数是 0："
        "它的窗口固定在图像上，所以现在切在了别的地方。",
    "with shift = 3 the count is 0 of 32: every column changes, not only the edge. Each 7x7 window "
    "now holds pixels of two old patches.":
        "shift = 3 时计数是 0（共 32 列）：每一列都变了，不只是边缘那几列。现在每个 7x7 窗口里"
        "装的都是两个旧图像块的像素。",
    "the cell counts columns that reappear unchanged, and with shift = 3 there are none: each "
    "window now holds 4 pixel columns of one old patch and 3 of its left neighbour, and each of "
    "the 147 numbers has its own weight, so the weighted sum changes.":
        "单元格数的是原样重新出现的列，而 shift = 3 时一列也没有：现在每个窗口里有一个旧图像块的 "
        "4 列像素，和它左边邻居的 3 列像素，而这 147 个数各有各的权重，所以加权和变了。",
    "Compare the counts for the three shifts. Which shifts put every old patch whole into a "
    "window of the fixed grid?":
        "比较三次平移得到的计数。哪些平移能让每个旧图像块完整地落进固定网格的某一个窗口里？",
    "(c). The stride-p grid is fixed to the image: a shift by 7 or 14 pixels moves every patch's "
    "pixels into the next window whole (the embedding moves by 1 or 2 columns), while a 3-pixel "
    "shift cuts every patch differently. The same kernels at stride 1 have a window at every "
    "pixel, so their output moves along with any shift.":
        "(c)。步长为 p 的网格是固定在图像上的：平移 7 或 14 个像素，会把每个图像块的像素完整地移进"
        "下一个窗口（嵌入随之移动 1 或 2 列）；而平移 3 个像素，每个图像块都被切得和原来不同。"
        "同样的卷积核在步长为 1 时每个像素处都有一个窗口，所以不管怎样平移，输出都会跟着平移。",

    # --- 01.3: a stack of 3x3 layers against one patch embedding -----------------------------------
    "Three stacked 3x3 convolutions with a GELU after each also see a 7x7 square, like one 7x7 "
    "patch. What can such a stack compute that the patch embedding Conv2d(3, h, 7, stride=7) "
    "followed by GELU cannot?":
        "三个堆叠的 3x3 卷积（每个后面接一个 GELU）也能看到一个 7x7 的方块，和一个 7x7 图像块一样大。"
        "这样的堆叠能算出什么，是分块嵌入 Conv2d(3, h, 7, stride=7) 加上 GELU 算不出来的？",
    "It sees a larger square of the photo: each 3x3 layer widens what one output sees.":
        "它看到的照片区域更大：每多一个 3x3 层，一个输出看到的范围就更宽。",
    "Non-linear mixes of small-window features; a stem output is GELU of one sum.":
        "对小窗口特征做非线性的组合；而 stem 层的一个输出只是对一个求和取 GELU。",
    "It needs fewer multiply-accumulates (MACs) than the stem to cover the same square.":
        "覆盖同样大的方块，它需要的乘加运算（MACs）比 stem 层少。",
    "Nothing: with the right weights, three stacked convolutions equal one bigger one.":
        "什么也没有：只要权重合适，三个堆叠的卷积就等于一个更大的卷积。",
    "receptive_field([3, 3, 3]) == 7: both see the same 7x7 square.":
        "receptive_field([3, 3, 3]) == 7：两者看到的是同一个 7x7 方块。",
    "section 4 printed the opposite: three 3x3 layers at full resolution cost 32.8x the stem's MACs.":
        "第 4 节打印的结果正相反：在全分辨率上，三个 3x3 层的 MACs 是 stem 层的 32.8 倍。",
    "that holds only without the non-linearities: stacked linear convolutions are one linear map, "
    "but a GELU between them breaks that.":
        "这只在没有非线性时才成立：堆叠的线性卷积合起来仍是一个线性映射，但中间夹一个 GELU 就不是了。",
    "Write out what one output channel of the stem computes from one patch. Is it linear in the "
    "pixels before the GELU? And the stack's third layer: what are its inputs?":
        "写出 stem 层的一个输出通道从一个图像块算出了什么。在 GELU 之前，它对像素是线性的吗？"
        "再看堆叠的第三层：它的输入是什么？",
    "(b). One stem output is GELU(w . patch + b): one weighted sum of the 147 numbers, then GELU. "
    "A 3x3 stack can first detect small things (edges) in 3x3 windows and then combine those "
    "detections non-linearly. The patch embedding gives that up for a cheap first step; the "
    "ConvMixer layers after it add non-linear processing, but between patches.":
        "(b)。stem 层的一个输出是 GELU(w . patch + b)：对 147 个数做一次加权求和，再取 GELU。"
        "3x3 的堆叠可以先在 3x3 窗口里检测小的东西（比如边缘），再把这些检测结果非线性地组合起来。"
        "分块嵌入为了一个廉价的第一步放弃了这一点；它后面的 ConvMixer 层会加入非线性处理，"
        "但那是在图像块之间。",

    # --- 01.4: patchify by hand --------------------------------------------------------------------
    "Write patchify(x, p) with reshape and permute (no unfold, no convolution): x is [N, C, H, W] "
    "with H and W multiples of p; return [N, (H/p)*(W/p), C*p*p], patches in row-major order, each "
    "patch flattened channel by channel (as a conv weight [h, C, p, p] is flattened). It must "
    "equal F.unfold(x, p, stride=p).transpose(1, 2) exactly.":
        "只用 reshape 和 permute 写出 patchify(x, p)（不用 unfold，也不用卷积）：x 的形状是 "
        "[N, C, H, W]，H 和 W 都是 p 的倍数；返回 [N, (H/p)*(W/p), C*p*p]，图像块按行优先"
        "（row-major）的顺序排列，每个图像块逐通道展平（和卷积权重 [h, C, p, p] 的展平方式一样）。"
        "结果必须与 F.unfold(x, p, stride=p).transpose(1, 2) 完全相等。",
    "A reshape can split one axis into two: H into (H/p, p), that is (which patch row, which pixel "
    "row inside the patch); W likewise. Then ask which axes must come first in the result, and in "
    "what order the C*p*p numbers of one patch must be listed.":
        "一次 reshape 可以把一个轴拆成两个：把 H 拆成 (H/p, p)，也就是（第几行图像块，图像块内的"
        "第几行像素）；W 也一样。然后想一想：结果中哪些轴必须排在前面？一个图像块的 C*p*p 个数"
        "又必须按什么顺序排列？",
    "n, c, H, W = x.shape; return x.reshape(n, c, H // p, p, W // p, p).permute(0, 2, 4, 1, 3, 5)"
    ".reshape(n, (H // p) * (W // p), c * p * p): the permute puts the two grid axes (H/p, W/p) "
    "first and (C, p, p) last, in the order a conv weight is flattened.":
        "n, c, H, W = x.shape; return x.reshape(n, c, H // p, p, W // p, p).permute(0, 2, 4, 1, 3, 5)"
        ".reshape(n, (H // p) * (W // p), c * p * p)：permute 把两个网格轴 (H/p, W/p) 放到最前面，"
        "把 (C, p, p) 放到最后，正是卷积权重展平的顺序。",
    "each patch is right, but the patches are in the wrong order: go along the grid row by row "
    "(row-major: patch (0, 0), (0, 1), ...), as unfold does":
        "每个图像块都对，但图像块的顺序不对：要沿着网格一行一行地走（行优先：图像块 (0, 0)、"
        "(0, 1)、...），和 unfold 一样",
    "each row holds the right patch, but its numbers are in the wrong order: flatten channel by "
    "channel (all of channel 0 row by row, then channel 1, ...), as a conv weight [h, C, p, p] is "
    "flattened, not pixel by pixel":
        "每一行都是正确的图像块，但块内数的顺序不对：要逐通道展平（先逐行排完通道 0 的所有值，"
        "再排通道 1, ...），和卷积权重 [h, C, p, p] 的展平方式一样，而不是逐像素展平",
    "the shape is right but the rows are not x's patches: a reshape alone mixes pixels of "
    "different patches; split H and W into (grid, p) and permute the axes before the last reshape":
        "形状对了，但各行并不是 x 的图像块：单靠 reshape 会把不同图像块的像素混在一起；"
        "先把 H 和 W 各拆成 (grid, p)，在最后一次 reshape 之前用 permute 调整轴的顺序",
    "your function calls {calls}: the exercise asks you to cut the patches yourself, with reshape "
    "and permute (unfold is what your result is compared with)":
        "你的函数调用了 {calls}：这道题要你自己用 reshape 和 permute 切出图像块"
        "（unfold 是用来和你的结果对比的）",
    "for x of shape {x_shape} and p = {p} the result must be [N, L, C*p*p] = {want}, got {got}":
        "x 的形状为 {x_shape}、p = {p} 时，结果必须是 [N, L, C*p*p] = {want}，你得到的是 {got}",
}
