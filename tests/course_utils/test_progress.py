"""The learner's progress file: recorded by every checker call, never breaking one, never the learner's own file
under pytest."""
import json
import os

from course_utils import config, progress
from course_utils.exercises import check, solution

from tests._paths import REPO


def test_pytest_never_uses_the_learners_progress_file():
    assert os.environ.get(progress.PROGRESS_VAR), "conftest.py must point progress at a throw-away file"
    assert config.cache_dir() not in progress.progress_file().parents


def test_a_check_records_passed_failed_and_not_attempted(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(progress.PROGRESS_VAR, str(tmp_path / "p.json"))

    def stub(x, alpha, h0=0.0):
        raise NotImplementedError

    check("ema_states", stub)
    assert progress.load()["ema_states"]["status"] == "not attempted"
    check("ema_states", lambda x, alpha, h0=0.0: x)
    check("ema_states", solution("ema_states"))
    entry = progress.load()["ema_states"]
    assert entry["status"] == "passed" and entry["attempts"] == 2 and entry["passed_once"]
    check("ema_states", lambda x, alpha, h0=0.0: x)
    assert progress.load()["ema_states"] == {**entry, "status": "failed", "attempts": 3, "last": progress.load()["ema_states"]["last"]}


def test_a_corrupt_or_unwritable_file_never_breaks_a_checker(tmp_path, monkeypatch, capsys):
    target = tmp_path / "p.json"
    target.write_text("{not json")
    monkeypatch.setenv(progress.PROGRESS_VAR, str(target))
    assert check("ema_states", solution("ema_states")) is solution("ema_states")
    assert json.loads(target.read_text())["exercises"]["ema_states"]["status"] == "passed"
    kept = list(tmp_path.glob("p.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    assert str(kept[0].name) in capsys.readouterr().err  # the learner is told where the damaged file went
    target.write_text(json.dumps({"format": 1, "exercises": ["wrong shape"]}))
    assert progress.load() == {}
    monkeypatch.setenv(progress.PROGRESS_VAR, str(tmp_path / "a-file" / "inside-a-file.json"))
    (tmp_path / "a-file").write_text("")  # the folder cannot be created: recording is skipped silently
    assert check("ema_states", solution("ema_states")) is solution("ema_states")


def test_report_is_one_table_per_chapter(tmp_path, monkeypatch):
    from pathlib import Path

    from course_build.readme import chapters

    monkeypatch.setenv(progress.PROGRESS_VAR, str(tmp_path / "p.json"))
    progress.log_attempt("rnn_step", "passed")
    text = progress.report(chapters(REPO))
    assert "02_rnn_forward_pass.ipynb" in text and "rnn_step" in text
    line = next(l for l in text.splitlines() if l.strip().startswith("rnn_step"))
    assert "passed" in line and "yes" in line
    assert "ema_states" in text and "not attempted" in text


# --------------------------------------------------------------------------- issue 30: no learner's record is lost

def test_reading_never_renames_or_rewrites_a_damaged_file(tmp_path, monkeypatch):
    target = tmp_path / "p.json"
    target.write_text("{not json")
    monkeypatch.setenv(progress.PROGRESS_VAR, str(target))
    assert progress.load() == {}
    text = progress.report([], target)
    assert "damaged" in text and "left as it is" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"] and target.read_text() == "{not json"


def test_every_damaged_file_is_kept_under_its_own_name(tmp_path, monkeypatch, capsys):
    target = tmp_path / "p.json"
    monkeypatch.setenv(progress.PROGRESS_VAR, str(target))
    for n in range(2):
        target.write_text(f"damaged number {n}")
        progress.log_attempt("ema_states", "passed")
    kept = sorted(tmp_path.glob("p.json.damaged-*"))
    assert sorted(p.read_text() for p in kept) == ["damaged number 0", "damaged number 1"]
    assert progress.load()["ema_states"]["status"] == "passed"


def test_a_file_that_cannot_be_read_is_left_alone(tmp_path, monkeypatch, capsys):
    from pathlib import Path

    target = tmp_path / "p.json"
    target.write_text(json.dumps({"format": 1, "exercises": {"rnn_step": {
        "status": "passed", "attempts": 4, "passed_once": True, "last": "x"}}}))
    real = Path.read_bytes

    def refuse(self):
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    progress.log_attempt("ema_states", "passed", target)
    assert "cannot be read" in capsys.readouterr().err
    monkeypatch.undo()
    assert list(progress.load(target)) == ["rnn_step"]  # not overwritten with a single record
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["p.json"]


RECORDER = """
import sys
from course_utils import progress
for _ in range(int(sys.argv[2])):
    progress.log_attempt("ema_states", "failed", sys.argv[1])
"""


def test_processes_recording_at_once_lose_no_update(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    target = tmp_path / "p.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [subprocess.Popen([sys.executable, "-c", RECORDER, str(target), "75"], env=env) for _ in range(4)]
    assert [run.wait(timeout=120) for run in runs] == [0] * 4
    assert progress.load(target)["ema_states"]["attempts"] == 300


def test_records_of_the_wrong_type_are_refused_clearly_and_the_valid_ones_kept(tmp_path, monkeypatch, capsys):
    import pytest

    target = tmp_path / "p.json"
    good = {"status": "failed", "attempts": 2, "passed_once": False, "last": "x"}
    target.write_text(json.dumps({"format": 1, "exercises": {
        "rnn_step": good,
        "ema_states": {"status": "passed", "attempts": "3", "passed_once": "no", "last": "x"},
        "gru_step": {"status": "passed", "attempts": 1, "passed_once": "no", "last": "x"}}}))
    assert progress.load(target) == {"rnn_step": good}
    assert "passed_once 'no'" in progress.problem(target)
    text = progress.report([], target)
    assert "damaged" in text
    progress.log_attempt("ema_states", "passed", target)  # no TypeError, and later records keep working
    progress.log_attempt("ema_states", "failed", target)
    entry = progress.load(target)["ema_states"]
    assert entry["attempts"] == 2 and entry["passed_once"] is True and progress.problem(target) is None
    assert progress.load(target)["rnn_step"] == good
    with pytest.raises(ValueError, match="status must be one of"):
        progress.log_attempt("ema_states", "yes", target)
    with pytest.raises(ValueError, match="exercise name"):
        progress.log_attempt(3, "passed", target)
