"""Validated NumPy recurrent layers, which the chapters and the tests compare with Keras layers.

Each function checks its inputs (shapes, dtypes) and loops over the single-step formulas of
:mod:`course_utils.from_scratch.recurrences`, where every formula is written once; the exercises' solutions are those same
step functions. Row-vector convention, as Keras computes: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)`` with
``x_t`` of shape (B, d), ``h_t`` of shape (B, n), ``W_x`` (d, n) (Keras ``kernel``), ``W_h`` (n, n)
(``recurrent_kernel``) and ``b`` (n,) (``bias``).

Inputs may be arrays or nested lists of real numbers. Wrong shapes raise ``ValueError`` naming the expected shape;
complex, boolean or text inputs, and integers given as strings, floats or bools, raise ``TypeError`` naming the
argument; unknown string options raise ``ValueError`` listing the allowed ones (see :mod:`course_utils.validation`).
NaN and infinite inputs are not rejected: they propagate to every output they touch, as in NumPy and Keras (a NaN
in one sequence of a batch leaves the other sequences' states finite, but makes the weight gradients NaN).
"""
from __future__ import annotations

import numpy as np

from course_utils import validation
from course_utils.from_scratch import recurrences


def _as_array(name, value, ndim, expected):
    return validation.real_array(name, value, ndim, expected)


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
    """One SimpleRNN step: ``tanh(x_t W_x + h_prev W_h + b)``. x_t (B, d), h_prev (B, n) -> (B, n).

    A NaN input makes the rows it reaches NaN (a NaN weight: every row)."""
    W_x, W_h, b, d, n = check_rnn_weights(W_x, W_h, b)
    x_t = _as_array("x_t", x_t, 2, f"(B, d) = (B, {d})")
    h_prev = _as_array("h_prev", h_prev, 2, f"(B, n) = ({x_t.shape[0]}, {n})")
    if x_t.shape[1] != d:
        raise ValueError(f"x_t must have shape (B, d) = (B, {d}), got {x_t.shape}")
    if h_prev.shape != (x_t.shape[0], n):
        raise ValueError(f"h_prev must have shape (B, n) = ({x_t.shape[0]}, {n}), got {h_prev.shape}")
    return recurrences.rnn_step(x_t, h_prev, W_x, W_h, b)


ACTIVATIONS = tuple(recurrences.ACTIVATIONS)


def rnn_forward(x, W_x, W_h, b, h0=None, activation="tanh"):
    """Run a SimpleRNN over a batch: x (B, T, d) -> (states (B, T, n), final state (B, n)).

    ``h0`` is the initial state (B, n); zeros when None, as in Keras. ``states[:, -1]`` is the final state,
    i.e. what ``SimpleRNN(return_sequences=False)`` returns. ``activation``: ``"tanh"`` (Keras's default),
    ``"relu"`` or ``"linear"``. A NaN in ``x`` makes that sequence's states NaN from that step on; other
    sequences of the batch are unaffected.
    """
    validation.option("activation", activation, ACTIVATIONS)
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
        h = recurrences.rnn_step(x[:, t], h, W_x, W_h, b, activation)
        states[:, t] = h
    return states, h


def rnn_backward(x, W_x, W_h, b, h0, states, dstates, activation="tanh", chunk=None):
    """Backpropagation through time for :func:`rnn_forward`.

    ``dstates`` (B, T, n) is the gradient of the loss with respect to each state ``h_t`` *as an output* (for a
    per-step loss, the gradient of that step's loss; zeros where a step has no loss). ``h0`` may be None (zeros).
    Returns a dict with the gradients ``W_x`` (d, n), ``W_h`` (n, n), ``b`` (n,), ``h0`` (B, n), ``x`` (B, T, d) and
    ``h`` (B, T, n): the *total* gradient dL/dh_t, including what flows back from later steps.

    ``chunk``: truncated BPTT as done by stateful training in chunks of ``chunk`` steps: the states are carried
    forward, but no gradient flows from one chunk into the previous one (nor into ``h0``). ``chunk`` must be an
    int (not a float or string). A NaN anywhere in the inputs makes the weight gradients NaN.
    """
    validation.option("activation", activation, ACTIVATIONS)
    W_x, W_h, b, d, n = check_rnn_weights(W_x, W_h, b)
    x = _as_array("x", x, 3, f"(B, T, d) = (B, T, {d})")
    batch, steps, _ = x.shape
    expected = f"(B, T, n) = ({batch}, {steps}, {n})"
    states = validation.shaped("states", states, (batch, steps, n), expected)
    dstates = validation.shaped("dstates", dstates, (batch, steps, n), expected)
    chunk = validation.integer("chunk", chunk, minimum=1, allow_none=True)
    if h0 is None:
        h0 = np.zeros((batch, n), dtype=states.dtype)
    else:
        h0 = validation.shaped("h0", h0, (batch, n), f"(B, n) = ({batch}, {n})")
    grads = {"W_x": np.zeros_like(W_x, dtype=states.dtype), "W_h": np.zeros_like(W_h, dtype=states.dtype),
             "b": np.zeros(n, dtype=states.dtype), "x": np.zeros_like(x, dtype=states.dtype),
             "h": np.zeros_like(states)}
    dh_next = np.zeros((batch, n), dtype=states.dtype)
    for t in reversed(range(steps)):
        dh = dstates[:, t] + dh_next
        grads["h"][:, t] = dh
        h_prev = states[:, t - 1] if t > 0 else h0
        dW_x, dW_h, db, dh_next = recurrences.bptt_step(dh, states[:, t], h_prev, x[:, t], W_h, activation)
        grads["W_x"] += dW_x
        grads["W_h"] += dW_h
        grads["b"] += db
        grads["x"][:, t] = recurrences.preactivation_grad(dh, states[:, t], activation) @ W_x.T
        if chunk is not None and t % chunk == 0:
            dh_next = np.zeros_like(dh_next)  # the gradient stops at the chunk boundary
    grads["h0"] = dh_next
    return grads


def clip_by_global_norm(grads, max_norm):
    """Scale a list of arrays so that their joint L2 norm is at most ``max_norm``; returns (clipped, norm).

    The global norm is sqrt(sum of squares of every entry of every array), as in ``tf.clip_by_global_norm``.
    ``grads``: a list or tuple of arrays (or nested lists) of real numbers; ``max_norm``: a positive number.
    NaN or infinite entries make the returned norm NaN or inf; the arrays are then returned unscaled (where
    ``tf.clip_by_global_norm`` would fill them with NaN), so check ``np.isfinite(norm)`` before using them.
    """
    if not isinstance(grads, (list, tuple)):
        raise TypeError(f"grads must be a list or tuple of arrays, got {type(grads).__name__}")
    max_norm = validation.real_number("max_norm", max_norm)
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    arrays = [validation.real_array(f"grads[{i}]", g).astype(float) for i, g in enumerate(grads)]
    with np.errstate(invalid="ignore", over="ignore"):
        clipped, norm = recurrences.clip_by_global_norm(arrays, max_norm)
    return clipped, float(norm)


def _check_gated(x, kernel, recurrent_kernel, blocks):
    kernel = _as_array("kernel", kernel, 2, f"(d, {blocks}n)")
    d, width = kernel.shape
    if width % blocks:
        raise ValueError(f"kernel must have shape (d, {blocks}n); its second dimension {width} is not a multiple of {blocks}")
    n = width // blocks
    recurrent_kernel = _as_array("recurrent_kernel", recurrent_kernel, 2, f"(n, {blocks}n) = ({n}, {width})")
    if recurrent_kernel.shape != (n, width):
        raise ValueError(f"recurrent_kernel must have shape (n, {blocks}n) = ({n}, {width}), got {recurrent_kernel.shape}")
    x = _as_array("x", x, 3, f"(B, T, d) = (B, T, {d})")
    if x.shape[2] != d:
        raise ValueError(f"x must have shape (B, T, d) = (B, T, {d}) to match the kernel, got {x.shape}")
    if x.shape[1] == 0:
        raise ValueError("x must have at least one time step (T >= 1)")
    return x, kernel, recurrent_kernel, d, n


def _initial(name, value, batch, n, dtype):
    if value is None:
        return np.zeros((batch, n), dtype=dtype)
    value = _as_array(name, value, 2, f"(B, n) = ({batch}, {n})")
    if value.shape != (batch, n):
        raise ValueError(f"{name} must have shape (B, n) = ({batch}, {n}), got {value.shape}")
    return value


def lstm_forward(x, kernel, recurrent_kernel, bias, h0=None, c0=None, return_gates=False):
    """An LSTM over a batch, with Keras's weight layout: x (B, T, d) -> (states (B, T, n), h_T, c_T).

    ``kernel`` (d, 4n), ``recurrent_kernel`` (n, 4n) and ``bias`` (4n,) hold four blocks of n columns in Keras's
    order **i, f, c, o** (input gate, forget gate, candidate, output gate)::

        i_t = sigmoid(x_t W_i + h_{t-1} U_i + b_i)      f_t = sigmoid(x_t W_f + h_{t-1} U_f + b_f)
        c~_t = tanh(x_t W_c + h_{t-1} U_c + b_c)        o_t = sigmoid(x_t W_o + h_{t-1} U_o + b_o)
        c_t = f_t * c_{t-1} + i_t * c~_t                h_t = o_t * tanh(c_t)

    With ``return_gates=True`` a fourth item is returned: a dict of arrays (B, T, n) for "i", "f", "c~", "o", "c".
    NaN inputs propagate to the states of the sequences they appear in.
    """
    return_gates = validation.boolean("return_gates", return_gates)
    x, kernel, recurrent_kernel, d, n = _check_gated(x, kernel, recurrent_kernel, 4)
    bias = _as_array("bias", bias, 1, f"(4n,) = ({4 * n},)")
    if bias.shape != (4 * n,):
        raise ValueError(f"bias must have shape (4n,) = ({4 * n},), got {bias.shape}")
    batch, steps, _ = x.shape
    dtype = np.result_type(x, kernel, np.float32)
    h, c = _initial("h0", h0, batch, n, dtype), _initial("c0", c0, batch, n, dtype)
    states = np.empty((batch, steps, n), dtype=dtype)
    gates = {k: np.empty((batch, steps, n), dtype=dtype) for k in ("i", "f", "c~", "o", "c")} if return_gates else None
    for t in range(steps):
        h, c, step_gates = recurrences.lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias, return_gates=True)
        states[:, t] = h
        if return_gates:
            for key, value in {**step_gates, "c": c}.items():
                gates[key][:, t] = value
    return (states, h, c, gates) if return_gates else (states, h, c)


def gru_forward(x, kernel, recurrent_kernel, bias, h0=None, reset_after=True, return_gates=False):
    """A GRU over a batch, with Keras's weight layout: x (B, T, d) -> (states (B, T, n), h_T).

    ``kernel`` (d, 3n) and ``recurrent_kernel`` (n, 3n) hold three blocks in Keras's order **z, r, h** (update gate,
    reset gate, candidate). Keras keeps the *old* state in proportion z: ``h_t = z_t * h_{t-1} + (1 - z_t) * h~_t``.

    * ``reset_after=False`` (Cho et al. 2014): ``bias`` (3n,);
      ``h~_t = tanh(x_t W_xh + (r_t * h_{t-1}) W_hh + b_h)``: the reset gate acts on the state before the product.
    * ``reset_after=True`` (Keras's default, the cuDNN form): ``bias`` (2, 3n), an input and a recurrent bias;
      ``h~_t = tanh(x_t W_xh + b_h + r_t * (h_{t-1} W_hh + b'_h))``: the reset gate acts after the product.

    With ``return_gates=True`` a third item is returned: a dict of arrays (B, T, n) for "z", "r", "h~".
    NaN inputs propagate to the states of the sequences they appear in.
    """
    reset_after = validation.boolean("reset_after", reset_after)
    return_gates = validation.boolean("return_gates", return_gates)
    x, kernel, recurrent_kernel, d, n = _check_gated(x, kernel, recurrent_kernel, 3)
    expected = (2, 3 * n) if reset_after else (3 * n,)
    bias = validation.shaped("bias", bias, expected, f"{expected} with reset_after={reset_after}")
    batch, steps, _ = x.shape
    dtype = np.result_type(x, kernel, np.float32)
    h = _initial("h0", h0, batch, n, dtype)
    states = np.empty((batch, steps, n), dtype=dtype)
    gates = {k: np.empty((batch, steps, n), dtype=dtype) for k in ("z", "r", "h~")} if return_gates else None
    for t in range(steps):
        h, step_gates = recurrences.gru_step(x[:, t], h, kernel, recurrent_kernel, bias, reset_after, return_gates=True)
        states[:, t] = h
        if return_gates:
            for key, value in step_gates.items():
                gates[key][:, t] = value
    return (states, h, gates) if return_gates else (states, h)


def parameter_count(cell: str, d: int, n: int, reset_after: bool = True) -> int:
    """Trainable parameters of a Keras recurrent layer with ``n`` units on ``d`` input features.

    SimpleRNN: n(d + n + 1); LSTM: 4n(d + n + 1); GRU: 3n(d + n + 1), plus 3n for the second bias when
    ``reset_after=True`` (Keras's default).
    """
    validation.option("cell", cell, ("simple_rnn", "lstm", "gru"))
    d, n = validation.integer("d", d, minimum=1), validation.integer("n", n, minimum=1)
    reset_after = validation.boolean("reset_after", reset_after)
    if cell == "simple_rnn":
        return recurrences.simple_rnn_parameter_count(d, n)
    if cell == "lstm":
        return recurrences.lstm_parameter_count(d, n)
    return recurrences.gru_parameter_count(d, n, reset_after)
