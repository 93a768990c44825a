"""Figures of notebooks 01 and 02 (convmixer_lab/plot/patches.py and mixing.py)."""


import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from convmixer_lab import plot


def labelled(ax) -> bool:
    return bool(ax.get_title() and ax.get_xlabel() and ax.get_ylabel())


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_patch_grid_draws_one_line_per_patch_border():
    image = np.zeros((224, 224, 3), dtype=np.uint8)
    ax = plot.patch_grid(image, 7).axes[0]
    vertical, horizontal = ax.collections[:2]
    assert len(vertical.get_segments()) == len(horizontal.get_segments()) == 33
    assert sorted({x for seg in vertical.get_segments() for x, _ in seg})[:3] == [0, 7, 14]
    assert labelled(ax) and "32x32 grid" in ax.get_title() and not ax.patches


def test_patch_grid_marks_the_highlighted_patch_and_shows_it_enlarged():
    fig = plot.patch_grid(np.zeros((224, 224, 3), dtype=np.uint8), 7, highlight=(13, 13))
    ax, zoom = fig.axes
    (square,) = ax.patches
    assert (square.get_x(), square.get_y(), square.get_width(), square.get_height()) == (91, 91, 7, 7)
    assert square.get_label() == "patch (row 13, col 13)" and not square.get_fill()
    assert square.get_linewidth() >= 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["patch (row 13, col 13)"]
    # the second panel: the patch and 2 patches on every side, enlarged, the patch outlined
    assert zoom.get_xlim() == (77, 112) and zoom.get_ylim() == (112, 77)
    (outline,) = zoom.patches
    assert (outline.get_x(), outline.get_y(), outline.get_width()) == (91, 91, 7)
    assert labelled(zoom) and zoom.get_title().startswith("patch (row 13, col 13) and its neighbours")
    assert len(zoom.collections[0].get_segments()) == 33  # the same grid lines, seen up close
    corner = plot.patch_grid(np.zeros((224, 224, 3)), 7, highlight=(0, 31)).axes[1]
    assert corner.get_xlim() == (203, 224) and corner.get_ylim() == (21, 0)  # clipped at the border
    with pytest.raises(ValueError, match="row must be at most 31, got 32; the grid has 32 rows"):
        plot.patch_grid(np.zeros((224, 224)), 7, highlight=(32, 0))
    with pytest.raises(TypeError, match=r"highlight must be a \(row, col\) pair"):
        plot.patch_grid(np.zeros((224, 224)), 7, highlight=13)


def test_receptive_field_maps_one_panel_per_case():
    fig = plot.receptive_field_maps(np.zeros((224, 224, 3)), 7, 9, [(4, 16, 16), (4, 0, 0), (8, 0, 0)])
    assert [ax.get_title() for ax in fig.axes] == [
        "patch (16, 16) after d = 4:\nsees 1,024 of 1,024 patches",
        "patch (0, 0) after d = 4:\nsees 289 of 1,024 patches",
        "patch (0, 0) after d = 8:\nsees 1,024 of 1,024 patches"]
    field = next(p for p in fig.axes[1].patches if p.get_label() == "receptive field")
    assert (field.get_x(), field.get_y(), field.get_width(), field.get_height()) == (0, 0, 119, 119)
    assert all(labelled(ax) for ax in fig.axes) and "9x9" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        plot.receptive_field_maps(np.zeros((224, 224, 3)), 7, 4, [(1, 0, 0)])
    with pytest.raises(ValueError, match="cases must hold at least one"):
        plot.receptive_field_maps(np.zeros((224, 224, 3)), 7, 9, [])


def test_patch_grid_shades_ignored_pixels_and_draws_on_a_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    assert plot.patch_grid(np.zeros((30, 20)), 6, ax=ax) is fig and not plt.get_fignums()
    assert len(ax.collections[0].get_segments()) == 4   # 20 // 6 = 3 columns of patches
    assert len(ax.collections[1].get_segments()) == 6   # 30 // 6 = 5 rows
    assert len(ax.patches) == 1                          # 20 - 18 = 2 columns ignored, no rows
    plot.patch_grid(np.zeros((31, 20)), 6, ax=ax)
    assert len(ax.patches) == 1 + 2                      # now 1 row is ignored as well
    with pytest.raises(ValueError, match="patch_size must be at most 20, got 21; "
                                         "a patch must fit in the 30x20 image"):
        plot.patch_grid(np.zeros((30, 20)), 21)


def test_patch_as_vector_uses_the_conv_weight_order():
    image = np.arange(14 * 14 * 3, dtype=np.int64).reshape(14, 14, 3) % 256
    fig = plot.patch_as_vector(image, 7, row=1, col=0)
    left, right = fig.axes
    assert labelled(left) and labelled(right)
    heights = [bar.get_height() for container in right.containers for bar in container]
    patch = torch.from_numpy(image[7:14, 0:7]).permute(2, 0, 1)  # [3, 7, 7] like a conv weight
    assert heights == patch.reshape(-1).tolist()
    colors = [c.patches[0].get_facecolor()[:3] for c in right.containers]
    assert colors == [to_rgb("red"), to_rgb("green"), to_rgb("blue")]


def panels(fig) -> list:
    """The visible axes that have a title (not colour bars, not unused grid cells)."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]


def test_feature_maps_one_panel_per_channel_each_with_a_colour_bar():
    maps = torch.randn(8, 4, 4)
    fig = plot.feature_maps(maps, [0, 5, 7], "some channels")
    assert [ax.get_title() for ax in panels(fig)] == ["channel 0", "channel 5", "channel 7"]
    assert fig._suptitle.get_text() == "some channels" and all(labelled(ax) for ax in panels(fig))
    assert len(fig.axes) == 3 + 3  # one colour bar per panel
    low, high = panels(fig)[1].images[0].get_clim()  # each channel on its own scale
    assert (low, high) == pytest.approx((maps[5].min().item(), maps[5].max().item()))
    fig = plot.feature_maps(torch.randn(8, 4, 4), list(range(6)), "six")
    assert len(panels(fig)) == 6 and fig.axes[3].get_position().y0 < fig.axes[0].get_position().y0  # 2 rows
    fig = plot.feature_maps(torch.randn(8, 4, 4), list(range(5)), "five")  # 2 rows of 3, one cell unused
    assert len(panels(fig)) == 5 and sum(not ax.get_visible() for ax in fig.axes) == 1
    with pytest.raises(ValueError, match="channels"):
        plot.feature_maps(torch.randn(8, 4, 4), [8], "t")


def test_receptive_field_steps_and_growth():
    ax = plot.receptive_field_steps([0, 1, 2], [1, 3, 5], target=7, title="steps").axes[0]
    assert labelled(ax) and list(ax.lines[0].get_ydata()) == [1, 3, 5] and ax.lines[1].get_ydata()[0] == 7
    with pytest.raises(ValueError):
        plot.receptive_field_growth([0, 1], [1], 7)


def test_receptive_field_growth_is_one_panel_with_a_pixel_axis():
    depths, widths = list(range(9)), [1 + 8 * d for d in range(9)]
    needs = {"centre patch (16, 16)": (33, 4), "corner patch (0, 0)": (63, 8)}
    fig = plot.receptive_field_growth(depths, widths, patch_size=7, needs=needs)
    ax = fig.axes[0]
    assert len([a for a in fig.axes if a.get_title()]) == 1  # one panel, no second plot
    assert labelled(ax) and ax.get_ylabel() == "side seen (patches)"
    curve, centre_width, centre_depth, corner_width, corner_depth = ax.lines
    assert list(curve.get_ydata()) == widths
    assert list(centre_width.get_ydata()) == [33, 33] and list(centre_depth.get_xdata()) == [4, 4]
    assert list(corner_width.get_ydata()) == [63, 63] and list(corner_depth.get_xdata()) == [8, 8]
    assert corner_width.get_color() == corner_depth.get_color() != centre_width.get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "receptive field (width)", "centre patch (16, 16) needs 33 patches: from d = 4",
        "corner patch (0, 0) needs 63 patches: from d = 8"]
    assert ax.get_ylim()[1] > 65  # room above the highest line for the legend
    pixels = ax.child_axes[0]  # the secondary axis: patches x p
    assert pixels.get_ylabel() == "side seen (pixels = 7 x patches)"
    fig.canvas.draw()
    low, high = ax.get_ylim()
    assert pixels.get_ylim() == pytest.approx((7 * low, 7 * high))


def test_depthwise_effect_and_mixing_footprints():
    output = torch.tensor([[0.5, -2.0], [1.0, 0.0]])
    fig = plot.depthwise_effect(torch.randn(6, 6), torch.ones(3, 3), output, 2)
    assert [ax.get_title() for ax in fig.axes[:3]] == ["input: channel 2", "its kernel (3x3)",
                                                       "output: channel 2"]
    out_image = fig.axes[2].images[0]  # signed values: 0 in the middle of the scale (white)
    assert out_image.get_clim() == (-2.0, 2.0) and out_image.get_cmap().name == "RdBu_r"
    assert fig.axes[1].images[0].get_clim() == (-1.0, 1.0)
    assert fig.axes[0].images[0].get_cmap().name == "viridis"
    mask = np.zeros((4, 10), dtype=bool)
    mask[1, 3:6] = True
    ax = plot.mixing_footprints({"depthwise 3x3": mask}, "footprint").axes[0]
    assert labelled(ax) and ax.get_title().endswith("1 channel x 3 columns")
    assert np.array_equal(ax.images[0].get_array(), mask.astype(float))


def test_conv_param_bars():
    fig = Figure()
    ax = fig.add_subplot()
    plot.conv_param_bars({"standard": 1_179_648, "depthwise": 2_304}, ax=ax, title="t")
    assert [b.get_height() for b in ax.containers[0]] == [1_179_648, 2_304]
    assert ax.get_yscale() == "log" and labelled(ax)
    assert [t.get_text() for t in ax.texts] == ["1,179,648", "2,304"]
    with pytest.raises(ValueError, match="counts"):
        plot.conv_param_bars({})


def test_receptive_field_on_image_outlines_the_patch_and_clips_the_field():
    ax = plot.receptive_field_on_image(np.zeros((70, 70, 3)), 7, row=1, col=5, patches=5).axes[0]
    field, patch = (p for p in ax.patches if p.get_label() in ("receptive field", "the patch"))
    assert (patch.get_x(), patch.get_y(), patch.get_width()) == (35, 7, 7)
    # 5 patches around row 1, column 5: rows -1..3 clipped to 0..3, columns 3..7
    assert (field.get_x(), field.get_y(), field.get_width(), field.get_height()) == (21, 0, 35, 28)
    assert labelled(ax)
    assert ax.get_title() == "receptive field 5x5 patches wide\n(4x5 of them inside the image)"


def test_figures_are_drawn_at_80_dpi_so_stored_pngs_stay_small():
    fig = plot.patch_grid(np.zeros((28, 28)), 7)
    assert fig.dpi == 80 and tuple(fig.get_size_inches()) == (4.5, 4.5)
    assert plot.feature_maps(torch.randn(2, 3, 3), [0, 1], "t").dpi == 80


def test_rank_one_kernels_draws_d_p_and_each_output_kernel_on_signed_scales_with_colour_bars():
    d = torch.tensor([[0.0, 1.0], [-2.0, 0.5]])
    p = torch.tensor([1.0, -0.5, 3.0])
    kernels = p[:, None, None] * d  # [3, 2, 2]: what a standard conv built from the pair holds
    fig = plot.rank_one_kernels(d, p, kernels, channel=4)
    left, bar_d, column, bar_p, *outs, bar_w = fig.axes
    assert left.get_title() == "D[4]: depthwise\nkernel" and column.get_title() == "P[:, 4]"
    assert np.array_equal(left.images[0].get_array(), d.numpy())
    assert np.array_equal(column.images[0].get_array(), p.numpy()[:, None])
    assert [ax.get_label() for ax in outs] == ["kernel"] * 3
    assert [ax.get_title() for ax in outs] == [
        "out 0\n+1.00 x D[4]", "out 1\n-0.50 x D[4]", "out 2\n+3.00 x D[4]"]
    for ax, kernel in zip(outs, kernels):
        assert np.array_equal(ax.images[0].get_array(), kernel.numpy())
        assert ax.images[0].get_clim() == (-6.0, 6.0)  # one scale for all kernels: 3 x |-2|
        assert ax.images[0].get_cmap().name == "RdBu_r"
    # a colour bar for each scale: D's (|-2|), P's (|3|) and the kernels' shared one, which says the colours
    for image, bar, limit in [(left.images[0], bar_d, 2.0), (column.images[0], bar_p, 3.0),
                              (outs[-1].images[0], bar_w, 6.0)]:
        assert image.colorbar.ax is bar and (image.colorbar.vmin, image.colorbar.vmax) == (-limit, limit)
    assert list(bar_d.get_xticks()) == [-2.0, 0.0, 2.0] and list(bar_w.get_yticks()) == [-6.0, 0.0, 6.0]
    labels = [*bar_d.get_xticklabels(), *bar_p.get_xticklabels(), *bar_w.get_yticklabels(),
              *column.get_yticklabels()]
    assert {(label.get_fontsize(), label.get_rotation()) for label in labels} == {(8.0, 0.0)}  # level, 8 pt
    assert {ax.title.get_fontsize() for ax in outs} == {8.0}
    assert bar_w.get_ylabel() == "weight (red +, blue -, white 0)"
    assert fig.dpi == 80
    assert fig._suptitle.get_text() == ("Input channel 4: the standard convolution's 3 kernels, "
                                        "kernel o = P[o, 4] x D[4]")
    with pytest.raises(ValueError, match=r"depthwise must be \[k, k\], pointwise \[c_out\] and kernels"):
        plot.rank_one_kernels(d, p[:2], kernels, channel=0)
