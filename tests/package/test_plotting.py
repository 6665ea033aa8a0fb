"""The plotting helpers give every figure the same, colour-blind-safe look."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

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


# --- learning_curves -------------------------------------------------------------------------


def _curves(offset=0.0, validation=True):
    """Curves shaped as training.train returns them, with values that are easy to recognise."""
    curves = {
        "epoch": np.arange(4),
        "train_loss": np.array([1.1, 0.7, 0.5, 0.4]) + offset,
        "train_accuracy": np.array([0.3, 0.6, 0.8, 0.9]),
        "objective": np.array([1.1, 0.7, 0.5, 0.4]) + offset,
    }
    if validation:
        curves["val_loss"] = np.array([1.2, 0.8, 0.65, 0.6]) + offset
        curves["val_accuracy"] = np.array([0.25, 0.55, 0.7, 0.75])
    return curves


def _lines(ax):
    return [
        (
            line.get_linestyle(),
            line.get_color(),
            line.get_label(),
            line.get_xdata(),
            line.get_ydata(),
        )
        for line in ax.lines
    ]


def test_learning_curves_draw_training_solid_and_validation_dashed():
    runs = {"cross-entropy": _curves(), "squared error": _curves(0.5)}
    fig, axes = plotting.learning_curves(runs)
    assert len(axes) == 2 and fig is axes[0].figure
    loss, acc = axes
    assert loss.get_xlabel() == acc.get_xlabel() == "epoch"
    assert loss.get_ylabel() == "cross-entropy (nats per example)"
    assert acc.get_ylabel() == "accuracy (%)"
    for ax, key, scale in [(loss, "loss", 1), (acc, "accuracy", 100)]:
        lines = _lines(ax)
        assert len(lines) == 4  # one solid and one dashed line per run
        for (style, _, label, x, y), (run, set_, expected_style) in zip(
            lines,
            [
                ("cross-entropy", "train", "-"),
                ("cross-entropy", "val", "--"),
                ("squared error", "train", "-"),
                ("squared error", "val", "--"),
            ],
            strict=True,
        ):
            assert style == expected_style
            np.testing.assert_array_equal(x, [0, 1, 2, 3])
            np.testing.assert_allclose(y, scale * runs[run][f"{set_}_{key}"], rtol=1e-15)
            which = "training" if set_ == "train" else "validation"
            assert label == f"{run}, {which}"
        # one colour per run, the first two of the palette's cycle
        blue, orange = plotting.COLORS["blue"], plotting.COLORS["orange"]
        assert [c for _, c, *_ in lines] == [blue, blue, orange, orange]
    assert loss.get_legend() is not None and acc.get_legend() is None
    plt.close(fig)


def test_learning_curves_loss_only_and_without_validation():
    fig, ax = plotting.learning_curves({"run": _curves()}, accuracy=False, validation=False)
    assert not isinstance(ax, np.ndarray) and fig is ax.figure and len(fig.axes) == 1
    lines = _lines(ax)
    assert [(style, label) for style, _, label, *_ in lines] == [("-", "run")]
    np.testing.assert_array_equal(lines[0][4], _curves()["train_loss"])
    plt.close(fig)
    # a run without validation curves gets only its solid line, labelled by the run alone
    fig, axes = plotting.learning_curves({"a": _curves(), "b": _curves(validation=False)})
    assert [(s, label) for s, _, label, *_ in _lines(axes[0])] == [
        ("-", "a, training"),
        ("--", "a, validation"),
        ("-", "b"),
    ]
    plt.close(fig)


def test_learning_curves_take_lists_and_given_axes():
    # curves saved as lists (JSON, say) are drawn the same; 100 * list must not repeat it
    listed = {key: value.tolist() for key, value in _curves().items()}
    fig, axes = plotting.figure(ncols=2)
    fig2, axes2 = plotting.learning_curves({"run": listed}, axes=axes)
    assert fig2 is fig and axes2 is axes
    np.testing.assert_allclose(axes[1].lines[0].get_ydata(), [30, 60, 80, 90], rtol=1e-15)
    plt.close(fig)


def test_learning_curves_bad_input():
    before = plt.get_fignums()
    with pytest.raises(
        ValueError, match=r"runs must be a non-empty dict label -> curves .*got \{\}"
    ):
        plotting.learning_curves({})
    with pytest.raises(TypeError, match=r"runs must be a dict label -> curves .*; got list"):
        plotting.learning_curves([_curves()])
    with pytest.raises(TypeError, match=r"runs\['a'\] must be the dict of curves .*; got list"):
        plotting.learning_curves({"a": [1, 2]})
    for key in ("epoch", "train_loss", "train_accuracy"):
        broken = {k: v for k, v in _curves().items() if k != key}
        message = rf"runs\['b'\] has no '{key}': pass what training.train returns"
        with pytest.raises(ValueError, match=message):
            plotting.learning_curves({"a": _curves(), "b": broken})
    # without the accuracy panel, train_accuracy is not needed
    no_accuracy = {k: v for k, v in _curves().items() if k != "train_accuracy"}
    fig, _ = plotting.learning_curves({"a": no_accuracy}, accuracy=False)
    plt.close(fig)
    assert plt.get_fignums() == before  # a rejected call leaves no figure open


def test_reliability_diagram_draws_the_non_empty_bins_and_the_diagonal():
    import crossent

    probs = [[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7], [0.5, 0.5]]
    bins = crossent.reliability_bins(probs, [0, 1, 0, 1, 1], n_bins=4)  # bin 0 is empty
    ax = plotting.reliability_diagram(bins, label="model")
    bars = ax.patches
    assert len(bars) == 3  # the empty bin is left out
    np.testing.assert_allclose([bar.get_x() for bar in bars], [25, 50, 75])
    np.testing.assert_allclose([bar.get_width() for bar in bars], [25, 25, 25])
    np.testing.assert_allclose(
        [bar.get_height() for bar in bars], 100 * bins.accuracy[1:], rtol=1e-12
    )
    diagonal = ax.lines[-1]
    np.testing.assert_array_equal(diagonal.get_xdata(), [0, 100])
    np.testing.assert_array_equal(diagonal.get_ydata(), [0, 100])
    assert ax.get_xlabel() == "confidence (%)" and ax.get_ylabel() == "accuracy (%)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "model" in labels and "calibrated" in labels
    assert ax.get_xlim() == (0, 100) and ax.get_ylim() == (0, 100)
    plt.close(ax.figure)


def test_reliability_diagram_on_a_given_axis():
    import crossent

    fig, ax = plotting.figure()
    bins = crossent.reliability_bins([[0.7, 0.3]] * 4, [0, 0, 0, 1], n_bins=10)
    assert plotting.reliability_diagram(bins, ax=ax, color=plotting.COLORS["orange"]) is ax
    assert len(ax.patches) == 1
    plt.close(fig)


def test_reliability_diagram_rejects_what_is_not_bins():
    with pytest.raises(TypeError, match=r"bins must be what crossent\.reliability_bins returns"):
        plotting.reliability_diagram({"lower": [0.0]})

    from types import SimpleNamespace

    bad = SimpleNamespace(
        lower=[0.0, 0.5], upper=[0.5, 1.0], confidence=[0.2, 0.7], accuracy=[0.1], count=[1, 2]
    )
    with pytest.raises(ValueError, match="bins fields must be 1-D arrays of the same length"):
        plotting.reliability_diagram(bad)
