"""What a recurrent layer costs: multiply-accumulate counts per time step, and the machine's practical ceiling.

* :func:`macs_per_step` gives the count as a formula, per example and per time step, for SimpleRNN, LSTM and GRU
  (both ``reset_after`` conventions): the matrix products plus the element-wise products of the gates.
* :func:`count_macs` counts them *directly*, by running a function (e.g. a step of :mod:`course_utils.from_scratch.recurrences`) on
  arrays that tally every matrix product (m x k x n multiply-adds) and every element-wise multiplication; the
  tests check the formulas against it, so a formula cannot drift from the code it describes.
* :func:`training_flops` turns a count into floating-point operations for one epoch (2 FLOPs per MAC; the
  backward pass costs about twice the forward pass, so training is about 3x the forward pass).
* :func:`matmul_gflops` measures the practical ceiling of this machine: the GFLOP/s of a large float32 matrix
  product in TensorFlow, the operation every recurrent layer spends its time in.
"""
from __future__ import annotations

import time

import numpy as np

CELLS = ("simple_rnn", "lstm", "gru")


def _check_sizes(**sizes):
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value}")


def macs_per_step(cell: str, d: int, n: int, reset_after: bool = True) -> int:
    """Multiply-accumulates per example and per time step of a recurrent layer with ``n`` units on ``d`` features.

    * SimpleRNN: ``n(d + n)`` (x_t W_x and h_{t-1} W_h).
    * LSTM: ``4n(d + n) + 3n`` (four blocks of products, then f * c, i * c~ and o * tanh(c)).
    * GRU: ``3n(d + n) + 3n`` (three blocks, then r applied to h or to h U_h, z * h and (1 - z) * h~), in both
      conventions: reset-after multiplies r into the product's result, reset-before into h before the product.

    Additions of biases, activations and the ``1 - z`` are not multiplications and are not counted.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    _check_sizes(d=d, n=n)
    if cell == "simple_rnn":
        return n * (d + n)
    if cell == "lstm":
        return 4 * n * (d + n) + 3 * n
    return 3 * n * (d + n) + 3 * n


class _Tally(np.ndarray):
    """An array that adds the multiply-accumulates of every matmul and multiply it takes part in to a counter."""

    counter = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(x) if isinstance(x, _Tally) else x for x in inputs]
        result = getattr(ufunc, method)(*plain, **kwargs)
        if method == "__call__" and _Tally.counter is not None:
            if ufunc is np.matmul:
                a, b = (np.asarray(x) for x in plain)
                batch = int(np.prod(result.shape[:-2])) if result.ndim > 2 else 1
                rows = a.shape[-2] if a.ndim > 1 else 1
                _Tally.counter[0] += batch * rows * a.shape[-1] * (b.shape[-1] if b.ndim > 1 else 1)
            elif ufunc is np.multiply:
                _Tally.counter[0] += int(np.size(result))
        if isinstance(result, np.ndarray):
            return result.view(_Tally)
        return result


def count_macs(fn, *args, **kwargs) -> int:
    """Run ``fn(*args, **kwargs)`` with every array argument tallying its matrix products and element-wise
    multiplications; return the total multiply-accumulates. Arrays created inside ``fn`` from the arguments are
    tallied too (they inherit the tally); constants created from scratch are not."""
    wrap = lambda v: np.asarray(v, dtype=float).view(_Tally) if isinstance(v, (np.ndarray, list)) else v
    _Tally.counter = [0]
    try:
        fn(*[wrap(a) for a in args], **{k: wrap(v) for k, v in kwargs.items()})
        return int(_Tally.counter[0])
    finally:
        _Tally.counter = None


def training_flops(cell: str, d: int, n: int, steps: int, examples: int, reset_after: bool = True) -> float:
    """Floating-point operations of one training epoch of the recurrent layer alone: 2 FLOPs per MAC, forward plus
    a backward pass of about twice the forward cost (so 3x), over ``examples`` sequences of ``steps`` time steps."""
    _check_sizes(steps=steps, examples=examples)
    return 3 * 2 * macs_per_step(cell, d, n, reset_after) * steps * examples


def matmul_gflops(size: int = 2048, repeats: int = 5) -> float:
    """The best GFLOP/s of a ``size`` x ``size`` float32 matrix product in TensorFlow on this machine (2 size^3 FLOPs
    each), over ``repeats`` timed runs after one warm-up: the practical ceiling a recurrent layer can approach."""
    _check_sizes(size=size, repeats=repeats)
    from course_utils.config import import_tensorflow

    tf = import_tensorflow()
    a = tf.random.normal((size, size), seed=1)
    b = tf.random.normal((size, size), seed=2)
    tf.linalg.matmul(a, b).numpy()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        tf.linalg.matmul(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best / 1e9
