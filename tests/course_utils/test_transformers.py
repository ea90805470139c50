"""course_utils.transformers: the Keras block equals the NumPy block from its own weights; the translator is causal
in the target, ignores padded source positions, and has the parameter count of its parts."""
import numpy as np
import pytest

from course_utils import config, transformers
from course_utils.from_scratch import transformer

config.import_tensorflow()
import keras  # noqa: E402


@pytest.mark.parametrize("causal", [False, True])
def test_the_keras_block_equals_the_numpy_block(causal):
    rng = np.random.default_rng(0)
    model = transformers.block_model(8, 2, 16, causal=causal)
    for variable in model.weights:
        variable.assign((0.5 * rng.normal(size=tuple(variable.shape))).astype("float32"))
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    get = model.get_layer
    weights = transformer.block_weights(get("block_attention"), get("block_norm1"), get("block_hidden"),
                                        get("block_output"), get("block_norm2"))
    np.testing.assert_allclose(np.asarray(model(x)), transformer.encoder_block(x, weights, causal=causal)[0], atol=1e-4)


def test_positions_layers_add_their_table_and_reject_an_unknown_kind():
    x = np.zeros((1, 4, 6), "float32")
    np.testing.assert_allclose(np.asarray(transformers.positions_layer("sinusoidal", 10, 6)(x))[0],
                               transformer.sinusoidal_encoding(4, 6), atol=1e-6)
    learned = transformers.positions_layer("learned", 10, 6)
    assert learned(x).shape == (1, 4, 6) and learned.count_params() == 60
    with pytest.raises(ValueError, match="kind"):
        transformers.positions_layer("rotary", 10, 6)


def test_the_translator_is_causal_in_the_target_and_ignores_source_padding():
    keras.utils.set_random_seed(0)
    model = transformers.transformer_translator(11, 13, d_model=8, heads=2, ff_units=16, max_length=20)
    rng = np.random.default_rng(1)
    source = rng.integers(1, 11, size=(3, 6)).astype("int32")
    target = rng.integers(1, 13, size=(3, 5)).astype("int32")
    logits = np.asarray(model([source, target]))
    assert logits.shape == (3, 5, 13)
    changed = target.copy()
    changed[:, 3:] = 1
    np.testing.assert_allclose(np.asarray(model([source, changed]))[:, :3], logits[:, :3], atol=1e-5)
    padded = np.concatenate([source, np.zeros((3, 4), "int32")], axis=1)
    np.testing.assert_allclose(np.asarray(model([padded, target])), logits, atol=1e-5)


def test_the_translator_parameter_count_is_the_sum_of_its_parts():
    d, ff, heads, vs, vt = 8, 16, 2, 11, 13
    model = transformers.transformer_translator(vs, vt, d_model=d, heads=heads, ff_units=ff)
    attention, norm, feed = 4 * d * d + 4 * d, 2 * d, d * ff + ff + ff * d + d
    encoder, decoder = attention + 2 * norm + feed, 2 * attention + 3 * norm + feed
    assert model.count_params() == vs * d + vt * d + encoder + decoder + d * vt + vt
