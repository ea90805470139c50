"""Chapter 02: one step of a simple RNN and its forward loop."""
from __future__ import annotations

import numpy as np

from course_utils.from_scratch import recurrences
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register


def rnn_forward(x, W_x, W_h, b, h0):
    """The full forward loop of a simple RNN over a batch of sequences.

    x: (B, T, d); h0: (B, n) initial state. Returns all hidden states h_1 ... h_T, shape (B, T, n).
    """
    h = h0
    states = []
    for t in range(x.shape[1]):  # time runs along axis 1
        h = recurrences.rnn_step(x[:, t], h, W_x, W_h, b)  # h_t = tanh(x_t W_x + h_{t-1} W_h + b)
        states.append(h)
    return np.stack(states, axis=1)


def _rnn_weights(rng, d, n, scale=0.5):
    return rng.normal(scale=scale, size=(d, n)), rng.normal(scale=scale, size=(n, n)), rng.normal(scale=scale, size=(n,))


def _rnn_step_cases(seed: int = 2, B: int = 2, d: int = 3, n: int = 4) -> list:
    """The cases; other seeds and sizes (n >= 2) give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    W_x, W_h, b = _rnn_weights(rng, d, n)
    zeros_h = np.zeros((B, n))
    return [
        Case("input term only", "x_t W_x alone: h_prev = 0 and b = 0, so h_t = tanh(x_t W_x)",
             {"x_t": rng.normal(size=(B, d)), "h_prev": zeros_h, "W_x": W_x, "W_h": W_h, "b": np.zeros(n)}),
        Case("recurrent term only", "h_{t-1} W_h alone: x_t = 0 and b = 0, so h_t = tanh(h_{t-1} W_h)",
             {"x_t": np.zeros((B, d)), "h_prev": rng.normal(size=(B, n)), "W_x": W_x, "W_h": W_h, "b": np.zeros(n)}),
        Case("bias only", "the bias: x_t = 0 and h_prev = 0, so h_t = tanh(b) for every row",
             {"x_t": np.zeros((B, d)), "h_prev": zeros_h, "W_x": W_x, "W_h": W_h, "b": rng.normal(size=n)}),
        Case("large pre-activation", "the non-linearity: with large weights the states must saturate at +-1 (tanh, not sigmoid or none)",
             {"x_t": rng.normal(size=(B, d)), "h_prev": zeros_h, "W_x": 10 * W_x, "W_h": W_h, "b": np.zeros(n)}),
        Case("general case", f"all terms together with a batch of {B + 3}, d = {d}, n = {n}",
             {"x_t": rng.normal(size=(B + 3, d)), "h_prev": rng.normal(size=(B + 3, n)), "W_x": W_x, "W_h": W_h,
              "b": rng.normal(size=n)}),
    ]


RNN_STEP_MISTAKES = (
    Variant("you return the pre-activation: apply tanh.",
            lambda x_t, h_prev, W_x, W_h, b: recurrences.rnn_step(x_t, h_prev, W_x, W_h, b, activation="linear")),
    Variant("you applied a sigmoid; a simple RNN uses tanh.",
            lambda x_t, h_prev, W_x, W_h, b: recurrences.sigmoid(x_t @ W_x + h_prev @ W_h + b)),
    Variant("W_h is transposed: the row-vector convention is h_{t-1} @ W_h.",
            lambda x_t, h_prev, W_x, W_h, b: recurrences.rnn_step(x_t, h_prev, W_x, W_h.T, b)),
    Variant("the bias goes inside tanh: tanh(x_t W_x + h_{t-1} W_h + b), not tanh(...) + b.",
            lambda x_t, h_prev, W_x, W_h, b: recurrences.rnn_step(x_t, h_prev, W_x, W_h, 0 * b) + b),
)


def _rnn_forward_cases(seed: int = 3, B: int = 2, T: int = 4, d: int = 2, n: int = 3) -> list:
    """The cases; other seeds and sizes (T >= 2) give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    W_x, W_h, b = _rnn_weights(rng, d, n)
    return [
        Case("one time step", "a single step from h0: the result must have shape (B, 1, n), one state per step",
             {"x": rng.normal(size=(B, 1, d)), "W_x": W_x, "W_h": W_h, "b": b, "h0": rng.normal(size=(B, n))}),
        Case("zero input, non-zero h0", "that the state is carried: h0 must feed step 1, and each h_t feeds step t+1",
             {"x": np.zeros((B, T, d)), "W_x": W_x, "W_h": W_h, "b": np.zeros(n), "h0": rng.normal(size=(B, n))}),
        Case("zero h0, several steps", "that inputs are read along the time axis (axis 1) in order",
             {"x": rng.normal(size=(B + 1, T + 1, d)), "W_x": W_x, "W_h": W_h, "b": b, "h0": np.zeros((B + 1, n))}),
        Case("general case", f"everything together: B = {B + 2}, T = {T + 3}, d = {d}, n = {n}",
             {"x": rng.normal(size=(B + 2, T + 3, d)), "W_x": W_x, "W_h": W_h, "b": b, "h0": rng.normal(size=(B + 2, n))}),
    ]


def _forward_final_state_only(x, W_x, W_h, b, h0):
    """Mistake: only h_T is returned."""
    return rnn_forward(x, W_x, W_h, b, h0)[:, -1]


def _forward_stored_before_update(x, W_x, W_h, b, h0):
    """Mistake: h_{t-1} is stored before the update, so the states come one step late (starting with h0)."""
    states = rnn_forward(x, W_x, W_h, b, h0)
    return np.concatenate([np.asarray(h0)[:, None], states[:, :-1]], axis=1)


RNN_FORWARD_MISTAKES = (
    Variant("you returned only the final state; return every h_t, stacked along axis 1.", _forward_final_state_only),
    Variant("your states are one step late: store h_t after computing it.", _forward_stored_before_update),
)


def _step_no_tanh(x_t, h_prev, W_x, W_h, b):
    """Mistake: the pre-activation is returned."""
    return x_t @ W_x + h_prev @ W_h + b


def _step_sigmoid(x_t, h_prev, W_x, W_h, b):
    """Mistake: a sigmoid instead of tanh."""
    return 1 / (1 + np.exp(-(x_t @ W_x + h_prev @ W_h + b)))


def _step_forgets_h(x_t, h_prev, W_x, W_h, b):
    """Mistake: the recurrent term is left out."""
    return np.tanh(x_t @ W_x + b)


def _step_forgets_bias(x_t, h_prev, W_x, W_h, b):
    """Mistake: the bias is left out."""
    return np.tanh(x_t @ W_x + h_prev @ W_h)


def _step_transposed_wh(x_t, h_prev, W_x, W_h, b):
    """Mistake: W_h transposed."""
    return np.tanh(x_t @ W_x + h_prev @ W_h.T + b)


def _forward_ignores_h0(x, W_x, W_h, b, h0):
    """Mistake: the loop starts from zeros, not from h0."""
    return rnn_forward(x, W_x, W_h, b, np.zeros_like(h0))


def _forward_resets_state(x, W_x, W_h, b, h0):
    """Mistake: every step starts from h0 again (the state is not carried)."""
    return np.stack([np.tanh(x[:, t] @ W_x + h0 @ W_h + b) for t in range(x.shape[1])], axis=1)


RNN_STEP_WRONG_ANSWERS = [
    Mistake(_step_no_tanh, "input term only", "apply tanh"),
    Mistake(_step_sigmoid, "input term only", "sigmoid"),
    Mistake(_step_forgets_h, "recurrent term only", "h_{t-1} W_h alone"),
    Mistake(_step_transposed_wh, "recurrent term only", "transposed"),
    Mistake(_step_forgets_bias, "bias only", "tanh(b)"),
]
RNN_FORWARD_WRONG_ANSWERS = [
    Mistake(_forward_final_state_only, "one time step", "only the final state"),
    Mistake(_forward_ignores_h0, "one time step", "differs"),
    Mistake(_forward_resets_state, "zero input, non-zero h0", "state is carried"),
    Mistake(_forward_stored_before_update, "one time step", "differs"),
]


register(Exercise("rnn_step", "One step of a simple RNN", recurrences.rnn_step, _rnn_step_cases,
                  variants=RNN_STEP_MISTAKES, mistakes=RNN_STEP_WRONG_ANSWERS))
register(Exercise("rnn_forward", "The forward loop of a simple RNN", rnn_forward, _rnn_forward_cases,
                  variants=RNN_FORWARD_MISTAKES, mistakes=RNN_FORWARD_WRONG_ANSWERS))


