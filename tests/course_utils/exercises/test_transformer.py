"""Chapter 10's exercises: a float32 answer passes, each typical mistake fails on the case that isolates it with its
hint (solutions passing and stubs not attempted: tests/course_utils/exercises/test_exercises.py)."""
import numpy as np
import pytest

from course_utils.from_scratch import transformer
from course_utils.exercises import PASSED, evaluate
from course_utils.exercises import transformer as topic

def test_a_float32_answer_with_minus_infinity_passes():
    def learner(query, key, value, mask):
        query, key, value = (np.asarray(a, np.float32) for a in (query, key, value))
        scores = query @ np.swapaxes(key, -1, -2) / np.float32(np.sqrt(query.shape[-1]))
        scores = np.where(mask, scores, -np.inf)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        return weights @ value, weights

    assert evaluate("masked_attention", learner).status == PASSED


def test_an_integer_causal_mask_and_a_float32_encoding_pass():
    assert evaluate("causal_mask", lambda length: np.tril(np.ones((length, length), int))).status == PASSED
    assert evaluate("sinusoidal_encoding",
                    lambda length, d_model: transformer.sinusoidal_encoding(length, d_model).astype("float32")
                    ).status == PASSED


@pytest.mark.parametrize("name,fn,case,hint", [
    ("masked_attention", topic._attention_unscaled, "d_k = 16, no mask", "sqrt(d_k) before"),
    ("masked_attention", topic._attention_scaled_by_d_k, "d_k = 16, no mask", "not 1 / d_k"),
    ("masked_attention", topic._attention_without_mask, "padded keys", "mask is ignored"),
    ("masked_attention", topic._attention_inverted_mask, "padded keys", "mask is inverted"),
    ("masked_attention", topic._attention_softmax_over_queries, "d_k = 1, no mask", "over the queries"),
    ("masked_attention", topic._attention_weighting_keys, "d_k = 1, no mask", None),
    ("sinusoidal_encoding", topic._encoding_swapped, "d_model = 2", "swapped"),
    ("sinusoidal_encoding", topic._encoding_from_one, "d_model = 2", "start at 0"),
    ("sinusoidal_encoding", topic._encoding_exponent_i, "d_model = 8", "2i / d_model"),
    ("sinusoidal_encoding", topic._encoding_halves, "d_model = 8", "interleaved"),
    ("causal_mask", topic._mask_strict, "length 1", "look at itself"),
    ("causal_mask", topic._mask_future, "length 4", "future"),
    ("causal_mask", topic._mask_inverted, "length 1", "inverted"),
])
def test_each_mistake_is_caught_where_it_is_made(name, fn, case, hint, assert_caught):
    assert_caught(name, fn, case, hint)
