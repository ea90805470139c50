"""Chapters 05-06: one LSTM step, the parameters of an LSTM layer, one GRU step and the GRU candidate."""
from __future__ import annotations

import numpy as np

from .. import cells
from .framework import Case, Exercise, register


BIG = 30.0  # a bias this large saturates a sigmoid gate at 0 or 1


def _gate_bias(n, values):
    """A bias vector whose blocks are constant: e.g. values (-BIG, BIG, 0, BIG) for i, f, c, o."""
    return np.concatenate([np.full(n, v) for v in values])


def _lstm_cases() -> list:
    rng = np.random.default_rng(6)
    B, d, n = 2, 3, 4
    kernel, recurrent = rng.normal(scale=0.5, size=(d, 4 * n)), rng.normal(scale=0.5, size=(n, 4 * n))
    x_t, h_prev, c_prev = rng.normal(size=(B, d)), np.tanh(rng.normal(size=(B, n))), rng.normal(size=(B, n))
    common = {"x_t": x_t, "h_prev": h_prev, "c_prev": c_prev, "kernel": kernel, "recurrent_kernel": recurrent}
    return [
        Case("keep the cell", "the forget gate: i = 0 and f = 1 (saturated by the bias), so c_t = c_prev exactly "
             "and h_t = o * tanh(c_prev) with o = 1",
             {**common, "bias": _gate_bias(n, (-BIG, BIG, 0, BIG))}),
        Case("write the candidate", "the input gate and the candidate: f = 0 and i = 1, so c_t = tanh(block c of the pre-activation)",
             {**common, "bias": _gate_bias(n, (BIG, -BIG, 0, BIG))}),
        Case("closed output gate", "the output gate: o = 0, so h_t = 0 while the cell still updates",
             {**common, "bias": _gate_bias(n, (0, 0, 0, -BIG))}),
        Case("general case", "all four gates together with random weights and bias (Keras's order i, f, c, o)",
             {**common, "bias": rng.normal(size=4 * n)}),
    ]


def _lstm_diagnose(expected, got, kwargs):
    try:
        h, c = (np.asarray(v, dtype=float) for v in got)
    except (TypeError, ValueError):
        return None
    _, _, gates = cells.lstm_step(**kwargs, return_gates=True)
    i, f, candidate, o = gates["i"], gates["f"], gates["c~"], gates["o"]
    if c.shape == expected[1].shape and np.allclose(c, i * kwargs["c_prev"] + f * candidate):
        return "the input and forget gates are swapped: Keras's order is i, f, c, o, and c_t = f * c_prev + i * c~."
    if np.allclose(c, expected[1]) and np.allclose(h, o * c):
        return "h_t = o * tanh(c_t): the cell passes through tanh before the output gate."
    return None


def _lstm_count_cases() -> list:
    return [
        Case("one feature, two units", "a small layer: d = 1, n = 2", {"d": 1, "n": 2}),
        Case("more units than features", "how n enters: the recurrent weights are n x n for each of the four blocks", {"d": 2, "n": 5}),
        Case("more features than units", "how d enters: the input weights are d x n for each block", {"d": 50, "n": 3}),
    ]


def _lstm_count_diagnose(expected, got, kwargs):
    d, n = kwargs["d"], kwargs["n"]
    hints = {
        4 * (d * n + n * n): "you forgot the bias: each of the four blocks has n bias values.",
        d * n + n * n + n: "that is one block; an LSTM has four (input, forget, candidate, output).",
        4 * (d * n + n) + n * n: "each of the four blocks has its own n x n recurrent weights.",
        4 * (d * n + n * n) + n: "each of the four blocks has its own bias.",
    }
    try:
        return hints.get(int(got))
    except (TypeError, ValueError):
        return None


def _gru_cases() -> list:
    rng = np.random.default_rng(7)
    B, d, n = 2, 3, 4
    kernel, recurrent = rng.normal(scale=0.5, size=(d, 3 * n)), rng.normal(scale=0.5, size=(n, 3 * n))
    common = {"x_t": rng.normal(size=(B, d)), "h_prev": np.tanh(rng.normal(size=(B, n))), "kernel": kernel,
              "recurrent_kernel": recurrent}
    return [
        Case("update gate z = 1", "Keras's convention h_t = z * h_prev + (1 - z) * h~: with z = 1 the state is copied unchanged",
             {**common, "bias": _gate_bias(n, (BIG, 0, 0))}),
        Case("z = 0, reset gate r = 0", "the candidate with the past switched off: h_t = tanh(x_t W_h + b_h)",
             {**common, "bias": _gate_bias(n, (-BIG, -BIG, 0))}),
        Case("z = 0, reset gate r = 1", "the candidate with the full past: h_t = tanh(x_t W_h + h_prev U_h + b_h), "
             "the reset gate multiplying h_prev *before* U_h",
             {**common, "bias": _gate_bias(n, (-BIG, BIG, 0))}),
        Case("general case", "all gates together with random weights and bias (Keras's order z, r, h)",
             {**common, "bias": rng.normal(size=3 * n)}),
    ]


def _gru_diagnose(expected, got, kwargs):
    got = np.asarray(got, dtype=float)
    if got.shape != expected.shape:
        return None
    _, gates = cells.gru_step(**kwargs, return_gates=True)
    if np.allclose(got, (1 - gates["z"]) * kwargs["h_prev"] + gates["z"] * gates["h~"]):
        return "z and 1 - z are swapped: Keras keeps the old state in proportion z."
    both_biases = np.stack([kwargs["bias"], np.zeros_like(kwargs["bias"])])
    if np.allclose(got, cells.gru_step(**{**kwargs, "bias": both_biases}, reset_after=True)):
        return "that is the reset_after=True form; here r multiplies h_prev before the product with U_h."
    return None


def _candidate_cases() -> list:
    rng = np.random.default_rng(8)
    B, d, n = 3, 2, 4
    W, U, b = rng.normal(size=(d, n)), rng.normal(size=(n, n)), rng.normal(size=n)
    x_t = rng.normal(size=(B, d))
    return [
        Case("r = 0", "that a closed reset gate removes the past: the candidate must not depend on h_prev at all",
             {"x_t": x_t, "h_prev": 5 * rng.normal(size=(B, n)), "r": np.zeros((B, n)), "W_h": W, "U_h": U, "b_h": b}),
        Case("r = 1", "that an open reset gate lets the whole previous state into the candidate",
             {"x_t": x_t, "h_prev": rng.normal(size=(B, n)), "r": np.ones((B, n)), "W_h": W, "U_h": U, "b_h": b}),
        Case("r per unit", "that r acts element-wise on h_prev, unit by unit, before the product with U_h",
             {"x_t": x_t, "h_prev": rng.normal(size=(B, n)), "r": rng.uniform(size=(B, n)), "W_h": W, "U_h": U, "b_h": b}),
    ]


register(Exercise("lstm_step", "One LSTM step", cells.lstm_step, _lstm_cases, diagnose=_lstm_diagnose,
                  output_names=("h_t", "c_t")))
register(Exercise("lstm_parameter_count", "Parameters of an LSTM layer", cells.lstm_parameter_count,
                  _lstm_count_cases, diagnose=_lstm_count_diagnose))
register(Exercise("gru_step", "One GRU step (original formulation)", cells.gru_step, _gru_cases, diagnose=_gru_diagnose))
register(Exercise("gru_candidate", "The GRU candidate and its reset gate", cells.gru_candidate, _candidate_cases))
