"""Tests of course_utils.speech.model and course_utils.speech.runs (chapter 13's acoustic model and its runs)."""
import numpy as np
import pytest

from course_utils.speech import ctc
from course_utils.speech import model as M
from course_utils.speech import runs as R

TRAINS_WITH_TF = pytest.mark.tensorflow_only("chapter 13's CTC training loop is a tf.function with tf.GradientTape")


def test_output_lengths_are_ceil_divisions():
    assert M.output_lengths(np.array([172, 9, 1, 0])).tolist() == [43, 3, 1, 0]
    assert M.output_lengths(np.array([10]), strides=(3,)).tolist() == [4]
    with pytest.raises(ValueError):
        M.output_lengths(np.array([1.5]))


def test_output_lengths_match_the_model():
    model = M.build_acoustic_model(n_mels=8, filters=4, units=3)
    for frames in (1, 7, 8, 9, 33):
        out = model(np.zeros((1, frames, 8), np.float32))
        assert out.shape == (1, M.output_lengths(np.array([frames]))[0], ctc.N_CLASSES)


def test_masking_changes_only_inside_each_utterance_and_is_seeded():
    x = np.random.default_rng(0).normal(size=(3, 50, 40)).astype(np.float32) + 5.0
    lengths = np.array([50, 30, 12])
    a = M.mask_time_frequency(x, lengths, np.random.default_rng(1), max_time_width=10, max_freq_width=5)
    b = M.mask_time_frequency(x, lengths, np.random.default_rng(1), max_time_width=10, max_freq_width=5)
    np.testing.assert_array_equal(a, b)
    assert not np.shares_memory(a, x)
    changed = a != x
    assert np.all(a[changed] == 0.0)
    for row, length in zip(changed, lengths):
        assert not row[length:].any()  # padding untouched
        masked_frames = row[:length].all(axis=1).sum()
        assert masked_frames <= 2 * 10
        masked_bands = row[:length].all(axis=0).sum()
        assert masked_bands <= 2 * 5
    many = M.mask_time_frequency(np.ones((200, 40, 40), np.float32), np.full(200, 40), np.random.default_rng(2))
    assert (many == 0).any()


def test_masking_rejects_wrong_shapes():
    with pytest.raises(ValueError):
        M.mask_time_frequency(np.zeros((2, 5)), np.array([5, 5]), np.random.default_rng(0))
    with pytest.raises(ValueError):
        M.mask_time_frequency(np.zeros((2, 5, 3)), np.array([5]), np.random.default_rng(0))


def test_length_batches_cover_every_utterance_once_and_group_by_length():
    lengths = np.array([5, 50, 7, 49, 6, 48, 51])
    groups = M.length_batches(lengths, 3)
    assert sorted(np.concatenate(groups).tolist()) == list(range(7))
    assert [sorted(lengths[g].tolist()) for g in groups] == [[5, 6, 7], [48, 49, 50], [51]]
    shuffled = M.length_batches(lengths, 3, np.random.default_rng(0))
    assert sorted(map(tuple, map(sorted, shuffled))) == sorted(map(tuple, map(sorted, groups)))


def test_strategy_names():
    assert M._strategy("beam") == "beam_search" and M._strategy("greedy") == "greedy"
    with pytest.raises(ValueError):
        M._strategy("viterbi")


def test_run_config_checks_its_options():
    with pytest.raises(ValueError):
        R.RunConfig("x", "train", normalisation="per-band")
    with pytest.raises(ValueError):
        R.run_all(R.FeatureStore.__new__(R.FeatureStore), [R.RunConfig("a", "t"), R.RunConfig("a", "t")])


@TRAINS_WITH_TF
def test_feature_store_and_a_tiny_run_in_process():
    from course_utils.datasets import load_spoken_digits

    data = load_spoken_digits(n_train=12, n_val=5, n_test=5, seed=0)
    with R.FeatureStore() as store:
        store.featurise({"train": data.train, "val": data.val, "20 dB": data.test}, workers=0)
        features, digits = store.load("20 dB")
        assert digits == data.test.digits and len(features) == 5 and features[0].shape[1] == 40
        with pytest.raises(KeyError):
            store.load("clean")
        run = R.RunConfig("tiny", "train", "global", masking=True, max_epochs=2, budget_seconds=1e9,
                          test_sets=("20 dB",), save_model=True,
                          model_options={"filters": 8, "units": 4, "mask_padding": True})
        result = R.run_all(store, [run], workers=0, verbose=False)["tiny"]
        assert result.epochs == 2 and len(result.normaliser["mean"]) == 40
        row = result.summary()
        assert set(row) >= {"epochs", "val_der", "der_20 dB", "strings_20 dB"}
        assert len(result.scores["20 dB"]["hypotheses"]) == 5
        model = R.load_model(result)
        assert M.frame_posteriors(model, features[0]).shape == (M.output_lengths(np.array([len(features[0])]))[0], 11)
        directory = store.directory
    assert not directory.exists()


def test_run_config_trains_a_fixed_number_of_epochs_and_takes_the_old_name():
    assert R.RunConfig("a", "t").epochs == 30
    assert R.RunConfig("a", "t", max_epochs=4).epochs == 4 and R.RunConfig("a", "t", epochs=5).epochs == 5
    with pytest.raises(ValueError):
        R.RunConfig("a", "t", epochs=5, max_epochs=4)
    with pytest.raises(TypeError):
        R.RunConfig("a", "t", budget_seconds="soon")


def _tiny_data(n=10):
    rng = np.random.default_rng(0)
    features = [rng.normal(size=(int(t), 6)).astype(np.float32) for t in rng.integers(12, 30, size=n)]
    digits = ["".join(str(d) for d in rng.integers(0, 10, size=2)) for _ in range(n)]
    return features, digits


@TRAINS_WITH_TF
def test_train_ctc_trains_every_epoch_and_a_budget_only_warns():
    import keras

    features, digits = _tiny_data()
    keras.utils.set_random_seed(0)
    model = M.build_acoustic_model(n_mels=6, filters=4, units=3, mask_padding=True)
    with pytest.warns(RuntimeWarning, match="trains all its epochs anyway"):
        history = M.train_ctc(model, features, digits, features[:3], digits[:3], epochs=3, budget_seconds=0.0,
                              batch_size=4, verbose=False)
    assert [h["epoch"] for h in history] == [1, 2, 3]
    with pytest.raises(ValueError):
        M.train_ctc(model, features, digits, features, digits, epochs=2, max_epochs=3, verbose=False)


@TRAINS_WITH_TF
def test_a_run_in_a_fresh_process_gives_the_same_numbers_twice():
    """Seeds, one thread and op determinism: the chapter's numbers reproduce on the same machine."""
    from course_utils.datasets import load_spoken_digits

    data = load_spoken_digits(n_train=16, n_val=5, n_test=5, seed=0)
    with R.FeatureStore() as store:
        store.featurise({"train": data.train, "val": data.val, "20 dB": data.test}, workers=0)
        configs = [R.RunConfig(name, "train", "utterance", masking=True, epochs=2, test_sets=("20 dB",),
                               model_options={"filters": 8, "units": 4, "mask_padding": True}) for name in "ab"]
        a, b = R.run_all(store, configs, workers=1, verbose=False).values()
    assert [h["loss"] for h in a.history] == [h["loss"] for h in b.history]
    assert a.scores["20 dB"]["loss"] == b.scores["20 dB"]["loss"]
