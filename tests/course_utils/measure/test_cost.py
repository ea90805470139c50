"""The cost model: MAC formulas equal a direct count on the course's own step functions; the ceiling is measured."""
import numpy as np
import pytest

from course_utils.from_scratch import recurrences
from course_utils.measure import cost


def _weights(rng, d, n, blocks, reset_after=None):
    kernel = rng.normal(size=(d, blocks * n))
    recurrent = rng.normal(size=(n, blocks * n))
    bias = rng.normal(size=(2, blocks * n)) if reset_after else rng.normal(size=blocks * n)
    return kernel, recurrent, bias


@pytest.mark.parametrize("d, n", [(1, 1), (3, 5), (17, 4), (8, 32)])
def test_formulas_equal_a_direct_count_of_the_step_functions(d, n):
    rng = np.random.default_rng(d * 100 + n)
    x, h, c = rng.normal(size=(1, d)), rng.normal(size=(1, n)), rng.normal(size=(1, n))
    W_x, W_h, b = rng.normal(size=(d, n)), rng.normal(size=(n, n)), rng.normal(size=n)
    assert cost.count_macs(recurrences.rnn_step, x, h, W_x, W_h, b) == cost.macs_per_step("simple_rnn", d, n)
    k, r, bias = _weights(rng, d, n, 4)
    assert cost.count_macs(recurrences.lstm_step, x, h, c, k, r, bias) == cost.macs_per_step("lstm", d, n)
    for reset_after in (True, False):
        k, r, bias = _weights(rng, d, n, 3, reset_after)
        counted = cost.count_macs(recurrences.gru_step, x, h, k, r, bias, reset_after=reset_after)
        assert counted == cost.macs_per_step("gru", d, n, reset_after), reset_after


def test_direct_count_scales_with_the_batch():
    rng = np.random.default_rng(0)
    x, h = rng.normal(size=(7, 3)), rng.normal(size=(7, 4))
    W_x, W_h, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), rng.normal(size=4)
    assert cost.count_macs(recurrences.rnn_step, x, h, W_x, W_h, b) == 7 * cost.macs_per_step("simple_rnn", 3, 4)


def test_training_flops_and_bad_input():
    assert cost.training_flops("lstm", 2, 3, steps=10, examples=4) == 6 * (4 * 3 * 5 + 9) * 40
    with pytest.raises(ValueError, match="cell must be one of"):
        cost.macs_per_step("transformer", 2, 3)
    with pytest.raises(TypeError, match="n must be an int"):
        cost.macs_per_step("lstm", 2, 3.0)
    with pytest.raises(ValueError, match="d must be a positive"):
        cost.macs_per_step("gru", 0, 3)


def test_matmul_ceiling_is_a_plausible_measurement():
    gflops = cost.matmul_gflops(size=256, repeats=2)
    assert 0.1 < gflops < 10_000
