"""Chinese for notebook 04's exercises (convmixer_lab/exercises/nb04.py) and for the build-the-model
check of exercise 04.4 (convmixer_lab/exercises/build_check.py), keyed by the English text."""

# exercises/nb04.py's SOLUTION_CODE, as printed by ex.solution() of 04.4 (this module cannot import it:
# the exercises import the catalogue). If the English code changes, this entry no longer matches and
# tests/test_i18n.py names it.
_SOLUTION_CODE = """\
class MyConvMixerLayer(nn.Module):
    def __init__(self, dim, kernel_size):
        super().__init__()
        self.depthwise = nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same")
        self.norm1 = nn.BatchNorm2d(dim)
        self.pointwise = nn.Conv2d(dim, dim, kernel_size=1)
        self.norm2 = nn.BatchNorm2d(dim)

    def forward(self, z):
        z = self.norm1(F.gelu(self.depthwise(z))) + z
        return self.norm2(F.gelu(self.pointwise(z)))


class MyConvMixer(nn.Module):
    def __init__(self, dim, depth, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)
        self.stem_norm = nn.BatchNorm2d(dim)
        self.layers = nn.Sequential(*[MyConvMixerLayer(dim, kernel_size) for _ in range(depth)])
        self.classifier = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.layers(self.stem_norm(F.gelu(self.stem(x))))
        return self.classifier(x.mean(dim=(2, 3)))
"""

ZH: dict[str, str] = {
    # --- 04.1 predict: the running mean ------------------------------------------------------------
    "Predict: a fresh nn.BatchNorm2d (running mean 0, momentum 0.1) is called 10 times in training mode "
    "on the SAME batch. What fraction of the batch's channel means has its running mean reached? "
    "(A number between 0 and 1, to two decimals.)":
        "预测：一个新建的 nn.BatchNorm2d（运行均值为 0, 动量为 0.1）在训练模式下对同一个批次连续调用 10 次。"
        "它的运行均值达到了这个批次各通道均值的多大比例？（填一个数，范围 0 到 1, 保留两位小数。）",
    "After one call: 0.9 * 0 + 0.1 * m = 0.1 m. What is left is 0.9 m; the next call covers 10% of "
    "that. What is left after n calls?":
        "调用一次之后：0.9 * 0 + 0.1 * m = 0.1 m。还剩 0.9 m 的距离；下一次调用走完其中的 10%。"
        "调用 n 次之后还剩多少？",
    "1 - 0.9^10 = 0.65: the distance still to go shrinks by a factor 0.9 per call. The running "
    "statistics are an exponential moving average: recent batches weigh most.":
        "1 - 0.9^10 = 0.65：每调用一次，剩下的距离就缩小为原来的 0.9 倍。运行统计量是一种指数移动平均："
        "越新的批次，权重越大。",
    "0.1 is where it is after ONE call; each call moves it 10% of the way that is still left":
        "0.1 是只调用一次之后的位置；每次调用只走完剩余距离的 10%",
    "it never quite arrives: each call covers only 10% of the remaining distance":
        "它永远不会完全到达：每次调用只走完剩余距离的 10%",
    "0.9^10 = 0.35 is the part of the way still LEFT after 10 calls, not the part covered":
        "0.9^10 = 0.35 是调用 10 次之后还剩下的距离，而不是已经走完的部分",

    # --- 04.2 why: the tutorial's shared BatchNorm -------------------------------------------------
    "The tutorial's layer uses ONE BatchNorm after both convolutions. In training mode each of its two "
    "outputs is still normalised (mean 0, std 1 per channel while gamma = 1, beta = 0); in eval mode "
    "they are not. Why?":
        "教程的层在两个卷积之后用的是同一个 BatchNorm。在训练模式下，它的两个输出仍然都是归一化的"
        "（每个通道均值为 0, 标准差为 1，前提是 gamma = 1, beta = 0）；在评估模式下却不是。为什么？",
    "In eval mode BatchNorm leaves out gamma and beta.": "在评估模式下，BatchNorm 不再乘 gamma、加 beta。",
    "Eval mode uses running statistics averaged over both tensors.":
        "评估模式用的是在两种张量上平均得到的运行统计量。",
    "The second call overwrites the gamma and beta set by the first.":
        "第二次调用覆盖了第一次调用设定的 gamma 和 beta。",
    "GELU behaves differently in eval mode than in training mode.":
        "GELU 在评估模式下的行为和训练模式下不同。",
    "Eval mode still applies gamma and beta; only the mean and variance change: running statistics "
    "instead of the batch's (section 1, BatchNorm by hand).":
        "评估模式照样乘 gamma、加 beta；变的只是均值和方差：用运行统计量代替这个批次自己的统计量"
        "（§1, 手算 BatchNorm）。",
    "Calling a BatchNorm never changes gamma and beta: only the optimizer does. What a training-mode "
    "call changes is the running mean and variance.":
        "调用 BatchNorm 从不改变 gamma 和 beta，只有优化器才会改它们。"
        "训练模式下的一次调用改变的是运行均值和运行方差。",
    "GELU has no state and no mode: x * Phi(x) in training and eval alike (which is why reusing one "
    "GELU module is harmless).":
        "GELU 没有状态，也不分模式：训练和评估时都是 x * Phi(x)（所以重复使用同一个 GELU 模块没有害处）。",
    "(b) In training mode BatchNorm normalises with the statistics of the tensor it is given at that "
    "very call, so each use is normalised. Eval mode uses the running statistics, and sharing a module "
    "shares them: the tutorial's running mean and variance blend the depthwise and the pointwise "
    "activations, and eval mode normalises both with that blend.":
        "(b) 在训练模式下，BatchNorm 用的是这一次调用收到的张量本身的统计量，所以每次使用的输出都是归一化的。"
        "评估模式用的是运行统计量，而共享一个模块也就共享了它的运行统计量：教程的运行均值和运行方差把深度卷积的"
        "激活值和逐点卷积的激活值混在了一起，评估模式再用这个混合的结果去归一化两者。",
    "What does a BatchNorm use for the mean and variance in each mode (section 1, BatchNorm by hand)?":
        "在两种模式下，BatchNorm 分别拿什么作均值和方差（§1, 手算 BatchNorm）？",

    # --- 04.3 experiment: the tutorial's residual and depth ----------------------------------------
    "Experiment: in the cell above set depth = 32 and run it. Compare the tutorial block's std after "
    "the last layer with the one at depth = 8. Which describes it?":
        "实验：在上面的单元格里设 depth = 32 并运行。把教程的块在最后一层之后的标准差，"
        "和 depth = 8 时的比较一下。哪个说法符合？",
    "About the same: BatchNorm keeps each layer's output at std 1.":
        "差不多一样：BatchNorm 让每一层的输出都保持标准差为 1。",
    "About four times: the std grows in proportion to the depth.": "大约四倍：标准差与深度成正比地增长。",
    "About twice: four times the layers give twice the std.": "大约两倍：层数变为四倍，标准差变为两倍。",
    "Astronomically larger: the std doubles with every layer.": "大到天文数字：每多一层，标准差就翻一倍。",
    "BatchNorm normalises what it is given, but the tutorial adds the layer's input z AFTER the last "
    "BatchNorm, so nothing normalises the sum that leaves the layer.":
        "BatchNorm 会归一化它收到的东西，但教程是在最后一个 BatchNorm 之后才加上这一层的输入 z，"
        "所以离开这一层的那个和没有经过任何归一化。",
    "Quadrupling the depth does not quadruple the std: the terms add up like independent noise, whose "
    "variances (not stds) add.":
        "深度变为四倍，标准差并不会变为四倍：这些项像相互独立的噪声一样相加，相加的是方差（而不是标准差）。",
    "Each layer adds one new term to the sum it receives; it does not multiply the sum.":
        "每一层只是给它收到的和再加上一个新的项，并不会把这个和乘上一个倍数。",
    "(c): the printout roughly doubles from depth 8 to depth 32. Each tutorial layer adds a freshly "
    "normalised (std 1) tensor to its input, so after d layers the activations are a sum of about d "
    "roughly independent unit-variance terms: the variance grows like d, the std like sqrt(d). The "
    "paper's block ends every layer with BN2, so its activations stay at std 1 however deep.":
        "(c)：从 depth 8 到 depth 32，打印出的标准差大约翻了一倍。教程的每一层都把一个刚归一化过的张量"
        "（标准差为 1）加到自己的输入上，所以经过 d 层之后，激活值大约是 d 个近似独立的单位方差项之和："
        "方差像 d 一样增长，标准差像 sqrt(d) 一样增长。论文的块在每一层的末尾都放了 BN2, "
        "因此无论多深，它的激活值都保持标准差为 1。",
    "Each tutorial layer adds the input z to a freshly normalised (std 1) tensor. For independent "
    "terms, variances add.":
        "教程的每一层都把输入 z 加到一个刚归一化过的张量（标准差为 1）上。"
        "对相互独立的项来说，方差可以直接相加。",

    # --- 04.4 build the model: question, graded hints, solution ------------------------------------
    "Write the whole ConvMixer: MyConvMixer(dim, depth, kernel_size=9, patch_size=7, num_classes=1000, "
    "in_channels=3), a class (an nn.Module) or a function returning one, built from torch.nn parts "
    "(nn.Conv2d, nn.GELU, nn.BatchNorm2d, nn.AdaptiveAvgPool2d, nn.Flatten, nn.Linear, and Residual if "
    "you like): the stem, depth ConvMixer layers, global average pooling and a linear classifier. The "
    "check copies the package model's weights into yours and compares the outputs. ex.hint() gives "
    "three hints, one more at each call.":
        "写出完整的 ConvMixer：MyConvMixer(dim, depth, kernel_size=9, patch_size=7, num_classes=1000, "
        "in_channels=3)，可以是一个类（一个 nn.Module），也可以是返回这样一个模块的函数，"
        "用 torch.nn 的部件搭建（nn.Conv2d、nn.GELU、nn.BatchNorm2d、nn.AdaptiveAvgPool2d、nn.Flatten、"
        "nn.Linear，愿意的话还可以用 Residual）：stem、depth 个 ConvMixer 层、全局平均池化和一个线性分类器。"
        "检查程序会把本包模型的权重复制到你的模型里，再比较两者的输出。"
        "ex.hint() 一共有三条提示，每调用一次多给一条。",
    "Hint {n} of {total} for {key}: {text}": "练习 {key} 的第 {n} 条提示（共 {total} 条）：{text}",
    "Call ex.hint() again for hint {n}.": "再调用一次 ex.hint()，就能看到第 {n} 条提示。",
    "That was the last hint for {key}; ex.solution() prints a whole answer.":
        "这是练习 {key} 的最后一条提示；ex.solution() 会打印一份完整的答案。",
    "Three parts. The stem turns [N, in_channels, H, W] into [N, dim, H/p, W/p]; each of the depth "
    "layers keeps [N, dim, H/p, W/p]; the head turns that into [N, num_classes]. Keep the layers in "
    "nn.Sequential or nn.ModuleList, a new layer object for each position.":
        "分三部分。stem 把 [N, in_channels, H, W] 变成 [N, dim, H/p, W/p]；depth 个层中的每一层都保持 "
        "[N, dim, H/p, W/p] 不变；头部（head）再把它变成 [N, num_classes]。把这些层放进 nn.Sequential 或 "
        "nn.ModuleList，每个位置都用一个新的层对象。",
    "Inside a layer, in this order: depthwise convolution, GELU, BatchNorm (BN1); add the layer's "
    "input z (the residual); then pointwise convolution, GELU, BatchNorm (BN2), with nothing added "
    "after it. The stem is convolution, GELU, BatchNorm too; the head averages over the grid, "
    "flattens, and ends in nn.Linear.":
        "每一层内部依次是：深度卷积、GELU、BatchNorm（BN1）；加上这一层的输入 z（残差）；"
        "然后是逐点卷积、GELU、BatchNorm（BN2），之后什么也不加。stem 同样是卷积、GELU、BatchNorm；"
        "头部在网格上取平均、展平，最后接 nn.Linear。",
    "Stem: Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size) -> GELU -> "
    "BatchNorm2d(dim). Each layer: z' = BN1(GELU(DWConv(z))) + z with "
    "Conv2d(dim, dim, kernel_size, groups=dim, padding='same'), then BN2(GELU(PWConv(z'))) with "
    "Conv2d(dim, dim, kernel_size=1). Head: AdaptiveAvgPool2d(1) -> Flatten -> Linear(dim, "
    "num_classes).":
        "stem：Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size) -> GELU -> "
        "BatchNorm2d(dim)。每一层：z' = BN1(GELU(DWConv(z))) + z，其中 DWConv 是 "
        "Conv2d(dim, dim, kernel_size, groups=dim, padding='same')；"
        "然后是 BN2(GELU(PWConv(z')))，其中 PWConv 是 Conv2d(dim, dim, kernel_size=1)。"
        "头部：AdaptiveAvgPool2d(1) -> Flatten -> Linear(dim, num_classes)。",
    "one answer, as two classes (the notebook then shows the authors' compact version, one "
    "nn.Sequential):\n\n" + _SOLUTION_CODE:
        "一种答案，写成两个类（notebook 接下来会展示作者的紧凑写法：一个 nn.Sequential）：\n\n"
        + _SOLUTION_CODE,

    # --- 04.4: what the build check says (exercises/build_check.py) --------------------------------
    # the calls of the paper's ConvMixer, by position
    "the stem convolution": "stem 卷积",
    "the stem BatchNorm": "stem 的 BatchNorm 层",
    "layer {layer}'s depthwise convolution": "第 {layer} 层的深度卷积",
    "layer {layer}'s first BatchNorm (BN1)": "第 {layer} 层的第一个 BatchNorm（BN1）",
    "layer {layer}'s pointwise convolution": "第 {layer} 层的逐点卷积",
    "layer {layer}'s second BatchNorm (BN2)": "第 {layer} 层的第二个 BatchNorm（BN2）",
    "the classifier (nn.Linear)": "分类器（nn.Linear）",
    "a convolution": "一个卷积",
    "a BatchNorm": "一个 BatchNorm",
    "a Linear": "一个 Linear",
    "another Linear": "另一个 Linear",
    "nothing more": "什么都没有了",
    "layer {layer}": "第 {layer} 层",
    "the last layer": "最后一层",
    "its input z": "它的输入 z",
    "z' (the pointwise convolution's input)": "逐点卷积的输入 z'",
    # building it
    "you passed a model ({model}(...), an instance); pass the class itself, without parentheses, e.g. "
    "ex.check(MyConvMixer): the check builds it with its own settings":
        "你传入的是一个模型（{model}(...)，一个实例）；请传入类本身，不带括号，例如 ex.check(MyConvMixer)："
        "检查程序会用它自己的设置来构建模型",
    "expected a class or function that builds the model, got {type}":
        "这里要一个能构建模型的类或函数，你给的是 {type}",
    "your __init__ assigns a layer before calling super().__init__(): make super().__init__() the "
    "first line of every nn.Module's __init__ (both classes)":
        "你的 __init__ 在调用 super().__init__() 之前就给层赋了值：让 super().__init__() 成为每个 nn.Module "
        "的 __init__ 的第一行（两个类都要）",
    "calling it with ({args}) raised {error}: {message}": "用 ({args}) 调用它时出错 {error}：{message}",
    "it returned {type} {value}, not an nn.Module: return the model you built":
        "它返回的是 {type} {value}，不是 nn.Module：请返回你搭好的模型",
    # what can be seen before running it
    "self.{attr} (in {path})": "子模块 {path} 里的 self.{attr}",
    "{where} is a plain Python {kind}, and layers kept in a Python {kind} are invisible to PyTorch "
    "(.double(), .eval(), .parameters() and the optimizer all miss them): hold them in "
    "nn.ModuleList([...]) or nn.Sequential(*[...]) instead":
        "{where} 是一个普通的 Python {kind}，而放在 Python {kind} 里的层对 PyTorch 是不可见的"
        "（.double()、.eval()、.parameters() 和优化器都会漏掉它们）："
        "改用 nn.ModuleList([...]) 或 nn.Sequential(*[...]) 来存放",
    "it uses the package's {parts}: build the model yourself from torch.nn parts":
        "它用了本包的 {parts}：请自己用 torch.nn 的部件搭建模型",
    "it uses {norm}: the patch grid is [N, dim, H, W], so use nn.BatchNorm2d(dim) (BatchNorm1d takes "
    "[N, C] or [N, C, L], BatchNorm3d [N, C, D, H, W])":
        "它用了 {norm}：图像块网格的形状是 [N, dim, H, W]，所以要用 nn.BatchNorm2d(dim)（BatchNorm1d 接受 "
        "[N, C] 或 [N, C, L]，BatchNorm3d 接受 [N, C, D, H, W]）",
    # a forward pass that raised
    "your forward pass calls an nn.{module} that is not part of the model as PyTorch sees it (created "
    "inside forward, or kept in a plain Python list or dict): create every layer in __init__ and assign "
    "it to self, groups of layers in nn.ModuleList or nn.Sequential":
        "你的前向传播调用了一个 nn.{module}，而在 PyTorch 看来它不属于这个模型（它是在 forward 里创建的，"
        "或者放在普通的 Python list 或 dict 里）：每个层都要在 __init__ 里创建并赋给 self，成组的层放进 "
        "nn.ModuleList 或 nn.Sequential",
    "the classifier received shape {shape}; expected [{n}, {dim}]: flatten the pooled features "
    "(nn.Flatten())":
        "分类器收到的形状是 {shape}；应该是 [{n}, {dim}]：把池化后的特征展平（nn.Flatten()）",
    "the classifier received shape {shape}; expected [{n}, {dim}]: average each channel over the grid "
    "({grid}) with global average pooling, then flatten":
        "分类器收到的形状是 {shape}；应该是 [{n}, {dim}]："
        "先用全局平均池化在网格（{grid}）上对每个通道取平均，再展平",
    "{count} positions": "{count} 个位置",
    "the classifier received shape {shape}; expected [{n}, {dim}], one vector of dim numbers per image":
        "分类器收到的形状是 {shape}；应该是 [{n}, {dim}]，即每张图像一个由 dim 个数组成的向量",
    "{name} is built for {built} input channels but receives {got} (input shape {shape}): use "
    "in_channels, not a fixed number":
        "{name}是按 {built} 个输入通道构建的，收到的却是 {got} 个（输入形状 {shape}）：要用 in_channels，"
        "不要写死一个数",
    "{name} is built for {built} input channels but receives {got} (input shape {shape}): every "
    "convolution after the stem maps dim channels to dim":
        "{name}是按 {built} 个输入通道构建的，收到的却是 {got} 个（输入形状 {shape}）：stem 之后的每个卷积"
        "都是把 dim 个通道映射成 dim 个通道",
    "{name} is BatchNorm2d({built}) but receives {got} channels: use BatchNorm2d(dim)":
        "{name}是 BatchNorm2d({built})，收到的却是 {got} 个通道：要用 BatchNorm2d(dim)",
    "{name} turns the {a}x{b} grid into {c}x{d}, so the residual cannot be added: padding=\"same\" "
    "keeps the grid":
        "{name}把 {a}x{b} 的网格变成了 {c}x{d}，残差就加不上去了：padding=\"same\" 才能保持网格大小不变",
    "running it on a batch of shape {shape} raised {error}: {message}":
        "在形状为 {shape} 的批次上运行它时出错 {error}：{message}",
    # the sequence of calls
    "the same layer object is used {count} times (as [layer] * depth does: it repeats one object, it "
    "does not copy it), so all positions share one set of weights: build a new layer for each "
    "position, e.g. [MyConvMixerLayer(dim, kernel_size) for _ in range(depth)]":
        "同一个层对象被用了 {count} 次（[layer] * depth 就会这样：它把同一个对象重复多次，而不是复制它），"
        "于是所有位置共享同一组权重：为每个位置新建一个层，例如 "
        "[MyConvMixerLayer(dim, kernel_size) for _ in range(depth)]",
    "one BatchNorm module is used twice (the tutorial's shared norm): give every convolution its own "
    "BatchNorm, BN1 after the depthwise and BN2 after the pointwise one":
        "同一个 BatchNorm 模块被用了两次（教程里共享的那个 norm）：给每个卷积配一个它自己的 BatchNorm，"
        "深度卷积之后是 BN1，逐点卷积之后是 BN2",
    "{name} is missing: expected {kind}, found {found} (a ConvMixer with depth={depth} runs {convs} "
    "convolutions and {norms} BatchNorms, each convolution followed by GELU and its own BatchNorm)":
        "{name}缺失：这里应该是{kind}，实际却是{found}（depth={depth} 的 ConvMixer 要运行 {convs} 个卷积和 "
        "{norms} 个 BatchNorm，每个卷积后面都跟着 GELU 和它自己的 BatchNorm）",
    "{name} is missing: expected {kind} after {before}, found {found} (a ConvMixer with depth={depth} "
    "runs {convs} convolutions and {norms} BatchNorms, each convolution followed by GELU and its own "
    "BatchNorm)":
        "{name}缺失：{before}之后应该是{kind}，实际却是{found}（depth={depth} 的 ConvMixer 要运行 {convs} "
        "个卷积和 {norms} 个 BatchNorm，每个卷积后面都跟着 GELU 和它自己的 BatchNorm）",
    "after the classifier your model runs {another}; it should end there":
        "在分类器之后，你的模型还运行了{another}；模型应该到分类器为止",
    # each module's settings
    "a depthwise convolution has groups=dim: one k x k kernel per channel":
        "深度卷积要设 groups=dim：每个通道一个 k x k 卷积核",
    "its kernel is {a}x{b}, use kernel_size ({k} here)":
        "它的卷积核是 {a}x{b}，要用 kernel_size（这里是 {k}）",
    "a pointwise convolution is nn.Conv2d(dim, dim, kernel_size=1)":
        "逐点卷积是 nn.Conv2d(dim, dim, kernel_size=1)",
    "the stem is nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)":
        "stem 是 nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)",
    "{name} has weight shape {shape}, expected {expected}: {why}":
        "{name}的权重形状是 {shape}，应该是 {expected}：{why}",
    "{name} has no bias: keep nn.Conv2d's default bias=True, as the paper's model does":
        "{name}没有偏置：保留 nn.Conv2d 默认的 bias=True，论文的模型也是这样",
    "{name} has stride {stride}, expected {expected} (stride=patch_size for the stem, 1 after it)":
        "{name}的步长是 {stride}，应该是 {expected}（stem 用 stride=patch_size，之后的层都用 1）",
    "{name} outputs shape {shape}, expected {expected}: padding=\"same\" keeps the H x W grid, so the "
    "residual can be added":
        "{name}输出的形状是 {shape}，应该是 {expected}："
        "padding=\"same\" 让 H x W 网格保持不变，残差才加得上去",
    "{name} is BatchNorm2d({features}, affine={affine}), expected BatchNorm2d({expected}) with its "
    "learnable weight and bias":
        "{name}是 BatchNorm2d({features}, affine={affine})，应该是带有可学习的 weight 和 bias 的 "
        "BatchNorm2d({expected})",
    "{name} takes {inputs} = dim x {grid} x {grid} inputs: pool the grid first (global average pooling "
    "to [N, dim, 1, 1]), then flatten":
        "{name}接收 {inputs} = dim x {grid} x {grid} 个输入：先对网格做池化（全局平均池化，得到 "
        "[N, dim, 1, 1]），再展平",
    "{name} is {module}, expected Linear(in_features={inputs}, out_features={outputs}, bias=True)":
        "{name}是 {module}，应该是 Linear(in_features={inputs}, out_features={outputs}, bias=True)",
    "your model has parameters in {modules}, which a ConvMixer does not use":
        "你的模型在 {modules} 里有参数，而 ConvMixer 不用这些模块",
    # the values: which input differs, and why
    "the residual is added too early, before {name}: z' = BN1(GELU(DWConv(z))) + z adds z after the "
    "BatchNorm":
        "残差加得太早了，加在了{name}之前：z' = BN1(GELU(DWConv(z))) + z 是在 BatchNorm 之后才加 z",
    "GELU comes after {name}, but the paper's order is convolution -> GELU -> BatchNorm: swap them":
        "GELU 放在了“{name}”之后，但论文的顺序是 卷积 -> GELU -> BatchNorm：把它们对调过来",
    "GELU is missing between {before} and {name} (convolution -> GELU -> BatchNorm)":
        "“{before}”和“{name}”之间缺了 GELU（卷积 -> GELU -> BatchNorm）",
    "{name} receives ReLU(...), but the paper's model (and the package's) uses GELU; only the released "
    "ConvMixer-768/32 checkpoint uses ReLU":
        "{name}收到的是 ReLU(...)，但论文的模型（以及本包的模型）用的是 GELU；只有发布的 ConvMixer-768/32 "
        "检查点用 ReLU",
    "the residual goes around both convolutions (the tutorial's placement); in the paper it goes "
    "around the depthwise part only: the pointwise convolution receives z' = BN1(GELU(DWConv(z))) + z":
        "残差绕过了两个卷积（教程的放法）；论文里它只绕过深度卷积那部分：逐点卷积收到的是 "
        "z' = BN1(GELU(DWConv(z))) + z",
    "the residual goes around the pointwise half (out = BN2(GELU(PWConv(z'))) + z'); in the paper it "
    "goes around the depthwise half: z' = BN1(GELU(DWConv(z))) + z, and nothing is added after BN2":
        "残差绕过的是逐点卷积那一半（out = BN2(GELU(PWConv(z'))) + z'）；论文里它绕过的是深度卷积那一半："
        "z' = BN1(GELU(DWConv(z))) + z，BN2 之后什么也不加",
    "the residual is missing: the pointwise convolution should receive z' = BN1(GELU(DWConv(z))) + z, "
    "the first BatchNorm's output plus the layer's input z":
        "缺少残差：逐点卷积收到的应该是 z' = BN1(GELU(DWConv(z))) + z，"
        "即第一个 BatchNorm 的输出加上这一层的输入 z",
    "an extra residual: {layer} adds {what} again after BN2; the paper's layer has one residual only, "
    "z' = BN1(GELU(DWConv(z))) + z, and returns BN2's output as it is":
        "多了一个残差：{layer}在 BN2 之后又加了一次{what}；"
        "论文的层只有一个残差 z' = BN1(GELU(DWConv(z))) + z，并把 BN2 的输出原样返回",
    "the stem convolution should receive the images as they are": "stem 卷积收到的应该是原封不动的图像",
    "the classifier receives max-pooled features: use global AVERAGE pooling":
        "分类器收到的是最大池化后的特征：要用全局平均池化，而不是最大池化",
    "the classifier should receive the average of each channel over the grid (global average pooling, "
    "then flatten)":
        "分类器收到的应该是每个通道在网格上的平均值（先做全局平均池化，再展平）",
    "{name} receives a different input than in the package's model; compare the order of operations "
    "with z' = BN1(GELU(DWConv(z))) + z, out = BN2(GELU(PWConv(z')))":
        "{name}收到的输入和本包模型里的不一样；把运算顺序和 z' = BN1(GELU(DWConv(z))) + z、"
        "out = BN2(GELU(PWConv(z'))) 对照一下",
    "{name} gives a different output from the same input and weights: check its settings ({module})":
        "输入和权重都相同，{name}给出的输出却不同：检查它的设置（{module}）",
    "every layer matches, but the model does not return the classifier's output: return it as it is, "
    "with no softmax or other function after it (the loss applies softmax itself)":
        "每一层都对得上，但模型返回的不是分类器的输出：把它原样返回，后面不要再接 softmax 或别的函数"
        "（损失函数自己会做 softmax）",
    "built with the check's second setting ({args}): {problem}":
        "用检查程序的第二组设置（{args}）构建时：{problem}",

    # --- 04.5 predict: patch size and MACs ----------------------------------------------------------
    "Predict: ConvMixer-1536/20 (k = 9) with patch size p = 14 instead of 7, on the same 224x224 "
    "images. How many times fewer MACs per image does it need? (A number such as 1.5.)":
        "预测：ConvMixer-1536/20（k = 9）的图像块大小取 p = 14 而不是 7, 输入同样是 224x224 的图像。"
        "每张图像需要的 MACs 少了多少：原来的是现在的几倍？（填一个数，例如 1.5。）",
    "The layers work on every position of the (224/p) x (224/p) grid. What happens to the stem's "
    "MACs (notebook 01) and to the classifier's?":
        "各层作用在 (224/p) x (224/p) 网格的每一个位置上。那么 stem 的 MACs（notebook 01）和分类器的 MACs "
        "又会怎样变化？",
    "About 3.95: the 20 layers' MACs drop 4x (a 16x16 grid instead of 32x32); the stem costs the same "
    "whatever p (every pixel is used once per output channel) and the classifier is tiny, so the total "
    "drops a little less than 4x.":
        "大约 3.95：20 个层原来的 MACs 正好是现在的 4 倍（网格是 16x16，而不是 32x32）；stem 的代价与 p 无关"
        "（对每个输出通道，每个像素恰好用一次），分类器又很小，所以总数的比值比 4 稍小一点。",
    "p is a side length: doubling it halves the grid's side, so the number of patches (and of "
    "positions every layer works on) drops 4x":
        "p 是边长：p 翻倍，网格的边长就减半，所以原来的图像块数（也就是每一层要处理的位置数）是现在的 4 倍",

    # --- 04.6 why: ConvMixer-768/32's released checkpoint -------------------------------------------
    "The official README says the released ConvMixer-768/32 checkpoint uses ReLU instead of GELU. Its "
    "weights have exactly the shapes of ConvMixer(768, 32, kernel_size=7, patch_size=7)'s. What happens "
    "if you load them into that model (matching the parameter names) and classify images?":
        "官方 README 说，发布的 ConvMixer-768/32 检查点用的是 ReLU 而不是 GELU。它的权重形状和 "
        "ConvMixer(768, 32, kernel_size=7, patch_size=7) 的完全一样。如果把这些权重加载进这个模型"
        "（按参数名对应）再去分类图像，会怎样？",
    "The weights load, but the outputs are not the released model's.":
        "权重能加载，但输出和发布的模型不一样。",
    "It behaves exactly like the released model: activations have no weights.":
        "它的表现和发布的模型完全一样：激活函数没有权重。",
    "Loading fails: the parameter counts of the two models differ.": "加载会失败：两个模型的参数量不同。",
    "Only the stem changes; the mixer layers have no activation.": "只有 stem 会变；mixer 层里没有激活函数。",
    "No weights, but part of the function: GELU(x) and ReLU(x) differ for every x other than 0 "
    "(GELU(-1) is about -0.16, ReLU(-1) = 0), and the weights were trained for ReLU.":
        "激活函数没有权重，但它是模型所算函数的一部分：除了 x = 0 以外，GELU(x) 和 ReLU(x) 处处不同"
        "（GELU(-1) 约为 -0.16，ReLU(-1) = 0），而这些权重是配合 ReLU 训练出来的。",
    "ReLU and GELU have no parameters: the shapes and the count are the same, so the weights load.":
        "ReLU 和 GELU 都没有参数：形状和数量都一样，所以权重能加载。",
    "Every convolution is followed by the activation: the stem's and both of each layer's, 65 in "
    "ConvMixer-768/32.":
        "每个卷积后面都跟着激活函数：stem 的卷积，以及每一层的两个卷积，在 ConvMixer-768/32 里一共 65 个。",
    "(a) The weights load (activations have no parameters), but every layer then computes a different "
    "function from the one the weights were trained in, so the predictions are not the released "
    "model's until the activations are switched to ReLU. The architecture is part of what was trained: "
    "same shapes is not same model.":
        "(a) 权重能加载（激活函数没有参数），但这样一来，每一层计算的函数都和训练这些权重时的不一样，"
        "所以在把激活函数换成 ReLU 之前，预测结果都不是发布的模型给出的。架构也是训练成果的一部分："
        "形状相同，不等于模型相同。",
    "Are ReLU and GELU the same function?": "ReLU 和 GELU 是同一个函数吗？",
}
