"""Spoken digit strings synthesised offline by eSpeak NG (:mod:`course_utils.speech.espeak`), for chapter 13.

:func:`synthesise` speaks a digit string (``"3907"`` is read "three nine zero seven") in one voice, at a rate in
words per minute and a base pitch, and returns a float32 waveform at a fixed sample rate (16 kHz by default),
with white noise added at a given signal-to-noise ratio. :func:`load_spoken_digits` returns train / validation /
test splits under a test protocol fixed before any model was trained:

* a **voice** is an English accent plus a voice variant, e.g. ``"en-gb-scotland+f3"``. The 83 variants of
  eSpeak NG's data that remain after leaving out :data:`EXCLUDED_VARIANTS` (:data:`VARIANTS`) were shuffled
  once (``numpy.random.default_rng(13)``): the first 5 are the **test** variants (:data:`TEST_VARIANTS`), the
  next 5 the **validation** variants, the other 73 the training variants. No test or validation variant occurs
  in training, in any accent; accents (:data:`ACCENTS`) are shared by all splits;
* strings of 3 to 7 digits, rates drawn uniformly from 130 to 230 words per minute, base pitch from 25 to 75;
* the test set is the same whatever the loader's ``seed`` (its own seed is :data:`TEST_SEED`), and comes in three
  noise conditions that share everything but the noise: 20 dB SNR (the main condition, ``data.test``), clean
  and 10 dB.

Everything is synthesised in memory when asked for (nothing is cached or downloaded): a split holds the
utterances' descriptions (:class:`Utterance`) and synthesises waveforms on demand (about 100 to 200 a second on
one core of the course's machine).

Waveforms: eSpeak's output (22,050 Hz) with its leading and trailing silence trimmed, scaled so that the speech
has an RMS of 0.1, resampled to ``sample_rate`` (band-limited, by FFT), padded with 0.05-0.25 s of silence on each
side (drawn from the seed) and, when ``snr_db`` is given, mixed with white Gaussian noise whose power is the
speech power divided by 10^(snr_db / 10). The result depends only on the arguments.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

import numpy as np

from course_utils import validation
from course_utils.speech import espeak
from course_utils.datasets.sources import announce

SAMPLE_RATE = 16_000  # Hz
ACCENTS = {
    "en-us": "American English", "en-us-nyc": "New York City", "en": "British English",
    "en-gb-x-rp": "Received Pronunciation", "en-gb-scotland": "Scottish", "en-gb-x-gbclan": "Lancastrian",
    "en-gb-x-gbcwmd": "West Midlands", "en-029": "Caribbean",
}
# Left out, judged from their voice files: robotic effects and long echoes ("UniRobot", "anikaRobot", "robosoft*",
# "RicishayMax*", "announcer", "Demonic"), whispering or unvoiced ("whisper", "whisperf", "caleb": voicing 0),
# an extreme voicing level ("iven": 530), eSpeak's own test voice ("fast") and "Mr serious" (a space in the name,
# which a voice name cannot hold).
EXCLUDED_VARIANTS = (
    "Demonic", "UniRobot", "anikaRobot", "announcer", "RicishayMax", "RicishayMax2", "RicishayMax3", "whisper",
    "whisperf", "caleb", "iven", "fast", "Mr serious", "robosoft", "robosoft2", "robosoft3", "robosoft4",
    "robosoft5", "robosoft6", "robosoft7", "robosoft8",
)
VARIANTS = (
    "Alex", "Alicia", "Andrea", "Andy", "Annie", "AnxiousAndy", "Denis", "Diogo", "Gene", "Gene2", "Henrique",
    "Hugo", "Jacky", "Lee", "Marco", "Mario", "Michael", "Mike", "Nguyen", "Reed", "Storm", "Tweaky", "adam",
    "anika", "antonio", "aunty", "belinda", "benjamin", "boris", "croak", "david", "ed", "edward", "edward2", "f1",
    "f2", "f3", "f4", "f5", "grandma", "grandpa", "gustave", "ian", "iven2", "iven3", "iven4", "john",
    "kaukovalta", "klatt", "klatt2", "klatt3", "klatt4", "klatt5", "klatt6", "linda", "m1", "m2", "m3", "m4", "m5",
    "m6", "m7", "m8", "marcelo", "max", "michel", "miguel", "mike2", "norbert", "pablo", "paul", "pedro", "quincy",
    "rob", "robert", "sandro", "shelby", "steph", "steph2", "steph3", "travis", "victor", "zac",
)
VARIANT_DRAW_SEED = 13
TEST_VARIANTS = ("adam", "Alicia", "aunty", "iven3", "klatt6")
VALIDATION_VARIANTS = ("Mike", "paul", "klatt", "michel", "edward2")
TRAIN_VARIANTS = tuple(v for v in np.random.default_rng(VARIANT_DRAW_SEED).permutation(VARIANTS)[10:].tolist())
DIGITS_PER_STRING = (3, 7)
RATES_WPM = (130, 230)
PITCHES = (25, 75)
TEST_SEED = 2026
TEST_CONDITIONS = {"clean": None, "20 dB": 20.0, "10 dB": 10.0}
SPEECH_RMS = 0.1
PAD_SECONDS = (0.05, 0.25)
_SPLIT_CODES = {"train": 1, "validation": 2, "test": 3}


def _check_voice(voice) -> tuple:
    if not isinstance(voice, str):
        raise TypeError(f"voice must be a string such as 'en-us+f2', got {type(voice).__name__} {voice!r}")
    accent, _, variant = voice.partition("+")
    if accent not in ACCENTS:
        close = difflib.get_close_matches(accent, list(ACCENTS), n=1)
        raise ValueError(f"unknown accent {accent!r} in voice {voice!r}; accents: {', '.join(ACCENTS)}"
                         + (f" (did you mean {close[0]!r}?)" if close else ""))
    if variant:
        known = [v for v in espeak.voice_variants() if " " not in v]
        if variant not in known:
            close = difflib.get_close_matches(variant, known, n=3)
            raise ValueError(f"unknown voice variant {variant!r} in voice {voice!r}; "
                             + (f"did you mean {' or '.join(repr(c) for c in close)}? " if close else "")
                             + "see course_utils.datasets.speech.VARIANTS")
    return accent, variant


def _check_digits(digits) -> str:
    if not isinstance(digits, str):
        hint = " (write it as a string, e.g. '0391': as a number a leading 0 is lost)" if isinstance(
            digits, (int, np.integer)) and not isinstance(digits, bool) else ""
        raise TypeError(f"digits must be a string of the characters 0-9, got {type(digits).__name__} {digits!r}{hint}")
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"digits must be a non-empty string of the characters 0-9, got {digits!r}")
    if len(digits) > 50:
        raise ValueError(f"digits must have at most 50 characters, got {len(digits)}")
    return digits


def _check_range(name, value, low, high, unit=""):
    value = validation.integer(name, value)
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}{unit}, got {value}")
    return value


def _check_snr(snr_db):
    if snr_db is None:
        return None
    value = validation.real_number("snr_db", snr_db)
    if not np.isfinite(value):
        raise ValueError(f"snr_db must be a finite number of decibels (or None for clean speech), got {snr_db!r}")
    return value


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling of a whole signal by FFT (exact for a signal that starts and ends in silence)."""
    if rate_in == rate_out:
        return x
    common = np.gcd(rate_in, rate_out)
    up, down = rate_out // common, rate_in // common
    q = -(-len(x) // down)
    while max(_largest_factor(q), 1) > 7:  # zero-pad to a length whose FFT is fast (factors 2, 3, 5, 7)
        q += 1
    padded = np.concatenate([x, np.zeros(q * down - len(x))])
    spectrum = np.fft.rfft(padded)[: q * up // 2 + 1]
    out = np.fft.irfft(spectrum, q * up) * (up / down)
    return out[: int(round(len(x) * up / down))]


def _largest_factor(n: int) -> int:
    for p in (2, 3, 5, 7):
        while n % p == 0 and n > 1:
            n //= p
    return n


def _speech(digits, voice, rate, pitch, sample_rate) -> np.ndarray:
    """eSpeak's samples, trimmed to the speech, at RMS 0.1, resampled."""
    raw = espeak.synthesise_raw(" ".join(digits), voice, rate, pitch).astype(np.float64) / 32768.0
    loud = np.flatnonzero(np.abs(raw) > 0.01 * np.abs(raw).max()) if raw.size else []
    if len(loud) == 0:
        raise espeak.SynthesiserError(f"eSpeak NG produced silence for {digits!r} in voice {voice!r}")
    speech = raw[loud[0]: loud[-1] + 1]
    speech = speech * (SPEECH_RMS / np.sqrt(np.mean(speech ** 2)))
    return resample(speech, espeak.NATIVE_RATE, sample_rate)


def synthesise(digits: str, voice: str = "en-us", rate: int = 175, pitch: int = 50, snr_db: float | None = None,
               seed: int = 0, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The digit string ``digits`` spoken by ``voice``: a float32 waveform at ``sample_rate`` Hz.

    ``voice``: an accent of :data:`ACCENTS`, optionally ``+`` a variant (``"en-us+f2"``); ``rate``: words per
    minute, 80-450; ``pitch``: eSpeak's base pitch, 0-100; ``snr_db``: None for clean speech, else the
    signal-to-noise ratio of added white noise in dB; ``seed`` draws the silence padding and the noise. Equal
    arguments give equal samples (also in another process). See the module's docstring for the steps.
    """
    digits = _check_digits(digits)
    _check_voice(voice)
    rate = _check_range("rate", rate, *espeak.RATE_RANGE, " words per minute")
    pitch = _check_range("pitch", pitch, *espeak.PITCH_RANGE)
    snr_db = _check_snr(snr_db)
    seed = validation.integer("seed", seed, minimum=0)
    sample_rate = _check_range("sample_rate", sample_rate, 8000, espeak.NATIVE_RATE, " Hz")
    speech = _speech(digits, voice, rate, pitch, sample_rate)
    rng = np.random.default_rng(seed)
    lead, tail = (rng.uniform(*PAD_SECONDS, size=2) * sample_rate).astype(int)
    wave = np.concatenate([np.zeros(lead), speech, np.zeros(tail)])
    noise = rng.standard_normal(wave.size)  # drawn in every condition, so conditions differ only in its scale
    if snr_db is not None:
        power = np.mean(speech ** 2)
        wave = wave + noise * np.sqrt(power / 10 ** (snr_db / 10))
    return np.clip(wave, -1.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class Utterance:
    """What to synthesise: a digit string, a voice, rate (words per minute), base pitch, noise (dB or None), seed."""

    digits: str
    voice: str
    rate: int
    pitch: int
    snr_db: float | None
    seed: int

    @property
    def accent(self) -> str:
        return self.voice.partition("+")[0]

    @property
    def variant(self) -> str:
        return self.voice.partition("+")[2]

    def waveform(self, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
        return synthesise(self.digits, self.voice, self.rate, self.pitch, self.snr_db, self.seed, sample_rate)


@dataclass
class SpeechSplit:
    """A list of :class:`Utterance` with the sample rate to synthesise them at; waveforms are made on demand."""

    name: str
    utterances: list
    sample_rate: int = SAMPLE_RATE

    def __len__(self):
        return len(self.utterances)

    def _column(self, field):
        return [getattr(u, field) for u in self.utterances]

    @property
    def digits(self) -> list:
        return self._column("digits")

    @property
    def voices(self) -> list:
        return self._column("voice")

    @property
    def variants(self) -> list:
        return self._column("variant")

    @property
    def accents(self) -> list:
        return self._column("accent")

    @property
    def rates(self) -> np.ndarray:
        return np.array(self._column("rate"))

    @property
    def pitches(self) -> np.ndarray:
        return np.array(self._column("pitch"))

    def waveforms(self, start: int = 0, stop: int | None = None) -> list:
        """The float32 waveforms of utterances ``start:stop`` (all by default), synthesised now."""
        return [u.waveform(self.sample_rate) for u in self.utterances[start:stop]]

    def batches(self, size: int = 256):
        """Yield the waveforms ``size`` utterances at a time (to featurise a split without holding all of it)."""
        size = validation.integer("size", size, minimum=1)
        for start in range(0, len(self), size):
            yield self.waveforms(start, start + size)

    def with_snr(self, snr_db, name: str | None = None) -> "SpeechSplit":
        """The same utterances (same padding and noise draw) at another noise level (None: clean)."""
        snr_db = _check_snr(snr_db)
        return SpeechSplit(name or self.name, [replace(u, snr_db=snr_db) for u in self.utterances], self.sample_rate)


@dataclass
class SpokenDigits:
    """Train / validation / test splits; ``test`` is the 20 dB condition, ``conditions`` holds all three."""

    train: SpeechSplit
    val: SpeechSplit
    test: SpeechSplit
    conditions: dict
    train_variants: tuple


def _draw(split, index, seed, variants, snr_choices, cycle=False) -> Utterance:
    rng = np.random.default_rng((seed, _SPLIT_CODES[split], index))
    length = int(rng.integers(DIGITS_PER_STRING[0], DIGITS_PER_STRING[1] + 1))
    digits = "".join(str(d) for d in rng.integers(0, 10, size=length))
    variant = variants[index % len(variants)] if cycle else variants[int(rng.integers(len(variants)))]
    accent = list(ACCENTS)[int(rng.integers(len(ACCENTS)))]
    rate = int(rng.integers(RATES_WPM[0], RATES_WPM[1] + 1))
    pitch = int(rng.integers(PITCHES[0], PITCHES[1] + 1))
    snr = snr_choices[int(rng.integers(len(snr_choices)))]
    return Utterance(digits, f"{accent}+{variant}", rate, pitch, snr, int(rng.integers(2 ** 31)))


def load_spoken_digits(n_train: int = 3000, n_val: int = 300, n_test: int = 500, seed: int = 0,
                       n_train_variants: int | None = None, train_snr_db=20.0,
                       sample_rate: int = SAMPLE_RATE) -> SpokenDigits:
    """Spoken digit strings under the fixed test protocol (see the module's docstring), synthesised offline.

    ``n_train``, ``n_val``, ``n_test``: utterances per split (the test split is the same list in each of its three
    noise conditions; its test variants take turns, so each has ``n_test / 5`` utterances). ``seed`` draws the
    training and validation utterances (the test set never depends on it); a larger ``n`` extends a split and
    keeps its first utterances. ``n_train_variants``: use only the first k of the 73 training variants
    (:data:`TRAIN_VARIANTS`; None: all), to measure what more voices bring. ``train_snr_db``: the training noise,
    a number of dB, None (clean), or a tuple of choices drawn per utterance (e.g. ``(None, 20.0, 10.0)``). The
    validation split has unseen variants of its own and 20 dB noise.
    """
    n_train = validation.integer("n_train", n_train, minimum=1)
    n_val = validation.integer("n_val", n_val, minimum=1)
    n_test = validation.integer("n_test", n_test, minimum=len(TEST_VARIANTS))
    seed = validation.integer("seed", seed, minimum=0)
    n_variants = validation.integer("n_train_variants", n_train_variants, minimum=1, allow_none=True)
    if n_variants is not None and n_variants > len(TRAIN_VARIANTS):
        raise ValueError(f"n_train_variants must be at most {len(TRAIN_VARIANTS)} (the training variants), got {n_variants}")
    choices = tuple(train_snr_db) if isinstance(train_snr_db, (tuple, list)) else (train_snr_db,)
    if not choices:
        raise ValueError("train_snr_db must not be an empty tuple")
    choices = tuple(_check_snr(c) for c in choices)
    sample_rate = _check_range("sample_rate", sample_rate, 8000, espeak.NATIVE_RATE, " Hz")
    variants = TRAIN_VARIANTS[:n_variants]
    train = [_draw("train", i, seed, variants, choices) for i in range(n_train)]
    val = [_draw("validation", i, seed, VALIDATION_VARIANTS, (20.0,)) for i in range(n_val)]
    test = [_draw("test", i, TEST_SEED, TEST_VARIANTS, (None,), cycle=True) for i in range(n_test)]
    base = SpeechSplit("test", test, sample_rate)
    conditions = {name: base.with_snr(snr, f"test ({name})") for name, snr in TEST_CONDITIONS.items()}
    announce(f"spoken digits synthesised offline by eSpeak NG: {n_train} train ({len(variants)} voice variants), "
             f"{n_val} validation and {n_test} test utterances (each with 5 voice variants never used in training; "
             "test clean, at 20 dB and at 10 dB)")
    return SpokenDigits(SpeechSplit("train", train, sample_rate), SpeechSplit("validation", val, sample_rate),
                        conditions["20 dB"], conditions, variants)
