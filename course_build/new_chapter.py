"""A new chapter from the template: ``python3 course.py new-chapter NN topic "Title"``.

The notebook it writes has every cell the tests, the README, the site, the slides and the instructor guide read
(CONTRIBUTING.md, "Rules every chapter follows"): the first cell with the title, the one-line summary, the learning
objectives, the prerequisites and the run-time line ``run`` fills in; the setup cell; the knobs cell with the
package's one way to name seeds and to time code; the sections every chapter has (summary, review questions with
answers in ``<details>``, further reading). Cells are numbered ``c000``, ``c001``, ... like every stored chapter.
Replace the text in angle brackets, then execute and store it with ``python3 course.py run --write notebooks/NN_topic.ipynb``.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_build.conventions import normalise_cell_ids

SLUG = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*")

FIRST_CELL = """\
# {number} · {title}

**In this chapter:** <one line: what a learner can do afterwards; the README's "what you learn" column>.

**After this chapter you will be able to** <two to four objectives, each a verb: explain ..., implement ..., measure ...>.

**Prerequisites:** <the chapters (and outside knowledge) this one builds on>.

**Measured full-mode run time:** not measured yet"""

SETUP_CELL = """\
from course_utils import setup

setup()"""

KNOBS_CELL = """\
from course_utils import COLOURS, claim, declare_targets, over_seeds, pick, record, seeds, stopwatch

# Every knob that trades time for quality is one line: quick mode (what the tests run) stays under 60 s.
EPOCHS = pick(quick=1, full=10)
SEEDS = seeds()  # (0,) in quick mode, (0, 1, 2) in full mode; pass seeds=SEEDS to over_seeds"""

FIRST_SECTION = """\
## <The first idea>

<The idea in a few sentences, its math, then code that shows it and an `assert` that checks it. Figures take their
colours from `COLOURS` (or `"C0"`, `"C1"`, ...); code is timed with `with stopwatch() as clock:` and
`clock.seconds`. A headline number is recorded with `record(...)` after its target was declared with
`declare_targets(claim(...))` before the experiment.>"""

SUMMARY = """\
## Summary

* <what the chapter showed, one line each, with the numbers it measured>"""

REVIEW = """\
## Review questions

1. <A question the chapter answers?>
   <details><summary>Answer</summary><The answer.></details>
2. <Another question?>
   <details><summary>Answer</summary><Its answer.></details>"""

FURTHER_READING = """\
## Further reading

* <Author (year). Title. Where it was published.>"""


def template(number: str, title: str) -> nbformat.NotebookNode:
    """The notebook of a new chapter ``number`` (two digits) called ``title``."""
    nb = new_notebook(cells=[
        new_markdown_cell(FIRST_CELL.format(number=number, title=title)),
        new_code_cell(SETUP_CELL),
        new_code_cell(KNOBS_CELL),
        new_markdown_cell(FIRST_SECTION),
        new_markdown_cell(SUMMARY),
        new_markdown_cell(REVIEW),
        new_markdown_cell(FURTHER_READING),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    normalise_cell_ids(nb)
    return nb


def create(root, number: str, slug: str, title: str) -> Path:
    """Write ``notebooks/<number>_<slug>.ipynb`` under the checkout ``root`` and return its path; refuses a number
    or a file that exists already, a number that is not two digits, a slug that is not lower_case_words."""
    number, title = str(number), " ".join(str(title).split())
    if not re.fullmatch(r"\d\d", number):
        raise ValueError(f"the chapter number must be two digits such as 14, got {number!r}")
    if not SLUG.fullmatch(slug):
        raise ValueError(f"the topic must be lower-case words joined by _, such as speech_synthesis, got {slug!r}")
    if not title:
        raise ValueError("the title must not be empty")
    folder = Path(root) / "notebooks"
    taken = sorted(folder.glob(f"{number}_*.ipynb"))
    if taken:
        raise FileExistsError(f"chapter {number} exists already: {taken[0].name}")
    path = folder / f"{number}_{slug}.ipynb"
    nbformat.write(template(number, title), str(path))
    return path


def add_command(sub) -> None:
    """The ``new-chapter`` command, added to the CLI's sub-parsers (:mod:`course_build.cli`)."""
    p = sub.add_parser("new-chapter", help="write notebooks/NN_topic.ipynb from the template, with every required cell")
    p.add_argument("number", help="two digits, e.g. 14")
    p.add_argument("topic", help="lower-case words joined by _, e.g. speech_synthesis (the file name)")
    p.add_argument("title", help='the title, e.g. "Speech synthesis"')
    p.set_defaults(func=command)


def command(args) -> int:
    import sys

    from course_build.repository import find_root

    root = find_root()
    if root is None:
        print("error: not inside a checkout of the course (no README.md and notebooks/ here or above)", file=sys.stderr)
        return 2
    try:
        path = create(root, args.number, args.topic, args.title)
    except (ValueError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    relative = path.relative_to(root).as_posix()
    print(f"wrote {relative}: replace the text in <angle brackets>, then `python3 course.py run --write {relative}`, and add "
          "its row to chapter 00's table 'How the course is organised' (CONTRIBUTING.md, 'Checklist: adding a chapter')")
    return 0
