"""The source tutorial's ConvMixer, transcribed verbatim: the baseline every benchmark compares against.

Copied from the tutorial's code listings (shared/seed-tutorial.txt, section 4, "PyTorch code line by
line"). The code is unchanged: same class and attribute names, same order of operations, same
defaults. Only the line breaks lost by the web page are restored and the Chinese comments are
translated. Do not "fix" it here: its one shared BatchNorm and its residual around both convolutions
are what the tutorial ships, and the benchmarks measure the course's model against exactly that.
"""

import torch
import torch.nn as nn


class ConvMixerLayer(nn.Module):
    """The core repeated layer of ConvMixer. A depthwise conv and a pointwise conv, with a residual
    connection."""

    def __init__(self, dim, kernel_size=9):
        # initialise the PyTorch module
        super().__init__()
        # --- define the parts of the layer ---
        # 1. depthwise convolution
        # mixes spatial information inside each channel.
        self.depthwise_conv = nn.Conv2d(
            dim,  # input channels.
            dim,  # output channels, same as the input.
            kernel_size=kernel_size,  # a large kernel (e.g. 9x9) for a large receptive field.
            groups=dim,  # groups = channels: the trick that makes it "depthwise".
            padding="same"  # 'same' padding keeps the height and width of the feature map.
        )
        # 2. activation
        # adds non-linearity; GELU is the activation Transformers commonly use.
        self.activation = nn.GELU()
        # 3. batch normalisation
        # stabilises and speeds up training between layers.
        self.norm = nn.BatchNorm2d(dim)
        # 4. pointwise convolution
        # mixes information across channels; it is just a 1x1 standard convolution.
        self.pointwise_conv = nn.Conv2d(
            dim,  # input channels.
            dim,  # output channels.
            kernel_size=1  # **a 1x1 kernel is what makes it "pointwise"**.
        )

    def forward(self, x):
        # how data "flows through" this layer (forward pass)
        # input x has shape: [batch size, channels, height, width]
        # 1. keep the original input for the residual connection at the end
        residual = x
        # 2. first block: depthwise conv -> activation -> normalisation
        x = self.depthwise_conv(x)
        x = self.activation(x)
        x = self.norm(x)
        # 3. second block: pointwise conv -> activation -> normalisation
        x = self.pointwise_conv(x)
        x = self.activation(x)
        x = self.norm(x)
        # 4. complete the residual connection
        return x + residual


class ConvMixer(nn.Module):
    """The complete ConvMixer architecture."""

    def __init__(self, dim, depth, kernel_size=9, patch_size=7, num_classes=1000):
        super().__init__()
        # --- 1. patch embedding ---
        # one convolution does both the cutting into patches and the embedding.
        self.patch_embedding = nn.Sequential(
            nn.Conv2d(
                3,  # the input is an RGB image, so 3 channels.
                dim,  # output channels: the embedding dimension we want.
                kernel_size=patch_size,  # kernel size equals the patch size.
                stride=patch_size  # stride equals the kernel size, so patches do not overlap.
            ),
            nn.GELU(),  # GELU activation here too.
            nn.BatchNorm2d(dim)  # batch normalisation.
        )
        # --- 2. stack the ConvMixer layers ---
        self.mixer_layers = nn.Sequential(
            *[ConvMixerLayer(dim=dim, kernel_size=kernel_size) for _ in range(depth)]
        )
        # --- 3. classification head ---
        # a. global average pooling
        # squeeze each channel's HxW feature map to a single 1x1 value.
        self.global_avg_pool = nn.AdaptiveAvgPool2d((1, 1))
        # b. fully connected layer (classifier)
        # map the pooled vector to the number of classes.
        self.classifier = nn.Linear(dim, num_classes)

    def forward(self, x):
        # how data flows through the whole model
        # initial input x has shape: [batch size, 3, 224, 224] (ImageNet, for example)
        # 1. patch embedding
        # x becomes -> [batch size, dim, 32, 32] (224 / 7 = 32)
        x = self.patch_embedding(x)
        # 2. through all ConvMixer layers
        # shape unchanged -> [batch size, dim, 32, 32]
        x = self.mixer_layers(x)
        # 3. global average pooling
        # x becomes -> [batch size, dim, 1, 1]
        x = self.global_avg_pool(x)
        # 4. flatten the tensor for the fully connected layer
        # `torch.flatten(x, 1)` flattens every dimension from dimension 1 (channels) on.
        # x becomes -> [batch size, dim]
        x = torch.flatten(x, 1)
        # 5. the classifier gives the final output
        # x becomes -> [batch size, num_classes]
        return self.classifier(x)


if __name__ == "__main__":
    # --- instantiate a ConvMixer-1536/20 model ---
    # a high-performing configuration from the paper
    # dim=1536, depth=20, kernel_size=9, patch_size=7
    model = ConvMixer(
        dim=1536,
        depth=20,
        kernel_size=9,
        patch_size=7,
        num_classes=1000  # number of ImageNet classes
    )
    # print the model structure to see every layer we defined
    # print(model)
    # --- a fake input image tensor for the test ---
    # a batch of 4 RGB images of 224x224
    dummy_images = torch.randn(4, 3, 224, 224)
    # feed the fake images to the model to get the output
    output = model(dummy_images)
    # print the shape of the output tensor
    # expected: torch.Size([4, 1000]), 1000 class scores per image
    print(f"input tensor shape: {dummy_images.shape}")
    print(f"output tensor shape: {output.shape}")
