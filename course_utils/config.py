"""Course configuration: quick/full mode, the offline switch, the cache directory and the setup call.

Everything a notebook needs before its first real line of code lives here:

* ``COURSE_MODE`` (``full`` by default, or ``quick``) picks how much data and how many epochs a chapter uses;
  :func:`pick` turns one knob into one line, e.g. ``EPOCHS = pick(quick=2, full=30)``.
* ``COURSE_OFFLINE`` (``0`` by default; ``1``/``true``/``yes``/``on`` to switch on) makes every data loader use
  its offline source and blocks network connections from the notebook's process.
* ``COURSE_CACHE_DIR`` (default ``$KERAS_HOME/course_rnn`` or ``~/.keras/course_rnn``) is where downloads live.
* ``KERAS_BACKEND`` (Keras's own variable: ``tensorflow``, the course's default, or ``jax``) picks the backend;
  :func:`backend` says which one Keras uses, and the setup line prints it.
* :func:`setup` is the one call in the first code cell of every chapter.
"""
from __future__ import annotations

import contextlib
import os
import platform
import random
import sys
from pathlib import Path

from course_utils.backend import (BACKEND_NAMES, BACKEND_VAR, BACKENDS, backend, backend_problem,  # noqa: F401
                                  backend_version)

MODE_VAR = "COURSE_MODE"
OFFLINE_VAR = "COURSE_OFFLINE"
CACHE_VAR = "COURSE_CACHE_DIR"
MODES = ("quick", "full")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")

DEFAULT_SEED = 42
# The machine every stated run time was measured on (the notebooks' "Measured full-mode run time" lines).
REFERENCE_MACHINE = "2 CPU cores"


class ConfigError(ValueError):
    """An environment variable of the course holds a value it cannot use."""


def mode() -> str:
    """Return the run mode, ``"quick"`` or ``"full"``, read from ``COURSE_MODE`` (default ``"full"``)."""
    value = os.environ.get(MODE_VAR, "full").strip().lower()
    if value not in MODES:
        raise ConfigError(
            f"{MODE_VAR}={os.environ.get(MODE_VAR)!r} is not a mode; allowed values are "
            f"{', '.join(repr(m) for m in MODES)}. Unset it for full mode or set {MODE_VAR}=quick."
        )
    return value


def is_quick() -> bool:
    """True when the course runs in quick mode (as under pytest)."""
    return mode() == "quick"


def pick(*, quick, full):
    """Return ``quick`` in quick mode and ``full`` in full mode.

    Use it for every knob that trades time for quality, one knob per line::

        EPOCHS = pick(quick=2, full=30)
    """
    return quick if is_quick() else full


def seeds(*, quick: int = 1, full: int = 3) -> tuple:
    """The seeds a chapter's comparisons run over: ``(0,)`` in quick mode and ``(0, 1, 2)`` in full mode.

    The one way a chapter names its seeds (the hygiene check of the stored notebooks enforces it)::

        SEEDS = seeds()            # pass seeds=SEEDS to over_seeds
        SEEDS = seeds(quick=3)     # where three seeds are cheap enough for quick mode too
    """
    for name, count in (("quick", quick), ("full", full)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"{name} must be a positive number of seeds, got {count!r}")
    return tuple(range(pick(quick=quick, full=full)))


def offline() -> bool:
    """True when ``COURSE_OFFLINE`` asks for offline data (no network attempt at all)."""
    raw = os.environ.get(OFFLINE_VAR, "0")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(
        f"{OFFLINE_VAR}={raw!r} is not understood; use one of {', '.join(_TRUE)} to work offline "
        f"or one of {', '.join(repr(v) for v in _FALSE)} to allow downloads."
    )


def cache_dir(create: bool = False) -> Path:
    """The directory where downloaded datasets are cached.

    ``COURSE_CACHE_DIR`` wins; otherwise ``$KERAS_HOME/course_rnn``; otherwise ``~/.keras/course_rnn``.
    With ``create=True`` the directory is created if needed.
    """
    if os.environ.get(CACHE_VAR):
        path = Path(os.environ[CACHE_VAR]).expanduser().absolute()  # relative: to the working directory now
    elif os.environ.get("KERAS_HOME"):
        path = Path(os.environ["KERAS_HOME"]).expanduser() / "course_rnn"
    else:
        path = Path.home() / ".keras" / "course_rnn"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def pin_cache_dir() -> None:
    """Make a relative ``COURSE_CACHE_DIR`` absolute in ``os.environ``, against the working directory now.

    The command line calls it first, so that every process it starts (notebook kernels run in the notebooks'
    folder, fresh processes, pytest) uses the folder the user meant, not one relative to its own directory."""
    value = os.environ.get(CACHE_VAR)
    if value and not Path(value).expanduser().is_absolute():
        os.environ[CACHE_VAR] = str(Path(value).expanduser().absolute())


def display_path(path) -> str:
    """A path as shown to people: under the home directory it starts with ``~`` (no user name in outputs)."""
    path = Path(path).expanduser()
    try:
        return "~/" + path.resolve().relative_to(Path.home().resolve()).as_posix()
    except ValueError:
        return str(path)


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ and Python log noise. Must run before TensorFlow is imported to be complete."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        import logging

        sys.modules["tensorflow"].get_logger().setLevel(logging.ERROR)


@contextlib.contextmanager
def _stderr_fd_silenced():
    """Send the process's file descriptor 2 to /dev/null for the block.

    TensorFlow 2.21 prints oneDNN/CUDA notices from C++ before its logging is initialised, whatever
    TF_CPP_MIN_LOG_LEVEL says; Jupyter would store them as stderr output of the setup cell.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (rare embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow():
    """Import TensorFlow quietly (no C++ start-up notices) and return the module."""
    quiet_tensorflow()
    if "tensorflow" not in sys.modules:
        with _stderr_fd_silenced():
            import tensorflow  # noqa: F401
    quiet_tensorflow()
    return sys.modules["tensorflow"]


# Colour-blind-safe defaults for every chapter's figures: the Okabe-Ito palette for lines and bars (distinct
# under the common colour-vision deficiencies and in greyscale by lightness) and viridis for images and heat maps.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
COLOUR_MAP = "viridis"


class COLOURS:
    """The palette by name, the one place a chapter takes a colour from (no hex value in a notebook: the hygiene
    check enforces it). The Okabe-Ito colours are also matplotlib's cycle after ``setup()``, so ``"C0"`` is
    ``COLOURS.blue``, ``"C1"`` ``COLOURS.orange``, and so on; greys (``"k"``, ``"0.6"``, ``"grey"``) are for reference
    lines; ``pale_blue`` fills boxes in diagrams behind black text."""

    blue, orange, green, vermilion, purple, sky_blue, yellow, black = OKABE_ITO
    pale_blue = "#dbe9f6"
    grey = "0.6"


def _plot_defaults() -> None:
    import matplotlib
    from cycler import cycler

    matplotlib.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
            "image.cmap": COLOUR_MAP,
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 90,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "savefig.bbox": "tight",
        }
    )


def versions() -> dict:
    """Versions of Python and the main libraries, as strings (without importing TensorFlow if absent)."""
    from importlib import metadata

    found = {"python": platform.python_version()}
    for name in ("tensorflow", "keras", "numpy"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def setup(seed: int = DEFAULT_SEED, *, verbose: bool = True) -> dict:
    """Prepare a chapter: the first code cell of every notebook calls this once.

    It silences TensorFlow's log noise (before TensorFlow is imported), seeds Python, NumPy and the Keras backend,
    turns on TensorFlow's op determinism (TensorFlow is imported on every backend), sets plot defaults, blocks the
    network when ``COURSE_OFFLINE`` is on, and prints one banner line that names the backend and its library's
    version. Returns a dict with the mode, the offline flag, the seed, the backend and versions. Raises
    :class:`ConfigError` when ``KERAS_BACKEND`` names a backend that is unknown or not installed.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"seed must be a non-negative int, got {seed!r}")
    run_mode = mode()
    is_offline = offline()
    quiet_tensorflow()
    if is_offline:
        from course_utils.netguard import block_network

        block_network()

    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*np.find_common_type.*")

    import numpy as np

    problem = backend_problem()
    if problem:
        raise ConfigError(problem)
    # TensorFlow is imported on every backend: it is a dependency of the course (tf.data, TextVectorization), and
    # keras.utils.set_random_seed imports it anyway when it is installed, which is better done quietly, here.
    tf = import_tensorflow()
    import keras

    name = keras.backend.backend()
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # pragma: no cover - absl ships with TensorFlow
        pass
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    _plot_defaults()

    library = tf.__version__ if name == "tensorflow" else backend_version(name)
    info = {
        "mode": run_mode,
        "offline": is_offline,
        "seed": seed,
        "backend": name,
        name: library,
        "keras": keras.__version__,
    }
    if verbose:
        data = "offline data only" if is_offline else "online allowed (cached data first)"
        print(
            f"Course setup: {run_mode} mode | {data} | seed {seed} | "
            f"{BACKEND_NAMES.get(name, name)} {library}, Keras {keras.__version__} (backend: {name})"
        )
    return info
