"""Chinese for notebook 05's exercises (convmixer_lab/exercises/nb05.py), keyed by the English text."""

ZH: dict[str, str] = {
    # --- 05.1 predict: the lowest loss with label smoothing ------------------------------------------
    "Predict, then run. fit trains with label smoothing 0.1 over 10 classes: the target of an image is 0.91 "
    "on its class and 0.01 on each of the others. What is the LOWEST training loss a model can reach, "
    "whatever its weights? Predict a number (2 decimals are enough).":
        "先预测，再运行。fit 训练时使用 0.1 的标签平滑，共有 10 个类别：一张图像的目标在它自己的类别上是 "
        "0.91，在其他每个类别上是 0.01。无论权重取什么值，模型能达到的训练损失最低是多少？预测一个数（保留 "
        "2 位小数就够了）。",
    "Cross-entropy -sum(q * log p) is smallest when the model's probabilities p equal the target q; the "
    "smallest value is then -sum(q * log q). Two kinds of terms: one for the true class, 9 equal ones for "
    "the others.":
        "当模型的概率 p 等于目标 q 时，交叉熵 -sum(q * log p) 最小，这时的最小值就是 -sum(q * log q)。其中"
        "有两类项：正确类别的一项，以及其他类别的 9 个相等的项。",
    "-(0.91 * ln 0.91 + 9 * 0.01 * ln 0.01) = 0.500. A model that puts more than 0.91 on the true class is "
    "penalised again (the cell shows 0.99 and 0.999), so label smoothing keeps the model from becoming "
    "over-confident, and a loss near 0.7 can go with about 90% accuracy.":
        "-(0.91 * ln 0.91 + 9 * 0.01 * ln 0.01) = 0.500。模型给正确类别的概率一旦超过 0.91，损失反而又会上"
        "升（单元格里给出了 0.99 和 0.999 的情形），所以标签平滑能防止模型变得过于自信；损失在 0.7 左右时"
        "，准确率也可以有约 90%。",
    "predict one number (a loss), got {type}": "请预测一个数（一个损失值），你给的是 {type}",
    "0 is the floor WITHOUT label smoothing; with it the target itself is uncertain (0.91 on the true class, "
    "0.01 on each other one), and a loss that compares with an uncertain target cannot reach 0":
        "0 是不用标签平滑时的下限；用了标签平滑，目标本身就不确定（正确类别上 0.91，其他每个类别上 0.01）"
        "，而和一个不确定的目标作比较的损失，不可能降到 0",
    "0.086 is only the true class's term, 0.91 * ln(1/0.91); the 9 other classes' terms, 0.01 * ln(1/0.01) "
    "each, add the rest":
        "0.086 只是正确类别的那一项 0.91 * ln(1/0.91)；其余 9 个类别各有一项 0.01 * ln(1/0.01)，剩下的部分"
        "由它们加起来",
    "-ln 0.91 = 0.094 is the plain cross-entropy, with the whole target on the true class; the loss against "
    "the smoothed target also has 9 terms 0.01 * ln(1/p) for the other classes, and they add the most":
        "-ln 0.91 = 0.094 是普通的交叉熵，即目标全部放在正确类别上时的损失；对平滑后的目标计算的损失，还要"
        "加上其他类别的 9 项 0.01 * ln(1/p)，而大头正是这些项",
    "0.1 is the smoothing eps, the share of the target moved off the true class; the loss is a "
    "cross-entropy, -sum(target * ln(probabilities)), measured in nats (units of the natural logarithm ln)":
        "0.1 是平滑系数 eps，即从正确类别上挪走的那部分目标；损失是交叉熵 -sum(target * ln(probabilities))"
        "，单位是奈特（nats，以自然对数 ln 计的单位）",
    "0.414 is only the 9 other classes' terms; the true class's term, 0.91 * ln(1/0.91), adds a little more":
        "0.414 只是其余 9 个类别的那些项；还要再加上正确类别的那一项 0.91 * ln(1/0.91)，它再多出一点",
    "ln 10 = 2.30 is the loss of a uniform guess, where training starts, not its floor":
        "ln 10 = 2.30 是均匀猜测的损失，是训练的起点，不是损失的下限",
    "{side}: the loss is lowest when the model's probabilities equal the smoothed target; it is then the "
    "target's entropy":
        "{side}：当模型的概率等于平滑后的目标时，损失最低；这时的损失就是目标的熵",

    # --- 05.2 predict: the shared BatchNorm's running statistics ---------------------------------------
    "Predict, then run. The tutorial's shared BatchNorm updates its running statistics twice in every "
    "training step, with momentum 0.1: running = 0.9 * running + 0.1 * batch statistic, first with the 1st "
    "input's batch (after the depthwise convolution), then with the 2nd input's (after the pointwise one). "
    "Once they settle, the stored value is about w * (1st input's statistic) + (1 - w) * (2nd input's). "
    "Predict w (a number between 0 and 1).":
        "先预测，再运行。教程中共用的 BatchNorm 在每个训练步里更新两次运行统计量，动量为 0.1：running = 0."
        "9 * running + 0.1 * batch statistic。先用第 1 个输入（深度卷积之后）的批次更新，再用第 2 个输入（"
        "逐点卷积之后）的批次更新。稳定下来以后，存储的值约为 w * (第 1 个输入的统计量) + (1 - w) * (第 2 "
        "个输入的统计量)。预测 w（一个 0 到 1 之间的数）。",
    "Settled means unchanged after a whole step: r = 0.9 * (0.9 * r + 0.1 * a) + 0.1 * b. Solve for r and "
    "read off the factor in front of a.":
        "稳定下来，就是经过完整的一步之后不再变化：r = 0.9 * (0.9 * r + 0.1 * a) + 0.1 * b。解出 r，读出 a"
        " 前面的系数。",
    "r = 0.81 r + 0.09 a + 0.1 b, so r = (0.09 a + 0.1 b) / 0.19: w = 9/19 = 0.474. About half each, "
    "slightly less for the 1st input because the 2nd is written last. The stored statistics match neither "
    "input: in eval mode both calls are normalised with a blend.":
        "r = 0.81 r + 0.09 a + 0.1 b，所以 r = (0.09 a + 0.1 b) / 0.19：w = 9/19 = 0.474。两个输入大约各占"
        "一半，第 1 个输入略少一点，因为第 2 个输入是最后写入的。存储的统计量和哪个输入都不相符：在评估模"
        "式下，两次调用都用这个混合值来归一化。",
    "predict one number between 0 and 1, got {type}": "请预测一个 0 到 1 之间的数，你给的是 {type}",
    "0.1 is the momentum: the weight of ONE update; the stored value has taken many updates":
        "0.1 是动量，也就是一次更新的权重；而存储的值已经经历了许多次更新",
    "0.9 is what each update keeps of the old value; follow two updates in a row: the 1st input goes in "
    "with 0.1, then everything is multiplied by 0.9 before the 2nd goes in":
        "0.9 是每次更新保留下来的旧值比例；把连续两次更新跟一遍：第 1 个输入以 0.1 的权重写入，然后整个值"
        "先乘以 0.9，第 2 个输入才写入",
    "close, but not half each: the two updates are not symmetric. Which input is written last, and so has "
    "been shrunk by 0.9 fewer times?":
        "很接近，但不是各占一半：两次更新并不对称。哪个输入是最后写入的，因而少乘了一次 0.9？",
    "that is the 2nd input's weight: it is written last, so it weighs a little more; the 1st input's share "
    "is the rest":
        "这是第 2 个输入的权重：它最后写入，所以权重略大一些；第 1 个输入占的是剩下的部分",
    "the running statistic keeps 90% of its old value at every call, so it remembers many calls back, of "
    "both inputs":
        "运行统计量每次调用都保留旧值的 90%，所以它记得往前许多次调用的内容，两个输入的都有",
    "{side}: write the stored value after one 1st-input update and one 2nd-input update":
        "{side}：写出经过一次第 1 个输入的更新、再经过一次第 2 个输入的更新之后，存储的值是多少",

    # --- 05.3 why: the running training accuracy trails in epoch 1 -------------------------------------
    "In the first epoch of the training run, the training accuracy printed is BELOW the validation "
    "accuracy, although the model never trains on the validation images. Why?":
        "在这次训练的第一轮中，打印出的训练准确率反而低于验证准确率，尽管模型从来没有在验证图像上训练过。"
        "为什么？",
    "The validation images are easier: the split was chosen to hold the clearest, most typical images of "
    "each of the 10 classes.":
        "验证图像更容易：划分验证集时，特意为 10 个类别中的每一类挑了最清晰、最典型的图像。",
    "The model overfits from the first epoch on: it memorises its training images, and that lowers its "
    "accuracy on those images.":
        "模型从第一轮起就过拟合了：它记住了自己的训练图像，这降低了它在这些图像上的准确率。",
    "Label smoothing lowers the training accuracy: with only 0.91 of the target on the true class, fewer "
    "answers count as right.":
        "标签平滑压低了训练准确率：目标在正确类别上只有 0.91，所以算作答对的答案更少。",
    "Training accuracy is counted while the model learns, early batches by a barely trained model; "
    "validation scores the final model.":
        "训练准确率是在模型学习的过程中统计的，前面的批次由一个几乎还没训练的模型来判断；验证集评的是最终"
        "的模型。",
    "the validation split is 500 images of each class drawn at random (with a fixed seed) from the same "
    "60,000 training images: the same kind of images, balanced like the training set.":
        "验证集是每个类别 500 张图像，（用固定的随机种子）从同样的 60,000 张训练图像中随机抽出：图像是同一"
        "种，各类别也和训练集一样均衡。",
    "overfitting shows the other way round: a model that memorises its training images scores HIGHER on "
    "them than on held-out images.":
        "过拟合的表现正好相反：记住了训练图像的模型，在这些图像上的得分比在留出的图像上更高。",
    "label smoothing changes the loss's target, not which logit is largest; in both accuracies an answer "
    "counts as right when the true class has the largest logit.":
        "标签平滑改变的是损失的目标，而不是哪个 logit 最大；两种准确率都是在正确类别的 logit 最大时才算答"
        "对。",
    "When, and by which version of the model, is each of the two accuracies measured?":
        "这两个准确率分别是在什么时候、由哪个时刻的模型测出来的？",
    "(d). fit's training accuracy is a running count over the epoch's batches (train_one_epoch adds up the "
    "correct predictions as it trains), so epoch 1 averages over a model that starts at chance; the "
    "validation accuracy is measured after the epoch (in eval mode), by the model as it ends the epoch. "
    "Later epochs change less within the epoch, and the gap closes.":
        "(d)。fit 的训练准确率是在这一轮的各个批次上边训练边累计的（train_one_epoch 一边训练，一边把预测正"
        "确的个数加起来），所以第 1 轮的训练准确率是对一个从随机猜测水平起步的模型求的平均；验证准确率则是"
        "在这一轮结束之后（在评估模式下）测量的，用的是这一轮结束时的模型。之后的几轮里，模型在一轮之内变"
        "化得少了，差距也就缩小了。",

    # --- 05.4 experiment: p = 2 and k = 7 ----------------------------------------------------------
    "Experiment. The experiment cell trains the small preset (p=4, k=3) and two variants that each change "
    "ONE thing, p=2 or k=7, once each (seed 0), for one epoch on the same few thousand images, and prints "
    "their parameters, MACs per image and validation accuracy, then the seed spread of section 5 (the cell "
    "after it, their training time on your machine). Which statement does the experiment support?":
        "实验。实验单元格训练 small 预设（p=4, k=3）和两个只改动一处的变体（p=2 或 k=7），每个只训练一次（"
        "随机种子 0），都在同样的几千张图像上训练一轮，然后打印它们的参数量、每张图像的乘加运算次数和验证"
        "准确率，再打印第 5 节中随机种子造成的波动范围（后面那个单元格打印它们在你的机器上的训练时间）。这"
        "个实验支持哪个说法？",
    "p=2 has slightly fewer parameters yet about 3.8x the MACs and scored lowest in this one run; k=7's "
    "lead over k=3 is about the seed spread.":
        "p=2 的参数量略少，乘加运算却约为 3.8 倍，并且在这一次运行中得分最低；k=7 领先 k=3 的幅度和随机种"
        "子造成的波动差不多。",
    "p=2 is the better choice: smaller patches keep more detail, and in this one run it reached the highest "
    "validation accuracy of the three.":
        "p=2 是更好的选择：图像块越小，保留的细节越多，而且在这一次运行中，它的验证准确率是三者中最高的。",
    "p=2 needs more MACs because it has more parameters than p=4: more weights to multiply for every image, "
    "and so more work per image.":
        "p=2 需要更多乘加运算，是因为它的参数比 p=4 多：每张图像要乘的权重更多，所以每张图像的计算量更大。",
    "k=7 costs 49/9 = 5.4x the MACs of k=3, since every depthwise kernel has 49 weights instead of 9, and it "
    "is the most accurate setting.":
        "k=7 需要 49/9 = 5.4 倍的乘加运算（与 k=3 相比），因为每个深度卷积核有 49 个权重而不是 9 个；"
        "而且它是最准确的设置。",
    "read the accuracy column: after one short epoch p=2 is below p=4. Detail may pay off with longer "
    "training (the reference model uses p=2), but this run does not show it.":
        "看准确率那一列：只训练短短一轮之后，p=2 低于 p=4。训练得更久，细节也许会带来好处（参考模型用的就"
        "是 p=2），但这次运行没有显示出这一点。",
    "the parameters column says the opposite: the stem's filters shrink from 4x4 to 2x2 pixels (21,322 vs "
    "22,090 parameters); the cost comes from the number of patches every layer processes.":
        "参数量那一列说的正好相反：起始层的滤波器从 4x4 像素缩小到 2x2 像素（参数量 21,322 对 22,090）；代"
        "价来自每一层要处理的图像块个数。",
    "only the depthwise convolution grows with k (k=7 costs 1.5x in all); the pointwise convolution, h x h "
    "MACs at every patch, does not change and is most of the work. And one run per setting cannot crown "
    "the most accurate one.":
        "只有深度卷积随 k 变大（k=7 总共是 1.5 倍）；逐点卷积在每个图像块上做 h x h 次乘加，它不变，而且占"
        "了大部分计算量。再说，每种设置只跑一次，也评不出哪个最准确。",
    "Compare the columns one by one: what grows with p=2, what with k=7? The grid is 28/p patches on a side, "
    "and every mixer layer works at every patch. Then compare the accuracy gaps with the seed spread "
    "printed beside them.":
        "一列一列地比较：p=2 时什么变大了？k=7 时又是什么？网格每边有 28/p 个图像块，每个 ConvMixer 层都要"
        "在每个图像块上计算。然后把准确率之间的差距和旁边打印的随机种子波动范围作比较。",
    "(a). Parameters do not set the cost: p=2 has fewer (21,322 vs 22,090) but 196 patches instead of 49, "
    "so about 3.8x the MACs; k=7 grows only the depthwise part (1.5x in all). The accuracies come from one "
    "run each: in section 5 the seed alone moved the small preset's eval-mode accuracy by several points, "
    "so a gap of that size ranks nothing. One epoch on a few thousand images is also a short run: what p=2 "
    "buys in detail is not visible yet, and a longer run, or more seeds, could rank them differently.":
        "(a)。参数量并不决定计算代价：p=2 的参数更少（21,322 对 22,090），但图像块有 196 个而不是 49 个，"
        "所以乘加运算约为 3.8 倍；k=7 只让深度卷积那部分变大（总共 1.5 倍）。各个准确率都只来自一次运行："
        "在第 5 节里，单是随机种子就让 small 预设在评估模式下的准确率变动了好几个百分点，所以这么大的差距"
        "排不出高下。在几千张图像上训练一轮也是很短的运行：p=2 在细节上带来的好处还看不出来；训练得更久，"
        "或者多用几个种子，排名可能就不一样了。",

    # --- 05.5 why: choosing the epoch by the test set ------------------------------------------------
    "A classmate trains a model for 40 epochs, scores the TEST set after every epoch, and reports the epoch "
    "with the highest test accuracy, and that accuracy, as the result. No test image was ever trained on. "
    "What is wrong with the reported number?":
        "一位同学把一个模型训练了 40 轮，每轮结束后都在测试集上评一次分，然后把测试准确率最高的那一轮，连"
        "同这个准确率，作为结果报告出来。没有任何测试图像参与过训练。报告的这个数有什么问题？",
    "Nothing: no test image was trained on, so each epoch's test score, the highest one included, is a fair "
    "estimate for new images.":
        "没有问题：没有任何测试图像参与训练，所以每一轮的测试分数，包括最高的那个，都是对新图像的公正估计"
        "。",
    "It is the best of 40 noisy scores on the same images, so it likely overstates the accuracy on new "
    "images; let validation pick the epoch.":
        "它是在同一批图像上 40 个带噪声的分数中最高的那个，所以很可能高估了在新图像上的准确率；应该让验证"
        "集来挑轮次。",
    "Scoring the test set after every epoch leaks it into training: BatchNorm's running statistics take in "
    "the test images each time.":
        "每轮之后在测试集上评分，会把测试集泄露进训练：BatchNorm 的运行统计量每次都会吸收测试图像。",
    "Nothing, as long as the test set is large: with 10,000 images each test score is exact, so the best "
    "epoch really is the best one.":
        "只要测试集够大，就没有问题：有 10,000 张图像，每个测试分数都是精确的，所以分数最高的那一轮确实就"
        "是最好的。",
    "each score alone would be fair if nothing were chosen by it; the reported one was kept BECAUSE it was "
    "the highest on these images, so part of its height is luck on exactly these images.":
        "如果不拿分数来做选择，每个分数单独来看都是公正的；但报告的这个分数之所以被留下，恰恰是因为它在这"
        "些图像上最高，所以它的高度有一部分正是在这些图像上碰上的运气。",
    "evaluate scores in eval mode, without gradients: BatchNorm reads its running statistics and does not "
    "update them, and no weight changes. The harm is in the choice, not in the weights.":
        "evaluate 在评估模式下评分，不计算梯度：BatchNorm 只读取运行统计量而不更新它们，任何权重也都不变。"
        "问题出在选择上，而不在权重上。",
    "10,000 images make each score less noisy, not exact; and the highest of many noisy scores is biased "
    "upward however small the noise, so the best epoch's score still overstates.":
        "10,000 张图像只是让每个分数的噪声更小，并不能让它精确；而且无论噪声多小，许多带噪声的分数中最高的"
        "那个总是偏高，所以最佳轮次的分数仍然高估了准确率。",
    "Suppose the model stopped improving after epoch 20 and later epochs differ only by chance. Which "
    "epoch's score gets reported, and why is it high?":
        "假设模型在第 20 轮之后就不再进步，之后各轮之间的差别只是偶然。哪一轮的分数会被报告出来？它为什么"
        "偏高？",
    "(b). Watching the test set to pick the epoch is choosing by test accuracy, like choosing p or k by it: "
    "the reported score is the highest of 40 noisy measurements on the same 10,000 images, partly luck, so "
    "it overstates the accuracy on new images, and the test set no longer measures anything independently. "
    "Pick the epoch (or fix the number of epochs in advance) with the validation split, then score the "
    "test set once, at the end.":
        "(b)。盯着测试集来挑轮次，就是按测试准确率做选择，和按它挑 p 或 k 一样：报告的分数是 40 次带噪声的"
        "测量中最高的那次，测的都是同样的 10,000 张图像，其中有一部分是运气，所以它高估了模型在新图像上的"
        "准确率，测试集也就不再能独立地衡量任何东西。应该用验证集来挑轮次（或者事先定好训练几轮），最后只"
        "在测试集上评一次分。",
}
