"""The learner's progress: which exercises passed, failed or are not attempted yet, kept on this machine only.

Every checker call (:func:`course_utils.exercises.check`) calls :func:`log_attempt` once with the exercise's name and
the outcome. The outcomes go to a small JSON file in the course's cache directory
(``<cache dir>/progress.json``; ``COURSE_PROGRESS_FILE`` names another file, which the test suite and the notebook
runner use so they never touch a learner's file). Nothing leaves the machine. ``python3 course.py progress``
prints one table per chapter (:func:`report`).

Records are never destroyed:

* Reading (:func:`load`, :func:`report`) only reads: a damaged file is reported, never renamed or rewritten.
* :func:`log_attempt` reads, changes and writes the file under a lock (``<file>.lock``, ``fcntl.flock`` where
  available), so checkers running in several kernels at once do not lose each other's updates; the new file
  replaces the old one atomically.
* A damaged file (not JSON, the wrong shape, a record with wrong types) is copied, before anything is written,
  to a unique name next to it (``progress.json.damaged-<time>-<random>``) and the message says where; the valid
  records it still holds are kept. A file that cannot be read (permissions) is left alone and nothing is
  recorded, with a message saying why.
* Recording never breaks a checker: a file that cannot be written is skipped with a one-line message.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from course_utils import config

PROGRESS_VAR = "COURSE_PROGRESS_FILE"
CHECK_LOG_VAR = "COURSE_CHECK_LOG"  # set by the grading command: each checker's outcome, one JSON line each
FILENAME = "progress.json"
FORMAT = 1
PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
STATUSES = (PASSED, FAILED, NOT_ATTEMPTED)
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([A-Za-z0-9_]+)["']""")


class ProgressFileError(ValueError):
    """The progress file cannot be read, or is damaged; ``salvaged`` holds the valid records it still has."""

    def __init__(self, message: str, salvaged: dict | None = None, readable: bool = True):
        super().__init__(message)
        self.salvaged, self.readable = salvaged or {}, readable


def progress_file() -> Path:
    """Where the progress is kept: ``COURSE_PROGRESS_FILE`` if set, else ``<cache dir>/progress.json``."""
    if os.environ.get(PROGRESS_VAR):
        return Path(os.environ[PROGRESS_VAR]).expanduser()
    return config.cache_dir() / FILENAME


def entry_problem(name, entry) -> str | None:
    """Why a stored record is not valid, or None."""
    if not isinstance(name, str) or not name:
        return f"the exercise name {name!r} is not text"
    if not isinstance(entry, dict):
        return f"the record of {name!r} is {type(entry).__name__}, not an object"
    if entry.get("status") not in STATUSES:
        return f"the record of {name!r} has status {entry.get('status')!r}, not one of {', '.join(STATUSES)}"
    attempts = entry.get("attempts")
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0:
        return f"the record of {name!r} has attempts {attempts!r}, not a whole number"
    if not isinstance(entry.get("passed_once"), bool):
        return f"the record of {name!r} has passed_once {entry.get('passed_once')!r}, not true or false"
    if not isinstance(entry.get("last", ""), str):
        return f"the record of {name!r} has a \"last\" time that is not text"
    return None


def _read(path: Path) -> dict:
    """The valid records; raises :class:`ProgressFileError` (with what could be salvaged) when damaged."""
    where = config.display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ProgressFileError(f"the progress file {where} cannot be read ({error.strerror or error})",
                                readable=False) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ProgressFileError(f"the progress file {where} is damaged (not JSON: {error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
        raise ProgressFileError(f"the progress file {where} is damaged (no \"exercises\" object)")
    valid, problems = {}, []
    for name, entry in data["exercises"].items():
        problem = entry_problem(name, entry)
        if problem:
            problems.append(problem)
        else:
            valid[name] = entry
    if problems:
        raise ProgressFileError(f"the progress file {where} is damaged ({'; '.join(problems[:3])}"
                                f"{' ...' if len(problems) > 3 else ''})", salvaged=valid)
    return valid


def load(path=None) -> dict:
    """The recorded outcomes, ``{exercise: {"status", "attempts", "passed_once", "last"}}``; ``{}`` when the file
    is missing. Only reads: a damaged file gives its valid records (none if it is not JSON), an unreadable one
    ``{}``; :func:`problem` says what is wrong."""
    try:
        return _read(Path(path or progress_file()))
    except ProgressFileError as error:
        return error.salvaged


def problem(path=None) -> str | None:
    """What is wrong with the progress file (damaged, unreadable), or None."""
    try:
        _read(Path(path or progress_file()))
    except ProgressFileError as error:
        return str(error)
    return None


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``<path>.lock`` for a read-modify-write (best effort where there is no ``fcntl``)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock (one learner, one kernel at a time is the common case)
        yield
        return
    fd = os.open(path.with_name(path.name + ".lock"),
                 os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _keep_damaged(path: Path) -> Path:
    """Copy the damaged file to a unique name next to it (never overwriting an earlier copy); return that name."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    fd, kept = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.damaged-{stamp}-", suffix="")
    with os.fdopen(fd, "wb") as out:
        out.write(path.read_bytes())
    return Path(kept)


def _say(message: str) -> None:
    print(f"progress: {message}", file=sys.stderr)


def log_attempt(exercise: str, status: str, path=None) -> None:
    """Note that the checker of ``exercise`` just reported ``status`` (passed / failed / not attempted).

    Raises ValueError for an exercise name that is not text or an unknown status (a programming error). Never
    raises for the file: progress is a convenience, and a checker must work whatever happens to the file."""
    if not isinstance(exercise, str) or not exercise:
        raise ValueError(f"progress.log_attempt: the exercise name must be non-empty text, got {exercise!r}")
    if status not in STATUSES:
        raise ValueError(f"progress.log_attempt: status must be one of {', '.join(STATUSES)}, got {status!r}")
    path = Path(path or progress_file())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            try:
                exercises = _read(path)
            except ProgressFileError as error:
                if not error.readable:
                    _say(f"{error}; left as it is and this result was not recorded")
                    return
                kept = _keep_damaged(path)
                exercises = error.salvaged
                _say(f"{error}; a copy is kept as {config.display_path(kept)}, and the {len(exercises)} valid "
                     "records go on in the progress file")
            entry = exercises.get(exercise, {})
            attempted = status != NOT_ATTEMPTED
            exercises[exercise] = {
                "status": status,
                "attempts": entry.get("attempts", 0) + (1 if attempted else 0),
                "passed_once": entry.get("passed_once", False) or status == PASSED,
                "last": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            }
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".json")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump({"format": FORMAT, "exercises": exercises}, stream, indent=1, sort_keys=True)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
    except OSError as error:  # a full disk, a read-only home, a file in the folder's place: the checker goes on
        _say(f"could not record {exercise!r} in {config.display_path(path)} ({error.strerror or error}); "
             f"set {PROGRESS_VAR} to a writable file to keep your progress")
        return


def log_check(exercise: str, status: str, case=None, hint=None, message: str = "") -> None:
    """When ``COURSE_CHECK_LOG`` names a file (``python3 course.py grade`` sets it for each submission), append
    one JSON line with a checker's outcome: exercise, status, the failing case and the hint that names the
    mistake. Does nothing otherwise; never raises (a checker must work whatever happens to the file)."""
    target = os.environ.get(CHECK_LOG_VAR)
    if not target:
        return
    line = {"exercise": exercise, "status": status, "case": case, "hint": hint,
            "message": (message or "").strip().splitlines()[0][:300] if message else ""}
    try:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(line) + "\n")
    except OSError as error:
        _say(f"could not log {exercise!r} in {target} ({error.strerror or error})")


def exercises_by_chapter(notebooks) -> dict:
    """``{chapter notebook name: [exercise names in order]}``, read from the ``check("name", ...)`` calls."""
    found = {}
    for path in notebooks:
        path = Path(path)
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        names = []
        for cell in cells if isinstance(cells, list) else []:
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = "".join(cell.get("source", ""))
                names += [n for n in _CHECK_CALL.findall(source) if n not in names]
        if names:
            found[path.name] = names
    return found


def report(notebooks, path=None) -> str:
    """One table per chapter: each exercise, its last status, attempts and whether it ever passed. Only reads."""
    path = Path(path or progress_file())
    recorded, trouble = load(path), problem(path)
    chapters = exercises_by_chapter(notebooks)
    lines = [f"progress file: {config.display_path(path)}"]
    if trouble:
        lines.append(f"warning: {trouble}; showing the records that could be read. The file is left as it is "
                     "(the next checker call keeps a copy of it under a unique name before writing).")
    total = done = 0
    for chapter, names in chapters.items():
        lines += ["", chapter, f"  {'exercise':<24} {'status':<14} {'attempts':>8}  ever passed"]
        for name in names:
            entry = recorded.get(name, {})
            status = entry.get("status", NOT_ATTEMPTED)
            ever = "yes" if entry.get("passed_once") is True else "no"
            lines.append(f"  {name:<24} {status:<14} {entry.get('attempts', 0):>8}  {ever}")
            total += 1
            done += entry.get("passed_once") is True
    lines += ["", f"{done} of {total} exercises passed at least once"]
    return "\n".join(lines)
