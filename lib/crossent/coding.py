"""Prefix codes and their lengths: the coding view of entropy (chapter 2 of the book).

Shannon's source coding theorem says that no binary prefix code can spend fewer than H(p) bits
per symbol on average, and that some code spends fewer than H(p) + 1. This module builds the
codes that show it:

- :func:`huffman_lengths` and :func:`huffman_code`: Huffman's optimal prefix code (Huffman
  1952), with deterministic tie-breaking and canonical codewords;
- :func:`shannon_lengths`: the lengths ``ceil(-log2 p_i)``, the self-information rounded up;
- :func:`expected_length`: the average codeword length ``L = sum_i p_i l_i`` in bits;
- :func:`kraft_sum`: ``sum_i 2**-l_i``, which is at most 1 for every binary prefix code.

All codes are binary, so every length is in bits.
"""

from __future__ import annotations

import heapq

import numpy as np

from ._validate import as_float_array, check_distribution, check_no_nan, normalize_axis

__all__ = [
    "expected_length",
    "huffman_code",
    "huffman_lengths",
    "kraft_sum",
    "shannon_lengths",
]


def _distribution_1d(p, name: str = "p") -> np.ndarray:
    """Return ``p`` as a 1-D float64 array holding one probability distribution."""
    arr = as_float_array(p, name)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array holding one distribution (one probability per symbol); "
            f"got shape {arr.shape}"
        )
    normalize_axis(0, arr, name)  # rejects an empty array with a clear message
    check_distribution(arr, name, 0)
    return arr.astype(np.float64)


def _lengths_1d(lengths, name: str = "lengths") -> np.ndarray:
    """Return ``lengths`` as a 1-D float64 array of non-negative numbers (inf allowed)."""
    arr = as_float_array(lengths, name)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array with one codeword length per symbol; got shape {arr.shape}"
        )
    check_no_nan(arr, name)
    negative = arr < 0
    if negative.any():
        i = int(np.argmax(negative))
        raise ValueError(
            f"{name} must be non-negative (a codeword has 0 or more bits); "
            f"{name}[{i}] = {float(arr[i]):g}"
        )
    return arr.astype(np.float64)


def huffman_lengths(p) -> np.ndarray:
    r"""Codeword lengths of a binary Huffman code for the distribution ``p``.

    Huffman's algorithm repeatedly merges the two least probable nodes into one until a single
    tree remains; a symbol's codeword length is its depth in that tree. No binary prefix code
    has a smaller expected length :math:`L = \sum_i p_i l_i`, and
    :math:`H(p) \le L < H(p) + 1` bits when every :math:`p_i > 0`. Chapter 2 explains it.

    Ties are broken deterministically, so the same ``p`` always gives the same code: among
    nodes of equal probability, single symbols are merged before merged nodes (the
    minimum-variance rule), higher indices before lower ones (so that among equally likely
    symbols the first ones get the shorter codewords), and older merged nodes before newer
    ones.

    Parameters
    ----------
    p : array_like
        A 1-D probability distribution over the n symbols (entries in [0, 1] summing to 1).
        Symbols with probability 0 still get a codeword; drop them first (``p[p > 0]``) if they
        can never occur, otherwise they spend code space and ``L < H(p) + 1`` may fail.

    Returns
    -------
    numpy.ndarray
        n non-negative int64 lengths, in bits, aligned with ``p``. A single symbol gets length
        0: a certain outcome needs no bits at all.

    Raises
    ------
    ValueError
        If ``p`` is not 1-D, is empty, contains NaN or values outside [0, 1], or does not sum
        to 1.
    TypeError
        If ``p`` is not an array of real numbers.

    References
    ----------
    D. A. Huffman, "A method for the construction of minimum-redundancy codes",
    Proc. IRE 40(9), 1952.

    Examples
    --------
    >>> from crossent.coding import huffman_lengths
    >>> huffman_lengths([0.5, 0.25, 0.125, 0.125])  # the ideal lengths -log2 p exactly
    array([1, 2, 3, 3])
    >>> huffman_lengths([0.5, 0.1, 0.1, 0.1, 0.1, 0.1])  # a loaded die
    array([1, 3, 3, 3, 4, 4])
    >>> huffman_lengths([1.0])
    array([0])
    """
    arr = _distribution_1d(p)
    n = arr.size
    # parent[k] is the node that node k was merged into; nodes 0..n-1 are the symbols.
    parent = [-1] * n
    # Heap entries (probability, rank, node): equal probabilities pop in rank order. Symbol i
    # has rank n-1-i (higher indices are merged first, so they end up deeper) and a merged node
    # has its id >= n as rank (after every symbol, older before newer).
    heap = [(float(arr[i]), n - 1 - i, i) for i in range(n)]
    heapq.heapify(heap)
    while len(heap) > 1:
        p_a, _, a = heapq.heappop(heap)
        p_b, _, b = heapq.heappop(heap)
        new = len(parent)
        parent.append(-1)
        parent[a] = parent[b] = new
        heapq.heappush(heap, (p_a + p_b, new, new))
    # Depths: parents are created after their children, so walk the nodes from the root down.
    depth = [0] * len(parent)
    for node in range(len(parent) - 2, -1, -1):
        depth[node] = depth[parent[node]] + 1
    return np.array(depth[:n], dtype=np.int64)


def huffman_code(p) -> list[str]:
    r"""A binary Huffman code for ``p``: one codeword (a string of '0' and '1') per symbol.

    The lengths are those of :func:`huffman_lengths`; the codewords are the *canonical* code
    for those lengths (symbols sorted by length, then index, get consecutive binary numbers),
    the form used by DEFLATE and JPEG. No codeword is a prefix of another, so a message
    written as concatenated codewords decodes without separators. Chapter 2 explains it.

    Parameters
    ----------
    p : array_like
        A 1-D probability distribution over the symbols (entries in [0, 1] summing to 1).

    Returns
    -------
    list of str
        The codewords, aligned with ``p``. A single symbol gets the empty codeword ``''``.

    Raises
    ------
    ValueError
        If ``p`` is not a valid 1-D distribution (see :func:`huffman_lengths`).
    TypeError
        If ``p`` is not an array of real numbers.

    Examples
    --------
    >>> from crossent.coding import huffman_code
    >>> huffman_code([0.5, 0.25, 0.125, 0.125])
    ['0', '10', '110', '111']
    >>> huffman_code([0.1, 0.2, 0.7])
    ['10', '11', '0']
    """
    lengths = huffman_lengths(p)
    order = sorted(range(lengths.size), key=lambda i: (int(lengths[i]), i))
    code = [""] * lengths.size
    value, previous = 0, int(lengths[order[0]])
    for rank, i in enumerate(order):
        length = int(lengths[i])
        if rank:
            value = (value + 1) << (length - previous)
        code[i] = format(value, f"0{length}b") if length else ""
        previous = length
    return code


def shannon_lengths(p) -> np.ndarray:
    r"""Shannon's codeword lengths :math:`l_i = \lceil -\log_2 p_i \rceil` for ``p``.

    Each length is the self-information of the symbol in bits, rounded up to a whole bit.
    They satisfy Kraft's inequality, so a prefix code with these lengths exists, and its
    expected length is below :math:`H(p) + 1` bits: this is the easy half of Shannon's source
    coding theorem. Huffman's code is never longer on average. Chapter 2 explains it.

    A length within 1e-9 of a whole number is taken to be that number, so that
    ``p_i = 1/8`` gives 3 bits despite rounding in the logarithm.

    Parameters
    ----------
    p : array_like
        A 1-D probability distribution with every entry greater than 0.

    Returns
    -------
    numpy.ndarray
        The lengths as int64, aligned with ``p``.

    Raises
    ------
    ValueError
        If ``p`` is not a valid 1-D distribution, or an entry is 0 (its length would be
        infinite: drop symbols that never occur).
    TypeError
        If ``p`` is not an array of real numbers.

    Examples
    --------
    >>> from crossent.coding import shannon_lengths
    >>> shannon_lengths([0.5, 0.25, 0.125, 0.125])
    array([1, 2, 3, 3])
    >>> shannon_lengths([0.9, 0.1])  # 0.152 and 3.32 bits, rounded up
    array([1, 4])
    """
    arr = _distribution_1d(p)
    zero = arr == 0
    if zero.any():
        i = int(np.argmax(zero))
        raise ValueError(
            f"p must be positive for Shannon lengths: p[{i}] = 0 would need an infinitely long "
            "codeword; drop the symbols that never occur (p[p > 0])"
        )
    ideal = -np.log2(arr)
    nearest = np.round(ideal)
    ideal = np.where(np.abs(ideal - nearest) <= 1e-9, nearest, ideal)
    return np.ceil(ideal).astype(np.int64)


def expected_length(p, lengths):
    r"""Expected codeword length :math:`L = \sum_i p_i l_i` of a code, in bits.

    Symbols with :math:`p_i = 0` contribute nothing, whatever their length (even ``inf``), so
    passing the ideal lengths :math:`-\log_2 p_i` gives exactly the entropy in bits. Chapter 2
    explains it.

    Parameters
    ----------
    p : array_like
        A 1-D probability distribution over the symbols.
    lengths : array_like
        The codeword length of each symbol in bits, non-negative, with the same shape as ``p``.
        Whole numbers for a real code; any real numbers are accepted.

    Returns
    -------
    numpy.float64
        The expected length in bits.

    Raises
    ------
    ValueError
        If ``p`` is not a valid 1-D distribution, ``lengths`` contains NaN or a negative value,
        or the two shapes differ.
    TypeError
        If either argument is not an array of real numbers.

    Examples
    --------
    >>> from crossent.coding import expected_length
    >>> float(expected_length([0.5, 0.25, 0.125, 0.125], [1, 2, 3, 3]))
    1.75
    >>> float(expected_length([0.5, 0.5, 0.0], [1, 1, float("inf")]))
    1.0
    """
    arr = _distribution_1d(p)
    lens = _lengths_1d(lengths)
    if lens.shape != arr.shape:
        raise ValueError(
            f"lengths must have one entry per symbol of p: p has shape {arr.shape}, "
            f"lengths has shape {lens.shape}"
        )
    occurs = arr > 0
    return np.float64(np.sum(arr[occurs] * lens[occurs]))


def kraft_sum(lengths):
    r"""Kraft sum :math:`\sum_i 2^{-l_i}` of a set of binary codeword lengths.

    A binary prefix code with lengths :math:`l_i` exists if and only if the sum is at most 1
    (Kraft's inequality); the sum equals 1 when the code wastes no code space. An infinite
    length (a symbol that gets no codeword) contributes 0. Chapter 2 explains it.

    Parameters
    ----------
    lengths : array_like
        Non-negative codeword lengths in bits, 1-D.

    Returns
    -------
    numpy.float64
        The Kraft sum.

    Raises
    ------
    ValueError
        If ``lengths`` is not 1-D, is empty, or contains NaN or a negative value.
    TypeError
        If ``lengths`` is not an array of real numbers.

    Examples
    --------
    >>> from crossent.coding import kraft_sum
    >>> float(kraft_sum([1, 2, 3, 3]))  # a complete code: all code space used
    1.0
    >>> float(kraft_sum([1, 1, 2]))  # no prefix code has these lengths
    1.25
    """
    lens = _lengths_1d(lengths)
    normalize_axis(0, lens, "lengths")
    return np.float64(np.exp2(-lens).sum())
