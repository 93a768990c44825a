"""Every figure the notebooks show. Each function returns the matplotlib Figure it drew
(title and axis labels always set); notebooks end the cell with ``plt.show()``.

Names follow one pattern: a noun phrase naming what is drawn, ending in the kind of mark where
that helps (``_bars``, ``_curves``, ``_grid``, ``_maps``); no verbs and no ``_plot`` suffix.
One module per topic; import them all from here (``from convmixer_lab import plot``).

    patches   notebook 01: patch_grid, patch_as_vector, feature_maps, receptive_field_steps
    mixing    notebook 02: depthwise_effect, mixing_footprints, rank_one_kernels, receptive_field_growth,
                           receptive_field_on_image, receptive_field_maps, conv_param_bars
    costs     notebooks 03-04: comparison_bars, roofline_points, stage_param_bars, config_param_bars
    blocks    notebook 04: activation_curves, channel_histograms, block_diagrams
    training  notebook 05: fashion_examples, loss_and_rate_curves, training_curves, confusion_matrix,
                        kernel_grid, mistakes
    compare   notebook 06: accuracy_size_points, accuracy_time_curves, ablation_bars, seed_points

Figures set their own resolution; importing this package leaves matplotlib's settings alone.
"""

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

__all__ = [
    "activation_curves", "block_diagrams", "channel_histograms",
    "ablation_bars", "accuracy_size_points", "accuracy_time_curves", "seed_points",
    "comparison_bars", "config_param_bars", "confusion_matrix", "conv_param_bars", "depthwise_effect",
    "fashion_examples", "feature_maps", "kernel_grid", "loss_and_rate_curves", "mistakes",
    "mixing_footprints", "patch_as_vector", "patch_grid", "rank_one_kernels", "receptive_field_growth",
    "receptive_field_maps", "receptive_field_on_image", "receptive_field_steps", "roofline_points",
    "stage_param_bars", "training_curves",
]
