"""Exercises whose answer is a Keras layer (a ``keras.layers.Layer`` subclass), judged by behaviour: the ``"layer"`` kind.

The learner writes a layer class; its constructor takes the case's keyword arguments (the class itself is the
function the checker calls). Each :class:`LayerCase` builds the learner's layer afresh (seeded) and runs behaviour
checks on it, each ``check(layer, context)`` returning ``None`` or a :class:`Problem`, as the checks of model
exercises do (:mod:`course_utils.exercises.models`); ``context.reference()`` is the reference layer built with the
same arguments and seed. The checks of a layer are specific to what it does, so they live with their exercise
(chapter 14's ``masked_conv_pool`` in :mod:`course_utils.exercises.speakers` is the example).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils.exercises._model_checks import Context, KerasJudge, Problem, _a, _keras, _numpy
from course_utils.exercises.framework import JUDGES, Case, Exercise

LAYER = "layer"
LAYER_TIME_LIMIT = 60.0  # seconds per case: a few tiny layers, and at most one small model, built and run eagerly


@dataclass
class LayerCase(Case):
    """A case of a layer exercise: the constructor's ``kwargs``, the seed set before building, and the behaviour
    checks run in order on the built layer (the first problem fails the case)."""

    checks: tuple = ()
    seed: int = 0


def run(layer, x, mask):
    """The layer's output on ``x`` with ``mask``, and the mask Keras passes to the next layer (None when the layer
    passes none), as NumPy arrays."""
    keras = _keras()
    xt, mt = keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(mask)
    y = _numpy(layer(xt, mask=mt))
    m = layer.compute_mask(xt, mt) if layer.supports_masking else None
    return y, None if m is None else _numpy(m)


def gap(a, b) -> float:
    """The largest absolute difference between two arrays of the same shape (0 when they are empty)."""
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float)))) if np.size(a) else 0.0


class _LayerJudge(KerasJudge):
    def _judge(self, exercise, fn, args, kwargs, case) -> Problem | None:
        keras = _keras()
        keras.utils.set_random_seed(case.seed)
        layer = fn(*args, **kwargs)
        if layer is None:
            return Problem("the constructor returned None, expected a layer")
        if not isinstance(layer, keras.layers.Layer) or isinstance(layer, keras.Model):
            return Problem(f"it built {_a(type(layer).__name__)}, expected a keras.layers.Layer",
                           "subclass keras.layers.Layer and call super().__init__(**kwargs) in __init__.")
        context = Context(exercise, case)
        for check in case.checks:
            problem = check(layer, context)
            if problem is not None:
                return problem
        return None


JUDGES[LAYER] = _LayerJudge()


def layer_exercise(name: str, title: str, solution, make_cases, mistakes=(),
                   time_limit: float | None = LAYER_TIME_LIMIT) -> Exercise:
    """An :class:`Exercise` of kind ``"layer"``: ``solution(**kwargs)`` builds the reference layer,
    ``make_cases(seed=...)`` returns :class:`LayerCase` objects, ``mistakes`` wrong layer classes (at least two)."""
    return Exercise(name, title, solution, make_cases, mistakes=list(mistakes), kind=LAYER, time_limit=time_limit)
