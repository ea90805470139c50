"""Tests of course_utils.speech.speakers (chapter 14's isolated-digit classifiers, features and augmentation)."""
import numpy as np
import pytest

from course_utils.speech import features as F
from course_utils.speech import speakers as S


def _tone(seconds, frequency=440.0, rate=S.SAMPLE_RATE):
    t = np.arange(int(seconds * rate)) / rate
    return (0.1 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def test_featurise_gives_one_matrix_of_n_mels_bands_per_waveform():
    waves = [_tone(0.3), _tone(0.55, 1000.0)]
    out = S.featurise(waves)
    assert [f.shape for f in out] == [(F.n_frames(len(w), S.SAMPLE_RATE), S.N_MELS) for w in waves]
    assert all(f.dtype == np.float32 for f in out)


def test_augment_waveform_shifts_adds_noise_and_depends_only_on_the_generator():
    wave = _tone(0.4)
    a = S.augment_waveform(wave, np.random.default_rng(3))
    b = S.augment_waveform(wave, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    assert len(wave) <= len(a) <= len(wave) + int(0.1 * S.SAMPLE_RATE)
    shift = len(a) - len(wave)
    noise = a[shift:] - wave
    snr = 10 * np.log10(np.mean(wave.astype(float) ** 2) / np.mean(noise.astype(float) ** 2))
    assert 9.0 < snr < 41.0
    exact = S.augment_waveform(wave, np.random.default_rng(0), max_shift_s=0.0, snr_range_db=(20.0, 20.0))
    assert len(exact) == len(wave)
    measured = 10 * np.log10(np.mean(wave.astype(float) ** 2) / np.mean((exact - wave).astype(float) ** 2))
    assert abs(measured - 20.0) < 0.5


@pytest.mark.parametrize("kwargs, error", [
    ({"wave": np.zeros((2, 10))}, ValueError),
    ({"wave": np.zeros(0)}, ValueError),
    ({"rng": 3}, TypeError),
    ({"snr_range_db": (30.0, 10.0)}, ValueError),
    ({"max_shift_s": "0.1"}, TypeError),
])
def test_augment_waveform_rejects_bad_input(kwargs, error):
    arguments = {"wave": _tone(0.1), "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error):
        S.augment_waveform(**arguments)


def test_normalise_padded_equals_the_per_utterance_normalisation_and_zeroes_padding():
    rng = np.random.default_rng(0)
    ragged = [rng.normal(3.0, 2.0, size=(n, 6)).astype(np.float32) for n in (9, 4, 13)]
    x, mask = S.pad(ragged)
    x[~mask] = 7.0  # padding may hold anything
    out = S.normalise_padded(x, mask.astype(int))
    for row, expected in zip(out, F.normalise_per_utterance(ragged)):
        np.testing.assert_allclose(row[: len(expected)], expected, atol=1e-5)
    assert out.dtype == np.float32 and (out[~mask] == 0).all()
    constant = S.normalise_padded(np.ones((1, 4, 2)), np.ones((1, 4), bool))
    assert np.all(constant == 0)  # a constant band: std floored, no NaN


def test_normalise_padded_rejects_a_mask_of_the_wrong_shape():
    with pytest.raises(ValueError, match="mask must have shape"):
        S.normalise_padded(np.zeros((2, 5, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError):
        S.normalise_padded(np.zeros((5, 3)), np.ones((5,)))


def test_pad_rounds_up_to_a_multiple_and_marks_real_frames():
    x, mask = S.pad([np.ones((3, 2)), np.ones((17, 2))])
    assert x.shape == (2, 32, 2) and mask.sum(axis=1).tolist() == [3, 17]
    assert (x[~mask] == 0).all()


def test_length_groups_cover_every_index_once_and_shuffle_with_a_generator():
    lengths = [5, 1, 9, 3, 7, 2, 8]
    groups = S.length_groups(lengths, 3)
    assert [len(g) for g in groups] == [3, 3, 1]
    assert sorted(np.concatenate(groups).tolist()) == list(range(7))
    shuffled = S.length_groups(lengths, 3, np.random.default_rng(1))
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, groups))
    with pytest.raises(ValueError):
        S.length_groups(lengths, 0)


@pytest.mark.parametrize("architecture", S.ARCHITECTURES)
def test_classifiers_ignore_padding_exactly(architecture):
    model = S.build_classifier(architecture, n_mels=8, units=4, filters=4, dropout=0.2)
    x = np.random.default_rng(1).normal(size=(2, 11, 8)).astype(np.float32)
    x[1, 6:] = 0.0  # the second utterance has 6 real frames
    longer = np.concatenate([x, np.zeros((2, 9, 8), np.float32)], axis=1)
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(model(longer)), atol=1e-6)
    alone = np.asarray(model(x[1:, :6]))
    np.testing.assert_allclose(np.asarray(model(x))[1:], alone, atol=1e-6)
    assert model(x).shape == (2, S.N_CLASSES)


def test_the_conv_front_end_halves_the_mask_with_the_frames():
    layer = S.masked_conv_pool(3, 3)
    mask = np.array([[True] * 5 + [False] * 4])
    assert np.asarray(layer.compute_mask(np.zeros((1, 9, 2)), mask)).tolist() == [[True, True, True, False, False]]
    assert layer.compute_output_shape((None, 9, 2)) == (None, 5, 3)


@pytest.mark.parametrize("kwargs", [{"architecture": "lstm"}, {"dropout": 1.0}, {"units": 0}, {"dropout": "0.3"}])
def test_build_classifier_rejects_bad_arguments(kwargs):
    with pytest.raises((ValueError, TypeError)):
        S.build_classifier(**kwargs)


@pytest.mark.parametrize("kwargs", [{"normalisation": "batch"}, {"architecture": "cnn"}, {"epochs": 0},
                                    {"augment": "yes"}, {"batch_size": 1.5}])
def test_recipe_rejects_bad_fields(kwargs):
    with pytest.raises((ValueError, TypeError)):
        S.Recipe(**kwargs)


def test_train_and_score_learns_two_tones_and_is_deterministic(tmp_path):
    waves = [_tone(0.2 + 0.01 * i, 300.0 if i % 2 else 2500.0) for i in range(16)]
    labels = [i % 2 for i in range(16)]
    recipe = S.Recipe("utterance", "conv", 0.0, True, epochs=3, learning_rate=1e-2, batch_size=8, units=4)
    weights = str(tmp_path / "m.weights.h5")
    a = S.train_and_score(recipe, waves, labels, {"same": waves}, seed=0, weights_out=weights)
    b = S.train_and_score(recipe, waves, labels, {"same": waves}, seed=0)
    assert [h["epoch"] for h in a["history"]] == [1, 2, 3]
    assert a["predictions"] == b["predictions"] and len(a["predictions"]["same"]) == 16
    assert a["history"][-1]["loss"] < a["history"][0]["loss"]
    tuned = S.train_and_score(S.Recipe(**{**recipe.as_dict(), "epochs": 1}), waves, labels, {"same": waves},
                              initial_weights=weights)
    assert len(tuned["history"]) == 1
    with pytest.raises(ValueError, match="pair up"):
        S.train_and_score(recipe, waves, labels[:3], {})
