"""Tests for crossent.coding: Huffman and Shannon codes, expected length, Kraft sum.

Known values are hand calculations written out in the test; properties compare Huffman's code
with a brute-force search over all prefix-code lengths, and with the bounds of Shannon's source
coding theorem computed with the standard library's ``math``, never with ``crossent``.
"""

from __future__ import annotations

import doctest
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crossent.coding as coding
from crossent.coding import (
    expected_length,
    huffman_code,
    huffman_lengths,
    kraft_sum,
    shannon_lengths,
)

# ---------------------------------------------------------------------------------------------
# Helpers, written independently of the module under test
# ---------------------------------------------------------------------------------------------


def entropy_bits(p) -> float:
    """H(p) in bits with math.log2 (0 log 0 = 0)."""
    return -math.fsum(x * math.log2(x) for x in p if x > 0)


def mean_length(p, lengths) -> float:
    return math.fsum(x * n for x, n in zip(p, lengths, strict=True))


def brute_force_optimum(p) -> float:
    """The smallest expected length over every length vector that satisfies Kraft's inequality.

    A binary prefix code with lengths l exists iff sum 2**-l <= 1 (Kraft), and an optimal code
    for n >= 2 symbols never needs a codeword longer than n - 1 bits.
    """
    n = len(p)
    if n == 1:
        return 0.0
    best = math.inf
    for lengths in itertools.product(range(1, n), repeat=n):
        if math.fsum(2.0**-k for k in lengths) <= 1:
            best = min(best, mean_length(p, lengths))
    return best


def is_prefix_free(code) -> bool:
    """No codeword is a prefix of another (nor equal to another)."""
    return not any(b.startswith(a) for a, b in itertools.permutations(code, 2))


# Distributions from positive integer weights: exact ratios, every p_i > 0.
weights = st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=12)


def normalise(w):
    total = sum(w)
    return [x / total for x in w]


@st.composite
def dyadic_distributions(draw):
    """p_i = 2**-l_i for the leaf depths l_i of a random full binary tree."""
    depths = [0]
    for _ in range(draw(st.integers(min_value=0, max_value=10))):
        i = draw(st.integers(min_value=0, max_value=len(depths) - 1))
        d = depths.pop(i)
        depths[i:i] = [d + 1, d + 1]
    return [2.0**-d for d in depths], depths


# ---------------------------------------------------------------------------------------------
# Known values (hand calculations)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "lengths", "mean"),
    [
        # Dyadic: lengths are -log2 p, L = 1/2 + 2/4 + 3/8 + 3/8 = 1.75 = H.
        ([0.5, 0.25, 0.125, 0.125], [1, 2, 3, 3], 1.75),
        # Loaded die: merge .1+.1, .1+.1, .1+.2, .2+.3, .5+.5 -> L = .5 + .1*(3+3+3+4+4) = 2.2.
        ([0.5, 0.1, 0.1, 0.1, 0.1, 0.1], [1, 3, 3, 3, 4, 4], 2.2),
        # Fair die: two codewords of 2 bits, four of 3 bits -> L = (2*2 + 4*3)/6 = 16/6.
        ([1 / 6] * 6, [2, 2, 3, 3, 3, 3], 16 / 6),
        # Two optimal codes exist ([1,2,3,4,4] and [2,2,2,3,3]); ties pick the minimum-variance one.
        ([0.4, 0.2, 0.2, 0.1, 0.1], [2, 2, 2, 3, 3], 2.2),
        # Two symbols always take one bit each, however skewed.
        ([0.9, 0.1], [1, 1], 1.0),
        # A certain outcome needs no bits.
        ([1.0], [0], 0.0),
        # Symbols with probability 0 still get codewords (here the longest ones).
        ([0.0, 0.0, 1.0, 0.0], [2, 3, 1, 3], 1.0),
    ],
)
def test_huffman_known_values(p, lengths, mean):
    got = huffman_lengths(p)
    assert got.dtype == np.int64
    assert got.tolist() == lengths
    assert float(expected_length(p, got)) == pytest.approx(mean, rel=1e-12)


def test_huffman_code_known_codewords():
    assert huffman_code([0.5, 0.25, 0.125, 0.125]) == ["0", "10", "110", "111"]
    assert huffman_code([0.1, 0.2, 0.7]) == ["10", "11", "0"]
    assert huffman_code([1 / 6] * 6) == ["00", "01", "100", "101", "110", "111"]
    assert huffman_code([1.0]) == [""]


def test_huffman_accepts_float32_and_tuples():
    p32 = np.array([0.5, 0.25, 0.125, 0.125], dtype=np.float32)
    assert huffman_lengths(p32).tolist() == [1, 2, 3, 3]
    assert huffman_lengths((0.5, 0.5)).tolist() == [1, 1]


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        ([0.5, 0.25, 0.125, 0.125], [1, 2, 3, 3]),  # exact powers of two stay exact
        ([0.9, 0.1], [1, 4]),  # -log2 0.9 = 0.152, -log2 0.1 = 3.32
        ([0.5] + [0.1] * 5, [1, 4, 4, 4, 4, 4]),
        ([1 / 3] * 3, [2, 2, 2]),  # log2 3 = 1.585
        ([1 / 1024] * 1024, [10] * 1024),  # rounding in log2 must not give 11
    ],
)
def test_shannon_lengths_known_values(p, expected):
    assert shannon_lengths(p).tolist() == expected


def test_expected_length_and_kraft_known_values():
    assert float(expected_length([0.5, 0.5, 0.0], [1, 1, math.inf])) == 1.0
    assert float(expected_length([0.25] * 4, [2, 2, 2, 2])) == 2.0
    assert float(kraft_sum([1, 2, 3, 3])) == 1.0
    assert float(kraft_sum([1, 1, 2])) == 1.25
    assert float(kraft_sum([2, 2, 2])) == 0.75
    assert float(kraft_sum([1, math.inf])) == 0.5


def test_ideal_lengths_give_the_entropy():
    p = [0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.0]
    ideal = [-math.log2(x) if x > 0 else math.inf for x in p]
    assert float(expected_length(p, ideal)) == pytest.approx(entropy_bits(p), rel=1e-12)


def test_doctests():
    result = doctest.testmod(coding, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


@given(weights)
def test_huffman_satisfies_kraft(w):
    lengths = huffman_lengths(normalise(w))
    total = math.fsum(2.0 ** -int(k) for k in lengths)
    assert total <= 1.0
    # Huffman's tree is full: every internal node has two children, so no code space is wasted.
    assert total == 1.0


@given(weights)
def test_source_coding_bounds(w):
    p = normalise(w)
    h = entropy_bits(p)
    mean = mean_length(p, huffman_lengths(p).tolist())
    assert h - 1e-12 <= mean < h + 1


@given(weights)
def test_huffman_never_longer_than_shannon(w):
    p = normalise(w)
    shannon = shannon_lengths(p).tolist()
    assert math.fsum(2.0**-k for k in shannon) <= 1.0
    assert mean_length(p, shannon) < entropy_bits(p) + 1
    assert mean_length(p, huffman_lengths(p).tolist()) <= mean_length(p, shannon) + 1e-12


@settings(max_examples=60)
@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=6))
def test_huffman_is_optimal(w):
    p = normalise(w)
    mean = mean_length(p, huffman_lengths(p).tolist())
    assert mean == pytest.approx(brute_force_optimum(p), abs=1e-12)


@given(dyadic_distributions())
def test_dyadic_distributions_are_coded_at_the_entropy(case):
    p, depths = case
    lengths = huffman_lengths(p)
    assert lengths.tolist() == depths  # l_i = -log2 p_i exactly
    assert float(expected_length(p, lengths)) == entropy_bits(p)


@given(weights)
def test_codewords_are_prefix_free_and_match_lengths(w):
    p = normalise(w)
    code = huffman_code(p)
    assert [len(c) for c in code] == huffman_lengths(p).tolist()
    assert all(set(c) <= {"0", "1"} for c in code)
    if len(code) > 1:
        assert is_prefix_free(code)


@given(weights, st.lists(st.integers(min_value=0), max_size=30))
def test_messages_decode_without_separators(w, message):
    code = huffman_code(normalise(w))
    if len(code) == 1:
        return  # a single symbol needs no bits: nothing to decode
    symbols = [i % len(code) for i in message]
    bits = "".join(code[s] for s in symbols)
    lookup = {c: s for s, c in enumerate(code)}
    decoded, word = [], ""
    for b in bits:
        word += b
        if word in lookup:
            decoded.append(lookup[word])
            word = ""
    assert word == ""
    assert decoded == symbols


@given(weights, st.permutations(range(12)))
def test_lengths_follow_their_symbols_under_permutation(w, perm):
    p = normalise(w)
    perm = [i for i in perm if i < len(p)]
    a = mean_length(p, huffman_lengths(p).tolist())
    q = [p[i] for i in perm]
    b = mean_length(q, huffman_lengths(q).tolist())
    assert a == pytest.approx(b, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Bad inputs: type and message
# ---------------------------------------------------------------------------------------------

ALL_P_FUNCTIONS = [huffman_lengths, huffman_code, shannon_lengths]


@pytest.mark.parametrize("fn", ALL_P_FUNCTIONS)
@pytest.mark.parametrize(
    ("p", "error", "match"),
    [
        ([[0.5, 0.5]], ValueError, r"p must be a 1-D array holding one distribution.*\(1, 2\)"),
        (0.5, ValueError, r"p must be a 1-D array .*got shape \(\)"),
        ([], ValueError, r"p has an empty axis 0"),
        ([0.5, float("nan"), 0.5], ValueError, r"p contains NaN at index 1"),
        ([1.5, -0.5], ValueError, r"p must hold probabilities in \[0, 1\]; p\[0\] = 1.5"),
        ([0.5, 0.4], ValueError, r"p must sum to 1 along axis -1; it sums to 0.9"),
        (["a", "b"], TypeError, r"p must be an array of real numbers"),
        ([0.5 + 0j, 0.5], TypeError, r"p must hold real numbers; got complex"),
    ],
)
def test_bad_p(fn, p, error, match):
    with pytest.raises(error, match=match):
        fn(p)


def test_shannon_lengths_rejects_zero_probability():
    with pytest.raises(ValueError, match=r"p\[1\] = 0 would need an infinitely long codeword"):
        shannon_lengths([1.0, 0.0])


@pytest.mark.parametrize(
    ("lengths", "error", "match"),
    [
        ([1, -1], ValueError, r"lengths must be non-negative .*lengths\[1\] = -1"),
        ([1, float("nan")], ValueError, r"lengths contains NaN at index 1"),
        ([[1, 1]], ValueError, r"lengths must be a 1-D array .*\(1, 2\)"),
        (["1", "1"], TypeError, r"lengths must be an array of real numbers"),
    ],
)
def test_bad_lengths(lengths, error, match):
    with pytest.raises(error, match=match):
        expected_length([0.5, 0.5], lengths)
    with pytest.raises(error, match=match):
        kraft_sum(lengths)


def test_expected_length_shape_mismatch():
    with pytest.raises(ValueError, match=r"one entry per symbol of p: p has shape \(2,\), "):
        expected_length([0.5, 0.5], [1, 1, 1])


def test_kraft_sum_rejects_empty():
    with pytest.raises(ValueError, match=r"lengths has an empty axis 0"):
        kraft_sum([])
