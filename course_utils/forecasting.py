"""Forecasting helpers for chapter 09: window indices over a series, rolling forecast origins, and the
forecast-error metrics MAE, RMSE and MASE.

Conventions (the same as ``keras.utils.timeseries_dataset_from_array``): a series has ``n_steps`` values indexed
0..n_steps-1; the window that starts at step ``s`` reads the inputs ``s, ..., s + input_width - 1`` and forecasts the
``horizon`` steps that follow, ``s + input_width, ..., s + input_width + horizon - 1``. The *forecast origin* of that
window is its last input step: a forecast made at origin ``t`` for horizon ``h`` (1-based) targets step ``t + h``.
"""
from __future__ import annotations

import numpy as np


def _positive_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def window_indices(n_steps: int, input_width: int, horizon: int = 1, stride: int = 1):
    """Indices of every (inputs, targets) window over a series of ``n_steps`` values.

    Returns ``(inputs, targets)``, int arrays of shapes ``(N, input_width)`` and ``(N, horizon)``, with
    ``N = (n_steps - input_width - horizon) // stride + 1`` windows starting at ``0, stride, 2*stride, ...``;
    window ``k`` reads steps ``k*stride + [0, input_width)`` and targets the next ``horizon`` steps. Only windows
    whose targets all lie inside the series are returned (``N = 0`` when none fits).
    """
    n_steps = _positive_int("n_steps", n_steps)
    input_width = _positive_int("input_width", input_width)
    horizon = _positive_int("horizon", horizon)
    stride = _positive_int("stride", stride)
    count = max((n_steps - input_width - horizon) // stride + 1, 0)
    starts = np.arange(count) * stride
    inputs = starts[:, None] + np.arange(input_width)[None, :]
    targets = starts[:, None] + input_width + np.arange(horizon)[None, :]
    return inputs, targets


def rolling_origins(first: int, last: int, step: int, horizon: int) -> np.ndarray:
    """Forecast origins ``first, first + step, ...`` (each the index of the last observed value) such that the
    ``horizon`` steps after each origin end at or before index ``last``. Raises when there is none."""
    step = _positive_int("step", step)
    horizon = _positive_int("horizon", horizon)
    origins = np.arange(first, last - horizon + 1, step)
    if origins.size == 0:
        raise ValueError(f"no origin fits: first={first}, last={last}, horizon={horizon}")
    return origins


def _errors(y_true, y_pred) -> np.ndarray:
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    return y_pred - y_true


def mae(y_true, y_pred, axis=None):
    """Mean absolute error, in the units of the series (over all values, or along ``axis``)."""
    return np.mean(np.abs(_errors(y_true, y_pred)), axis=axis)


def rmse(y_true, y_pred, axis=None):
    """Root mean squared error, in the units of the series (over all values, or along ``axis``)."""
    return np.sqrt(np.mean(_errors(y_true, y_pred) ** 2, axis=axis))


def mase_scale(y_train, m: int = 1) -> float:
    """The in-sample mean absolute error of the seasonal-naive forecast on the training series:
    ``mean(|y_t - y_{t-m}|)`` over ``t = m, ..., len(y_train) - 1`` (``m = 1``: the naive forecast)."""
    m = _positive_int("m", m)
    y_train = np.asarray(y_train, dtype=float).ravel()
    if y_train.size <= m:
        raise ValueError(f"y_train needs more than m={m} values, got {y_train.size}")
    scale = float(np.mean(np.abs(y_train[m:] - y_train[:-m])))
    if scale == 0:
        raise ValueError("the training series is constant at lag m: the MASE scale is 0")
    return scale


def mase(y_true, y_pred, y_train, m: int = 1, axis=None):
    """Mean absolute scaled error (Hyndman and Koehler 2006): the MAE of the forecast divided by the in-sample
    MAE of the seasonal-naive forecast with period ``m`` on ``y_train`` (see :func:`mase_scale`).
    Below 1: better than the seasonal-naive forecast was on the training data. Unitless."""
    return mae(y_true, y_pred, axis=axis) / mase_scale(y_train, m)
