"""Chapters 03-04: one step of backpropagation through time, and clipping gradients by their global norm."""
from __future__ import annotations

import numpy as np

from .. import cells
from .framework import Case, Exercise, register


def _bptt_cases() -> list:
    rng = np.random.default_rng(4)
    B, d, n = 2, 3, 4
    W_h = rng.normal(size=(n, n))  # not symmetric, so W_h and W_h.T differ
    x_t, h_prev = rng.normal(size=(B, d)), np.tanh(rng.normal(size=(B, n)))
    return [
        Case("h_t = 0, so tanh' = 1", "the products and their transposes alone: with h_t = 0 the gradient at the "
             "pre-activation equals dh, so dW_x = x_t^T dh, dW_h = h_prev^T dh, db = sum of dh over the batch",
             {"dh": rng.normal(size=(B, n)), "h_t": np.zeros((B, n)), "h_prev": h_prev, "x_t": x_t, "W_h": W_h}),
        Case("saturated state", "the derivative of tanh: with h_t near +-1 it is 1 - h_t^2, close to 0, so every gradient is small",
             {"dh": rng.normal(size=(B, n)), "h_t": 0.99 * np.sign(rng.normal(size=(B, n))), "h_prev": h_prev, "x_t": x_t, "W_h": W_h}),
        Case("batch of 5", "that db and the weight gradients add up (not average) the contributions of every sequence",
             {"dh": rng.normal(size=(5, n)), "h_t": np.tanh(rng.normal(size=(5, n))), "h_prev": np.tanh(rng.normal(size=(5, n))),
              "x_t": rng.normal(size=(5, d)), "W_h": W_h}),
        Case("general case", "everything together, with a non-symmetric W_h",
             {"dh": rng.normal(size=(B, n)), "h_t": np.tanh(rng.normal(size=(B, n))), "h_prev": h_prev, "x_t": x_t, "W_h": W_h}),
    ]


def _bptt_diagnose(expected, got, kwargs):
    try:
        dW_x, dW_h, db, dh_prev = (np.asarray(g, dtype=float) for g in got)
    except (TypeError, ValueError):
        return None
    dh, h_t = kwargs["dh"], kwargs["h_t"]
    no_derivative = cells.bptt_step(**kwargs, activation="linear")
    if np.allclose(dh_prev, no_derivative[3]) and not np.allclose(expected[3], no_derivative[3]):
        return "you skipped the tanh derivative: multiply dh by (1 - h_t**2) first."
    if dh_prev.shape == expected[3].shape and np.allclose(dh_prev, cells.bptt_step(**{**kwargs, "W_h": kwargs["W_h"].T})[3]):
        return "dh_prev needs W_h transposed: da @ W_h.T (the forward pass used h_prev @ W_h)."
    if np.allclose(db, expected[2] / dh.shape[0]):
        return "db is averaged over the batch; the loss already contains any averaging, so sum here."
    wrong_derivative = cells.bptt_step(**{**kwargs, "dh": dh * (1 - h_t)}, activation="linear")
    if np.allclose(dh_prev, wrong_derivative[3]):
        return "tanh'(a) = 1 - tanh(a)**2 = 1 - h_t**2, not 1 - h_t."
    return None


def _clip_cases() -> list:
    rng = np.random.default_rng(5)
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
             {"grads": [rng.normal(size=(4, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)], "max_norm": 1.5}),
    ]


def _clip_normalize(result):
    """(clipped list, norm) -> one flat tuple (array, ..., norm), so each item is compared and named."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], (list, tuple)):
        return tuple(result[0]) + (result[1],)
    return result


def _clip_diagnose(expected, got, kwargs):
    grads = kwargs["grads"]
    per_array = [g * min(1.0, kwargs["max_norm"] / np.linalg.norm(g)) if np.linalg.norm(g) > 0 else g for g in grads]
    try:
        if len(grads) > 1 and all(np.allclose(p, np.asarray(g)) for p, g in zip(per_array, got[:-1])):
            return "each array was clipped by its own norm; compute one global norm over all arrays first."
        if np.isclose(float(got[-1]), min(float(expected[-1]), kwargs["max_norm"])) and expected[-1] > kwargs["max_norm"]:
            return "return the global norm *before* clipping (it is what you would log to see explosions)."
    except (TypeError, ValueError, IndexError):
        return None
    return None


register(Exercise("bptt_step", "One step of backpropagation through time", cells.bptt_step, _bptt_cases,
                  atol=1e-8, rtol=1e-6, diagnose=_bptt_diagnose, output_names=("dW_x", "dW_h", "db", "dh_prev")))
register(Exercise("clip_by_global_norm", "Clipping gradients by their global norm", cells.clip_by_global_norm,
                  _clip_cases, diagnose=_clip_diagnose, normalize=_clip_normalize))


