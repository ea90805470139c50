"""Grading a class: ``python3 course.py grade SUBMISSIONS ... [--out FOLDER]``.

Given submitted notebooks (files, or folders searched for ``*.ipynb``), each one is executed in quick mode in a
folder and a process of its own (:mod:`course_build.grading_run`: home and caches redirected, the offline guard
on, a time limit per cell and per submission), and every checker call (``check("name", fn)``) reports its
outcome. The result, per learner and per exercise:

* ``passed``; ``failed``, with the case that failed and the hint that names the mistake when the checker knows
  it; ``not attempted`` (the stub still raises ``NotImplementedError``);
* ``not run``: the checker never reported, with the reason (the submission is not a notebook, its time ran out,
  the kernel died, the check cell raised, the check call was deleted).

Which exercises a submission owes comes from the course's own chapter with the same number (``05_*.ipynb`` for
a file named ``05_...ipynb``), or from the submission's ``check(...)`` calls when there is no such chapter. The
learner is the sub-folder a submission sits in (``submissions/alice/05_gated.ipynb``), or the file name.

Written to ``--out`` (default ``_build/grades``): ``grades.csv`` (one row per learner and exercise),
``summary.md`` (a learner x exercise table and, per exercise, the counts and the most common mistakes) and
``executed/`` (each executed submission, to look at a failure). A broken, looping or hostile submission never
stops the others, but this is not a security sandbox: see :mod:`course_build.grading_run`.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from course_utils.progress import FAILED, NOT_ATTEMPTED, PASSED, exercises_by_chapter

GUIDE_SECTION = """\
## Grading a class

Collect the learners' executed or unexecuted copies of a chapter, one folder per learner
(`submissions/alice/05_lstm.ipynb`, ...) or one file each, and run:

```bash
python3 course.py grade submissions/ --timeout 900 --cell-timeout 300
```

Each submission runs in quick mode in a temporary folder of its own, in a process of its own, with its home,
caches, progress file and temporary files redirected into that folder, `COURSE_OFFLINE=1` and the offline network
guard installed before its first cell, a time limit per cell (the cell is interrupted, the next cells still run)
and one for the whole submission (then its processes are killed). A broken, empty, looping or crashing
submission is reported as such and the next one runs. Every `check("name", fn)` of the chapter reports its
outcome: **passed**, **failed** with the case that failed and the hint naming the mistake when the checker knows
it, **not attempted** (the stub is untouched), or **not run** with the reason. `_build/grades/` then holds
`grades.csv` (one row per learner and exercise), `summary.md` (a learner x exercise table; per exercise, the
counts and the most common mistakes, which is where to start the next session) and `executed/` (each executed
submission).

**This is not a security sandbox.** A submission's code runs as your user: it can read and change your files,
start programs, reach the network through another process, and even fake its own checker results. The folders
above only keep well-behaved code from touching your progress file and caches. For submissions you do not trust
(an exam, an unknown class), grade inside a throw-away container or virtual machine that holds only the course
checkout and the submissions, without your credentials and without network, for example
`docker run --rm --network none -v "$PWD":/course -w /course <an image with Python> python3 course.py grade
submissions/`, and read the results from its `_build/grades/`.

**Why not nbgrader or otter-grader.** nbgrader manages assignments (release, collect, a database of students,
manual grading, feedback) around cells marked as solutions and hidden tests; otter-grader runs assertion-based
tests per question, in Docker when asked, and writes a CSV of scores. Both would need every exercise written a
second time as their tests, and their reports are points per question. This course's checkers already hold each
exercise's cases, each isolating one mistake, and hints for the typical wrong answers; running them with nbclient
gives the instructor the case that failed and the mistake behind it, with nothing to maintain twice and no
server or database. A class that needs nbgrader's workflow (deadlines, manual grades, an LMS) can still use it:
export `grades.csv`. Otter's Docker isolation is what the paragraph above recommends for untrusted code.
"""

NOT_RUN = "not run"
STATUSES = (PASSED, FAILED, NOT_ATTEMPTED, NOT_RUN)
SHORT = {PASSED: "pass", FAILED: "FAIL", NOT_ATTEMPTED: "-", NOT_RUN: "n/r"}
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([A-Za-z0-9_]+)["']""")


@dataclass
class Grade:
    """One learner's outcome on one exercise."""

    learner: str
    notebook: str
    exercise: str
    status: str
    case: str = ""
    hint: str = ""
    note: str = ""


def find_submissions(paths) -> list:
    """``[(learner, path)]`` for the given files and folders (folders searched recursively for ``*.ipynb``,
    skipping ``.ipynb_checkpoints``), sorted by learner and file."""
    found = []
    for given in map(Path, paths):
        if given.is_file():
            found.append((given.stem, given))
            continue
        if not given.is_dir():
            raise FileNotFoundError(f"no such file or folder: {given}")
        for path in sorted(given.rglob("*.ipynb")):
            relative = path.relative_to(given)
            if any(part.startswith(".") for part in relative.parts):
                continue
            learner = "/".join(relative.parts[:-1]) or path.stem
            found.append((learner, path))
    return sorted(found, key=lambda item: (item[0], item[1].name))


def expected_exercises(path: Path, course_chapters: dict) -> list:
    """The exercises a submission owes: its chapter's (same two-digit prefix), else its own check() calls."""
    prefix = path.name[:2]
    if prefix.isdigit():
        for name, exercises in course_chapters.items():
            if name[:2] == prefix:
                return list(exercises)
    return list(_check_cells(path))


def _check_cells(path: Path) -> dict:
    """``{exercise: index of the code cell calling check("exercise", ...)}`` in a submission (best effort)."""
    import json

    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except Exception:
        return {}
    found = {}
    for index, cell in enumerate(cells if isinstance(cells, list) else []):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            for name in _CHECK_CALL.findall("".join(cell.get("source", ""))):
                found.setdefault(name, index)
    return found


def grades_of(learner: str, path: Path, owed: list, run: dict) -> list:
    """The grades of one executed submission: the last outcome each checker reported, or why it never did."""
    reported = {}
    for entry in run["checks"]:
        reported[entry["exercise"]] = entry
    cells, errors = _check_cells(path), {e.get("cell"): e.get("error", "") for e in run["cells"].get("errors", [])}
    grades = []
    for exercise in list(owed) + [e for e in reported if e not in owed]:
        entry = reported.get(exercise)
        if entry is not None and entry.get("status") in STATUSES:
            grades.append(Grade(learner, path.name, exercise, entry["status"], entry.get("case") or "",
                                entry.get("hint") or "", "" if entry["status"] == PASSED else entry.get("message", "")))
            continue
        if run["stopped"]:
            note = run["stopped"]
        elif exercise not in cells:
            note = f'no check("{exercise}", ...) call in the submission'
        elif cells[exercise] in errors:
            note = f"its cell raised {errors[cells[exercise]]}"
        else:
            note = "the checker did not report (was check replaced?)"
        grades.append(Grade(learner, path.name, exercise, NOT_RUN, note=note))
    if not grades:
        grades.append(Grade(learner, path.name, "", NOT_RUN, note=run["stopped"] or "no exercise found"))
    return grades


def grade(paths, out, root=None, total_seconds: float = 900, cell_seconds: float = 300, say=print) -> list:
    """Grade every submission under ``paths``; writes ``out``/grades.csv, summary.md and executed/; returns the
    grades. ``root``: the course checkout whose chapters say which exercises are owed (None: each submission's
    own check calls)."""
    from course_build.grading_run import run_submission
    from course_build.repository import chapters

    out = Path(out)
    course_chapters = exercises_by_chapter(chapters(root)) if root is not None else {}
    grades = []
    for learner, path in find_submissions(paths):
        say(f"grading {learner}: {path.name} ...")
        owed = expected_exercises(path, course_chapters)
        keep = out / "executed" / learner / path.name
        run = run_submission(path, total_seconds, cell_seconds, keep=keep)
        mine = grades_of(learner, path, owed, run)
        say("  " + ", ".join(f"{g.exercise or '-'} {g.status}" for g in mine) + f"  ({run['seconds']:.0f} s)")
        grades += mine
    write(grades, out)
    return grades


def write(grades, out) -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(Grade.__dataclass_fields__))
        writer.writeheader()
        for g in grades:
            writer.writerow(asdict(g))
    (out / "summary.md").write_text(summary(grades), encoding="utf-8")


def summary(grades) -> str:
    """Markdown: the learner x exercise table, then per exercise the counts and the most common mistakes."""
    exercises = list(dict.fromkeys(g.exercise for g in grades if g.exercise))
    learners = list(dict.fromkeys(g.learner for g in grades))
    cell = {(g.learner, g.exercise): g.status for g in grades}
    lines = ["# Grades", "", f"{len(learners)} learner(s), {len(exercises)} exercise(s). "
             f"{SHORT[PASSED]} = passed, {SHORT[FAILED]} = failed, {SHORT[NOT_ATTEMPTED]} = not attempted, "
             f"{SHORT[NOT_RUN]} = not run (see grades.csv for why).", "",
             "| learner | " + " | ".join(exercises) + " | passed |", "|---|" + "---|" * (len(exercises) + 1)]
    for learner in learners:
        marks = [SHORT.get(cell.get((learner, e), NOT_RUN), "?") for e in exercises]
        passed = sum(cell.get((learner, e)) == PASSED for e in exercises)
        lines.append(f"| {learner} | " + " | ".join(marks) + f" | {passed}/{len(exercises)} |")
    lines += ["", "## Per exercise", ""]
    for exercise in exercises:
        mine = [g for g in grades if g.exercise == exercise]
        counts = Counter(g.status for g in mine)
        lines.append(f"### {exercise}")
        lines.append("")
        lines.append(", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s]))
        mistakes = Counter((g.case, g.hint) for g in mine if g.status == FAILED)
        for (case, hint), count in mistakes.most_common(5):
            where = f"case '{case}'" if case else "before any case"
            lines.append(f"* {count} x {where}" + (f": {hint}" if hint else ""))
        reasons = Counter(g.note for g in mine if g.status == NOT_RUN)
        for note, count in reasons.most_common(3):
            lines.append(f"* {count} x not run: {note}")
        lines.append("")
    return "\n".join(lines)


def add_command(sub) -> None:
    """The ``grade`` command, added to the CLI's sub-parsers (:mod:`course_build.cli`)."""
    p = sub.add_parser("grade", help="grade submitted notebooks: every exercise's checker, per learner (CSV + summary)",
                       description=__doc__.split("\n\n")[1])
    p.add_argument("submissions", nargs="+", help="notebooks, or folders of them (one sub-folder per learner)")
    p.add_argument("--out", help="output folder (default: _build/grades in the course, else ./grades)")
    p.add_argument("--timeout", type=float, default=900, help="seconds allowed per submission (default 900)")
    p.add_argument("--cell-timeout", type=float, default=300, help="seconds allowed per cell (default 300)")
    p.set_defaults(func=command)


def command(args) -> int:
    import sys

    from course_build.repository import find_root

    root = find_root()
    out = Path(args.out) if args.out else (root / "_build" / "grades" if root else Path("grades"))
    if min(args.timeout, args.cell_timeout) <= 0:
        print("error: time limits must be positive seconds", file=sys.stderr)
        return 2
    try:
        grades = grade(args.submissions, out, root=root, total_seconds=args.timeout, cell_seconds=args.cell_timeout)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not grades:
        print("error: no notebook found in the given files and folders", file=sys.stderr)
        return 2
    print(f"\n{summary(grades).split('## Per exercise')[0].strip()}\n")
    print(f"wrote {out / 'grades.csv'}, {out / 'summary.md'} and the executed submissions under {out / 'executed'}")
    return 0
