"""Isolated-digit classifiers for real and synthetic speakers (chapter 14): features, augmentation, models, training.

* :func:`featurise`: 8 kHz waveforms -> log-mel matrices (:func:`course_utils.speech.features.log_mel_spectrogram`,
  25 ms frames, 10 ms hop, ``n_mels`` bands up to 4 kHz);
* :func:`augment_waveform`: a random **shift** (0 to ``max_shift_s`` of silence added before the speech, the same
  amount removed from nothing: the recording only gets longer) and white **noise** at a signal-to-noise ratio drawn
  uniformly in ``snr_range_db`` (relative to the recording's own power);
* :func:`normalise_padded`: per-utterance normalisation of a zero-padded batch, statistics over each utterance's real
  frames only (padding stays 0, so the model's mask still finds it);
* :func:`build_classifier`: ``"bigru"``: ``Masking`` -> ``Bidirectional(GRU)`` -> ``Dense(10)``; ``"conv"``:
  ``Masking`` -> :func:`masked_conv_pool` (``Conv1D``, padding zeroed, ``MaxPooling1D(2)``, the mask halved with it)
  -> ``Dropout`` -> ``Bidirectional(GRU)`` -> ``Dropout`` -> ``Dense(10)``. Both ignore padding exactly;
* :class:`Recipe` and :func:`train_and_score`: one training run (normalisation, model, dropout, augmentation, fixed
  epochs, optional starting weights) and its predictions on named sets.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from course_utils import config, validation
from course_utils.speech import features as F

SAMPLE_RATE = 8_000
N_MELS = 40
N_CLASSES = 10
NORMALISATIONS = ("global", "utterance")
ARCHITECTURES = ("bigru", "conv")


def featurise(waveforms, n_mels: int = N_MELS, sample_rate: int = SAMPLE_RATE) -> list:
    """Log-mel matrices (T_i, n_mels) float32 of a list of 1-D waveforms, computed 256 at a time."""
    waveforms = list(waveforms)
    out = []
    for start in range(0, len(waveforms), 256):
        out.extend(F.log_mel_spectrogram(waveforms[start:start + 256], sample_rate, n_mels=n_mels))
    return out


def augment_waveform(wave, rng, max_shift_s: float = 0.1, snr_range_db=(10.0, 40.0),
                     sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A shifted, noisier copy of ``wave`` (1-D): ``k`` ~ U{0..max_shift_s * rate} zeros put in front, then white
    noise of power ``P / 10^(snr / 10)`` added everywhere, ``P`` the mean power of ``wave`` and ``snr`` ~
    U(snr_range_db). ``rng``: a NumPy Generator (the copy depends only on it). float32."""
    wave = validation.real_array("wave", wave, ndim=1, expected="(n_samples,)").astype(np.float64)
    if wave.size == 0:
        raise ValueError("wave must hold at least one sample")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    low, high = (validation.real_number("snr_range_db", v) for v in snr_range_db)
    if not low <= high:
        raise ValueError(f"snr_range_db must be (low, high) with low <= high, got {snr_range_db!r}")
    shift = int(rng.integers(0, int(validation.real_number("max_shift_s", max_shift_s) * sample_rate) + 1))
    shifted = np.concatenate([np.zeros(shift), wave])
    power = max(float(np.mean(wave ** 2)), 1e-10)
    snr = rng.uniform(low, high)
    noisy = shifted + rng.standard_normal(shifted.size) * math.sqrt(power / 10 ** (snr / 10))
    return np.clip(noisy, -1.0, 1.0).astype(np.float32)


def normalise_padded(x, mask) -> np.ndarray:
    """Per-utterance, per-band standardisation of a padded batch ``x`` (B, T, d) with ``mask`` (B, T) true at real
    frames: mean and (population) standard deviation, floored at 1e-6, over each utterance's real frames only;
    padded frames are set to 0. float32 (B, T, d)."""
    x = validation.real_array("x", x, ndim=3, expected="(B, T, d)").astype(np.float64)
    mask = np.asarray(mask)
    if mask.shape != x.shape[:2]:
        raise ValueError(f"mask must have shape (B, T) = {x.shape[:2]}, got {mask.shape}")
    m = mask.astype(bool)[:, :, None]
    count = np.maximum(m.sum(axis=1, keepdims=True), 1)
    mean = (x * m).sum(axis=1, keepdims=True) / count
    std = np.maximum(np.sqrt((((x - mean) * m) ** 2).sum(axis=1, keepdims=True) / count), 1e-6)
    return np.where(m, (x - mean) / std, 0.0).astype(np.float32)


def masked_conv_pool(filters, kernel_size, pool=2, **kwargs):
    """A ``MaskedConvPool`` layer: ``Conv1D(filters, kernel_size, padding="same", relu)``, its outputs at padded
    frames set to 0, then ``MaxPooling1D(pool, padding="same")``; the mask is subsampled with the frames (pooled
    frame k is real when input frame ``pool * k`` was), so the next layer still skips exactly the padding.
    ``kwargs`` go to ``keras.layers.Layer`` (e.g. ``name``). Chapter 14's exercise ``masked_conv_pool``."""
    import keras

    class MaskedConvPool(keras.layers.Layer):
        def __init__(self, filters, kernel_size, pool=2, **kwargs):
            super().__init__(**kwargs)
            self.filters, self.kernel_size, self.pool = filters, kernel_size, pool
            self.conv = keras.layers.Conv1D(filters, kernel_size, padding="same", activation="relu")
            self.pooling = keras.layers.MaxPooling1D(pool, padding="same")
            self.conv.supports_masking = self.pooling.supports_masking = True  # the mask is handled here

        def build(self, input_shape):
            self.conv.build(input_shape)

        def call(self, x, mask=None):
            y = self.conv(x)
            if mask is not None:  # relu outputs are >= 0, so zeros at padding never win the max
                y = y * keras.ops.expand_dims(keras.ops.cast(mask, y.dtype), -1)
            return self.pooling(y)

        def compute_mask(self, x, mask=None):
            return None if mask is None else mask[:, :: self.pool]  # pooled frame k: input frame pool * k

        def compute_output_shape(self, input_shape):
            steps = None if input_shape[1] is None else -(-input_shape[1] // self.pool)
            return (input_shape[0], steps, self.filters)

        def get_config(self):
            return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size, "pool": self.pool}

    return MaskedConvPool(filters, kernel_size, pool, **kwargs)


def build_classifier(architecture: str = "conv", n_mels: int = N_MELS, units: int = 64, filters: int = 64,
                     kernel_size: int = 5, dropout: float = 0.0, learning_rate: float = 1e-3):
    """A compiled digit classifier: (B, T, n_mels) features, zero-padded -> (B, 10) logits (see the module's docstring).
    Adam(``learning_rate``), sparse categorical cross-entropy from logits, accuracy."""
    architecture = validation.option("architecture", architecture, ARCHITECTURES)
    dropout = validation.real_number("dropout", dropout)
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    import keras

    inputs = keras.Input((None, validation.integer("n_mels", n_mels, minimum=1)), name="log_mel")
    x = keras.layers.Masking(0.0, name="padding_mask")(inputs)
    if architecture == "conv":
        x = masked_conv_pool(validation.integer("filters", filters, minimum=1),
                             validation.integer("kernel_size", kernel_size, minimum=1), name="conv_pool")(x)
        x = keras.layers.Dropout(dropout, name="dropout_in")(x)
    x = keras.layers.Bidirectional(keras.layers.GRU(validation.integer("units", units, minimum=1)), name="bigru")(x)
    if architecture == "conv":
        x = keras.layers.Dropout(dropout, name="dropout_out")(x)
    outputs = keras.layers.Dense(N_CLASSES, name="logits")(x)
    model = keras.Model(inputs, outputs, name=f"digits_{architecture}")
    model.compile(keras.optimizers.Adam(learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def length_groups(lengths, batch_size: int, rng=None) -> list:
    """Index arrays of ``batch_size`` utterances of similar length (sorted, cut); ``rng`` shuffles the groups."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    groups = [order[i:i + batch_size] for i in range(0, len(order), validation.integer("batch_size", batch_size, minimum=1))]
    if rng is not None:
        rng.shuffle(groups)
    return groups


def pad(features, multiple: int = 16):
    """``(x (B, T, d) float32, mask (B, T) bool)``: zero-padded at the end to a length that is a multiple of
    ``multiple`` frames (fewer distinct shapes, so fewer traces of the training step)."""
    lengths = np.array([len(f) for f in features])
    steps = int(-(-lengths.max() // multiple) * multiple)
    x = np.zeros((len(features), steps, features[0].shape[1]), np.float32)
    for row, f in zip(x, features):
        row[: len(f)] = f
    return x, np.arange(steps)[None, :] < lengths[:, None]


@dataclass
class Recipe:
    """How to train: ``normalisation`` ("global": per-band statistics of the training set; "utterance": each
    utterance's own), ``architecture`` ("bigru" or "conv"), ``dropout``, ``augment`` (a new shifted, noisy copy of
    every training waveform each epoch), ``epochs`` (fixed), ``learning_rate``, ``batch_size``, ``units``."""

    normalisation: str = "utterance"
    architecture: str = "conv"
    dropout: float = 0.0
    augment: bool = False
    epochs: int = 15
    learning_rate: float = 1e-3
    batch_size: int = 32
    units: int = 64

    def __post_init__(self):
        validation.option("normalisation", self.normalisation, NORMALISATIONS)
        validation.option("architecture", self.architecture, ARCHITECTURES)
        validation.integer("epochs", self.epochs, minimum=1)
        validation.integer("batch_size", self.batch_size, minimum=1)
        validation.boolean("augment", self.augment)

    def as_dict(self) -> dict:
        return asdict(self)


class _Normaliser:
    def __init__(self, how, train_features):
        self.how = how
        if how == "global":
            self.fitted = F.FeatureNormalizer().fit(train_features)

    def batch(self, features):
        if self.how == "global":
            features = self.fitted.transform(features)
        x, mask = pad(features)
        return (normalise_padded(x, mask) if self.how == "utterance" else x * mask[:, :, None]), mask


def predict(model, features, normaliser, batch_size: int = 128) -> np.ndarray:
    """Predicted digits (int array) of a list of raw log-mel matrices."""
    tf = config.import_tensorflow()
    if getattr(model, "_course_predict", None) is None:
        model._course_predict = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    out = np.zeros(len(features), dtype=int)
    for group in length_groups([len(f) for f in features], batch_size):
        x, _ = normaliser.batch([features[i] for i in group])
        out[group] = np.asarray(model._course_predict(x)).argmax(axis=1)
    return out


def train_and_score(recipe: Recipe, train_waves, train_labels, sets: dict, seed: int = 0,
                    initial_weights: str | None = None, weights_out: str | None = None, verbose: bool = False) -> dict:
    """Train a classifier with ``recipe`` on ``train_waves`` (8 kHz waveforms) and ``train_labels`` (digits), from
    ``initial_weights`` (a ``.weights.h5`` of the same architecture) or from random weights drawn from ``seed``, and
    predict every set of ``sets`` (name -> list of waveforms). Returns ``{"history": [{"epoch", "loss",
    "accuracy", "seconds"}...], "training_seconds", "predictions": {name: list of digits}}``."""
    import keras

    train_labels = np.asarray(train_labels, dtype=np.int64)
    if len(train_waves) != len(train_labels) or not len(train_labels):
        raise ValueError(f"got {len(train_waves)} waveforms and {len(train_labels)} labels; they must pair up")
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    clean = featurise(train_waves)
    normaliser = _Normaliser(recipe.normalisation, clean)
    model = build_classifier(recipe.architecture, units=recipe.units, dropout=recipe.dropout,
                             learning_rate=recipe.learning_rate)
    if initial_weights:
        model.load_weights(initial_weights)
    history, trained = [], 0.0
    for epoch in range(1, recipe.epochs + 1):
        start = time.perf_counter()
        feats = featurise([augment_waveform(w, rng) for w in train_waves]) if recipe.augment else clean
        losses, correct = [], 0
        for group in length_groups([len(f) for f in feats], recipe.batch_size, rng):
            x, _ = normaliser.batch([feats[i] for i in group])
            loss, accuracy = model.train_on_batch(x, train_labels[group])
            losses.append(loss)
            correct += accuracy * len(group)
        seconds = time.perf_counter() - start
        trained += seconds
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "accuracy": correct / len(train_labels),
                        "seconds": round(seconds, 2)})
        if verbose:
            print(f"epoch {epoch}: {seconds:.1f} s, loss {history[-1]['loss']:.3f}", flush=True)
    predictions = {name: predict(model, featurise(waves), normaliser).tolist() for name, waves in sets.items()}
    if weights_out:
        model.save_weights(weights_out)
    return {"history": history, "training_seconds": trained, "predictions": predictions}
