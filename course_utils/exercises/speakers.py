"""Chapter 14's exercises: per-utterance normalisation of a zero-padded batch, statistics over the real frames only
(NumPy), and ``masked_conv_pool``, a Keras layer (Conv1D, then max pooling) that keeps the padding mask (kind
``"layer"``, :mod:`._layer_checks`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils.exercises._layer_checks import LayerCase, gap as _gap, layer_exercise, run as _run
from course_utils.exercises._model_checks import Problem, _first_line, _keras, _numpy
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register
from course_utils.speech.speakers import masked_conv_pool, normalise_padded


def _cases(seed: int = 140, B: int = 3, T: int = 5, d: int = 4) -> list:
    """The cases; other seeds and sizes give cases of the same design (the property tests use them).

    Every batch has ``T + 3`` frames, of which each utterance's first 3..T are real, so there is always padding."""
    rng = np.random.default_rng(seed)
    T = max(T, 3)
    steps = T + 3
    x = rng.normal(loc=rng.normal(0, 1, size=(B, 1, d)), scale=rng.uniform(1, 2, size=(B, 1, d)), size=(B, steps, d))
    lengths = rng.integers(3, T + 1, size=B)
    lengths[0] = T  # rows differ in length
    if B > 1:
        lengths[1] = 3
    mask = np.arange(steps)[None, :] < lengths[:, None]
    zero_padded = np.where(mask[:, :, None], x, 0.0)
    full = rng.normal(size=(B, steps, d)) * 2 + 1
    return [
        Case("no padding", "statistics over time (axis 1) of each utterance and each band, not over the bands or the batch",
             {"x": full, "mask": np.ones((B, steps), dtype=bool)}),
        Case("padded", "that padded frames are left out of the mean AND the standard deviation, and come out as 0",
             {"x": zero_padded, "mask": mask}),
        Case("0/1 mask, padding not zero", "that the mask decides what is padding (a 0/1 integer mask works too), "
             "whatever values the padded frames hold", {"x": x, "mask": mask.astype("int32")}),
    ]


def _masked(x, mask):
    return np.asarray(x, dtype=float), np.asarray(mask).astype(bool)[:, :, None]


def _all_frames(x, mask):
    """Mistake: statistics over all frames, padding included."""
    x, m = _masked(x, mask)
    return np.where(m, (x - x.mean(axis=1, keepdims=True)) / np.maximum(x.std(axis=1, keepdims=True), 1e-6), 0.0)


def _over_bands(x, mask):
    """Mistake: each frame standardised over its bands (axis 2) instead of each band over time."""
    x, m = _masked(x, mask)
    return np.where(m, (x - x.mean(axis=2, keepdims=True)) / np.maximum(x.std(axis=2, keepdims=True), 1e-6), 0.0)


def _padding_kept(x, mask):
    """Mistake: the right statistics, but padded frames normalised too instead of set to 0."""
    x, m = _masked(x, mask)
    count = m.sum(axis=1, keepdims=True)
    mean = (x * m).sum(axis=1, keepdims=True) / count
    std = np.maximum(np.sqrt((((x - mean) * m) ** 2).sum(axis=1, keepdims=True) / count), 1e-6)
    return (x - mean) / std


def _sample_std(x, mask):
    """Mistake: the sample standard deviation (divided by n - 1)."""
    x, m = _masked(x, mask)
    count = m.sum(axis=1, keepdims=True)
    mean = (x * m).sum(axis=1, keepdims=True) / count
    std = np.maximum(np.sqrt((((x - mean) * m) ** 2).sum(axis=1, keepdims=True) / (count - 1)), 1e-6)
    return np.where(m, (x - mean) / std, 0.0)


def _batch_statistics(x, mask):
    """Mistake: one mean and standard deviation per band over the real frames of the whole batch."""
    x, m = _masked(x, mask)
    count = m.sum(axis=(0, 1), keepdims=True)
    mean = (x * m).sum(axis=(0, 1), keepdims=True) / count
    std = np.maximum(np.sqrt((((x - mean) * m) ** 2).sum(axis=(0, 1), keepdims=True) / count), 1e-6)
    return np.where(m, (x - mean) / std, 0.0)


VARIANTS = (
    Variant("the padded frames were counted in the mean and standard deviation: use only the frames where the mask "
            "is true (multiply by the mask and divide by each utterance's number of real frames).", _all_frames),
    Variant("you standardised each frame over its bands (axis 2); per-utterance normalisation standardises each band "
            "over the utterance's frames (axis 1).", _over_bands),
    Variant("the statistics are right, but padded frames must come out as 0 (the model's Masking layer finds "
            "padding by its zeros): set them to 0 where the mask is false.", _padding_kept),
    Variant("that is the sample standard deviation (divided by n - 1); use the population one (divided by n), as "
            "np.std does by default.", _sample_std),
    Variant("those are statistics of the whole batch; each utterance needs its own (sum over axis 1 only).",
            _batch_statistics),
)

register(Exercise("normalise_padded", "Per-utterance normalisation of a padded batch", normalise_padded, _cases,
                  variants=VARIANTS, atol=1e-5, rtol=1e-5,
                  mistakes=[Mistake(_all_frames, "padded", "padded frames were counted"),
                            Mistake(_over_bands, "no padding", "over its bands"),
                            Mistake(_padding_kept, "padded", "must come out as 0")]))


# ------------------------------------------------------- a Keras layer: Conv1D and max pooling that keep the mask

NO_MASK_HINT = ("the GRU after this layer would read the padded frames as if they were speech. Return the pooled "
                "frames' mask from compute_mask(self, x, mask=None) (writing compute_mask also tells Keras that the "
                "layer passes a mask on).")
SUBSAMPLE_HINT = ("the mask came out as it went in, one value per input frame, but pooling left ceil(T / pool) "
                  "frames: subsample it like the frames, mask[:, ::self.pool].")
SHAPE_HINT = ("the mask needs one value per pooled frame, shape (B, ceil(T / pool)): take every pool-th value of the "
              "input mask, mask[:, ::self.pool] (self.pool, not a fixed 2).")
PARTIAL_HINT = ("a pooled frame whose window holds the last real frame and a padded one carries that real frame's "
                "features, so it is real. Mark pooled frame k real when input frame pool * k is (with the padding at "
                "the end, 'any frame of its window is real' gives the same).")
ORDER_HINT = ("pooled frame k covers input frames pool * k to pool * k + pool - 1; it is real when input frame pool * k "
              "is: mask[:, ::self.pool].")
ZERO_HINT = ("at the end of an utterance whose length is not a multiple of pool, a pooled frame is the max over the "
             "last real frames and padded ones, and the convolution's output at a padded frame is not 0 (its window "
             "reaches the real frames before it), so it can win the max. Multiply the convolution's outputs by the "
             "mask before pooling (ReLU outputs are >= 0, so a 0 never wins over a real frame).")
LAYERS_HINT = ("apply the convolution, then the pooling, as the stub creates them: Conv1D(filters, kernel_size, "
               "padding='same', activation='relu') keeps the T frames, MaxPooling1D(pool, padding='same') leaves "
               "ceil(T / pool).")


def _batch(rng, T, d, lengths):
    """Features (B, T, d) float32, zero after each utterance's ``lengths[b]`` real frames, and the mask (B, T)."""
    mask = np.arange(T)[None, :] < np.asarray(lengths)[:, None]
    x = rng.normal(size=(len(lengths), T, d))
    return np.where(mask[:, :, None], x, 0.0).astype("float32"), mask


def _aligned(layer, context, x, mask):
    """Learner's and reference outputs on ``(x, mask)``, the reference's weights copied into the learner's layer."""
    reference = context.reference()
    want = _run(reference, x, mask)
    _run(layer, x, mask)  # builds the layer
    shapes, expected = [tuple(w.shape) for w in layer.weights], [tuple(w.shape) for w in reference.weights]
    if shapes != expected:
        return None, Problem(f"the layer's weights have shapes {shapes}, expected {expected} (the Conv1D's kernel "
                             "(kernel_size, d, filters) and bias)", LAYERS_HINT)
    if len(layer.trainable_weights) != len(reference.trainable_weights):
        return None, Problem("some of the layer's weights are not trainable", "leave trainable=True.")
    layer.set_weights(reference.get_weights())
    return (*_run(layer, x, mask), *want), None


@dataclass
class _Outputs:
    """Every frame real: the output's shape and values (the reference's weights)."""

    x: object

    def __call__(self, layer, context):
        got, problem = _aligned(layer, context, self.x, np.ones(self.x.shape[:2], bool))
        if problem:
            return problem
        y, _, want, _ = got
        if y.shape != want.shape:
            return Problem(f"for an input of shape {self.x.shape} the output has shape {y.shape}, expected "
                           f"{want.shape}", LAYERS_HINT)
        if _gap(y, want) > 1e-5:
            return Problem(f"with every frame real, the outputs differ from the reference's (same weights) by up to "
                           f"{_gap(y, want):.2g}", LAYERS_HINT)
        return None


def _all_real(mask, pool):
    """The pooled mask under the rule 'every frame of the window is real' (a mistake)."""
    T = mask.shape[1]
    return np.stack([mask[:, k:min(k + pool, T)].all(axis=1) for k in range(0, T, pool)], axis=1)


@dataclass
class _Padded:
    """Padding at the end: the mask passed on, then the outputs at the real pooled frames (the reference's weights)."""

    x: object
    mask: object

    def __call__(self, layer, context):
        got, problem = _aligned(layer, context, self.x, self.mask)
        if problem:
            return problem
        y, m, want, want_mask = got
        if m is None:
            return Problem("no mask came out of the layer (it passes none on to the next layer)", NO_MASK_HINT)
        m, pool = m.astype(bool), context.case.kwargs["pool"]
        if m.shape != want_mask.shape:
            return Problem(f"the mask passed on has shape {m.shape}, expected {want_mask.shape} (one value per pooled "
                           "frame)", SUBSAMPLE_HINT if m.shape == self.mask.shape else SHAPE_HINT)
        if (m != want_mask).any():
            return Problem(f"the mask passed on marks {m.sum(axis=1).tolist()} pooled frames real, expected "
                           f"{want_mask.sum(axis=1).tolist()} (real input frames {self.mask.sum(axis=1).tolist()}, pool "
                           f"{pool})", PARTIAL_HINT if np.array_equal(m, _all_real(self.mask, pool)) else ORDER_HINT)
        if y.shape != want.shape:
            return Problem(f"the output has shape {y.shape}, expected {want.shape}", LAYERS_HINT)
        if _gap(y[want_mask], want[want_mask]) > 1e-5:
            reference = context.reference()
            unmasked = _numpy(reference.pooling(reference.conv(self.x)))
            return Problem(f"at the real pooled frames the outputs differ from the reference's (same weights) by up to "
                           f"{_gap(y[want_mask], want[want_mask]):.2g}",
                           ZERO_HINT if _gap(y[want_mask], unmasked[want_mask]) <= 1e-5 else LAYERS_HINT)
        return None


@dataclass
class _InModel:
    """In a model Masking -> the layer -> Bidirectional(GRU) -> Dense: padded frames appended change nothing."""

    x: object
    extra: int = 3

    def __call__(self, layer, context):
        keras = _keras()
        inputs = keras.Input((None, self.x.shape[2]))
        h = layer(keras.layers.Masking(0.0)(inputs))
        model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Bidirectional(keras.layers.GRU(3))(h)))
        longer = np.concatenate([self.x, np.zeros((len(self.x), self.extra, self.x.shape[2]), "float32")], axis=1)
        try:
            gap = _gap(_numpy(model(self.x)), _numpy(model(longer)))
        except Exception as error:  # e.g. a mask of the wrong length reaching the GRU
            return Problem(f"a model Masking -> your layer -> Bidirectional(GRU) could not run: {type(error).__name__}: "
                           f"{_first_line(error)}", SHAPE_HINT)
        if gap > 1e-5:
            return Problem(f"in a model Masking -> your layer -> Bidirectional(GRU) -> Dense, {self.extra} padded frames "
                           f"appended to every utterance changed the outputs by up to {gap:.2g}", NO_MASK_HINT)
        return None


def _conv_pool_cases(seed: int = 14) -> list:
    """The cases; another seed gives other features and weights of the same design (lengths fixed: even ones, odd
    ones, and remainders 1 and 2 of pool 3)."""
    rng = np.random.default_rng(seed)
    full = _batch(rng, 9, 3, [9, 9])[0]
    even, odd, three = _batch(rng, 10, 3, [8, 4, 6]), _batch(rng, 11, 3, [7, 3, 9, 5]), _batch(rng, 11, 3, [7, 5, 10])
    in_model = _batch(rng, 9, 3, [9, 5, 6])[0]
    return [
        LayerCase("no padding", "the convolution and the pooling themselves: output shape (B, ceil(T / pool), "
                  "filters) and values, every frame real", {"filters": 5, "kernel_size": 3, "pool": 2},
                  checks=(_Outputs(full),), seed=seed),
        LayerCase("padding, even lengths", "that a mask comes out, one value per pooled frame (lengths 8, 4, 6 of 10 "
                  "frames)", {"filters": 4, "kernel_size": 3, "pool": 2}, checks=(_Padded(*even),), seed=seed),
        LayerCase("padding, odd lengths", "the pooled frame that mixes the last real frame with a padded one: real in the "
                  "mask, and its value the real frame's alone (lengths 7, 3, 9, 5 of 11)",
                  {"filters": 6, "kernel_size": 5, "pool": 2}, checks=(_Padded(*odd),), seed=seed),
        LayerCase("pool 3", "that the pool size comes from the argument (lengths 7, 5, 10 of 11, pool 3)",
                  {"filters": 4, "kernel_size": 3, "pool": 3}, checks=(_Padded(*three),), seed=seed),
        LayerCase("in a model", "the definition of masking that works: Masking -> your layer -> Bidirectional(GRU) -> "
                  "Dense gives the same outputs with 3 padded frames appended", {"filters": 4, "kernel_size": 3, "pool": 2},
                  checks=(_InModel(in_model),), seed=seed),
    ]


def _wrong_layer(call=None, compute_mask=None):
    """A builder of the reference layer with ``call`` and/or ``compute_mask`` replaced (the mistakes below)."""

    def build(filters, kernel_size, pool=2):
        methods = {k: v for k, v in {"call": call, "compute_mask": compute_mask}.items() if v is not None}
        return type("MaskedConvPool", (type(masked_conv_pool(filters, kernel_size, pool)),), methods)(
            filters, kernel_size, pool)

    build.__doc__ = "Mistake: " + ", ".join(f.__doc__ for f in (call, compute_mask) if f is not None)
    return build


def _not_zeroed(self, x, mask=None):
    """the convolution's outputs at padded frames not set to 0"""
    return self.pooling(self.conv(x))


def _zeroed_after_pooling(self, x, mask=None):
    """padded frames set to 0 after pooling instead of before"""
    keras = _keras()
    y = self.pooling(self.conv(x))
    return y if mask is None else y * keras.ops.expand_dims(keras.ops.cast(mask[:, :: self.pool], y.dtype), -1)


def _mask_dropped(self, x, mask=None):
    """no mask passed on"""


def _mask_as_is(self, x, mask=None):
    """the input mask passed on unchanged"""
    return mask


def _all_frames_real(self, x, mask=None):
    """a pooled frame real only when every frame of its window is"""
    keras = _keras()
    pooled = -keras.layers.MaxPooling1D(self.pool, padding="same")(-keras.ops.cast(mask, "float32")[:, :, None])
    return pooled[:, :, 0] > 0.5


def _every_second(self, x, mask=None):
    """the mask subsampled by 2 whatever the pool size"""
    return mask[:, ::2]


register(layer_exercise(
    "masked_conv_pool", "A Keras layer: Conv1D and max pooling that keep the padding mask", masked_conv_pool,
    _conv_pool_cases, mistakes=[
        Mistake(_wrong_layer(compute_mask=_mask_dropped), "padding, even lengths", "Return the pooled frames' mask"),
        Mistake(_wrong_layer(compute_mask=_mask_as_is), "padding, even lengths", "subsample it like the frames"),
        Mistake(_wrong_layer(call=_not_zeroed), "padding, odd lengths", "by the mask before pooling"),
        Mistake(_wrong_layer(call=_zeroed_after_pooling), "padding, odd lengths", "by the mask before pooling"),
        Mistake(_wrong_layer(compute_mask=_all_frames_real), "padding, odd lengths", "so it is real"),
        Mistake(_wrong_layer(compute_mask=_every_second), "pool 3", "not a fixed 2"),
    ]))
