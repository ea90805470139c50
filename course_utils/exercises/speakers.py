"""Chapter 14: per-utterance normalisation of a zero-padded batch, statistics over the real frames only."""
from __future__ import annotations

import numpy as np

from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register
from course_utils.speech.speakers import normalise_padded


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
