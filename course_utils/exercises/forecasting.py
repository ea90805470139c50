"""Chapter 09: the indices of forecasting windows (as ``keras.utils.timeseries_dataset_from_array`` cuts them),
and the mean absolute scaled error with a seasonal period."""
from __future__ import annotations

import numpy as np

from .. import forecasting
from .framework import Case, Exercise, register


def _window_cases() -> list:
    return [
        Case("one input, one target", "where the target starts (right after the last input step, not on it) and that "
             "every window is there",
             {"n_steps": 5, "input_width": 1, "horizon": 1, "stride": 1}),
        Case("width 3, horizon 2, exact fit", "inputs and targets together at stride 1; the last window's targets end "
             "exactly on the last step and it must be included", {"n_steps": 7, "input_width": 3, "horizon": 2, "stride": 1}),
        Case("stride 3", "that consecutive windows start `stride` steps apart",
             {"n_steps": 12, "input_width": 3, "horizon": 1, "stride": 3}),
        Case("long horizon, stride 2", "everything together: a horizon longer than the input and a stride above 1",
             {"n_steps": 10, "input_width": 2, "horizon": 4, "stride": 2}),
    ]


def _window_variant(n_steps, input_width, horizon, stride, *, target_shift=0, count_shift=0, use_stride=True,
                    ignore_horizon=False):
    step = stride if use_stride else 1
    span = input_width + (1 if ignore_horizon else horizon)
    count = max((n_steps - span) // step + 1 + count_shift, 0)
    starts = np.arange(count) * step
    return (starts[:, None] + np.arange(input_width),
            starts[:, None] + input_width + target_shift + np.arange(horizon))


def _window_diagnose(expected, got, kwargs):
    try:
        got = tuple(np.asarray(g) for g in got)
    except TypeError:
        return None
    variants = [
        ({"target_shift": -1}, "the targets start on the last input step; they start one step later, at start + input_width."),
        ({"count_shift": -1}, "one window is missing at the end: N = (n_steps - input_width - horizon) // stride + 1."),
        ({"use_stride": False}, "the windows start 1 step apart; they should start `stride` steps apart."),
        ({"ignore_horizon": True}, "the last windows run past the end of the series: the count must leave room for all "
                                   "`horizon` targets."),
    ]
    for change, hint in variants:
        wrong = _window_variant(**kwargs, **change)
        same_as_wrong = len(got) == 2 and all(g.shape == w.shape and np.array_equal(g, w) for g, w in zip(got, wrong))
        differs_from_right = any(w.shape != e.shape or not np.array_equal(w, e) for w, e in zip(wrong, expected))
        if same_as_wrong and differs_from_right:
            return hint
    return None


def _mase_cases() -> list:
    rng = np.random.default_rng(9)
    seasonal = np.tile([0.0, 2.0, 5.0, 1.0], 5) + 0.1 * np.arange(20)
    return [
        Case("m = 1, naive scale", "the scale: the mean absolute one-step change of the *training* series",
             {"y_true": np.array([3.0, 5.0]), "y_pred": np.array([4.0, 4.0]), "y_train": np.array([0.0, 2.0, 0.0, 2.0]),
              "m": 1}),
        Case("test differs from training", "that the scale comes from y_train, not from y_true",
             {"y_true": np.array([10.0, 30.0, 20.0, 50.0, 40.0]), "y_pred": np.array([12.0, 28.0, 20.0, 45.0, 41.0]),
              "y_train": np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), "m": 1}),
        Case("seasonal period m = 4", "the seasonal lag in the scale: |y_t - y_{t-m}|, not |y_t - y_{t-1}|",
             {"y_true": np.array([2.0, 5.5]), "y_pred": np.array([2.5, 5.0]), "y_train": seasonal, "m": 4}),
        Case("a batch of multi-step forecasts", "that the error is averaged over every window and horizon: y of shape (N, H)",
             {"y_true": rng.normal(size=(3, 4)), "y_pred": rng.normal(size=(3, 4)), "y_train": rng.normal(size=30), "m": 2}),
    ]


def _mase_diagnose(expected, got, kwargs):
    try:
        got = float(got)
    except (TypeError, ValueError):
        return None
    y_true, y_pred, y_train, m = (kwargs[k] for k in ("y_true", "y_pred", "y_train", "m"))
    error = forecasting.mae(y_true, y_pred)
    candidates = [
        (error / forecasting.mase_scale(y_train, 1), "the scale used lag 1; with a seasonal period use |y_t - y_{t-m}|."),
        (error / forecasting.mase_scale(y_true, m) if np.size(y_true) > m else None,
         "the scale was computed on y_true (the test values); it must come from the training series y_train."),
        (error, "the error is not scaled: divide the MAE by the in-sample seasonal-naive MAE of y_train."),
        (forecasting.mase_scale(y_train, m) / error, "the ratio is upside down: forecast MAE / seasonal-naive MAE."),
    ]
    for value, hint in candidates:
        if value is not None and np.isclose(got, value, rtol=1e-6) and not np.isclose(value, float(expected), rtol=1e-6):
            return hint
    return None


register(Exercise("window_indices", "Window and target indices of a forecasting dataset", forecasting.window_indices,
                  _window_cases, diagnose=_window_diagnose, output_names=("inputs", "targets")))
register(Exercise("mase", "Mean absolute scaled error with a seasonal period", forecasting.mase, _mase_cases,
                  atol=1e-6, rtol=1e-5, diagnose=_mase_diagnose))
