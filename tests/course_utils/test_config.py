"""Modes, the offline switch, the cache directory and the setup call."""
import sys

import numpy as np
import pytest

from course_utils import backend as keras_backend
from course_utils import config


def test_mode_defaults_to_full(monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    assert config.mode() == "full"
    assert config.pick(quick=1, full=2) == 2


def test_quick_mode_picks_quick(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", " Quick ")
    assert config.is_quick()
    assert config.pick(quick="q", full="f") == "q"


def test_unknown_mode_lists_allowed_values(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "fast")
    with pytest.raises(config.ConfigError, match="'fast'.*'quick', 'full'"):
        config.mode()


@pytest.mark.parametrize("value,expected", [("1", True), ("yes", True), ("ON", True), ("0", False), ("", False), ("no", False)])
def test_offline_values(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_OFFLINE", value)
    assert config.offline() is expected


def test_offline_rejects_unknown_value(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "maybe")
    with pytest.raises(config.ConfigError, match="'maybe'"):
        config.offline()


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "course"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    assert config.cache_dir() == tmp_path / "course"
    monkeypatch.delenv("COURSE_CACHE_DIR")
    assert config.cache_dir(create=True) == tmp_path / "keras" / "course_rnn"
    assert (tmp_path / "keras" / "course_rnn").is_dir()


def test_display_path_hides_the_home_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.display_path(tmp_path / "a" / "b") == "~/a/b"


def test_setup_seeds_everything_and_prints_one_banner(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODE", "quick")
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    import keras

    info = config.setup(seed=7)
    first = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.uniform((3,), seed=None)))
    config.setup(seed=7)
    second = (np.random.rand(3), keras.ops.convert_to_numpy(keras.random.uniform((3,), seed=None)))
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == 2 and lines[0].startswith("Course setup: quick mode") and "Keras" in lines[0]
    name = keras.backend.backend()
    library = {"tensorflow": "TensorFlow", "jax": "JAX"}[name]
    assert lines[0].endswith(f"| seed 7 | {library} {info[name]}, Keras {keras.__version__} (backend: {name})")
    assert info["backend"] == name == config.backend()
    assert info["mode"] == "quick" and info["seed"] == 7


def test_setup_rejects_a_bad_seed():
    with pytest.raises(config.ConfigError, match="non-negative int"):
        config.setup(seed=-1)


def test_seeds_is_the_one_way_to_name_the_seeds(monkeypatch):
    monkeypatch.setenv(config.MODE_VAR, "quick")
    assert config.seeds() == (0,) and config.seeds(quick=3) == (0, 1, 2)
    monkeypatch.setenv(config.MODE_VAR, "full")
    assert config.seeds() == (0, 1, 2) and config.seeds(full=5) == (0, 1, 2, 3, 4)
    with pytest.raises(ValueError, match="positive number of seeds"):
        config.seeds(quick=0)


def test_the_named_palette_is_the_plot_cycle():
    named = (config.COLOURS.blue, config.COLOURS.orange, config.COLOURS.green, config.COLOURS.vermilion,
             config.COLOURS.purple, config.COLOURS.sky_blue, config.COLOURS.yellow, config.COLOURS.black)
    assert named == config.OKABE_ITO


@pytest.mark.parametrize("value,message", [
    ("tensorflw", "is not a Keras backend"),
    ("torch", "torch is not installed"),
])
def test_setup_names_an_unusable_backend_and_what_to_do(monkeypatch, value, message):
    monkeypatch.setitem(sys.modules, "keras", None)
    monkeypatch.setenv("KERAS_BACKEND", value)
    monkeypatch.setattr(keras_backend, "backend_version", lambda name: "not installed")
    with pytest.raises(config.ConfigError, match=message):
        config.setup()
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    with pytest.raises(config.ConfigError, match=r"python3 course.py setup --jax"):
        config.setup()
