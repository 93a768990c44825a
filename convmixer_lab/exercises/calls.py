"""Which torch functions a student's function calls, for exercises that rule out a shortcut ("no unfold"):
``TorchFunctionMode`` sees every torch function and Tensor method (``nn.Conv2d`` through ``conv2d``)."""

from collections.abc import Callable, Iterable
from typing import Any

from torch.overrides import TorchFunctionMode

from convmixer_lab.exercises.core import call_answer

CONVOLUTIONS = frozenset({"conv1d", "conv2d", "conv3d", "convolution", "_convolution",
                          "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"})
UNFOLD = frozenset({"unfold", "im2col"})


class _Recorder(TorchFunctionMode):
    """Records the name of every torch function and Tensor method called while it is active."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_function__(self, func: Callable[..., Any], types: Any, args: tuple = (),
                           kwargs: dict | None = None) -> Any:
        self.names.add(getattr(func, "__name__", ""))
        return func(*args, **(kwargs or {}))


def call_recording(func: Any, *args: Any) -> tuple[Any, set[str]]:
    """``call_answer(func, *args)`` and the names of the torch functions it used (``{"reshape", ...}``)."""
    with _Recorder() as recorder:
        result = call_answer(func, *args)
    return result, recorder.names


def forbidden_used(names: Iterable[str], forbidden: Iterable[str]) -> list[str]:
    """The names in ``names`` that are in ``forbidden``, sorted (empty when none)."""
    return sorted(set(names) & set(forbidden))
