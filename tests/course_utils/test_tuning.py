"""The KerasTuner wrapper: random search and Hyperband run offline in a temporary directory, return one row per
trial, and a time limit only warns: the budget always runs in full."""
import os
import tempfile

import numpy as np
import pytest

from course_utils import tuning


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    return x[:64], y[:64], (x[64:], y[64:])


def _build(hp):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(hp.Choice("units", [2, 4]), activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(hp.Float("learning_rate", 1e-3, 1e-1, sampling="log")),
                  "binary_crossentropy", metrics=["accuracy"])
    return model


def _tuner_folders():
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("course-tuner-")}


@pytest.fixture(scope="module")
def timely():
    """A random search of three trials well within its time limit (built once: two tests read it), and the tuner
    folders in the temporary directory before it ran."""
    before = _tuner_folders()
    x, y, val = _data()
    return before, tuning.search(_build, x, y, val, kind="random", max_trials=3, epochs=1, time_limit=600,
                                 batch_size=16)


def test_random_search_runs_its_budget_and_cleans_up(timely):
    before, result = timely
    assert len(result.trials) == 3 and set(result.trials.columns) >= {"units", "learning_rate", "score", "seconds"}
    assert result.best["units"] in (2, 4) and 0 <= result.best_score <= 1 and not result.over_time_limit
    assert result.best_score == result.trials["score"].max()
    assert _tuner_folders() == before


def test_hyperband_reports_the_epochs_of_each_trial():
    x, y, val = _data()
    result = tuning.search(_build, x, y, val, kind="hyperband", max_epochs=2, factor=2, time_limit=120, batch_size=16)
    assert len(result.trials) >= 2 and set(result.trials["epochs"]) <= {1, 2}
    assert "tuner/epochs" not in result.trials.columns and "tuner/epochs" not in result.best


def test_a_time_limit_only_warns_and_the_budget_runs_in_full(timely):
    x, y, val = _data()
    with pytest.warns(RuntimeWarning, match="more than its .* guard"):
        late = tuning.search(_build, x, y, val, kind="random", max_trials=3, epochs=1, time_limit=1e-3, batch_size=16)
    timely = timely[1]
    assert late.over_time_limit and not timely.over_time_limit
    assert len(late.trials) == 3 and (late.trials["status"] == "COMPLETED").all()
    # the clock decides nothing: the same seed gives the same trials, scores and winner
    columns = ["units", "learning_rate", "epochs", "score"]
    assert late.trials[columns].equals(timely.trials[columns]) and late.best == timely.best


@pytest.mark.parametrize("kwargs, message", [({"kind": "grid"}, "kind must be one of"), ({"max_trials": 0}, "max_trials"),
                                             ({"factor": 1}, "factor"), ({"time_limit": -1}, "time_limit")])
def test_bad_settings_are_refused(kwargs, message):
    x, y, val = _data()
    with pytest.raises(ValueError, match=message):
        tuning.search(_build, x, y, val, **kwargs)
