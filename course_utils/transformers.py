"""Transformer building blocks in Keras (chapter 10): positions, the post-norm encoder block, a decoder block with
cross-attention, and an encoder-decoder translator of the same design.

* :func:`positions_layer` ``("sinusoidal" | "learned", max_length, d_model)``: a layer that adds a positional table
  to ``(B, T, d_model)`` embeddings (the fixed table of :func:`course_utils.from_scratch.transformer.sinusoidal_encoding`,
  or a trainable one of shape ``(max_length, d_model)``).
* :func:`transformer_block`: the post-norm block of Vaswani et al. (2017) on a symbolic tensor,
  ``Y = LN(X + MHA(X, X))``, ``Z = LN(Y + relu(Y W1 + b1) W2 + b2)``; its layers are named ``{name}_attention``,
  ``{name}_norm1``, ``{name}_hidden``, ``{name}_output``, ``{name}_norm2`` so that
  :func:`course_utils.from_scratch.transformer.block_weights` finds them. :func:`block_model` wraps one block in a
  ``keras.Model`` (chapter 10's exercise ``transformer_block_model`` is checked against the NumPy block).
* :func:`decoder_block`: causal self-attention, then **cross-attention** (queries from the decoder, keys and values
  from the encoder's outputs, padded source positions masked), then the feed-forward part, each post-norm.
* :func:`transformer_translator`: source ids and target-input ids -> next-token logits, one encoder block and one
  decoder block by default; id 0 is padding. Compiled by the caller.

No dropout anywhere (the models are small and trained for a few epochs; the original Transformer uses dropout 0.1
on every sub-layer's output). Keras is imported when a function is called, never when :mod:`course_utils` is.
"""
from __future__ import annotations

import numpy as np

from course_utils.from_scratch.transformer import sinusoidal_encoding

_LAYERS: dict = {}


def _position_classes() -> dict:
    """The two position layers (defined on first use, so importing this module does not import Keras)."""
    if _LAYERS:
        return _LAYERS
    import keras
    from keras import ops

    class SinusoidalPositions(keras.layers.Layer):
        """Adds the fixed sinusoidal table to (B, T, d_model) embeddings (T <= max_length)."""

        def __init__(self, max_length, d_model, **kwargs):
            super().__init__(**kwargs)
            self.max_length, self.d_model = int(max_length), int(d_model)
            self.table = ops.convert_to_tensor(sinusoidal_encoding(self.max_length, self.d_model).astype("float32"))

        def call(self, x):
            return x + self.table[: ops.shape(x)[1]]

        def compute_output_shape(self, input_shape):  # said, not inferred: JAX cannot slice by an unknown length
            return input_shape

        def get_config(self):
            return {**super().get_config(), "max_length": self.max_length, "d_model": self.d_model}

    class LearnedPositions(keras.layers.Layer):
        """Adds a trainable (max_length, d_model) table: one learned vector per position (T <= max_length)."""

        def __init__(self, max_length, d_model, **kwargs):
            super().__init__(**kwargs)
            self.max_length, self.d_model = int(max_length), int(d_model)
            self.table = self.add_weight(shape=(self.max_length, self.d_model), initializer="random_uniform",
                                         name="table")

        def call(self, x):
            return x + self.table[: ops.shape(x)[1]]

        def compute_output_shape(self, input_shape):  # said, not inferred: JAX cannot slice by an unknown length
            return input_shape

        def get_config(self):
            return {**super().get_config(), "max_length": self.max_length, "d_model": self.d_model}

    _LAYERS.update(sinusoidal=SinusoidalPositions, learned=LearnedPositions)
    return _LAYERS


def positions_layer(kind: str, max_length: int, d_model: int, **kwargs):
    """A layer adding ``"sinusoidal"`` (fixed) or ``"learned"`` (trainable) positions to ``(B, T, d_model)``."""
    classes = _position_classes()
    if kind not in classes:
        raise ValueError(f"kind must be one of {sorted(classes)}, got {kind!r}")
    return classes[kind](max_length, d_model, **kwargs)


def transformer_block(x, heads: int, ff_units: int, causal: bool = False, name: str = "block", mask=None):
    """One post-norm encoder block on the symbolic tensor ``x`` ``(B, T, d_model)``; ``d_model`` must be divisible by
    ``heads`` (heads of ``d_model // heads``). ``mask`` ``(B, T)`` (True = a real token) is optional: no query
    attends to a padded position."""
    from keras import layers

    d_model = x.shape[-1]
    mixed = layers.MultiHeadAttention(heads, d_model // heads, name=f"{name}_attention")(
        x, x, query_mask=mask, value_mask=mask, use_causal_mask=causal)
    x = layers.LayerNormalization(name=f"{name}_norm1")(x + mixed)  # residual, then layer normalisation
    hidden = layers.Dense(ff_units, activation="relu", name=f"{name}_hidden")(x)  # position-wise feed-forward
    return layers.LayerNormalization(name=f"{name}_norm2")(x + layers.Dense(d_model, name=f"{name}_output")(hidden))


def block_model(d_model: int, heads: int, ff_units: int, causal: bool = False):
    """One :func:`transformer_block` as a ``keras.Model``: ``(B, T, d_model)`` float32 -> ``(B, T, d_model)``, any T."""
    import keras

    inputs = keras.Input((None, d_model))
    return keras.Model(inputs, transformer_block(inputs, heads, ff_units, causal=causal), name="transformer_block")


def decoder_block(x, memory, source_mask, heads: int, ff_units: int, name: str = "decoder"):
    """A post-norm decoder block: causal self-attention on ``x`` ``(B, T_y, d)``, cross-attention from ``x`` to the
    encoder's ``memory`` ``(B, T_x, d)`` with ``source_mask`` ``(B, T_x)`` (True = a real source token), then the
    feed-forward part; each sub-layer is wrapped in a residual connection and a LayerNormalization."""
    from keras import layers

    d_model = x.shape[-1]
    mixed = layers.MultiHeadAttention(heads, d_model // heads, name=f"{name}_self_attention")(x, x, use_causal_mask=True)
    x = layers.LayerNormalization(name=f"{name}_norm1")(x + mixed)
    looked_up = layers.MultiHeadAttention(heads, d_model // heads, name=f"{name}_cross_attention")(
        x, memory, value_mask=source_mask)  # no query may attend to a padded source position
    x = layers.LayerNormalization(name=f"{name}_norm2")(x + looked_up)
    hidden = layers.Dense(ff_units, activation="relu", name=f"{name}_hidden")(x)
    return layers.LayerNormalization(name=f"{name}_norm3")(x + layers.Dense(d_model, name=f"{name}_output")(hidden))


def transformer_translator(source_vocab_size: int, target_vocab_size: int, d_model: int = 48, heads: int = 4,
                           ff_units: int = 128, blocks: int = 1, max_length: int = 64):
    """An encoder-decoder Transformer: inputs ``source`` ``(B, T_x)`` and ``target_in`` ``(B, T_y)`` (int ids, 0 =
    padding, lengths up to ``max_length``), output next-token logits ``(B, T_y, target_vocab_size)``. Token
    embeddings of size ``d_model`` plus sinusoidal positions; ``blocks`` encoder blocks (source padding masked)
    and ``blocks`` decoder blocks (:func:`decoder_block`); a final Dense over the target vocabulary."""
    import keras
    from keras import layers, ops

    source = keras.Input((None,), dtype="int32", name="source")
    target_in = keras.Input((None,), dtype="int32", name="target_in")
    source_mask = ops.not_equal(source, 0)
    x = layers.Embedding(source_vocab_size, d_model, name="source_embedding")(source)
    x = positions_layer("sinusoidal", max_length, d_model, name="source_positions")(x)
    for b in range(blocks):
        x = transformer_block(x, heads, ff_units, mask=source_mask, name=f"encoder{b}")
    y = layers.Embedding(target_vocab_size, d_model, name="target_embedding")(target_in)
    y = positions_layer("sinusoidal", max_length, d_model, name="target_positions")(y)
    for b in range(blocks):
        y = decoder_block(y, x, source_mask, heads, ff_units, name=f"decoder{b}")
    logits = layers.Dense(target_vocab_size, name="next_token")(y)
    return keras.Model([source, target_in], logits, name="transformer_translator")

