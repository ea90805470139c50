"""The learner's copy of each chapter for a live class: ``python3 course.py handout [NN ...]``.

The stored chapters hold the full-mode outputs; a learner's copy (``_build/handout/NN_topic.ipynb``) has

* every output and execution count cleared, and the run's metadata (code hash, times, versions) removed, so the
  learners run each cell themselves in class;
* every exercise as its stub (the function body raises ``NotImplementedError``) followed by its checker call,
  as the chapter stores it: :func:`exercise_problems` reports an exercise whose function is not a stub any more;
* the Markdown (and the answers to the review questions, folded in ``<details>``) unchanged.

Hand the copies out; collect them afterwards and grade them with ``python3 course.py grade``.
"""
from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat

_CHECK = re.compile(r"""(\w+)\s*=\s*check\(\s*["']([A-Za-z0-9_]+)["']\s*,\s*(\w+)""")


def learner_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` with outputs, execution counts, cell execution times and the course's run metadata removed."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("course", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def exercise_problems(nb) -> list:
    """Exercises of ``nb`` whose checked function is not a stub (its body does not raise NotImplementedError)."""
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for _, exercise, function in _CHECK.findall(cell.source):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                problems.append(f"{exercise}: its cell is not valid Python")
                continue
            defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
            if not defs:
                continue  # defined in an earlier cell
            raises = [n for n in ast.walk(defs[-1]) if isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n)]
            if not raises:
                problems.append(f"{exercise}: {function}() is not a stub (no raise NotImplementedError)")
    return problems


def write(paths, out) -> list:
    """Write the learner's copy of each chapter in ``paths`` into ``out``; returns ``[(path, problems)]``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in map(Path, paths):
        nb = nbformat.read(str(path), as_version=4)
        target = out / path.name
        nbformat.write(learner_copy(nb), str(target))
        written.append((target, exercise_problems(nb)))
    return written


def add_command(sub) -> None:
    """The ``handout`` command, added to the CLI's sub-parsers (:mod:`course_build.cli`)."""
    p = sub.add_parser("handout", help="the learner's copy of chapters for a live class (outputs cleared, exercise "
                                       "stubs and their checkers kept) in _build/handout")
    p.add_argument("chapters", nargs="*", help="chapter numbers such as 05 (default: every chapter)")
    p.add_argument("--out", help="output folder (default: _build/handout)")
    p.set_defaults(func=command)


def command(args) -> int:
    import sys

    from course_build.repository import chapters, find_root
    from course_build.slides import find_chapter

    root = find_root()
    if root is None:
        print("error: not inside a checkout of the course (no README.md and notebooks/ here or above)", file=sys.stderr)
        return 2
    try:
        paths = [find_chapter(root, n) for n in args.chapters] or chapters(root)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failed = 0
    for target, problems in write(paths, Path(args.out) if args.out else root / "_build" / "handout"):
        print(f"wrote {target}" + "".join(f"\n  warning: {p}" for p in problems))
        failed += bool(problems)
    return 1 if failed else 0
