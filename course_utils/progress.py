"""The learner's progress: which exercises passed, failed or are not attempted yet, kept on this machine only.

Every checker call (:func:`course_utils.exercises.check`) calls :func:`record` once with the exercise's name and
the outcome. The outcomes go to a small JSON file in the course's cache directory
(``<cache dir>/progress.json``; ``COURSE_PROGRESS_FILE`` names another file, which the test suite uses so it never
touches a learner's file). Nothing leaves the machine. ``python3 course.py progress`` prints one table per
chapter (:func:`report`).

Recording never breaks a checker: a missing, unreadable or corrupt file is treated as empty (a corrupt one is set
aside as ``progress.json.corrupt``), and a file that cannot be written is skipped silently.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from course_utils import config

PROGRESS_VAR = "COURSE_PROGRESS_FILE"
FILENAME = "progress.json"
FORMAT = 1
PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([A-Za-z0-9_]+)["']""")


def progress_file() -> Path:
    """Where the progress is kept: ``COURSE_PROGRESS_FILE`` if set, else ``<cache dir>/progress.json``."""
    if os.environ.get(PROGRESS_VAR):
        return Path(os.environ[PROGRESS_VAR]).expanduser()
    return config.cache_dir() / FILENAME


def load(path=None) -> dict:
    """The recorded outcomes, ``{exercise: {"status", "attempts", "passed_once", "last"}}``; ``{}`` when the file
    is missing or cannot be read (a corrupt file is renamed to ``*.corrupt`` so the next record starts afresh)."""
    path = Path(path or progress_file())
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        exercises = data["exercises"]
        if not isinstance(exercises, dict) or not all(isinstance(v, dict) for v in exercises.values()):
            raise ValueError("exercises is not a mapping of records")
        return exercises
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError):
        try:
            path.replace(path.with_name(path.name + ".corrupt"))
        except OSError:
            pass
        return {}


def record(exercise: str, status: str, path=None) -> None:
    """Note that the checker of ``exercise`` just reported ``status`` (passed / failed / not attempted).

    Never raises: progress is a convenience, and a checker must work whatever happens to the file."""
    try:
        path = Path(path or progress_file())
        exercises = load(path)
        entry = exercises.get(exercise, {})
        attempted = status != NOT_ATTEMPTED
        exercises[exercise] = {
            "status": status,
            "attempts": int(entry.get("attempts", 0)) + (1 if attempted else 0),
            "passed_once": bool(entry.get("passed_once", False) or status == PASSED),
            "last": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump({"format": FORMAT, "exercises": exercises}, stream, indent=1, sort_keys=True)
        os.replace(temporary, path)
    except Exception:  # noqa: BLE001 - a full disk, a read-only home, ...: the checker goes on
        return


def exercises_by_chapter(notebooks) -> dict:
    """``{chapter notebook name: [exercise names in order]}``, read from the ``check("name", ...)`` calls."""
    found = {}
    for path in notebooks:
        path = Path(path)
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        names = []
        for cell in cells:
            if cell.get("cell_type") == "code":
                source = "".join(cell.get("source", ""))
                names += [n for n in _CHECK_CALL.findall(source) if n not in names]
        if names:
            found[path.name] = names
    return found


def report(notebooks, path=None) -> str:
    """One table per chapter: each exercise, its last status, attempts and whether it ever passed."""
    recorded = load(path)
    chapters = exercises_by_chapter(notebooks)
    lines = [f"progress file: {config.display_path(path or progress_file())}"]
    total = done = 0
    for chapter, names in chapters.items():
        lines += ["", chapter, f"  {'exercise':<24} {'status':<14} {'attempts':>8}  ever passed"]
        for name in names:
            entry = recorded.get(name, {})
            status = entry.get("status", NOT_ATTEMPTED)
            ever = "yes" if entry.get("passed_once") else "no"
            lines.append(f"  {name:<24} {status:<14} {entry.get('attempts', 0):>8}  {ever}")
            total += 1
            done += bool(entry.get("passed_once"))
    lines += ["", f"{done} of {total} exercises passed at least once"]
    return "\n".join(lines)
