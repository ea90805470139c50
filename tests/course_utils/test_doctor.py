"""`python3 course.py doctor` reports versions, hardware, mode and cache, and every problem with a fix."""
import subprocess
import sys

from course_utils.doctor import diagnose, doctor


def test_doctor_runs_and_reports_everything():
    proc = subprocess.run([sys.executable, "-m", "course_build", "doctor"], capture_output=True, text=True)
    for label in ("Python", "tensorflow", "keras", "numpy", "keras backend", "CPU cores", "TF threads", "GPU", "mode", "offline", "speech synthesiser", "cache directory"):
        assert label in proc.stdout, label
    assert proc.returncode == 0, proc.stdout


def test_doctor_reports_bad_settings_with_what_to_do(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setenv("COURSE_MODE", "turbo")
    rows = {r.label: r for r in diagnose(import_tensorflow=False)}
    assert "COURSE_CACHE_DIR" in rows["cache directory"].problem
    assert "'quick', 'full'" in rows["mode"].problem
    assert doctor(import_tensorflow=False) == 2


def test_doctor_names_the_supported_range_from_the_package_metadata(monkeypatch):
    import importlib

    doctor_module = importlib.import_module("course_utils.doctor")

    assert doctor_module.supported_python().replace(" ", "") in ("<3.14,>=3.10", ">=3.10,<3.14")
    monkeypatch.setattr(doctor_module, "supported_python", lambda: ">=3.99")
    rows = {r.label: r for r in diagnose(import_tensorflow=False)}
    assert "supports Python >=3.99 (pyproject.toml's requires-python)" in rows["Python"].problem


def test_doctor_says_whether_the_speech_synthesiser_loads(monkeypatch):
    import importlib

    doctor_module = importlib.import_module("course_utils.doctor")
    rows = {r.label: r for r in diagnose(import_tensorflow=False)}
    assert rows["speech synthesiser"].value.startswith("eSpeak NG 1.") and not rows["speech synthesiser"].problem
    monkeypatch.setattr(doctor_module.espeak, "status", lambda: (False, "espeakng-loader is not installed: run x"))
    rows = {r.label: r for r in diagnose(import_tensorflow=False)}
    assert rows["speech synthesiser"].value == "does not load"
    assert "espeakng-loader is not installed" in rows["speech synthesiser"].problem


def test_doctor_names_the_keras_backend_and_its_library(monkeypatch):
    import importlib

    keras_backend = importlib.import_module("course_utils.backend")
    monkeypatch.setattr(keras_backend, "backend", lambda: "tensorflow")
    rows = {r.label: r for r in diagnose(import_tensorflow=False)}
    assert rows["keras backend"].value == "tensorflow (KERAS_BACKEND)" and not rows["keras backend"].problem
    assert "jax" not in rows
    monkeypatch.setattr(keras_backend, "backend", lambda: "jax")
    monkeypatch.setattr(keras_backend, "backend_version", lambda name: "0.10.2")
    rows = {r.label: r for r in diagnose(import_tensorflow=False)}
    assert rows["keras backend"].value == "jax (KERAS_BACKEND)" and rows["jax"].value == "0.10.2"
    monkeypatch.setattr(keras_backend, "backend_version", lambda name: "not installed")
    rows = {r.label: r for r in diagnose(import_tensorflow=False)}
    assert "python3 course.py setup --jax" in rows["keras backend"].problem
