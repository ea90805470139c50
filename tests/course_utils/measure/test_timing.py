"""Timing helpers: epochs are timed without the first (tracing) epoch; the line fit recovers a known line."""
import numpy as np
import pytest

from course_utils.measure import timing


def test_fit_line_recovers_a_line_and_reports_r2():
    x = np.array([10, 20, 40, 80])
    line = timing.fit_line(x, 0.5 * x + 3)
    assert line.slope == pytest.approx(0.5) and line.intercept == pytest.approx(3) and line.r2 == pytest.approx(1)
    noisy = timing.fit_line([1, 2, 3, 4], [1, 3, 2, 4])
    assert 0 < noisy.r2 < 1
    np.testing.assert_allclose(line([0, 100]), [3, 53])


@pytest.mark.parametrize("x, y, message", [([1], [1], "at least two points"), ([2, 2], [1, 3], "distinct x"),
                                           ([1, 2, 3], [1, 2], "same length")])
def test_fit_line_refuses_bad_input(x, y, message):
    with pytest.raises(ValueError, match=message):
        timing.fit_line(x, y)


def test_seconds_per_epoch_skips_the_first_epoch():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.GRU(3), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = np.random.default_rng(0).normal(size=(64, 5, 2)), np.zeros(64)
    times = timing.seconds_per_epoch(model, x, y, epochs=3, batch_size=16)
    assert len(times.all) == 3 and times.first == times.all[0] and times.per_epoch == np.median(times.all[1:])
    with pytest.raises(ValueError, match="epochs must be an int >= 2"):
        timing.seconds_per_epoch(model, x, y, epochs=1)
    with pytest.raises(ValueError, match="sets callbacks itself"):
        timing.seconds_per_epoch(model, x, y, callbacks=[])


def test_stopwatch_runs_until_stopped_or_the_end_of_its_block():
    import time

    with timing.stopwatch() as clock:
        time.sleep(0.02)
        assert clock.seconds >= 0.02  # running inside the block
    frozen = clock.seconds
    time.sleep(0.01)
    assert clock.seconds == frozen >= 0.02 and "running" not in repr(clock)
    other = timing.stopwatch()
    assert other.stop() == other.stop() == other.seconds
