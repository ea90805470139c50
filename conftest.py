"""pytest configuration shared by the unit tests and the notebooks run under nbval.

Everything pytest runs is in quick mode and offline; kernels started by nbval inherit this environment.
"""
import os
import tempfile

import pytest

# Set before any kernel starts and before TensorFlow is imported anywhere.
os.environ["COURSE_MODE"] = "quick"
os.environ["COURSE_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Two TF processes on 2 cores run fastest with one intra-op thread each (measured).
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# The real datasets' local mirror (DATA.md): ../shared/data from the repository root, when that folder exists.
_MIRROR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "shared", "data"))
if os.path.isdir(_MIRROR):
    os.environ.setdefault("COURSE_DATA_MIRROR", _MIRROR)
# Checkers record a learner's progress (course_utils.progress); under pytest they write to a throw-away file,
# never to the learner's own progress file in the cache directory.
os.environ["COURSE_PROGRESS_FILE"] = os.path.join(tempfile.mkdtemp(prefix="course-progress-"), "progress.json")


def pytest_collectstart(collector):
    """Keep stderr out of nbval's comparison: ipykernel captures TF's C++ stderr in Jupyter, not under nbval."""
    try:
        from nbval.plugin import IPyNbFile
    except ImportError:  # nbval not installed: no notebooks are collected anyway
        return
    if isinstance(collector, IPyNbFile) and "stderr" not in collector.skip_compare:
        collector.skip_compare = collector.skip_compare + ("stderr",)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Two jobs at collection.

    Scheduling: under ``--dist loadgroup`` (pyproject's addopts) each file is one unit of work, as with ``--dist
    loadfile``: a notebook's cells run in order in one kernel, a module's fixtures are built once. A module marked
    ``pytestmark = pytest.mark.spread`` is dealt out test by test instead: its tests are long and independent, and as
    one unit they would keep one worker busy for minutes while the other one idles at the end of the run.

    Backends: under another Keras backend than TensorFlow (KERAS_BACKEND=jax), a TensorFlow-only chapter's cells are
    skipped with the reason course_build/backends.py gives for it; the portable chapters run as usual."""
    if getattr(config.option, "loadgroup", False):  # set in the xdist workers only
        for item in items:
            if item.get_closest_marker("spread") is None and item.get_closest_marker("xdist_group") is None:
                item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    _skip_chapters_the_backend_cannot_run(items)


def _skip_chapters_the_backend_cannot_run(items):
    from course_utils.backend import backend

    name = backend()
    if name == "tensorflow":
        return
    from course_build import backends

    for item in items:
        path = getattr(item, "path", None)
        if path is None or path.suffix != ".ipynb" or path.parent.name != "notebooks":
            continue
        if not backends.runs_on(path.name, name):
            verdict = backends.verdict(path.name)
            kind = "TensorFlow-only" if verdict.portable is False else "not yet checked on JAX"
            item.add_marker(pytest.mark.skip(reason=f"chapter {path.name[:2]} is {kind}: {verdict.reason}"))
