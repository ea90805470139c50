"""A behaviour check of how a model-building exercise's model is compiled (re-exported by
:mod:`course_utils.exercises.models`): the loss and the metrics it reports.

The compile configuration can be spelled many ways (``"binary_crossentropy"``, ``keras.losses.BinaryCrossentropy()``,
``"accuracy"``, ``keras.metrics.BinaryAccuracy()``), so the check does not read it: it runs the model on a fixed
batch and compares the loss and metric values Keras reports with the values computed from the model's own outputs.
A reported loss that equals a known wrong loss (the mean squared error, cross-entropy on logits read as
probabilities, ...) gets that mistake's hint; any other difference gets a hint that names no cause.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from course_utils.exercises._model_checks import Context, Problem, _built, _keras, _numpy


@dataclass(frozen=True)
class LossSpec:
    """A loss or a metric: a name for messages, ``value(keras, y, outputs) -> float`` computed from the model's own
    outputs, and how to compile it (the hint when it is missing or wrong)."""

    name: str
    value: Callable
    compile_with: str


@dataclass
class CompiledLoss:
    """The loss the compiled model reports on ``(x, y)`` equals ``loss`` computed from its outputs (relative
    tolerance ``rtol``), and each of ``metrics`` is reported (under any name) with its value. ``wrong`` are known
    wrong losses, each a :class:`LossSpec` whose ``compile_with`` is the hint naming the mistake. Use a batch with no
    padding in ``y`` (a masked loss would average over fewer terms)."""

    x: object
    y: object
    loss: LossSpec
    metrics: tuple = ()
    wrong: tuple = ()
    rtol: float = 1e-4

    def __call__(self, model, context: Context) -> Problem | None:
        keras = _keras()
        if not getattr(model, "compiled", False):
            return Problem("the model is not compiled, so it has no loss", f"call model.compile(..., "
                           f"{self.loss.compile_with}) before returning the model.")
        _built(model, self.x)
        model.run_eagerly = True  # no tracing for one tiny batch
        model.reset_metrics()
        logs = {k: float(np.ravel(np.asarray(v, dtype=float))[0])
                for k, v in model.test_on_batch(self.x, self.y, return_dict=True).items()}
        outputs = _numpy(model(self.x))
        reported, expected = logs.pop("loss"), float(self.loss.value(keras, self.y, outputs))
        if not np.isclose(reported, expected, rtol=self.rtol, atol=1e-6):
            message = f"on a fixed batch the model reports a loss of {reported:.4g}; the {self.loss.name} is {expected:.4g}"
            for wrong in self.wrong:
                if np.isclose(reported, float(wrong.value(keras, self.y, outputs)), rtol=self.rtol, atol=1e-6):
                    return Problem(f"{message} (the loss it reports is the {wrong.name})", wrong.compile_with)
            return Problem(message, f"compile the model with {self.loss.compile_with}.")
        for metric in self.metrics:
            value = float(metric.value(keras, self.y, outputs))
            if not any(np.isclose(got, value, rtol=self.rtol, atol=1e-6) for got in logs.values()):
                shown = ", ".join(f"{k} = {v:.4g}" for k, v in logs.items()) or "none"
                return Problem(f"the model reports no {metric.name} (it should be {value:.4g} on this batch; the "
                               f"metrics it reports: {shown})", f"compile the model with {metric.compile_with}.")
        return None


__all__ = ["LossSpec", "CompiledLoss"]
