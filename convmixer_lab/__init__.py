"""convmixer_lab: the helper package behind the ConvMixer course notebooks."""

from convmixer_lab.model import ConvMixer, ConvMixerLayer, PatchEmbedding, TutorialConvMixerLayer

__all__ = ["ConvMixer", "ConvMixerLayer", "PatchEmbedding", "TutorialConvMixerLayer"]
__version__ = "0.1.0"
