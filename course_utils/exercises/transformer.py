"""Chapter 10: scaled dot-product attention with a mask, the sinusoidal positional encoding, a causal mask."""
from __future__ import annotations

import numpy as np

from course_utils.from_scratch import attention
from course_utils.from_scratch import transformer
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register

# ----------------------------------------------------------------------------- scaled dot-product attention

def masked_attention(query, key, value, mask):
    """``softmax(Q K^T / sqrt(d_k))`` over the keys with masked pairs (``mask`` False) removed, then times ``V``.

    ``query`` (B, T_q, d_k), ``key`` (B, T_k, d_k), ``value`` (B, T_k, d_v), ``mask`` bool (B, T_q, T_k), True where
    query t may look at key s (every row has at least one True). Returns ``(context (B, T_q, d_v), weights)``.
    """
    return attention.scaled_dot_product_attention(query, key, value, mask)


def _attention_cases(seed: int = 101, B: int = 2) -> list:
    """The cases; other seeds and batch sizes give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    T_q, T_k = 3, 4
    everything = np.ones((B, T_q, T_k), dtype=bool)
    padded = everything.copy()
    padded[:, :, -1] = False  # the last key of every sequence is padding, and the last two of every other one
    padded[1::2, :, -2] = False
    causal = np.broadcast_to(attention.causal_mask(T_q, T_k), (B, T_q, T_k)).copy()

    def inputs(d_k, d_v, size=1.0):
        return {"query": size * rng.normal(size=(B, T_q, d_k)), "key": size * rng.normal(size=(B, T_k, d_k)),
                "value": rng.normal(size=(B, T_k, d_v))}

    return [
        Case("d_k = 1, no mask", "the weights: a softmax over the keys of the dot products, then a weighted sum of "
             "the values (with d_k = 1 the scaling is 1)", {**inputs(1, 1), "mask": everything}),
        Case("d_k = 16, no mask", "the scaling: the dot products are divided by sqrt(d_k) = 4 before the softmax",
             {**inputs(16, 16, 0.5), "mask": everything}),
        Case("padded keys", "the mask: a key with mask False gets weight 0 and the others still sum to 1",
             {**inputs(4, 4), "mask": padded}),
        Case("a causal mask", "a mask that differs per query: query t sees keys 0..t only", {**inputs(4, 4), "mask": causal}),
        Case("d_v != d_k", "the values: the context is a weighted sum of the value vectors (size d_v), not the keys",
             {**inputs(2, 5), "mask": padded}),
    ]


def _softmax(scores, axis=-1):
    shifted = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def _attention_with_scale(query, key, value, mask, scale):
    scores = np.where(mask, scale * np.asarray(query) @ np.swapaxes(key, -1, -2), -1e9)
    weights = _softmax(scores)
    return weights @ value, weights


def _attention_unscaled(query, key, value, mask):
    return _attention_with_scale(query, key, value, mask, 1.0)


def _attention_scaled_by_d_k(query, key, value, mask):
    return _attention_with_scale(query, key, value, mask, 1.0 / np.shape(query)[-1])


def _attention_without_mask(query, key, value, mask):
    return attention.scaled_dot_product_attention(query, key, value)


def _attention_inverted_mask(query, key, value, mask):
    inverted = ~np.asarray(mask, bool)
    if not inverted.any(axis=-1).all():  # a fully masked row: give up rather than divide by zero
        inverted = inverted | ~inverted.any(axis=-1, keepdims=True)
    return attention.scaled_dot_product_attention(query, key, value, inverted)


def _attention_softmax_over_queries(query, key, value, mask):
    scores = np.where(mask, np.asarray(query) @ np.swapaxes(key, -1, -2) / np.sqrt(np.shape(query)[-1]), -1e9)
    weights = _softmax(scores, axis=-2)
    return weights @ value, weights


ATTENTION_MISTAKES = (
    Variant("divide the dot products by sqrt(d_k) before the softmax.", _attention_unscaled),
    Variant("the scale is 1 / sqrt(d_k), not 1 / d_k.", _attention_scaled_by_d_k),
    Variant("the mask is ignored: set the scores where mask is False to a large negative number (e.g. -1e9) "
            "before the softmax.", _attention_without_mask),
    Variant("the mask is inverted: True means the query MAY look at that key.", _attention_inverted_mask),
    Variant("the softmax runs over the queries (axis -2); it must run over the keys (the last axis).",
            _attention_softmax_over_queries),
)


def _attention_weighting_keys(query, key, value, mask):
    weights = attention.scaled_dot_product_attention(query, key, value, mask)[1]
    return weights @ np.asarray(key), weights


# ------------------------------------------------------------------------------------ positional encoding

def sinusoidal_encoding(length, d_model):
    """``PE[p, 2i] = sin(p / 10000^(2i / d_model))`` and ``PE[p, 2i + 1] = cos(p / 10000^(2i / d_model))`` for
    positions ``p = 0 .. length - 1``; shape ``(length, d_model)`` (``d_model`` even)."""
    return transformer.sinusoidal_encoding(length, d_model)


def _encoding_cases(seed: int = 0) -> list:
    """Fixed sizes (the seed is not used: the design has no random part)."""
    return [
        Case("d_model = 2", "sin in the even column and cos in the odd one, at positions 0, 1, 2, ... (one frequency, 1)",
             {"length": 5, "d_model": 2}),
        Case("d_model = 8", "the frequencies: column pair i uses 1 / 10000^(2i / d_model), and sin and cos alternate "
             "column by column", {"length": 6, "d_model": 8}),
        Case("a long sequence", "every position up to length - 1 (shape (length, d_model))", {"length": 50, "d_model": 4}),
    ]


def _encoding_swapped(length, d_model):
    encoding = transformer.sinusoidal_encoding(length, d_model)
    return np.stack([encoding[:, 1::2], encoding[:, 0::2]], axis=-1).reshape(length, d_model)


def _encoding_from_one(length, d_model):
    return transformer.sinusoidal_encoding(length + 1, d_model)[1:]


def _encoding_exponent_i(length, d_model):
    angles = np.arange(length)[:, None] / 10000 ** (np.arange(d_model // 2)[None, :] / d_model)
    return np.stack([np.sin(angles), np.cos(angles)], axis=-1).reshape(length, d_model)


def _encoding_halves(length, d_model):
    encoding = transformer.sinusoidal_encoding(length, d_model)
    return np.concatenate([encoding[:, 0::2], encoding[:, 1::2]], axis=1)


ENCODING_MISTAKES = (
    Variant("sin and cos are swapped: sin goes in the even columns (0, 2, ...), cos in the odd ones.", _encoding_swapped),
    Variant("positions start at 0: the first row is sin(0) = 0 and cos(0) = 1.", _encoding_from_one),
    Variant("the exponent is 2i / d_model for column pair i (columns 2i and 2i + 1), not i / d_model.",
            _encoding_exponent_i),
    Variant("sin and cos alternate column by column (interleaved), not all the sines then all the cosines.",
            _encoding_halves),
)


# ---------------------------------------------------------------------------------------------- causal mask

def causal_mask(length):
    """A ``(length, length)`` boolean mask, True where query position t may look at key position s: ``s <= t``."""
    return attention.causal_mask(length)


def _mask_cases(seed: int = 0) -> list:
    """Fixed sizes (the seed is not used: the design has no random part)."""
    return [
        Case("length 1", "that a position may look at itself (the diagonal is True)", {"length": 1}),
        Case("length 4", "that a position sees the past (below the diagonal) but not the future (above it)",
             {"length": 4}),
        Case("length 7", "the shape (length, length)", {"length": 7}),
    ]


def _mask_strict(length):
    return np.tril(np.ones((length, length), dtype=bool), k=-1)


def _mask_future(length):
    return np.triu(np.ones((length, length), dtype=bool))


def _mask_inverted(length):
    return ~attention.causal_mask(length)


MASK_MISTAKES = (
    Variant("a position may look at itself: keep the diagonal (s <= t, not s < t).", _mask_strict),
    Variant("that mask looks at the future (s >= t); a causal mask keeps s <= t (the lower triangle).", _mask_future),
    Variant("the mask is inverted: True marks what a query MAY see (the past and itself).", _mask_inverted),
)


register(Exercise("masked_attention", "Scaled dot-product attention with a mask", masked_attention, _attention_cases,
                  variants=ATTENTION_MISTAKES, output_names=("context", "weights"),
                  mistakes=[Mistake(_attention_weighting_keys, "d_k = 1, no mask", "context")]))
register(Exercise("sinusoidal_encoding", "The sinusoidal positional encoding", sinusoidal_encoding, _encoding_cases,
                  variants=ENCODING_MISTAKES))
register(Exercise("causal_mask", "A causal mask", causal_mask, _mask_cases, variants=MASK_MISTAKES))
