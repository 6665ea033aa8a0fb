"""crossent: the companion package to the book *From Entropy to Cross-Entropy*.

Information measures, softmax and cross-entropy written to be read, tested and compared with
TensorFlow. Every logarithm defaults to base e (nats), as in SciPy and TensorFlow.

The softmax losses and their gradients also come together, from one pass over the logits
(``crossent.softmax_cross_entropy_value_and_grad`` and its sparse twin, in ``crossent.fused``).

Chapter 11 adds losses that change the target or the weighting (``focal_loss_with_logits``,
``smooth_labels``, ``multiclass_hinge_loss``, ``distillation_loss``), ``perplexity``, and
calibration (``reliability_bins``, ``expected_calibration_error``, ``fit_temperature``, in
``crossent.calibration``).

Submodules: ``crossent.calibration`` (reliability bins, ECE, temperature scaling; chapter 11),
``crossent.check`` (self-checks for exercises), ``crossent.linear`` (the cross-entropy of a
linear layer without the logits; chapter 12), ``crossent.coding`` (Huffman and Shannon codes,
expected length, Kraft sum; chapter 2), ``crossent.plotting`` (the book's
figure style; imports matplotlib when first used), ``crossent.book`` (notebook helpers),
``crossent.training`` (models, training objectives and the training loop; chapter 10), and
``crossent.tf`` (TensorFlow helpers for chapters 8 and 9; never imported with the package:
``from crossent import tf as ctf``, after ``pip install "crossent[tf]"``).
"""

from __future__ import annotations

from . import book, calibration, check, coding, linear, training
from .calibration import expected_calibration_error, fit_temperature, reliability_bins
from .fused import (
    softmax_cross_entropy_value_and_grad,
    sparse_softmax_cross_entropy_value_and_grad,
)
from .gradients import (
    sigmoid_cross_entropy_grad,
    softmax_cross_entropy_grad,
    sparse_softmax_cross_entropy_grad,
)
from .information import binary_entropy, entropy, perplexity, self_information
from .linear import linear_cross_entropy, linear_cross_entropy_value_and_grad
from .losses import (
    binary_cross_entropy,
    cross_entropy,
    distillation_loss,
    focal_loss_with_logits,
    kl_divergence,
    multiclass_hinge_loss,
    reduce_loss,
    sigmoid_cross_entropy_with_logits,
    smooth_labels,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)
from .softmax import (
    log_softmax,
    logsumexp,
    one_hot,
    softmax,
    softmax_jacobian,
    softmax_naive,
)

#: The version of the book and of this package (one number for both; see CHANGELOG.md).
__version__ = "1.0.0"

__all__ = [
    "binary_cross_entropy",
    "binary_entropy",
    "book",
    "calibration",
    "check",
    "coding",
    "cross_entropy",
    "distillation_loss",
    "entropy",
    "expected_calibration_error",
    "fit_temperature",
    "focal_loss_with_logits",
    "kl_divergence",
    "linear",
    "linear_cross_entropy",
    "linear_cross_entropy_value_and_grad",
    "log_softmax",
    "logsumexp",
    "multiclass_hinge_loss",
    "one_hot",
    "perplexity",
    "plotting",
    "reduce_loss",
    "reliability_bins",
    "self_information",
    "sigmoid_cross_entropy_grad",
    "sigmoid_cross_entropy_with_logits",
    "smooth_labels",
    "softmax",
    "softmax_cross_entropy_grad",
    "softmax_cross_entropy_value_and_grad",
    "softmax_cross_entropy_with_logits",
    "softmax_jacobian",
    "softmax_naive",
    "sparse_softmax_cross_entropy_grad",
    "sparse_softmax_cross_entropy_value_and_grad",
    "sparse_softmax_cross_entropy_with_logits",
    "training",
]


def __getattr__(name):
    # matplotlib is imported only when a figure is drawn, not with the package.
    if name == "plotting":
        import importlib

        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module 'crossent' has no attribute {name!r}")
