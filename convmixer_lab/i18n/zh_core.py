"""Chinese for the machinery every notebook shares (exercise verdicts and prompts, the checkers'
common reasons), keyed by the English text."""

ZH: dict[str, str] = {
    "Exercise {key}: {text}": "练习 {key}：{text}",
    "Hint for {key}: {text}": "练习 {key} 的提示：{text}",
    "Solution for {key}: {text}": "练习 {key} 的解答：{text}",
    "Exercise {key}: not answered yet - replace the ... with your answer.":
        "练习 {key}：还没有作答——把 ... 换成你的答案。",
    "Exercise {key}: correct!": "练习 {key}：正确！",
    "Exercise {key}: not quite - {reason}. Try again, or call .hint().":
        "练习 {key}：还不对——{reason}。再试一次，或者调用 .hint() 看提示。",
    "Exercise {key}: not quite. Try again, or call .hint().":
        "练习 {key}：还不对。再试一次，或者调用 .hint() 看提示。",
    "Exercise {key}: not answered yet - write your prediction in place of the ..., "
    "then run the cells below.":
        "练习 {key}：还没有作答——先把你的预测写在 ... 的位置，再运行下面的单元格。",
    "Exercise {key}: prediction recorded ({value}). Now run the next cells and see.":
        "练习 {key}：已记下你的预测（{value}）。现在运行后面的单元格，看看结果。",
    "Exercise {key}: measured {measured}; you have not made a prediction yet.":
        "练习 {key}：测得 {measured}；你还没有写下预测。",
    "Exercise {key}: you predicted {prediction}, the cell measured {measured}.":
        "练习 {key}：你预测的是 {prediction}，单元格测得 {measured}。",
    "Exercise {key}: your prediction was right.": "练习 {key}：你的预测是对的。",
    "Exercise {key}: not what you predicted - {reason}. ex.solution() explains why.":
        "练习 {key}：和你的预测不一样——{reason}。ex.solution() 会解释原因。",
    "Exercise {key}: not what you predicted. ex.solution() explains why.":
        "练习 {key}：和你的预测不一样。ex.solution() 会解释原因。",
    "checking your answer raised {error}: {message}": "检查你的答案时出错 {error}：{message}",
    "too large": "太大了",
    "too small": "太小了",
    "expected a number, got {type}": "这里要一个数，你给的是 {type}",
    "expected {count} numbers {names}": "这里要 {count} 个数：{names}",
    "choose one of {letters}": "请从 {letters} 中选一个",
    "Rule out the options you can show are false, one by one.": "把你能证明是错的选项一个一个排除掉。",
}
