"""pytest configuration for the doctests in lib/ (run with --doctest-modules lib/crossent)."""

from importlib.util import find_spec

# crossent.tf needs TensorFlow, an optional extra; without it its doctests cannot run.
collect_ignore = [] if find_spec("tensorflow") else ["crossent/tf.py"]
