"""Chapters 03-04: one step of backpropagation through time, and clipping gradients by their global norm."""
from __future__ import annotations

import numpy as np

from course_utils.from_scratch import recurrences
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register


def _bptt_cases(seed: int = 4, B: int = 2, d: int = 3, n: int = 4) -> list:
    """The cases; other seeds and sizes (B, n >= 2) give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    big = B + 3
    W_h = rng.normal(size=(n, n))  # not symmetric, so W_h and W_h.T differ
    x_t, h_prev = rng.normal(size=(B, d)), np.tanh(rng.normal(size=(B, n)))
    return [
        Case("h_t = 0, so tanh' = 1", "the products and their transposes alone: with h_t = 0 the gradient at the "
             "pre-activation equals dh, so dW_x = x_t^T dh, dW_h = h_prev^T dh, db = sum of dh over the batch",
             {"dh": rng.normal(size=(B, n)), "h_t": np.zeros((B, n)), "h_prev": h_prev, "x_t": x_t, "W_h": W_h}),
        Case("saturated state", "the derivative of tanh: with h_t near +-1 it is 1 - h_t^2, close to 0, so every gradient is small",
             {"dh": rng.normal(size=(B, n)), "h_t": 0.99 * np.sign(rng.normal(size=(B, n))), "h_prev": h_prev, "x_t": x_t, "W_h": W_h}),
        Case(f"batch of {big}", "that db and the weight gradients add up (not average) the contributions of every sequence",
             {"dh": rng.normal(size=(big, n)), "h_t": np.tanh(rng.normal(size=(big, n))),
              "h_prev": np.tanh(rng.normal(size=(big, n))), "x_t": rng.normal(size=(big, d)), "W_h": W_h}),
        Case("general case", "everything together, with a non-symmetric W_h",
             {"dh": rng.normal(size=(B, n)), "h_t": np.tanh(rng.normal(size=(B, n))), "h_prev": h_prev, "x_t": x_t, "W_h": W_h}),
    ]


def _bptt_with(da_of, transpose=True, db_mean=False):
    """A BPTT step with a given (possibly wrong) gradient at the pre-activation, W_h.T or W_h, db summed or averaged."""
    def step(dh, h_t, h_prev, x_t, W_h):
        da = da_of(dh, h_t)
        db = da.mean(axis=0) if db_mean else da.sum(axis=0)
        return x_t.T @ da, h_prev.T @ da, db, da @ (W_h.T if transpose else W_h)
    return step


def _right_da(dh, h_t):
    return recurrences.preactivation_grad(dh, h_t)


BPTT_MISTAKES = (
    Variant("you skipped the tanh derivative: multiply dh by (1 - h_t**2) first.", _bptt_with(lambda dh, h_t: dh)),
    Variant("dh_prev needs W_h transposed: da @ W_h.T (the forward pass used h_prev @ W_h).",
            _bptt_with(_right_da, transpose=False)),
    Variant("db is averaged over the batch; the loss already contains any averaging, so sum here.",
            _bptt_with(_right_da, db_mean=True)),
    Variant("tanh'(a) = 1 - tanh(a)**2 = 1 - h_t**2, not 1 - h_t.", _bptt_with(lambda dh, h_t: dh * (1 - h_t))),
)


def _clip_cases(seed: int = 5, shapes: tuple = ((4, 3), (3, 3), (3,))) -> list:
    """The cases; other seeds and ``shapes`` of the general case's arrays give cases of the same design."""
    rng = np.random.default_rng(seed)
    return [
        Case("norm below the threshold", "that small gradients are returned unchanged, with their global norm",
             {"grads": [np.array([0.3, -0.4])], "max_norm": 1.0}),
        Case("one array above the threshold", "the scaling: every entry is multiplied by max_norm / norm",
             {"grads": [np.array([3.0, 4.0])], "max_norm": 1.0}),
        Case("two arrays", "that the norm is global, sqrt of the sum of squares over *all* arrays, not one norm per array",
             {"grads": [np.array([3.0, 0.0]), np.array([[0.0, 4.0], [0.0, 0.0]])], "max_norm": 2.5}),
        Case("all zeros", "that zero gradients stay zero (no division by zero)",
             {"grads": [np.zeros(3), np.zeros((2, 2))], "max_norm": 1.0}),
        Case("general case", "several random arrays of different shapes",
             {"grads": [rng.normal(size=shape) for shape in shapes], "max_norm": 1.5}),
    ]


def _clip_normalize(result):
    """(clipped list, norm) -> one flat tuple (array, ..., norm), so each item is compared and named.

    Lists and tuples are accepted in either place: ``[clipped, norm]`` and ``(tuple_of_arrays, norm)`` pass."""
    if isinstance(result, (tuple, list)) and len(result) == 2 and isinstance(result[0], (list, tuple)):
        return tuple(result[0]) + (result[1],)
    return result


def _clip_per_array(grads, max_norm):
    """Mistake: each array is clipped by its own norm (the global norm is still returned)."""
    norms = [np.sqrt(np.sum(np.asarray(g) ** 2)) for g in grads]
    clipped = [g * min(1.0, max_norm / n) if n > 0 else g for g, n in zip(grads, norms)]
    return clipped, np.sqrt(sum(n * n for n in norms))


def _clip_returns_clipped_norm(grads, max_norm):
    """Mistake: the norm after clipping is returned."""
    clipped, norm = recurrences.clip_by_global_norm(grads, max_norm)
    return clipped, min(norm, max_norm)


CLIP_MISTAKES = (
    Variant("each array was clipped by its own norm; compute one global norm over all arrays first.", _clip_per_array),
    Variant("return the global norm *before* clipping (it is what you would log to see explosions).",
            _clip_returns_clipped_norm),
)


def _clip_divides_by_zero(grads, max_norm):
    """Mistake: every array is divided by the norm, also when it is 0."""
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    with np.errstate(invalid="ignore", divide="ignore"):
        return [g / norm * min(norm, max_norm) for g in grads], norm


def _clip_always_scales(grads, max_norm):
    """Mistake: the gradients are scaled to max_norm also when their norm is below it."""
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * max_norm / norm if norm > 0 else g for g in grads], norm


_no_derivative, _untransposed, _mean_bias, _wrong_derivative = (variant.wrong for variant in BPTT_MISTAKES)
BPTT_WRONG_ANSWERS = [
    Mistake(_no_derivative, "saturated state", "skipped the tanh derivative"),
    Mistake(_untransposed, "h_t = 0, so tanh' = 1", "W_h transposed"),
    Mistake(_mean_bias, "h_t = 0, so tanh' = 1", "averaged over the batch"),
    Mistake(_wrong_derivative, "saturated state", "1 - h_t**2"),
]
CLIP_WRONG_ANSWERS = [
    Mistake(_clip_per_array, "two arrays", "clipped by its own norm"),
    Mistake(_clip_returns_clipped_norm, "one array above the threshold", "before* clipping"),
    Mistake(_clip_divides_by_zero, "all zeros", "nan"),
    Mistake(_clip_always_scales, "norm below the threshold", "differs"),
]


register(Exercise("bptt_step", "One step of backpropagation through time", recurrences.bptt_step, _bptt_cases,
                  atol=1e-8, rtol=1e-6, variants=BPTT_MISTAKES, output_names=("dW_x", "dW_h", "db", "dh_prev"),
                  mistakes=BPTT_WRONG_ANSWERS))
register(Exercise("clip_by_global_norm", "Clipping gradients by their global norm", recurrences.clip_by_global_norm,
                  _clip_cases, variants=CLIP_MISTAKES, normalize=_clip_normalize, mistakes=CLIP_WRONG_ANSWERS))


