"""Reference NumPy implementations of recurrent layers, used to check Keras and the learners' code.

Row-vector convention, as Keras computes: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)`` with
``x_t`` of shape (B, d), ``h_t`` of shape (B, n), ``W_x`` (d, n) (Keras ``kernel``), ``W_h`` (n, n)
(``recurrent_kernel``) and ``b`` (n,) (``bias``).
"""
from __future__ import annotations

import numpy as np


def _as_array(name, value, ndim, expected):
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    if array.ndim != ndim:
        raise ValueError(f"{name} must have shape {expected}, got shape {array.shape}")
    return array


def check_rnn_weights(W_x, W_h, b):
    """Validate SimpleRNN weights; returns them as arrays and (d, n). Errors name the expected shapes."""
    W_x = _as_array("W_x", W_x, 2, "(d, n)")
    d, n = W_x.shape
    W_h = _as_array("W_h", W_h, 2, f"(n, n) = ({n}, {n})")
    if W_h.shape != (n, n):
        raise ValueError(f"W_h must have shape (n, n) = ({n}, {n}) to match W_x of shape {W_x.shape}, got {W_h.shape}")
    b = _as_array("b", b, 1, f"(n,) = ({n},)")
    if b.shape != (n,):
        raise ValueError(f"b must have shape (n,) = ({n},), got {b.shape}")
    return W_x, W_h, b, d, n


def rnn_step(x_t, h_prev, W_x, W_h, b):
    """One SimpleRNN step: ``tanh(x_t W_x + h_prev W_h + b)``. x_t (B, d), h_prev (B, n) -> (B, n)."""
    W_x, W_h, b, d, n = check_rnn_weights(W_x, W_h, b)
    x_t = _as_array("x_t", x_t, 2, f"(B, d) = (B, {d})")
    h_prev = _as_array("h_prev", h_prev, 2, f"(B, n) = ({x_t.shape[0]}, {n})")
    if x_t.shape[1] != d:
        raise ValueError(f"x_t must have shape (B, d) = (B, {d}), got {x_t.shape}")
    if h_prev.shape != (x_t.shape[0], n):
        raise ValueError(f"h_prev must have shape (B, n) = ({x_t.shape[0]}, {n}), got {h_prev.shape}")
    return np.tanh(x_t @ W_x + h_prev @ W_h + b)


def rnn_forward(x, W_x, W_h, b, h0=None):
    """Run a SimpleRNN over a batch: x (B, T, d) -> (states (B, T, n), final state (B, n)).

    ``h0`` is the initial state (B, n); zeros when None, as in Keras. ``states[:, -1]`` is the final state,
    i.e. what ``SimpleRNN(return_sequences=False)`` returns.
    """
    W_x, W_h, b, d, n = check_rnn_weights(W_x, W_h, b)
    x = _as_array("x", x, 3, f"(B, T, d) = (B, T, {d})")
    batch, steps, features = x.shape
    if features != d:
        raise ValueError(f"x must have shape (B, T, d) = (B, T, {d}) to match W_x, got {x.shape}")
    if steps == 0:
        raise ValueError("x must have at least one time step (T >= 1)")
    dtype = np.result_type(x, W_x, np.float32)
    h = np.zeros((batch, n), dtype=dtype) if h0 is None else _as_array("h0", h0, 2, f"(B, n) = ({batch}, {n})")
    if h.shape != (batch, n):
        raise ValueError(f"h0 must have shape (B, n) = ({batch}, {n}), got {h.shape}")
    states = np.empty((batch, steps, n), dtype=dtype)
    for t in range(steps):
        h = np.tanh(x[:, t] @ W_x + h @ W_h + b)
        states[:, t] = h
    return states, h
