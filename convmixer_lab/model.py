"""ConvMixer, as in "Patches Are All You Need?" (Trockman & Kolter, 2022).

Symbols follow the paper:

    h  hidden dimension (``dim``): channels of every patch embedding
    d  depth: how many ConvMixer layers are stacked
    k  kernel size of the depthwise convolution (``kernel_size``)
    p  patch size (``patch_size``): the stem cuts the image into p x p patches

The paper's network::

    z_0    = BN(GELU(Conv_{c->h}(X, stride=p, kernel_size=p)))          # PatchEmbedding
    z'_l   = BN(GELU(DepthwiseConv(z_{l-1}))) + z_{l-1}                  # ConvMixerLayer,
    z_{l}  = BN(GELU(PointwiseConv(z'_l)))                               #   two BatchNorms
    logits = Linear(flatten(AdaptiveAvgPool(z_d)))                      # head

``TutorialConvMixerLayer`` is the course's source tutorial's variant, kept to compare with.
"""

import torch
import torch.nn as nn

from convmixer_lab.checks import check_bool, check_choice, check_int, check_positive_ints

BLOCKS = ("paper", "tutorial")  # the paper's layer, and the course's source tutorial's variant

# How to name a float dtype in a fix: x.float(), model.double(), ...
_FLOAT_METHODS = {torch.float32: "float", torch.float64: "double", torch.float16: "half",
                  torch.bfloat16: "bfloat16"}


def _convert(name: str, dtype: torch.dtype) -> str:
    return f"{name}.{_FLOAT_METHODS[dtype]}()" if dtype in _FLOAT_METHODS else f"{name}.to({dtype})"


class PatchEmbedding(nn.Module):
    """The stem: cut the image into non-overlapping p x p patches and embed each in h channels.

    A convolution whose kernel size equals its stride (both p) sees each patch exactly once,
    so it is "flatten each patch, multiply by a (c*p*p) x h matrix" applied patch by patch.
    [N, c, H, W] -> [N, h, H/p, W/p]  (floor division when H or W is not a multiple of p).
    """

    def __init__(self, dim: int, patch_size: int = 7, in_channels: int = 3) -> None:
        super().__init__()
        check_positive_ints(dim=dim, patch_size=patch_size, in_channels=in_channels)
        self.proj = nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)
        self.act = nn.GELU()
        self.norm = nn.BatchNorm2d(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x)  # [N, c, H, W] -> [N, h, H/p, W/p]
        x = self.act(x)   # [N, h, H/p, W/p]
        x = self.norm(x)  # [N, h, H/p, W/p]
        return x


class Residual(nn.Module):
    """``fn(x) + x``: a residual (skip) connection around ``fn``, as in the authors' compact code.
    The identity path passes the input, and the gradient, through unchanged; ``fn`` only has to
    learn a change to ``x``, and must keep its shape (hence ``padding="same"``)."""

    def __init__(self, fn: nn.Module) -> None:
        super().__init__()
        if not isinstance(fn, nn.Module):
            raise TypeError(f"fn must be a torch.nn.Module (e.g. nn.Sequential(...)), "
                            f"got {type(fn).__name__}")
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x) + x


class ConvMixerLayer(nn.Module):
    """One ConvMixer layer exactly as in the paper.

    Spatial mixing (depthwise k x k conv, groups=h) with a residual around it, then channel
    mixing (pointwise 1x1 conv). Each convolution is followed by GELU and its OWN BatchNorm::

        z' = BN1(GELU(DWConv(z))) + z
        out = BN2(GELU(PWConv(z')))

    Shape is kept: [N, h, H', W'] -> [N, h, H', W']. ``residual=False`` (an ablation, notebook 06)
    leaves out the ``+ z``: same parameters, nothing carries the input past the layer.
    """

    def __init__(self, dim: int, kernel_size: int = 9, *, residual: bool = True) -> None:
        super().__init__()
        check_positive_ints(dim=dim, kernel_size=kernel_size)
        self.residual = check_bool("residual", residual)
        self.depthwise = nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same")
        self.act1 = nn.GELU()
        self.norm1 = nn.BatchNorm2d(dim)
        self.pointwise = nn.Conv2d(dim, dim, kernel_size=1)
        self.act2 = nn.GELU()
        self.norm2 = nn.BatchNorm2d(dim)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # spatial mixing: each channel filtered on its own, residual around it
        y = self.depthwise(z)  # [N, h, H', W'], channels independent
        y = self.act1(y)
        y = self.norm1(y)
        z = y + z if self.residual else y  # residual around the depthwise part only
        # channel mixing: a per-pixel linear map across the h channels
        z = self.pointwise(z)  # [N, h, H', W']
        z = self.act2(z)
        z = self.norm2(z)
        return z


class TutorialConvMixerLayer(nn.Module):
    """The source tutorial's layer: ONE BatchNorm after both convolutions (its running statistics
    blend two distributions) and the residual around BOTH, so 2*h fewer parameters than the paper's::

        out = BN(GELU(PWConv(BN(GELU(DWConv(z)))))) + z
    """

    def __init__(self, dim: int, kernel_size: int = 9) -> None:
        super().__init__()
        check_positive_ints(dim=dim, kernel_size=kernel_size)
        self.depthwise_conv = nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same")
        self.activation = nn.GELU()
        self.norm = nn.BatchNorm2d(dim)
        self.pointwise_conv = nn.Conv2d(dim, dim, kernel_size=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        residual = z
        x = self.depthwise_conv(z)  # [N, h, H', W']
        x = self.activation(x)
        x = self.norm(x)            # first use of the shared BatchNorm
        x = self.pointwise_conv(x)  # [N, h, H', W']
        x = self.activation(x)
        x = self.norm(x)            # second use of the SAME BatchNorm
        return x + residual         # residual around both convolutions


class ConvMixer(nn.Module):
    """ConvMixer-h/d: PatchEmbedding, d ConvMixer layers, global average pool, Linear.

    Keyword-only extras: ``in_channels``, ``block`` ("paper" or "tutorial"), ``residual`` (False: an
    ablation). ``num_classes=0``: no classifier, ``forward`` returns the pooled h features. ``config``
    holds the arguments (``residual`` only when False, so checkpoints keep the course's keys).
    """

    def __init__(self, dim: int, depth: int, kernel_size: int = 9, patch_size: int = 7,
                 num_classes: int = 1000, *, in_channels: int = 3, block: str = "paper",
                 residual: bool = True) -> None:
        super().__init__()
        check_positive_ints(dim=dim, depth=depth, kernel_size=kernel_size, patch_size=patch_size,
                            in_channels=in_channels)
        check_int("num_classes", num_classes, minimum=0, hint="0 means no classifier")
        check_choice("block", block, BLOCKS)
        if not check_bool("residual", residual) and block != "paper":
            raise ValueError("residual=False exists for block='paper' only; use block='paper'")
        self.config = dict(dim=dim, depth=depth, kernel_size=kernel_size, patch_size=patch_size,
                           num_classes=num_classes, in_channels=in_channels, block=block)
        if not residual:
            self.config["residual"] = False
        self.patch_embedding = PatchEmbedding(dim, patch_size, in_channels)
        self.mixer_layers = nn.Sequential(*[
            ConvMixerLayer(dim, kernel_size, residual=residual) if block == "paper"
            else TutorialConvMixerLayer(dim, kernel_size) for _ in range(depth)])
        self.global_avg_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(dim, num_classes) if num_classes > 0 else nn.Identity()
        # Channels-last weights (NHWC in memory; shapes unchanged) keep activations NHWC: PyTorch's CPU
        # convolutions, the depthwise backward above all, run much faster (benchmarks/train_speed.py).
        self.to(memory_format=torch.channels_last)

    def check_input(self, x: torch.Tensor) -> None:
        """A clear error, before any tensor work, for an input the stem cannot take."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor of shape [N, C, H, W], got {type(x).__name__}")
        weights = self.patch_embedding.proj.weight.dtype
        if not x.is_floating_point():
            raise TypeError(f"x has dtype {x.dtype}, but the model takes floating-point images "
                            f"({weights}, the dtype of its weights); convert pixels 0-255 with "
                            "x.float() / 255, or for Fashion-MNIST use convmixer_lab.data.to_tensor(images), "
                            "which also normalises them")
        if x.dtype != weights:
            raise TypeError(f"x has dtype {x.dtype} but the model's weights are {weights}; convert "
                            f"the input with {_convert('x', weights)}, or the model with "
                            f"{_convert('model', x.dtype)}")
        if x.dim() != 4:
            raise ValueError(f"x must have 4 dimensions [N, C, H, W], got shape {list(x.shape)}; "
                             "add a batch dimension with x.unsqueeze(0)")
        c, p = self.config["in_channels"], self.config["patch_size"]
        if x.shape[1] != c:
            raise ValueError(f"x has {x.shape[1]} channels but the model was built with "
                             f"in_channels={c}; build it with in_channels={x.shape[1]}")
        if x.shape[2] < p or x.shape[3] < p:
            raise ValueError(f"x is {x.shape[2]}x{x.shape[3]} pixels, smaller than one patch "
                             f"(patch_size={p}); use a larger image or a smaller patch_size")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """[N, c, H, W] -> [N, h, H/p, W/p]: the patch grid after all d layers."""
        self.check_input(x)
        x = self.patch_embedding(x)  # [N, h, H/p, W/p]
        x = self.mixer_layers(x)     # [N, h, H/p, W/p]
        return x

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        """[N, h, H/p, W/p] -> [N, num_classes] (or [N, h] when num_classes=0)."""
        x = self.global_avg_pool(x)  # [N, h, 1, 1]
        x = torch.flatten(x, 1)      # [N, h]
        return self.classifier(x)    # [N, num_classes]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))
