"""Exercises whose answer builds a Keras model, judged by behaviour: the ``"model"`` kind and its checks.

The learner writes a function such as ``build_model(vocab_size, embedding_dim, units, learning_rate)`` that
returns a compiled ``keras.Model``. A model cannot be compared number by number with a reference (its weights are
random), so each :class:`ModelCase` builds the model afresh (seeded) and runs behaviour checks on it, each of which
returns ``None`` or a :class:`Problem` (what is wrong, and a hint naming the likely cause):

* :class:`LayerGraph`        the layer types in order (e.g. Embedding -> GRU -> Dense) and chosen attributes
* :class:`ParameterCount`    the number of parameters; on a mismatch, the first layer whose count differs, with its
                             formula filled in
* :class:`OutputShape`       the output shape for a given input batch
* :class:`PaddingInvariance` outputs unchanged (within float32 tolerance) when zero padding is appended: a model
                             that ignores the mask fails
* :class:`Learns`            the loss on a tiny fixed batch falls by a stated factor within N optimizer steps
                             (seeded, deterministic, about a second for a tiny model)
* :class:`CompiledLoss`      the loss (and metrics) the compiled model reports equal those computed from its
                             outputs, however they were spelled in ``compile``; a known wrong loss is named

Expected values come from the exercise's reference solution built with the same arguments and seed, so a check
states no numbers of its own. A chapter registers such an exercise with :func:`model_exercise`; the framework
(:func:`course_utils.exercises.check`) then reports "not attempted", failures and hints as for any exercise, and
returns the reference builder when the learner's does not pass. Keras is imported only when a model exercise is
checked, never when :mod:`course_utils` is imported. The checks live in :mod:`._model_checks` and
:mod:`._loss_checks`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from course_utils.exercises._model_checks import (  # the checks, for the chapters' topic modules
    MASK_HINT, Context, KerasJudge, LayerGraph, Learns, OutputShape, PaddingInvariance, ParameterCount, Problem, _a, _keras,
)
from course_utils.exercises._loss_checks import CompiledLoss, LossSpec
from course_utils.exercises.framework import JUDGES, Case, Exercise

MODEL = "model"
# Seconds per case of a model exercise. Measured on the course's 2-core machine for tiny_sentiment_model: 0.1-0.3
# CPU s per case, 1.3 CPU s for the one that trains 15 steps (2.5 s wall with the machine 3x oversubscribed);
# tests/course_utils/exercises/test_models.py keeps every case under a tenth of this. 60 s leaves room for a laptop several times
# slower, a busy machine, and chapters' somewhat larger models.
MODEL_TIME_LIMIT = 60.0


@dataclass
class ModelCase(Case):
    """A case of a model exercise: the builder's arguments (``kwargs``), the seed set before building, and the
    behaviour checks run in order on the built model (the first problem fails the case)."""

    checks: tuple = ()
    seed: int = 0


# ---------------------------------------------------------------------------------------------- the kind

class _ModelJudge(KerasJudge):
    """Builds the learner's model for one case (seeded) and runs the case's checks; the framework calls it."""

    def _judge(self, exercise, fn, args, kwargs, case) -> Problem | None:
        keras = _keras()
        keras.utils.set_random_seed(case.seed)
        model = fn(*args, **kwargs)
        if model is None:
            return Problem("the function returned None: did it forget to `return model`?")
        if not isinstance(model, keras.Model):
            what = f"{_a(type(model).__name__)} layer" if isinstance(model, keras.layers.Layer) else (
                f"a {type(model).__module__.split('.')[0]}.{type(model).__name__}")
            return Problem(f"the function returned {what}, expected a keras.Model",
                           "put the layers in a model, e.g. keras.Sequential([keras.Input(...), layer, ...]), "
                           "and return it.")
        context = Context(exercise, case)
        for check in case.checks:
            problem = check(model, context)
            if problem is not None:
                return problem
        return None


JUDGES[MODEL] = _ModelJudge()


def model_exercise(name: str, title: str, solution: Callable, make_cases: Callable, mistakes=(),
                   time_limit: float | None = MODEL_TIME_LIMIT) -> Exercise:
    """An :class:`Exercise` of kind ``"model"``: ``solution(**kwargs)`` builds the reference model,
    ``make_cases(seed=...)`` returns :class:`ModelCase` objects, ``mistakes`` are :class:`Mistake` objects (wrong
    builders, the case that must catch each and words of its message). Register it with ``register(...)``."""
    return Exercise(name, title, solution, make_cases, mistakes=list(mistakes), kind=MODEL, time_limit=time_limit)


__all__ = ["MODEL", "MODEL_TIME_LIMIT", "MASK_HINT", "ModelCase", "Problem", "Context", "LayerGraph", "ParameterCount",
           "OutputShape", "PaddingInvariance", "Learns", "CompiledLoss", "LossSpec", "model_exercise"]
