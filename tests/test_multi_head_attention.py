"""Chapter 10: the NumPy scaled dot-product and multi-head attention of course_utils.from_scratch.attention reproduce
keras.layers.MultiHeadAttention from its own weights (several heads, key_dim != value_dim, masks, causal)."""
import numpy as np
import pytest

from course_utils import config
from course_utils.from_scratch import attention

config.import_tensorflow()
import keras  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:You are using a softmax over axis")  # T_k = 1 cases, on purpose

rng = np.random.default_rng(10)
# (B, T_q, T_k, d_query, d_value, heads, key_dim, value_dim)
# key_dim and value_dim start at 2: with key_dim = 1, Keras 3.15's EinsumDense adds head 0's query/key bias to
# every head (a broadcasting quirk of the projection layer, not of attention), which random biases would expose.
SHAPES = [tuple(int(v) for v in np.r_[rng.integers(1, 7, size=6), rng.integers(2, 7, size=2)]) for _ in range(8)]
SHAPES += [(2, 5, 5, 8, 8, 4, 2, 3), (1, 1, 1, 1, 1, 1, 2, 2)]


def _case(batch, t_q, t_k, d_query, d_value, heads, key_dim, value_dim):
    query = rng.normal(size=(batch, t_q, d_query)).astype("float32")
    value = rng.normal(size=(batch, t_k, d_value)).astype("float32")
    key = rng.normal(size=(batch, t_k, d_query + 1)).astype("float32")  # keys with their own size
    mask = rng.uniform(size=(batch, t_q, t_k)) < 0.6
    mask[:, :, 0] = True  # every query sees at least one key (a fully masked row is not defined the same way
    # in Keras's two code paths)
    layer = keras.layers.MultiHeadAttention(heads, key_dim, value_dim=value_dim + 1, output_shape=3)
    layer(query, value, key)  # build
    for variable in layer.weights:  # move the biases away from 0 so the test sees them
        variable.assign(rng.normal(size=variable.shape).astype("float32") * 0.5)
    return query, value, key, mask, layer


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "mask"])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_multi_head_attention_matches_keras(shape, masked, causal):
    query, value, key, mask, layer = _case(*shape)
    attention_mask = mask if masked else None
    output, weights = layer(query, value, key, attention_mask=attention_mask, use_causal_mask=causal,
                            return_attention_scores=True)
    fused = layer(query, value, key, attention_mask=attention_mask, use_causal_mask=causal)  # Keras's other path
    ours, our_weights = attention.multi_head_attention(query, value, key, weights=attention.mha_weights(layer),
                                                       attention_mask=attention_mask, causal=causal)
    assert our_weights.shape == (shape[0], shape[5], shape[1], shape[2])
    assert np.abs(ours - np.asarray(output)).max() < 1e-5
    assert np.abs(ours - np.asarray(fused)).max() < 1e-5
    assert np.abs(our_weights - np.asarray(weights)).max() < 1e-5
    if masked or causal:
        allowed = np.ones_like(our_weights, dtype=bool)
        if masked:
            allowed &= mask[:, None]
        if causal:
            allowed &= attention.causal_mask(shape[1], shape[2])
        assert np.all(our_weights[~allowed] < 1e-12)


def test_scaled_dot_product_attention_is_softmax_of_scaled_scores():
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 6))
    context, weights = attention.scaled_dot_product_attention(q, k, v)
    scores = q @ k.transpose(0, 2, 1) / 2.0
    expected = np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
    np.testing.assert_allclose(weights, expected, atol=1e-12)
    np.testing.assert_allclose(context, expected @ v, atol=1e-12)


def test_a_masked_key_gets_weight_zero_and_rows_sum_to_one():
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    mask = np.array([True, False, True, True, False])
    context, weights = attention.scaled_dot_product_attention(q, k, v, mask)
    assert np.all(weights[:, ~mask] == 0) and np.allclose(weights.sum(-1), 1)
    reference, _ = attention.scaled_dot_product_attention(q, k[mask], v[mask])
    np.testing.assert_allclose(context, reference, atol=1e-12)


def test_causal_mask_shapes_and_offset():
    np.testing.assert_array_equal(attention.causal_mask(3), np.tril(np.ones((3, 3), bool)))
    assert attention.causal_mask(2, 4).tolist() == [[True, False, False, False], [True, True, False, False]]
    assert attention.causal_mask(2, 4, offset=2).tolist() == [[True, True, True, False], [True, True, True, True]]
    with pytest.raises(ValueError, match="positive int"):
        attention.causal_mask(0)


def test_self_attention_without_positions_is_permutation_equivariant():
    layer = keras.layers.MultiHeadAttention(2, 3)
    x = rng.normal(size=(1, 6, 4)).astype("float32")
    layer(x, x)
    weights = attention.mha_weights(layer)
    order = rng.permutation(6)
    out, _ = attention.multi_head_attention(x, x, weights=weights)
    out_permuted, _ = attention.multi_head_attention(x[:, order], x[:, order], weights=weights)
    np.testing.assert_allclose(out_permuted, out[:, order], atol=1e-10)


def test_errors_name_what_was_expected():
    with pytest.raises(ValueError, match="same size d_k"):
        attention.scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="broadcast"):
        attention.scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 1)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="mha_weights"):
        attention.multi_head_attention(np.ones((1, 2, 3)), np.ones((1, 2, 3)), weights={})
