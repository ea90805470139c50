"""Recorded spoken digits: the Free Spoken Digit Dataset v1.0.10 (FSDD; Jackson et al.; CC BY-SA 4.0), a real
sibling of the synthesised digit strings of :mod:`course_utils.datasets.speech`.

3,000 recordings: 6 speakers x 10 digits x 50 takes, one isolated digit each, 8 kHz mono 16-bit WAV
(``recordings/{digit}_{speaker}_{index}.wav``). Found and verified by :mod:`course_utils.datasets.real`.

**Waveforms.** :meth:`Recording.waveform` returns the file's int16 samples as float32 divided by 32,768 (so in
[-1, 1)), unchanged otherwise: no trimming, no normalisation, no added noise; recordings keep their own length
(about 0.1 to 2.3 s) and their own silence. ``waveform(sample_rate=16000)`` resamples (band-limited, by FFT, as
:func:`course_utils.datasets.speech.resample`) for a feature pipeline built at another rate.

**The split is by speaker, fixed here before any model was trained** (the upstream test set, takes 0-4 of every
speaker, is speaker-dependent: its speakers are also in training). :data:`TEST_SPEAKERS` are held out for testing,
:data:`VALIDATION_SPEAKERS` for validation, and the other speakers train:

* test: ``theo`` and ``lucas`` (1,000 recordings); each shares an accent group of the speaker table with one
  training speaker (theo USA like jackson, lucas DEU like yweweler), so the test measures new voices, not only a
  new accent;
* validation: ``nicolas`` (500 recordings; BEL/French, an accent of no other speaker);
* train: ``jackson``, ``george``, ``yweweler`` (1,500 recordings).

All speakers are male (the upstream speaker table, :data:`SPEAKERS`); results say nothing about other voices.
"""
from __future__ import annotations

import io
import wave
from dataclasses import dataclass, field

import numpy as np

from course_utils import validation
from course_utils.datasets import real
from course_utils.datasets.sources import announce, check_source

NAME = "fsdd"
SAMPLE_RATE = 8_000  # Hz, every FSDD file
# The speaker table of the upstream metadata.py (the mirror's speakers.csv; a test checks they agree).
SPEAKERS = {
    "jackson": ("male", "USA/neutral"), "nicolas": ("male", "BEL/French"), "theo": ("male", "USA/neutral"),
    "yweweler": ("male", "DEU/German"), "george": ("male", "GRC/Greek"), "lucas": ("male", "DEU/German"),
}
TEST_SPEAKERS = ("theo", "lucas")
VALIDATION_SPEAKERS = ("nicolas",)
TRAIN_SPEAKERS = ("jackson", "george", "yweweler")


@dataclass(frozen=True)
class Recording:
    """One recorded digit: ``digit`` (0-9), ``speaker``, the take ``index`` (0-49) and its int16 ``samples``."""

    digit: int
    speaker: str
    index: int
    samples: np.ndarray = field(repr=False, compare=False)

    @property
    def accent(self) -> str:
        return SPEAKERS[self.speaker][1]

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def waveform(self, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
        """The recording as float32 in [-1, 1) (int16 / 32768), resampled if ``sample_rate`` is not 8,000 Hz."""
        x = self.samples.astype(np.float32) / 32768.0
        if sample_rate != SAMPLE_RATE:
            from course_utils.datasets.speech import resample

            sample_rate = validation.integer("sample_rate", sample_rate, minimum=1000)
            x = resample(x.astype(np.float64), SAMPLE_RATE, sample_rate).astype(np.float32)
        return x


@dataclass
class RecordingSplit:
    """A list of :class:`Recording`; waveforms at ``sample_rate`` on demand (like :class:`.speech.SpeechSplit`)."""

    name: str
    recordings: list
    sample_rate: int = SAMPLE_RATE

    def __len__(self):
        return len(self.recordings)

    @property
    def digits(self) -> list:
        """The transcript of each recording as a string ("7"), like the synthetic splits' digit strings."""
        return [str(r.digit) for r in self.recordings]

    @property
    def labels(self) -> np.ndarray:
        return np.array([r.digit for r in self.recordings])

    @property
    def speakers(self) -> list:
        return [r.speaker for r in self.recordings]

    def waveforms(self, start: int = 0, stop: int | None = None) -> list:
        return [r.waveform(self.sample_rate) for r in self.recordings[start:stop]]

    def batches(self, size: int = 256):
        size = validation.integer("size", size, minimum=1)
        for start in range(0, len(self), size):
            yield self.waveforms(start, start + size)


@dataclass
class RecordedDigits:
    train: RecordingSplit
    val: RecordingSplit
    test: RecordingSplit
    source: str
    where: str  # "cache", "mirror" or "download"
    train_speakers: tuple = TRAIN_SPEAKERS
    val_speakers: tuple = VALIDATION_SPEAKERS
    test_speakers: tuple = TEST_SPEAKERS


def decode(data: bytes) -> np.ndarray:
    """The int16 samples of an 8 kHz mono 16-bit WAV file (ValueError for any other format)."""
    with wave.open(io.BytesIO(data)) as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, SAMPLE_RATE):
            raise ValueError(f"not 8 kHz mono 16-bit: {w.getnchannels()} channels, {8 * w.getsampwidth()} bits, "
                             f"{w.getframerate()} Hz")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


def recordings_from(contents: dict) -> list:
    """:class:`Recording` of every ``recordings/*.wav`` in ``{path: bytes}``, sorted by speaker, digit, take."""
    out = []
    for path, data in contents.items():
        if not path.startswith("recordings/"):
            continue
        digit, speaker, index = path.rsplit("/", 1)[1].removesuffix(".wav").split("_")
        out.append(Recording(int(digit), speaker, int(index), decode(data)))
    return sorted(out, key=lambda r: (r.speaker, r.digit, r.index))


def load_recorded_digits(source: str = "auto", sample_rate: int = SAMPLE_RATE, fallback_args: dict | None = None):
    """The FSDD recordings split by speaker (see the module's docstring): a :class:`RecordedDigits`.

    ``source``: ``"auto"`` (the verified real data if found or downloadable, else one line saying why and the
    synthesised spoken digits of :func:`course_utils.datasets.speech.load_spoken_digits`, called with
    ``fallback_args``: a :class:`.speech.SpokenDigits`, not this type); ``"fsdd"`` (the real data or
    :class:`course_utils.datasets.real.DataUnavailable`); ``"offline"`` (the synthesised digits).
    ``sample_rate``: the rate of the splits' waveforms (8,000 Hz as recorded; another rate resamples).
    """
    check_source(source, NAME)
    sample_rate = validation.integer("sample_rate", sample_rate, minimum=1000)
    where, contents, reason = real.try_load(NAME, source)
    if contents is not None:
        recordings = recordings_from(contents)
        splits = [RecordingSplit(name, [r for r in recordings if r.speaker in speakers], sample_rate)
                  for name, speakers in (("train", TRAIN_SPEAKERS), ("validation", VALIDATION_SPEAKERS),
                                         ("test", TEST_SPEAKERS))]
        announce(f"Free Spoken Digit Dataset ({where}, verified): {len(splits[0])} train ({', '.join(TRAIN_SPEAKERS)}), "
                 f"{len(splits[1])} validation ({', '.join(VALIDATION_SPEAKERS)}), {len(splits[2])} test "
                 f"({', '.join(TEST_SPEAKERS)}) recordings at {sample_rate} Hz")
        return RecordedDigits(*splits, source=real.DATASETS[NAME].title, where=where)
    from course_utils.datasets.speech import load_spoken_digits

    return real.fall_back("Free Spoken Digit Dataset", reason, load_spoken_digits, **(fallback_args or {}))
