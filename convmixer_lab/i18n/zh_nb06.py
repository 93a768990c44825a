"""Chinese for notebook 06's exercises (convmixer_lab/exercises/nb06.py), keyed by the English text.

Some keys hold numbers the exercises compute at import time (the MAC ratio, the example configuration
of 06.4 and its parameters): this module cannot import them (the exercises import the catalogue). If
the English changes, the entry no longer matches and tests/test_i18n.py names it."""

ZH: dict[str, str] = {
    # --- 06.1 predict: same parameters, how much more compute? -------------------------------------
    "ConvMixer-101/4 with p=4 and ConvMixer-103/4 with p=2 (both k=3) have almost the same number of "
    "parameters. Predict: how many times more multiply-accumulates (MACs) does the p=2 model need for one "
    "28x28 image? (within 15%)":
        "ConvMixer-101/4 取 p=4，ConvMixer-103/4 取 p=2，两者都是 k=3，参数量几乎相同。"
        "预测：p=2 的模型处理一张 28x28 的图像，需要的乘加运算（MACs）是前者的多少倍？（误差在 15% 以内）",
    "A mixer layer costs (k*k + h) * h MACs per patch. How many patches does each grid have?":
        "一个混合层在每个图像块上要做 (k*k + h) * h 次乘加运算（MACs）。两种网格各有多少个图像块？",
    "About 4.0x: p=2 gives a 14x14 grid (196 patches), p=4 a 7x7 grid (49), 4x as many; the widths differ "
    "a little, and the stem costs the same in both.":
        "约 4.0 倍：p=2 得到 14x14 的网格（196 个图像块），p=4 得到 7x7 的网格（49 个），图像块数是后者的 "
        "4 倍；两者的宽度略有不同，而 stem 层的开销在两者中相同。",
    "the parameters are nearly the same, but the compute is not: every mixer layer runs once per patch, "
    "and p=2 makes many more patches":
        "参数量几乎相同，计算量却不同：每个混合层在每个图像块上都要运行一次，而 p=2 产生的图像块要多得多",
    "halving p doubles the patches along each side of the grid: count both sides":
        "p 减半，网格每条边上的图像块数就翻一倍：两条边都要算上",
    "expected a number (how many times more MACs), got {type}":
        "这里要一个数（MACs 是多少倍），你给的是 {type}",

    # --- 06.2 compute: the standard error of a mean ------------------------------------------------
    "Write standard_error(values): values is a list of accuracies of one configuration, one per seed; "
    "return how uncertain their MEAN is, the standard error of the mean.":
        "写出 standard_error(values)：values 是同一个配置的准确率列表，每个随机种子一个；返回它们的均值"
        "（注意：是均值）有多不确定，也就是均值的标准误。",
    "Two steps. First: how far do single runs scatter around their mean (which function of the statistics "
    "module divides by n - 1)? Then: does a mean of n runs scatter more or less than one run, and by what "
    "factor? Section 5 says.":
        "分两步。第一步：单次运行围绕均值散布得有多远（statistics 模块里哪个函数除以 n - 1）？第二步："
        "n 次运行的均值，比单次运行散布得更大还是更小，差多少倍？第 5 节里有答案。",
    "return statistics.stdev(values) / math.sqrt(len(values))":
        "return statistics.stdev(values) / math.sqrt(len(values))（样本标准差除以 sqrt(n)）",
    "it returns the standard deviation itself; divide it by sqrt(n)":
        "它返回的是标准差本身；还要再除以 sqrt(n)",
    "it divides by n; the standard error divides by sqrt(n)":
        "它除以的是 n；标准误除以的是 sqrt(n)",
    "use the SAMPLE standard deviation (n - 1 in its denominator, statistics.stdev)":
        "要用样本标准差（分母是 n - 1，即 statistics.stdev）",
    "standard_error({case}) returned {got:.4g}, expected {expected:.4g}":
        "standard_error({case}) 返回了 {got:.4g}，应为 {expected:.4g}",

    # --- 06.3 why: a 0.2-point difference ---------------------------------------------------------
    "Suppose configuration A reaches 91.4% mean test accuracy and B 91.2%, over 3 seeds each, and each "
    "configuration's seeds scatter with a sample standard deviation of about 0.3 points. What may you "
    "conclude?":
        "假设配置 A 的平均测试准确率为 91.4%，B 为 91.2%，各用 3 个随机种子；每个配置在各个种子上的结果，"
        "样本标准差约为 0.3 个百分点。你能得出什么结论？",
    "A is better than B, because its mean over the seeds is higher.":
        "A 比 B 好，因为它在各个种子上的均值更高。",
    "A and B are equally good, because the gap is too small to matter.":
        "A 和 B 一样好，因为差距太小，无关紧要。",
    "Nothing yet: seed noise alone could easily make a gap this size.":
        "尚无结论：单凭种子噪声就很容易造成这么大的差距。",
    "B is better, because a lower mean with the same spread is steadier.":
        "B 更好，因为离散程度相同时，均值较低的更稳定。",
    "a higher mean from 3 noisy runs can come from lucky seeds; the standard error of the difference, "
    "sqrt(0.3^2/3 + 0.3^2/3) = 0.24 points, is larger than the 0.2-point gap":
        "3 次有噪声的运行得出的较高均值，可能只是种子运气好；差值的标准误 sqrt(0.3^2/3 + 0.3^2/3) = 0.24 "
        "个百分点，比 0.2 个百分点的差距还大",
    "not finding a difference is not showing there is none; with more seeds a real 0.2-point difference "
    "could still appear":
        "没有找到差异，不等于证明了没有差异；换用更多的种子，0.2 个百分点的真实差异仍可能显现出来",
    "the spreads are the same, so neither is more stable, and a lower mean is not a merit":
        "两者的离散程度相同，所以谁也不比谁更稳定；而且均值较低并不是优点",
    "(c). The means' standard errors are 0.3/sqrt(3) = 0.17 points each; the difference's is "
    "sqrt(0.17^2 + 0.17^2) = 0.24 points, larger than the 0.2-point gap (ratio 0.8, where 3 seeds each "
    "need a ratio above t, 2.78 to 4.30). Say 'no evidence either way'.":
        "(c)。两个均值的标准误各为 0.3/sqrt(3) = 0.17 个百分点；差值的标准误为 sqrt(0.17^2 + 0.17^2) = 0.24 "
        "个百分点，比 0.2 个百分点的差距还大（比值为 0.8，而每个配置 3 个种子时，比值要超过 t，即 2.78 到 "
        "4.30）。应该说：“哪一方都没有证据。”",
    "Compare the gap with the standard error of the difference of two means, and that ratio with t.":
        "把差距和两个均值之差的标准误作比较，再把这个比值和 t 作比较。",

    # --- 06.4 experiment: your own configuration, fairly -------------------------------------------
    "Design a configuration of your own in the ConvMixer or ViT family (the two with committed runs at 12 "
    "CPU-seconds), within 5% of the 50,000-parameter budget, not one of CONFIGS. Train it with ex.run (the "
    "live pair's budget and recipe) and say where its test accuracy landed against the 95% prediction "
    "interval printed above for its family's committed configuration: 'below', 'inside' or 'above'. "
    "Answer with dict(record=my_record, verdict=my_verdict).":
        "在 ConvMixer 或 ViT 模型族中设计一个你自己的配置（只有这两个模型族有预算为 12 CPU 秒的已提交运行），"
        "参数量与参数预算相差不超过 5%（预算为 50,000 个参数），且不能是 CONFIGS 中的配置。"
        "用 ex.run 训练它（预算和训练方案与现场训练的那一对模型相同），然后说出它的测试准确率落在哪里："
        "相对于上面为其模型族的已提交配置打印的 95% 预测区间，是 'below'（低于）、'inside'（之内）"
        "还是 'above'（高于）。"
        "用 dict(record=my_record, verdict=my_verdict) 作答。",
    "Change one thing of CONFIGS['convmixer'][1] or CONFIGS['vit'][1] (depth, kernel size, heads ...), "
    "then let compare.closest_width(family, config) choose the width; compare.describe((family, config)) "
    "counts the parameters before you train.":
        "在 CONFIGS['convmixer'][1] 或 CONFIGS['vit'][1] 中改动一处（深度、卷积核大小、注意力头数……），"
        "再让 compare.closest_width(family, config) 选出宽度；compare.describe((family, config)) "
        "能在训练之前数出参数量。",
    "For example ('vit', {'dim': 44, 'depth': 2, 'patch_size': 4, 'heads': 4, 'mlp_ratio': 4.0, "
    "'image_size': 28, 'num_classes': 10, 'in_channels': 1}) (51,050 parameters; dim=44 is what "
    "compare.closest_width gives for a 2-layer ViT). Compare your run's test accuracy with the prediction "
    "interval of its family: 'inside' means one run cannot tell your change from a new seed of the "
    "committed configuration; 'below' or 'above' means it moved the accuracy by more than seed noise "
    "would in 19 runs of 20, if runs scatter normally.":
        "例如 ('vit', {'dim': 44, 'depth': 2, 'patch_size': 4, 'heads': 4, 'mlp_ratio': 4.0, "
        "'image_size': 28, 'num_classes': 10, 'in_channels': 1})（51,050 个参数；dim=44 是 "
        "compare.closest_width 为 2 层 ViT 给出的宽度）。把你这次运行的测试准确率和它所属模型族的预测区间"
        "作比较：'inside' 表示仅凭一次运行，无法把你的改动和已提交配置换一个新种子的结果区分开；'below' 或 "
        "'above' 表示，如果各次运行服从正态分布，你的改动让准确率移动的幅度，超过了种子噪声在 20 次运行中的 "
        "19 次里会造成的幅度。",
    "Exercise {key}: not answered yet - write your configuration in place of the ...":
        "练习 {key}：还没有作答——把你的配置写在 ... 的位置。",
    "(the same configuration as before: its run is reused)":
        "（和上次的配置相同：沿用上次的运行结果）",
    "your configuration: {params:,} parameters, test accuracy {accuracy:.2%} after {epochs:.2f} epochs":
        "你的配置：{params:,} 个参数，训练 {epochs:.2f} 轮后测试准确率为 {accuracy:.2%}",
    "expected the record that ex.run(my_config, data) returned":
        "这里要的是 ex.run(my_config, data) 返回的记录",
    "that is one of the committed configurations; change something and make it your own":
        "这是已提交的配置之一；改动一些地方，把它变成你自己的配置",
    "only the {families} families have committed runs at {budget:g} CPU-seconds to compare with; choose "
    "one of them":
        "只有 {families} 模型族有预算为 {budget:g} CPU 秒的已提交运行可供比较；请从中选一个",
    " and ": " 和 ",
    "{params:,} parameters is {share:.0%} of the budget; a fair comparison stays within {tolerance:.0%} of "
    "{budget:,} (compare.closest_width finds a width)":
        "{params:,} 个参数是预算的 {share:.0%}；公平的比较要求与 {budget:,} 相差不超过 {tolerance:.0%}"
        "（compare.closest_width 能找到合适的宽度）",
    "it did not train for the same budget, {budget:g} CPU-seconds, as the live pair":
        "它没有按现场训练的那一对模型的预算（{budget:g} CPU 秒）训练",
    "it did not use the same recipe, clock and one thread as the others (use ex.run)":
        "它没有像其他运行那样使用相同的训练方案、计时方式和单线程（请用 ex.run）",
    "answer with dict(record=my_record, verdict=my_verdict)":
        "请用 dict(record=my_record, verdict=my_verdict) 作答",
    "my_verdict must be 'below', 'inside' or 'above', got {verdict!r}":
        "my_verdict 必须是 'below'、'inside' 或 'above'，你给的是 {verdict!r}",
    "your run scored {accuracy:.2%}, and a new seed of the committed {family} configuration is expected in "
    "{low:.2%}-{high:.2%}: look again":
        "你的运行得到 {accuracy:.2%}，而已提交的 {family} 配置换一个新种子，预计落在 {low:.2%}-{high:.2%}："
        "再看一看",

    # --- 06.5 why: CPU-seconds on a busy machine ---------------------------------------------------
    "Other programs kept the shared machine busy while the committed runs trained (section 4 printed its "
    "load averages). Each run's time budget counted the CPU-seconds of its own process. What did that load "
    "do to a run?":
        "训练那些已提交的运行时，其他程序一直让这台共享的机器很忙（第 4 节打印了它的负载均值）。每次运行的"
        "时间预算计的是它自己进程的 CPU 秒。这样的负载对一次运行有什么影响？",
    "It trained fewer steps: its budget ran out while others held the core.":
        "它训练的步数更少：别的程序占着核心时，它的预算就被耗掉了。",
    "Nothing at all: a CPU-second budget makes runs identical under any load.":
        "完全没有影响：有了 CPU 秒预算，任何负载下的运行都一模一样。",
    "It trained more steps: a CPU-second lasts longer on a busy machine.":
        "它训练的步数更多：在繁忙的机器上，一个 CPU 秒持续得更久。",
    "It took longer by the wall clock, yet still got its full CPU-time budget.":
        "按挂钟时间它用得更久，但仍然得到了全部的 CPU 时间预算。",
    "that is what a wall-clock budget would do; time.process_time does not count the time another "
    "program holds the core, so the budget waits with the run":
        "那是按挂钟时间计的预算才会有的结果；time.process_time 不计别的程序占用核心的时间，所以预算会和"
        "运行一起等待",
    "not quite nothing: sharing a core also slows each step a little (caches, memory), and CPU-seconds do "
    "count that, so one configuration completed different numbers of epochs on different seeds":
        "并非完全没有：共用一个核心也会让每一步稍慢一些（缓存、内存），而 CPU 秒确实会计入这部分，"
        "所以同一个配置在不同的种子上完成的轮数不同",
    "a CPU-second is one second of the run's own computation, busy machine or not; what grows is the "
    "wall-clock time around it":
        "无论机器忙不忙，一个 CPU 秒都是这次运行自身计算的一秒；变长的是它前后经过的挂钟时间",
    "(d): the budget waits while other programs hold the core, so a run lasts longer by the wall clock but "
    "gets the same CPU time; only the slowdown of sharing (caches, memory) still changes its number of "
    "steps a little.":
        "(d)：别的程序占用核心时，预算也随之等待，所以一次运行按挂钟时间持续得更久，但得到的 CPU 时间相同；"
        "只有共用核心带来的减速（缓存、内存）仍会让它的步数略有变化。",
}
