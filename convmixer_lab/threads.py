"""One torch thread for tiny tensor work.

Notebook 02's measurements (a fit of a 3x3 convolution, autograd on an 8-channel 32x32 map) are
hundreds of very small operations. On a machine whose cores are busy, torch's worker threads wait
for each other at every one of them: on a loaded 2-core machine, 13 s with two threads against
0.1 s with one for the same cell. On a quiet machine one thread is as fast for such sizes, and the
results are the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the body with ``torch.set_num_threads(1)``, then restore the previous setting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
