"""threads.one_thread: one torch thread inside, the previous setting restored after (even on an error)."""

import pytest
import torch
import torch.nn as nn

from convmixer_lab.counting import inputs_seen
from convmixer_lab.threads import one_thread


def test_one_thread_inside_and_restored_after():
    before = torch.get_num_threads()
    with one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="boom"), one_thread():
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before


def test_inputs_seen_leaves_the_thread_setting_alone():
    before = torch.get_num_threads()
    seen = inputs_seen(nn.Conv2d(1, 1, 3, padding="same"), torch.randn(1, 1, 5, 5), 2, 2)
    assert int(seen.sum()) == 9 and torch.get_num_threads() == before
