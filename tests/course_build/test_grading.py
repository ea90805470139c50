"""The grading command (issue 31): correct, wrong, stub, empty, broken, looping and hostile submissions, each
executed in its own folder and process; one never stops the others."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_build import grading
from course_build.grading_run import sandbox_environment

from tests._paths import REPO

HEAD = "from course_utils import check\nimport numpy as np"
CORRECT = '''def ema_states(x, alpha, h0=0.0):
    x = np.asarray(x, dtype=float)
    h = np.broadcast_to(np.asarray(h0, dtype=float), (x.shape[0],)).copy()
    out = np.empty(x.shape)
    for t in range(x.shape[1]):
        h = alpha * h + (1 - alpha) * x[:, t]
        out[:, t] = h
    return out
ema_states = check("ema_states", ema_states)'''
LATE = CORRECT.replace("""        h = alpha * h + (1 - alpha) * x[:, t]
        out[:, t] = h""", """        out[:, t] = h  # stored before the update: one step late
        h = alpha * h + (1 - alpha) * x[:, t]""")
STUB = 'def ema_states(x, alpha, h0=0.0):\n    raise NotImplementedError\nema_states = check("ema_states", ema_states)'
LOOP = "import time\nwhile True:  # ignores the interrupt: only the submission's time limit stops it\n" \
       "    try:\n        time.sleep(0.2)\n    except KeyboardInterrupt:\n        pass"
HOSTILE = '''import os, socket
open(os.path.expanduser("~/written-by-a-submission"), "w").write("x")
try:
    socket.create_connection(("example.org", 80), timeout=2)
    print("NETWORK REACHED")
except OSError as error:
    print("blocked:", type(error).__name__)
os.kill(os.getppid(), 9)  # the runner that executes this notebook'''


def _notebook(path: Path, *sources):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), str(path))
    return path


@pytest.fixture()
def course(tmp_path):
    """A course checkout with one chapter that owes the exercise ema_states."""
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    (root / "README.md").write_text("# course\n")
    nbformat.write(new_notebook(cells=[new_markdown_cell("# 00 · Demo"), new_code_cell(HEAD), new_code_cell(STUB)]),
                   str(root / "notebooks" / "00_demo.ipynb"))
    return root


def test_a_class_is_graded_and_no_submission_stops_the_others(course, tmp_path, monkeypatch):
    home = tmp_path / "instructor-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    subs = tmp_path / "submissions"
    _notebook(subs / "alice" / "00_demo.ipynb", HEAD, CORRECT)
    _notebook(subs / "bob" / "00_demo.ipynb", HEAD, LATE)
    _notebook(subs / "carol" / "00_demo.ipynb", HEAD, STUB)
    _notebook(subs / "dave" / "00_demo.ipynb")  # empty: no cells at all
    (subs / "erin").mkdir()
    (subs / "erin" / "00_demo.ipynb").write_text("{ this is not a notebook")
    _notebook(subs / "frank" / "00_demo.ipynb", HEAD, LOOP, CORRECT)
    _notebook(subs / "grace" / "00_demo.ipynb", HEAD, "raise ValueError('oops')\n" + CORRECT)
    _notebook(subs / "mallory" / "00_demo.ipynb", HEAD, HOSTILE, CORRECT)
    out = tmp_path / "grades"
    grades = grading.grade([subs], out, root=course, total_seconds=45, cell_seconds=8, say=lambda *_: None)
    by = {g.learner: g for g in grades}
    assert sorted(by) == ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "mallory"]
    assert len(grades) == 8 and {g.exercise for g in grades} == {"ema_states"}
    assert by["alice"].status == "passed"
    assert by["bob"].status == "failed" and by["bob"].case == "alpha = 0, no memory" and "one step late" in by["bob"].hint
    assert by["carol"].status == "not attempted"
    assert by["dave"].status == "not run" and "no check(" in by["dave"].note
    assert by["erin"].status == "not run" and "not a notebook" in by["erin"].note
    assert by["frank"].status == "not run" and "time limit of 45 s" in by["frank"].note
    assert by["grace"].status == "not run" and "ValueError: oops" in by["grace"].note
    assert by["mallory"].status == "not run" and "runner ended" in by["mallory"].note
    assert not (home / "written-by-a-submission").exists()  # its home was a temporary folder
    executed = json.loads((out / "executed" / "mallory" / "00_demo.ipynb").read_text()) if (
        out / "executed" / "mallory" / "00_demo.ipynb").exists() else None
    if executed is not None:  # killed runner: the executed copy may be missing, never the network
        assert "NETWORK REACHED" not in json.dumps(executed)
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["learner"] for r in rows] == sorted(by) and rows[1]["case"] == "alpha = 0, no memory"
    text = (out / "summary.md").read_text()
    assert "| alice | pass | 1/1 |" in text and "| bob | FAIL | 0/1 |" in text
    assert "1 passed, 1 failed, 1 not attempted, 5 not run" in text and "1 x case 'alpha = 0, no memory': your states are shifted one step late" in text


def test_grades_from_reports_without_running_anything(tmp_path):
    path = _notebook(tmp_path / "07_x.ipynb", HEAD, 'a = check("first", f)', 'b = check("second", g)')
    run = {"checks": [{"exercise": "first", "status": "failed", "case": "c1", "hint": "h", "message": "m"},
                      {"exercise": "first", "status": "passed"}],
           "cells": {"errors": [{"cell": 2, "error": "NameError: g"}]}, "stopped": None}
    grades = grading.grades_of("ann", path, ["first", "second", "third"], run)
    assert [(g.exercise, g.status) for g in grades] == [("first", "passed"), ("second", "not run"), ("third", "not run")]
    assert grades[1].note == "its cell raised NameError: g" and "no check(" in grades[2].note
    assert grading.expected_exercises(path, {}) == ["first", "second"]  # no such course chapter: its own calls
    assert grading.expected_exercises(path, {"07_y.ipynb": ["z"]}) == ["z"]


def test_submissions_are_found_per_learner_folder_or_per_file(tmp_path):
    _notebook(tmp_path / "a" / "alice" / "05_x.ipynb")
    _notebook(tmp_path / "a" / "alice" / ".ipynb_checkpoints" / "05_x-checkpoint.ipynb")
    _notebook(tmp_path / "a" / "bob_05.ipynb")
    found = grading.find_submissions([tmp_path / "a"])
    assert [(learner, p.name) for learner, p in found] == [("alice", "05_x.ipynb"), ("bob_05", "bob_05.ipynb")]
    with pytest.raises(FileNotFoundError):
        grading.find_submissions([tmp_path / "nowhere"])


def test_every_writable_place_of_a_run_is_inside_its_folder(tmp_path):
    env = sandbox_environment(tmp_path)
    for name in ("HOME", "TMPDIR", "XDG_CACHE_HOME", "KERAS_HOME", "IPYTHONDIR", "COURSE_CACHE_DIR",
                 "COURSE_PROGRESS_FILE", "COURSE_CHECK_LOG", "MPLCONFIGDIR", "JUPYTER_DATA_DIR"):
        assert Path(env[name]).is_relative_to(tmp_path), name
    assert env["COURSE_OFFLINE"] == "1" and env["COURSE_MODE"] == "quick"
    assert (tmp_path / "home" / ".ipython" / "profile_default" / "startup" / "00-course-offline-guard.py").is_file()


def test_the_grade_command_is_listed_and_refuses_a_missing_folder(tmp_path):
    root = REPO
    process = subprocess.run([sys.executable, "-m", "course_build", "grade", str(tmp_path / "missing")],
                             capture_output=True, text=True, cwd=root)
    assert process.returncode == 2 and "no such file or folder" in process.stderr


def test_a_checker_logs_its_outcome_only_for_the_grader(tmp_path, monkeypatch, capsys):
    import numpy as np

    from course_utils import check
    from course_utils.progress import CHECK_LOG_VAR

    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv(CHECK_LOG_VAR, raising=False)
    check("ema_states", lambda x, alpha, h0=0.0: np.zeros_like(x))
    assert not list(tmp_path.glob("*.jsonl"))
    monkeypatch.setenv(CHECK_LOG_VAR, str(tmp_path / "checks.jsonl"))
    check("ema_states", lambda x, alpha, h0=0.0: np.zeros_like(x))
    entry = json.loads((tmp_path / "checks.jsonl").read_text())
    assert entry["exercise"] == "ema_states" and entry["status"] == "failed" and entry["case"]
