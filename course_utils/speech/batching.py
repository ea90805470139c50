"""Padded batches for chapter 13's acoustic model: lengths, padding, masks.

* :func:`output_lengths`: frames left after strided ``"same"`` convolutions (``ceil(T / s)`` per layer), the
  ``logit_length`` that ``keras.ops.ctc_loss`` and ``keras.ops.ctc_decode`` need; :func:`total_stride` their product;
* :func:`pad_frames`: a batch padded to a multiple of the total stride (so the convolutions' windows sit at the same
  places in every batch), and the layer that turns frame counts into the mask of real output frames;
* :func:`length_batches`: batches of utterances of similar length (little padding);
* :func:`mask_time_frequency`: time and frequency masking (the masking half of SpecAugment, Park et al. 2019):
  a few bands of mel channels and a few runs of frames of each utterance set to a value (0, the mean of
  normalised features). Not to be confused with the padding mask: this one hides real speech from the model.

:mod:`course_utils.speech.model` imports them all (the names chapter 13 calls through it).
"""
from __future__ import annotations

import numpy as np

from course_utils import validation
from course_utils.speech import features as F

STRIDES = (2, 2)


def output_lengths(lengths, strides=STRIDES) -> np.ndarray:
    """Frames after convolutions with ``padding="same"`` and the given strides: ``ceil(T / s)`` per layer.

    ``lengths``: int array (B,) of input frame counts; returns int32 (B,). ``[172, 9, 1]`` -> ``[43, 3, 1]``.
    """
    lengths = np.asarray(lengths)
    if lengths.dtype.kind not in "iu" or np.any(lengths < 0):
        raise ValueError(f"lengths must be non-negative integers, got {lengths!r}")
    out = lengths.astype(np.int64)
    for stride in strides:
        stride = validation.integer("stride", stride, minimum=1)
        out = -(-out // stride)
    return out.astype(np.int32)


def total_stride(strides=STRIDES) -> int:
    """The product of the strides: frames per output frame (4 for two stride-2 layers)."""
    return int(np.prod([validation.integer("stride", s, minimum=1) for s in strides]))


def pad_frames(features, strides=STRIDES, value: float = 0.0):
    """``(x (B, T, n_mels) float32, lengths (B,) int32)``: a batch padded at the end to a length ``T`` that is a
    multiple of :func:`total_stride`, so every batch puts the strided convolutions' windows at the same places
    (with ``padding="same"``, the offset of a stride-2 window depends on whether ``T`` is even or odd), and an
    utterance gets the same outputs alone or in any padded batch when the model masks its padding."""
    x, lengths = F.pad_batch(features, value)
    multiple = total_stride(strides)
    extra = -x.shape[1] % multiple
    if extra:
        x = np.concatenate([x, np.full((x.shape[0], extra, x.shape[2]), value, np.float32)], axis=1)
    return x, lengths


def _frame_mask_layer(strides):
    import keras

    class OutputFrameMask(keras.layers.Layer):
        """(B,) input frame counts and the (B, T', d) output of the strided convolutions -> (B, T') bool, True on
        each utterance's own output frames (``ceil(T / s)`` per stride, as :func:`output_lengths`)."""

        def __init__(self, strides, **kwargs):
            super().__init__(**kwargs)
            self.strides = tuple(int(s) for s in strides)

        def call(self, lengths, frames):
            lengths = keras.ops.cast(lengths, "int32")
            for stride in self.strides:
                lengths = (lengths + stride - 1) // stride
            steps = keras.ops.arange(keras.ops.shape(frames)[1], dtype="int32")
            return keras.ops.less(steps[None, :], lengths[:, None])

        def compute_output_spec(self, lengths, frames):
            return keras.KerasTensor(frames.shape[:2], dtype="bool")

        def get_config(self):
            return {**super().get_config(), "strides": self.strides}

    return OutputFrameMask(strides, name="padding_mask")


def length_batches(lengths, batch_size: int, rng=None) -> list:
    """Index arrays of batches of utterances of similar length (sorted by length, cut into ``batch_size``
    groups); with a NumPy Generator ``rng`` the order of the groups is shuffled."""
    lengths = np.asarray(lengths)
    batch_size = validation.integer("batch_size", batch_size, minimum=1)
    order = np.argsort(lengths, kind="stable")
    groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(groups)
    return groups


def mask_time_frequency(x, lengths, rng, n_freq_masks: int = 2, max_freq_width: int = 5, n_time_masks: int = 2,
                        max_time_width: int = 10, value: float = 0.0) -> np.ndarray:
    """Time and frequency masking of a padded batch ``x`` (B, T, n_mels); returns a masked copy.

    For each utterance, ``n_freq_masks`` times: a band of ``w`` ~ U{0..max_freq_width} neighbouring mel channels
    is set to ``value`` over all its frames; ``n_time_masks`` times: a run of ``w`` ~ U{0..max_time_width}
    frames inside its own length (``lengths`` (B,)) is set to ``value`` in every channel. ``rng``: a NumPy
    Generator (the masks depend only on it). Padding frames are left as they are.
    """
    x = np.array(x, dtype=np.float32, copy=True)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (B, T, n_mels), got {x.shape}")
    lengths = np.asarray(lengths)
    if lengths.shape != (x.shape[0],):
        raise ValueError(f"lengths must have shape ({x.shape[0]},), got {lengths.shape}")
    n_mels = x.shape[2]
    for row, length in zip(x, lengths):
        for _ in range(n_freq_masks):
            width = int(rng.integers(0, min(max_freq_width, n_mels) + 1))
            start = int(rng.integers(0, n_mels - width + 1))
            row[:length, start:start + width] = value
        for _ in range(n_time_masks):
            width = int(rng.integers(0, min(max_time_width, int(length)) + 1))
            start = int(rng.integers(0, int(length) - width + 1))
            row[start:start + width] = value
    return x
