"""Forecasting helpers for chapter 09: window indices over a series, rolling forecast origins, the
forecast-error metrics MAE, RMSE and MASE, and the evaluation tests: prediction-interval coverage by horizon,
Diebold-Mariano over rolling origins whose forecasts overlap, and directional accuracy against the right null
(Pesaran-Timmermann; the always-up rate). The tests themselves are statsmodels'; this module picks their settings.

Conventions (the same as ``keras.utils.timeseries_dataset_from_array``): a series has ``n_steps`` values indexed
0..n_steps-1; the window that starts at step ``s`` reads the inputs ``s, ..., s + input_width - 1`` and forecasts the
``horizon`` steps that follow, ``s + input_width, ..., s + input_width + horizon - 1``. The *forecast origin* of that
window is its last input step: a forecast made at origin ``t`` for horizon ``h`` (1-based) targets step ``t + h``.
"""
from __future__ import annotations

import math

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


def interval_coverage(y_true, low, high, axis=0) -> dict:
    """How a prediction interval ``[low, high]`` did on the values ``y_true`` (arrays of one shape, e.g.
    ``(origins, H)``), along ``axis`` (0: per horizon; None: over everything). Returns a dict of arrays:
    ``coverage`` (share inside, ends included), ``below`` (share under ``low``), ``above`` (share over ``high``),
    ``width`` (mean of ``high - low``, in the series' units), ``crossed`` (share with ``low > high``, e.g. quantiles
    that crossed: such an interval holds nothing). For a central 80% interval each tail should hold 10%."""
    y_true, low, high = (np.asarray(a, dtype=float) for a in (y_true, low, high))
    if not y_true.shape == low.shape == high.shape:
        raise ValueError(f"y_true, low and high must have one shape, got {y_true.shape}, {low.shape}, {high.shape}")
    below = y_true < low
    above = (y_true > high) & ~below  # a crossed interval (low > high) holds nothing; a value under both ends is below
    return {"coverage": np.mean(~below & ~above, axis=axis), "below": np.mean(below, axis=axis),
            "above": np.mean(above, axis=axis), "width": np.mean(high - low, axis=axis),
            "crossed": np.mean(low > high, axis=axis)}


def overlap_lags(horizon: int, origin_step: int) -> int:
    """Autocorrelation lags of h-step forecast errors from origins ``origin_step`` steps apart: forecasts from
    origins closer than ``horizon`` share shocks, so ``ceil(horizon / origin_step) - 1`` (``h - 1`` for origins one
    step apart, the usual Diebold-Mariano choice)."""
    horizon, origin_step = _positive_int("horizon", horizon), _positive_int("origin_step", origin_step)
    return math.ceil(horizon / origin_step) - 1


def diebold_mariano(y_true, forecast_a, forecast_b, horizon: int = 1, origin_step: int = 1, criterion="mse"):
    """Diebold-Mariano test of equal accuracy of two forecasts of ``y_true`` (1-D, one value per origin) at one
    horizon, with statsmodels' ``diebold_mariano_test``: the HAC variance uses :func:`overlap_lags` lags (the
    overlap of forecasts from nearby origins), with the Harvey-Leybourne-Newbold small-sample correction (Student t).
    A negative statistic means ``forecast_a`` has the smaller loss. Returns statsmodels' result (statistic, pvalue)."""
    from statsmodels.tsa.stattools import diebold_mariano_test

    y_true, a, b = (np.asarray(v, dtype=float).ravel() for v in (y_true, forecast_a, forecast_b))
    if not y_true.shape == a.shape == b.shape:
        raise ValueError(f"y_true and both forecasts must have one length, got {y_true.size}, {a.size}, {b.size}")
    lags = overlap_lags(horizon, origin_step)
    return diebold_mariano_test(y_true, a, b, lags=lags, criterion=criterion, harvey_adj=True, horizon=lags + 1)


def directional_accuracy(actual, predicted) -> dict:
    """Directional accuracy of predicted changes (e.g. returns) against the right nulls.

    ``actual`` and ``predicted``: 1-D arrays of changes; days when ``actual == 0`` are left out. Returns
    ``accuracy`` (share of signs right), ``up_share`` (share of up moves: what always saying "up" scores),
    ``predicted_up``, ``binomial_p_always_up`` (one-sided binomial test of the accuracy against what the better
    constant forecast scores, always up or always down, as if that rate were known in advance) and ``pesaran_timmermann_p`` (one-sided Pesaran-Timmermann test, statsmodels:
    are predicted and actual signs dependent? A forecast that never changes sign has no test: NaN).
    """
    from scipy.stats import binomtest
    from statsmodels.stats.diagnostic import pesaran_timmermann

    actual, predicted = np.asarray(actual, dtype=float).ravel(), np.asarray(predicted, dtype=float).ravel()
    if actual.shape != predicted.shape:
        raise ValueError(f"actual and predicted must have one length, got {actual.size} and {predicted.size}")
    moved = actual != 0
    actual, predicted = actual[moved], predicted[moved]
    if actual.size == 0:
        raise ValueError("no nonzero actual change: directional accuracy is undefined")
    hits = int(np.sum((actual > 0) == (predicted > 0)))
    up_share = float(np.mean(actual > 0))
    predicted_up = float(np.mean(predicted > 0))
    varies = 0 < predicted_up < 1 and 0 < up_share < 1
    pt = pesaran_timmermann(actual, predicted, alternative="larger").pvalue if varies else float("nan")
    return {"accuracy": hits / actual.size, "up_share": up_share, "predicted_up": predicted_up,
            "binomial_p_always_up": binomtest(hits, actual.size, max(up_share, 1 - up_share),
                                              alternative="greater").pvalue,
            "pesaran_timmermann_p": float(pt)}
