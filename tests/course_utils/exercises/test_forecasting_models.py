"""Chapter 09's Keras exercises (course_utils.exercises.forecasting_models): the reference passes, each typical
mistake fails on its case with its own hint, and answers in other correct forms pass.

test_exercises.py and test_checker_properties.py run the generic checks (registered mistakes, untouched stubs,
random seeds); here: the hints word for word, a correct dataset built another way, a dataset whose windows reach
into the next part of the split, and a model built with the functional API."""
import numpy as np
import pytest

from course_utils import exercises
from course_utils.exercises import FAILED, PASSED, evaluate, forecasting_models

keras = forecasting_models._keras()


def test_both_references_pass():
    for name in ("split_windows", "direct_forecaster"):
        assert evaluate(name, exercises.solution(name)).status == PASSED


@pytest.mark.parametrize("wrong,hint", [
    (forecasting_models._crosses_split, "they cross the split"),
    (forecasting_models._targets_on_last_input, "the targets start on the last input step"),
    (forecasting_models._no_feature_axis, "the inputs have no feature axis"),
    (forecasting_models._one_step_targets, "the targets hold one value"),
])
def test_each_dataset_mistake_fails_on_the_split_in_the_middle_with_its_own_hint(assert_caught, wrong, hint):
    assert_caught("split_windows", wrong, "a split in the middle", hint)


def test_a_dataset_built_without_precomputed_targets_passes():
    """The other way the Keras docs show: cut windows of input_width + horizon values and split each one."""
    def split_windows(series, start, end, input_width, horizon):
        part = np.asarray(series[start:end], dtype="float32")
        windows = keras.utils.timeseries_dataset_from_array(part, None, sequence_length=input_width + horizon,
                                                            batch_size=7)
        return windows.map(lambda w: (w[:, :input_width, None], w[:, input_width:]))

    assert evaluate("split_windows", split_windows).status == PASSED


def test_inputs_that_start_in_the_previous_part_are_caught():
    """Validation windows whose inputs reach back into the training years (no longer every window inside the split)."""
    def split_windows(series, start, end, input_width, horizon):
        return forecasting_models.split_windows(series, max(start - input_width, 0), end, input_width, horizon)

    report = evaluate("split_windows", split_windows)
    assert report.status == FAILED and report.case == "a split in the middle"


def test_the_model_mistakes_fail_with_their_hints(assert_caught):
    assert_caught("direct_forecaster", forecasting_models._one_step_head, "sizes 6, 3, 4",
                  "check the units of the final Dense layer")
    assert_caught("direct_forecaster", forecasting_models._all_states, "sizes 6, 3, 4", "return_sequences=True")
    assert_caught("direct_forecaster", forecasting_models._lstm_cell, "the layers", "where the model needs a GRU")


def test_a_functional_model_passes():
    def direct_forecaster(input_width, horizon, units, learning_rate):
        windows = keras.Input(shape=(input_width, 1))
        outputs = keras.layers.Dense(horizon)(keras.layers.GRU(units)(windows))
        model = keras.Model(windows, outputs)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error")
        return model

    assert evaluate("direct_forecaster", direct_forecaster).status == PASSED
