"""Chinese for the tables and training lines the package prints (counting.format_table, train.epoch_line,
compare.config_table, spread.format_summary / format_differences), keyed by the English text."""

ZH: dict[str, str] = {
}
