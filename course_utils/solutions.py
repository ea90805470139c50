"""Reference solutions of the exercises, one function each.

The checkers in :mod:`course_utils.exercises` compare a learner's function with these, and
``show_solution(name)`` prints their source. They are written to be read: plain NumPy, one idea per line.
"""
from __future__ import annotations

import numpy as np


def ema_states(x, alpha, h0=0.0):
    """Exponential moving average as a tiny recurrence: h_t = alpha * h_{t-1} + (1 - alpha) * x_t.

    x: array of shape (B, T), B sequences of T time steps. alpha: float in [0, 1], how much of the
    previous state is kept. h0: the initial state h_0, a float or an array of shape (B,).
    Returns the states h_1 ... h_T, shape (B, T).
    """
    x = np.asarray(x, dtype=float)
    batch_size, steps = x.shape
    h = np.broadcast_to(np.asarray(h0, dtype=float), (batch_size,)).copy()
    states = np.empty((batch_size, steps))
    for t in range(steps):
        h = alpha * h + (1.0 - alpha) * x[:, t]
        states[:, t] = h
    return states


def rnn_step(x_t, h_prev, W_x, W_h, b):
    """One step of a simple RNN: h_t = tanh(x_t W_x + h_{t-1} W_h + b).

    x_t: (B, d) inputs at time t; h_prev: (B, n) previous hidden state; W_x: (d, n); W_h: (n, n); b: (n,).
    Returns h_t, shape (B, n).
    """
    return np.tanh(x_t @ W_x + h_prev @ W_h + b)


def rnn_forward(x, W_x, W_h, b, h0):
    """The full forward loop of a simple RNN over a batch of sequences.

    x: (B, T, d); h0: (B, n) initial state. Returns all hidden states h_1 ... h_T, shape (B, T, n).
    """
    h = h0
    states = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W_x + h @ W_h + b)
        states.append(h)
    return np.stack(states, axis=1)


def bptt_step(dh, h_t, h_prev, x_t, W_h):
    """One step of backpropagation through time for h_t = tanh(x_t W_x + h_prev W_h + b).

    dh: (B, n) total gradient dL/dh_t (from this step's loss and from later steps); h_t, h_prev: (B, n);
    x_t: (B, d); W_h: (n, n). Returns this step's contributions (dW_x, dW_h, db) and dh_prev = dL/dh_{t-1}
    through this step.
    """
    da = dh * (1 - h_t ** 2)  # back through tanh: tanh'(a) = 1 - tanh(a)^2
    dW_x = x_t.T @ da
    dW_h = h_prev.T @ da
    db = da.sum(axis=0)
    dh_prev = da @ W_h.T
    return dW_x, dW_h, db, dh_prev


def clip_by_global_norm(grads, max_norm):
    """Rescale a list of gradient arrays so that their global L2 norm is at most max_norm.

    Returns (clipped_grads, global_norm), where global_norm = sqrt(sum over arrays of sum(g**2)) before clipping.
    """
    global_norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    scale = min(1.0, max_norm / global_norm) if global_norm > 0 else 1.0
    return [g * scale for g in grads], global_norm


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM step with Keras's weight layout (four blocks of n columns in the order i, f, c, o).

    x_t: (B, d); h_prev, c_prev: (B, n); kernel: (d, 4n); recurrent_kernel: (n, 4n); bias: (4n,).
    Returns (h_t, c_t), each (B, n).
    """
    n = h_prev.shape[1]
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    i = _sigmoid(z[:, :n])               # input gate: how much of the candidate to write
    f = _sigmoid(z[:, n:2 * n])          # forget gate: how much of the old cell to keep
    c_tilde = np.tanh(z[:, 2 * n:3 * n])  # candidate cell values
    o = _sigmoid(z[:, 3 * n:])           # output gate: how much of the cell to show
    c_t = f * c_prev + i * c_tilde
    h_t = o * np.tanh(c_t)
    return h_t, c_t


def lstm_parameter_count(d, n):
    """Trainable parameters of keras.layers.LSTM(n) on d input features: four blocks, each with
    input weights (d x n), recurrent weights (n x n) and a bias (n)."""
    return 4 * (d * n + n * n + n)


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One GRU step in the original formulation (Keras reset_after=False), blocks in the order z, r, h.

    x_t: (B, d); h_prev: (B, n); kernel: (d, 3n); recurrent_kernel: (n, 3n); bias: (3n,). Returns h_t (B, n).
    Keras's convention keeps the old state in proportion z: h_t = z * h_prev + (1 - z) * h_tilde.
    """
    n = h_prev.shape[1]
    x_part = x_t @ kernel + bias
    z = _sigmoid(x_part[:, :n] + h_prev @ recurrent_kernel[:, :n])
    r = _sigmoid(x_part[:, n:2 * n] + h_prev @ recurrent_kernel[:, n:2 * n])
    h_tilde = np.tanh(x_part[:, 2 * n:] + (r * h_prev) @ recurrent_kernel[:, 2 * n:])
    return z * h_prev + (1 - z) * h_tilde


def gru_candidate(x_t, h_prev, r, W_h, U_h, b_h):
    """The GRU candidate state with a given reset gate r (original formulation):
    h_tilde = tanh(x_t W_h + (r * h_prev) U_h + b_h). With r = 0 it ignores the past entirely."""
    return np.tanh(x_t @ W_h + (r * h_prev) @ U_h + b_h)
