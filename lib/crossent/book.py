"""Helpers for the book's notebooks that must also work on Colab, where myst-nb is absent."""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["glue"]

#: The MIME prefix myst-nb gives a glued value that is stored but not shown.
GLUE_PREFIX = "application/papermill.record/"


#: Glued floats keep this many significant digits. Prose shows at most six; the stored value
#: keeps a few more, but not the last bits, which may differ between CPUs (NumPy picks SIMD code
#: paths for exp and log by CPU), so the stored output is the same on every machine.
SIGNIFICANT_DIGITS = 10


def _plain(value):
    """Turn NumPy scalars into Python numbers, so that the glued text reads 0.3, not np.float64.

    Floats are rounded to ``SIGNIFICANT_DIGITS`` significant digits, except where rounding would
    carry a finite value past the largest float (1.797693135e308 is ``inf``): those, the
    largest floats themselves, are kept exactly.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            return value
        rounded = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
        return rounded if math.isfinite(rounded) else value
    return value


def glue(name: str, value, display: bool = False):
    """Store ``value`` under ``name`` so that the book's text can show it, and return it.

    Prose refers to it as ``{glue:text}`name:.3f```. NumPy scalars are turned into Python
    floats and ints first, and floats are rounded to 10 significant digits (see
    ``SIGNIFICANT_DIGITS``). With myst-nb installed this is ``myst_nb.glue``; without it (on
    Colab) it emits the very same output, so a notebook runs and looks the same everywhere.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like string such as 'h_fair'; got {name!r}")
    value = _plain(value)
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        import IPython.core.formatters
        from IPython.display import display as ipy_display

        mimebundle, metadata = IPython.core.formatters.format_display_data(value)
        mime_prefix = "" if display else GLUE_PREFIX
        metadata["scrapbook"] = dict(name=name, mime_prefix=mime_prefix)
        ipy_display(
            {mime_prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata
        )
    else:
        myst_glue(name, value, display=display)
    return value
