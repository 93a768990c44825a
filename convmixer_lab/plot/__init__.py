"""Every figure the notebooks show, one module per topic (patches 01, mixing 02, costs 03-04, blocks 04,
training 05, compare 06). Each function returns the Figure it drew, titled and labelled, named by what
it draws (``_bars``, ``_curves``, ``_grid``, ``_maps``); importing leaves matplotlib's settings alone."""

from convmixer_lab.plot.blocks import activation_curves, block_diagrams, channel_histograms
from convmixer_lab.plot.compare import ablation_bars, accuracy_size_points, accuracy_time_curves, seed_points
from convmixer_lab.plot.costs import comparison_bars, config_param_bars, roofline_points, stage_param_bars
from convmixer_lab.plot.mixing import (
    conv_param_bars,
    depthwise_effect,
    mixing_footprints,
    rank_one_kernels,
    receptive_field_growth,
    receptive_field_maps,
    receptive_field_on_image,
)
from convmixer_lab.plot.patches import feature_maps, patch_as_vector, patch_grid, receptive_field_steps
from convmixer_lab.plot.training import (
    confusion_matrix,
    fashion_examples,
    kernel_grid,
    loss_and_rate_curves,
    mistakes,
    training_curves,
)

__all__ = ["activation_curves", "block_diagrams", "channel_histograms", "ablation_bars",
           "accuracy_size_points", "accuracy_time_curves", "seed_points", "comparison_bars",
           "config_param_bars", "confusion_matrix", "conv_param_bars", "depthwise_effect", "fashion_examples",
           "feature_maps", "kernel_grid", "loss_and_rate_curves", "mistakes", "mixing_footprints",
           "patch_as_vector", "patch_grid", "rank_one_kernels", "receptive_field_growth",
           "receptive_field_maps", "receptive_field_on_image", "receptive_field_steps", "roofline_points",
           "stage_param_bars", "training_curves"]
