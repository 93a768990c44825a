"""The exercise machinery: verdicts, placeholders, and every registered exercise's reference answer."""

import json
import re
from pathlib import Path

import pytest
import torch

from convmixer_lab.exercises import EXERCISES, SOLUTION_MARKER, Exercise, exercise, load_all
from convmixer_lab.exercises.core import (
    KINDS,
    ChoiceExercise,
    NotAnswered,
    PredictionExercise,
    call_answer,
    close_to,
    equals_int,
    equals_shape,
    register,
    shape_feedback,
    too_big_or_small,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
load_all()  # every notebook's exercises, for the tables below
# the made-up exercises below print texts no notebook shows: they need no Chinese (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("private_texts")


def make_int_exercise() -> Exercise:
    return Exercise(key="99.1", text="How much is 6 * 7?", is_correct=equals_int(42),
                    hint_text="Multiply.", solution_text="42", feedback=too_big_or_small(42), answer=42)


def make_function_exercise() -> Exercise:
    def is_correct(func):
        return all(call_answer(func, n) == n * n for n in (0, 3, -2))
    return Exercise(key="99.2", text="Write square(n).", is_correct=is_correct,
                    hint_text="n times n.", solution_text="return n * n", answer=lambda n: n * n)


def test_correct_answer(capsys):
    assert make_int_exercise().check(42) is True
    assert capsys.readouterr().out == "Exercise 99.1: correct!\n"


@pytest.mark.parametrize("answer,says", [(41, "too small"), (43, "too large"), ("42", "expected a number")])
def test_wrong_answer_says_not_quite_with_feedback(capsys, answer, says):
    assert make_int_exercise().check(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("Exercise 99.1: not quite - ") and says in out and ".hint()" in out


@pytest.mark.parametrize("placeholder", [..., None])
def test_placeholder_value_is_not_answered_yet(capsys, placeholder):
    assert make_int_exercise().check(placeholder) is False
    assert "Exercise 99.1: not answered yet" in capsys.readouterr().out


def test_placeholder_function_is_not_answered_yet(capsys):
    # what a student copy holds after `return n * n  # SOLUTION` became `return ...`
    def square(n):
        return ...

    def square_none(n):
        pass

    ex = make_function_exercise()
    assert ex.check(square) is False
    assert ex.check(square_none) is False
    out = capsys.readouterr().out
    assert out.count("Exercise 99.2: not answered yet") == 2 and "not quite" not in out


def test_function_answers(capsys):
    ex = make_function_exercise()
    assert ex.check(lambda n: n * n) is True
    assert ex.check(lambda n: 2 * n) is False
    assert ex.check(lambda: 0) is False  # wrong signature: feedback, not a crash
    assert ex.check(5) is False           # not a function at all
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Exercise 99.2: correct!"
    assert lines[1].startswith("Exercise 99.2: not quite.")
    assert lines[2].startswith("Exercise 99.2: not quite - checking your answer raised TypeError")
    assert lines[3] == ("Exercise 99.2: not quite - checking your answer raised TypeError: "
                        "expected a function, got int. Try again, or call .hint().")


def test_question_hint_solution_print_the_key(capsys):
    ex = make_int_exercise()
    ex.question()
    ex.hint()
    ex.solution()
    assert capsys.readouterr().out.splitlines() == [
        "Exercise 99.1: How much is 6 * 7?", "Hint for 99.1: Multiply.", "Solution for 99.1: 42"]


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
    assert not close_to(1.0)(True)
    assert equals_shape((4, 1000))(torch.Size([4, 1000])) and equals_shape((4, 1000))([4, 1000])
    assert not equals_shape((4, 1000))((1000, 4)) and not equals_shape((4, 1000))(4000)


def test_exercise_imports_only_its_notebooks_module():
    import subprocess
    import sys

    code = ("import sys; from convmixer_lab.exercises import exercise; exercise('03.1'); "
            "print(sorted(m for m in sys.modules if m.startswith('convmixer_lab.exercises.nb')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['convmixer_lab.exercises.nb03']"


def test_register_refuses_duplicates_and_lookup_names_known_keys():
    key = next(iter(EXERCISES))
    with pytest.raises(ValueError, match="registered twice"):
        register(Exercise(key=key, text="", is_correct=bool, hint_text="", solution_text=""))
    with pytest.raises(KeyError, match="known keys"):
        exercise("99.99")


def _a_wrong_answer(answer):
    """A near miss for a reference answer, so we can check that the checker refuses it."""
    if callable(answer):
        return lambda *args: -12345
    if isinstance(answer, (tuple, list)):
        return tuple(answer[:-1]) + (answer[-1] + 1,)
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        return answer * 1.5 + 1
    return None


def make_choice_exercise() -> ChoiceExercise:
    return ChoiceExercise(key="99.3", text="Why does the sky look blue?", is_correct=lambda a: a == "b",
                          hint_text="Think of scattering.", solution_text="(b)", answer="b",
                          feedback=lambda a: {"a": "the sea is not a mirror of the sky",
                                              "c": "that would make it red"}.get(a, "choose a, b or c"),
                          kind="why", options={"a": "it mirrors the sea",
                                               "b": "short wavelengths scatter more",
                                               "c": "long wavelengths scatter more"},
                          why_not={"a": "the sea is not a mirror of the sky", "c": "that would make it red"})


def test_choice_exercise_prints_options_and_explains_each_wrong_one(capsys):
    ex = make_choice_exercise()
    ex.question()
    assert capsys.readouterr().out.splitlines()[1:] == ["  (a) it mirrors the sea",
                                                        "  (b) short wavelengths scatter more",
                                                        "  (c) long wavelengths scatter more"]
    assert ex.check(" (B) ") is True and ex.check("a") is False and ex.check("d") is False
    out = capsys.readouterr().out
    assert "correct!" in out and "the sea is not a mirror of the sky" in out and "choose a, b or c" in out


def test_choice_exercise_must_explain_every_wrong_option():
    with pytest.raises(ValueError, match="why_not must explain exactly the wrong ones"):
        ChoiceExercise(key="99.4", text="?", is_correct=bool, hint_text="", solution_text="", answer="a",
                       kind="why", options={"a": "x", "b": "y"}, why_not={})
    with pytest.raises(ValueError, match="kind must be one of"):
        Exercise(key="99.5", text="?", is_correct=bool, hint_text="", solution_text="", kind="quiz")


def test_prediction_exercise_records_then_reveals(capsys):
    ex = PredictionExercise(key="99.6", text="Predict 6 * 7.", is_correct=equals_int(42), hint_text="",
                            solution_text="42", feedback=too_big_or_small(42), answer=42, kind="predict")
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


def test_feedback_ending_in_a_full_stop_is_not_doubled(capsys):
    ex = make_int_exercise()
    ex.feedback = lambda answer: "the product is larger."
    ex.check(41)
    assert capsys.readouterr().out == ("Exercise 99.1: not quite - the product is larger. "
                                       "Try again, or call .hint().\n")


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_every_registered_exercise(key, capsys):
    ex = EXERCISES[key]
    assert ex.key == key and re.fullmatch(r"\d\d\.\d+", key), f"bad exercise key {key!r}"
    assert ex.text and ex.hint_text and ex.solution_text
    assert ex.answer is not None, f"exercise {key} has no reference answer: pass answer=... to Exercise"
    assert ex.check(ex.answer) is True, f"exercise {key} refuses its own reference answer"
    assert ex.check(...) is False
    assert ex.kind in KINDS
    wrong = _a_wrong_answer(ex.answer)
    if wrong is not None:
        assert ex.check(wrong) is False, f"exercise {key} accepts a wrong answer"
    out = capsys.readouterr().out
    if isinstance(ex, ChoiceExercise):  # every wrong option is refused with its own reason
        for letter, reason in ex.why_not.items():
            assert ex.check(letter) is False and reason in capsys.readouterr().out
    assert f"Exercise {key}: correct!" in out and f"Exercise {key}: not answered yet" in out


def _code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name)
def test_notebook_exercise_cells(path):
    """Notebooks use registered keys of their own number, mark solutions, and never call .solution()."""
    sources = _code_cells(path)
    keys = [k for src in sources for k in re.findall(r'exercise\("([^"]+)"\)', src)]
    for key in keys:
        assert key in EXERCISES, f"{path.name} uses unregistered exercise {key!r}"
        assert key.startswith(path.name[:2] + "."), f"{path.name} uses another notebook's exercise {key}"
    for src in sources:
        assert ".solution()" not in src, f"{path.name} calls .solution() in a stored cell"
        if "ex.check(" in src or "ex.predict(" in src:
            assert SOLUTION_MARKER in src, f"{path.name}: a check cell without a {SOLUTION_MARKER} line"


def test_verdicts_without_a_reason(capsys):
    """A checker that says nothing about a wrong answer still gets a verdict, without a dash."""
    ex = PredictionExercise(key="99.7", text="Predict 6 * 7.", is_correct=equals_int(42), hint_text="",
                            solution_text="42", answer=42, kind="predict")
    ex.predict(40)
    assert ex.reveal(42) is False
    assert capsys.readouterr().out.splitlines()[-1] == \
        "Exercise 99.7: not what you predicted. ex.solution() explains why."


def test_a_shape_with_the_wrong_number_of_entries_is_named(capsys):
    names = "(channels, height, width)"
    ex = Exercise(key="99.8", text="The output's shape?", is_correct=equals_shape((8, 16, 16)),
                  hint_text="", solution_text="(8, 16, 16)", feedback=shape_feedback((8, 16, 16), names))
    assert ex.check((8, 16)) is False
    assert capsys.readouterr().out.strip() == (
        "Exercise 99.8: not quite - expected 3 numbers (channels, height, width). "
        "Try again, or call .hint().")
