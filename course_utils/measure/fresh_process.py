"""Run ``python -m module`` in a fresh process with a time limit and read its JSON answer.

Three parts of the course measure or train in a process of their own: :mod:`course_utils.measure.sequence_cost`
(a fresh process per length, so that its peak memory is its own), :mod:`course_utils.speech.runs` (two one-thread
trainings side by side) and :mod:`course_utils.distributed` (two workers that must run at the same time). They all
do it the same way, here:

* the parent calls :func:`run` (start, wait, read) or, for processes that must run together, :func:`start` for each
  and then :func:`collect` on the list (one shared time limit);
* the child, ``python -m module arguments...`` with the interpreter of the parent, does its work and calls
  :func:`answer` with a JSON-able dict: one line on stdout that starts with ``{``. Other output is allowed; the last
  such line is the answer.

The child imports the same ``course_utils`` as the parent (its repository root goes first on ``PYTHONPATH``), runs
under the offline guard (:mod:`course_utils.netguard`, installed before the module runs) when ``COURSE_OFFLINE`` is on
or the guard is on in the parent (the child then gets ``COURSE_OFFLINE=1``), and
inherits the parent's environment, changed by ``env`` (name -> value; None removes the variable) and, with
``threads``, limited to that many TensorFlow intra-op threads, one inter-op thread, no GPU and no TensorFlow log.
Its output goes to temporary files, not pipes, so processes that run together cannot block on a full pipe.

Whatever goes wrong raises :class:`FreshProcessError` (or the subclass the caller names), saying which of four things
happened: the process did not finish within the limit (it is killed), it exited with a non-zero code, it printed no
JSON answer, or the answer was malformed; the message ends with the last lines of its error output.
"""
from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REASONS = ("timeout", "exit", "no json", "bad json")
TAIL_LINES = 10
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_REPOSITORY = str(Path(__file__).resolve().parents[2])  # the folder that holds course_utils/


class FreshProcessError(RuntimeError):
    """A fresh process failed. ``reason`` is one of :data:`REASONS`; ``label`` names the process; ``returncode``
    is its exit code (None when it was stopped); ``stderr_tail`` holds the last lines of its error output; ``brief``
    is the message's first line without the label (what went wrong, in a few words)."""

    def __init__(self, label: str, reason: str, brief: str, returncode=None, stderr_tail=()):
        self.label, self.reason, self.brief = label, reason, brief
        self.returncode, self.stderr_tail = returncode, tuple(stderr_tail)
        tail = "\n".join(self.stderr_tail)
        super().__init__(f"{label} {brief}" + (f"\nthe last lines of its error output:\n{tail}" if tail else ""))


def answer(result: dict) -> None:
    """The child's side: print ``result`` as one JSON line on stdout (flushed), for the parent to read."""
    if not isinstance(result, dict):
        raise TypeError(f"the answer must be a dict, got {type(result).__name__}")
    print(json.dumps(result), flush=True)


def _positive_seconds(time_limit) -> float:
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0 \
            or math.isinf(time_limit):
        raise ValueError(f"time_limit must be a positive, finite number of seconds, got {time_limit!r}")
    return float(time_limit)


def _error_type(error) -> type:
    error = FreshProcessError if error is None else error
    if not (isinstance(error, type) and issubclass(error, FreshProcessError)):
        raise TypeError(f"error must be a subclass of FreshProcessError, got {error!r}")
    return error


def _environment(threads, env) -> dict:
    variables = dict(os.environ)
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive int or None, got {threads!r}")
        variables.update(TF_CPP_MIN_LOG_LEVEL="3", TF_NUM_INTRAOP_THREADS=str(threads), TF_NUM_INTEROP_THREADS="1",
                         CUDA_VISIBLE_DEVICES="")
    for name, value in (env or {}).items():
        if not isinstance(name, str) or not (value is None or isinstance(value, str)):
            raise TypeError(f"env maps names to strings (or None to remove one), got {name!r}: {value!r}")
        if value is None:
            variables.pop(name, None)
        else:
            variables[name] = value
    guard = sys.modules.get("course_utils.netguard")
    if guard is not None and guard.is_blocked():  # the guard is on here: on in the child too, whatever env says
        variables["COURSE_OFFLINE"] = "1"
    variables["PYTHONPATH"] = os.pathsep.join(p for p in (_REPOSITORY, variables.get("PYTHONPATH", "")) if p)
    return variables


# What the child runs: the offline guard first when COURSE_OFFLINE is on (any value but an explicit "off": a value
# the course does not understand is reported by the module's own configuration), then the module as ``python -m``
# would (``__name__ == "__main__"``, ``sys.argv`` = [its file, arguments...], the working directory on sys.path).
_BOOTSTRAP = """import os, runpy, sys
if os.environ.get("COURSE_OFFLINE", "").strip().lower() not in ("", "0", "false", "no", "off"):
    from course_utils.netguard import block_network
    block_network()
del sys.argv[0]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


class FreshProcess:
    """One started ``python -m module`` process (made by :func:`start`); :meth:`collect` waits for its answer."""

    def __init__(self, module: str, arguments=(), *, threads=None, env=None, cwd=None, label=None):
        if not isinstance(module, str) or not _MODULE.fullmatch(module):
            raise ValueError(f"module must be a dotted module name such as 'course_utils.distributed', got {module!r}")
        arguments = [os.fspath(a) if isinstance(a, os.PathLike) else a for a in arguments]
        if not all(isinstance(a, str) for a in arguments):
            raise TypeError(f"arguments must be strings or paths, got {arguments!r}")
        if cwd is not None and not Path(cwd).is_dir():
            raise ValueError(f"cwd must be an existing directory, got {cwd!r}")
        self.label = label or f"python -m {module}"
        environment = _environment(threads, env)
        # Files, not pipes: nothing blocks however much a child writes. They live as long as the handle (_close).
        self._out, self._err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen([sys.executable, "-c", _BOOTSTRAP, module, *arguments], env=environment, cwd=cwd,
                                        stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Kill the process if it is still running (and wait for it to go)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def _read(self, handle) -> str:
        handle.seek(0)
        return handle.read().decode("utf-8", errors="replace")

    def _tail(self) -> list:
        return self._read(self._err).strip().splitlines()[-TAIL_LINES:]

    def _close(self) -> None:
        self._out.close()
        self._err.close()

    def _error(self, error: type, reason: str, brief: str):
        return error(self.label, reason, brief, self.process.returncode, self._tail())

    def _finished_error(self, error: type):
        """The error for a finished process that exited with a non-zero code, else None."""
        code = self.process.returncode
        return None if code == 0 else self._error(error, "exit", f"exited with code {code}")

    def _answer(self, error: type) -> dict:
        lines = [line for line in self._read(self._out).splitlines() if line.startswith("{")]
        if not lines:
            raise self._error(error, "no json", "printed no JSON answer (no stdout line starting with '{')")
        try:
            result = json.loads(lines[-1])
        except json.JSONDecodeError as problem:
            raise self._error(error, "bad json", f"printed malformed JSON ({problem}): {lines[-1][:200]}") from None
        if not isinstance(result, dict):
            raise self._error(error, "bad json", f"printed JSON that is not an object: {lines[-1][:200]}")
        return result

    def collect(self, time_limit: float, error: type | None = None) -> dict:
        """Wait at most ``time_limit`` seconds from now and return the answer; see :func:`collect`."""
        return collect([self], time_limit, error)[0]


def start(module: str, *arguments, threads=None, env=None, cwd=None, label=None) -> FreshProcess:
    """Start ``python -m module *arguments`` (strings or paths) and return at once; :func:`collect` reads it.

    ``threads``: limit TensorFlow to that many intra-op threads (and one inter-op thread, no GPU, no log);
    ``env``: variables to set (name -> string) or remove (name -> None) in the child's copy of this environment;
    ``cwd``: its working directory; ``label``: how error messages name it (default ``python -m module``)."""
    return FreshProcess(module, arguments, threads=threads, env=env, cwd=cwd, label=label)


def collect(processes, time_limit: float, error: type | None = None) -> list:
    """Wait for started processes and return their answers (dicts), in order.

    The ``time_limit`` in seconds counts from this call and is shared by all of them. When one exits with a
    non-zero code, or the time runs out, the others still running are killed and ``error`` (a subclass of
    :class:`FreshProcessError`; default that class) is raised."""
    processes, error = list(processes), _error_type(error)
    if not processes or not all(isinstance(p, FreshProcess) for p in processes):
        raise TypeError("processes must be a non-empty list of what start() returned")
    deadline = time.monotonic() + _positive_seconds(time_limit)
    try:
        while True:
            failed = [p._finished_error(error) for p in processes if not p.running]
            failed = [f for f in failed if f is not None]
            if failed:
                raise failed[0]
            still = [p for p in processes if p.running]
            if not still:
                return [p._answer(error) for p in processes]
            if time.monotonic() >= deadline:
                names = ", ".join(p.label for p in still)
                raise error(names, "timeout", f"did not finish within {time_limit:g} s; "
                            f"{'it was' if len(processes) == 1 else 'the processes were'} stopped")
            time.sleep(0.02)
    finally:
        for process in processes:
            process.stop()
            process._close()


def run(module: str, *arguments, time_limit: float, threads=None, env=None, cwd=None, label=None,
        error: type | None = None) -> dict:
    """Run ``python -m module *arguments`` in a fresh process, stop it after ``time_limit`` seconds and return its
    JSON answer; the options are those of :func:`start` and :func:`collect`."""
    _positive_seconds(time_limit)
    _error_type(error)
    return collect([start(module, *arguments, threads=threads, env=env, cwd=cwd, label=label)], time_limit, error)[0]
