"""Checks of arguments at the edge of the package, with errors that say what was expected and what was given.

Used by the reference layers and the data loaders: a wrong *type* (a string, float or bool where an integer is
needed, complex numbers, text in an array) raises ``TypeError`` naming the argument; a right type with a wrong
*value* or shape raises ``ValueError`` naming the expected shape or range. Lists are accepted wherever arrays are.
NaN and infinite values are not rejected here; each function's docstring says what they do.
"""
from __future__ import annotations

import numbers

import numpy as np


def integer(name: str, value, minimum: int | None = None, allow_none: bool = False):
    """``value`` as an int; TypeError unless it is a whole number type (not bool, float or str)."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(
            f"{name} must be an integer, got {type(value).__name__} {value!r}"
            + (" (write it without quotes)" if isinstance(value, str) else "")
            + (f" (use int({name}) if you mean {int(value)})" if isinstance(value, float) and value.is_integer() else "")
        )
    value = int(value)
    if minimum is not None and value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{name} must be {wanted}, got {value}")
    return value


def boolean(name: str, value) -> bool:
    """``value`` as a bool; TypeError for anything but True/False (a string such as "no" would count as true)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def real_number(name: str, value) -> float:
    """``value`` as a float; TypeError for bools, strings and complex numbers."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def option(name: str, value, allowed: tuple):
    """``value`` if it is one of ``allowed`` (strings compared exactly); ValueError listing them otherwise."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}")
    return value


def real_array(name: str, value, ndim: int | None = None, expected: str = "") -> np.ndarray:
    """``value`` (an array or nested lists) as a NumPy array of real numbers with ``ndim`` dimensions.

    TypeError for complex, boolean or non-numeric entries; ValueError for ragged lists or the wrong number of
    dimensions, naming ``expected`` (e.g. ``"(B, n) = (2, 4)"``).
    """
    try:
        array = np.asarray(value)
    except ValueError:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array{f' of shape {expected}' if expected else ''}; "
                         "its nested lists have different lengths") from None
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex dtype {array.dtype}; "
                        "recurrent layers here are real-valued (take .real if the imaginary part is zero)")
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have shape {expected or f'with {ndim} dimensions'}, got shape {array.shape}")
    return array


def shaped(name: str, value, shape: tuple, expected: str, dtype=None) -> np.ndarray:
    """A real array of exactly ``shape`` (ValueError naming ``expected`` otherwise), optionally cast to ``dtype``."""
    array = real_array(name, value, len(shape), expected)
    if array.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {expected}, got shape {array.shape}")
    return array if dtype is None else array.astype(dtype, copy=False)
