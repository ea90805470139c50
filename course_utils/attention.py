"""Attention in NumPy, written to be read and to check Keras's layers (chapters 08 and 10).

Every attention mechanism here has the same three steps, and each step is one function:

1. **scores** ``e`` of shape ``(B, T_q, T_k)``: how well each query matches each key
   (:func:`additive_scores`, Bahdanau et al. 2015; :func:`dot_product_scores`, Luong et al. 2015);
2. **weights** ``alpha = softmax(e)`` over the keys, with masked keys removed (:func:`masked_softmax`);
3. **context** ``alpha @ V`` of shape ``(B, T_q, d_v)`` (:func:`attend`, which also applies the query mask).

:func:`additive_attention` and :func:`dot_product_attention` chain the three steps with the conventions of
``keras.layers.AdditiveAttention`` and ``keras.layers.Attention`` (no projections inside the layer: queries and keys
must already have the same size ``d_k``; a masked key gets the score ``e - 1e9`` as in Keras; a masked query gets a
zero output). A new mechanism (chapter 10: scaled dot-product and multi-head attention) adds a scores function and,
if needed, projections around :func:`attend`; it does not change the functions above.

Shapes follow the course notation: queries ``Q`` ``(B, T_q, d_k)``, keys ``K`` ``(B, T_k, d_k)``, values ``V``
``(B, T_k, d_v)``, masks boolean (``True`` = a real position), ``query_mask`` ``(B, T_q)``, ``key_mask`` ``(B, T_k)``.
"""
from __future__ import annotations

import numpy as np

MASKED_SCORE_OFFSET = 1e9  # Keras subtracts this from the score of a masked key (65504 in float16)


def _as_3d(name: str, array, batch: int | None = None) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 3:
        raise ValueError(f"{name} must have shape (B, T, d), got an array of shape {array.shape}")
    if batch is not None and array.shape[0] != batch:
        raise ValueError(f"{name} must have batch size {batch} like the queries, got shape {array.shape}")
    return array


def _as_mask(name: str, mask, shape: tuple) -> np.ndarray | None:
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.shape != shape:
        raise ValueError(f"{name} must have shape {shape} (True = a real position), got {mask.shape}")
    return mask.astype(bool)


def additive_scores(query, key, scale=None) -> np.ndarray:
    """Bahdanau's additive scores ``e[b, t, s] = sum_j scale_j * tanh(Q[b, t, j] + K[b, s, j])``.

    ``query`` ``(B, T_q, d_k)`` and ``key`` ``(B, T_k, d_k)`` are already projected (``W_q q`` and ``W_k k``,
    as Dense layers do before ``keras.layers.AdditiveAttention``); ``scale`` ``(d_k,)`` is the vector ``v`` of the
    paper (Keras's ``scale`` weight; ``None`` means all ones, Keras's ``use_scale=False``). Returns ``(B, T_q, T_k)``.
    """
    query = _as_3d("query", query)
    key = _as_3d("key", key, query.shape[0])
    if key.shape[-1] != query.shape[-1]:
        raise ValueError(f"query and key must have the same size d_k, got {query.shape[-1]} and {key.shape[-1]}")
    scale = np.ones(query.shape[-1]) if scale is None else np.asarray(scale, dtype=np.float64)
    if scale.shape != (query.shape[-1],):
        raise ValueError(f"scale must have shape (d_k,) = ({query.shape[-1]},), got {scale.shape}")
    return np.tanh(query[:, :, None, :] + key[:, None, :, :]) @ scale


def dot_product_scores(query, key, scale: float = 1.0) -> np.ndarray:
    """Luong's dot-product scores ``e[b, t, s] = scale * Q[b, t] . K[b, s]``, shape ``(B, T_q, T_k)``.

    ``scale`` is 1 in ``keras.layers.Attention`` by default (its ``use_scale=True`` learns it); chapter 10's
    scaled dot-product attention uses ``1 / sqrt(d_k)``.
    """
    query = _as_3d("query", query)
    key = _as_3d("key", key, query.shape[0])
    if key.shape[-1] != query.shape[-1]:
        raise ValueError(f"query and key must have the same size d_k, got {query.shape[-1]} and {key.shape[-1]}")
    return float(scale) * query @ key.transpose(0, 2, 1)


def masked_softmax(scores, key_mask=None) -> np.ndarray:
    """Attention weights: a softmax over the last axis (keys) after the scores of masked keys drop by 1e9.

    ``scores`` ``(B, T_q, T_k)``; ``key_mask`` ``(B, T_k)``, ``True`` where the key is real. Every row of the result
    sums to 1 and gives a masked key a weight of 0 (exactly 0 in float32 or float64 unless all keys are masked).
    """
    scores = _as_3d("scores", scores)
    mask = _as_mask("key_mask", key_mask, (scores.shape[0], scores.shape[2]))
    if mask is not None:
        scores = np.where(mask[:, None, :], scores, scores - MASKED_SCORE_OFFSET)
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def attend(weights, value, query_mask=None) -> np.ndarray:
    """The context vectors ``alpha @ V`` ``(B, T_q, d_v)``, zero for masked queries (as Keras returns them)."""
    weights = _as_3d("weights", weights)
    value = _as_3d("value", value, weights.shape[0])
    if value.shape[1] != weights.shape[2]:
        raise ValueError(f"value must have T_k = {weights.shape[2]} steps like the weights, got shape {value.shape}")
    context = weights @ value
    mask = _as_mask("query_mask", query_mask, weights.shape[:2])
    return context if mask is None else np.where(mask[:, :, None], context, 0.0)


def additive_attention(query, value, key=None, *, scale=None, query_mask=None, key_mask=None):
    """What ``keras.layers.AdditiveAttention()([query, value, key], mask=[query_mask, key_mask])`` computes.

    ``key`` defaults to ``value``. Returns ``(context (B, T_q, d_v), weights (B, T_q, T_k))``.
    """
    key = value if key is None else key
    weights = masked_softmax(additive_scores(query, key, scale), key_mask)
    return attend(weights, value, query_mask), weights


def dot_product_attention(query, value, key=None, *, scale: float = 1.0, query_mask=None, key_mask=None):
    """What ``keras.layers.Attention()([query, value, key], mask=[query_mask, key_mask])`` computes.

    ``key`` defaults to ``value``. Returns ``(context (B, T_q, d_v), weights (B, T_q, T_k))``.
    """
    key = value if key is None else key
    weights = masked_softmax(dot_product_scores(query, key, scale), key_mask)
    return attend(weights, value, query_mask), weights
