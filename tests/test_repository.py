"""Repository hygiene: the committed notebooks, the README table and the pytest environment."""
import os

import pytest

from course_build import conventions, hygiene, notebooks, readme, results_report
from course_utils import config

from tests._paths import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks found"
    assert all(p.name[:2].isdigit() and p.name[2] == "_" for p in NOTEBOOKS), "chapters are named NN_topic.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean(path):
    assert hygiene.hygiene_problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_states_its_measured_full_mode_time(path):
    nb = notebooks.read(path)
    stated = notebooks.format_seconds(nb.metadata["course"]["wall_time_s"])
    header = nb.cells[0].source
    assert f"**Measured full-mode run time:** {stated} on {config.REFERENCE_MACHINE}" in header


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_a_title_and_a_one_line_summary(path):
    row = readme.chapter_row(path)
    assert row["title"] != path.stem, "the first cell must start with '# NN · Title'"
    assert row["summary"], "the first cell needs a line '**In this chapter:** ...' (the README's 'what you learn')"


def test_readme_tables_match_the_notebooks():
    stale = readme.stale_sections(REPO)
    assert stale == [], f"README sections {stale} differ from the notebooks: run `python3 course.py run --write` " \
                        "or `python3 course.py readme`"


def test_stored_full_mode_results_meet_their_targets_on_enough_seeds():
    """Every claim met on >= 3 seeds, every declared target recorded (a missed expectation is allowed: shown)."""
    assert results_report.chapter_problems(NOTEBOOKS) == []


def test_no_declared_target_was_dropped_or_loosened():
    """notebooks/targets.json holds every target ever declared (the runner adds them); none may disappear from
    its chapter, become an expectation after being a claim, or ask for less."""
    declared = {}
    for path in NOTEBOOKS:
        stored = results_report.read_chapter(path)
        declared[stored.chapter] = stored.targets
    assert results_report.ledger_problems(results_report.read_ledger(REPO), declared) == []
    for chapter, targets in declared.items():
        for target in targets:
            assert results_report.ledger_key(chapter, target) in results_report.read_ledger(REPO), (
                f"chapter {chapter}: {target.describe()} is declared but not in notebooks/targets.json: "
                "re-run the chapter with `python3 course.py run --write`")


def test_pytest_runs_notebooks_in_quick_offline_mode():
    # conftest.py sets these before any kernel starts; nbval kernels inherit them, and setup() then
    # installs the network guard, so a notebook that touches the network fails the suite.
    assert os.environ["COURSE_MODE"] == "quick"
    assert os.environ["COURSE_OFFLINE"] == "1"


def test_no_large_or_data_files_committed():
    import subprocess

    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    for name in files:
        path = REPO / name
        assert not name.endswith((".csv", ".zip", ".gz", ".h5", ".keras", ".npz", ".tar")), name
        if path.suffix != ".ipynb" and path.is_file():
            assert path.stat().st_size < 500_000, f"{name} is large; no datasets or weights in the repository"


def test_every_convention_exemption_is_still_needed():
    """An exemption (course_build/notebooks.py, CONVENTION_EXEMPTIONS) covers one stored run of a chapter and only
    the conventions that run breaks; once the chapter is re-executed, or follows the convention, it goes."""
    by_chapter = {path.name[:2]: path for path in NOTEBOOKS}
    for chapter, (fingerprint, reasons) in conventions.CONVENTION_EXEMPTIONS.items():
        assert chapter in by_chapter, f"chapter {chapter} has no notebook: remove its exemption"
        nb = notebooks.read(by_chapter[chapter])
        assert conventions.run_fingerprint(nb) == fingerprint, (
            f"chapter {chapter} was re-executed since its exemption ({fingerprint}): remove the entry from "
            "CONVENTION_EXEMPTIONS (the chapter now follows every convention, hygiene_problems checks it)")
        broken = {convention for convention, _ in conventions.convention_findings(nb)}
        assert set(reasons) <= broken, f"chapter {chapter} follows {sorted(set(reasons) - broken)}: drop the exemption"


def test_chapter_00_lists_every_chapter():
    """Chapter 00's table "How the course is organised" is written by hand (each row says the question a chapter
    answers); it must name every chapter, in order, and no other."""
    import re

    welcome = notebooks.read(NOTEBOOKS[0])
    table = next(c.source for c in welcome.cells
                 if c.cell_type == "markdown" and c.source.startswith("## How the course is organised"))
    listed = re.findall(r"^\|\s*(\d\d)\s*\|", table, re.MULTILINE)
    chapters = [p.name[:2] for p in NOTEBOOKS]
    assert listed == chapters, (
        f"chapter 00's table 'How the course is organised' lists {listed}, the chapters are {chapters}: add or remove "
        "its rows (| NN | short title | the question it answers |) in notebooks/00_welcome_and_setup.ipynb")


def test_contributing_names_only_tests_that_exist_and_no_file_outside_the_repository():
    """Every rule in CONTRIBUTING.md names the test that enforces it: each named test must exist (a name ending in
    '...' is a prefix), and the page must not send a newcomer to files outside the clone."""
    import re

    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    defined = set()
    for path in (REPO / "tests").rglob("*.py"):
        defined |= set(re.findall(r"^\s*def (test_\w+)", path.read_text(encoding="utf-8"), re.MULTILINE))
    named = re.findall(r"\b(test_\w+)(\.\.\.)?", text)
    assert len(named) > 20  # the search itself works
    files = {p.stem for p in (REPO / "tests").rglob("test_*.py")}
    missing = [name + dots for name, dots in named
               if name not in files and name not in defined and not (dots and any(d.startswith(name) for d in defined))]
    assert missing == [], f"CONTRIBUTING.md names tests that do not exist: {missing}"
    assert not re.search(r"\.\./|COURSE_DESIGN|/work/", text), "CONTRIBUTING.md refers to files outside the repository"
