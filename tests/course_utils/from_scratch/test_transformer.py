"""course_utils.from_scratch.transformer: the NumPy causal Transformer equals a Keras model with the same weights, the key/value
cache gives the same logits as re-running the prefix, the LSTM stream equals keras.layers.LSTM; and
course_utils.measure.sequence_cost's fits and its fresh-process measurement."""
import math

import numpy as np
import pytest

from course_utils import config
from course_utils.measure import sequence_cost
from course_utils.from_scratch import transformer

config.import_tensorflow()
import keras  # noqa: E402
from keras import layers  # noqa: E402

V, D, HEADS, FF, BLOCKS, T = 11, 8, 2, 16, 2, 9


def _keras_lm():
    keras.utils.set_random_seed(3)
    ids = keras.Input((T,), dtype="int32")
    x = layers.Embedding(V, D, name="embedding")(ids) + transformer.sinusoidal_encoding(T, D).astype("float32")
    for b in range(BLOCKS):
        mixed = layers.MultiHeadAttention(HEADS, D // HEADS, name=f"attention{b}")(x, x, use_causal_mask=True)
        x = layers.LayerNormalization(name=f"norm{b}a")(x + mixed)
        hidden = layers.Dense(FF, activation="relu", name=f"hidden{b}")(x)
        x = layers.LayerNormalization(name=f"norm{b}b")(x + layers.Dense(D, name=f"out{b}")(hidden))
    model = keras.Model(ids, layers.Dense(V, name="logits")(x))
    rng = np.random.default_rng(0)
    for variable in model.weights:  # non-trivial biases, gains and shifts
        variable.assign(variable + 0.2 * rng.normal(size=variable.shape).astype("float32"))
    get = model.get_layer
    blocks = [transformer.block_weights(get(f"attention{b}"), get(f"norm{b}a"), get(f"hidden{b}"), get(f"out{b}"),
                                        get(f"norm{b}b")) for b in range(BLOCKS)]
    lm = transformer.CausalLM(np.asarray(get("embedding").embeddings, float), blocks,
                              np.asarray(get("logits").kernel, float), np.asarray(get("logits").bias, float))
    return model, lm


def test_numpy_causal_lm_equals_keras_and_the_cache_equals_rerunning():
    model, lm = _keras_lm()
    ids = np.random.default_rng(1).integers(0, V, size=(3, T))
    expected = np.asarray(model(ids))
    for row, seq in enumerate(ids):
        assert np.abs(lm.logits(seq) - expected[row]).max() < 1e-4
        cache = lm.start()
        stepped = np.stack([cache.step(token) for token in seq])
        assert np.abs(stepped - lm.logits(seq)).max() < 1e-9
        assert np.abs(lm.next_logits(seq[:4]) - stepped[3]).max() < 1e-9
        assert cache.floats == 2 * BLOCKS * T * D


def test_a_causal_model_does_not_see_the_future():
    _, lm = _keras_lm()
    ids = np.arange(T) % V
    changed = ids.copy()
    changed[-1] = (changed[-1] + 1) % V
    np.testing.assert_allclose(lm.logits(ids)[:-1], lm.logits(changed)[:-1], atol=1e-12)


def test_lstm_stream_equals_keras_lstm():
    keras.utils.set_random_seed(4)
    ids = keras.Input((None,), dtype="int32")
    embedded = layers.Embedding(V, 5, name="embedding")(ids)
    model = keras.Model(ids, layers.Dense(V, name="logits")(layers.LSTM(6, return_sequences=True, name="lstm")(embedded)))
    kernel, recurrent, bias = (np.asarray(w, float) for w in model.get_layer("lstm").get_weights())
    stream = transformer.LSTMStream(np.asarray(model.get_layer("embedding").embeddings, float), kernel, recurrent, bias,
                                    np.asarray(model.get_layer("logits").kernel, float),
                                    np.asarray(model.get_layer("logits").bias, float))
    seq = np.random.default_rng(2).integers(0, V, size=12)
    assert np.abs(stream.logits(seq) - np.asarray(model(seq[None]))[0]).max() < 1e-5
    assert stream.floats == 12


def test_sinusoidal_encoding_values_and_shape():
    pe = transformer.sinusoidal_encoding(6, 4)
    assert pe.shape == (6, 4)
    np.testing.assert_allclose(pe[:, 0], np.sin(np.arange(6)))
    np.testing.assert_allclose(pe[:, 1], np.cos(np.arange(6)))
    np.testing.assert_allclose(pe[:, 2], np.sin(np.arange(6) / 100))
    assert transformer.sinusoidal_encoding(3, 5).shape == (3, 5)
    with pytest.raises(ValueError, match="positive int"):
        transformer.sinusoidal_encoding(0, 4)


def test_streaming_costs_table():
    _, lm = _keras_lm()
    rng = np.random.default_rng(0)
    n = 4
    stream = transformer.LSTMStream(rng.normal(size=(V, 3)), rng.normal(size=(3, 4 * n)), rng.normal(size=(n, 4 * n)),
                                    np.zeros(4 * n), rng.normal(size=(n, V)), np.zeros(V))
    table = transformer.streaming_costs(lm, stream, [2, 8], repeats=4)
    assert list(table.index) == [2, 8] and (table > 0).all().all()
    assert table.loc[8, "key/value cache (KiB)"] == 4 * (2 * BLOCKS * 8 * D) / 1024
    assert table["LSTM state (KiB)"].nunique() == 1


def test_loglog_slope_and_crossing():
    lengths = np.array([64, 128, 256, 512])
    assert sequence_cost.loglog_slope(lengths, 3 * lengths ** 2.0) == pytest.approx(2.0)
    assert sequence_cost.loglog_slope(lengths, [1.0, 2.0, math.nan, 8.0]) == pytest.approx(1.0)
    assert sequence_cost.crossing(lengths, 10 * lengths, lengths ** 2.0 / 10) == pytest.approx(100.0)
    assert sequence_cost.crossing(lengths, lengths ** 2.0, lengths) is None
    with pytest.raises(ValueError, match="at least two"):
        sequence_cost.loglog_slope([1, 2], [math.nan, 1.0])


@pytest.mark.parametrize("kind", sequence_cost.KINDS)
def test_measure_runs_a_fresh_process(kind):
    row = sequence_cost.measure(kind, 16, width=8, heads=2, repeats=1, time_limit=120)
    assert "error" not in row, row
    assert row["seconds"] > 0 and row["peak_mib"] > row["pass_mib"] >= 0


def test_measure_reports_a_timeout_instead_of_raising():
    row = sequence_cost.measure("lstm", 16, width=8, repeats=1, time_limit=0.01)
    assert math.isnan(row["seconds"]) and "stopped" in row["error"]
    with pytest.raises(ValueError, match="kind"):
        sequence_cost.measure("gru", 16)


def test_the_peak_is_the_child_s_own_not_its_parent_s():
    ballast = np.ones(400 * 2 ** 20 // 8)  # this process now holds 400 MiB more than the child will need
    row = sequence_cost.measure("lstm", 16, width=8, repeats=1, time_limit=120)
    assert row["peak_mib"] < sequence_cost._peak_mib() - 200, (row, sequence_cost._peak_mib())
    del ballast


@pytest.mark.parametrize("d_model", [1, 4, 5, 64])
def test_sinusoidal_row_is_the_tables_row(d_model):
    table = transformer.sinusoidal_encoding(40, d_model)
    for position in (0, 1, 17, 39):
        np.testing.assert_allclose(transformer.sinusoidal_row(position, d_model), table[position], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="position"):
        transformer.sinusoidal_row(-1, d_model)
