"""How many threads torch uses for a ``with`` block (package, tests and benchmarks). Hundreds of tiny
operations run faster on one thread: on a busy 2-core machine two threads wait for each other at each."""

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from convmixer_lab.checks import check_int


@contextmanager
def torch_threads(threads: int | None = 1) -> Iterator[None]:
    """Run the body with ``torch.set_num_threads(threads)`` (None: as it is), restoring it after."""
    if threads is not None:
        check_int("threads", threads, minimum=1, hint="or None to keep torch's setting")
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def one_thread() -> contextlib.AbstractContextManager[None]:
    """``torch_threads(1)``: tiny tensor work on one thread."""
    return torch_threads(1)
