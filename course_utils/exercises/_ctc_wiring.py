"""Chapter 13's exercise ``ctc_batch_loss`` (registered in :mod:`course_utils.exercises.speech`): the batch CTC loss
from a model's logits, the padded label strings, each utterance's number of input frames (before the model's two
stride-2 convolutions) and each string's length, wired to ``keras.ops.ctc_loss``.

The cases are built so that each typical mistake is invisible on the cases before its own: uniform scores hide
the softmax, the blank and the axes; scores whose blank column is copied to the unused last class (digit 9, never a
label here) hide the blank's index; scores symmetric in (utterance, frame) with as many utterances as frames hide
which axis is time; full lengths hide the lengths. Every case has as many utterances as frames, so a time-major
reading gives a wrong number (and a hint) instead of an error. ``keras.ops.ctc_loss`` (TensorFlow) reads at most
the T' frames the logits have, so an output length above T' counts as T': input frame counts passed unchanged (all
above T' in the first cases) look like the padded length until a case has an utterance of fewer input frames than
the logits have frames; frame counts that are multiples of 4 hide rounding down until a case has others.
"""
from __future__ import annotations

import functools

import numpy as np

from course_utils.speech import ctc

N_CLASSES = ctc.N_CLASSES  # blank + 10 digits


STRIDES = (2, 2)  # the acoustic model's two stride-2 convolutions (course_utils.speech.model.STRIDES)


def ctc_batch_loss(logits, labels, frame_lengths, label_lengths):
    """The CTC loss of a batch: the mean over its utterances of each utterance's CTC loss.

    logits: (B, T', 11) float, the acoustic model's scores per output frame (no softmax), batch first; class 0 is
    the blank, digit d is class d + 1. labels: (B, L) int, each utterance's digit classes padded with 0 after its
    length. frame_lengths: (B,) int, each utterance's number of real log-mel frames at the model's *input*; the
    model's two Conv1D layers with strides=2 and padding="same" turn T frames into ceil(ceil(T / 2) / 2) output
    frames. label_lengths: (B,) int, each utterance's number of digits. Returns one number (the loss a training
    step minimises).
    """
    import keras

    logit_lengths = np.asarray(frame_lengths)
    for stride in STRIDES:  # padding="same": ceil(T / stride) frames after each layer
        logit_lengths = -(-logit_lengths // stride)
    losses = keras.ops.ctc_loss(labels, logits, label_lengths, logit_lengths)  # (B,): blank = class 0 (mask_index)
    return float(keras.ops.convert_to_numpy(keras.ops.mean(losses)))


def _output_lengths(frame_lengths, rounding=np.ceil) -> np.ndarray:
    out = np.asarray(frame_lengths, dtype=np.float64)
    for stride in STRIDES:
        out = rounding(out / stride)
    return out.astype("int32")


# keras.ops.ctc_loss takes about 0.1 s per call in eager mode, and a diagnosis runs the solution and every mistake on
# every case: the checker's own calls are cached by the bytes of their inputs (a learner's code is never cached).
_CACHE: dict = {}


def _losses(logits, labels, logit_lengths, label_lengths, mask_index=0) -> np.ndarray:
    """``keras.ops.ctc_loss`` per utterance, as NumPy, cached."""
    arrays = [np.asarray(a) for a in (logits, labels, logit_lengths, label_lengths)]
    key = tuple((a.dtype.str, a.shape, a.tobytes()) for a in arrays) + (mask_index,)
    if key in _CACHE:
        return _CACHE[key].copy()
    import keras

    logits, labels, logit_lengths, label_lengths = arrays
    losses = keras.ops.convert_to_numpy(keras.ops.ctc_loss(labels, logits, label_lengths, logit_lengths,
                                                           mask_index=mask_index))
    if sum(a.nbytes for a in arrays) < 20_000:  # the cases' sizes; a notebook's real batches are not kept
        if len(_CACHE) > 2000:
            _CACHE.clear()
        _CACHE[key] = losses.copy()
    return losses


@functools.wraps(ctc_batch_loss)  # show_solution prints ctc_batch_loss itself (inspect follows __wrapped__)
def cached_solution(logits, labels, frame_lengths, label_lengths):
    """:func:`ctc_batch_loss` with the cache: the reference the checker compares with."""
    return _mean_loss(logits, labels, _output_lengths(frame_lengths), label_lengths)


def _mean_loss(logits, labels, logit_lengths, label_lengths, mask_index=0) -> float:
    return float(np.mean(_losses(logits, labels, logit_lengths, label_lengths, mask_index), dtype=np.float32))


def _labels(rng, batch, width, lengths=None):
    """(batch, width) digit classes 1-9 (digits 0-8: class 10, digit 9, stays unused), no two neighbours equal
    (so a string fits in as many frames as it has digits), 0 after each row's length."""
    out = np.zeros((batch, width), dtype="int32")
    lengths = np.full(batch, width, dtype="int32") if lengths is None else lengths
    for row, length in enumerate(lengths):
        digits = [int(rng.integers(1, 10))]
        while len(digits) < length:
            digits.append(int(rng.choice([c for c in range(1, 10) if c != digits[-1]])))
        out[row, :length] = digits[:length]
    return out, lengths.astype("int32")


def _symmetric(rng, steps):
    """Random scores with scores[b, t] == scores[t, b]: read time first or batch first, the same numbers."""
    scores = rng.normal(size=(steps, steps, N_CLASSES))
    return (scores + scores.transpose(1, 0, 2)).astype("float32")


def make_cases(seed: int = 7) -> list:
    """The cases (as many utterances as output frames, B = T' = 6, strings of up to 3 digits, up to 24 input
    frames); other seeds give cases of the same design (the property tests use them)."""
    from course_utils.config import import_tensorflow
    from course_utils.exercises.framework import Case

    import_tensorflow()  # TensorFlow starts here, before any case's time limit runs
    rng = np.random.default_rng(seed)
    steps, width = 6, 3
    full = np.full(steps, 4 * steps, dtype="int32")  # 24 input frames -> 6 output frames
    blank_copied = _symmetric(rng, steps)
    blank_copied[..., N_CLASSES - 1] = blank_copied[..., 0]  # the last class scores as the blank does

    def args(logits, labels, frame_lengths=full):
        labels, label_lengths = labels
        return {"logits": logits, "labels": labels, "frame_lengths": frame_lengths, "label_lengths": label_lengths}

    shorter = 4 * rng.integers(width + 1, steps + 1, size=steps).astype("int32")  # multiples of 4: 16 to 24 frames
    shorter[0] = 4 * (width + 1)  # at least one utterance shorter than the batch
    fewer = rng.integers(1, width + 1, size=steps).astype("int32")
    fewer[0] = 1  # at least one string shorter than the widest
    # input frame counts that are not multiples of 4 (rounding matters), one of them below T' = 6 (5 frames: 3,
    # then 2 output frames), so that counts not divided by the strides differ from the padded length too
    # (drawn from a generator of their own, so the other cases are those of the exercise's first version)
    rng_odd = np.random.default_rng([seed, 4])
    odd = rng_odd.choice([f for f in range(9, 4 * steps) if f % 4], size=steps).astype("int32")
    odd[0] = 5
    odd_digits = np.minimum(rng_odd.integers(1, width + 1, size=steps), _output_lengths(odd)).astype("int32")
    odd_digits[0] = 2
    odd_case = (rng_odd.normal(size=(steps, steps, N_CLASSES)).astype("float32"), _labels(rng_odd, steps, width,
                                                                                         odd_digits), odd)
    return [
        Case("uniform scores", "the call and the result: keras.ops.ctc_loss(labels, logits, label_lengths, "
             "logit_lengths) gives one loss per utterance; the batch loss is their mean, one number",
             args(np.zeros((steps, steps, N_CLASSES), dtype="float32"), _labels(rng, steps, width))),
        Case("scores, not probabilities", "that the logits go in as they are: ctc_loss applies the log-softmax itself",
             args(blank_copied, _labels(rng, steps, width))),
        Case("the blank is class 0", "that class 0 is the blank, as the labels assume (digit d is class d + 1)",
             args(_symmetric(rng, steps), _labels(rng, steps, width))),
        Case("batch first", "that the logits are read batch first, (B, T, classes): axis 1 is time",
             args(rng.normal(size=(steps, steps, N_CLASSES)).astype("float32"), _labels(rng, steps, width))),
        Case("shorter utterances", "that each utterance's own number of frames is used, divided by the strides (16 "
             "to 24 input frames, multiples of 4: 4 to 6 output frames); the frames after it are padding",
             args(rng.normal(size=(steps, steps, N_CLASSES)).astype("float32"), _labels(rng, steps, width), shorter)),
        Case("shorter digit strings", "that each string's own length is used: the 0s after it are padding, not labels",
             args(rng.normal(size=(steps, steps, N_CLASSES)).astype("float32"), _labels(rng, steps, width, fewer))),
        Case("frames not a multiple of 4", "the rounding: with padding=\"same\" a stride-2 layer gives ceil(T / 2) "
             "frames (5 input frames: 3, then 2 output frames; fewer input frames than the logits have frames)",
             args(*odd_case)),
        Case("everything together", "random scores, utterances and strings of different lengths",
             args(rng.normal(size=(steps, steps, N_CLASSES)).astype("float32"),
                  _labels(rng, steps, width, rng.integers(1, width + 1, size=steps)),
                  rng.integers(4 * width + 1, 4 * steps + 1, size=steps).astype("int32"))),
    ]


# ---------------------------------------------------------------------------------------------- typical mistakes

def per_utterance(logits, labels, frame_lengths, label_lengths):
    """Mistake: the per-utterance losses returned, not their mean."""
    return _losses(logits, labels, _output_lengths(frame_lengths), label_lengths)


def summed(logits, labels, frame_lengths, label_lengths):
    """Mistake: the sum over the batch, which grows with the batch size."""
    return float(_losses(logits, labels, _output_lengths(frame_lengths), label_lengths).sum())


def softmax_first(logits, labels, frame_lengths, label_lengths):
    """Mistake: probabilities (a softmax) passed where ctc_loss expects logits."""
    import keras

    return cached_solution(keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1)), labels, frame_lengths,
                           label_lengths)


def blank_last(logits, labels, frame_lengths, label_lengths):
    """Mistake: the last class taken as the blank (mask_index=-1 / blank_index=-1, tf.compat.v1's convention)."""
    return _mean_loss(logits, labels, _output_lengths(frame_lengths), label_lengths, mask_index=N_CLASSES - 1)


def time_major(logits, labels, frame_lengths, label_lengths):
    """Mistake: tf.nn.ctc_loss without logits_time_major=False reads (B, T, C) logits as (T, B, C)."""
    return cached_solution(np.swapaxes(np.asarray(logits), 0, 1), labels, frame_lengths, label_lengths)


def padded_logit_lengths(logits, labels, frame_lengths, label_lengths):
    """Mistake: every utterance given all T' frames of the padded batch (as keras.losses.CTC does)."""
    full = np.full(np.shape(logits)[0], np.shape(logits)[1], dtype="int32")
    return _mean_loss(logits, labels, full, label_lengths)


def input_frame_lengths(logits, labels, frame_lengths, label_lengths):
    """Mistake: the input frame counts passed as the logits' lengths, not divided by the convolutions' strides."""
    return _mean_loss(logits, labels, np.asarray(frame_lengths, dtype="int32"), label_lengths)


def rounded_down(logits, labels, frame_lengths, label_lengths):
    """Mistake: T // 4 output frames (floor), where padding="same" keeps a last, partly padded window (ceil)."""
    return _mean_loss(logits, labels, _output_lengths(frame_lengths, np.floor), label_lengths)


def padded_label_lengths(logits, labels, frame_lengths, label_lengths):
    """Mistake: every string given the padded width L, so its trailing 0s are read as labels."""
    full = np.full(np.shape(labels)[0], np.shape(labels)[1], dtype="int32")
    return cached_solution(logits, labels, frame_lengths, full)
