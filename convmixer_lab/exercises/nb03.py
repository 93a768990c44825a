"""Exercises of notebook 03 (parameter count). Expected answers come from the package."""

from __future__ import annotations

from convmixer_lab.counting import conv_macs, depthwise_separable_params, standard_conv_params
from convmixer_lab.exercises.core import function_exercise, number_exercise, same_function


def _separable_fraction(c_in: int, c_out: int, k: int) -> float:
    """Reference for 03.4: depthwise separable parameters as a fraction of a standard conv's."""
    return depthwise_separable_params(c_in, c_out, k) / standard_conv_params(c_in, c_out, k)


number_exercise(
    "03.1",
    text="A standard 5x5 convolution maps 128 channels to 256 channels (no bias). "
         "How many parameters does it have?",
    expected=standard_conv_params(128, 256, 5),
    hint="There are c_out kernels, and each one is k x k x c_in.",
    solution="5 * 5 * 128 * 256 = 819,200 (standard_conv_params(128, 256, 5)).",
)
number_exercise(
    "03.2",
    text="The same job done depthwise separably: a depthwise 5x5 convolution on the 128 channels, "
         "then a pointwise (1x1) convolution from 128 to 256 channels (no bias). "
         "How many parameters in total?",
    expected=depthwise_separable_params(128, 256, 5),
    hint="Depthwise: one flat k x k kernel per input channel. Pointwise: c_in x c_out weights.",
    solution="5*5*128 + 128*256 = 3,200 + 32,768 = 35,968 (depthwise_separable_params(128, 256, 5)).",
)
number_exercise(
    "03.3",
    text="In ConvMixer-1536/20 (k=9) every layer's depthwise 9x9 convolution works on a 32x32 grid "
         "of 1536 channels. How many multiply-accumulates (MACs) does it take for ONE image?",
    expected=conv_macs(1536, 1536, 9, 32, 32, groups=1536),
    hint="Each output value costs k*k*(c_in/groups) MACs; there are c_out*H*W output values.",
    solution="9*9*1 MACs per output value, 1536*32*32 values: 127,401,984 "
             "(conv_macs(1536, 1536, 9, 32, 32, groups=1536)).",
)
function_exercise(
    "03.4",
    text="Write separable_fraction(c_in, c_out, k): the parameters of a depthwise separable "
         "convolution divided by those of a standard k x k convolution (no bias).",
    is_correct=same_function(_separable_fraction,
                             [(256, 512, 3), (128, 256, 5), (1536, 1536, 9), (3, 8, 1), (7, 2, 4)]),
    reference=_separable_fraction,
    hint="Divide (k*k*c_in + c_in*c_out) by k*k*c_in*c_out; it simplifies to 1/c_out + 1/k**2.",
    solution="return 1 / c_out + 1 / k**2  (the same as "
             "depthwise_separable_params(c_in, c_out, k) / standard_conv_params(c_in, c_out, k)).",
)
