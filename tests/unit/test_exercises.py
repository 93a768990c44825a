"""The exercise machinery: verdicts, placeholders, answers judged by their value, and every registered
exercise's reference answer."""

import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch

from convmixer_lab.exercises import EXERCISES, exercise, load_all
from convmixer_lab.exercises.core import (
    KINDS,
    NotAnswered,
    as_integers,
    as_number,
    call_answer,
    close_to,
    define,
    equals_int,
    equals_shape,
)
from convmixer_lab.texts import entries, set_language

load_all()  # every notebook's exercises, for the tables below

MADE_UP = {
    "99.1.question": "How much is 6 * 7?", "99.1.hint": "Multiply.", "99.1.solution": "42",
    "99.2.question": "Write square(n).", "99.2.hint": "n times n.", "99.2.solution": "return n * n",
    "99.3.question": "Why does the sky look blue?", "99.3.solution": "(b)",
    "99.3.option.a": "it mirrors the sea", "99.3.option.b": "short wavelengths scatter more",
    "99.3.option.c": "long wavelengths scatter more",
    "99.3.wrong.a": "the sea is not a mirror of the sky", "99.3.wrong.c": "that would make it red",
    "99.6.question": "Predict 6 * 7 = {product}.", "99.6.hint": "", "99.6.solution": "{product}",
    "99.7.question": "?", "99.7.hint.1": "first", "99.7.hint.2": "second", "99.7.solution": "!",
}


@pytest.fixture
def made_up(monkeypatch):
    """Exercises 99.x with texts of their own (English only), registered for one test."""
    for key, en in MADE_UP.items():
        monkeypatch.setitem(entries(), key, {"en": en, "zh": "", "file": "test"})
    for key in [k for k in EXERCISES if k.startswith("99.")]:
        monkeypatch.delitem(EXERCISES, key)
    yield {
        "int": define("99.1", "compute", 42),
        "function": define("99.2", "compute", lambda n: n * n,
                           is_correct=lambda f: all(call_answer(f, n) == n * n for n in (0, 3, -2))),
        "choice": define("99.3", "why", "b", options="abc"),
        "predict": define("99.6", "predict", 42, fields={"product": 42}),
        "graded": define("99.7", "compute", 1, hints=2),
    }
    for key in [k for k in EXERCISES if k.startswith("99.")]:
        EXERCISES.pop(key)


def test_correct_answer(made_up, capsys):
    assert made_up["int"].check(42) is True
    assert capsys.readouterr().out == "Exercise 99.1: correct!\n"


@pytest.mark.parametrize("answer,says", [
    (41, "too small"), (43, "too large"), ("42", "expected a number, got str"),
    (float("nan"), "expected a number, got NaN (not a number)"),
    (np.float32("nan"), "expected a number, got NaN (not a number)"),
    (41.9, "too small"), (42.1, "too large"), (True, "expected a number, got bool")])
def test_wrong_answer_says_not_quite_with_feedback(made_up, capsys, answer, says):
    assert made_up["int"].check(answer) is False
    out = capsys.readouterr().out
    assert out == f"Exercise 99.1: not quite - {says}. Try again, or call .hint().\n"


@pytest.mark.parametrize("answer", [42, 42.0, np.int64(42), np.float32(42), torch.tensor(42),
                                    torch.tensor(42.0), np.array(42), Fraction(84, 2), Decimal("42")],
                         ids=repr)
def test_right_numbers_are_right_in_any_numeric_type(made_up, answer):
    assert made_up["int"].check(answer) is True


def test_a_huge_number_is_too_large_and_a_broken_function_is_feedback(made_up, capsys):
    assert made_up["int"].check(10**400) is False
    assert made_up["function"].check(lambda n: exit(3)) is False  # SystemExit inside an answer
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Exercise 99.1: not quite - too large. Try again, or call .hint()."
    assert lines[1].startswith("Exercise 99.2: not quite - checking your answer raised SystemExit")


def test_a_whole_number_is_not_truncated():
    assert not equals_int(7)(7.9) and not equals_int(7)(np.float64(7.9))
    assert not equals_int(7)(torch.tensor(7.9))
    assert equals_int(7)(7.0)


@pytest.mark.parametrize("placeholder", [..., None])
def test_placeholder_value_is_not_answered_yet(made_up, capsys, placeholder):
    assert made_up["int"].check(placeholder) is False
    assert capsys.readouterr().out == (
        "Exercise 99.1: not answered yet - replace the ... with your answer.\n")


def test_placeholder_function_is_not_answered_yet(made_up, capsys):
    # what a student copy holds after `return n * n  # SOLUTION` became `return ...`
    def square(n):
        return ...

    def square_none(n):
        pass

    ex = made_up["function"]
    assert ex.check(square) is False
    assert ex.check(square_none) is False
    out = capsys.readouterr().out
    assert out.count("Exercise 99.2: not answered yet") == 2 and "not quite" not in out


def test_function_answers(made_up, capsys):
    ex = made_up["function"]
    assert ex.check(lambda n: n * n) is True
    assert ex.check(lambda n: 2 * n) is False
    assert ex.check(lambda: 0) is False  # wrong signature: feedback, not a crash
    assert ex.check(5) is False           # not a function at all
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Exercise 99.2: correct!"
    assert lines[1] == "Exercise 99.2: not quite. Try again, or call .hint()."
    assert lines[2].startswith("Exercise 99.2: not quite - checking your answer raised TypeError")
    assert lines[3] == ("Exercise 99.2: not quite - checking your answer raised TypeError: "
                        "expected a function, got int. Try again, or call .hint().")


def test_question_hint_solution_print_the_key_and_the_fields(made_up, capsys):
    for ex in (made_up["int"], made_up["predict"]):
        ex.question()
        ex.solution()
    made_up["int"].hint()
    assert capsys.readouterr().out.splitlines() == [
        "Exercise 99.1: How much is 6 * 7?", "Solution for 99.1: 42",
        "Exercise 99.6: Predict 6 * 7 = 42.", "Solution for 99.6: 42", "Hint for 99.1: Multiply."]


LAST_HINT = "That was the last hint for 99.7; ex.solution() prints a whole answer."


def test_graded_hints_say_more_at_each_call_then_repeat_the_last(made_up, capsys):
    ex = made_up["graded"]
    for _ in range(3):
        ex.hint()
    assert capsys.readouterr().out.splitlines() == [
        "Hint 1 of 2 for 99.7: first", "Call ex.hint() again for hint 2.",
        "Hint 2 of 2 for 99.7: second", LAST_HINT, "Hint 2 of 2 for 99.7: second", LAST_HINT]


def test_call_answer():
    assert call_answer(lambda a, b: a + b, 2, 3) == 5
    with pytest.raises(NotAnswered):
        call_answer(lambda: ...)
    with pytest.raises(TypeError, match="expected a function"):
        call_answer(3)


def test_checkers():
    assert equals_int(7)(7) and equals_int(7)(7.0) and not equals_int(7)(8)
    assert not equals_int(1)(True) and not equals_int(7)("7")
    assert close_to(0.1131, rel=1e-3)(0.11306) and not close_to(0.1131, rel=1e-3)(0.12)
    assert not close_to(1.0)(True) and not close_to(1.0)(float("nan"))
    assert equals_shape((4, 1000))(torch.Size([4, 1000])) and equals_shape((4, 1000))([4, 1000])
    assert not equals_shape((4, 1000))((1000, 4)) and not equals_shape((4, 1000))(4000)


def test_a_float32_result_within_float32_precision_is_right():
    exact = 1 / 3
    f32 = np.float32(exact)  # off by about 1e-8 relative: float32's rounding
    assert close_to(exact, rel=1e-9)(f32) and close_to(exact, rel=1e-9)(torch.tensor(exact))
    assert not close_to(exact, rel=1e-9)(float(f32))  # the same number as a float64 is judged at 1e-9
    assert not close_to(exact, rel=1e-9)(np.float32(exact * (1 + 1e-3)))


@pytest.mark.parametrize("answer,expected", [
    ((8, 9), (8, 9)), ([8, 9], (8, 9)), (torch.Size([8, 9]), (8, 9)), (np.array([8, 9]), (8, 9)),
    (torch.tensor([8, 9]), (8, 9)), ((np.int64(8), 9.0), (8, 9)),
    ((8.9, 9.7), None), (("8", "9"), None), ((8, float("nan")), None), (np.zeros((2, 2)), None),
    (8, None), ("89", None), ((True, 9), None)], ids=repr)
def test_a_shape_is_a_sequence_of_whole_numbers(answer, expected):
    assert as_integers(answer) == expected
    assert equals_shape((8, 9))(answer) is (expected == (8, 9))


@pytest.mark.parametrize("answer,value", [
    (3, 3.0), (2.5, 2.5), (np.float16(0.5), 0.5), (torch.tensor(-1), -1.0), (Fraction(1, 4), 0.25),
    (Decimal("0.1"), 0.1), (np.array(7), 7.0), (float("nan"), None), (False, None), ("1", None),
    (10**400, float("inf")), (-(10**400), float("-inf")), (Decimal("sNaN"), None), (Decimal("NaN"), None),
    (torch.tensor([1.0]), None), (np.array([1, 2]), None), ([1], None), (1 + 2j, None)], ids=repr)
def test_as_number(answer, value):
    assert as_number(answer) == value


def test_define_refuses_duplicates_bad_kinds_and_answers_outside_the_options(made_up):
    with pytest.raises(ValueError, match="defined twice"):
        define("99.1", "compute", 42)
    with pytest.raises(ValueError, match="kind must be one of"):
        define("99.8", "quiz", 1)
    with pytest.raises(ValueError, match="not one of the options"):
        define("99.9", "why", "e", options="abcd")
    with pytest.raises(ValueError, match="give is_correct="):
        define("99.10", "compute", "text")
    with pytest.raises(KeyError, match="known keys"):
        exercise("99.99")


@pytest.mark.parametrize("answer,says", [
    ("a", "the sea is not a mirror of the sky"), ("c", "that would make it red"),
    ("d", "choose one of a, b, c"),
    (["b"], "choose one of a, b, c"), ({"b": 1}, "choose one of a, b, c"), ("ab", "choose one of a, b, c"),
    (2, "choose one of a, b, c")], ids=repr)
def test_a_choice_explains_each_wrong_answer_in_one_line(made_up, capsys, answer, says):
    assert made_up["choice"].check(answer) is False
    assert capsys.readouterr().out == f"Exercise 99.3: not quite - {says}. Try again, or call .hint().\n"


def test_a_choice_prints_its_options_and_takes_a_letter_in_any_dress(made_up, capsys):
    ex = made_up["choice"]
    ex.question()
    assert capsys.readouterr().out.splitlines()[1:] == ["  (a) it mirrors the sea",
                                                        "  (b) short wavelengths scatter more",
                                                        "  (c) long wavelengths scatter more"]
    assert ex.check(" (B) ") is True and ex.check("b") is True
    ex.hint()
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Hint for 99.3: Rule out the options you can show are false, one by one.")


def test_prediction_exercise_records_then_reveals(made_up, capsys):
    ex = made_up["predict"]
    assert ex.reveal(42) is False  # nothing predicted yet
    ex.predict(...)
    ex.predict(40)
    assert ex.reveal(42) is False
    ex.predict(42)
    assert ex.reveal(42) is True
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Exercise 99.6: measured 42; you have not made a prediction yet."
    assert out[1].startswith("Exercise 99.6: not answered yet")
    assert "you predicted 40, the cell measured 42" in out[3]
    assert out[4] == "Exercise 99.6: not what you predicted - too small. ex.solution() explains why."
    assert out[-1] == "Exercise 99.6: your prediction was right."
    ex.predict(...)  # a placeholder forgets the old prediction
    assert ex.reveal(42) is False and "not made a prediction" in capsys.readouterr().out.splitlines()[-1]
    with pytest.raises(TypeError, match="belong to 'predict' exercises"):
        made_up["int"].predict(3)


def test_feedback_ending_in_a_full_stop_is_not_doubled(made_up, capsys):
    ex = made_up["int"]
    ex.feedback = lambda answer: "the product is larger."
    ex.check(41)
    assert capsys.readouterr().out == ("Exercise 99.1: not quite - the product is larger. "
                                       "Try again, or call .hint().\n")


def test_verdicts_without_a_reason(made_up, capsys):
    """A checker that says nothing about a wrong answer still gets a verdict, without a dash."""
    ex = made_up["predict"]
    ex.feedback = lambda answer: None
    ex.predict(40)
    assert ex.reveal(42) is False
    assert capsys.readouterr().out.splitlines()[-1] == \
        "Exercise 99.6: not what you predicted. ex.solution() explains why."


def test_verdicts_in_chinese(made_up, capsys):
    set_language("zh")
    try:
        made_up["int"].check(41)
        made_up["int"].check(42)
    finally:
        set_language("en")
    assert capsys.readouterr().out.splitlines() == [
        "练习 99.1：还不对——太小了。再试一次，或者调用 .hint() 看提示。", "练习 99.1：正确！"]


def _a_wrong_answer(answer):
    """A near miss for a reference answer, so we can check that the checker refuses it."""
    if callable(answer):
        return lambda *args: -12345
    if isinstance(answer, (tuple, list)):
        return tuple(answer[:-1]) + (answer[-1] + 1,)
    if as_number(answer) is not None:
        return answer * 1.5 + 1
    return None


@pytest.mark.parametrize("key", sorted(k for k in EXERCISES if not k.startswith("99.")))
def test_every_registered_exercise(key, capsys):
    ex = EXERCISES[key]
    assert ex.key == key and re.fullmatch(r"\d\d\.\d+", key), f"bad exercise key {key!r}"
    assert ex.kind in KINDS and ex.answer is not None
    ex.question()
    ex.solution()
    assert ex.check(ex.answer) is True, f"exercise {key} refuses its own reference answer"
    assert ex.check(...) is False
    wrong = _a_wrong_answer(ex.answer)
    if wrong is not None and not ex.options:
        assert ex.check(wrong) is False, f"exercise {key} accepts a wrong answer"
    out = capsys.readouterr().out
    for letter in ex.options.replace(ex.answer, "") if ex.options else "":
        reason = ex.text(f"wrong.{letter}").rstrip(" .")
        assert ex.check(letter) is False and reason in capsys.readouterr().out
    assert f"Exercise {key}: correct!" in out and f"Exercise {key}: not answered yet" in out
