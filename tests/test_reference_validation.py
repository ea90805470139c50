"""The reference layers at their edge: string options, shapes, lists, integer and complex arguments, NaN."""
import numpy as np
import pytest

from course_utils.from_scratch import rnn_layers

rng = np.random.default_rng(0)
B, T, d, n = 2, 4, 3, 5
X = rng.normal(size=(B, T, d))
W_x, W_h, b = rng.normal(size=(d, n)), rng.normal(size=(n, n)), rng.normal(size=n)
STATES, _ = rnn_layers.rnn_forward(X, W_x, W_h, b)
DSTATES = rng.normal(size=STATES.shape)
KERNEL4, RECURRENT4 = rng.normal(size=(d, 4 * n)), rng.normal(size=(n, 4 * n))
KERNEL3, RECURRENT3 = rng.normal(size=(d, 3 * n)), rng.normal(size=(n, 3 * n))


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
