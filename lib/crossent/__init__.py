"""crossent: the companion package to the book *From Entropy to Cross-Entropy*.

Information measures, softmax and cross-entropy written to be read, tested and compared with
TensorFlow. Every logarithm defaults to base e (nats), as in SciPy and TensorFlow.

The softmax losses and their gradients also come together, from one pass over the logits
(``crossent.softmax_cross_entropy_value_and_grad`` and its sparse twin, in ``crossent.fused``).

Submodules: ``crossent.check`` (self-checks for exercises), ``crossent.coding`` (Huffman and
Shannon codes, expected length, Kraft sum; chapter 2), ``crossent.plotting`` (the book's
figure style; imports matplotlib when first used), ``crossent.book`` (notebook helpers),
``crossent.training`` (models, training objectives and the training loop; chapter 10), and
``crossent.tf`` (TensorFlow helpers for chapters 8 and 9; never imported with the package:
``from crossent import tf as ctf``, after ``pip install "crossent[tf]"``).
"""

from __future__ import annotations

from . import book, check, coding, training
from .fused import (
    softmax_cross_entropy_value_and_grad,
    sparse_softmax_cross_entropy_value_and_grad,
)
from .gradients import (
    sigmoid_cross_entropy_grad,
    softmax_cross_entropy_grad,
    sparse_softmax_cross_entropy_grad,
)
from .information import binary_entropy, entropy, self_information
from .losses import (
    binary_cross_entropy,
    cross_entropy,
    kl_divergence,
    reduce_loss,
    sigmoid_cross_entropy_with_logits,
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

__version__ = "0.1.0"

__all__ = [
    "binary_cross_entropy",
    "binary_entropy",
    "book",
    "check",
    "coding",
    "cross_entropy",
    "entropy",
    "kl_divergence",
    "log_softmax",
    "logsumexp",
    "one_hot",
    "plotting",
    "reduce_loss",
    "self_information",
    "sigmoid_cross_entropy_grad",
    "sigmoid_cross_entropy_with_logits",
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
