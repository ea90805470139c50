"""Chapter 09: the indices of forecasting windows (as ``keras.utils.timeseries_dataset_from_array`` cuts them),
and the mean absolute scaled error with a seasonal period."""
from __future__ import annotations

import numpy as np

from course_utils import forecasting
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register


def _window_cases(seed: int = 0) -> list:
    """The cases; another seed changes the length of the last (general) case's series."""
    extra = int(np.random.default_rng(seed).integers(0, 4)) if seed else 0
    return [
        Case("one input, one target", "where the target starts (right after the last input step, not on it) and that "
             "every window is there", {"n_steps": 5, "input_width": 1, "horizon": 1, "stride": 1}),
        Case("width 3, horizon 2, exact fit", "inputs and targets together at stride 1; the last window's targets end "
             "exactly on the last step and it must be included", {"n_steps": 7, "input_width": 3, "horizon": 2, "stride": 1}),
        Case("stride 3", "that consecutive windows start `stride` steps apart",
             {"n_steps": 12, "input_width": 3, "horizon": 1, "stride": 3}),
        Case("long horizon, stride 2", "everything together: a horizon longer than the input and a stride above 1",
             {"n_steps": 10 + extra, "input_width": 2, "horizon": 4, "stride": 2}),
    ]


def _windows(n_steps, input_width, horizon, stride, *, target_shift=0, count_shift=0, step=None, span=None):
    """Window indices with one deliberate change (for the typical mistakes below)."""
    step = stride if step is None else step
    span = input_width + horizon if span is None else span
    count = max((n_steps - span) // step + 1 + count_shift, 0)
    starts = np.arange(count) * step
    return (starts[:, None] + np.arange(input_width),
            starts[:, None] + input_width + target_shift + np.arange(horizon))


def _targets_on_last_input(n_steps, input_width, horizon, stride):
    """Mistake: the targets start on the last input step."""
    return _windows(n_steps, input_width, horizon, stride, target_shift=-1)


def _last_window_lost(n_steps, input_width, horizon, stride):
    """Mistake: N = (n_steps - input_width - horizon) // stride (the + 1 is missing)."""
    return _windows(n_steps, input_width, horizon, stride, count_shift=-1)


def _stride_ignored(n_steps, input_width, horizon, stride):
    """Mistake: windows start one step apart whatever the stride."""
    return _windows(n_steps, input_width, horizon, stride, step=1)


def _horizon_ignored(n_steps, input_width, horizon, stride):
    """Mistake: the count leaves room for one target only, so the last windows run past the end."""
    return _windows(n_steps, input_width, horizon, stride, span=input_width + 1)


WINDOW_MISTAKES = (
    Variant("the targets start on the last input step; they start one step later, at start + input_width.",
            _targets_on_last_input),
    Variant("one window is missing at the end: N = (n_steps - input_width - horizon) // stride + 1.", _last_window_lost),
    Variant("the windows start 1 step apart; they should start `stride` steps apart.", _stride_ignored),
    Variant("the last windows run past the end of the series: the count must leave room for all `horizon` targets.",
            _horizon_ignored),
)


def _mase_cases(seed: int = 9) -> list:
    """The cases; other seeds change the random values of the last (general) case."""
    rng = np.random.default_rng(seed)
    seasonal = np.tile([0.0, 2.0, 5.0, 1.0], 5) + 0.1 * np.arange(20)
    return [
        Case("m = 1, naive scale", "the scale: the mean absolute one-step change of the *training* series",
             {"y_true": np.array([3.0, 5.0]), "y_pred": np.array([4.0, 4.0]), "y_train": np.array([0.0, 2.0, 0.0, 2.0]),
              "m": 1}),
        Case("test differs from training", "that the scale comes from y_train, not from y_true",
             {"y_true": np.array([10.0, 30.0, 20.0, 50.0, 40.0]), "y_pred": np.array([12.0, 28.0, 20.0, 45.0, 41.0]),
              "y_train": np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), "m": 1}),
        Case("seasonal period m = 4", "the seasonal lag in the scale: |y_t - y_{t-m}|, not |y_t - y_{t-1}|",
             {"y_true": np.array([2.0, 5.5, 7.0, 3.5, 4.0, 6.5]), "y_pred": np.array([2.5, 5.0, 7.5, 3.0, 4.5, 6.0]),
              "y_train": seasonal, "m": 4}),
        Case("a batch of multi-step forecasts", "that the error is averaged over every window and horizon: y of shape (N, H)",
             {"y_true": rng.normal(size=(3, 5)), "y_pred": rng.normal(size=(3, 5)), "y_train": rng.normal(size=30), "m": 2}),
    ]


def _mae(y_true, y_pred):
    return np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred)))


def _seasonal_scale(series, m):
    series = np.ravel(series)
    return np.mean(np.abs(series[m:] - series[:-m]))


def _mase_lag_one(y_true, y_pred, y_train, m=1):
    """Mistake: the scale uses lag 1 whatever the seasonal period."""
    return _mae(y_true, y_pred) / _seasonal_scale(y_train, 1)


def _mase_scale_on_test(y_true, y_pred, y_train, m=1):
    """Mistake: the scale is computed on the test values."""
    return _mae(y_true, y_pred) / _seasonal_scale(y_true, m)


def _mase_unscaled(y_true, y_pred, y_train, m=1):
    """Mistake: the MAE is returned unscaled."""
    return _mae(y_true, y_pred)


MASE_MISTAKES = (
    Variant("the scale used lag 1; with a seasonal period use |y_t - y_{t-m}|.", _mase_lag_one),
    Variant("the scale was computed on y_true (the test values); it must come from the training series y_train.",
            _mase_scale_on_test),
    Variant("the error is not scaled: divide the MAE by the in-sample seasonal-naive MAE of y_train.", _mase_unscaled),
)

register(Exercise(
    "window_indices", "Window and target indices of a forecasting dataset", forecasting.window_indices, _window_cases,
    variants=WINDOW_MISTAKES, output_names=("inputs", "targets"),
    mistakes=[Mistake(_targets_on_last_input, "one input, one target", "start one step later"),
              Mistake(_last_window_lost, "one input, one target", "one window is missing"),
              Mistake(_stride_ignored, "stride 3", "`stride` steps apart"),
              Mistake(_horizon_ignored, "width 3, horizon 2, exact fit", "run past the end")],
))
register(Exercise(
    "mase", "Mean absolute scaled error with a seasonal period", forecasting.mase, _mase_cases, atol=1e-6, rtol=1e-5,
    variants=MASE_MISTAKES,
    mistakes=[Mistake(_mase_lag_one, "seasonal period m = 4", "lag 1"),
              Mistake(_mase_scale_on_test, "test differs from training", "computed on y_true"),
              Mistake(_mase_unscaled, "m = 1, naive scale", "not scaled")],
))
