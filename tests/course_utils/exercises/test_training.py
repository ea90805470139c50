"""Chapter 11's exercises: the solutions agree with the cost model and with a direct count, each typical mistake is
named by its own hint, and a correct float32 answer passes."""
import numpy as np
import pytest

from course_utils.from_scratch import recurrences
from course_utils.measure import cost
from course_utils.exercises import FAILED, PASSED, evaluate, solution, training


def test_lstm_macs_solution_is_a_direct_count_of_the_lstm_step():
    rng = np.random.default_rng(0)
    for d, n in [(1, 1), (50, 2), (2, 40), (32, 64)]:
        x, h, c = rng.normal(size=(1, d)), rng.normal(size=(1, n)), rng.normal(size=(1, n))
        counted = cost.count_macs(recurrences.lstm_step, x, h, c, rng.normal(size=(d, 4 * n)), rng.normal(size=(n, 4 * n)),
                                  rng.normal(size=4 * n))
        assert solution("lstm_macs_per_step")(d, n) == counted


@pytest.mark.parametrize("variant", training.MACS_MISTAKES, ids=lambda v: v.wrong.__name__)
def test_each_mac_mistake_gets_its_own_hint(variant):
    report = evaluate("lstm_macs_per_step", variant.wrong)
    assert report.status == FAILED and f"Hint: {variant.hint}" in report.message


@pytest.mark.parametrize("variant", training.BATCH_MISTAKES, ids=lambda v: v.wrong.__name__)
def test_each_batch_mistake_gets_its_own_hint(variant):
    report = evaluate("global_batch_and_learning_rate", variant.wrong)
    assert report.status == FAILED and f"Hint: {variant.hint}" in report.message


def test_float32_answers_pass_and_unknown_mistakes_get_no_hint():
    def float32_rate(per_replica_batch, replicas, base_learning_rate, base_batch):
        global_batch = np.int32(per_replica_batch * replicas)
        return global_batch, np.float32(base_learning_rate) * np.float32(global_batch) / np.float32(base_batch)

    assert evaluate("global_batch_and_learning_rate", float32_rate).status == PASSED
    assert evaluate("lstm_macs_per_step", lambda d, n: np.float32(4 * n * (d + n) + 3 * n)).status == PASSED
    report = evaluate("lstm_macs_per_step", lambda d, n: 4 * n * (d + n) + 3 * n + 7)
    assert report.status == FAILED and "Hint" not in report.message


def test_the_examples_of_the_chapter():
    assert solution("global_batch_and_learning_rate")(32, 2, 1e-2, 32) == (64, 2e-2)
    assert solution("lstm_macs_per_step")(32, 32) == 4 * 32 * 64 + 96
