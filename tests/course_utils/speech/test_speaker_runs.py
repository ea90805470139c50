"""Tests of course_utils.speech.speaker_runs (chapter 14's trainings in one-thread processes)."""
import numpy as np
import pytest

from course_utils.speech import speaker_runs as R
from course_utils.speech import speakers as S


def _tone(seconds, frequency):
    t = np.arange(int(seconds * S.SAMPLE_RATE)) / S.SAMPLE_RATE
    return (0.1 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def test_a_wave_store_gives_back_what_it_was_given():
    with R.WaveStore() as store:
        waves = [_tone(0.1, 440), _tone(0.25, 880)]
        store.add("train", waves, [3, 7], ["ann", "bob"])
        got, digits, speakers = store.load("train")
        assert [len(w) for w in got] == [len(w) for w in waves]
        np.testing.assert_array_equal(got[1], waves[1])
        assert digits.tolist() == [3, 7] and speakers == ["ann", "bob"]
        with pytest.raises(KeyError, match="stored: train"):
            store.load("test")
        directory = store.directory
    assert not directory.exists()


@pytest.mark.parametrize("name, waves, digits, speakers", [
    ("two words", [np.zeros(10)], [1], ["a"]),
    ("train", [np.zeros(10)], [1, 2], ["a"]),
    ("train", [], [], []),
    ("train", [np.zeros(10)], [10], ["a"]),
    ("train", [np.zeros(10)], [1.5], ["a"]),
    ("train", [np.zeros((2, 10))], [1], ["a"]),
])
def test_a_wave_store_rejects_bad_sets(name, waves, digits, speakers):
    with R.WaveStore() as store, pytest.raises(ValueError):
        store.add(name, waves, digits, speakers)


def test_runs_check_their_recipe_and_seed():
    with pytest.raises(ValueError):
        R.Run("x", {"normalisation": "batch"})
    with pytest.raises(TypeError):
        R.Run("x", {}, seed="0")


def test_run_all_refuses_duplicate_names_and_a_start_from_the_same_call():
    with R.WaveStore() as store:
        with pytest.raises(ValueError, match="must differ"):
            R.run_all(store, [R.Run("a", {}), R.Run("a", {})], workers=0)
        with pytest.raises(ValueError, match="earlier call"):
            R.run_all(store, [R.Run("a", {}, save=True), R.Run("b", {}, start_from="a")], workers=0)


def test_run_all_trains_scores_per_speaker_and_fine_tunes_in_a_fresh_process():
    waves = [_tone(0.2 + 0.01 * i, 300.0 if i % 2 else 2500.0) for i in range(12)]
    digits = [i % 2 for i in range(12)]
    speakers = ["ann" if i < 6 else "bob" for i in range(12)]
    recipe = S.Recipe("utterance", "bigru", epochs=2, learning_rate=1e-2, batch_size=6, units=4).as_dict()
    with R.WaveStore() as store:
        store.add("train", waves, digits, speakers)
        store.add("test", waves, digits, speakers)
        first = R.run_all(store, [R.Run("base", recipe, score_sets=("test",), save=True)], workers=0, verbose=False)
        base = first["base"]
        assert set(base.by_speaker["test"]) == {"ann", "bob"} and len(base.history) == 2
        assert base.accuracy["test"] == pytest.approx(np.mean(np.array(base.predictions["test"]) == digits))
        tuned = R.run_all(store, [R.Run("tuned", {**recipe, "epochs": 1}, start_from="base", score_sets=("test",))],
                          workers=1, verbose=False)["tuned"]
        assert len(tuned.history) == 1 and isinstance(tuned.run, R.Run)
