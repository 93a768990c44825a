"""Three small peers of ConvMixer for notebook 06 (ViT, MLP-Mixer, ResNet), 28x28 grey in, 10 logits out.

Each keeps its arguments in ``self.config``: ``vit_params(**model.config) == count_parameters(model)``.
Symbols: h width, d depth, p patch, c channels, n classes, g = image_size // p, T = g*g tokens; MACs count
convolutions, linear layers and attention's Q K^T and A V (as in counting.py)."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab.checks import check_number, check_positive_ints


def _hidden(name: str, ratio: object, dim: int) -> int:
    """Hidden width int(ratio * dim) of an MLP; the ratio must be > 0 and give at least 1 unit."""
    ratio = check_number(name, ratio, minimum=0, strict=True)
    if int(ratio * dim) < 1:
        raise ValueError(f"{name}={ratio:g} times dim={dim} gives an MLP with no hidden unit; "
                         f"use {name} >= {1 / dim:.3g}")
    return int(ratio * dim)


def _grid(patch_size: int, image_size: int) -> int:
    """Patches per side, g = image_size // p (the stem floors, as ConvMixer's does)."""
    if patch_size > image_size:
        raise ValueError(f"patch_size={patch_size} is larger than the image (image_size={image_size}); "
                         "use a patch_size of at most image_size")
    return image_size // patch_size


def _check_vit(dim, depth, patch_size, heads, mlp_ratio, num_classes, in_channels, image_size):
    s = check_positive_ints(dim=dim, depth=depth, patch_size=patch_size, heads=heads,
                            num_classes=num_classes, in_channels=in_channels, image_size=image_size)
    if s["dim"] % s["heads"]:
        raise ValueError(f"heads={heads} must divide dim={dim} (each head gets dim/heads channels); "
                         "choose heads among the divisors of dim")
    return s, _hidden("mlp_ratio", mlp_ratio, s["dim"]), _grid(s["patch_size"], s["image_size"])


def _check_mixer(dim, depth, patch_size, token_mlp_ratio, channel_mlp_ratio, num_classes, in_channels,
                 image_size):
    s = check_positive_ints(dim=dim, depth=depth, patch_size=patch_size, num_classes=num_classes,
                            in_channels=in_channels, image_size=image_size)
    return (s, _hidden("token_mlp_ratio", token_mlp_ratio, s["dim"]),
            _hidden("channel_mlp_ratio", channel_mlp_ratio, s["dim"]),
            _grid(s["patch_size"], s["image_size"]))


def _check_input(x: object, in_channels: int, image_size: int | None) -> None:
    """A clear error for an input the model cannot take (``image_size=None``: any H and W)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor of shape [N, C, H, W], got {type(x).__name__}")
    size_ok = image_size is None or tuple(x.shape[2:]) == (image_size, image_size)
    if x.dim() != 4 or x.shape[1] != in_channels or not size_ok:
        hw, built = ("H, W", "") if image_size is None else (f"{image_size}, {image_size}",
                                                             f", image_size={image_size}")
        raise ValueError(f"x must have shape [N, {in_channels}, {hw}] (the model was built with "
                         f"in_channels={in_channels}{built}), got {list(x.shape)}")


class ViT(nn.Module):
    """A small ViT (Dosovitskiy et al., 2021): ConvMixer's patch stem, a learned position embedding,
    d pre-norm ``nn.TransformerEncoderLayer``s, a LayerNorm, mean pooling over the T tokens, a Linear head."""

    def __init__(self, dim: int, depth: int, patch_size: int = 4, heads: int = 4, mlp_ratio: float = 2.0,
                 num_classes: int = 10, *, in_channels: int = 1, image_size: int = 28) -> None:
        super().__init__()
        s, m, g = _check_vit(dim, depth, patch_size, heads, mlp_ratio, num_classes, in_channels, image_size)
        self.config = dict(s, mlp_ratio=float(mlp_ratio))
        h, p = s["dim"], s["patch_size"]
        self.patch_embed = nn.Conv2d(s["in_channels"], h, kernel_size=p, stride=p)
        self.pos_embed = nn.Parameter(torch.zeros(1, g * g, h))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(h, s["heads"], dim_feedforward=m, dropout=0.0,
                                       activation="gelu", batch_first=True, norm_first=True)
            for _ in range(s["depth"])])
        self.norm = nn.LayerNorm(h)
        self.head = nn.Linear(h, s["num_classes"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.config["in_channels"], self.config["image_size"])
        x = self.patch_embed(x)            # [N, h, g, g]
        x = x.flatten(2).transpose(1, 2)   # [N, T, h]: one token per patch, row by row
        x = x + self.pos_embed             # [N, T, h]: each token learns where it sits
        for layer in self.layers:
            x = layer(x)                   # [N, T, h]: attention mixes tokens, the MLP mixes channels
        x = self.norm(x)                   # [N, T, h]
        x = x.mean(dim=1)                  # [N, h]: mean over the T tokens
        return self.head(x)                # [N, n]


def vit_params(dim: int, depth: int, patch_size: int = 4, heads: int = 4, mlp_ratio: float = 2.0,
               num_classes: int = 10, in_channels: int = 1, image_size: int = 28) -> int:
    """Parameters of ``ViT(...)``, m = int(mlp_ratio * h): stem, position T*h, per layer attention
    4h*h + 4h, two LayerNorms 4h, MLP 2h*m + m + h; final LayerNorm 2h, head h*n + n."""
    s, m, g = _check_vit(dim, depth, patch_size, heads, mlp_ratio, num_classes, in_channels, image_size)
    h, n, c, p = s["dim"], s["num_classes"], s["in_channels"], s["patch_size"]
    layer = 3 * h * h + 3 * h + h * h + h + 4 * h + h * m + m + m * h + h
    return c * p * p * h + h + g * g * h + s["depth"] * layer + 2 * h + h * n + n


def vit_macs(dim: int, depth: int, patch_size: int = 4, heads: int = 4, mlp_ratio: float = 2.0,
             num_classes: int = 10, in_channels: int = 1, image_size: int = 28) -> int:
    """MACs per image: stem c*p*p*h*T; per layer Q,K,V 3*h*h*T, Q K^T T*T*h, A V T*T*h, output
    projection h*h*T, MLP 2*h*m*T; head h*n. (The heads split h, so they do not change the count.)"""
    s, m, g = _check_vit(dim, depth, patch_size, heads, mlp_ratio, num_classes, in_channels, image_size)
    h, t, c, p = s["dim"], g * g, s["in_channels"], s["patch_size"]
    layer = 3 * h * h * t + 2 * t * t * h + h * h * t + 2 * h * m * t
    return c * p * p * h * t + s["depth"] * layer + h * s["num_classes"]


class MixerLayer(nn.Module):
    """Token mixing (an MLP across the T patches), then channel mixing (across h), each after a LayerNorm
    and with a residual: [N, T, h] -> [N, T, h]."""

    def __init__(self, dim: int, num_patches: int, token_hidden: int, channel_hidden: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.token_mlp = nn.Sequential(nn.Linear(num_patches, token_hidden), nn.GELU(),
                                       nn.Linear(token_hidden, num_patches))
        self.norm2 = nn.LayerNorm(dim)
        self.channel_mlp = nn.Sequential(nn.Linear(dim, channel_hidden), nn.GELU(),
                                         nn.Linear(channel_hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm1(x).transpose(1, 2)            # [N, h, T]: each channel's T patch values
        x = x + self.token_mlp(y).transpose(1, 2)    # [N, T, h]: mixed across patches
        x = x + self.channel_mlp(self.norm2(x))      # [N, T, h]: mixed across channels
        return x


class MLPMixer(nn.Module):
    """A small MLP-Mixer (Tolstikhin et al., 2021): ConvMixer's patch stem, d ``MixerLayer``s (MLP widths
    as ratios of h), a LayerNorm, global average pooling, a Linear head."""

    def __init__(self, dim: int, depth: int, patch_size: int = 4, token_mlp_ratio: float = 0.5,
                 channel_mlp_ratio: float = 4.0, num_classes: int = 10, *, in_channels: int = 1,
                 image_size: int = 28) -> None:
        super().__init__()
        s, token_hidden, channel_hidden, g = _check_mixer(
            dim, depth, patch_size, token_mlp_ratio, channel_mlp_ratio, num_classes, in_channels, image_size)
        self.config = dict(s, token_mlp_ratio=float(token_mlp_ratio),
                           channel_mlp_ratio=float(channel_mlp_ratio))
        h, p = s["dim"], s["patch_size"]
        self.patch_embed = nn.Conv2d(s["in_channels"], h, kernel_size=p, stride=p)
        self.layers = nn.Sequential(*[MixerLayer(h, g * g, token_hidden, channel_hidden)
                                      for _ in range(s["depth"])])
        self.norm = nn.LayerNorm(h)
        self.head = nn.Linear(h, s["num_classes"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.config["in_channels"], self.config["image_size"])
        x = self.patch_embed(x)            # [N, h, g, g]
        x = x.flatten(2).transpose(1, 2)   # [N, T, h]
        x = self.layers(x)                 # [N, T, h]
        x = self.norm(x)                   # [N, T, h]
        x = x.mean(dim=1)                  # [N, h]: global average pooling over the patches
        return self.head(x)                # [N, n]


def mixer_params(dim: int, depth: int, patch_size: int = 4, token_mlp_ratio: float = 0.5,
                 channel_mlp_ratio: float = 4.0, num_classes: int = 10, in_channels: int = 1,
                 image_size: int = 28) -> int:
    """Parameters of ``MLPMixer(...)``, s = int(token_mlp_ratio*h), m = int(channel_mlp_ratio*h): per layer
    two LayerNorms 4h, token MLP 2T*s + s + T, channel MLP 2h*m + m + h."""
    sz, s, m, g = _check_mixer(dim, depth, patch_size, token_mlp_ratio, channel_mlp_ratio, num_classes,
                               in_channels, image_size)
    h, n, c, p, t = sz["dim"], sz["num_classes"], sz["in_channels"], sz["patch_size"], g * g
    layer = 2 * h + t * s + s + s * t + t + 2 * h + h * m + m + m * h + h
    return c * p * p * h + h + sz["depth"] * layer + 2 * h + h * n + n


def mixer_macs(dim: int, depth: int, patch_size: int = 4, token_mlp_ratio: float = 0.5,
               channel_mlp_ratio: float = 4.0, num_classes: int = 10, in_channels: int = 1,
               image_size: int = 28) -> int:
    """MACs per image: stem c*p*p*h*T; per layer token MLP 2*T*s*h (h rows of T values), channel MLP
    2*h*m*T (T rows of h values); head h*n."""
    sz, s, m, g = _check_mixer(dim, depth, patch_size, token_mlp_ratio, channel_mlp_ratio, num_classes,
                               in_channels, image_size)
    h, c, p, t = sz["dim"], sz["in_channels"], sz["patch_size"], g * g
    return c * p * p * h * t + sz["depth"] * (2 * t * s * h + 2 * h * m * t) + h * sz["num_classes"]


class BasicBlock(nn.Module):
    """3x3 conv (stride s) -> BN -> ReLU -> 3x3 conv -> BN, plus a shortcut (a 1x1 conv and BN when the
    shape changes), then ReLU."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))    # [N, c_out, H', W']
        y = self.bn2(self.conv2(y))            # [N, c_out, H', W']
        return F.relu(y + self.shortcut(x))    # residual add, then ReLU


def _resnet_plan(width: int, depth: int, stages: int) -> list[tuple[int, int, int]]:
    """(c_in, c_out, stride) of every block: stage i has ``depth`` blocks of width * 2**i channels."""
    plan, c_in = [], width
    for i in range(stages):
        for j in range(depth):
            c_out = width * 2**i
            plan.append((c_in, c_out, 2 if i > 0 and j == 0 else 1))
            c_in = c_out
    return plan


class ResNet(nn.Module):
    """A small CIFAR-style ResNet (He et al., 2016): a 3x3 stem, ``stages`` stages of ``depth``
    ``BasicBlock``s of widths w, 2w, 4w, ..., global average pooling, Linear; any H, W."""

    def __init__(self, width: int, depth: int, stages: int = 3, num_classes: int = 10, *,
                 in_channels: int = 1) -> None:
        super().__init__()
        self.config = s = check_positive_ints(width=width, depth=depth, stages=stages,
                                              num_classes=num_classes, in_channels=in_channels)
        w = s["width"]
        self.stem = nn.Sequential(nn.Conv2d(s["in_channels"], w, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(w), nn.ReLU())
        plan = _resnet_plan(w, s["depth"], s["stages"])
        self.blocks = nn.Sequential(*[BasicBlock(c_in, c_out, stride) for c_in, c_out, stride in plan])
        self.head = nn.Linear(plan[-1][1], s["num_classes"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.config["in_channels"], None)
        x = self.stem(x)                       # [N, w, H, W]
        x = self.blocks(x)                     # [N, w * 2**(stages-1), H', W']
        x = x.mean(dim=(2, 3))                 # [N, c_last]: global average pooling
        return self.head(x)                    # [N, n]


def resnet_params(width: int, depth: int, stages: int = 3, num_classes: int = 10, in_channels: int = 1,
                  image_size: int = 28) -> int:
    """Parameters of ``ResNet(...)`` (convolutions without bias, BatchNorm 2 per channel)."""
    s = check_positive_ints(width=width, depth=depth, stages=stages, num_classes=num_classes,
                            in_channels=in_channels, image_size=image_size)
    plan = _resnet_plan(s["width"], s["depth"], s["stages"])
    total = 9 * s["in_channels"] * s["width"] + 2 * s["width"]
    for c_in, c_out, stride in plan:
        total += 9 * c_in * c_out + 9 * c_out * c_out + 4 * c_out
        if stride != 1 or c_in != c_out:
            total += c_in * c_out + 2 * c_out
    return total + plan[-1][1] * s["num_classes"] + s["num_classes"]


def resnet_macs(width: int, depth: int, stages: int = 3, num_classes: int = 10, in_channels: int = 1,
                image_size: int = 28) -> int:
    """MACs per image: every convolution costs k*k*c_in*c_out*H'*W' (H' = (H - 1) // s + 1 after a
    stride-s block), plus the head c_last*n."""
    s = check_positive_ints(width=width, depth=depth, stages=stages, num_classes=num_classes,
                            in_channels=in_channels, image_size=image_size)
    size = s["image_size"]
    total = 9 * s["in_channels"] * s["width"] * size * size
    for c_in, c_out, stride in _resnet_plan(s["width"], s["depth"], s["stages"]):
        size = (size - 1) // stride + 1
        total += (9 * c_in * c_out + 9 * c_out * c_out) * size * size
        if stride != 1 or c_in != c_out:
            total += c_in * c_out * size * size
    return total + c_out * s["num_classes"]
