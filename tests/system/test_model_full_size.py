"""The tutorial's full-size ConvMixer (1536/20, 224 x 224 images) runs unchanged: moved out of
tests/unit because one forward pass takes about 10 s on 2 cores (make test-fast stays under 60 s)."""


import torch

from convmixer_lab import ConvMixer


def test_tutorial_demo_runs_unchanged():
    model = ConvMixer(dim=1536, depth=20, kernel_size=9, patch_size=7, num_classes=1000)
    dummy_images = torch.randn(4, 3, 224, 224)
    with torch.no_grad():
        output = model(dummy_images)
    assert output.shape == torch.Size([4, 1000])
