"""Chapters 05-06: one LSTM step, the parameters of an LSTM layer, one GRU step and the GRU candidate."""
from __future__ import annotations

import numpy as np

from course_utils.from_scratch import recurrences
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register


BIG = 30.0  # a bias this large saturates a sigmoid gate at 0 or 1


def _gate_bias(n, values):
    """A bias vector whose blocks are constant: e.g. values (-BIG, BIG, 0, BIG) for i, f, c, o."""
    return np.concatenate([np.full(n, v) for v in values])


def _lstm_cases(seed: int = 6, B: int = 2, d: int = 3, n: int = 4) -> list:
    """The cases; other seeds and sizes give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
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


def _lstm_with(order=(0, 1, 2, 3), cell_tanh=True):
    """An LSTM step that reads the gate blocks in ``order`` (i, f, c, o positions) and may skip tanh(c_t)."""
    def step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        n = h_prev.shape[1]
        z = x_t @ kernel + h_prev @ recurrent_kernel + bias
        block = [z[:, k * n:(k + 1) * n] for k in order]
        i, f, c_tilde, o = recurrences.sigmoid(block[0]), recurrences.sigmoid(block[1]), np.tanh(block[2]), recurrences.sigmoid(block[3])
        c_t = f * c_prev + i * c_tilde
        return o * (np.tanh(c_t) if cell_tanh else c_t), c_t
    return step


LSTM_MISTAKES = (
    Variant("the input and forget gates are swapped: Keras's order is i, f, c, o, and c_t = f * c_prev + i * c~.",
            _lstm_with(order=(1, 0, 2, 3))),
    Variant("h_t = o * tanh(c_t): the cell passes through tanh before the output gate.", _lstm_with(cell_tanh=False)),
)


def _lstm_count_cases(seed: int = 0) -> list:
    """Sizes where every listed mistake gives a different count from the right one and from each other."""
    return [
        Case("one feature, three units", "a small layer: d = 1, n = 3", {"d": 1, "n": 3}),
        Case("more units than features", "how n enters: the recurrent weights are n x n for each of the four blocks", {"d": 2, "n": 5}),
        Case("more features than units", "how d enters: the input weights are d x n for each block", {"d": 50, "n": 3}),
    ]


LSTM_COUNT_MISTAKES = (
    Variant("you forgot the bias: each of the four blocks has n bias values.", lambda d, n: 4 * (d * n + n * n)),
    Variant("that is one block; an LSTM has four (input, forget, candidate, output).", lambda d, n: d * n + n * n + n),
    Variant("each of the four blocks has its own n x n recurrent weights.", lambda d, n: 4 * (d * n + n) + n * n),
    Variant("each of the four blocks has its own bias.", lambda d, n: 4 * (d * n + n * n) + n),
    Variant("that is a GRU's count (three blocks); an LSTM has four.", lambda d, n: 3 * (d * n + n * n + n)),
)


def _gru_cases(seed: int = 7, B: int = 2, d: int = 3, n: int = 4) -> list:
    """The cases; other seeds and sizes give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    kernel, recurrent = rng.normal(scale=0.5, size=(d, 3 * n)), rng.normal(scale=0.5, size=(n, 3 * n))
    common = {"x_t": rng.normal(size=(B, d)), "h_prev": np.tanh(rng.normal(size=(B, n))), "kernel": kernel,
              "recurrent_kernel": recurrent}
    return [
        Case("update gate z = 1", "Keras's convention h_t = z * h_prev + (1 - z) * h~: with z = 1 the state is copied unchanged",
             {**common, "bias": _gate_bias(n, (BIG, 0, 0))}),
        Case("z = 0, reset gate r = 0", "the candidate with the past switched off: h_t = tanh(x_t W_xh + b_h)",
             {**common, "bias": _gate_bias(n, (-BIG, -BIG, 0))}),
        Case("z = 0, reset gate r = 1", "the candidate with the full past: h_t = tanh(x_t W_xh + h_prev W_hh + b_h), "
             "the reset gate multiplying h_prev *before* W_hh",
             {**common, "bias": _gate_bias(n, (-BIG, BIG, 0))}),
        Case("general case", "all gates together with random weights and bias (Keras's order z, r, h)",
             {**common, "bias": rng.normal(size=3 * n)}),
    ]


def _gru_swapped_z(x_t, h_prev, kernel, recurrent_kernel, bias):
    """Mistake: h_t = (1 - z) * h_prev + z * h~."""
    _, gates = recurrences.gru_step(x_t, h_prev, kernel, recurrent_kernel, bias, return_gates=True)
    return (1 - gates["z"]) * h_prev + gates["z"] * gates["h~"]


def _gru_reset_after(x_t, h_prev, kernel, recurrent_kernel, bias):
    """Mistake: the reset gate applied after the product with W_hh (Keras's reset_after=True form)."""
    both_biases = np.stack([bias, np.zeros_like(bias)])
    return recurrences.gru_step(x_t, h_prev, kernel, recurrent_kernel, both_biases, reset_after=True)


GRU_MISTAKES = (
    Variant("z and 1 - z are swapped: Keras keeps the old state in proportion z.", _gru_swapped_z),
    Variant("that is the reset_after=True form; here r multiplies h_prev before the product with W_hh.", _gru_reset_after),
)


def _candidate_cases(seed: int = 8, B: int = 3, d: int = 2, n: int = 4) -> list:
    """The cases; other seeds and sizes give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    W, U, b = rng.normal(size=(d, n)), rng.normal(size=(n, n)), rng.normal(size=n)
    x_t = rng.normal(size=(B, d))
    return [
        Case("r = 0", "that a closed reset gate removes the past: the candidate must not depend on h_prev at all",
             {"x_t": x_t, "h_prev": 5 * rng.normal(size=(B, n)), "r": np.zeros((B, n)), "W_xh": W, "W_hh": U, "b_h": b}),
        Case("r = 1", "that an open reset gate lets the whole previous state into the candidate",
             {"x_t": x_t, "h_prev": rng.normal(size=(B, n)), "r": np.ones((B, n)), "W_xh": W, "W_hh": U, "b_h": b}),
        Case("r per unit", "that r acts element-wise on h_prev, unit by unit, before the product with W_hh",
             {"x_t": x_t, "h_prev": rng.normal(size=(B, n)), "r": rng.uniform(size=(B, n)), "W_xh": W, "W_hh": U, "b_h": b}),
    ]


def _lstm_blocks(x_t, h_prev, kernel, recurrent_kernel, bias):
    n = h_prev.shape[1]
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    sig = recurrences.sigmoid
    return sig(z[:, :n]), sig(z[:, n:2 * n]), np.tanh(z[:, 2 * n:3 * n]), sig(z[:, 3 * n:])


def _lstm_no_output_gate(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """Mistake: h_t = tanh(c_t), the output gate left out."""
    i, f, g, o = _lstm_blocks(x_t, h_prev, kernel, recurrent_kernel, bias)
    c = f * c_prev + i * g
    return np.tanh(c), c


def _gru_no_reset(x_t, h_prev, kernel, recurrent_kernel, bias):
    """Mistake: the candidate ignores the reset gate."""
    n = h_prev.shape[1]
    x_part = x_t @ kernel + bias
    z = recurrences.sigmoid(x_part[:, :n] + h_prev @ recurrent_kernel[:, :n])
    cand = np.tanh(x_part[:, 2 * n:] + h_prev @ recurrent_kernel[:, 2 * n:])
    return z * h_prev + (1 - z) * cand


def _candidate_ignores_r(x_t, h_prev, r, W_xh, W_hh, b_h):
    """Mistake: the reset gate is left out."""
    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)


def _candidate_r_after(x_t, h_prev, r, W_xh, W_hh, b_h):
    """Mistake: r multiplies the product h_prev W_hh (the reset_after=True form)."""
    return np.tanh(x_t @ W_xh + r * (h_prev @ W_hh) + b_h)


def _candidate_r_on_input(x_t, h_prev, r, W_xh, W_hh, b_h):
    """Mistake: r multiplies the input term instead of h_prev."""
    return np.tanh(r * (x_t @ W_xh) + h_prev @ W_hh + b_h)


LSTM_WRONG_ANSWERS = [
    Mistake(LSTM_MISTAKES[0].wrong, "keep the cell", "swapped"),
    Mistake(LSTM_MISTAKES[1].wrong, "keep the cell", "tanh(c_t)"),
    Mistake(_lstm_no_output_gate, "closed output gate", "differs"),
]
LSTM_COUNT_WRONG_ANSWERS = [
    Mistake(variant.wrong, "one feature, three units", words)
    for variant, words in zip(LSTM_COUNT_MISTAKES, ("forgot the bias", "four", "own n x n", "own bias"))
]
GRU_WRONG_ANSWERS = [
    Mistake(_gru_swapped_z, "update gate z = 1", "swapped"),
    Mistake(_gru_no_reset, "z = 0, reset gate r = 0", "differs"),
    Mistake(_gru_reset_after, "general case", "reset_after=True"),
]
CANDIDATE_WRONG_ANSWERS = [
    Mistake(_candidate_ignores_r, "r = 0", "differs"),
    Mistake(_candidate_r_after, "r per unit", "differs"),
    Mistake(_candidate_r_on_input, "r = 0", "differs"),
]


register(Exercise("lstm_step", "One LSTM step", recurrences.lstm_step, _lstm_cases, variants=LSTM_MISTAKES,
                  output_names=("h_t", "c_t"), mistakes=LSTM_WRONG_ANSWERS))
register(Exercise("lstm_parameter_count", "Parameters of an LSTM layer", recurrences.lstm_parameter_count,
                  _lstm_count_cases, variants=LSTM_COUNT_MISTAKES, mistakes=LSTM_COUNT_WRONG_ANSWERS))
register(Exercise("gru_step", "One GRU step (original formulation)", recurrences.gru_step, _gru_cases, variants=GRU_MISTAKES,
                  mistakes=GRU_WRONG_ANSWERS))
register(Exercise("gru_candidate", "The GRU candidate and its reset gate", recurrences.gru_candidate, _candidate_cases,
                  mistakes=CANDIDATE_WRONG_ANSWERS))
