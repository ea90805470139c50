"""Log-mel features of chapter 13: frame counts, batch = one at a time, a tone lands in its mel band, and the
normalisation statistics come from training data only."""
import numpy as np
import pytest

from course_utils.speech import features as F
from course_utils.datasets import load_spoken_digits

RATE = 16_000


def tone(freq, seconds=0.5, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_frame_parameters_and_counts():
    assert F.frame_parameters(RATE) == {"frame_length": 400, "hop_length": 160, "fft_length": 512}
    assert F.n_frames(RATE, RATE) == 1 + (RATE - 400) // 160 == 98
    assert F.n_frames(100, RATE) == 1  # shorter than a frame: one zero-padded frame
    assert F.log_mel_spectrogram(tone(440), RATE).shape == (F.n_frames(RATE // 2, RATE), F.N_MELS)
    assert F.log_mel_spectrogram(np.zeros(100, np.float32), RATE).shape == (1, F.N_MELS)


def test_a_batch_gives_what_each_waveform_gives_alone():
    waves = [tone(300, 0.3), tone(1200, 0.71), tone(2500, 0.05)]
    batch = F.log_mel_spectrogram(waves, RATE, n_mels=20)
    for wave, features in zip(waves, batch):
        alone = F.log_mel_spectrogram(wave, RATE, n_mels=20)
        assert features.dtype == np.float32 and features.shape == alone.shape
        np.testing.assert_allclose(features, alone, atol=1e-4)


@pytest.mark.parametrize("freq", [250.0, 1000.0, 3000.0])
def test_a_tone_is_loudest_in_the_mel_band_around_its_frequency(freq):
    features = F.log_mel_spectrogram(tone(freq), RATE)
    band = int(np.argmax(features.mean(axis=0)))
    mel = lambda f: 1127.0 * np.log1p(f / 700.0)  # the HTK mel scale that tf.signal uses
    edges = np.linspace(mel(F.FMIN), mel(RATE / 2), F.N_MELS + 2)
    centre = 700.0 * np.expm1(edges[band + 1] / 1127.0)
    assert abs(mel(centre) - mel(freq)) <= (edges[1] - edges[0]), (band, centre)


def test_silence_stays_finite():
    features = F.log_mel_spectrogram(np.zeros(RATE // 4, np.float32), RATE)
    assert np.all(np.isfinite(features)) and features.max() == pytest.approx(np.log(F.LOG_FLOOR))


def test_the_normaliser_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = [rng.normal(3.0, 2.0, size=(n, 5)) for n in (40, 70, 55)]
    test = [rng.normal(-1.0, 0.5, size=(30, 5))]
    normaliser = F.FeatureNormalizer().fit(train)
    frames = np.concatenate(normaliser.transform(train))
    np.testing.assert_allclose(frames.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(frames.std(axis=0), 1, atol=1e-5)
    shifted = normaliser.transform(test)[0]
    assert shifted.dtype == np.float32 and shifted.mean() < -1.5  # the test data keep their own offset
    with pytest.raises(RuntimeError, match="fit"):
        F.FeatureNormalizer().transform(test)
    with pytest.raises(ValueError, match="5 mel bands"):
        normaliser.transform([np.zeros((3, 4))])


def test_per_utterance_normalisation_and_padding():
    rng = np.random.default_rng(1)
    utterances = [rng.normal(5.0, 3.0, size=(n, 4)) for n in (10, 25)]
    for f in F.normalise_per_utterance(utterances):
        np.testing.assert_allclose(f.mean(axis=0), 0, atol=1e-5)
        np.testing.assert_allclose(f.std(axis=0), 1, atol=1e-4)
    padded, lengths = F.pad_batch(utterances)
    assert padded.shape == (2, 25, 4) and padded.dtype == np.float32 and lengths.tolist() == [10, 25]
    assert np.all(padded[0, 10:] == 0) and np.allclose(padded[1], utterances[1])


def test_features_of_a_split_match_its_waveforms(capsys):
    data = load_spoken_digits(n_train=5, n_val=5, n_test=5)
    features = F.split_features(data.val, batch_size=2)
    direct = F.log_mel_spectrogram(data.val.waveforms(), data.val.sample_rate)
    assert len(features) == 5 and all(np.allclose(a, b, atol=1e-4) for a, b in zip(features, direct))
    assert all(len(f) == F.n_frames(len(w), 16_000) for f, w in zip(features, data.val.waveforms()))


@pytest.mark.parametrize("call,error", [
    (lambda: F.log_mel_spectrogram([np.zeros((2, 400))], RATE), ValueError),
    (lambda: F.log_mel_spectrogram(tone(440), RATE, fmax=9000.0), ValueError),
    (lambda: F.log_mel_spectrogram(tone(440), RATE, n_mels=0), ValueError),
    (lambda: F.log_mel_spectrogram(tone(440), 16000.0), TypeError),
    (lambda: F.frame_parameters(RATE, frame_ms=0.05), ValueError),
    (lambda: F.pad_batch([np.zeros((3, 4)), np.zeros((3, 5))]), ValueError),
])
def test_bad_arguments_raise(call, error):
    with pytest.raises(error):
        call()
