"""How many threads torch uses, for the length of a ``with`` block: one helper for the package, the
tests and the benchmarks.

Notebook 02's measurements (a fit of a 3x3 convolution, autograd on an 8-channel 32x32 map) are
hundreds of very small operations. On a machine whose cores are busy, torch's worker threads wait
for each other at every one of them: on a loaded 2-core machine, 13 s with two threads against
0.1 s with one for the same cell. On a quiet machine one thread is as fast for such sizes, and the
results are the same. Notebook 06's runs train on one thread each, so runs side by side do not
compete for cores.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from convmixer_lab.checks import check_int


@contextmanager
def torch_threads(threads: int | None = 1) -> Iterator[None]:
    """Run the body with ``torch.set_num_threads(threads)`` (None: leave the setting as it is), then
    restore the previous setting, even after an error."""
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
