"""Chapter 11's exercises: the solutions agree with the cost model and with a direct count, each typical mistake is
named by its own hint, and a correct float32 answer passes; the callback exercise accepts a learner's class written
as the notebook's stub asks, and its reference keeps the weights Keras's EarlyStopping restores."""
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
        return global_batch, np.float32(base_learning_rate) * np.sqrt(np.float32(global_batch) / np.float32(base_batch))

    assert evaluate("global_batch_and_learning_rate", float32_rate).status == PASSED
    assert evaluate("lstm_macs_per_step", lambda d, n: np.float32(4 * n * (d + n) + 3 * n)).status == PASSED
    report = evaluate("lstm_macs_per_step", lambda d, n: 4 * n * (d + n) + 3 * n + 7)
    assert report.status == FAILED and "Hint" not in report.message


def test_the_examples_of_the_chapter():
    global_batch, rate = solution("global_batch_and_learning_rate")(32, 8, 1e-3, 64)
    assert global_batch == 256 and rate == pytest.approx(2e-3)  # four times the batch, twice the Adam learning rate
    assert solution("lstm_macs_per_step")(32, 32) == 4 * 32 * 64 + 96


def _learners_class():
    import keras

    class KeepBestWeights(keras.callbacks.Callback):  # the notebook's stub, filled in another way than the reference
        def __init__(self, monitor="val_accuracy", mode="max"):
            super().__init__()
            self.monitor, self.mode = monitor, mode

        def on_train_begin(self, logs=None):
            self.best = -np.inf if self.mode == "max" else np.inf
            self.best_epoch, self.saved = None, None

        def on_epoch_end(self, epoch, logs=None):
            if not np.isfinite(logs["loss"]):
                self.model.stop_training = True
            elif (logs[self.monitor] - self.best) * (1 if self.mode == "max" else -1) > 0:
                self.best, self.best_epoch, self.saved = logs[self.monitor], epoch + 1, self.model.get_weights()

        def on_train_end(self, logs=None):
            self.model.set_weights(self.saved)

    return KeepBestWeights


def test_a_learners_callback_class_passes_and_a_stub_class_is_not_attempted():
    import keras

    assert evaluate("keep_best_weights", _learners_class()).status == PASSED

    class Stub(keras.callbacks.Callback):
        def __init__(self, monitor="val_accuracy", mode="max"):
            super().__init__()

        def on_train_begin(self, logs=None):
            raise NotImplementedError

    assert evaluate("keep_best_weights", Stub).status == "not attempted"
    report = evaluate("keep_best_weights", lambda monitor, mode: keras.layers.Dense(1))
    assert report.status == FAILED and "expected a keras.callbacks.Callback" in report.message


def test_the_reference_callback_keeps_what_early_stopping_restores():
    import keras

    from course_utils.exercises._callback_checks import run_callback

    for case in training._keeper_cases():
        if any(not np.isfinite(v) for v in case.history["loss"]):
            continue  # EarlyStopping does not stop on nan
        ours = run_callback(solution("keep_best_weights")(**case.kwargs), case)
        keras_own = run_callback(keras.callbacks.EarlyStopping(case.kwargs["monitor"], mode=case.kwargs["mode"],
                                                               patience=case.epochs, restore_best_weights=True), case)
        assert ours["kept"] == keras_own["kept"] and ours["trained"] == keras_own["trained"], case.name
