"""The NumPy SimpleRNN reproduces keras.layers.SimpleRNN from the layer's own weights, over random shapes."""
import numpy as np
import pytest

from course_utils import config
from course_utils.from_scratch import rnn_layers

config.import_tensorflow()
import keras  # noqa: E402

rng = np.random.default_rng(1234)
SHAPES = [(int(rng.integers(1, 9)), int(rng.integers(1, 51)), int(rng.integers(1, 9)), int(rng.integers(1, 17)))
          for _ in range(12)] + [(1, 1, 1, 1), (8, 50, 8, 16)]


@pytest.mark.parametrize("batch,steps,features,units", SHAPES)
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero-h0", "given-h0"])
def test_numpy_forward_matches_keras(batch, steps, features, units, with_h0):
    keras.utils.set_random_seed(batch * 1000 + steps)
    layer = keras.layers.SimpleRNN(units, return_sequences=True, return_state=True,
                                   bias_initializer=keras.initializers.RandomNormal(stddev=0.5))
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    h0 = rng.normal(size=(batch, units)).astype("float32") if with_h0 else None
    sequences, final = layer(x, initial_state=[h0]) if with_h0 else layer(x)
    W_x, W_h, b = (w.numpy() for w in layer.weights)
    states, last = rnn_layers.rnn_forward(x, W_x, W_h, b, h0)
    assert states.dtype == np.float32 and states.shape == (batch, steps, units)
    assert np.max(np.abs(states - np.asarray(sequences))) < 1e-5
    assert np.max(np.abs(last - np.asarray(final))) < 1e-5
    np.testing.assert_array_equal(last, states[:, -1])


def test_step_matches_first_state():
    x = rng.normal(size=(3, 4, 2))
    W_x, W_h, b = rng.normal(size=(2, 5)), rng.normal(size=(5, 5)), rng.normal(size=5)
    states, _ = rnn_layers.rnn_forward(x, W_x, W_h, b)
    np.testing.assert_allclose(rnn_layers.rnn_step(x[:, 0], np.zeros((3, 5)), W_x, W_h, b), states[:, 0])


@pytest.mark.parametrize("kwargs,message", [
    (dict(x=np.zeros((2, 3))), r"x must have shape \(B, T, d\)"),
    (dict(x=np.zeros((2, 3, 5))), r"x must have shape \(B, T, d\) = \(B, T, 4\)"),
    (dict(W_h=np.zeros((3, 3))), r"W_h must have shape \(n, n\) = \(6, 6\)"),
    (dict(b=np.zeros(5)), r"b must have shape \(n,\) = \(6,\)"),
    (dict(h0=np.zeros((3, 6))), r"h0 must have shape \(B, n\) = \(2, 6\)"),
    (dict(x=np.zeros((2, 0, 4))), "at least one time step"),
    (dict(x=np.array([[["a"] * 4]])), "must hold numbers"),
])
def test_bad_shapes_name_the_expected_shape(kwargs, message):
    args = dict(x=np.zeros((2, 3, 4)), W_x=np.zeros((4, 6)), W_h=np.zeros((6, 6)), b=np.zeros(6), h0=None)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        rnn_layers.rnn_forward(**args)
