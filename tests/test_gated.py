"""The NumPy LSTM and GRU (both reset_after conventions) reproduce Keras from the layers' own weights."""
import numpy as np
import pytest

from course_utils import config
from course_utils.from_scratch import rnn_layers

config.import_tensorflow()
import keras  # noqa: E402

rng = np.random.default_rng(2024)
SHAPES = [(int(rng.integers(1, 9)), int(rng.integers(1, 51)), int(rng.integers(1, 9)), int(rng.integers(1, 17)))
          for _ in range(10)] + [(1, 1, 1, 1), (8, 50, 8, 16)]
RANDOM_BIAS = keras.initializers.RandomNormal(stddev=0.5)


@pytest.mark.parametrize("batch,steps,features,units", SHAPES)
@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
def test_lstm_matches_keras(batch, steps, features, units, with_state):
    keras.utils.set_random_seed(steps * 31 + units)
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True, bias_initializer=RANDOM_BIAS)
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    h0, c0 = (rng.normal(size=(batch, units)).astype("float32") for _ in range(2))
    outputs = layer(x, initial_state=[h0, c0]) if with_state else layer(x)
    keras_seq, keras_h, keras_c = (np.asarray(o) for o in outputs)
    kernel, recurrent_kernel, bias = layer.get_weights()
    states, h, c = rnn_layers.lstm_forward(x, kernel, recurrent_kernel, bias, *((h0, c0) if with_state else (None, None)))
    for ours, theirs in ((states, keras_seq), (h, keras_h), (c, keras_c)):
        assert np.max(np.abs(ours - theirs)) < 1e-5


@pytest.mark.parametrize("batch,steps,features,units", SHAPES)
@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("reset_after", [True, False], ids=["reset-after", "reset-before"])
def test_gru_matches_keras(batch, steps, features, units, with_state, reset_after):
    keras.utils.set_random_seed(steps * 17 + units)
    layer = keras.layers.GRU(units, return_sequences=True, return_state=True, reset_after=reset_after,
                             bias_initializer=RANDOM_BIAS)
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    h0 = rng.normal(size=(batch, units)).astype("float32")
    keras_seq, keras_h = (np.asarray(o) for o in (layer(x, initial_state=[h0]) if with_state else layer(x)))
    kernel, recurrent_kernel, bias = layer.get_weights()
    states, h = rnn_layers.gru_forward(x, kernel, recurrent_kernel, bias, h0 if with_state else None, reset_after=reset_after)
    assert np.max(np.abs(states - keras_seq)) < 1e-5 and np.max(np.abs(h - keras_h)) < 1e-5


def test_lstm_gates_are_consistent():
    x = rng.normal(size=(2, 6, 3))
    kernel, recurrent_kernel, bias = rng.normal(size=(3, 16)), rng.normal(size=(4, 16)), rng.normal(size=16)
    states, h, c, gates = rnn_layers.lstm_forward(x, kernel, recurrent_kernel, bias, return_gates=True)
    np.testing.assert_allclose(states, gates["o"] * np.tanh(gates["c"]))
    np.testing.assert_allclose(c, gates["c"][:, -1])
    assert all(0 < g.min() and g.max() < 1 for k, g in gates.items() if k in "ifo")


@pytest.mark.parametrize("cell,layer", [("simple_rnn", keras.layers.SimpleRNN), ("lstm", keras.layers.LSTM),
                                         ("gru", keras.layers.GRU)])
@pytest.mark.parametrize("d,n", [(1, 1), (3, 7), (16, 32), (50, 10)])
def test_parameter_counts_match_keras(cell, layer, d, n):
    model = keras.Sequential([keras.Input((None, d)), layer(n)])
    assert rnn_layers.parameter_count(cell, d, n) == model.count_params()
    if cell == "gru":
        old = keras.Sequential([keras.Input((None, d)), layer(n, reset_after=False)])
        assert rnn_layers.parameter_count(cell, d, n, reset_after=False) == old.count_params()


@pytest.mark.parametrize("call,message", [
    (lambda: rnn_layers.lstm_forward(np.zeros((2, 3, 4)), np.zeros((4, 10)), np.zeros((2, 10)), np.zeros(10)), "multiple of 4"),
    (lambda: rnn_layers.lstm_forward(np.zeros((2, 3, 4)), np.zeros((4, 8)), np.zeros((3, 8)), np.zeros(8)), r"recurrent_kernel must have shape \(n, 4n\) = \(2, 8\)"),
    (lambda: rnn_layers.lstm_forward(np.zeros((2, 3, 5)), np.zeros((4, 8)), np.zeros((2, 8)), np.zeros(8)), r"x must have shape \(B, T, d\) = \(B, T, 4\)"),
    (lambda: rnn_layers.lstm_forward(np.zeros((2, 3, 4)), np.zeros((4, 8)), np.zeros((2, 8)), np.zeros(8), c0=np.zeros((2, 3))), r"c0 must have shape \(B, n\) = \(2, 2\)"),
    (lambda: rnn_layers.gru_forward(np.zeros((2, 3, 4)), np.zeros((4, 6)), np.zeros((2, 6)), np.zeros(6)), r"bias must have shape \(2, 6\) with reset_after=True"),
    (lambda: rnn_layers.parameter_count("rnn", 3, 4), "cell must be"),
])
def test_bad_inputs_say_what_is_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
