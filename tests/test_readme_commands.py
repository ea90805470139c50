"""The README's commands, as a newcomer types them from a fresh clone (issue 31): every one goes through
``python3 course.py``, names a command that exists, and the cheap ones run.

``python3 course.py <tool command>`` sets the environment up (minutes, once) and then runs
``python -m course_build <tool command>`` inside it; here the environment is the one running the tests, so the
second step is run exactly as course.py runs it, and the first is covered by tests/test_course_script.py.
"""
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests._paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
COMMAND = re.compile(r"python3 course\.py(?: [^`#\n]*)?")
# Cheap enough to run here: the argument lists as the README gives them, output folders moved to a temporary one.
CHEAP = ("--help", "results", "data", "progress", "slides", "guide", "handout", "download --list")


def _course():
    sys.path.insert(0, str(REPO))
    try:
        import course
    finally:
        sys.path.pop(0)
    return course


def readme_commands() -> list:
    """Every ``python3 course.py ...`` the README shows, in code blocks and inline code, without comments."""
    found = []
    for match in COMMAND.finditer(README):
        text = " ".join(match.group(0).split())
        if text not in found:
            found.append(text)
    return found


def test_every_readme_command_goes_through_course_py_and_exists():
    course = _course()
    known = set(course.OWN_COMMANDS) | set(course.TOOL_COMMANDS) | {"--help"}
    commands = readme_commands()
    assert len(commands) >= 10
    unknown = [c for c in commands if len(c.split()) > 2 and c.split()[2] not in known and c.split()[2] != "<command>"]
    assert unknown == []
    for wrong in (".venv/bin/python", "python -m course_utils", "source .venv"):
        assert wrong not in README, f"the README says {wrong!r}: give every command as python3 course.py <command>"


def test_the_readme_says_what_a_newcomer_asked(tmp_path):
    """Setup time and disk, the progress file and its reset, where the guide goes, serve rebuilding, download."""
    for words in ("minutes", "3.1 GB", "progress.json", "to start over, delete", "_build/instructor-guide.md",
                  "rebuilds the site", "python3 course.py download", "python3 course.py grade",
                  "python3 course.py handout"):
        assert words in README, words
    first_screen = README.split("## Chapters")[0]
    assert "<!-- results:start -->" not in first_screen  # the long results table is further down


@pytest.mark.parametrize("cheap", CHEAP)
def test_the_cheap_readme_commands_run(cheap, tmp_path):
    shown = [c for c in readme_commands() if c == f"python3 course.py {cheap}" or c.startswith(f"python3 course.py {cheap} ")]
    assert shown, f"the README no longer shows python3 course.py {cheap}"
    args = shlex.split(shown[0])[2:]
    if args[0] in ("slides", "guide", "handout"):
        args += ["--out", str(tmp_path / "out")]
    env = {**os.environ, "COURSE_PROGRESS_FILE": str(tmp_path / "progress.json")}
    if args[0] == "--help":  # course.py answers this itself, with the system's Python, before any setup
        command = [sys.executable, str(REPO / "course.py"), *args]
    else:  # what course.py runs once the environment exists
        command = [sys.executable, "-m", "course_build", *args]
    process = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert process.returncode == 0, f"{shown[0]} failed:\n{process.stdout[-2000:]}\n{process.stderr[-2000:]}"
    assert process.stdout.strip()
