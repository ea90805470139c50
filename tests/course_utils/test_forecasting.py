"""course_utils.forecasting: window indices agree with keras.utils.timeseries_dataset_from_array, rolling origins,
and MAE / RMSE / MASE on hand-computed values."""
import numpy as np
import pytest

from course_utils import config, forecasting

config.import_tensorflow()
import keras  # noqa: E402


@pytest.mark.parametrize("n_steps,input_width,horizon,stride", [
    (20, 3, 1, 1), (20, 3, 4, 1), (23, 5, 2, 3), (10, 4, 6, 1), (50, 7, 7, 5), (9, 4, 5, 2),
])
def test_window_indices_match_keras(n_steps, input_width, horizon, stride):
    series = np.arange(n_steps, dtype="float32")
    inputs, targets = forecasting.window_indices(n_steps, input_width, horizon, stride)
    # Keras pairs the window starting at s with targets[s]: targets = the next `horizon` values after the window
    target_rows = np.stack([series[input_width + h: n_steps - horizon + 1 + h] for h in range(horizon)], axis=1)
    dataset = keras.utils.timeseries_dataset_from_array(series[: n_steps - horizon], target_rows,
                                                       sequence_length=input_width, sequence_stride=stride,
                                                       batch_size=1000)
    batches = list(dataset)
    keras_x = np.concatenate([np.asarray(x) for x, _ in batches]) if batches else np.zeros((0, input_width))
    keras_y = np.concatenate([np.asarray(y) for _, y in batches]) if batches else np.zeros((0, horizon))
    np.testing.assert_array_equal(series[inputs], keras_x)
    np.testing.assert_array_equal(series[targets], keras_y)


def test_window_indices_shapes_and_empty():
    inputs, targets = forecasting.window_indices(10, 3, 2, 2)
    assert inputs.shape == (3, 3) and targets.shape == (3, 2)
    assert targets[-1, -1] <= 9 and (targets[:, 0] == inputs[:, -1] + 1).all()
    empty_inputs, empty_targets = forecasting.window_indices(4, 3, 2)
    assert empty_inputs.shape == (0, 3) and empty_targets.shape == (0, 2)


@pytest.mark.parametrize("kwargs,message", [
    ({"n_steps": 10, "input_width": 0}, "input_width must be an int >= 1"),
    ({"n_steps": 10, "input_width": 2, "stride": 1.5}, "stride must be an int"),
    ({"n_steps": True, "input_width": 2}, "n_steps must be an int"),
])
def test_window_indices_validate(kwargs, message):
    with pytest.raises(ValueError, match=message):
        forecasting.window_indices(**kwargs)


def test_rolling_origins():
    origins = forecasting.rolling_origins(100, 199, 13, 52)
    assert origins[0] == 100 and (np.diff(origins) == 13).all()
    assert origins[-1] + 52 <= 199 and origins[-1] + 13 + 52 > 199
    with pytest.raises(ValueError, match="no origin fits"):
        forecasting.rolling_origins(100, 120, 1, 52)


def test_metrics_by_hand():
    y, f = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 1.0])
    assert forecasting.mae(y, f) == pytest.approx(4 / 3)
    assert forecasting.rmse(y, f) == pytest.approx(np.sqrt(10 / 3))
    np.testing.assert_allclose(forecasting.mae(np.zeros((2, 3)), np.array([[1, 2, 3], [3, 2, 1.0]]), axis=0), [2, 2, 2])
    with pytest.raises(ValueError, match="same shape"):
        forecasting.mae(y, f[:2])


def test_mase_scale_and_value():
    train = np.array([1.0, 5.0, 2.0, 6.0, 3.0, 7.0])  # period 2: |y_t - y_{t-2}| = 1 everywhere
    assert forecasting.mase_scale(train, 2) == 1.0
    assert forecasting.mase_scale(train, 1) == pytest.approx(np.mean([4, 3, 4, 3, 4]))
    assert forecasting.mase([8.0, 4.0], [7.0, 4.0], train, m=2) == pytest.approx(0.5)
    # the seasonal-naive forecast of the training series itself has MASE 1 by construction
    assert forecasting.mase(train[2:], train[:-2], train, m=2) == pytest.approx(1.0)


@pytest.mark.parametrize("args,message", [
    (([1.0, 2.0], 2), "more than m=2 values"),
    (([3.0, 3.0, 3.0], 1), "constant"),
    (([1.0, 2.0, 3.0], 0), "m must be an int >= 1"),
])
def test_mase_scale_validates(args, message):
    with pytest.raises(ValueError, match=message):
        forecasting.mase_scale(*args)


# ------------------------------------------------------------------------------ the evaluation tests

def test_interval_coverage_counts_each_tail_and_the_width_per_horizon():
    truth = np.array([[0.0, 5.0], [2.0, -1.0], [1.0, 1.0], [3.0, 0.5]])
    low, high = np.zeros((4, 2)), np.full((4, 2), 2.0)
    report = forecasting.interval_coverage(truth, low, high)
    np.testing.assert_allclose(report["coverage"], [0.75, 0.5])  # both ends count as inside
    np.testing.assert_allclose(report["below"], [0.0, 0.25])
    np.testing.assert_allclose(report["above"], [0.25, 0.25])
    np.testing.assert_allclose(report["width"], [2.0, 2.0])
    overall = forecasting.interval_coverage(truth, low, high, axis=None)
    assert overall["coverage"] + overall["below"] + overall["above"] == pytest.approx(1.0)


def test_interval_coverage_counts_a_crossed_interval_as_holding_nothing_and_refuses_misshapen_ones():
    report = forecasting.interval_coverage([1.0, 3.0, -1.0], [2.0, 2.0, 2.0], [0.0, 0.0, 0.0], axis=None)
    assert report["coverage"] == 0 and report["crossed"] == 1
    assert report["below"] == pytest.approx(2 / 3) and report["above"] == pytest.approx(1 / 3)  # each value once
    with pytest.raises(ValueError, match="one shape"):
        forecasting.interval_coverage([1.0, 2.0], [0.0], [3.0])


@pytest.mark.parametrize("horizon,step,lags", [(1, 1, 0), (5, 1, 4), (1, 13, 0), (13, 13, 0), (14, 13, 1), (52, 13, 3)])
def test_overlap_lags(horizon, step, lags):
    assert forecasting.overlap_lags(horizon, step) == lags


def test_diebold_mariano_is_statsmodels_with_the_overlap_lags_and_small_sample_correction():
    from statsmodels.tsa.stattools import diebold_mariano_test

    rng = np.random.default_rng(0)
    truth = rng.normal(size=40)
    good, bad = truth + rng.normal(0, 0.5, 40), truth + rng.normal(0, 1.5, 40)
    result = forecasting.diebold_mariano(truth, good, bad, horizon=52, origin_step=13)
    expected = diebold_mariano_test(truth, good, bad, lags=3, harvey_adj=True, horizon=4)
    assert result.statistic == pytest.approx(expected.statistic) and result.pvalue == pytest.approx(expected.pvalue)
    assert result.statistic < 0 and result.pvalue < 0.05  # the first forecast is clearly better
    swapped = forecasting.diebold_mariano(truth, bad, good, horizon=52, origin_step=13)
    assert swapped.statistic == pytest.approx(-result.statistic)


def test_directional_accuracy_against_the_always_up_rate_and_pesaran_timmermann():
    rng = np.random.default_rng(1)
    actual = rng.normal(0.1, 1.0, 2000)  # mostly up
    always_up = forecasting.directional_accuracy(actual, np.ones_like(actual))
    assert always_up["accuracy"] == pytest.approx(always_up["up_share"])  # the always-up rate, for free
    assert np.isnan(always_up["pesaran_timmermann_p"])  # a constant forecast has no PT test
    assert always_up["binomial_p_always_up"] > 0.4
    informed = forecasting.directional_accuracy(actual, actual + rng.normal(0, 1.0, 2000))
    assert informed["accuracy"] > informed["up_share"] and informed["pesaran_timmermann_p"] < 1e-6
    noise = forecasting.directional_accuracy(actual, rng.normal(size=2000))
    assert noise["pesaran_timmermann_p"] > 0.01
    with_zero = forecasting.directional_accuracy([0.0, 1.0, -1.0], [1.0, 1.0, -1.0])
    assert with_zero["accuracy"] == 1.0 and with_zero["up_share"] == 0.5  # the day without a move is left out
