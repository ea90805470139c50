"""Exercises whose answer is a Keras callback, judged by behaviour on a tiny model whose history is scripted.

The learner writes a ``keras.callbacks.Callback`` subclass (its constructor takes the case's keyword arguments).
Each :class:`CallbackCase` trains a tiny dense model with ``model.fit`` for ``epochs`` epochs with a learning rate
of zero, and a scripting callback placed before the learner's sets, at the end of epoch ``e`` (counted from 1),

* every weight of the model to the value ``e``, so the weights the model ends with name the epoch they come from;
* the epoch's logs to the case's ``history`` (e.g. ``{"loss": [...], "val_accuracy": [...]}``), so the learner's
  callback sees exactly that history, as Keras's own ``History`` then records it.

The judge compares what the learner's callback did (epochs trained, the epoch whose weights the model ends with,
the ``best_epoch`` attribute it set) with what the reference callback does on the same case, and names the likely
mistake from a set of wrong rules (:data:`WRONG_RULES`), each a function of the history that gives the epoch a
typical mistake would keep. A rule's hint is given only when its epoch is the one the learner's callback kept and
differs from the reference's. Expected values come from the reference callback, never from numbers in a case.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from course_utils.exercises._model_checks import KerasJudge, Problem, _keras
from course_utils.exercises.framework import JUDGES, Case, Exercise

CALLBACK = "callback"
CALLBACK_TIME_LIMIT = 60.0  # seconds per case: one tiny fit (tracing ~0.5 s on the course's machine)


@dataclass
class CallbackCase(Case):
    """A case of a callback exercise: the constructor's ``kwargs``, the scripted ``history`` (metric name -> one
    value per epoch), and ``epochs`` (the number ``fit`` is asked for; the history has at least that many values)."""

    history: dict = field(default_factory=dict)
    epochs: int = 1


def _first_best(values, mode):
    """1-based epoch of the first strictly best finite value (higher for ``"max"``, lower for ``"min"``)."""
    best, epoch = None, None
    for index, value in enumerate(values, start=1):
        if not math.isfinite(value):
            continue
        if best is None or (value > best if mode == "max" else value < best):
            best, epoch = value, index
    return epoch


def _trained(history, epochs):
    """Epochs ``fit`` runs when training stops after the first epoch whose loss is not finite."""
    for index, value in enumerate(history.get("loss", [])[:epochs], start=1):
        if not math.isfinite(value):
            return index
    return epochs


def _last_best(values, mode):
    sign = 1 if mode == "max" else -1
    finite = [(sign * v, i) for i, v in enumerate(values, start=1) if math.isfinite(v)]
    return max(finite)[1] if finite else None


# Each wrong rule: (name, epoch it keeps given (history, monitor, mode, epochs), hint). Checked in this order.
WRONG_RULES = (
    ("kept the last epoch", lambda h, monitor, mode, n: _trained(h, n),
     "the model ends with the weights of its last epoch: save a copy of the best epoch's weights "
     "(self.model.get_weights()) when the monitored value improves, and put them back in on_train_end "
     "(self.model.set_weights(...))."),
    ("wrong direction", lambda h, monitor, mode, n: _first_best(h[monitor][:_trained(h, n)], "min" if mode == "max" else "max"),
     "the best epoch depends on mode: with mode='min' (a loss) lower is better, with mode='max' (an accuracy) higher."),
    ("last of equals", lambda h, monitor, mode, n: _last_best(h[monitor][:_trained(h, n)], mode),
     "of equally good epochs keep the first: only a strictly better value replaces the best (as EarlyStopping does)."),
    ("went on after nan", lambda h, monitor, mode, n: _first_best(h[monitor][:n], mode),
     "training must stop after an epoch whose loss is nan or infinite (set self.model.stop_training = True; "
     "math.isfinite tells): the epochs after it start from broken weights."),
)
OTHER_MONITOR_HINT = ("the callback watched {other!r}, not the metric named by its monitor argument ({monitor!r}): "
                      "read logs[self.monitor].")


class _Script:
    """Builds the scripting callback lazily (Keras is imported only when a callback exercise is checked)."""

    @staticmethod
    def make(history):
        keras = _keras()

        class Script(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                for key, values in history.items():
                    logs[key] = float(values[epoch])
                self.model.set_weights([np.full(w.shape, epoch + 1, w.dtype) for w in self.model.get_weights()])

        return Script()


def run_callback(callback, case: CallbackCase) -> dict:
    """Train the tiny model of ``case`` with ``callback`` after the scripting one; return the epochs trained, the
    epoch whose weights the model ends with (None when they are not one epoch's) and the callback itself."""
    keras = _keras()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "mse", run_eagerly=True)  # no tracing: each case ~0.1 s
    x, y = np.ones((8, 3), "float32"), np.zeros(8, "float32")
    history = model.fit(x, y, epochs=case.epochs, batch_size=8, verbose=0,
                        callbacks=[_Script.make(case.history), callback]).history
    values = np.concatenate([w.ravel() for w in model.get_weights()])
    kept = int(values[0]) if np.all(values == values[0]) and float(values[0]).is_integer() else None
    return {"trained": len(history.get("loss", [])), "kept": kept, "callback": callback}


class _CallbackJudge(KerasJudge):
    def _judge(self, exercise, fn, args, kwargs, case) -> Problem | None:
        keras = _keras()
        callback = fn(*args, **kwargs)
        if not isinstance(callback, keras.callbacks.Callback):
            return Problem(f"it built {type(callback).__name__}, expected a keras.callbacks.Callback",
                           "subclass keras.callbacks.Callback and call super().__init__() in __init__.")
        got = run_callback(callback, case)
        want = run_callback(exercise.solution(**case.kwargs), case)
        monitor, mode = case.kwargs.get("monitor"), case.kwargs.get("mode")
        if got["trained"] != want["trained"]:
            hint = None
            if got["trained"] > want["trained"]:
                hint = dict((r[0], r[2]) for r in WRONG_RULES)["went on after nan"]
            return Problem(f"training ran {got['trained']} epochs, expected {want['trained']} "
                           f"(loss per epoch: {[round(v, 3) for v in case.history.get('loss', [])]})", hint)
        if got["kept"] != want["kept"]:
            kept = "weights of no single epoch" if got["kept"] is None else f"the weights of epoch {got['kept']}"
            message = (f"after training the model holds {kept}; the best {monitor!r} "
                       f"({[round(v, 3) for v in case.history[monitor][:want['trained']]]}, mode={mode!r}) was at epoch {want['kept']}")
            return Problem(message, self._hint(case, got["kept"], want["kept"], monitor, mode))
        best_epoch = getattr(callback, "best_epoch", None)
        if best_epoch != want["kept"]:
            hint = ("epochs count from 0 in Keras's callback methods; best_epoch counts from 1, as the chapter's "
                    "logs do (epoch + 1)." if best_epoch == want["kept"] - 1 else
                    "set self.best_epoch (counted from 1) whenever the monitored value improves.")
            return Problem(f"best_epoch is {best_epoch!r}, expected {want['kept']}", hint)
        return None

    @staticmethod
    def _hint(case, kept, expected, monitor, mode):
        for _, rule, hint in WRONG_RULES:
            try:
                if rule(case.history, monitor, mode, case.epochs) == kept != expected:
                    return hint
            except (KeyError, IndexError):
                continue
        for other in case.history:
            if other != monitor and kept is not None and kept == _first_best(
                    case.history[other][:_trained(case.history, case.epochs)], mode):
                return OTHER_MONITOR_HINT.format(other=other, monitor=monitor)
        return None


JUDGES[CALLBACK] = _CallbackJudge()


def callback_exercise(name: str, title: str, solution, make_cases, mistakes=(),
                      time_limit: float | None = CALLBACK_TIME_LIMIT) -> Exercise:
    """An :class:`Exercise` of kind ``"callback"``: ``solution(**kwargs)`` builds the reference callback,
    ``make_cases(seed=...)`` returns :class:`CallbackCase` objects, ``mistakes`` wrong callbacks (at least two)."""
    return Exercise(name, title, solution, make_cases, mistakes=list(mistakes), kind=CALLBACK, time_limit=time_limit)
