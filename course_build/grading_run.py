"""Executing one submitted notebook for :mod:`course_build.grading`, in a process and a folder of its own.

:func:`run_submission` makes a temporary folder, copies the submission into it and starts
``python -m course_build.grading_run`` there in a new session, with

* ``HOME``, ``TMPDIR``, the XDG folders, ``KERAS_HOME``, ``IPYTHONDIR``, ``MPLCONFIGDIR`` and the Jupyter folders
  inside the temporary folder, the course's cache (``COURSE_CACHE_DIR``) and progress file too (the instructor's
  ``progress.json`` and dataset cache are never written);
* ``COURSE_OFFLINE=1`` and an IPython startup file that installs the offline network guard
  (:mod:`course_utils.netguard`) before the first cell, even in a submission that deleted ``setup()``;
* ``COURSE_MODE=quick``, and ``COURSE_CHECK_LOG``: every checker call appends its outcome there;
* a time limit per cell (nbclient interrupts the cell, the next cells still run) and one for the whole
  submission: then the runner's process group and the kernel's are killed.

The child (:func:`main`) executes every cell with ``allow_errors`` (an exception in one cell does not hide the
later exercises), writes the executed notebook and ``cells.json`` (each failing cell, a timeout, a dead kernel)
and the kernel's process id, so the parent can end a kernel that outlives its time.

This is NOT a security sandbox: the code of a submission runs as the instructor's user and can read and write
whatever that user can (the folders above are only where well-behaved code writes), start processes, or fake its
own checker results. For submissions you do not trust, run the grading inside a container or a virtual machine
(see the instructor guide, "Grading a class").
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTUP = """\
# Written by course_build.grading_run: the offline network guard, before the submission's first cell.
try:
    from course_utils.netguard import block_network
    block_network()
except Exception as error:  # the grading goes on; the report says the guard was off
    print(f"grading: the offline guard could not be installed ({error})")
"""


def sandbox_environment(work: Path) -> dict:
    """The environment of one submission's run: the instructor's, with every writable place moved into ``work``."""
    home = work / "home"
    env = dict(os.environ)
    places = {
        "HOME": home, "TMPDIR": work / "tmp", "XDG_CACHE_HOME": home / ".cache", "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share", "KERAS_HOME": home / ".keras", "IPYTHONDIR": home / ".ipython",
        "MPLCONFIGDIR": home / ".config" / "matplotlib", "JUPYTER_CONFIG_DIR": home / ".jupyter",
        "JUPYTER_DATA_DIR": home / ".local" / "share" / "jupyter", "JUPYTER_RUNTIME_DIR": work / "runtime",
        "COURSE_CACHE_DIR": home / ".keras" / "course_rnn", "COURSE_PROGRESS_FILE": work / "progress.json",
        "COURSE_CHECK_LOG": work / "checks.jsonl",
    }
    for name, path in places.items():
        env[name] = str(path)
    for folder in ("tmp", "runtime", "notebook"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    for name in ("IPYTHONDIR", "MPLCONFIGDIR", "KERAS_HOME", "XDG_CACHE_HOME"):
        Path(env[name]).mkdir(parents=True, exist_ok=True)
    startup = Path(env["IPYTHONDIR"]) / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-course-offline-guard.py").write_text(STARTUP, encoding="utf-8")
    env.update({"COURSE_OFFLINE": "1", "COURSE_MODE": "quick", "TF_CPP_MIN_LOG_LEVEL": "3",
                "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": _package_parent(env.get("PYTHONPATH"))})
    return env


def _package_parent(existing) -> str:
    """PYTHONPATH for the child: the folder holding this course_build first (the same checkout grades)."""
    here = str(Path(__file__).resolve().parents[1])
    return os.pathsep.join([here] + ([existing] if existing else []))


def run_submission(path, total_seconds: float, cell_seconds: float, keep=None) -> dict:
    """Execute the submission ``path`` in a fresh temporary folder (removed afterwards); returns
    ``{"checks": [...], "cells": {...}, "stopped": reason or None, "seconds": float}``. With ``keep`` (a path),
    the executed notebook is copied there."""
    work = Path(tempfile.mkdtemp(prefix="course-grade-"))
    start = time.monotonic()
    stopped = None
    try:
        env = sandbox_environment(work)
        notebook = work / "notebook" / "submission.ipynb"
        shutil.copyfile(path, notebook)
        command = [sys.executable, "-m", "course_build.grading_run", str(notebook), str(cell_seconds)]
        with open(work / "runner-output.txt", "wb") as log:
            process = subprocess.Popen(command, cwd=work / "notebook", env=env, stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                process.wait(timeout=total_seconds)
            except subprocess.TimeoutExpired:
                stopped = f"stopped after its time limit of {total_seconds:g} s"
            _end(process, work / "kernel.pid")
        if stopped is None and process.returncode not in (0, None):
            stopped = f"the runner ended with code {process.returncode}"
        cells = _read_json(work / "cells.json", {})
        if stopped is None and cells.get("stopped"):
            stopped = cells["stopped"]
        if keep is not None and (work / "notebook" / "executed.ipynb").is_file():
            Path(keep).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / "notebook" / "executed.ipynb", keep)
        return {"checks": _read_checks(work / "checks.jsonl"), "cells": cells, "stopped": stopped,
                "seconds": round(time.monotonic() - start, 1)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _end(process, pid_file: Path) -> None:
    """Kill the runner's process group and the kernel's (the kernel runs in a session of its own)."""
    groups = [process.pid]
    try:
        groups.append(int(pid_file.read_text().strip()))
    except (OSError, ValueError):
        pass
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not wait
        pass


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def _read_checks(path: Path) -> list:
    checks = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return checks
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("exercise"), str):
            checks.append(entry)
    return checks


def main(argv) -> int:
    """The child: execute ``argv[0]`` (a notebook) with ``argv[1]`` seconds per cell; see the module's docstring."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from course_build.notebooks import _kernel_config

    path, cell_seconds = Path(argv[0]), float(argv[1])
    report = {"errors": [], "stopped": None}
    out = path.parent.parent

    def save():
        (out / "cells.json").write_text(json.dumps(report), encoding="utf-8")

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as error:  # not JSON, not a notebook, empty
        report["stopped"] = f"not a notebook ({type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''})"
        save()
        return 0
    client = NotebookClient(nb, timeout=cell_seconds, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(path.parent)}},
                            config=_kernel_config(out / "runtime"))
    index = None
    try:
        with client.setup_kernel():
            provisioner = getattr(client.km, "provisioner", None)
            if getattr(provisioner, "pid", None):
                (out / "kernel.pid").write_text(str(provisioner.pid))
            for index, cell in enumerate(nb.cells):
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    report["errors"].append({"cell": index, "error": f"ran longer than {cell_seconds:g} s"})
                    continue
                for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                    if output.get("output_type") == "error":
                        report["errors"].append({"cell": index, "error": f"{output.get('ename')}: "
                                                                         f"{str(output.get('evalue'))[:200]}"})
                save()
    except DeadKernelError:
        report["stopped"] = f"the kernel died in cell {index} (out of memory, a crash, or an exit)"
    except Exception as error:  # the kernel did not start, a broken cell structure, ...
        report["stopped"] = f"the runner failed at cell {index} ({type(error).__name__}: {error})"[:300]
    save()
    try:
        nbformat.write(nb, str(path.parent / "executed.ipynb"))
    except Exception:  # pragma: no cover - a notebook that executed can be written
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
