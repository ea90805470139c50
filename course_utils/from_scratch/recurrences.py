"""The formulas of the course, each written exactly once: one time step of each recurrent cell, its backward
step, gradient clipping and parameter counts.

These functions are plain NumPy with no input checks, written to be read: they are the exercises' solutions
(``show_solution`` prints them), the validated layers of :mod:`course_utils.from_scratch.rnn_layers` loop over them, and the
exercise checkers build their "typical mistake" variants from them. Row-vector convention, as Keras computes::

    h_t = tanh(x_t W_x + h_{t-1} W_h + b)    x_t (B, d), h_t (B, n), W_x (d, n), W_h (n, n), b (n,)

NaN or infinite inputs propagate to the outputs as NumPy arithmetic does; nothing here raises on them.
"""
from __future__ import annotations

import numpy as np


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), element-wise (the gates of LSTM and GRU)."""
    return 1.0 / (1.0 + np.exp(-a))


# Each activation with its derivative written in terms of its *output* h = phi(a) (what BPTT has at hand).
ACTIVATIONS = {
    "tanh": (np.tanh, lambda h: 1 - h * h),
    "relu": (lambda a: np.maximum(a, 0), lambda h: (h > 0).astype(h.dtype)),
    "linear": (lambda a: a, lambda h: np.ones_like(h)),
}


def rnn_step(x_t, h_prev, W_x, W_h, b, activation="tanh"):
    """One step of a simple RNN: h_t = tanh(x_t W_x + h_{t-1} W_h + b).

    x_t: (B, d) inputs at time t; h_prev: (B, n) previous hidden state; W_x: (d, n); W_h: (n, n); b: (n,).
    Returns h_t, shape (B, n). ``activation`` ("tanh", Keras's default, "relu" or "linear") replaces tanh.
    """
    phi, _ = ACTIVATIONS[activation]
    return phi(x_t @ W_x + h_prev @ W_h + b)


def preactivation_grad(dh, h_t, activation="tanh"):
    """Back through the activation: dL/da_t = dL/dh_t * phi'(a_t), with phi' written from the output h_t
    (for tanh, phi'(a) = 1 - tanh(a)^2 = 1 - h_t^2). dh, h_t: (B, n)."""
    _, phi_prime = ACTIVATIONS[activation]
    return dh * phi_prime(h_t)


def bptt_step(dh, h_t, h_prev, x_t, W_h, activation="tanh"):
    """One step of backpropagation through time for h_t = tanh(x_t W_x + h_prev W_h + b).

    dh: (B, n) total gradient dL/dh_t (from this step's loss and from later steps); h_t, h_prev: (B, n);
    x_t: (B, d); W_h: (n, n). Returns this step's contributions (dW_x, dW_h, db) and dh_prev = dL/dh_{t-1}
    through this step.
    """
    da = preactivation_grad(dh, h_t, activation)  # back through tanh: dh * (1 - h_t**2)
    dW_x = x_t.T @ da
    dW_h = h_prev.T @ da
    db = da.sum(axis=0)
    dh_prev = da @ W_h.T
    return dW_x, dW_h, db, dh_prev


def clip_by_global_norm(grads, max_norm):
    """Rescale a list of gradient arrays so that their global L2 norm is at most max_norm.

    Returns (clipped_grads, global_norm), where global_norm = sqrt(sum over arrays of sum(g**2)) before clipping,
    as ``tf.clip_by_global_norm`` computes it.
    """
    global_norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    scale = min(1.0, max_norm / global_norm) if global_norm > 0 else 1.0
    return [g * scale for g in grads], global_norm


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, return_gates=False):
    """One LSTM step with Keras's weight layout (four blocks of n columns in the order i, f, c, o).

    x_t: (B, d); h_prev, c_prev: (B, n); kernel: (d, 4n); recurrent_kernel: (n, 4n); bias: (4n,).
    Returns (h_t, c_t), each (B, n); with ``return_gates=True`` also a dict of the gates "i", "f", "c~", "o".
    """
    n = h_prev.shape[1]
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    i = sigmoid(z[:, :n])                # input gate: how much of the candidate to write
    f = sigmoid(z[:, n:2 * n])           # forget gate: how much of the old cell to keep
    c_tilde = np.tanh(z[:, 2 * n:3 * n])  # candidate cell values
    o = sigmoid(z[:, 3 * n:])            # output gate: how much of the cell to show
    c_t = f * c_prev + i * c_tilde
    h_t = o * np.tanh(c_t)
    if return_gates:
        return h_t, c_t, {"i": i, "f": f, "c~": c_tilde, "o": o}
    return h_t, c_t


def gru_candidate(x_t, h_prev, r, W_xh, W_hh, b_h):
    """The GRU candidate state with a given reset gate r (original formulation, reset before the product):
    h_tilde = tanh(x_t W_xh + (r * h_prev) W_hh + b_h). With r = 0 it ignores the past entirely."""
    return np.tanh(x_t @ W_xh + (r * h_prev) @ W_hh + b_h)


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after=False, return_gates=False):
    """One GRU step with Keras's weight layout (three blocks of n columns in the order z, r, h).

    x_t: (B, d); h_prev: (B, n); kernel: (d, 3n); recurrent_kernel: (n, 3n). Returns h_t (B, n); with
    ``return_gates=True`` a pair (h_t, dict of "z", "r", "h~"). Keras keeps the old state in proportion z:
    h_t = z * h_prev + (1 - z) * h_tilde.

    * ``reset_after=False`` (Cho et al. 2014), ``bias`` (3n,): the reset gate multiplies h_prev before W_hh.
    * ``reset_after=True`` (Keras's default, the cuDNN form), ``bias`` (2, 3n) = input and recurrent bias:
      h_tilde = tanh(x_t W_xh + b_h + r * (h_prev W_hh + b'_h)), the reset gate acts after the product.
    """
    n = h_prev.shape[1]
    W_xh, W_hh = kernel[:, 2 * n:], recurrent_kernel[:, 2 * n:]
    if reset_after:
        x_part = x_t @ kernel + bias[0]
        h_part = h_prev @ recurrent_kernel + bias[1]
        z = sigmoid(x_part[:, :n] + h_part[:, :n])          # update gate: how much of the old state to keep
        r = sigmoid(x_part[:, n:2 * n] + h_part[:, n:2 * n])  # reset gate: how much of the past the candidate sees
        h_tilde = np.tanh(x_part[:, 2 * n:] + r * h_part[:, 2 * n:])
    else:
        gates = x_t @ kernel[:, :2 * n] + h_prev @ recurrent_kernel[:, :2 * n] + bias[:2 * n]
        z, r = sigmoid(gates[:, :n]), sigmoid(gates[:, n:])  # update and reset gates
        h_tilde = gru_candidate(x_t, h_prev, r, W_xh, W_hh, bias[2 * n:])
    h_t = z * h_prev + (1 - z) * h_tilde
    if return_gates:
        return h_t, {"z": z, "r": r, "h~": h_tilde}
    return h_t


def simple_rnn_parameter_count(d, n):
    """Trainable parameters of keras.layers.SimpleRNN(n) on d input features: W_x (d x n), W_h (n x n), b (n)."""
    return d * n + n * n + n


def lstm_parameter_count(d, n):
    """Trainable parameters of keras.layers.LSTM(n) on d input features: four blocks, each with
    input weights (d x n), recurrent weights (n x n) and a bias (n)."""
    return 4 * (d * n + n * n + n)


def gru_parameter_count(d, n, reset_after=True):
    """Trainable parameters of keras.layers.GRU(n) on d input features: three blocks of (d x n) + (n x n) + n,
    plus a second bias of 3n (the recurrent bias) when ``reset_after=True`` (Keras's default)."""
    return 3 * (d * n + n * n + n) + (3 * n if reset_after else 0)
