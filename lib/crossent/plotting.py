"""The book's figure style: one look for every figure, colours that survive colour blindness.

Usage in a chapter::

    from crossent import plotting
    fig, ax = plotting.figure()
    ax.plot(x, y, label="...")
    plotting.finish(ax, xlabel="probability p", ylabel="information (bits)")

Colours are the Okabe-Ito palette (Okabe & Ito 2008), distinguishable with the common forms of
colour blindness and in greyscale when paired with the line styles in ``LINESTYLES``.
Figures are PNG at 110 dpi and 6.4 x 3.6 inches (704 x 396 pixels): sharp in a browser and
about 30-60 kB each, so a chapter with several figures stays far below 2 MB.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "COLORS",
    "LINESTYLES",
    "STYLE",
    "figure",
    "finish",
    "learning_curves",
    "reliability_diagram",
    "use_style",
]

#: Okabe-Ito colours by name.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: The order in which lines take colours (yellow is left out: it is faint on white).
CYCLE = ["blue", "orange", "green", "vermillion", "sky", "purple", "black"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3))]

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "figure.constrained_layout.use": True,
    "font.size": 10.5,
    "axes.titlesize": 11,
    "axes.labelsize": 10.5,
    "legend.fontsize": 9.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 2.0,
    "axes.prop_cycle": mpl.cycler(color=[COLORS[c] for c in CYCLE]),
    "image.cmap": "viridis",
    "svg.hashsalt": "crossent",  # deterministic ids if a figure is ever saved as SVG
}


def use_style() -> None:
    """Apply the book's style to every figure drawn after this call."""
    mpl.rcParams.update(STYLE)


def figure(
    ncols: int = 1,
    nrows: int = 1,
    width: float | None = None,
    height: float | None = None,
    **kwargs,
):
    """Return ``(fig, ax)`` (or ``(fig, axes)`` for a grid) in the book's style.

    ``width`` and ``height`` are in inches; by default 6.4 wide and 3.6 tall per row.
    """
    use_style()
    w = width if width is not None else STYLE["figure.figsize"][0]
    h = height if height is not None else STYLE["figure.figsize"][1] * nrows
    return plt.subplots(nrows, ncols, figsize=(w, h), **kwargs)


def finish(ax, xlabel: str, ylabel: str, title: str | None = None, legend: bool | None = None):
    """Label the axes (always with units), add a title and a legend if there are labels."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    handles, _ = ax.get_legend_handles_labels()
    if legend or (legend is None and handles):
        ax.legend()
    return ax


def learning_curves(runs: dict, *, accuracy: bool = True, validation: bool = True, axes=None):
    """Draw learning curves: loss per epoch and, beside it, accuracy per epoch.

    ``runs`` maps a label to the curves :func:`crossent.training.train` returns. Each run gets
    one colour; the training set is drawn solid and the validation set (when recorded and
    ``validation`` is true) dashed. The loss panel shows ``"train_loss"`` / ``"val_loss"``, the
    mean cross-entropy in nats; the accuracy panel ``"train_accuracy"`` / ``"val_accuracy"`` in
    percent. Returns ``(fig, axes)``: one axis, or two when ``accuracy`` is true.

    Raises ``TypeError`` when ``runs`` is not a dict or one of its values is not a dict of
    curves, and ``ValueError`` when ``runs`` is empty or a run lacks ``"epoch"``,
    ``"train_loss"`` or (with ``accuracy``) ``"train_accuracy"``; nothing is drawn then.
    """
    if not isinstance(runs, dict):
        raise TypeError(
            f"runs must be a dict label -> curves from training.train; got {type(runs).__name__}"
        )
    if not runs:
        raise ValueError(
            "runs must be a non-empty dict label -> curves from training.train; got {}"
        )
    panels = ["loss", "accuracy"] if accuracy else ["loss"]
    for label, curves in runs.items():
        if not isinstance(curves, Mapping):
            raise TypeError(
                f"runs[{label!r}] must be the dict of curves training.train returns; got "
                f"{type(curves).__name__}"
            )
        for key in ("epoch", *(f"train_{panel}" for panel in panels)):
            if key not in curves:
                raise ValueError(
                    f"runs[{label!r}] has no {key!r}: pass what training.train returns"
                )
    if axes is None:
        fig, axes = figure(ncols=len(panels))
    else:
        fig = axes[0].figure if len(panels) > 1 else axes.figure
    axes_list = list(axes) if len(panels) > 1 else [axes]
    for i, (label, curves) in enumerate(runs.items()):
        colour = COLORS[CYCLE[i % len(CYCLE)]]
        epochs = np.asarray(curves["epoch"])
        for ax, panel in zip(axes_list, panels, strict=True):
            scale = 100 if panel == "accuracy" else 1
            ax.plot(
                epochs,
                scale * np.asarray(curves[f"train_{panel}"], dtype=float),
                "-",
                color=colour,
                label=f"{label}, training" if validation and "val_loss" in curves else label,
            )
            if validation and f"val_{panel}" in curves:
                ax.plot(
                    epochs,
                    scale * np.asarray(curves[f"val_{panel}"], dtype=float),
                    "--",
                    color=colour,
                    label=f"{label}, validation",
                )
    finish(axes_list[0], "epoch", "cross-entropy (nats per example)")
    if accuracy:
        finish(axes_list[1], "epoch", "accuracy (%)", legend=False)
    return fig, axes


_BIN_FIELDS = ("lower", "upper", "confidence", "accuracy", "count")


def reliability_diagram(bins, ax=None, label=None, color=None):
    """Draw a reliability diagram: each confidence bin's accuracy as a bar, and the diagonal.

    ``bins`` is what :func:`crossent.reliability_bins` returns. Each non-empty bin is a bar
    from ``lower`` to ``upper`` whose height is its accuracy (in percent); a thin black tick
    inside the bar marks its mean confidence, and the dashed diagonal is perfect calibration
    (accuracy = confidence). Bars below the diagonal mean overconfidence, above it
    underconfidence. Empty bins are left out. Chapter 11 draws them. Several diagrams can
    share an axis (pass ``ax`` and a ``label`` each, and different ``color``).

    Returns ``ax`` (a new figure's axis in the book's style when ``ax`` is None).

    Raises ``TypeError`` when ``bins`` lacks one of the fields ``lower``, ``upper``,
    ``confidence``, ``accuracy``, ``count``, and ``ValueError`` when they do not all have the
    same length; nothing is drawn then.
    """
    missing = [name for name in _BIN_FIELDS if not hasattr(bins, name)]
    if missing:
        raise TypeError(
            f"bins must be what crossent.reliability_bins returns (fields "
            f"{', '.join(_BIN_FIELDS)}); got {type(bins).__name__} without {', '.join(missing)}"
        )
    arrays = {name: np.asarray(getattr(bins, name), dtype=float) for name in _BIN_FIELDS}
    lengths = {name: a.shape for name, a in arrays.items()}
    if len(set(lengths.values())) != 1 or arrays["count"].ndim != 1:
        raise ValueError(
            f"bins fields must be 1-D arrays of the same length (one entry per bin); got "
            f"shapes {lengths}"
        )
    if ax is None:
        _, ax = figure(width=4.2, height=3.8)
    colour = color if color is not None else COLORS["blue"]
    full = arrays["count"] > 0
    lower, upper = arrays["lower"][full], arrays["upper"][full]
    width = upper - lower
    ax.bar(
        100 * lower,
        100 * arrays["accuracy"][full],
        width=100 * width,
        align="edge",
        color=colour,
        alpha=0.75,
        edgecolor="white",
        linewidth=0.8,
        label=label if label is not None else "accuracy per bin",
    )
    ax.hlines(
        100 * arrays["confidence"][full],
        100 * (lower + 0.15 * width),
        100 * (upper - 0.15 * width),
        color=COLORS["black"],
        linewidth=1.2,
    )
    ax.plot([0, 100], [0, 100], "--", color=COLORS["black"], linewidth=1.0, label="calibrated")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    finish(ax, "confidence (%)", "accuracy (%)")
    return ax
