"""Hyperparameter search with KerasTuner, offline, in a temporary directory, with a fixed trial budget.

Chapter 11 searches over units, layers, dropout and learning rate with KerasTuner's own ``RandomSearch`` and
``Hyperband``. :func:`search` wraps both so that a notebook gets one table and never leaves files behind:

* the tuner writes its trial files into a temporary directory that is deleted afterwards (nothing in the
  repository, nothing in the learner's home directory);
* the search runs a **fixed budget**: ``max_trials`` configurations of ``epochs`` epochs for random search,
  ``max_epochs`` and ``factor`` fix Hyperband's brackets. Wall-clock time never decides a result: a slower machine
  runs the same trials for the same epochs and finds the same best configuration. ``time_limit`` is only a guard:
  a search that takes longer is completed, and a ``RuntimeWarning`` says so (the budget is then too large for the
  machine: shrink it in advance, never by the clock);
* the result is a :class:`SearchResult`: one row per trial (its hyperparameters, the epochs it trained, its best
  validation score, its seconds), the best hyperparameters, the total seconds and whether it ran over the guard.

KerasTuner 1.4.8 imports TensorBoard's hparams API during a search, so ``tensorboard`` must be installed (it is
in the course's environment). Nothing here touches the network.
"""
from __future__ import annotations

import tempfile
import time
import warnings
from dataclasses import dataclass

KINDS = ("random", "hyperband")
_BOOKKEEPING = ("tuner/epochs", "tuner/initial_epoch", "tuner/bracket", "tuner/round", "tuner/trial_id")


@dataclass
class SearchResult:
    """What a search found: ``trials`` (a DataFrame, one row per trial, in the order they ran), ``best`` (the best
    trial's hyperparameters, a dict), ``best_score``, ``seconds`` (wall-clock time of the whole search) and
    ``over_time_limit`` (True when the search took longer than its ``time_limit`` guard; it was completed anyway)."""

    kind: str
    trials: object
    best: dict
    best_score: float
    seconds: float
    over_time_limit: bool


def _tuner_class(base):
    """``base`` (a KerasTuner tuner class) that records each trial's seconds (reported, never acted on)."""

    class TimedTuner(base):
        def on_trial_begin(self, trial):
            self._trial_start = time.perf_counter()
            super().on_trial_begin(trial)

        def on_trial_end(self, trial):
            trial.metrics.register("seconds", "min")
            trial.metrics.update("seconds", time.perf_counter() - self._trial_start)
            super().on_trial_end(trial)

    return TimedTuner


def _check(kind, max_trials, epochs, max_epochs, factor, time_limit):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    for name, value in (("max_trials", max_trials), ("epochs", epochs), ("max_epochs", max_epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 2:
        raise ValueError(f"factor must be an int >= 2, got {factor!r}")
    if not isinstance(time_limit, (int, float)) or time_limit <= 0:
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")


def search(build_model, x, y, validation_data, *, kind: str = "random", max_trials: int = 6, epochs: int = 3,
           max_epochs: int = 4, factor: int = 3, time_limit: float = 120.0, objective: str = "val_accuracy",
           batch_size: int = 32, seed: int = 0) -> SearchResult:
    """Run a KerasTuner search and return a :class:`SearchResult`.

    ``build_model(hp)`` returns a compiled Keras model (KerasTuner's convention). ``x`` (N, T) and ``y`` (N,) are
    the training data, ``validation_data`` a tuple ``(x_val, y_val)``: the objective (``"val_accuracy"`` by
    default, maximised) is measured there, never on the test set. ``kind="random"`` trains ``max_trials``
    configurations for ``epochs`` epochs each; ``kind="hyperband"`` runs one Hyperband iteration with
    ``max_epochs`` and ``factor`` (many configurations for few epochs, the best ones continued). The whole budget
    always runs; ``time_limit`` (seconds) is a guard: past it, a ``RuntimeWarning`` says the search overran (once,
    at the end), and ``over_time_limit`` is True.
    """
    _check(kind, max_trials, epochs, max_epochs, factor, time_limit)
    import keras
    import keras_tuner
    import pandas as pd

    keras.utils.set_random_seed(seed)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="course-tuner-") as folder:
        common = dict(objective=objective, seed=seed, directory=folder, project_name=kind, overwrite=True)
        if kind == "random":
            tuner = _tuner_class(keras_tuner.RandomSearch)(build_model, max_trials=max_trials, **common)
            fit_epochs = epochs
        else:
            tuner = _tuner_class(keras_tuner.Hyperband)(build_model, max_epochs=max_epochs, factor=factor,
                                                         hyperband_iterations=1, **common)
            fit_epochs = max_epochs  # Hyperband sets each trial's epochs itself
        with warnings.catch_warnings():  # Hyperband reloads a trial's weights without its optimizer's state
            warnings.filterwarnings("ignore", message=".*Skipping variable loading for optimizer.*")
            tuner.search(x, y, validation_data=validation_data, epochs=fit_epochs, batch_size=batch_size,
                         verbose=0)
        seconds = time.monotonic() - start
        rows = []
        for trial in tuner.oracle.trials.values():
            values = dict(trial.hyperparameters.values)
            trained = values.get("tuner/epochs", epochs) - values.get("tuner/initial_epoch", 0)
            row = {k: v for k, v in values.items() if k not in _BOOKKEEPING}
            row.update({"epochs": trained, "score": trial.score, "status": trial.status,
                        "seconds": trial.metrics.get_last_value("seconds") if trial.metrics.exists("seconds") else None})
            rows.append(row)
        best_trials = tuner.oracle.get_best_trials(1)
        best = {k: v for k, v in best_trials[0].hyperparameters.values.items() if k not in _BOOKKEEPING} if best_trials else {}
        best_score = float(best_trials[0].score) if best_trials else float("nan")
    table = pd.DataFrame(rows)
    table.index = pd.RangeIndex(1, len(table) + 1, name="trial")
    over = seconds > time_limit
    if over:
        warnings.warn(f"the {kind} search took {seconds:.0f} s, more than its {time_limit:g} s guard; its budget "
                      f"ran in full (the result does not depend on the clock), but it is too large for this machine",
                      RuntimeWarning, stacklevel=2)
    return SearchResult(kind, table, best, best_score, seconds, over)
