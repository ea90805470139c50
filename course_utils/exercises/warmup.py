"""Chapter 00: the warm-up exercise, an exponential moving average written as a recurrence."""
from __future__ import annotations

import numpy as np

from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register


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


def _ema_cases(seed: int = 0, B: int = 2, T: int = 5) -> list:
    """The cases; other seeds and sizes (T >= 2) give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    return [
        Case(
            "alpha = 0, no memory",
            "the input term (1 - alpha) * x_t on its own: with alpha = 0 every state must equal its input",
            {"x": rng.normal(size=(B, T)), "alpha": 0.0, "h0": 0.0},
        ),
        Case(
            "zero input, h0 = 1",
            "the recurrent term alpha * h_{t-1} and the initial state on their own: with x = 0 and h_0 = 1 "
            "the states are alpha, alpha^2, ..., alpha^T (h_0 itself is not an output)",
            {"x": np.zeros((B, T + 1)), "alpha": 0.5, "h0": 1.0},
        ),
        Case(
            f"{B + 1} sequences of {T - 1} steps",
            "that time runs along axis 1 and the batch along axis 0, with one state per time step",
            {"x": rng.normal(size=(B + 1, T - 1)), "alpha": 0.7, "h0": 0.0},
        ),
        Case(
            "general case",
            "everything together: random inputs, a per-sequence initial state and alpha = 0.9",
            {"x": rng.normal(size=(B + 2, T + 4)), "alpha": 0.9, "h0": rng.normal(size=(B + 2,))},
        ),
    ]


def _ema_stored_before_update(x, alpha, h0=0.0):
    """Mistake: h_{t-1} is stored before the update, so the states come one step late (starting with h_0)."""
    states = ema_states(x, alpha, h0)
    first = np.broadcast_to(np.asarray(h0, dtype=float), (states.shape[0],))
    return np.concatenate([first[:, None], states[:, :-1]], axis=1)


def _ema_swapped_alpha(x, alpha, h0=0.0):
    """Mistake: alpha weighs the input and 1 - alpha the memory."""
    x = np.asarray(x, float)
    h = np.broadcast_to(np.asarray(h0, float), (x.shape[0],)).copy()
    out = []
    for t in range(x.shape[1]):
        h = (1 - alpha) * h + alpha * x[:, t]
        out.append(h)
    return np.stack(out, axis=1)


def _ema_ignores_h0(x, alpha, h0=0.0):
    """Mistake: the initial state is always 0."""
    return ema_states(x, alpha, 0.0)


def _ema_final_state_only(x, alpha, h0=0.0):
    """Mistake: only h_T is returned."""
    return ema_states(x, alpha, h0)[:, -1]


def _ema_time_on_axis0(x, alpha, h0=0.0):
    """Mistake: the loop runs over axis 0 as if it were time."""
    x = np.asarray(x, float)
    h = np.broadcast_to(np.asarray(h0, float).mean(), (x.shape[1],)).copy()
    out = []
    for row in x:
        h = alpha * h + (1 - alpha) * row
        out.append(h)
    return np.stack(out, axis=0)


def _ema_forgets_return(x, alpha, h0=0.0):
    """Mistake: the states are computed but not returned."""
    ema_states(x, alpha, h0)


EMA_WRONG_ANSWERS = [
    Mistake(_ema_swapped_alpha, "alpha = 0, no memory", "input term"),
    Mistake(_ema_ignores_h0, "zero input, h0 = 1", "initial state"),
    Mistake(_ema_stored_before_update, "alpha = 0, no memory", "shifted one step late"),
    Mistake(_ema_final_state_only, "alpha = 0, no memory", "expected shape (2, 5)"),
    Mistake(_ema_time_on_axis0, "zero input, h0 = 1", "differs"),
    Mistake(_ema_forgets_return, "alpha = 0, no memory", "forget to `return`"),
]


register(
    Exercise(
        "ema_states", "Exponential moving average as a recurrence", ema_states, _ema_cases,
        variants=(Variant("your states are shifted one step late: store h_t after updating it, not h_{t-1} before.",
                          _ema_stored_before_update),),
        mistakes=EMA_WRONG_ANSWERS,
    )
)


