"""The learner's copy of a chapter for a live class (issue 31): outputs cleared, exercise stubs and checkers kept."""
import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from course_build import handout
from course_build.repository import chapters

from tests._paths import REPO



def test_every_chapter_becomes_a_learner_copy_with_its_stubs_and_checkers(tmp_path):
    written = handout.write(chapters(REPO), tmp_path)
    assert [p.name for p, _ in written] == [p.name for p in chapters(REPO)]
    assert [(p.name, problems) for p, problems in written if problems] == []  # every exercise is a stub
    for (copy, _), stored in zip(written, chapters(REPO)):
        nb, original = nbformat.read(str(copy), as_version=4), nbformat.read(str(stored), as_version=4)
        assert "course" not in nb.metadata
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None and "execution" not in c.metadata for c in code)
        assert [c.source for c in nb.cells] == [c.source for c in original.cells]  # text and code unchanged
        checks = sum("= check(" in c.source for c in code)
        assert checks == sum("= check(" in c.source for c in original.cells if c.cell_type == "code")


def test_an_exercise_that_is_no_longer_a_stub_is_reported(tmp_path):
    solved = new_code_cell('def f(x):\n    return x\n\n\nf = check("ema_states", f)')
    stub = new_code_cell('def g(x):\n    # your code\n    raise NotImplementedError\n\n\ng = check("rnn_step", g)')
    problems = handout.exercise_problems(new_notebook(cells=[solved, stub]))
    assert problems == ["ema_states: f() is not a stub (no raise NotImplementedError)"]


def test_the_handout_command_writes_the_chosen_chapters(tmp_path):
    process = subprocess.run([sys.executable, "-m", "course_build", "handout", "02", "--out", str(tmp_path)],
                             capture_output=True, text=True, cwd=REPO)
    assert process.returncode == 0, process.stderr
    assert [p.name for p in tmp_path.iterdir()] == [p.name for p in chapters(REPO) if p.name.startswith("02")]
