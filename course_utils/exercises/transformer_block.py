"""Chapter 10: a Transformer encoder block written in Keras, checked against the chapter's NumPy block.

The learner writes ``transformer_block_model(d_model, heads, ff_units, causal)``: a ``keras.Model`` from
``(B, T, d_model)`` float32 to ``(B, T, d_model)``, the post-norm block ``Y = LN(X + MHA(X, X))``,
``Z = LN(Y + relu(Y W1 + b1) W2 + b2)`` with ``heads`` heads of ``d_model // heads`` and the causal mask when
``causal``. The checks: the parameter count and output shape; the outputs on random inputs equal
:func:`course_utils.from_scratch.transformer.encoder_block` computed from the model's own weights (after every weight
is moved to a random value), with the usual wrong blocks (pre-norm, no residual, no ReLU, the mask on or off)
recognised and named; and, for ``causal=True``, no leakage: changing later positions leaves earlier outputs unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils.exercises.framework import Mistake, register
from course_utils.exercises._model_checks import _keras, _layers, _numpy
from course_utils.exercises.models import Context, ModelCase, OutputShape, ParameterCount, Problem, model_exercise
from course_utils.from_scratch import attention
from course_utils.from_scratch import transformer


def transformer_block_model(d_model, heads, ff_units, causal):
    """One post-norm Transformer encoder block as a model: (B, T, d_model) float32 -> (B, T, d_model), any T.

    d_model: size of each position's vector. heads: attention heads, each of size d_model // heads.
    ff_units: units of the feed-forward hidden layer (ReLU). causal: True = position t attends only to s <= t.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(None, d_model))
    mixed = layers.MultiHeadAttention(heads, d_model // heads)(inputs, inputs, use_causal_mask=causal)
    y = layers.LayerNormalization()(inputs + mixed)  # residual, then layer normalisation
    hidden = layers.Dense(ff_units, activation="relu")(y)  # the same feed-forward network at every position
    outputs = layers.LayerNormalization()(y + layers.Dense(d_model)(hidden))
    return keras.Model(inputs, outputs)


# ---------------------------------------------------------------------------------------------- the checks

def _block_layers(model):
    """(attention, norm1, hidden, output, norm2) found by type in the model's layer order, or a Problem."""
    keras = _keras()
    found = {kind: [x for x in _layers(model) if isinstance(x, getattr(keras.layers, kind))]
             for kind in ("MultiHeadAttention", "LayerNormalization", "Dense")}
    counts = {"MultiHeadAttention": 1, "LayerNormalization": 2, "Dense": 2}
    for kind, count in counts.items():
        if len(found[kind]) != count:
            return Problem(f"the model has {len(found[kind])} {kind} layer(s), expected {count}",
                           "one MultiHeadAttention, two LayerNormalization (one after each residual sum) and two Dense "
                           "layers (the feed-forward network: ff_units with ReLU, then back to d_model).")
    return (found["MultiHeadAttention"][0], found["LayerNormalization"][0], found["Dense"][0], found["Dense"][1],
            found["LayerNormalization"][1])


def _wrong_blocks(x, weights, causal):
    """What the usual wrong blocks compute from the same weights, with the hint that names each."""
    mha = weights["attention"]
    (w1, b1), (w2, b2) = weights["hidden"], weights["output"]
    norm1, norm2 = (lambda v: transformer.layer_norm(v, *weights["norm1"])), (
        lambda v: transformer.layer_norm(v, *weights["norm2"]))

    def mixed(v, is_causal=causal):
        return attention.multi_head_attention(v, v, weights=mha, causal=is_causal)[0]

    def feed(v, relu=True):
        hidden = v @ w1 + b1
        return (np.maximum(hidden, 0.0) if relu else hidden) @ w2 + b2

    y = norm1(x + mixed(x))
    y_pre = x + mixed(norm1(x))
    y_bare = norm1(mixed(x))
    flipped = "a causal mask where causal=False" if not causal else "no causal mask where causal=True"
    return [
        (transformer.encoder_block(x, weights, causal=not causal)[0],
         f"the block applies {flipped}: pass use_causal_mask=causal to the MultiHeadAttention call."),
        (y_pre + feed(norm2(y_pre)), "that is the pre-norm block (LayerNormalization before each sub-layer, "
                                     "x + MHA(LN(x))); this exercise asks for the post-norm block, LN(x + MHA(x))."),
        (norm2(feed(y_bare)), "a residual connection is missing: each sub-layer's output is added to its input "
                              "before the LayerNormalization, LN(x + MHA(x)) and LN(y + FFN(y))."),
        (norm2(y + feed(y, relu=False)), "the feed-forward network has no ReLU: Dense(ff_units, activation='relu') "
                                         "for the hidden layer, a linear Dense(d_model) after it."),
    ]


@dataclass
class MatchesNumpyBlock:
    """The outputs on ``x`` equal :func:`course_utils.from_scratch.transformer.encoder_block` from the model's own
    weights, after every weight is moved to a random value (so biases and LayerNormalization's scale matter)."""

    x: object
    causal: bool
    atol: float = 1e-4
    seed: int = 0

    def __call__(self, model, context: Context) -> Problem | None:
        found = _block_layers(model)
        if isinstance(found, Problem):
            return found
        rng = np.random.default_rng(self.seed)
        for variable in model.weights:
            variable.assign((0.5 * rng.normal(size=tuple(variable.shape))).astype("float32"))
        x = np.asarray(self.x, dtype="float32")
        got = _numpy(model(x)).astype(float)
        weights = transformer.block_weights(*found)
        want = transformer.encoder_block(x, weights, causal=self.causal)[0]
        if got.shape == want.shape and np.max(np.abs(got - want)) <= self.atol:
            return None
        if got.shape != want.shape:
            return Problem(f"on a random input of shape {x.shape} the output has shape {got.shape}, expected {want.shape}",
                           "the block keeps the shape: its last Dense layer has d_model units.")
        message = (f"on a random input of shape {x.shape} the outputs differ from the block's formula computed from "
                   f"the model's own weights by up to {np.max(np.abs(got - want)):.2g}")
        for wrong, hint in _wrong_blocks(x.astype(float), weights, self.causal):
            if np.max(np.abs(got - wrong)) <= self.atol:
                return Problem(message, hint)
        return Problem(message, "compare each line with Y = LN(X + MHA(X, X)), Z = LN(Y + relu(Y W1 + b1) W2 + b2); "
                                "the first Dense layer is the hidden one (ff_units, ReLU).")


@dataclass
class NoCausalLeakage:
    """With ``causal=True``: changing the inputs after position ``t`` leaves the outputs up to ``t`` unchanged."""

    x: object
    t: int = 2
    atol: float = 1e-5

    def __call__(self, model, context: Context) -> Problem | None:
        x = np.asarray(self.x, dtype="float32")
        changed = x.copy()
        changed[:, self.t + 1:] = np.random.default_rng(1).normal(size=changed[:, self.t + 1:].shape)
        before, after = _numpy(model(x)), _numpy(model(changed))
        leak = float(np.max(np.abs(before[:, : self.t + 1] - after[:, : self.t + 1])))
        if leak <= self.atol:
            return None
        return Problem(f"changing only the inputs after position {self.t} changed the outputs at positions 0-{self.t} "
                       f"by up to {leak:.2g}: the block sees the future",
                       "pass use_causal_mask=causal to the MultiHeadAttention call, so position t attends to s <= t.")


# ---------------------------------------------------------------------------------------------- cases and mistakes

def _block_cases(seed: int = 0) -> list:
    """The cases; another seed gives other inputs and weights of the same design."""
    rng = np.random.default_rng(seed)
    small = {"d_model": 8, "heads": 2, "ff_units": 16, "causal": False}
    other = {"d_model": 12, "heads": 3, "ff_units": 8, "causal": True}
    x_small, x_other = rng.normal(size=(2, 5, 8)).astype("float32"), rng.normal(size=(3, 6, 12)).astype("float32")
    return [
        ModelCase("sizes 8, 2, 16", "the sizes: the parameter count (4 d^2 + 4 d for the attention, 2 d per "
                  "LayerNormalization, the two Dense layers) and the output shape (B, T, d_model)",
                  small, checks=(ParameterCount(x_small), OutputShape(x_small)), seed=seed),
        ModelCase("sizes 12, 3, 8", "that the sizes come from the arguments, not from numbers written in the code",
                  other, checks=(ParameterCount(x_other), OutputShape(x_other)), seed=seed),
        ModelCase("the formula, not causal", "the outputs on random inputs against the chapter's NumPy block "
                  "(transformer.encoder_block) from the model's own weights", small,
                  checks=(MatchesNumpyBlock(x_small, causal=False, seed=seed),), seed=seed),
        ModelCase("causal: no leakage", "the causal mask: later inputs do not change earlier outputs, and the outputs "
                  "equal the NumPy block with causal=True", other,
                  checks=(NoCausalLeakage(x_other), MatchesNumpyBlock(x_other, causal=True, seed=seed)), seed=seed),
    ]


def _block_with(d_model, heads, ff_units, causal, mask=None, norm="post", residual=True, relu=True, key_dim=None):
    """The reference block with one thing changed (the typical mistakes below)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(None, d_model))
    attend = layers.MultiHeadAttention(heads, key_dim or d_model // heads)
    use_mask = causal if mask is None else mask
    norm1, norm2 = layers.LayerNormalization(), layers.LayerNormalization()
    hidden_layer, output_layer = layers.Dense(ff_units, activation="relu" if relu else None), layers.Dense(d_model)
    if norm == "pre":
        normed = norm1(inputs)
        y = inputs + attend(normed, normed, use_causal_mask=use_mask)
        outputs = y + output_layer(hidden_layer(norm2(y)))
    else:
        mixed = attend(inputs, inputs, use_causal_mask=use_mask)
        y = norm1(inputs + mixed if residual else mixed)
        feed = output_layer(hidden_layer(y))
        outputs = norm2(y + feed if residual else feed)
    return keras.Model(inputs, outputs)


def _block_never_causal(d_model, heads, ff_units, causal):
    """Mistake: the causal mask forgotten (use_causal_mask never set)."""
    return _block_with(d_model, heads, ff_units, causal, mask=False)


def _block_always_causal(d_model, heads, ff_units, causal):
    """Mistake: use_causal_mask=True whatever the argument."""
    return _block_with(d_model, heads, ff_units, causal, mask=True)


def _block_pre_norm(d_model, heads, ff_units, causal):
    """Mistake: the pre-norm block (LayerNormalization before each sub-layer)."""
    return _block_with(d_model, heads, ff_units, causal, norm="pre")


def _block_no_residual(d_model, heads, ff_units, causal):
    """Mistake: no residual connections."""
    return _block_with(d_model, heads, ff_units, causal, residual=False)


def _block_no_relu(d_model, heads, ff_units, causal):
    """Mistake: a linear hidden layer in the feed-forward network."""
    return _block_with(d_model, heads, ff_units, causal, relu=False)


def _block_full_key_dim(d_model, heads, ff_units, causal):
    """Mistake: key_dim=d_model for every head (H times the attention's parameters)."""
    return _block_with(d_model, heads, ff_units, causal, key_dim=d_model)


register(model_exercise(
    "transformer_block_model", "A post-norm Transformer encoder block in Keras, checked against the NumPy block",
    transformer_block_model, _block_cases,
    mistakes=[
        Mistake(_block_full_key_dim, "sizes 8, 2, 16", "MultiHeadAttention"),
        Mistake(_block_always_causal, "the formula, not causal", "a causal mask where causal=False"),
        Mistake(_block_pre_norm, "the formula, not causal", "pre-norm"),
        Mistake(_block_no_residual, "the formula, not causal", "residual connection is missing"),
        Mistake(_block_no_relu, "the formula, not causal", "no ReLU"),
        Mistake(_block_never_causal, "causal: no leakage", "sees the future"),
    ],
))
