"""Attention in NumPy, written to be read and to check Keras's layers (chapters 08 and 10).

Every attention mechanism here has the same three steps, and each step is one function:

1. **scores** ``e`` of shape ``(B, T_q, T_k)``: how well each query matches each key
   (:func:`additive_scores`, Bahdanau et al. 2015; :func:`dot_product_scores`, Luong et al. 2015);
2. **weights** ``alpha = softmax(e)`` over the keys, with masked keys removed (:func:`masked_softmax`);
3. **context** ``alpha @ V`` of shape ``(B, T_q, d_v)`` (:func:`attend`, which also applies the query mask).

:func:`additive_attention` and :func:`dot_product_attention` chain the three steps with the conventions of
``keras.layers.AdditiveAttention`` and ``keras.layers.Attention`` (no projections inside the layer: queries and keys
must already have the same size ``d_k``; a masked key gets the score ``e - 1e9`` as in Keras; a masked query gets a
zero output).

Chapter 10 adds the Transformer's attention below the line ``Scaled dot-product and multi-head attention``:
:func:`scaled_dot_product_attention` (any leading axes, a boolean mask of shape ``(..., T_q, T_k)``; a masked score
is *replaced* by ``-1e9`` as ``keras.layers.MultiHeadAttention``'s softmax does; a fully masked row: see there), :func:`causal_mask`,
:func:`padding_mask`, :func:`mha_weights` (the eight weight arrays of a Keras ``MultiHeadAttention`` layer) and
:func:`multi_head_attention` (what that layer computes, from those weights).

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


# ------------------------------------------------------------------------------------------------------
# Scaled dot-product and multi-head attention (chapter 10)
# ------------------------------------------------------------------------------------------------------

def causal_mask(t_q: int, t_k: int | None = None, offset: int = 0) -> np.ndarray:
    """Boolean ``(T_q, T_k)`` mask, True where query ``t`` may look at key ``s``: ``s <= t + offset``.

    With the default ``offset=0`` this is the lower triangle that ``keras.layers.MultiHeadAttention`` builds for
    ``use_causal_mask=True`` (also when ``T_k != T_q``): no position sees the future. When the queries are the
    *last* ``T_q`` positions of ``T_k`` (new tokens after a key/value cache), use ``offset = T_k - T_q``.
    """
    t_k = t_q if t_k is None else t_k
    for name, value in (("t_q", t_q), ("t_k", t_k)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    return np.arange(t_k)[None, :] <= np.arange(t_q)[:, None] + int(offset)


def padding_mask(query_mask, key_mask) -> np.ndarray:
    """``(B, T_q, T_k)`` mask from per-position masks ``(B, T_q)`` and ``(B, T_k)``: True where both are real."""
    query_mask, key_mask = np.asarray(query_mask, bool), np.asarray(key_mask, bool)
    if query_mask.ndim != 2 or key_mask.ndim != 2 or query_mask.shape[0] != key_mask.shape[0]:
        raise ValueError(f"need masks of shape (B, T_q) and (B, T_k), got {query_mask.shape} and {key_mask.shape}")
    return query_mask[:, :, None] & key_mask[:, None, :]


def scaled_dot_product_attention(query, key, value, mask=None):
    """``softmax(Q K^T / sqrt(d_k)) V`` (Vaswani et al. 2017, eq. 1), over any leading axes (batch, heads).

    ``query`` ``(..., T_q, d_k)``, ``key`` ``(..., T_k, d_k)``, ``value`` ``(..., T_k, d_v)``; ``mask`` boolean,
    broadcastable to ``(..., T_q, T_k)``, True where query ``t`` may attend to key ``s``. A masked score is replaced
    by ``-1e9`` before the softmax, so a masked key gets weight 0. A row with every key masked gets uniform weights
    here, as in a plain ``keras.layers.MultiHeadAttention`` call; Keras 3's ``Softmax`` layer, and
    ``MultiHeadAttention`` called with ``return_attention_scores=True``, give such a row zero weights instead (its
    context is then 0; tests/course_utils/from_scratch/test_attention.py checks all three). Returns
    ``(context (..., T_q, d_v), weights (..., T_q, T_k))``.
    """
    query, key, value = (np.asarray(a, dtype=np.float64) for a in (query, key, value))
    if query.ndim < 2 or key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(f"query, key and value need the same number (>= 2) of axes, got shapes "
                         f"{query.shape}, {key.shape}, {value.shape}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"query and key must have the same size d_k, got {query.shape[-1]} and {key.shape[-1]}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"key and value must have the same number of steps T_k, got {key.shape} and {value.shape}")
    scores = (query / np.sqrt(query.shape[-1])) @ np.swapaxes(key, -1, -2)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        try:
            mask = np.broadcast_to(mask, scores.shape)
        except ValueError:
            raise ValueError(f"mask of shape {mask.shape} does not broadcast to the scores' shape {scores.shape} "
                             f"(..., T_q, T_k)") from None
        scores = np.where(mask, scores, -MASKED_SCORE_OFFSET)
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = shifted / shifted.sum(axis=-1, keepdims=True)
    return weights @ value, weights


MHA_WEIGHT_NAMES = ("query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel", "value_bias",
                    "output_kernel", "output_bias")


def mha_weights(layer) -> dict:
    """The weights of a built ``keras.layers.MultiHeadAttention`` (with biases) as float64 NumPy arrays.

    Shapes: ``query_kernel`` ``(d_query, H, d_k)``, ``query_bias`` ``(H, d_k)``, the same for ``key_*`` (on the
    key's features) and ``value_*`` ``(d_value, H, d_v)``, ``(H, d_v)``; ``output_kernel`` ``(H, d_v, d_out)``,
    ``output_bias`` ``(d_out,)``.
    """
    found = {}
    for part in ("query", "key", "value", "output"):
        dense = getattr(layer, f"{part}_dense")
        if dense.bias is None:
            raise ValueError("mha_weights expects a MultiHeadAttention layer with use_bias=True")
        found[f"{part}_kernel"] = np.asarray(dense.kernel, dtype=np.float64)
        found[f"{part}_bias"] = np.asarray(dense.bias, dtype=np.float64)
    return found


def project_heads(x, kernel, bias) -> np.ndarray:
    """``(B, T, d)`` features -> ``(B, H, T, d_head)``: one projection per head (Keras's EinsumDense)."""
    x = _as_3d("x", x)
    return np.einsum("btd,dhk->bhtk", x, kernel) + np.asarray(bias)[None, :, None, :]


def multi_head_attention(query, value, key=None, *, weights: dict, attention_mask=None, causal: bool = False):
    """What ``keras.layers.MultiHeadAttention(H, d_k, value_dim=d_v)(query, value, key, attention_mask=...,
    use_causal_mask=causal)`` computes, from the layer's own weights (:func:`mha_weights`).

    Each head ``h`` projects ``Q_h = query W_q^h + b_q^h``, ``K_h``, ``V_h`` the same way, runs
    :func:`scaled_dot_product_attention`, and the heads' contexts ``(B, T_q, H, d_v)`` are mapped back by the output
    projection: ``sum_h context_h W_o^h + b_o``. ``query`` ``(B, T_q, d_query)``, ``value`` ``(B, T_k, d_value)``,
    ``key`` defaults to ``value``; ``attention_mask`` boolean ``(B, T_q, T_k)`` (or broadcastable), combined with
    the causal mask when ``causal``. Returns ``(output (B, T_q, d_out), weights (B, H, T_q, T_k))``.
    """
    missing = [name for name in MHA_WEIGHT_NAMES if name not in weights]
    if missing:
        raise ValueError(f"weights lacks {missing}; build it with mha_weights(layer)")
    query = _as_3d("query", query)
    value = _as_3d("value", value, query.shape[0])
    key = value if key is None else _as_3d("key", key, query.shape[0])
    if key.shape[1] != value.shape[1]:
        raise ValueError(f"key and value must have the same number of steps, got {key.shape} and {value.shape}")
    q = project_heads(query, weights["query_kernel"], weights["query_bias"])
    k = project_heads(key, weights["key_kernel"], weights["key_bias"])
    v = project_heads(value, weights["value_kernel"], weights["value_bias"])
    mask = None if attention_mask is None else np.asarray(attention_mask, bool)
    if mask is not None and mask.ndim == 3:
        mask = mask[:, None]  # the same mask for every head
    if causal:
        triangle = causal_mask(query.shape[1], key.shape[1])
        mask = triangle if mask is None else mask & triangle
    context, attention_weights = scaled_dot_product_attention(q, k, v, mask)
    output = np.einsum("bhtv,hvo->bto", context, weights["output_kernel"]) + weights["output_bias"]
    return output, attention_weights
