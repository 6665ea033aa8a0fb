"""crossent.book.glue emits exactly what myst_nb.glue emits, with or without myst-nb."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from crossent import book


@pytest.fixture
def captured(monkeypatch):
    calls = []

    def fake_display(*args, **kwargs):
        calls.append((args, kwargs))

    import IPython.display
    import myst_nb.ext.glue

    monkeypatch.setattr(myst_nb.ext.glue, "ipy_display", fake_display)
    monkeypatch.setattr(IPython.display, "display", fake_display)
    return calls


@pytest.mark.parametrize("value", [0.30103, 3, "nats", np.float64(0.2), np.float32(0.5)])
def test_fallback_matches_myst_nb(captured, monkeypatch, value):
    returned = book.glue("x", value)
    with_myst = captured.pop()
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # as on Colab: import fails
    book.glue("x", value)
    without_myst = captured.pop()
    assert with_myst == without_myst
    assert type(returned) in (float, int, str)


def test_numpy_scalars_become_python_numbers(captured):
    assert type(book.glue("a", np.float64(0.25))) is float
    assert type(book.glue("b", np.int64(3))) is int
    (args, kwargs), _ = captured
    assert args[0] == {"application/papermill.record/text/plain": "0.25"}
    assert kwargs["metadata"]["scrapbook"] == {
        "name": "a",
        "mime_prefix": "application/papermill.record/",
    }


def test_bad_names_are_rejected():
    with pytest.raises(ValueError, match="name must be an identifier-like string"):
        book.glue("two words", 1.0)


def test_floats_are_rounded_to_ten_significant_digits(captured):
    # 0.1 + 0.2 = 0.30000000000000004: the last bits are rounding, not content.
    assert book.glue("c", 0.1 + 0.2) == 0.3
    assert book.glue("d", 1 / 3) == 0.3333333333
    assert book.glue("e", 123456.78901234) == 123456.789
    assert book.glue("f", float("inf")) == float("inf")
    assert book.glue("g", 7) == 7 and type(book.glue("h", 7)) is int


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_the_largest_floats_stay_finite(captured, dtype):
    # Rounded to 10 digits, 1.7976931348623157e308 would read 1.797693135e308 = inf.
    for sign in (1, -1):
        biggest = sign * float(np.finfo(dtype).max)
        glued = book.glue("big", dtype(biggest))
        assert np.isfinite(glued) and glued == pytest.approx(biggest, rel=1e-9)
        (args, _), *_ = captured[-1:]
        assert args[0]["application/papermill.record/text/plain"] != f"{sign * np.inf}"
    assert book.glue("tiny", 5e-324) == 5e-324  # the smallest subnormal survives too
