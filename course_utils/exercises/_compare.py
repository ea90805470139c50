"""Comparing a learner's result with the expected one, with tolerances that follow the learner's dtype.

A correct answer computed in float32 differs from the float64 solution by float32 rounding, so the tolerances
grow with the machine epsilon of the learner's floating-point type. Complex results are refused (a recurrent
layer's outputs are real), and so are results that are not numbers where numbers are expected; where text is
expected (a BIO tag, an entity type) it is compared exactly.
"""
from __future__ import annotations

import numpy as np

EPS_FACTOR = 200  # a float32 answer may differ by about 200 * 1.2e-7 = 2.4e-5 relative (measured margin: 10x)


def fmt(value) -> str:
    array = np.asarray(value)
    if array.size <= 12:
        return np.array2string(array, precision=4, suppress_small=True, separator=", ")
    return f"array of shape {array.shape}"


def tolerances(got_dtype, expected, atol: float, rtol: float) -> tuple:
    """(atol, rtol) for a result of ``got_dtype``: the exercise's own for float64, wider for float32/float16."""
    if got_dtype.kind != "f" or np.finfo(got_dtype).eps <= np.finfo(np.float64).eps:
        return atol, rtol
    eps = float(np.finfo(got_dtype).eps) * EPS_FACTOR
    scale = max(1.0, float(np.max(np.abs(expected)))) if np.size(expected) else 1.0
    return max(atol, eps * scale), max(rtol, eps)


def _as_sequence(got):
    """A NumPy array (of one or more dimensions), a pandas Series or another ordered container of items, as a list:
    where a list is expected (e.g. BIO tags), ``np.array(tags)`` is as correct as ``tags``. Text, dicts, sets and
    iterators are left as they are (a set has no order, an iterator could be read only once)."""
    if isinstance(got, (tuple, list, str, bytes, dict, set, frozenset)) or got is None:
        return got
    if isinstance(got, np.ndarray):
        return list(got) if got.ndim >= 1 else got
    if hasattr(got, "__len__") and hasattr(got, "__getitem__") and np.ndim(got) >= 1:
        try:
            return list(got)
        except (TypeError, ValueError, KeyError):
            return got
    return got


def mismatch(expected, got, atol=1e-6, rtol=1e-6, where="result") -> str | None:
    """Return None when ``got`` matches ``expected``, else a sentence saying what differs and where.

    A list is accepted where a tuple is expected and the other way round, and so is a NumPy array (or another
    ordered container) of the items; the tolerances widen for a float32
    (or float16) result; a complex result, or one that is not numbers, is reported as such.
    """
    if got is None and expected is not None:
        return f"{where} is None: did the function forget to `return` its result?"
    if isinstance(expected, (tuple, list)):
        got = _as_sequence(got) if isinstance(expected, list) else got  # a tuple is several outputs: never an array
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            kind = "tuple" if isinstance(expected, tuple) else "list"
            length = len(got) if isinstance(got, (tuple, list)) else f"not a {kind}"
            return f"{where} should be a {kind} of {len(expected)} items, got {length}"
        for index, (e, g) in enumerate(zip(expected, got)):
            problem = mismatch(e, g, atol, rtol, where=f"{where}[{index}]")
            if problem:
                return problem
        return None
    expected_array = np.asarray(expected)
    try:
        got_array = np.asarray(got)
    except (TypeError, ValueError):
        return f"{where} could not be read as an array (got {type(got).__name__})"
    if got_array.dtype.kind == "c" and expected_array.dtype.kind != "c":
        return (f"{where} is complex ({got_array.dtype}); expected real numbers. A complex number usually comes "
                "from a square root or power of a negative value, or from complex input somewhere.")
    if expected_array.dtype.kind in "US":  # text is expected (a tag, an entity type): compared exactly
        if got_array.shape != expected_array.shape or not np.array_equal(got_array.astype(str), expected_array):
            return f"{where} is {got!r}, expected {expected!r}"
        return None
    if got_array.dtype.kind in "USV":
        return f"{where} is text or raw bytes ({got_array.dtype}), expected numbers"
    if got_array.dtype.kind not in "fiub":
        try:
            got_array = got_array.astype(float)
        except (TypeError, ValueError):
            return f"{where} could not be read as numbers (got {type(got).__name__} of dtype {got_array.dtype})"
    if got_array.shape != expected_array.shape:
        return f"{where} has shape {got_array.shape}, expected shape {expected_array.shape}"
    if expected_array.dtype.kind in "fc":
        atol, rtol = tolerances(got_array.dtype, expected_array, atol, rtol)
        got_array = got_array.astype(float)
        if not np.all(np.isfinite(got_array)):
            return f"{where} contains nan or inf: {fmt(got_array)}"
        if not np.allclose(got_array, expected_array, atol=atol, rtol=rtol):
            diff = np.abs(got_array - expected_array)
            index = np.unravel_index(np.argmax(diff), diff.shape) if diff.ndim else ()
            location = f" at index {tuple(int(i) for i in index)}" if diff.ndim else ""
            return (
                f"{where} differs from the expected value (max abs difference {diff.max():.3g}{location}).\n"
                f"    expected: {fmt(expected_array)}\n    got:      {fmt(got_array)}"
            )
        return None
    if not np.array_equal(got_array, expected_array):
        return f"{where} is {fmt(got_array)}, expected {fmt(expected_array)}"
    return None
