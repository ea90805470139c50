"""Tests of course_utils.datasets.isolated_digits (chapter 14's synthetic isolated digits at 8 kHz)."""
import numpy as np
import pytest

from course_utils.datasets import speech
from course_utils.datasets.isolated_digits import SNR_CHOICES_DB, SyntheticDigits, load_synthetic_digits


def test_splits_are_balanced_use_their_own_voices_and_extend_with_n():
    data = load_synthetic_digits(n_train=30, n_val=20, seed=0)
    assert SyntheticDigits.labels(data.train).tolist() == [i % 10 for i in range(30)]
    assert set(data.train.variants) <= set(speech.TRAIN_VARIANTS)
    assert set(data.val.variants) <= set(speech.VALIDATION_VARIANTS)
    assert {u.snr_db for u in data.train.utterances} <= set(SNR_CHOICES_DB)
    bigger = load_synthetic_digits(n_train=40, n_val=20, seed=0)
    assert bigger.train.utterances[:30] == data.train.utterances
    assert load_synthetic_digits(n_train=30, n_val=20, seed=1).train.utterances != data.train.utterances


def test_waveforms_are_synthesised_at_8_khz_and_repeat_exactly():
    data = load_synthetic_digits(n_train=10, n_val=10, seed=0)
    assert data.train.sample_rate == 8000
    a, b = data.train.utterances[3].waveform(8000), data.train.waveforms(3, 4)[0]
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and 0.2 < len(a) / 8000 < 2.0


@pytest.mark.parametrize("kwargs, error", [({"n_train": 9}, ValueError), ({"n_val": 2}, ValueError),
                                           ({"seed": -1}, ValueError), ({"sample_rate": 4000}, ValueError),
                                           ({"n_train": 20.0}, TypeError)])
def test_bad_arguments_are_refused(kwargs, error):
    with pytest.raises(error):
        load_synthetic_digits(**kwargs)
