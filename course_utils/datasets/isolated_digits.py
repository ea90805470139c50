"""Isolated spoken digits synthesised offline by eSpeak NG at 8 kHz: the synthetic counterpart of the Free Spoken
Digit Dataset (:mod:`course_utils.datasets.recordings`), for chapter 14.

Each utterance is one digit (``"7"`` is read "seven") made with the machinery of :mod:`course_utils.datasets.speech`
(:class:`~course_utils.datasets.speech.Utterance`, :func:`~course_utils.datasets.speech.synthesise`): eSpeak's output
trimmed, scaled to an RMS of 0.1, resampled to :data:`SAMPLE_RATE` (8,000 Hz, the rate of the real recordings, so a
model trained on it never sees frequencies the real recordings lack), padded with 0.05-0.25 s of silence and mixed
with white noise at a signal-to-noise ratio drawn from :data:`SNR_CHOICES_DB` (None: clean).

* training utterances use the 73 training voice variants of chapter 13 (:data:`~course_utils.datasets.speech.TRAIN_VARIANTS`),
  validation utterances its 5 validation variants, in all 8 accents; rates 130-230 words per minute and base pitch
  25-75 are drawn uniformly, as in chapter 13;
* the digits take turns (utterance ``i`` says digit ``i % 10``), so every split is balanced over the ten digits;
* everything depends only on ``seed`` and the index: a larger ``n`` extends a split and keeps its first utterances.

eSpeak NG's voice variants are parameter changes to one synthesiser (formant shifts, pitch, breathiness, echo), not
recordings of people; that is the point of chapter 14.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils import validation
from course_utils.datasets import speech
from course_utils.datasets.sources import announce

SAMPLE_RATE = 8_000  # Hz, as the Free Spoken Digit Dataset
SNR_CHOICES_DB = (None, 30.0, 20.0)
_SPLIT_CODES = {"train": 11, "validation": 12}


@dataclass
class SyntheticDigits:
    """Training and validation :class:`~course_utils.datasets.speech.SpeechSplit` of isolated digits."""

    train: speech.SpeechSplit
    val: speech.SpeechSplit

    @staticmethod
    def labels(split) -> np.ndarray:
        """The digit (0-9) of each utterance of a split, an int array."""
        return np.array([int(u.digits) for u in split.utterances])


def _draw(split: str, index: int, seed: int, variants: tuple) -> speech.Utterance:
    rng = np.random.default_rng((seed, _SPLIT_CODES[split], index))
    variant = variants[int(rng.integers(len(variants)))]
    accent = list(speech.ACCENTS)[int(rng.integers(len(speech.ACCENTS)))]
    rate = int(rng.integers(speech.RATES_WPM[0], speech.RATES_WPM[1] + 1))
    pitch = int(rng.integers(speech.PITCHES[0], speech.PITCHES[1] + 1))
    snr = SNR_CHOICES_DB[int(rng.integers(len(SNR_CHOICES_DB)))]
    return speech.Utterance(str(index % 10), f"{accent}+{variant}", rate, pitch, snr, int(rng.integers(2 ** 31)))


def load_synthetic_digits(n_train: int = 2000, n_val: int = 200, seed: int = 0,
                          sample_rate: int = SAMPLE_RATE) -> SyntheticDigits:
    """Isolated digits in synthetic voices (see the module's docstring); waveforms are synthesised on demand.

    ``n_train``, ``n_val``: utterances per split (at least 10 each, so that every digit occurs); ``seed`` draws
    voices, accents, rates, pitches, noise and padding; ``sample_rate`` in Hz (8,000 by default).
    """
    n_train = validation.integer("n_train", n_train, minimum=10)
    n_val = validation.integer("n_val", n_val, minimum=10)
    seed = validation.integer("seed", seed, minimum=0)
    sample_rate = validation.integer("sample_rate", sample_rate, minimum=8000)
    train = [_draw("train", i, seed, speech.TRAIN_VARIANTS) for i in range(n_train)]
    val = [_draw("validation", i, seed, speech.VALIDATION_VARIANTS) for i in range(n_val)]
    announce(f"isolated digits synthesised offline by eSpeak NG at {sample_rate} Hz: {n_train} train "
             f"({len(speech.TRAIN_VARIANTS)} voice variants), {n_val} validation ({len(speech.VALIDATION_VARIANTS)} "
             "other variants)")
    return SyntheticDigits(speech.SpeechSplit("train", train, sample_rate),
                           speech.SpeechSplit("validation", val, sample_rate))
