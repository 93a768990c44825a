"""Chinese for the training lines (train.epoch_line / print_epoch), keyed by the English text: the
`train` helper moves this entry to texts/train.toml. (The tables' words are in texts/tables.toml.)"""

ZH: dict[str, str] = {
    "epoch {epoch}: loss {loss}, train accuracy {train}, val accuracy {val}":
        "轮次 {epoch}：损失 {loss}，训练准确率 {train}，验证准确率 {val}",
}
