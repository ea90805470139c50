"""The NumPy BPTT matches tf.GradientTape (float64) and centred finite differences; clipping matches TensorFlow."""
import numpy as np
import pytest

from course_utils import config
from course_utils.from_scratch import rnn_layers

tf = config.import_tensorflow()

rng = np.random.default_rng(99)
CASES = [(int(rng.integers(1, 6)), int(rng.integers(1, 41)), int(rng.integers(1, 6)), int(rng.integers(1, 9)))
         for _ in range(10)] + [(1, 1, 1, 1), (3, 40, 4, 8)]


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


@pytest.mark.parametrize("batch,steps,features,units", CASES)
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
