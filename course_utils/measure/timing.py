"""Timing honestly: a stopwatch, seconds per epoch without the first epoch's tracing, and straight-line fits.

* :func:`stopwatch` is the one way a chapter times code (the hygiene check of the stored notebooks rejects
  ``time.perf_counter()``/``time.time()`` in a notebook)::

      with stopwatch() as clock:
          model.fit(...)
      print(f"{clock.seconds:.1f} s")

  or ``clock = stopwatch()`` ... ``clock.seconds`` (running until :meth:`Stopwatch.stop` or the end of a
  ``with`` block).
* :func:`epoch_timer` makes a Keras callback that records the wall-clock seconds of every epoch of ``fit``.
* :func:`seconds_per_epoch` trains a model for a few epochs and returns the median seconds of the epochs after
  the first: the first epoch also traces and compiles the training function, which says nothing about the
  steady-state cost (it is returned separately).
* :func:`fit_line` fits ``y = slope * x + intercept`` by least squares and reports R^2, for cost sweeps
  (seconds per epoch against sequence length, units or batch size).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


class Stopwatch:
    """Wall-clock seconds since it was made (``seconds``), frozen by :meth:`stop` or at the end of a ``with``."""

    def __init__(self):
        self._start = time.perf_counter()
        self._stopped = None

    @property
    def seconds(self) -> float:
        end = self._stopped if self._stopped is not None else time.perf_counter()
        return end - self._start

    def stop(self) -> float:
        """Freeze the time (a second call keeps the first) and return it."""
        if self._stopped is None:
            self._stopped = time.perf_counter()
        return self.seconds

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def __repr__(self) -> str:
        return f"Stopwatch({self.seconds:.3f} s{'' if self._stopped is not None else ', running'})"


def stopwatch() -> Stopwatch:
    """A started :class:`Stopwatch`: ``with stopwatch() as clock: ...`` then ``clock.seconds``."""
    return Stopwatch()


def epoch_timer():
    """A Keras callback recording the wall-clock seconds of each epoch in its ``seconds`` list (one float per
    epoch). A function, so that importing this module does not import Keras."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []
            self._start = None

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    return EpochTimer()


@dataclass
class EpochTimes:
    """``per_epoch``: the median seconds of the epochs after the first; ``first``: the first epoch's seconds
    (tracing included); ``all``: every epoch's seconds."""

    per_epoch: float
    first: float
    all: list


def seconds_per_epoch(model, x, y, *, epochs: int = 3, batch_size: int = 32, **fit_kwargs) -> EpochTimes:
    """Train a compiled ``model`` on ``x``, ``y`` for ``epochs`` (>= 2) epochs with ``verbose=0`` and return
    :class:`EpochTimes`. Extra keyword arguments go to ``model.fit`` (no ``callbacks`` or ``verbose``)."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 2:
        raise ValueError(f"epochs must be an int >= 2 (the first epoch is not counted), got {epochs!r}")
    for name in ("callbacks", "verbose"):
        if name in fit_kwargs:
            raise ValueError(f"seconds_per_epoch sets {name} itself; do not pass it")
    timer = epoch_timer()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[timer], **fit_kwargs)
    return EpochTimes(float(np.median(timer.seconds[1:])), float(timer.seconds[0]), list(timer.seconds))


@dataclass
class Line:
    """A straight-line fit ``y = slope * x + intercept`` with its coefficient of determination ``r2``."""

    slope: float
    intercept: float
    r2: float

    def __call__(self, x):
        return self.slope * np.asarray(x, dtype=float) + self.intercept


def fit_line(x, y) -> Line:
    """Least-squares line through the points (``x``, ``y``), two 1-D sequences of the same length (>= 2 points,
    at least two distinct x). R^2 is 1 when every point lies on the line (and when y is constant)."""
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    if x.size < 2 or np.ptp(x) == 0:
        raise ValueError(f"need at least two points with distinct x, got x = {x.tolist()}")
    slope, intercept = np.polyfit(x, y, 1)
    residual = float(np.sum((y - (slope * x + intercept)) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    return Line(float(slope), float(intercept), 1.0 if total == 0 else 1.0 - residual / total)
