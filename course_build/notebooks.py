"""Executing chapters and checking their hygiene.

* :func:`code_hash` fingerprints a notebook's code cells; :func:`run_notebook` executes a chapter with
  nbclient and records that fingerprint, the mode, the versions and the wall time in its metadata.
* :func:`hygiene_problems` lists what is wrong with a stored notebook: stale outputs, error outputs,
  machine paths, misspelled nbval markers, a first code cell that is not the setup call, network code, and
  (:func:`course_build.conventions.convention_problems`) the one way each of seeds, timing, colours and cell ids
  is written; the runner numbers the cells (:func:`course_build.conventions.normalise_cell_ids`) when it writes.
"""
from __future__ import annotations

import ast
import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from course_build import results_report
from course_build.conventions import convention_problems, normalise_cell_ids
from course_build.repository import find_root
from course_utils.config import MODE_VAR, MODES, REFERENCE_MACHINE, versions

METADATA_KEY = "course"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
NBVAL_MARKERS = ("NBVAL_CHECK_OUTPUT", "NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_RAISES_EXCEPTION")
RUNTIME_PATTERN = re.compile(r"(\*\*Measured full-mode run time:\*\*)[^\n]*")
MACHINE_PATH = re.compile(
    r"(/home/\w|/root/|/work/|/tmp/|/Users/\w|/private/var/|[A-Za-z]:\\\\?Users\\|site-packages|dist-packages)"
)
NETWORK_CODE = re.compile(r"(urllib\.request|urlopen|requests\.(get|post)|get_file\(|https?://|socket\.)")


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
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    try:
        nb = read(path)
        nbformat.validate(nb)
    except Exception as error:  # NotJSONError, ValidationError, UnicodeDecodeError, ...
        raise NotebookFailed(path, None, f"not a valid notebook ({_first_line(error)})") from None
    old_env = os.environ.get(MODE_VAR)
    os.environ[MODE_VAR] = mode  # the kernel inherits this process's environment
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        config=_kernel_config(),
    )
    start = time.perf_counter()
    index = None
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    except CellExecutionError as error:
        message = f"{error.ename}: {error.evalue}".rstrip(": ")
        raise NotebookFailed(path, index, ANSI.sub("", message)) from None
    except CellTimeoutError:
        raise NotebookFailed(path, index, f"the cell ran longer than the time limit of {timeout} s (--timeout)") from None
    except DeadKernelError:
        raise NotebookFailed(path, index, "the kernel died (out of memory, a crash in native code, or an exit)") from None
    except Exception as error:  # the kernel did not start, a broken cell structure, ...
        reason = "the kernel could not start" if index is None else "the runner failed"
        raise NotebookFailed(path, index, f"{reason} ({_first_line(error)})") from None
    finally:
        if old_env is None:
            os.environ.pop(MODE_VAR, None)
        else:
            os.environ[MODE_VAR] = old_env
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
        _atomic_write(nb, path)
        if mode == "full" and root is not None:
            results_report.update_ledger(root, stored)
    return RunResult(path, mode, seconds, write)


def record_quick_time(path, seconds: float) -> None:
    """Store a quick-mode run time in a stored notebook's metadata (``quick_wall_time_s``, with the code hash it
    was measured on) and change nothing else; the instructor guide reads it. A later full-mode run keeps it while
    the code is unchanged."""
    path = Path(path)
    nb = read(path)
    meta = nb.metadata.setdefault(METADATA_KEY, {})
    meta.update(quick_wall_time_s=round(seconds, 1), quick_code_hash=code_hash(nb),
                quick_executed=datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    _atomic_write(nb, path)


def _kernel_config():
    """Kernel-manager settings: IPC transport on POSIX, so ipykernel has no TCP socket to warn about
    ("Kernel is running over TCP without encryption"); Windows has no IPC transport and keeps TCP on loopback."""
    from traitlets.config import Config

    config = Config()
    if os.name == "posix":
        config.KernelManager.transport = "ipc"
        # IPC endpoints are file paths; an absolute one, because the kernel runs in the notebook's folder.
        config.KernelManager.ip = os.path.join(tempfile.mkdtemp(prefix="course-kernel-"), "kernel")
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


# ------------------------------------------------------------------------------------------------------
# Hygiene
# ------------------------------------------------------------------------------------------------------

def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join(output.get("traceback", []))
    data = output.get("data", {})
    return "\n".join(str(v) for k, v in data.items() if k.startswith("text/"))


def _is_setup_cell(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    imported = any(
        isinstance(node, ast.ImportFrom) and node.module == "course_utils" and any(a.name == "setup" for a in node.names)
        for node in ast.walk(tree)
    )
    called = any(
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "setup")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "setup")
        )
        for node in ast.walk(tree)
    )
    return imported and called


def marker_problems(source: str) -> list:
    """Misspelled nbval markers: comment lines that look like a marker but are not spelled exactly."""
    problems = []
    for line in source.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            continue
        body = stripped.lstrip("#").strip()
        looks_like_marker = re.match(r"(?i)n\s*b\s*v\s*a\s*l", body) or re.fullmatch(
            r"[A-Z_ ]*(CHECK|IGNORE|RAISES|SKIP|OUTPUT)[A-Z_ ]*", body
        )
        if looks_like_marker and body not in NBVAL_MARKERS:
            problems.append(
                f"nbval marker {stripped!r} is not spelled exactly; nbval would ignore it silently. "
                f"Use one of: {', '.join('# ' + m for m in NBVAL_MARKERS)} as a whole line"
            )
    return problems


def hygiene_problems(path) -> list:
    """Everything wrong with a stored notebook, as readable sentences (an empty list means clean)."""
    path = Path(path)
    nb = read(path)
    problems = []
    meta = nb.metadata.get(METADATA_KEY)
    if not meta or "code_hash" not in meta:
        problems.append("never executed with `python3 course.py run` (no metadata.course.code_hash)")
    elif meta["code_hash"] != code_hash(nb):
        problems.append(
            "stored outputs do not come from the current code (code hash differs): "
            f"re-run `python3 course.py run {path.as_posix()}`"
        )
    elif meta.get("mode") != "full":
        problems.append(f"stored outputs come from {meta.get('mode')!r} mode; commit notebooks executed in full mode")
    code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if not code_cells or not _is_setup_cell(code_cells[0][1].source):
        problems.append("the first code cell must be `from course_utils import setup` and call `setup()`")
    for index, cell in code_cells:
        for problem in marker_problems(cell.source):
            problems.append(f"cell {index}: {problem}")
        if NETWORK_CODE.search(cell.source):
            problems.append(
                f"cell {index}: code that reaches the network ({NETWORK_CODE.search(cell.source).group(0)!r}); "
                "load data through course_utils.datasets, which honours the offline switch"
            )
        for output in cell.get("outputs", []):
            text = _output_text(output)
            if output.get("output_type") == "error" or "Traceback (most recent call last)" in text:
                problems.append(f"cell {index}: stored output is an error")
            match = MACHINE_PATH.search(text)
            if match:
                problems.append(f"cell {index}: stored output shows a machine path ({match.group(0)!r})")
    problems += convention_problems(nb, path.name[:2] if path.name[:2].isdigit() else None)
    return problems
