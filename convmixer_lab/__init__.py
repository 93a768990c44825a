"""convmixer_lab: the helper package behind the ConvMixer course notebooks."""

from convmixer_lab.model import ConvMixer, ConvMixerLayer, PatchEmbedding, SeedConvMixerLayer

__all__ = ["ConvMixer", "ConvMixerLayer", "PatchEmbedding", "SeedConvMixerLayer"]
__version__ = "0.1.0"
