"""course_utils.from_scratch.rnn_layers: the NumPy SimpleRNN, LSTM and GRU reproduce Keras from the layers' own weights;
BPTT matches tf.GradientTape (float64) and centred finite differences, clipping matches TensorFlow; and the
functions at their edge: string options, shapes, lists, integer and complex arguments, NaN."""
import numpy as np
import pytest

from course_utils import config
from course_utils.from_scratch import rnn_layers

tf = config.import_tensorflow()
import keras  # noqa: E402


# --- SimpleRNN forward (rnn_forward, rnn_step) against keras.layers.SimpleRNN -----------------------------------------

simple_rng = np.random.default_rng(1234)
SIMPLE_SHAPES = [(int(simple_rng.integers(1, 9)), int(simple_rng.integers(1, 51)), int(simple_rng.integers(1, 9)),
                  int(simple_rng.integers(1, 17))) for _ in range(12)] + [(1, 1, 1, 1), (8, 50, 8, 16)]


@pytest.mark.parametrize("batch,steps,features,units", SIMPLE_SHAPES)
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero-h0", "given-h0"])
def test_numpy_forward_matches_keras(batch, steps, features, units, with_h0):
    keras.utils.set_random_seed(batch * 1000 + steps)
    layer = keras.layers.SimpleRNN(units, return_sequences=True, return_state=True,
                                   bias_initializer=keras.initializers.RandomNormal(stddev=0.5))
    x = simple_rng.normal(size=(batch, steps, features)).astype("float32")
    h0 = simple_rng.normal(size=(batch, units)).astype("float32") if with_h0 else None
    sequences, final = layer(x, initial_state=[h0]) if with_h0 else layer(x)
    W_x, W_h, b = (w.numpy() for w in layer.weights)
    states, last = rnn_layers.rnn_forward(x, W_x, W_h, b, h0)
    assert states.dtype == np.float32 and states.shape == (batch, steps, units)
    assert np.max(np.abs(states - np.asarray(sequences))) < 1e-5
    assert np.max(np.abs(last - np.asarray(final))) < 1e-5
    np.testing.assert_array_equal(last, states[:, -1])


def test_step_matches_first_state():
    x = simple_rng.normal(size=(3, 4, 2))
    W_x, W_h, b = simple_rng.normal(size=(2, 5)), simple_rng.normal(size=(5, 5)), simple_rng.normal(size=5)
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


# --- LSTM and GRU (lstm_forward, gru_forward, parameter_count) against Keras ------------------------------------------

gated_rng = np.random.default_rng(2024)
GATED_SHAPES = [(int(gated_rng.integers(1, 9)), int(gated_rng.integers(1, 51)), int(gated_rng.integers(1, 9)),
                  int(gated_rng.integers(1, 17))) for _ in range(10)] + [(1, 1, 1, 1), (8, 50, 8, 16)]
RANDOM_BIAS = keras.initializers.RandomNormal(stddev=0.5)


@pytest.mark.parametrize("batch,steps,features,units", GATED_SHAPES)
@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
def test_lstm_matches_keras(batch, steps, features, units, with_state):
    keras.utils.set_random_seed(steps * 31 + units)
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True, bias_initializer=RANDOM_BIAS)
    x = gated_rng.normal(size=(batch, steps, features)).astype("float32")
    h0, c0 = (gated_rng.normal(size=(batch, units)).astype("float32") for _ in range(2))
    outputs = layer(x, initial_state=[h0, c0]) if with_state else layer(x)
    keras_seq, keras_h, keras_c = (np.asarray(o) for o in outputs)
    kernel, recurrent_kernel, bias = layer.get_weights()
    states, h, c = rnn_layers.lstm_forward(x, kernel, recurrent_kernel, bias, *((h0, c0) if with_state else (None, None)))
    for ours, theirs in ((states, keras_seq), (h, keras_h), (c, keras_c)):
        assert np.max(np.abs(ours - theirs)) < 1e-5


@pytest.mark.parametrize("batch,steps,features,units", GATED_SHAPES)
@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("reset_after", [True, False], ids=["reset-after", "reset-before"])
def test_gru_matches_keras(batch, steps, features, units, with_state, reset_after):
    keras.utils.set_random_seed(steps * 17 + units)
    layer = keras.layers.GRU(units, return_sequences=True, return_state=True, reset_after=reset_after,
                             bias_initializer=RANDOM_BIAS)
    x = gated_rng.normal(size=(batch, steps, features)).astype("float32")
    h0 = gated_rng.normal(size=(batch, units)).astype("float32")
    keras_seq, keras_h = (np.asarray(o) for o in (layer(x, initial_state=[h0]) if with_state else layer(x)))
    kernel, recurrent_kernel, bias = layer.get_weights()
    states, h = rnn_layers.gru_forward(x, kernel, recurrent_kernel, bias, h0 if with_state else None, reset_after=reset_after)
    assert np.max(np.abs(states - keras_seq)) < 1e-5 and np.max(np.abs(h - keras_h)) < 1e-5


def test_lstm_gates_are_consistent():
    x = gated_rng.normal(size=(2, 6, 3))
    kernel, recurrent_kernel, bias = gated_rng.normal(size=(3, 16)), gated_rng.normal(size=(4, 16)), gated_rng.normal(size=16)
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


# --- BPTT (rnn_backward) and clip_by_global_norm against TensorFlow ---------------------------------------------------

bptt_rng = np.random.default_rng(99)
BPTT_CASES = [(int(bptt_rng.integers(1, 6)), int(bptt_rng.integers(1, 41)), int(bptt_rng.integers(1, 6)),
               int(bptt_rng.integers(1, 9))) for _ in range(10)] + [(1, 1, 1, 1), (3, 40, 4, 8)]


def random_problem(batch, steps, features, units, with_h0, seed):
    r = np.random.default_rng(seed)
    x = r.normal(size=(batch, steps, features))
    W_x = r.normal(scale=0.6, size=(features, units))
    W_h = r.normal(scale=0.6 / np.sqrt(units), size=(units, units))
    b = r.normal(scale=0.3, size=units)
    h0 = r.normal(size=(batch, units)) if with_h0 else None
    G = r.normal(size=(batch, steps, units))  # loss = sum(G * states): any upstream gradient
    return x, W_x, W_h, b, h0, G


def tape_gradients(x, W_x, W_h, b, h0, G, activation="tanh"):
    phi = {"tanh": tf.tanh, "relu": tf.nn.relu, "linear": tf.identity}[activation]
    variables = [tf.Variable(v) for v in (x, W_x, W_h, b, h0 if h0 is not None else np.zeros((x.shape[0], W_h.shape[0])))]
    with tf.GradientTape() as tape:
        xv, wx, wh, bv, h = variables
        states = []
        for t in range(x.shape[1]):
            h = phi(xv[:, t] @ wx + h @ wh + bv)
            states.append(h)
        loss = tf.reduce_sum(tf.stack(states, axis=1) * G)
    return dict(zip(("x", "W_x", "W_h", "b", "h0"), (g.numpy() for g in tape.gradient(loss, variables))))


def rel_error(a, b):
    return np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(b)))


@pytest.mark.parametrize("batch,steps,features,units", BPTT_CASES)
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero-h0", "given-h0"])
def test_bptt_matches_gradient_tape(batch, steps, features, units, with_h0):
    x, W_x, W_h, b, h0, G = random_problem(batch, steps, features, units, with_h0, seed=steps * 7 + units)
    states, _ = rnn_layers.rnn_forward(x, W_x, W_h, b, h0)
    assert states.dtype == np.float64
    ours = rnn_layers.rnn_backward(x, W_x, W_h, b, h0, states, G)
    theirs = tape_gradients(x, W_x, W_h, b, h0, G)
    for name in ("x", "W_x", "W_h", "b", "h0"):
        assert rel_error(ours[name], theirs[name]) < 1e-6, name


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_bptt_other_activations_match_gradient_tape(activation):
    x, W_x, W_h, b, h0, G = random_problem(2, 9, 3, 5, True, seed=1)
    states, _ = rnn_layers.rnn_forward(x, W_x, W_h, b, h0, activation=activation)
    ours = rnn_layers.rnn_backward(x, W_x, W_h, b, h0, states, G, activation=activation)
    theirs = tape_gradients(x, W_x, W_h, b, h0, G, activation)
    for name in ("W_x", "W_h", "b", "h0"):
        assert rel_error(ours[name], theirs[name]) < 1e-6, name


def test_bptt_matches_centred_finite_differences():
    x, W_x, W_h, b, h0, G = random_problem(2, 6, 3, 4, True, seed=3)
    params = {"W_x": W_x, "W_h": W_h, "b": b, "h0": h0}

    def loss():
        states, _ = rnn_layers.rnn_forward(x, params["W_x"], params["W_h"], params["b"], params["h0"])
        return np.sum(states * G)

    states, _ = rnn_layers.rnn_forward(x, W_x, W_h, b, h0)
    grads = rnn_layers.rnn_backward(x, W_x, W_h, b, h0, states, G)
    eps = 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + eps
            plus = loss()
            value[index] = saved - eps
            minus = loss()
            value[index] = saved
            numeric[index] = (plus - minus) / (2 * eps)
        assert rel_error(grads[name], numeric) < 1e-6, name


def test_total_state_gradient_and_truncation():
    x, W_x, W_h, b, h0, G = random_problem(2, 12, 3, 4, True, seed=5)
    states, _ = rnn_layers.rnn_forward(x, W_x, W_h, b, h0)
    full = rnn_layers.rnn_backward(x, W_x, W_h, b, h0, states, G)
    np.testing.assert_allclose(full["h"][:, -1], G[:, -1])  # nothing flows into the last state from later
    whole = rnn_layers.rnn_backward(x, W_x, W_h, b, h0, states, G, chunk=12)
    np.testing.assert_allclose(whole["W_h"], full["W_h"])  # one chunk = full BPTT within the sequence
    assert np.all(whole["h0"] == 0)  # but nothing flows into the carried-in state
    # chunks of 4: the same as three separate backward passes on the chunks, with states carried forward
    chunked = rnn_layers.rnn_backward(x, W_x, W_h, b, h0, states, G, chunk=4)
    total = np.zeros_like(W_h)
    for start in (0, 4, 8):
        h_in = h0 if start == 0 else states[:, start - 1]
        part = rnn_layers.rnn_backward(x[:, start:start + 4], W_x, W_h, b, h_in, states[:, start:start + 4], G[:, start:start + 4])
        total += part["W_h"]
    np.testing.assert_allclose(chunked["W_h"], total)


def test_backward_rejects_bad_shapes():
    x, W_x, W_h, b, h0, G = random_problem(2, 5, 3, 4, False, seed=0)
    states, _ = rnn_layers.rnn_forward(x, W_x, W_h, b)
    with pytest.raises(ValueError, match=r"dstates must have shape \(B, T, n\) = \(2, 5, 4\)"):
        rnn_layers.rnn_backward(x, W_x, W_h, b, None, states, G[:, :3])
    with pytest.raises(ValueError, match="chunk must be a positive integer"):
        rnn_layers.rnn_backward(x, W_x, W_h, b, None, states, G, chunk=0)
    with pytest.raises(ValueError, match="activation must be one of"):
        rnn_layers.rnn_forward(x, W_x, W_h, b, activation="sigmoid")


@pytest.mark.parametrize("seed", range(6))
def test_global_norm_clipping_matches_tensorflow(seed):
    r = np.random.default_rng(seed)
    grads = [r.normal(scale=r.uniform(0.1, 5), size=tuple(r.integers(1, 5, size=r.integers(1, 3)))) for _ in range(r.integers(1, 5))]
    max_norm = float(r.uniform(0.5, 10))
    ours, our_norm = rnn_layers.clip_by_global_norm(grads, max_norm)
    theirs, their_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    assert abs(our_norm - float(their_norm)) < 1e-9 * max(1, our_norm)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        rnn_layers.clip_by_global_norm(grads, 0)


# --- Edge cases: string options, shapes, lists, integer and complex arguments, NaN ------------------------------------

edge_rng = np.random.default_rng(0)
B, T, d, n = 2, 4, 3, 5
X = edge_rng.normal(size=(B, T, d))
W_x, W_h, b = edge_rng.normal(size=(d, n)), edge_rng.normal(size=(n, n)), edge_rng.normal(size=n)
STATES, _ = rnn_layers.rnn_forward(X, W_x, W_h, b)
DSTATES = edge_rng.normal(size=STATES.shape)
KERNEL4, RECURRENT4 = edge_rng.normal(size=(d, 4 * n)), edge_rng.normal(size=(n, 4 * n))
KERNEL3, RECURRENT3 = edge_rng.normal(size=(d, 3 * n)), edge_rng.normal(size=(n, 3 * n))


@pytest.mark.parametrize("call, match", [
    (lambda: rnn_layers.rnn_backward(X, W_x, W_h, b, None, STATES, DSTATES, activation="sigmoid"), "activation must be one of"),
    (lambda: rnn_layers.rnn_forward(X, W_x, W_h, b, activation="Tanh"), "activation must be one of"),
    (lambda: rnn_layers.parameter_count("LSTM", 3, 4), "cell must be one of"),
], ids=["backward-activation", "forward-activation", "cell"])
def test_unknown_string_options_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: rnn_layers.rnn_backward(X, W_x, W_h, b, np.zeros((B, n + 1)), STATES, DSTATES), r"h0 must have shape \(B, n\) = \(2, 5\)"),
    (lambda: rnn_layers.rnn_backward(X, W_x, W_h, b, None, STATES[:, :-1], DSTATES), r"states must have shape \(B, T, n\) = \(2, 4, 5\)"),
    (lambda: rnn_layers.rnn_forward(X, W_x, W_h, b, h0=np.zeros(n)), r"h0 must have shape \(B, n\) = \(2, 5\)"),
    (lambda: rnn_layers.gru_forward(X, KERNEL3, RECURRENT3, np.zeros(3 * n)), r"bias must have shape \(2, 15\)"),
    (lambda: rnn_layers.lstm_forward(X, KERNEL4, RECURRENT4, np.zeros(4 * n), c0=np.zeros((B + 1, n))), r"c0 must have shape"),
    (lambda: rnn_layers.rnn_forward([[1.0, 2.0], [3.0]], W_x, W_h, b), "rectangular"),
], ids=["backward-h0", "backward-states", "forward-h0", "gru-bias", "lstm-c0", "ragged"])
def test_wrong_shapes_name_the_expected_shape(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_lists_are_accepted_where_arrays_are():
    states, last = rnn_layers.rnn_forward(X.tolist(), W_x.tolist(), W_h.tolist(), b.tolist(), h0=np.zeros((B, n)).tolist())
    np.testing.assert_allclose(states, STATES)
    grads = rnn_layers.rnn_backward(X.tolist(), W_x.tolist(), W_h.tolist(), b.tolist(), None, STATES.tolist(), DSTATES.tolist())
    expected = rnn_layers.rnn_backward(X, W_x, W_h, b, None, STATES, DSTATES)
    for key in expected:
        np.testing.assert_allclose(grads[key], expected[key])
    clipped, norm = rnn_layers.clip_by_global_norm([[3.0, 4.0]], 1.0)
    np.testing.assert_allclose(clipped[0], [0.6, 0.8])
    np.testing.assert_allclose(norm, 5.0)  # was joined to the line above by `and`, so it never ran


@pytest.mark.parametrize("call, argument", [
    (lambda: rnn_layers.parameter_count("lstm", "3", 4), "d"),
    (lambda: rnn_layers.parameter_count("lstm", 3, 4.0), "n"),
    (lambda: rnn_layers.parameter_count("gru", True, 4), "d"),
    (lambda: rnn_layers.rnn_backward(X, W_x, W_h, b, None, STATES, DSTATES, chunk=2.0), "chunk"),
    (lambda: rnn_layers.rnn_backward(X, W_x, W_h, b, None, STATES, DSTATES, chunk=True), "chunk"),
    (lambda: rnn_layers.rnn_backward(X, W_x, W_h, b, None, STATES, DSTATES, chunk="2"), "chunk"),
], ids=["str", "float", "bool", "float-chunk", "bool-chunk", "str-chunk"])
def test_integer_arguments_of_another_type_raise_a_type_error_naming_them(call, argument):
    with pytest.raises(TypeError, match=f"^{argument} must be an integer"):
        call()


@pytest.mark.parametrize("call, argument", [
    (lambda: rnn_layers.gru_forward(X, KERNEL3, RECURRENT3, np.zeros((2, 3 * n)), reset_after="no"), "reset_after"),
    (lambda: rnn_layers.lstm_forward(X, KERNEL4, RECURRENT4, np.zeros(4 * n), return_gates=1), "return_gates"),
    (lambda: rnn_layers.clip_by_global_norm([np.ones(3)], "1.0"), "max_norm"),
    (lambda: rnn_layers.clip_by_global_norm(np.ones(3), 1.0), "grads"),
], ids=["reset_after", "return_gates", "max_norm", "grads-array"])
def test_flags_and_numbers_of_the_wrong_type_are_refused(call, argument):
    with pytest.raises(TypeError, match=f"^{argument} must be"):
        call()


@pytest.mark.parametrize("call, argument", [
    (lambda: rnn_layers.rnn_forward(X + 0j, W_x, W_h, b), "x"),
    (lambda: rnn_layers.rnn_step(X[:, 0], np.zeros((B, n)), W_x, W_h, b + 0j), "b"),
    (lambda: rnn_layers.rnn_backward(X, W_x, W_h, b, None, STATES + 0j, DSTATES), "states"),
    (lambda: rnn_layers.rnn_backward(X, W_x, W_h, b, None, STATES, DSTATES + 1j), "dstates"),
    (lambda: rnn_layers.rnn_backward(X, W_x, W_h, b, np.zeros((B, n)) + 0j, STATES, DSTATES), "h0"),
    (lambda: rnn_layers.gru_forward(X, KERNEL3, RECURRENT3, np.zeros((2, 3 * n)) + 0j), "bias"),
    (lambda: rnn_layers.lstm_forward(X, KERNEL4, RECURRENT4 + 0j, np.zeros(4 * n)), "recurrent_kernel"),
    (lambda: rnn_layers.clip_by_global_norm([np.ones(3) + 1j], 1.0), r"grads\[0\]"),
], ids=["forward-x", "step-b", "states", "dstates", "h0", "gru-bias", "lstm-kernel", "clip"])
def test_complex_inputs_are_refused_everywhere(call, argument):
    with pytest.raises(TypeError, match=f"^{argument} must hold real numbers, got complex"):
        call()


def test_nan_inputs_propagate_as_documented():
    x = X.copy()
    x[0, 1, 0] = np.nan
    states, _ = rnn_layers.rnn_forward(x, W_x, W_h, b)
    assert np.isnan(states[0, 1:]).all() and not np.isnan(states[0, 0]).any() and np.isfinite(states[1]).all()
    grads = rnn_layers.rnn_backward(x, W_x, W_h, b, None, states, DSTATES)
    assert np.isnan(grads["W_x"]).any()
    clipped, norm = rnn_layers.clip_by_global_norm([np.array([np.nan, 1.0])], 1.0)
    assert np.isnan(norm) and clipped[0][1] == 1.0  # unscaled, as the docstring says
    for function in (rnn_layers.rnn_forward, rnn_layers.rnn_backward, rnn_layers.clip_by_global_norm):
        assert "NaN" in function.__doc__
