"""course.py, the README's entry point: usage errors and the environment fingerprint."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_unknown_command_prints_usage_and_exits_2():
    proc = subprocess.run([sys.executable, str(REPO / "course.py"), "bogus"], capture_output=True, text=True)
    assert proc.returncode == 2 and "python3 course.py lab" in proc.stdout


def test_fingerprint_changes_with_the_pinned_files(tmp_path, monkeypatch):
    sys.path.insert(0, str(REPO))
    try:
        import course
    finally:
        sys.path.remove(str(REPO))
    for name in ("pyproject.toml", "requirements-lock.txt"):
        (tmp_path / name).write_text((REPO / name).read_text())
    monkeypatch.setattr(course, "ROOT", tmp_path)
    before = course._fingerprint()
    assert course._fingerprint() == before  # a second call reuses the environment
    (tmp_path / "requirements-lock.txt").write_text("numpy==0.0.0\n")
    assert course._fingerprint() != before  # a changed lock file triggers a reinstall
