"""Executing notebooks (`course_utils run`) and the hygiene checks, on small notebooks built here."""
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils import config
from course_build import conventions, hygiene, notebooks

from tests._paths import REPO

CHAPTER_00 = REPO / "notebooks" / "00_welcome_and_setup.ipynb"
SETUP = "from course_utils import setup\n\nsetup()"


def make_notebook(path, *sources, markdown="# Title\n\n**Measured full-mode run time:** not measured yet"):
    nb = new_notebook(cells=[new_markdown_cell(markdown)] + [new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def test_run_records_hash_mode_versions_and_time(tmp_path):
    path = make_notebook(tmp_path / "99_demo.ipynb", "import os\nprint(os.environ['COURSE_MODE'])")
    result = notebooks.run_notebook(path, mode="full")
    nb = notebooks.read(path)
    meta = nb.metadata["course"]
    assert meta["code_hash"] == notebooks.code_hash(nb) and meta["mode"] == "full"
    assert set(meta["versions"]) >= {"python", "tensorflow", "keras", "numpy"}
    assert meta["wall_time_s"] == round(result.seconds, 1)
    assert nb.cells[1].outputs[0]["text"] == "full\n"
    assert "not measured" not in nb.cells[0].source and f"on {config.REFERENCE_MACHINE}" in nb.cells[0].source
    assert [cell.id for cell in nb.cells] == ["c000", "c001"]  # the runner numbers the cells


def test_failing_cell_leaves_the_stored_notebook_untouched(tmp_path):
    path = make_notebook(tmp_path / "99_bad.ipynb", "x = 1", "raise ValueError('boom')", "y = 2")
    before = path.read_bytes()
    with pytest.raises(notebooks.NotebookFailed) as info:
        notebooks.run_notebook(path, mode="quick")
    assert info.value.cell_index == 2 and "ValueError: boom" in info.value.error
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["99_bad.ipynb"]  # no temporary file left behind


def test_cli_run_reports_the_failing_cell(tmp_path):
    path = make_notebook(tmp_path / "99_bad.ipynb", "1/0")
    proc = subprocess.run(
        [sys.executable, "-m", "course_build", "run", "--mode", "quick", str(path)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert "cell 1" in proc.stdout and "ZeroDivisionError" in proc.stdout and "1 failed" in proc.stdout


@pytest.mark.parametrize("content", [b"not json at all", b"{}", b"\xff\xfe\x00", b'{"cells": 3}'])
def test_a_file_that_is_not_a_notebook_is_a_failure_not_a_traceback(tmp_path, content):
    path = tmp_path / "99_broken.ipynb"
    path.write_bytes(content)
    with pytest.raises(notebooks.NotebookFailed, match="not a valid notebook") as info:
        notebooks.run_notebook(path, mode="quick")
    assert info.value.cell_index is None and path.read_bytes() == content


def test_cli_run_reports_every_fault_and_goes_on_with_the_next_notebook(tmp_path):
    """A file that is not a notebook, a kernel that dies, a cell over --timeout and a very long error are each
    reported like a failing cell; the good notebook after them still runs; the summary is printed; exit 1."""
    (tmp_path / "91_not_a_notebook.ipynb").write_text("this is not JSON")
    make_notebook(tmp_path / "92_dies.ipynb", "x = 1", "import os\nos._exit(3)")
    make_notebook(tmp_path / "93_slow.ipynb", "import time\ntime.sleep(60)")
    make_notebook(tmp_path / "94_long_error.ipynb", "raise ValueError('long ' * 200 + 'END')")
    make_notebook(tmp_path / "95_good.ipynb", "print('fine')")
    paths = sorted(str(p) for p in tmp_path.glob("*.ipynb"))
    proc = subprocess.run(
        [sys.executable, "-m", "course_build", "run", "--mode", "quick", "--no-write", "--timeout", "3", *paths],
        capture_output=True, text=True, cwd=tmp_path, timeout=240,
    )
    out = proc.stdout
    # (kernels write their own noise to stderr; the runner itself must not end in a traceback)
    assert proc.returncode == 1 and "Traceback" not in out and "course_utils" not in proc.stderr, out + proc.stderr
    summary = out[out.index("\nnotebook"):]
    rows = {line.split()[0]: line for line in summary.splitlines()[1:] if line.startswith("9")}
    assert "not a valid notebook" in rows["91_not_a_notebook.ipynb"]
    assert "cell 2" in rows["92_dies.ipynb"] and "kernel died" in rows["92_dies.ipynb"]
    assert "cell 1" in rows["93_slow.ipynb"] and "time limit of 3 s" in rows["93_slow.ipynb"]
    assert "FAILED" in rows["94_long_error.ipynb"] and "END" not in summary and len(rows["94_long_error.ipynb"]) < 160
    assert out.count("END") == 1  # the long message is shown once, in full, above the summary
    assert "not written" in rows["95_good.ipynb"] and "4 failed" in summary


def test_cli_run_rejects_a_missing_notebook(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "course_build", "run", str(tmp_path / "nope.ipynb")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "no such notebook" in proc.stderr


@pytest.fixture
def chapter_copy(tmp_path):
    target = tmp_path / CHAPTER_00.name
    shutil.copy(CHAPTER_00, target)
    assert hygiene.hygiene_problems(target) == []
    return target


def _edit(path, change):
    nb = notebooks.read(path)
    change(nb)
    nbformat.write(nb, str(path))


def _first_code_cell_after_setup(nb):
    return [c for c in nb.cells if c.cell_type == "code"][1]


def test_editing_code_without_rerunning_is_stale(chapter_copy):
    _edit(chapter_copy, lambda nb: setattr(_first_code_cell_after_setup(nb), "source",
                                           _first_code_cell_after_setup(nb).source + "\n# edited"))
    assert any("do not come from the current code" in p for p in hygiene.hygiene_problems(chapter_copy))


def test_markdown_edits_do_not_make_a_notebook_stale(chapter_copy):
    _edit(chapter_copy, lambda nb: setattr(nb.cells[0], "source", nb.cells[0].source + "\nMore words."))
    assert hygiene.hygiene_problems(chapter_copy) == []


def test_stored_error_output_is_found(chapter_copy):
    error = new_output("error", ename="ValueError", evalue="x", traceback=["ValueError: x"])
    _edit(chapter_copy, lambda nb: _first_code_cell_after_setup(nb).outputs.append(error))
    assert any("stored output is an error" in p for p in hygiene.hygiene_problems(chapter_copy))


def test_machine_path_in_output_is_found(chapter_copy):
    out = new_output("stream", name="stdout", text="saved to /home/alice/data.csv\n")
    _edit(chapter_copy, lambda nb: _first_code_cell_after_setup(nb).outputs.append(out))
    assert any("machine path" in p for p in hygiene.hygiene_problems(chapter_copy))


@pytest.mark.parametrize("marker", ["# NBVAL_CHECK_OUPUT", "#NBVAL-CHECK-OUTPUT", "# nbval_check_output",
                                    "# NBVAL_CHECK_OUTPUT.", "# CHECK_OUTPUT"])
def test_misspelled_marker_is_found(marker):
    assert hygiene.marker_problems(f"{marker}\nprint(1)")


@pytest.mark.parametrize("source", ["# NBVAL_CHECK_OUTPUT\nprint(1)", "#NBVAL_SKIP\n", "# check the output shape\nx = 1"])
def test_correct_markers_and_ordinary_comments_pass(source):
    assert hygiene.marker_problems(source) == []


def test_first_code_cell_must_be_setup(tmp_path):
    path = make_notebook(tmp_path / "99_x.ipynb", "import numpy as np", SETUP)
    assert any("first code cell" in p for p in hygiene.hygiene_problems(path))
    path = make_notebook(tmp_path / "99_y.ipynb", SETUP, "import numpy as np")
    assert not any("first code cell" in p for p in hygiene.hygiene_problems(path))


def test_network_code_is_found(tmp_path):
    path = make_notebook(tmp_path / "99_net.ipynb", SETUP, "import urllib.request\nurllib.request.urlopen('https://x')")
    assert any("reaches the network" in p for p in hygiene.hygiene_problems(path))


def test_never_executed_notebook_is_flagged(tmp_path):
    path = make_notebook(tmp_path / "99_new.ipynb", SETUP)
    assert any("never executed" in p for p in hygiene.hygiene_problems(path))


def test_run_regenerates_the_readme_of_the_checkout_it_runs_in(tmp_path, monkeypatch):
    """The runner finds the repository from the notebook's folder (not from the package's own location)."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "README.md").write_text("# Course\n\n<!-- chapters:start -->\nold\n<!-- chapters:end -->\n")
    path = make_notebook(tmp_path / "notebooks" / "07_demo.ipynb", "print(1)",
                         markdown="# 07 · Demo chapter\n\n**In this chapter:** one line about it.\n\n"
                                  "**Measured full-mode run time:** not measured yet")
    monkeypatch.chdir(tmp_path.parent)  # the working directory is elsewhere
    from course_build import cli

    assert cli.main(["run", "--write", str(path)]) == 0
    readme = (tmp_path / "README.md").read_text()
    assert "| 07 | [Demo chapter](notebooks/07_demo.ipynb) | one line about it. |" in readme
    assert "old" not in readme


def test_a_notebook_that_touches_the_network_fails_in_offline_mode(tmp_path, monkeypatch):
    """End to end: the kernel inherits COURSE_OFFLINE=1, setup() installs the guard, a connection attempt fails.

    The real connect is replaced by a recorder before setup(), so even a broken guard sends nothing."""
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    record = "import socket\ncalls = []\nsocket.socket.connect = lambda sock, address: calls.append(address)"
    attempt = "sock = socket.socket()\nsock.connect(('198.51.100.7', 443))\nprint('no error, calls:', calls)"
    path = make_notebook(tmp_path / "99_net.ipynb", record, SETUP, attempt)
    with pytest.raises(notebooks.NotebookFailed) as info:
        notebooks.run_notebook(path, mode="quick", write=False)
    assert info.value.cell_index == 3 and "NetworkBlockedError" in info.value.error


def test_cli_download_offline_and_list(tmp_path):
    env = {**__import__("os").environ, "COURSE_OFFLINE": "1", "COURSE_CACHE_DIR": str(tmp_path / "cache")}
    run = lambda *args: subprocess.run([sys.executable, "-m", "course_build", "download", *args],
                                       capture_output=True, text=True, env=env)
    offline = run("imdb")
    assert offline.returncode == 1 and "no download was attempted" in offline.stdout
    listing = run("--list")
    assert listing.returncode == 0 and "imdb     not cached" in listing.stdout
    unknown = run("mnist")
    assert unknown.returncode == 2 and "unknown dataset(s) mnist; known: imdb, spa-eng, jena" in unknown.stderr
    assert not (tmp_path / "cache").exists()  # offline, nothing is created or half-written
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    for args in (("imdb",), ("--list",)):
        broken = run(*args)
        assert broken.returncode == 1 and "Traceback" not in broken.stderr
        assert "COURSE_CACHE_DIR" in broken.stdout + broken.stderr


# ------------------------------------------------------------------ issue 30: a learner's files are never lost

def test_a_learners_run_does_not_touch_tracked_files_unless_asked(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    readme = "# Course\n\n<!-- chapters:start -->\nold\n<!-- chapters:end -->\n"
    (tmp_path / "README.md").write_text(readme)
    path = make_notebook(tmp_path / "notebooks" / "07_demo.ipynb", "print(1)",
                         markdown="# 07 · Demo chapter\n\n**In this chapter:** one line.\n\n"
                                  "**Measured full-mode run time:** not measured yet")
    before = path.read_bytes()
    monkeypatch.chdir(tmp_path)
    from course_build import cli

    assert cli.main(["run", str(path)]) == 0  # the default: execute and report only
    assert path.read_bytes() == before and (tmp_path / "README.md").read_text() == readme
    help_text = cli.build_parser()._subparsers._group_actions[0].choices["run"].format_help()
    assert "--write" in help_text and "python3 course.py run --write" in " ".join(help_text.split())
    assert "course.py run --write" in (REPO / "CONTRIBUTING.md").read_text()


def test_run_never_writes_the_learners_progress_file(tmp_path, monkeypatch):
    from course_utils import progress

    learner = tmp_path / "learner-progress.json"
    monkeypatch.setenv(progress.PROGRESS_VAR, str(learner))
    check = "from course_utils.exercises import check\ndef f(x, alpha, h0=0.0):\n    raise NotImplementedError\ncheck('ema_states', f)"
    path = make_notebook(tmp_path / "99_ex.ipynb", check)
    notebooks.run_notebook(path, mode="quick", write=False)
    notebooks.run_notebook(path, mode="quick", write=True)
    assert not learner.exists()
    assert __import__("os").environ[progress.PROGRESS_VAR] == str(learner)  # restored for this process


def test_edits_saved_while_the_notebook_runs_are_kept(tmp_path):
    path = make_notebook(tmp_path / "99_edit.ipynb", "import time\ntime.sleep(4)")
    edited = make_notebook(tmp_path / "edited.ipynb", "print('the learner typed this while it ran')").read_bytes()
    import threading

    timer = threading.Timer(2.0, lambda: path.write_bytes(edited))
    timer.start()
    result = notebooks.run_notebook(path, mode="quick", write=True)
    timer.join()
    assert path.read_bytes() == edited  # the learner's save survives
    assert result.written_to == tmp_path / "99_edit.executed.ipynb" and not result.written
    assert notebooks.read(result.written_to).metadata["course"]["mode"] == "quick"


def test_record_quick_time_keeps_edits_saved_while_the_notebook_runs(tmp_path, monkeypatch, capsys):
    """Was: run --record-quick-time re-read the file after the run and wrote it back, replacing nothing but the
    metadata, yet storing a time measured on other code over the learner's save (and racing it)."""
    import threading

    from course_build import cli

    path = make_notebook(tmp_path / "99_quick.ipynb", "import time\ntime.sleep(4)")
    edited = make_notebook(tmp_path / "edited.ipynb", "print('the learner typed this while it ran')").read_bytes()
    monkeypatch.chdir(tmp_path)
    timer = threading.Timer(2.0, lambda: path.write_bytes(edited))
    timer.start()
    code = cli.main(["run", "--record-quick-time", str(path)])
    timer.join()
    out = capsys.readouterr().out
    assert code == 0 and path.read_bytes() == edited  # the learner's save survives, byte for byte
    assert "changed on disk while it ran" in out and "time not recorded" in out, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["99_quick.ipynb", "edited.ipynb"]
    assert cli.main(["run", "--record-quick-time", str(path)]) == 0  # unchanged file: the time is stored
    assert notebooks.read(path).metadata["course"]["quick_code_hash"] == notebooks.code_hash(notebooks.read(path))
    assert "quick-mode time recorded" in capsys.readouterr().out


def test_run_leaves_no_kernel_folder_and_no_shutdown_noise_after_a_timeout(tmp_path):
    import os
    import tempfile

    # A short TMPDIR of its own: the kernels' IPC sockets live there, and a Unix socket's path has at most 107
    # characters (under pytest-xdist, tmp_path alone is about 100).
    scratch = Path(tempfile.mkdtemp(prefix="run-"))
    make_notebook(tmp_path / "93_slow.ipynb", "import time\ntime.sleep(60)")
    make_notebook(tmp_path / "95_good.ipynb", "print('fine')")
    proc = subprocess.run(
        [sys.executable, "-m", "course_build", "run", "--mode", "quick", "--timeout", "3",
         str(tmp_path / "93_slow.ipynb"), str(tmp_path / "95_good.ipynb")],
        capture_output=True, text=True, cwd=tmp_path, timeout=240,
        env={**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(REPO)})
    assert proc.returncode == 1 and "time limit of 3 s" in proc.stdout
    assert "ZMQError" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    try:
        assert [p.name for p in scratch.iterdir() if p.name.startswith("course-kernel-")] == []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_timeout_must_be_a_positive_number_of_seconds(value, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "course_build", "run", "--timeout", value, "x.ipynb"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and "--timeout" in proc.stderr and "Traceback" not in proc.stderr
    with pytest.raises(ValueError, match="positive"):
        notebooks.run_notebook(make_notebook(tmp_path / "99_x.ipynb", "1"), mode="quick", timeout=0)


def test_a_misspelt_offline_switch_is_one_line_not_a_traceback(tmp_path):
    import os

    proc = subprocess.run([sys.executable, "-m", "course_build", "download", "imdb"], capture_output=True,
                          text=True, cwd=tmp_path, env={**os.environ, "COURSE_OFFLINE": "maybe",
                                                        "COURSE_CACHE_DIR": str(tmp_path / "c")})
    assert proc.returncode == 2 and "COURSE_OFFLINE='maybe' is not understood" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---- one convention each: seeds, timing, colours, cell ids (course_build/notebooks.py, convention_problems)

def _numbered(*sources):
    nb = new_notebook(cells=[new_markdown_cell("# 99 · Demo")] + [new_code_cell(s) for s in sources])
    conventions.normalise_cell_ids(nb)
    return nb


def test_a_chapter_that_follows_every_convention_passes():
    nb = _numbered(SETUP, "from course_utils import COLOURS, seeds, stopwatch\nSEEDS = seeds()\nFEW_SEEDS = seeds(quick=3)",
                   "with stopwatch() as clock:\n    pass\nprint(clock.seconds)",
                   "ax.plot(x, y, color=COLOURS.blue)\nax.axhline(0, color='0.6', ls='--')\n"
                   "ax.plot(x, y, color=f'C{i}', c='k', ec='none')\nbox(fc=COLOURS.pale_blue, ec='k')")
    assert conventions.convention_problems(nb) == []


@pytest.mark.parametrize("convention,source", [
    ("seeds", "SEEDS = (0, 1, 2)"),
    ("seeds", "SEEDS = pick(quick=(0,), full=(0, 1, 2))"),
    ("timing", "import time\nstart = time.perf_counter()"),
    ("timing", "import time\nstart = time.time()"),
    ("timing", "from time import perf_counter\nstart = perf_counter()"),
    ("colours", "ax.plot(x, y, color='#3b528b')"),
    ("colours", "for name, colour in zip(NAMES, ['#0072B2', '#E69F00']):\n    pass"),
    ("colours", "ax.plot(x, y, color='red')"),
    ("colours", "ax.bar(x, y, fc='tab:blue')"),
])
def test_a_chapter_that_breaks_a_convention_is_caught(convention, source):
    problems = conventions.convention_problems(_numbered(SETUP, source))
    assert problems and all(f": {convention}: " in p for p in problems), problems


def test_cell_ids_must_be_numbered_in_order_and_the_runner_numbers_them():
    nb = _numbered(SETUP, "x = 1")
    nb.cells[1]["id"] = "5e3af851"
    assert any(p.startswith("cell ids:") for p in conventions.convention_problems(nb))
    conventions.normalise_cell_ids(nb)
    assert [c.id for c in nb.cells] == ["c000", "c001", "c002"] and conventions.convention_problems(nb) == []


def test_an_exemption_covers_only_the_stored_run_it_names(monkeypatch):
    nb = _numbered(SETUP, "SEEDS = (0, 1, 2)")
    nb.metadata["course"] = {"executed": "2026-01-01", "code_hash": "ab" * 32}
    monkeypatch.setitem(conventions.CONVENTION_EXEMPTIONS, "99", ("2026-01-01 abababababab", {"seeds": "old run"}))
    assert conventions.convention_problems(nb, "99") == []
    assert conventions.convention_problems(nb, "98") != []      # another chapter
    nb.metadata["course"]["executed"] = "2026-02-01"          # the chapter was re-executed: the convention applies
    assert conventions.convention_problems(nb, "99") != []


def test_every_exemption_names_a_known_convention_and_a_reason():
    for chapter, (fingerprint, reasons) in conventions.CONVENTION_EXEMPTIONS.items():
        assert chapter.isdigit() and len(fingerprint.split()) == 2, chapter
        assert reasons and set(reasons) <= set(conventions.CONVENTIONS) and all(reasons.values()), chapter


# ---- a new chapter from the template (course_build/new_chapter.py, `python3 course.py new-chapter`)

def test_new_chapter_writes_every_required_cell_and_refuses_to_overwrite(tmp_path):
    from course_build import instructor, new_chapter, readme

    (tmp_path / "notebooks").mkdir()
    path = new_chapter.create(tmp_path, "42", "speech_synthesis", "Speech synthesis")
    assert path == tmp_path / "notebooks" / "42_speech_synthesis.ipynb"
    row = readme.chapter_row(path)
    assert row["title"] == "Speech synthesis" and row["summary"]
    info = instructor.chapter_info(path)
    assert info.objectives and info.prerequisites and len(info.questions) == 2
    assert [p for p in hygiene.hygiene_problems(path) if "never executed" not in p] == []
    with pytest.raises(FileExistsError):
        new_chapter.create(tmp_path, "42", "other", "Other")
    for bad in (("4", "x", "T"), ("43", "Bad Topic", "T"), ("43", "x", " ")):
        with pytest.raises(ValueError):
            new_chapter.create(tmp_path, *bad)


def test_a_new_chapter_runs_clean_as_it_is(tmp_path):
    """What CONTRIBUTING's checklist does: new-chapter, then run; the result passes every hygiene check."""
    from course_build import new_chapter

    (tmp_path / "notebooks").mkdir()
    path = new_chapter.create(tmp_path, "42", "speech_synthesis", "Speech synthesis")
    notebooks.run_notebook(path, mode="full")
    assert hygiene.hygiene_problems(path) == []
    assert f"on {config.REFERENCE_MACHINE}" in notebooks.read(path).cells[0].source


def test_cli_new_chapter(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "README.md").write_text("# course\n")
    command = [sys.executable, "-m", "course_build", "new-chapter", "42", "speech_synthesis", "Speech synthesis"]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0 and "notebooks/42_speech_synthesis.ipynb" in proc.stdout, proc.stderr
    again = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert again.returncode == 2 and "exists already" in again.stderr


def test_a_long_temporary_folder_falls_back_to_tcp_instead_of_an_ipc_path_that_cannot_fit(tmp_path):
    """A Unix socket path holds ~107 bytes; under a long TMPDIR the kernel's IPC endpoint failed to bind."""
    from course_build.notebooks import IPC_PATH_LIMIT, _kernel_config

    short, long = _kernel_config(tmp_path.parent / "k"), _kernel_config(tmp_path / ("x" * 120))
    assert long.KernelManager.get("transport", "tcp") == "tcp"
    if len(str(tmp_path.parent / "k" / "kernel")) + 8 <= IPC_PATH_LIMIT:
        assert short.KernelManager.transport == "ipc"
