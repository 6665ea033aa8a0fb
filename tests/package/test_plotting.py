"""The plotting helpers give every figure the same, colour-blind-safe look."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from crossent import plotting


def test_figure_applies_the_style_and_labels_axes():
    fig, ax = plotting.figure()
    ax.plot([0, 1], [0, 1], label="line")
    plotting.finish(ax, "probability p", "information (bits)", title="t")
    assert ax.get_xlabel() == "probability p"
    assert ax.get_ylabel() == "information (bits)"
    assert ax.get_legend() is not None
    assert ax.lines[0].get_color() == plotting.COLORS["blue"]
    assert tuple(fig.get_size_inches()) == (6.4, 3.6)
    plt.close(fig)


def test_grid_of_axes_scales_height():
    fig, axes = plotting.figure(ncols=2, nrows=2)
    assert axes.shape == (2, 2)
    assert tuple(fig.get_size_inches()) == (6.4, 7.2)
    plt.close(fig)


def test_palette_is_okabe_ito():
    assert set(plotting.COLORS.values()) == {
        "#0072B2",
        "#E69F00",
        "#009E73",
        "#D55E00",
        "#56B4E9",
        "#CC79A7",
        "#F0E442",
        "#000000",
    }


def test_package_imports_without_matplotlib_until_plotting_is_used():
    import subprocess
    import sys

    code = "import sys, crossent; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
