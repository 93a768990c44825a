"""Chinese for notebook 03's exercises (convmixer_lab/exercises/nb03.py), keyed by the English text."""

ZH: dict[str, str] = {
    # --- 03.1 predict: a grouped convolution ---
    "Predict: how many parameters has nn.Conv2d(256, 512, 3, groups=4, bias=False)? "
    "(groups=4 splits the 256 input channels into 4 groups of 64; each output channel belongs to "
    "one group and sees only that group's channels.)":
        "预测：nn.Conv2d(256, 512, 3, groups=4, bias=False) 有多少个参数？"
        "（groups=4 把 256 个输入通道分成 4 组，每组 64 个；每个输出通道只属于其中一组，"
        "也只看得到本组的通道。）",
    "Start from the standard count, 3 * 3 * 256 * 512. Does groups=4 change the number of kernels, "
    "or how deep each kernel is?":
        "从标准卷积的参数量 3 * 3 * 256 * 512 出发。groups=4 改变的是卷积核的个数，"
        "还是每个卷积核的深度？",
    "3 * 3 * (256 / 4) * 512 = 294,912: a quarter of the standard convolution's 1,179,648. "
    "groups=1 is a standard convolution, groups=c_in a depthwise one.":
        "3 * 3 * (256 / 4) * 512 = 294,912：是标准卷积 1,179,648 的四分之一。"
        "groups=1 就是标准卷积，groups=c_in 就是深度卷积。",
    "that is groups=1 (a standard convolution); with groups=4 each kernel sees only the "
    "c_in / groups = 64 channels of its group":
        "这是 groups=1（标准卷积）的参数量；groups=4 时，每个卷积核只看得到本组的 "
        "c_in / groups = 64 个通道",
    "you divided by groups twice: there are still c_out = 512 kernels, each k x k x (c_in / groups)":
        "你把 groups 除了两次：卷积核仍然有 c_out = 512 个，每个大小为 k x k x (c_in / groups)",
    "that is a depthwise convolution's count (groups = c_in = 256, one flat kernel per channel); "
    "here groups = 4":
        "这是深度卷积的参数量（groups = c_in = 256, 即每个通道一个扁平的卷积核）；这里 groups = 4",

    # --- 03.2 experiment: stride ---
    "Experiment: in the cell above set stride = 2 and run it, then stride = 4, and compare the "
    "parameters and the MACs each time. Then work out, before running it: at stride 3, how many "
    "MACs does the convolution do per parameter (MACs / parameters)? Run stride = 3 to check.":
        "实验：在上面的单元格里设 stride = 2 并运行，再改一次（stride = 4, 其余不变）并运行，"
        "每次都比较参数量和 MACs。然后先别运行，自己算一算：在 stride = 3, padding 不变的情况下，"
        "这个卷积每个参数对应多少次乘加（MACs / 参数量）？最后设 stride = 3 运行，验证你的答案。",
    "Parameters do not depend on the stride. MACs are (MACs per output value) x (output values): "
    "how many output positions are left at stride 3? PyTorch's output side is "
    "(size + 2 * padding - k) // stride + 1.":
        "参数量与步长无关。MACs =（每个输出值的 MACs）x（输出值的个数）：步长为 3 时还剩多少个输出位置？"
        "PyTorch 输出的边长是 (size + 2 * padding - k) // stride + 1。",
    "36: the output is 6 x 6 ((16 + 2 - 3) // 3 + 1 = 6), and every weight is used once per output "
    "position. Parameters measure the layer; MACs measure the layer applied to a feature map.":
        "36：输出是 6 x 6（(16 + 2 - 3) // 3 + 1 = 6），而每个权重在每个输出位置上用一次。"
        "参数量衡量的是这一层本身；MACs 衡量的是把这一层用在一张特征图上。",
    "that is stride 1 (16 x 16 = 256 output positions); the question asks about stride 3":
        "这是步长为 1 的结果（16 x 16 = 256 个输出位置）；题目问的是步长为 3",
    "that is stride 2 (8 x 8 outputs); the question asks about stride 3":
        "这是步长为 2 的结果（8 x 8 个输出位置）；题目问的是步长为 3",
    "that is stride 4 (4 x 4 outputs); the question asks about stride 3":
        "这是步长为 4 的结果（4 x 4 个输出位置）；题目问的是步长为 3",
    "that would be the output without padding; the cell pads by 1: side = (16 + 2 * 1 - 3) // 3 + 1":
        "这是不加填充时的输出；单元格里每边填充 1：side = (16 + 2 * 1 - 3) // 3 + 1",
    "the output side is a whole number of positions, not 16 / 3: side = (16 + 2 * padding - k) // stride + 1":
        "输出的边长是整数个位置，不是 16 / 3：side = (16 + 2 * padding - k) // stride + 1",
    "that is the output's side; every weight is used once per output POSITION, and there are side x side "
    "of them":
        "这是输出的边长；每个权重在每个输出“位置”上用一次，而这样的位置共有 side x side 个",

    # --- 03.3 predict: the depthwise share of a ConvMixer layer's MACs ---
    "Predict: in one ConvMixer-768/32 layer (h = 768, k = 7, on a 32x32 patch grid), what percentage "
    "of the layer's MACs (depthwise + pointwise) does the depthwise 7x7 convolution do? Give a "
    "percentage, e.g. 12.5.":
        "预测：在 ConvMixer-768/32 的一层里（h = 768, k = 7, 作用在 32x32 的图像块网格上），"
        "7x7 深度卷积做的 MACs 占这一层 MACs（深度 + 逐点）的百分之几？请给出百分数，例如 12.5。",
    "Both halves produce h values at each of the 32x32 positions. Per output value, the depthwise "
    "convolution does k*k MACs (one channel), the pointwise one h MACs (all channels).":
        "两半在 32x32 个位置上各输出 h 个值。每算一个输出值，深度卷积做 k*k 次乘加（只用一个通道），"
        "逐点卷积做 h 次乘加（用到所有通道）。",
    "k^2 / (k^2 + h) = 49 / (49 + 768) = 6.0%: the depthwise half is a small part of the arithmetic, "
    "whatever its share of the time.":
        "k^2 / (k^2 + h) = 49 / (49 + 768) = 6.0%：不管深度卷积这一半占了多少时间，"
        "它在计算量里都只占一小部分。",
    "the two halves do not cost the same: per output value the depthwise convolution does k*k = 49 "
    "MACs, the pointwise one h = 768":
        "两半的计算量并不一样：每算一个输出值，深度卷积做 k*k = 49 次乘加，逐点卷积做 h = 768 次",
    "that is the pointwise half's share": "这是逐点卷积那一半所占的比例",
    "give a percentage, not a fraction (multiply by 100)": "请给百分数，不要给小数（乘以 100）",
    "give a percentage, not a fraction; and that is the pointwise half's share":
        "请给百分数，不要给小数；而且这是逐点卷积那一半所占的比例",

    # --- 03.4 why: depthwise speed ---
    "When a depthwise convolution reaches far fewer MACs per second than a pointwise one (compare "
    "the GMAC/s of the ConvMixer layer's two halves on your machine), what is the main reason?":
        "深度卷积每秒完成的乘加次数远少于逐点卷积时（比较一下你的机器上 ConvMixer 层两半的 GMAC/s），"
        "主要原因是什么？",
    "It does more MACs in all than the pointwise convolution does.": "它的 MACs 总数比逐点卷积多。",
    "Its weights are too many to fit in the processor's caches.": "它的权重太多，处理器的缓存装不下。",
    "Its 'same' padding doubles the work that is actually done.":
        "它的 'same' 填充让实际的计算量翻了一倍。",
    "Each fetched value feeds only k*k MACs, so it waits on memory.":
        "每个取来的值只参与 k*k 次乘加，所以它总在等内存。",
    "It does fewer: MACs per second is a rate, not a total (for the ConvMixer-768 layer the "
    "depthwise half does about 6% of the MACs).":
        "它做得更少：每秒的 MACs 是速率，不是总量（在 ConvMixer-768 的层里，"
        "深度卷积那一半做的 MACs 约占 6%）。",
    "A depthwise 7x7 layer on 768 channels has 38,400 parameters (about 150 KB in float32): it is "
    "tiny; the activations it streams through are what is large.":
        "768 个通道上的 7x7 深度卷积层有 38,400 个参数（float32 下约 150 KB）：它很小；"
        "真正大的是流过它的激活值。",
    "Padding adds a thin border of zeros (3 pixels per side for k = 7) and the MAC count already "
    "includes every output position; it cannot explain a several-fold gap.":
        "填充只是在四周加上薄薄一圈零（k = 7 时每边 3 个像素），而且 MACs 的计数已经包含了每个输出位置；"
        "它解释不了好几倍的差距。",
    "(d) Each input value a depthwise convolution fetches is used for only k*k MACs, by one kernel "
    "(its channel's), so in float32 it does about k^2/8 MACs per byte moved: 1.1 for k = 3, about "
    "6 for k = 7 (the optional section 6 counts it). Memory cannot deliver bytes fast enough to "
    "keep the arithmetic units busy. A pointwise convolution uses each input value for all h "
    "output channels, about h/8 MACs per byte.":
        "(d) 深度卷积取来的每个输入值，只被一个卷积核（它所在通道的那个）用于 k*k 次乘加，"
        "所以在 float32 下，每搬运一个字节大约做 k^2/8 次乘加：k = 3, 7 时分别为 1.1 和约 6"
        "（选学的第 6 节会具体算）。内存送来字节的速度跟不上，运算单元就忙不起来。"
        "逐点卷积则把每个输入值用于全部 h 个输出通道，每字节约 h/8 次乘加。",
    "Count how many MACs use each input value once it has been fetched from memory, for a "
    "depthwise and for a pointwise convolution.":
        "分别对深度卷积和逐点卷积数一数：一个输入值从内存取来之后，会被多少次乘加用到？",

    # --- 03.5 experiment (optional section): intensity and batch size ---
    "Experiment: in the arithmetic-intensity cell set batch = 64 (8x more images) and run it. "
    "What happens to the three intensities?":
        "实验：在计算算术强度的单元格里设 batch = 64（图像数变为 8 倍）并运行。三个算术强度会怎样变化？",
    "The standard one's rises a lot; the depthwise one stays at 1.1.":
        "标准卷积的大幅上升；深度卷积的仍然是 1.1。",
    "All three rise about 8-fold, just as the MACs do.": "三个都上升约 8 倍，和 MACs 一样。",
    "None of them changes: intensity does not depend on the batch.": "都不变：算术强度与批大小无关。",
    "The depthwise one rises the most: it has the fewest weights.": "深度卷积的上升最多：它的权重最少。",
    "The MACs grow 8x, but so do the input and output bytes; only the weights are read once and "
    "shared by the whole batch.":
        "MACs 变为 8 倍，但输入和输出的字节数也同样变多；只有权重是读一次、由整批图像共享的。",
    "The standard convolution's 1,179,648 weights are a large share of its traffic at batch 8; "
    "shared by 64 images they weigh much less per MAC, so its intensity rises.":
        "批大小为 8 时，标准卷积的 1,179,648 个权重在它的内存流量中占很大一部分；由 64 张图像共享后，"
        "分摊到每次乘加上的流量就少得多，所以它的算术强度上升。",
    "Few weights means little traffic to share: the depthwise layer's bytes are its inputs and "
    "outputs, which grow with the batch exactly like its MACs.":
        "权重少，可供分摊的流量也就少：深度卷积层搬运的字节就是它的输入和输出，"
        "它们随批大小增长的方式和它的 MACs 完全一样。",
    "(a): batch 8 -> 64 takes the standard convolution from 219 to 351 MACs/byte; the depthwise one "
    "stays at 1.1. Bigger batches help layers whose weights are a large part of their traffic; they "
    "cannot help a depthwise convolution.":
        "(a)：批大小从 8 变为 64，标准卷积从 219 升到 351 MACs/byte；深度卷积的仍然是 1.1。"
        "更大的批能帮到权重在流量中占很大一部分的层；对深度卷积却帮不上忙。",
    "Split each layer's bytes into weights (read once per batch) and activations (per image).":
        "把每一层搬运的字节分成两部分：权重（每批读一次）和激活值（每张图像各一份）。",
}
