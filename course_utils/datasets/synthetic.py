"""Synthetic sequence tasks: the adding problem, a copy task, the order task of chapter 01 and the first-symbol task
of chapter 10."""
from __future__ import annotations

import numpy as np

from course_utils import validation


def _check_positive(seed=0, **values):
    """Every size must be an int >= 1 and the seed an int >= 0: TypeError for floats, strings and bools."""
    validation.integer("seed", seed, minimum=0)
    for name, value in values.items():
        validation.integer(name, value, minimum=1)


def adding_problem(n: int, length: int, seed: int = 0):
    """The adding problem (Hochreiter & Schmidhuber 1997): inputs of shape (n, length, 2), targets (n, 1).

    Channel 0 holds values drawn uniformly from [0, 1]; channel 1 marks two positions, one in each half of the
    sequence. The target is the sum of the two marked values. Predicting the mean (1.0) gives MSE 1/6 = 0.167.
    """
    _check_positive(seed, n=n, length=length)
    if length < 2:
        raise ValueError(f"length must be at least 2 (one marker in each half), got {length}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, size=(n, length))
    markers = np.zeros((n, length))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype("float32")
    y = (values[rows, first] + values[rows, second]).astype("float32")[:, None]
    return x, y


def copy_task(n: int, length: int, delay: int, n_symbols: int = 8, seed: int = 0):
    """The copy (recall) task: remember ``length`` symbols across ``delay`` blank steps, then reproduce them.

    Tokens: 0 blank, 1..n_symbols symbols, n_symbols + 1 the "recall now" cue on the last of the ``delay``
    (at least 1) blank steps. Inputs and targets have shape
    (n, 2 * length + delay); targets are blank (0) except the last ``length`` steps, which repeat the symbols.
    Guessing a random symbol in the recall steps is right 1 / n_symbols of the time.
    """
    _check_positive(seed, n=n, length=length, delay=delay, n_symbols=n_symbols)
    rng = np.random.default_rng(seed)
    total = 2 * length + delay
    symbols = rng.integers(1, n_symbols + 1, size=(n, length))
    x = np.zeros((n, total), dtype="int32")
    y = np.zeros((n, total), dtype="int32")
    x[:, :length] = symbols
    x[:, length + delay - 1] = n_symbols + 1  # the cue sits on the last blank step
    y[:, -length:] = symbols
    return x, y


ORDER_PAD, ORDER_A, ORDER_B = 0, 1, 2


def order_task(n: int, min_length: int, max_length: int, n_distractors: int = 8, seed: int = 0):
    """Did the symbol A come before the symbol B? A sequence task where order matters and lengths vary.

    Each sequence has a length drawn uniformly from [min_length, max_length], exactly one A (token 1), one
    B (token 2) at random distinct positions, and distractor tokens 3..n_distractors + 2 elsewhere. The label is
    1 when A precedes B. Labels are balanced. A model that ignores order cannot beat 50%.
    Returns (sequences, labels): a list of int32 arrays of varying length and an int array of shape (n,).
    """
    _check_positive(seed, n=n, min_length=min_length, max_length=max_length, n_distractors=n_distractors)
    if min_length < 2 or max_length < min_length:
        raise ValueError(f"need 2 <= min_length <= max_length, got {min_length} and {max_length}")
    rng = np.random.default_rng(seed)
    sequences, labels = [], np.arange(n) % 2
    rng.shuffle(labels)
    for label in labels:
        length = int(rng.integers(min_length, max_length + 1))
        seq = rng.integers(3, n_distractors + 3, size=length).astype("int32")
        i, j = sorted(rng.choice(length, size=2, replace=False))
        seq[i], seq[j] = (ORDER_A, ORDER_B) if label else (ORDER_B, ORDER_A)
        sequences.append(seq)
    return sequences, labels


def first_symbol_task(n: int, length: int, n_symbols: int = 8, n_distractors: int = 16, seed: int = 0):
    """Which symbol came first? A long-range task whose answer depends on the order of two tokens far apart.

    Each sequence of ``length`` tokens holds two *symbols* (tokens 1..n_symbols, drawn independently): the first at
    a random position among the first tenth of the sequence, the second among the last tenth (before the final
    position). Every other position holds a distractor (tokens n_symbols + 1 .. n_symbols + n_distractors), and the
    last position a query token (``n_symbols + n_distractors + 1``). The label is the first symbol, as a class
    ``0 .. n_symbols - 1``. The two symbols are at least 0.8 * length - 1 positions apart, and the first one is
    0.9 * length positions or more from the query at the end.

    A model that sees the tokens but not their order (a set) knows both symbols but not which came first: its best
    accuracy is ``1/k + (1 - 1/k) / 2`` with ``k = n_symbols`` (0.5625 for 8 symbols). Chance is ``1/k``.
    Returns ``(x, y)``: int32 arrays of shape ``(n, length)`` and ``(n,)``. The vocabulary has
    ``n_symbols + n_distractors + 2`` ids (0 is never used: it is left for padding).
    """
    _check_positive(seed, n=n, length=length, n_symbols=n_symbols, n_distractors=n_distractors)
    if length < 4:
        raise ValueError(f"length must be at least 4 (two symbols, a distractor and the query), got {length}")
    rng = np.random.default_rng(seed)
    x = rng.integers(n_symbols + 1, n_symbols + n_distractors + 1, size=(n, length)).astype("int32")
    window = max(1, length // 10)
    rows = np.arange(n)
    first_position = rng.integers(0, window, size=n)
    second_position = rng.integers(length - 1 - window, length - 1, size=n)
    first, second = rng.integers(1, n_symbols + 1, size=(2, n))
    x[rows, first_position] = first
    x[rows, second_position] = second
    x[:, -1] = n_symbols + n_distractors + 1
    return x, (first - 1).astype("int32")


def first_symbol_ceiling_without_order(n_symbols: int = 8) -> float:
    """The best accuracy on :func:`first_symbol_task` of a model that cannot tell the two symbols' order apart."""
    return 1 / n_symbols + (1 - 1 / n_symbols) / 2
