"""tests/conftest.py's ``tensorflow_only`` marker: runs under TensorFlow, skipped with its reason under another
Keras backend, and refused without a reason."""
import os
import shutil
import subprocess
import sys

from tests._paths import REPO

SAMPLE = '''
import pytest


@pytest.mark.tensorflow_only("tf.GradientTape is the subject")
def test_tape():
    pass


def test_neutral():
    pass
'''


def _run(tmp_path, backend, sample=SAMPLE):
    shutil.copy(REPO / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_sample.py").write_text(sample)
    env = {**os.environ, "KERAS_BACKEND": backend}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "no:xdist",
                           str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, env=env)


def test_a_tensorflow_only_test_runs_on_tensorflow(tmp_path):
    proc = _run(tmp_path, "tensorflow")
    assert proc.returncode == 0 and "2 passed" in proc.stdout, proc.stdout[-2000:]


def test_a_tensorflow_only_test_is_skipped_with_its_reason_on_another_backend(tmp_path):
    backend = "jax"
    proc = _run(tmp_path, backend)
    assert proc.returncode == 0 and "1 passed, 1 skipped" in proc.stdout, proc.stdout[-2000:]
    assert f"TensorFlow-only under KERAS_BACKEND={backend}: tf.GradientTape is the subject" in proc.stdout


def test_the_marker_needs_a_reason(tmp_path):
    proc = _run(tmp_path, "jax", sample="import pytest\n\n\n@pytest.mark.tensorflow_only\ndef test_x():\n    pass\n")
    assert proc.returncode != 0 and "tensorflow_only needs one reason" in proc.stdout + proc.stderr
