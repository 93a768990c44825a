"""threads.torch_threads: that many torch threads inside, the previous setting restored after (even on
an error); one_thread() is torch_threads(1)."""

import pytest
import torch
import torch.nn as nn

from convmixer_lab.receptive import inputs_seen
from convmixer_lab.threads import one_thread, torch_threads


@pytest.mark.parametrize("make,inside", [(one_thread, 1), (lambda: torch_threads(2), 2),
                                         (lambda: torch_threads(None), None)])
def test_threads_inside_and_restored_after(make, inside):
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        with make():
            assert torch.get_num_threads() == (inside or 3)
        assert torch.get_num_threads() == 3
        with pytest.raises(RuntimeError, match="boom"), make():
            raise RuntimeError("boom")
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("threads,error", [(0, ValueError), (1.5, TypeError)])
def test_torch_threads_refuses_a_bad_count_before_changing_anything(threads, error):
    before = torch.get_num_threads()
    with pytest.raises(error, match="threads must be a positive int"), torch_threads(threads):
        pass
    assert torch.get_num_threads() == before


def test_inputs_seen_leaves_the_thread_setting_alone():
    before = torch.get_num_threads()
    seen = inputs_seen(nn.Conv2d(1, 1, 3, padding="same"), torch.randn(1, 1, 5, 5), 2, 2)
    assert int(seen.sum()) == 9 and torch.get_num_threads() == before
