"""The NumPy attention of course_utils.from_scratch.attention reproduces keras.layers.AdditiveAttention and keras.layers.Attention."""
import numpy as np
import pytest

from course_utils import config
from course_utils.from_scratch import attention

config.import_tensorflow()
import keras  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:You are using a softmax over axis")  # T_k = 1 cases, on purpose
rng = np.random.default_rng(8)
SHAPES = [tuple(int(v) for v in (rng.integers(1, 6), rng.integers(1, 9), rng.integers(1, 11), rng.integers(1, 9),
                                 rng.integers(1, 7))) for _ in range(8)] + [(1, 1, 1, 1, 1), (4, 12, 15, 16, 5)]


def _inputs(batch, t_q, t_k, d_k, d_v):
    query = rng.normal(size=(batch, t_q, d_k)).astype("float32")
    key = rng.normal(size=(batch, t_k, d_k)).astype("float32")
    value = rng.normal(size=(batch, t_k, d_v)).astype("float32")
    query_mask = rng.uniform(size=(batch, t_q)) < 0.8
    key_mask = rng.uniform(size=(batch, t_k)) < 0.7
    key_mask[:, 0] = True  # Keras needs one real key per row
    return query, key, value, query_mask, key_mask


@pytest.mark.parametrize("batch,t_q,t_k,d_k,d_v", SHAPES)
@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "masks"])
def test_additive_attention_matches_keras(batch, t_q, t_k, d_k, d_v, masked):
    query, key, value, query_mask, key_mask = _inputs(batch, t_q, t_k, d_k, d_v)
    layer = keras.layers.AdditiveAttention()
    masks = [query_mask, key_mask] if masked else None
    context, weights = (np.asarray(v) for v in layer([query, value, key], mask=masks, return_attention_scores=True))
    ours, our_weights = attention.additive_attention(query, value, key, scale=np.asarray(layer.scale),
                                                     **({"query_mask": query_mask, "key_mask": key_mask} if masked else {}))
    assert np.abs(ours - context).max() < 1e-5 and np.abs(our_weights - weights).max() < 1e-5
    if masked:
        assert np.all(our_weights[~np.broadcast_to(key_mask[:, None, :], our_weights.shape)] < 1e-12)


@pytest.mark.parametrize("batch,t_q,t_k,d_k,d_v", SHAPES)
@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "masks"])
@pytest.mark.parametrize("use_scale", [False, True], ids=["unscaled", "scaled"])
def test_dot_product_attention_matches_keras(batch, t_q, t_k, d_k, d_v, masked, use_scale):
    query, key, value, query_mask, key_mask = _inputs(batch, t_q, t_k, d_k, d_v)
    layer = keras.layers.Attention(use_scale=use_scale)
    masks = [query_mask, key_mask] if masked else None
    context, weights = (np.asarray(v) for v in layer([query, value, key], mask=masks, return_attention_scores=True))
    if use_scale:  # a learned scalar, 1 at initialisation: move it so the test sees it
        layer.scale.assign(0.37)
        context, weights = (np.asarray(v) for v in layer([query, value, key], mask=masks, return_attention_scores=True))
    scale = float(np.asarray(layer.scale)) if use_scale else 1.0
    ours, our_weights = attention.dot_product_attention(query, value, key, scale=scale,
                                                        **({"query_mask": query_mask, "key_mask": key_mask} if masked else {}))
    assert np.abs(ours - context).max() < 1e-5 and np.abs(our_weights - weights).max() < 1e-5


def test_key_defaults_to_value_and_weights_are_distributions():
    query, _, value, _, key_mask = _inputs(3, 4, 5, 6, 6)
    context, weights = attention.dot_product_attention(query, value, key_mask=key_mask)
    np.testing.assert_allclose(weights.sum(-1), 1.0)
    np.testing.assert_allclose(context, attention.attend(weights, value))
    np.testing.assert_allclose(weights, attention.masked_softmax(attention.dot_product_scores(query, value), key_mask))


@pytest.mark.parametrize("call,message", [
    (lambda: attention.additive_scores(np.zeros((2, 3)), np.zeros((2, 3, 4))), r"query must have shape \(B, T, d\)"),
    (lambda: attention.additive_scores(np.zeros((2, 3, 4)), np.zeros((2, 3, 5))), "same size d_k"),
    (lambda: attention.dot_product_scores(np.zeros((2, 3, 4)), np.zeros((1, 3, 4))), "batch size 2"),
    (lambda: attention.additive_scores(np.zeros((2, 3, 4)), np.zeros((2, 5, 4)), scale=np.ones(3)), r"scale must have shape"),
    (lambda: attention.masked_softmax(np.zeros((2, 3, 4)), np.ones((2, 3), bool)), r"key_mask must have shape \(2, 4\)"),
    (lambda: attention.attend(np.zeros((2, 3, 4)), np.zeros((2, 5, 6))), "T_k = 4"),
])
def test_bad_inputs_say_what_is_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
