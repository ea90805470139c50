"""``python3 course.py doctor``: what this machine has, and anything that will not work.

:func:`diagnose` returns the checks as rows; :func:`doctor` prints them. Every problem comes with what to do.
"""
from __future__ import annotations

import os
import platform
import tempfile
from dataclasses import dataclass

from course_utils import backend as keras_backend
from course_utils import config
from course_utils.speech import espeak



def supported_python() -> str:
    """The Python versions the course supports, as pyproject.toml's ``requires-python`` says (via the installed
    package's metadata), e.g. ``">=3.10,<3.14"``."""
    from importlib import metadata

    try:
        return metadata.metadata("course-utils")["Requires-Python"] or ""
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return ""


@dataclass
class Check:
    label: str
    value: str
    problem: str = ""  # empty when fine; otherwise what is wrong and what to do


def _writable(path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
        return True
    except OSError:
        return False


def diagnose(import_tensorflow: bool = True) -> list:
    """Run every check and return a list of :class:`Check` rows."""
    rows = []
    from packaging.specifiers import SpecifierSet

    wanted = supported_python()
    supported = not wanted or platform.python_version() in SpecifierSet(wanted)
    rows.append(
        Check(
            "Python",
            platform.python_version(),
            "" if supported else f"the course supports Python {wanted} (pyproject.toml's requires-python); "
            "create the environment with one of those versions",
        )
    )
    found = config.versions()
    for name in ("tensorflow", "keras", "numpy"):
        missing = found[name] == "not installed"
        rows.append(
            Check(name, found[name], f"{name} is missing: run `python course.py setup` (or `pip install -e .`)" if missing else "")
        )
    if found["keras"] != "not installed" and not found["keras"].startswith("3."):
        rows[-2].problem = "the course needs Keras 3: run `python course.py setup` to install the pinned versions"
    name = keras_backend.backend()
    rows.append(Check("keras backend", f"{name} ({keras_backend.BACKEND_VAR})", keras_backend.backend_problem()))
    if name != "tensorflow" and name in keras_backend.BACKENDS:
        rows.append(Check(name, keras_backend.backend_version(name)))
    rows.append(Check("CPU cores", str(os.cpu_count())))
    rows.append(
        Check(
            "TF threads",
            f"intra-op {os.environ.get('TF_NUM_INTRAOP_THREADS', 'auto')}, "
            f"inter-op {os.environ.get('TF_NUM_INTEROP_THREADS', 'auto')}",
        )
    )
    if import_tensorflow and found["tensorflow"] != "not installed":
        tf = config.import_tensorflow()

        gpus = tf.config.list_physical_devices("GPU")
        rows.append(Check("GPU", ", ".join(g.name for g in gpus) if gpus else "none (CPU only: every chapter is sized for it)"))
    try:
        rows.append(Check("mode", f"{config.mode()} ({config.MODE_VAR})"))
    except config.ConfigError as error:
        rows.append(Check("mode", os.environ.get(config.MODE_VAR, ""), str(error)))
    try:
        rows.append(Check("offline", f"{config.offline()} ({config.OFFLINE_VAR})"))
    except config.ConfigError as error:
        rows.append(Check("offline", os.environ.get(config.OFFLINE_VAR, ""), str(error)))
    works, detail = espeak.status()
    rows.append(Check("speech synthesiser", detail if works else "does not load",
                      "" if works else f"{detail} (chapter 13 synthesises its spoken digits with it)"))
    cache = config.cache_dir()
    writable = _writable(cache)
    rows.append(
        Check(
            "cache directory",
            f"{config.display_path(cache)} ({'writable' if writable else 'NOT writable'})",
            "" if writable else f"set {config.CACHE_VAR} to a folder you can write to; downloads cannot be cached",
        )
    )
    return rows


def doctor(import_tensorflow: bool = True) -> int:
    """Print the checks as a table and return the number of problems found."""
    rows = diagnose(import_tensorflow)
    width = max(len(r.label) for r in rows)
    for row in rows:
        print(f"{row.label:<{width}}  {row.value}")
    problems = [r for r in rows if r.problem]
    print()
    if problems:
        print(f"{len(problems)} problem(s):")
        for row in problems:
            print(f"  - {row.label}: {row.problem}")
    else:
        print("No problems found: the course should run on this machine.")
    return len(problems)
