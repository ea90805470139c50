"""Executing chapters.

* :func:`code_hash` fingerprints a notebook's code cells; :func:`run_notebook` executes a chapter with
  nbclient and records that fingerprint, the mode, the versions and the wall time in its metadata.
* The hygiene checks of a stored notebook are in :mod:`course_build.hygiene` (with the conventions of
  :mod:`course_build.conventions`); the runner numbers the cells (:func:`course_build.conventions.normalise_cell_ids`)
  when it writes.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from course_build import results_report
from course_build.conventions import normalise_cell_ids
from course_build.repository import find_root
from course_utils.config import MODE_VAR, MODES, REFERENCE_MACHINE, versions

METADATA_KEY = "course"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
RUNTIME_PATTERN = re.compile(r"(\*\*Measured full-mode run time:\*\*)[^\n]*")
def code_hash(nb) -> str:
    """SHA-256 of the notebook's code-cell sources, in order (outputs and Markdown do not count)."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode("utf-8"))
            digest.update(b"\x00")
    return digest.hexdigest()


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def format_seconds(seconds: float) -> str:
    """'45 s' or '3 min 12 s'."""
    seconds = int(round(seconds))
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


class NotebookFailed(RuntimeError):
    """A notebook could not be executed to the end; the stored notebook was left untouched.

    ``cell_index`` is the index of the failing cell (a cell that raised, ran out of time, or during which the
    kernel died), or None when no cell is to blame (the file is not a notebook, the kernel did not start).
    ``error`` is the reason in words.
    """

    def __init__(self, path, cell_index, error):
        self.path, self.cell_index, self.error = Path(path), cell_index, error
        where = f"cell {cell_index} failed" if cell_index is not None else "failed"
        super().__init__(f"{Path(path).name}: {where}: {error}")


def _first_line(error: BaseException) -> str:
    text = ANSI.sub("", str(error)).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


@dataclass
class RunResult:
    path: Path
    mode: str
    seconds: float
    written: bool
    # where the executed notebook went when it was not written in place (the file changed while it ran)
    written_to: Path | None = None
    # the SHA-256 of the file as it was read before the run (to detect edits saved while it ran)
    fingerprint: str | None = None


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _beside(path: Path) -> Path:
    """A free name next to ``path`` for an executed copy: ``NN_topic.executed.ipynb`` (then ``.executed-2`` ...)."""
    for n in range(1, 1000):
        candidate = path.with_name(f"{path.stem}.executed{'' if n == 1 else f'-{n}'}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"no free name next to {path}")


def run_notebook(path, mode: str = "full", write: bool = True, timeout: int = 1800) -> RunResult:
    """Execute a notebook top to bottom in ``mode`` (its folder as working directory).

    On success, the executed notebook (with ``metadata.course`` = code hash, mode, versions, wall time, date)
    replaces the stored one atomically when ``write`` is true; in full mode, the line
    ``**Measured full-mode run time:** ...`` in a Markdown cell is updated to the measured time, and the README
    tables of the checkout the notebook sits in (if any) are regenerated.
    The kernel talks to this process over IPC sockets where the platform has them (no TCP port at all).
    On failure, raises :class:`NotebookFailed` and leaves the file untouched: a cell that raises, a cell that
    runs longer than ``timeout`` seconds, a kernel that dies (with the cell's index), a file that is not a
    notebook or a kernel that does not start (without one).

    The file is never overwritten with edits lost: when it changed on disk while the notebook ran (someone saved
    it in Jupyter), the executed notebook is written next to it (``NN_topic.executed.ipynb``; ``written_to`` says
    where) and the stored one, the README and the ledger are left alone. The kernel records exercise progress
    into a throw-away file (never the learner's ``progress.json``), its temporary folder is removed afterwards,
    and its own stderr (ipykernel's shutdown noise after a timeout) goes to a log that is shown only when the
    kernel dies.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from course_utils.progress import PROGRESS_VAR

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds per cell, got {timeout!r}")
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    try:
        before = _fingerprint(path)
        nb = read(path)
        nbformat.validate(nb)
    except Exception as error:  # NotJSONError, ValidationError, UnicodeDecodeError, ...
        raise NotebookFailed(path, None, f"not a valid notebook ({_first_line(error)})") from None
    workdir = Path(tempfile.mkdtemp(prefix="course-kernel-"))
    saved = {name: os.environ.get(name) for name in (MODE_VAR, PROGRESS_VAR)}
    os.environ[MODE_VAR] = mode  # the kernel inherits this process's environment
    os.environ[PROGRESS_VAR] = str(workdir / "progress.json")  # never the learner's progress file
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        config=_kernel_config(workdir),
    )
    start = time.perf_counter()
    index = None
    log_path = workdir / "kernel-stderr.txt"
    try:
        with open(log_path, "wb") as kernel_log, client.setup_kernel(stderr=kernel_log):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    except CellExecutionError as error:
        message = f"{error.ename}: {error.evalue}".rstrip(": ")
        raise NotebookFailed(path, index, ANSI.sub("", message)) from None
    except CellTimeoutError:
        raise NotebookFailed(path, index, f"the cell ran longer than the time limit of {timeout} s (--timeout)") from None
    except DeadKernelError:
        tail = _log_tail(log_path)
        raise NotebookFailed(path, index, "the kernel died (out of memory, a crash in native code, or an exit)"
                             + (f"; its last words: {tail}" if tail else "")) from None
    except Exception as error:  # the kernel did not start, a broken cell structure, ...
        reason = "the kernel could not start" if index is None else "the runner failed"
        raise NotebookFailed(path, index, f"{reason} ({_first_line(error)})") from None
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(workdir, ignore_errors=True)
    seconds = round(time.perf_counter() - start, 1)  # stored and stated from the same value
    previous = nb.metadata.get(METADATA_KEY, {})
    nb.metadata[METADATA_KEY] = {
        "code_hash": code_hash(nb),
        "mode": mode,
        "versions": versions(),
        "wall_time_s": round(seconds, 1),
        "executed": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
    }
    if previous.get("quick_code_hash") == code_hash(nb):  # a quick-mode time measured on this same code stays
        nb.metadata[METADATA_KEY].update({k: v for k, v in previous.items() if k.startswith("quick_")})
    if mode == "full":
        for cell in nb.cells:
            if cell.cell_type == "markdown" and RUNTIME_PATTERN.search(cell.source):
                cell.source = RUNTIME_PATTERN.sub(
                    lambda m: f"{m.group(1)} {format_seconds(seconds)} on {REFERENCE_MACHINE}", cell.source
                )
                break
    stored = results_report.read_chapter(path, nb)
    missing = results_report.unrecorded(stored)
    if missing:
        raise NotebookFailed(path, None, "; ".join(missing) + " (a declared target must be recorded)")
    root = find_root(path.parent)
    if write and mode == "full" and root is not None:
        refused = results_report.ledger_refusals(root, stored)
        if refused:
            raise NotebookFailed(path, None, "; ".join(refused) + f" (see notebooks/{results_report.LEDGER})")
    if write:
        normalise_cell_ids(nb)
        if changed_since(path, before):  # saved, deleted or renamed while it ran  # saved in Jupyter while it ran: keep those edits, put the executed copy next to them
            beside = _beside(path)
            _atomic_write(nb, beside)
            return RunResult(path, mode, seconds, False, written_to=beside, fingerprint=before)
        _atomic_write(nb, path)
        if mode == "full" and root is not None:
            results_report.update_ledger(root, stored)
    return RunResult(path, mode, seconds, write, fingerprint=before)


def changed_since(path, fingerprint: str | None) -> bool:
    """Whether the file at ``path`` differs from ``fingerprint`` (:attr:`RunResult.fingerprint`): saved, deleted or
    renamed since it was read. False when there is no fingerprint to compare with."""
    if fingerprint is None:
        return False
    try:
        return _fingerprint(Path(path)) != fingerprint
    except OSError:
        return True


def _log_tail(path: Path, lines: int = 3) -> str:
    """The last lines of the kernel's stderr log, joined on one line ('' when there is none)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line.strip() for line in ANSI.sub("", text).splitlines() if line.strip()]
    return " | ".join(kept[-lines:])[-400:]


def record_quick_time(path, seconds: float, fingerprint: str | None = None) -> bool:
    """Store a quick-mode run time in a stored notebook's metadata (``quick_wall_time_s``, with the code hash it
    was measured on) and change nothing else; the instructor guide reads it. A later full-mode run keeps it while
    the code is unchanged.

    ``fingerprint`` (the run's :attr:`RunResult.fingerprint`): when the file changed since the run read it (the
    learner saved it in Jupyter while it ran), nothing is written, so those edits are kept and no time measured
    on other code is stored; returns False then, True when the time was stored."""
    path = Path(path)
    if changed_since(path, fingerprint):
        return False
    nb = read(path)
    meta = nb.metadata.setdefault(METADATA_KEY, {})
    meta.update(quick_wall_time_s=round(seconds, 1), quick_code_hash=code_hash(nb),
                quick_executed=datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    _atomic_write(nb, path)
    return True


IPC_PATH_LIMIT = 100  # bytes of a Unix socket path we use (the system limit is 107 or 103)


def _kernel_config(workdir: Path):
    """Kernel-manager settings: IPC transport on POSIX, so ipykernel has no TCP socket to warn about
    ("Kernel is running over TCP without encryption"); Windows has no IPC transport and keeps TCP on loopback.
    The IPC endpoints live in ``workdir`` (removed after the run)."""
    from traitlets.config import Config

    config = Config()
    endpoint = os.path.join(str(workdir), "kernel")
    # A Unix socket path holds at most ~107 bytes; ipykernel appends "-<port>". Under a long TMPDIR the IPC
    # endpoint would not fit (ZMQError "File name too long"): TCP on loopback then, as on Windows.
    if os.name == "posix" and len(endpoint.encode()) + 8 <= IPC_PATH_LIMIT:
        config.KernelManager.transport = "ipc"
        # IPC endpoints are file paths; an absolute one, because the kernel runs in the notebook's folder.
        config.KernelManager.ip = endpoint
    return config


def _atomic_write(nb, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

