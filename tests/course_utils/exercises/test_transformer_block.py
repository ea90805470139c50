"""Chapter 10's model exercise transformer_block_model: the reference and a correct float32 answer written another
way pass, each typical mistake fails on its case with its own hint, every case fits its time limit."""
import time

import pytest

from course_utils import exercises
from course_utils.exercises import PASSED, evaluate, models
from course_utils.exercises import transformer_block as topic

NAME = "transformer_block_model"


def test_the_reference_passes_with_each_case_well_within_the_time_limit():
    exercises.JUDGES[models.MODEL].prepare()
    for case in exercises.get(NAME).make_cases():
        start = time.process_time()
        assert evaluate(NAME, topic.transformer_block_model, cases=[case]).status == PASSED
        assert time.process_time() - start < models.MODEL_TIME_LIMIT / 5


def test_a_correct_answer_written_with_add_layers_and_keyword_arguments_passes():
    def learner(d_model, heads, ff_units, causal):
        import keras

        x = keras.Input(shape=(None, d_model), dtype="float32")
        attended = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=d_model // heads)(
            query=x, value=x, key=x, use_causal_mask=causal)
        y = keras.layers.LayerNormalization(epsilon=1e-3)(keras.layers.Add()([x, attended]))
        z = keras.layers.Dense(d_model)(keras.layers.Dense(ff_units, activation=keras.activations.relu)(y))
        return keras.Model(x, keras.layers.LayerNormalization()(keras.layers.Add()([y, z])))

    report = evaluate(NAME, learner)
    assert report.status == PASSED, report.message


@pytest.mark.parametrize("wrong,case,hint", [
    (topic._block_full_key_dim, "sizes 8, 2, 16", "MultiHeadAttention layer"),
    (topic._block_always_causal, "the formula, not causal", "a causal mask where causal=False"),
    (topic._block_pre_norm, "the formula, not causal", "pre-norm block"),
    (topic._block_no_residual, "the formula, not causal", "residual connection is missing"),
    (topic._block_no_relu, "the formula, not causal", "no ReLU"),
    (topic._block_never_causal, "causal: no leakage", "use_causal_mask=causal"),
])
def test_each_mistake_fails_on_its_case_with_its_own_hint(wrong, case, hint, assert_caught):
    assert_caught(NAME, wrong, case, hint)


def test_a_block_with_a_missing_layer_is_told_which_layers_a_block_has():
    def one_norm(d_model, heads, ff_units, causal):
        import keras

        x = keras.Input(shape=(None, d_model))
        y = x + keras.layers.MultiHeadAttention(heads, d_model // heads)(x, x, use_causal_mask=causal)
        z = keras.layers.Dense(d_model)(keras.layers.Dense(ff_units, activation="relu")(y))
        return keras.Model(x, keras.layers.LayerNormalization()(y + z))

    report = evaluate(NAME, one_norm)
    assert report.status == "failed" and "LayerNormalization" in report.message
