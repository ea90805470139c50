"""The Keras backend of the process, read without importing Keras."""
import sys

from course_utils import backend


def test_backend_before_keras_is_imported_follows_keras_backend_then_keras_json(monkeypatch, tmp_path):
    """What Keras will choose, read without importing it (doctor runs without TensorFlow)."""
    monkeypatch.setitem(sys.modules, "keras", None)  # as if Keras were not imported yet
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert backend.backend() == "tensorflow"
    (tmp_path / "keras.json").write_text('{"backend": "jax", "floatx": "float32"}')
    assert backend.backend() == "jax"
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert backend.backend() == "tensorflow"
    (tmp_path / "keras.json").write_text("{not json")
    monkeypatch.delenv("KERAS_BACKEND")
    assert backend.backend() == "tensorflow"


def test_a_process_with_keras_reports_keras_s_own_answer():
    import keras

    assert backend.backend() == keras.backend.backend()
    assert backend.backend_version("tensorflow") != "not installed"
    assert backend.backend_version("no-such-package-here") == "not installed"
