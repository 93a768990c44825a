"""Chinese for the tables and training lines the package prints (counting.format_table,
compare.config_table, spread.format_summary / format_differences), keyed by the English text.

Headings are padded by display width (``i18n.pad``: a Chinese character takes two columns) to the
English column widths, so each Chinese heading must fit its column with a space to spare (tests/
test_i18n_tables.py checks the alignment). "± std" fills its 7 columns exactly: with the mean's
heading before it, it reads "测试均值±标准差".
"""

ZH: dict[str, str] = {
    # counting.format_table (notebook 04)
    "stage": "阶段",
    "output shape": "输出形状",
    "params": "参数量",
    "input": "输入",
    "{name}, each": "{name}，每层",
    "total": "合计",
    # compare.config_table (notebook 06)
    "name": "名称",
    "family": "模型族",
    "budget": "占预算",
    "config": "配置",
    # spread.format_summary and format_differences (notebook 06)
    "test mean": "测试均值",
    "± std": "±标准差",
    "range": "范围",
    "val mean": "验证均值",
    "epochs": "轮数",
    "seconds": "秒数",
    "{name} - {baseline}: {difference} points, standard error {error}, ratio {ratio}, "
    "ranges overlap: {overlap}":
        "{name} - {baseline}：相差 {difference} 个百分点，标准误 {error}，比值 {ratio}，范围重叠：{overlap}",
    "yes": "是",
    "no": "否",
}
