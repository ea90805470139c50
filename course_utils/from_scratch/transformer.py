"""A small Transformer in NumPy, written to check Keras and to measure generation cost (chapter 10).

* :func:`sinusoidal_encoding`: the positional encoding of Vaswani et al. (2017),
  ``PE[p, 2i] = sin(p / 10000^(2i/d))``, ``PE[p, 2i+1] = cos(p / 10000^(2i/d))``.
* :func:`layer_norm` (Keras's ``LayerNormalization``, epsilon 1e-3) and :func:`encoder_block`: the post-norm block
  ``y = LN1(x + MHA(x))``, ``z = LN2(y + relu(y W1 + b1) W2 + b2)``, with the weights gathered by
  :func:`block_weights` from the block's Keras layers.
* :class:`CausalLM`: a causal Transformer language model (token embedding + sinusoidal positions, blocks with a
  causal mask, a dense output) that produces the next-token logits in two ways: :meth:`CausalLM.logits` re-runs
  the whole prefix, :meth:`CausalLM.start` returns a :class:`KVCache` that keeps every block's keys and values so
  each new token costs one query against the cache. Both give the same logits; the tests check it.
* :class:`LSTMStream`: the recurrent counterpart, one state update per token (:func:`course_utils.from_scratch.recurrences.lstm_step`).

Arrays are float64; a token is an int id; a sequence is a 1-D array of ids (one stream, no batch axis).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from course_utils.from_scratch import attention
from course_utils.from_scratch import recurrences


def sinusoidal_encoding(length: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """The ``(length, d_model)`` sinusoidal positional encoding: even columns ``sin(p w_i)``, odd ``cos(p w_i)``
    with ``w_i = base^(-2i/d_model)`` for column pair ``i`` (an odd ``d_model`` ends with a sine column)."""
    for name, value in (("length", length), ("d_model", d_model)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    positions = np.arange(length)[:, None]
    frequencies = base ** (-2 * np.arange((d_model + 1) // 2) / d_model)
    angles = positions * frequencies[None, :]
    encoding = np.zeros((length, d_model))
    encoding[:, 0::2] = np.sin(angles)
    encoding[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return encoding


def sinusoidal_row(position: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """Row ``position`` of :func:`sinusoidal_encoding` alone, in O(d_model) (what a streaming model needs)."""
    if isinstance(position, bool) or not isinstance(position, (int, np.integer)) or position < 0:
        raise ValueError(f"position must be a non-negative int, got {position!r}")
    if isinstance(d_model, bool) or not isinstance(d_model, (int, np.integer)) or d_model < 1:
        raise ValueError(f"d_model must be a positive int, got {d_model!r}")
    angles = position * base ** (-2 * np.arange((d_model + 1) // 2) / d_model)
    row = np.zeros(d_model)
    row[0::2] = np.sin(angles)
    row[1::2] = np.cos(angles[: d_model // 2])
    return row


def layer_norm(x, gamma, beta, epsilon: float = 1e-3) -> np.ndarray:
    """Normalise the last axis to mean 0 and variance 1, then scale by ``gamma`` and shift by ``beta``."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    variance = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def block_weights(attention_layer, norm1, hidden, output, norm2) -> dict:
    """The weights of one post-norm encoder block from its Keras layers (MultiHeadAttention, LayerNormalization,
    the two Dense layers of the feed-forward part, LayerNormalization), as float64 arrays."""
    weights = {"attention": attention.mha_weights(attention_layer)}
    for name, layer in (("norm1", norm1), ("norm2", norm2)):
        weights[name] = (np.asarray(layer.gamma, np.float64), np.asarray(layer.beta, np.float64))
    for name, layer in (("hidden", hidden), ("output", output)):
        weights[name] = (np.asarray(layer.kernel, np.float64), np.asarray(layer.bias, np.float64))
    return weights


def _feed_forward(y, weights):
    (w1, b1), (w2, b2) = weights["hidden"], weights["output"]
    return np.maximum(y @ w1 + b1, 0.0) @ w2 + b2


def encoder_block(x, weights: dict, causal: bool = False, attention_mask=None):
    """One post-norm Transformer block on ``x`` ``(B, T, d)``. Returns ``(output (B, T, d), weights (B, H, T, T))``."""
    x = np.asarray(x, dtype=np.float64)
    mixed, attention_weights = attention.multi_head_attention(x, x, weights=weights["attention"],
                                                              attention_mask=attention_mask, causal=causal)
    y = layer_norm(x + mixed, *weights["norm1"])
    return layer_norm(y + _feed_forward(y, weights), *weights["norm2"]), attention_weights


@dataclass
class KVCache:
    """The keys and values of every block for the tokens seen so far, and the model they belong to."""

    model: "CausalLM"
    keys: list = field(default_factory=list)  # per block: (H, t, d_k)
    values: list = field(default_factory=list)  # per block: (H, t, d_v)
    position: int = 0

    def step(self, token: int) -> np.ndarray:
        """Feed one token; return the next-token logits ``(V,)``. Costs one query per block against the cache."""
        model = self.model
        x = model.embedding[int(token)] + sinusoidal_row(self.position, model.d_model)
        x = x[None, None, :]  # (1, 1, d)
        for index, weights in enumerate(model.blocks):
            w = weights["attention"]
            q = attention.project_heads(x, w["query_kernel"], w["query_bias"])[0]  # (H, 1, d_k)
            k = attention.project_heads(x, w["key_kernel"], w["key_bias"])[0]
            v = attention.project_heads(x, w["value_kernel"], w["value_bias"])[0]
            if index == len(self.keys):
                self.keys.append(k)
                self.values.append(v)
            else:
                self.keys[index] = np.concatenate([self.keys[index], k], axis=1)
                self.values[index] = np.concatenate([self.values[index], v], axis=1)
            context, _ = attention.scaled_dot_product_attention(q, self.keys[index], self.values[index])
            mixed = np.einsum("htv,hvo->to", context, w["output_kernel"]) + w["output_bias"]
            y = layer_norm(x + mixed[None], *weights["norm1"])
            x = layer_norm(y + _feed_forward(y, weights), *weights["norm2"])
        self.position += 1
        return (x[0, 0] @ model.output_kernel + model.output_bias)

    @property
    def floats(self) -> int:
        """How many numbers the cache holds (keys and values of every block): ``2 * blocks * t * d_model``."""
        return int(sum(k.size + v.size for k, v in zip(self.keys, self.values)))


@dataclass
class CausalLM:
    """A causal Transformer language model in NumPy: ``embedding`` ``(V, d)``, ``blocks`` (a list of
    :func:`block_weights` dicts), ``output_kernel`` ``(d, V)``, ``output_bias`` ``(V,)``; sinusoidal positions are
    added to the embeddings."""

    embedding: np.ndarray
    blocks: list
    output_kernel: np.ndarray
    output_bias: np.ndarray

    @property
    def d_model(self) -> int:
        return int(self.embedding.shape[1])

    def logits(self, ids) -> np.ndarray:
        """Next-token logits ``(T, V)`` at every position of ``ids`` ``(T,)``, running the whole sequence."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or ids.size == 0:
            raise ValueError(f"ids must be a non-empty 1-D array of token ids, got shape {ids.shape}")
        x = (self.embedding[ids] + sinusoidal_encoding(len(ids), self.d_model))[None]
        for weights in self.blocks:
            x, _ = encoder_block(x, weights, causal=True)
        return x[0] @ self.output_kernel + self.output_bias

    def next_logits(self, prefix) -> np.ndarray:
        """The logits after ``prefix`` by re-running attention over the whole prefix (no cache): ``(V,)``."""
        return self.logits(prefix)[-1]

    def start(self) -> KVCache:
        """An empty key/value cache for one stream."""
        return KVCache(self)


@dataclass
class LSTMStream:
    """An LSTM language model for one stream: ``embedding`` ``(V, e)``, the LSTM's ``kernel``, ``recurrent_kernel``,
    ``bias`` (Keras layout), ``output_kernel`` ``(n, V)``, ``output_bias``. Its whole memory is ``(h, c)``."""

    embedding: np.ndarray
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray
    output_kernel: np.ndarray
    output_bias: np.ndarray
    h: np.ndarray | None = None
    c: np.ndarray | None = None

    def reset(self) -> "LSTMStream":
        n = self.recurrent_kernel.shape[0]
        self.h, self.c = np.zeros((1, n)), np.zeros((1, n))
        return self

    def step(self, token: int) -> np.ndarray:
        """Feed one token; return the next-token logits ``(V,)``: one state update, whatever the position."""
        if self.h is None:
            self.reset()
        x = self.embedding[int(token)][None]
        self.h, self.c = recurrences.lstm_step(x, self.h, self.c, self.kernel, self.recurrent_kernel, self.bias)
        return (self.h @ self.output_kernel + self.output_bias)[0]

    def logits(self, ids) -> np.ndarray:
        """Logits ``(T, V)`` at every position, from a fresh state."""
        self.reset()
        return np.stack([self.step(token) for token in np.asarray(ids)])

    @property
    def floats(self) -> int:
        """How many numbers a stream's state holds: ``h`` and ``c``, ``2 n``, whatever the position."""
        return 2 * int(self.recurrent_kernel.shape[0])


def streaming_costs(lm: CausalLM, lstm: LSTMStream, positions, *, repeats: int = 20, vocabulary: int | None = None,
                    seed: int = 0):
    """Seconds per generated token at each position ``p`` of one stream, three ways, and the memory each keeps.

    For every ``p`` in ``positions`` (increasing): the LSTM's state update (the median over ``repeats`` steps
    from position ``p``), the Transformer re-running attention over the prefix of ``p + 1`` tokens (median over
    ``max(3, repeats // 4)`` runs), and the Transformer with a key/value cache (the median over ``repeats`` steps
    from position ``p``). Tokens are random ids (the cost does not depend on which). Memory: the numbers a stream
    must keep between tokens (LSTM: ``h`` and ``c``; cache: keys and values of every block; re-running keeps the
    prefix's token ids only but recomputes everything), in KiB at 4 bytes per float32.
    Returns a pandas DataFrame indexed by position.
    """
    import time

    import pandas as pd

    positions = sorted(int(p) for p in positions)
    if not positions or positions[0] < 1:
        raise ValueError(f"positions must be positive ints, got {positions}")
    vocabulary = lm.embedding.shape[0] if vocabulary is None else vocabulary
    tokens = np.random.default_rng(seed).integers(0, vocabulary, size=positions[-1] + repeats + 1)

    def timed_steps(step, start):
        seconds = []
        for token in tokens[start:start + repeats]:
            begin = time.perf_counter()
            step(token)
            seconds.append(time.perf_counter() - begin)
        return float(np.median(seconds))

    rows = {}
    cache, recurrent = lm.start(), lstm.reset()
    for p in positions:
        while cache.position < p:  # fill the cache and the LSTM state up to position p
            cache.step(tokens[cache.position])
            recurrent.step(tokens[cache.position - 1])
        rerun = []
        for _ in range(max(3, repeats // 4)):
            begin = time.perf_counter()
            lm.next_logits(tokens[:p + 1])
            rerun.append(time.perf_counter() - begin)
        cache_floats = cache.floats
        lstm_seconds = timed_steps(recurrent.step, p)
        cache_seconds = timed_steps(cache.step, p)
        rows[p] = {"LSTM state update (ms)": 1e3 * lstm_seconds,
                   "attention, re-run prefix (ms)": 1e3 * float(np.median(rerun)),
                   "attention, key/value cache (ms)": 1e3 * cache_seconds,
                   "LSTM state (KiB)": 4 * lstm.floats / 1024,
                   "key/value cache (KiB)": 4 * cache_floats / 1024}
        # the timed steps moved both streams on by `repeats` tokens: rebuild them at the next checkpoint
        cache, recurrent = lm.start(), lstm.reset()
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("position")
