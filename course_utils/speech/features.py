"""Log-mel spectrograms with ``tf.signal`` and their normalisation, for chapter 13.

A waveform is cut into overlapping **frames** of ``frame_ms`` milliseconds (25 ms: short enough that speech is
nearly stationary inside one, long enough to resolve the voice's harmonics), one every ``hop_ms`` milliseconds
(10 ms, so 100 frames per second), each multiplied by a Hann window and Fourier-transformed (``fft_length``, the
next power of two). The power spectrum ``|X|^2`` is summed into ``n_mels`` triangular **mel bands** between
``fmin`` and ``fmax`` Hz (40 bands: narrow at low frequencies, wide at high ones, like the ear's resolution) and
its natural logarithm taken, with a floor of :data:`LOG_FLOOR` so that digital silence stays finite. A
waveform of ``L`` samples gives ``1 + (L - frame_length) // hop_length`` frames (``pad_end=False``: no frame
reaches past the end; a waveform shorter than one frame is zero-padded to one frame).

Normalisation: :class:`FeatureNormalizer` subtracts a per-band mean and divides by a per-band standard deviation
*fitted on the training utterances only* (over all their frames), and applies them unchanged to validation and
test; :func:`normalise_per_utterance` instead uses each utterance's own per-band mean and standard deviation
(cepstral mean and variance normalisation), which removes a voice's and a channel's constant colouring.
:func:`pad_batch` stacks variable-length feature matrices into one zero-padded array with their lengths.
"""
from __future__ import annotations

import numpy as np

from course_utils import config, validation

FRAME_MS = 25.0
HOP_MS = 10.0
N_MELS = 40
FMIN = 20.0
LOG_FLOOR = 1e-6


def frame_parameters(sample_rate: int, frame_ms: float = FRAME_MS, hop_ms: float = HOP_MS) -> dict:
    """``frame_length`` and ``hop_length`` in samples and ``fft_length`` (the next power of two) for a rate."""
    sample_rate = validation.integer("sample_rate", sample_rate, minimum=1)
    frame_ms, hop_ms = validation.real_number("frame_ms", frame_ms), validation.real_number("hop_ms", hop_ms)
    frame_length = int(round(sample_rate * frame_ms / 1000))
    hop_length = int(round(sample_rate * hop_ms / 1000))
    if frame_length < 2 or hop_length < 1:
        raise ValueError(f"frame_ms and hop_ms are too short for {sample_rate} Hz: {frame_length} and {hop_length} samples")
    return {"frame_length": frame_length, "hop_length": hop_length,
            "fft_length": int(2 ** np.ceil(np.log2(frame_length)))}


def n_frames(n_samples: int, sample_rate: int, frame_ms: float = FRAME_MS, hop_ms: float = HOP_MS) -> int:
    """The number of frames :func:`log_mel_spectrogram` makes from ``n_samples`` samples."""
    p = frame_parameters(sample_rate, frame_ms, hop_ms)
    return 1 + max(int(n_samples) - p["frame_length"], 0) // p["hop_length"]


def log_mel_spectrogram(waveforms, sample_rate: int, frame_ms: float = FRAME_MS, hop_ms: float = HOP_MS,
                        n_mels: int = N_MELS, fmin: float = FMIN, fmax: float | None = None):
    """Log-mel spectrogram(s): one waveform (1-D) gives an array (frames, n_mels); a list of waveforms gives a
    list of such arrays (computed as one zero-padded batch, then cut to each waveform's own frame count, which
    equals computing each alone). ``fmax`` defaults to half the sample rate. float32 throughout.
    """
    tf = config.import_tensorflow()
    single = isinstance(waveforms, np.ndarray) and waveforms.ndim == 1
    batch = [waveforms] if single else list(waveforms)
    if not batch:
        return []
    batch = [validation.real_array("waveform", w, ndim=1, expected="(n_samples,)") for w in batch]
    p = frame_parameters(sample_rate, frame_ms, hop_ms)
    n_mels = validation.integer("n_mels", n_mels, minimum=1)
    fmin = validation.real_number("fmin", fmin)
    fmax = sample_rate / 2 if fmax is None else validation.real_number("fmax", fmax)
    if not 0 <= fmin < fmax <= sample_rate / 2:
        raise ValueError(f"need 0 <= fmin < fmax <= sample_rate / 2 = {sample_rate / 2:g} Hz, got fmin={fmin:g}, fmax={fmax:g}")
    longest = max(max(len(w) for w in batch), p["frame_length"])
    padded = np.zeros((len(batch), longest), dtype=np.float32)
    for row, w in zip(padded, batch):
        row[: len(w)] = w
    stft = tf.signal.stft(padded, p["frame_length"], p["hop_length"], p["fft_length"],
                          window_fn=tf.signal.hann_window, pad_end=False)
    power = tf.math.square(tf.math.abs(stft))
    mel = tf.signal.linear_to_mel_weight_matrix(n_mels, p["fft_length"] // 2 + 1, sample_rate, fmin, fmax)
    logmel = tf.math.log(tf.tensordot(power, mel, 1) + LOG_FLOOR).numpy()
    out = [logmel[i, : n_frames(len(w), sample_rate, frame_ms, hop_ms)] for i, w in enumerate(batch)]
    return out[0] if single else out


def split_features(split, batch_size: int = 128, **kwargs) -> list:
    """Log-mel spectrograms of every utterance of a :class:`~course_utils.datasets.speech.SpeechSplit`,
    synthesising ``batch_size`` waveforms at a time (so the waveforms of a whole split are never all in memory).
    ``kwargs`` go to :func:`log_mel_spectrogram`."""
    features = []
    for waves in split.batches(batch_size):
        features.extend(log_mel_spectrogram(waves, split.sample_rate, **kwargs))
    return features


def _as_list(features, name="features") -> list:
    features = [validation.real_array(name, f, ndim=2, expected="(frames, n_mels)") for f in features]
    if not features:
        raise ValueError(f"{name} must hold at least one utterance")
    if len({f.shape[1] for f in features}) > 1:
        raise ValueError(f"every utterance in {name} must have the same number of mel bands")
    return features


class FeatureNormalizer:
    """Per-band standardisation fitted on training features: ``(x - mean) / std`` with the training statistics."""

    def __init__(self):
        self.mean = None
        self.std = None

    def fit(self, features) -> "FeatureNormalizer":
        """Fit the per-band mean and standard deviation over all frames of ``features`` (a list of (T, n_mels))."""
        frames = np.concatenate(_as_list(features)).astype(np.float64)
        self.mean = frames.mean(axis=0).astype(np.float32)
        self.std = np.maximum(frames.std(axis=0), 1e-6).astype(np.float32)
        return self

    def transform(self, features) -> list:
        if self.mean is None:
            raise RuntimeError("call fit(training_features) before transform: the statistics come from training data")
        features = _as_list(features)
        if features[0].shape[1] != self.mean.shape[0]:
            raise ValueError(f"the normaliser was fitted on {self.mean.shape[0]} mel bands, got {features[0].shape[1]}")
        return [((f - self.mean) / self.std).astype(np.float32) for f in features]

    def fit_transform(self, features) -> list:
        return self.fit(features).transform(features)


def normalise_per_utterance(features) -> list:
    """Each utterance standardised with its own per-band mean and standard deviation over its frames."""
    out = []
    for f in _as_list(features):
        std = np.maximum(f.std(axis=0, keepdims=True), 1e-6)
        out.append(((f - f.mean(axis=0, keepdims=True)) / std).astype(np.float32))
    return out


def pad_batch(features, value: float = 0.0):
    """``(array (B, T_max, n_mels) float32, lengths (B,) int32)``: features padded at the end with ``value``."""
    features = _as_list(features)
    lengths = np.array([len(f) for f in features], dtype=np.int32)
    out = np.full((len(features), lengths.max(), features[0].shape[1]), value, dtype=np.float32)
    for row, f in zip(out, features):
        row[: len(f)] = f
    return out, lengths
