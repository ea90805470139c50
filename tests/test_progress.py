"""The learner's progress file: recorded by every checker call, never breaking one, never the learner's own file
under pytest."""
import json
import os

from course_utils import config, progress
from course_utils.exercises import check, solution


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
    assert (tmp_path / "p.json.corrupt").exists()
    target.write_text(json.dumps({"format": 1, "exercises": ["wrong shape"]}))
    assert progress.load() == {}
    monkeypatch.setenv(progress.PROGRESS_VAR, str(tmp_path / "a-file" / "inside-a-file.json"))
    (tmp_path / "a-file").write_text("")  # the folder cannot be created: recording is skipped silently
    assert check("ema_states", solution("ema_states")) is solution("ema_states")


def test_report_is_one_table_per_chapter(tmp_path, monkeypatch):
    from pathlib import Path

    from course_build.readme import chapters

    monkeypatch.setenv(progress.PROGRESS_VAR, str(tmp_path / "p.json"))
    progress.record("rnn_step", "passed")
    text = progress.report(chapters(Path(__file__).resolve().parent.parent))
    assert "02_rnn_forward_pass.ipynb" in text and "rnn_step" in text
    line = next(l for l in text.splitlines() if l.strip().startswith("rnn_step"))
    assert "passed" in line and "yes" in line
    assert "ema_states" in text and "not attempted" in text
