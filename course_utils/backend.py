"""Which Keras backend this process runs on (Keras's own ``KERAS_BACKEND``), its library's version, and what is wrong
when the backend asked for cannot start.

TensorFlow is the course's default backend; JAX is the optional extra (``python3 course.py setup --jax``; the README's
"Choosing a backend"). The backend is fixed per process: it must be chosen before Keras is first imported.
:mod:`course_utils.config` re-exports these names; ``setup()`` prints the backend, ``doctor`` reports it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

BACKEND_VAR = "KERAS_BACKEND"  # Keras's own variable; it must be set before Keras is first imported
BACKENDS = ("tensorflow", "jax", "torch")  # Keras 3's backends; the course installs TensorFlow, and JAX as an extra
BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}  # the library, as the setup line names it


def backend() -> str:
    """The Keras backend of this process: ``keras.backend.backend()`` once Keras is imported; before that, what Keras
    will choose (``KERAS_BACKEND``, else the ``"backend"`` of ``$KERAS_HOME/keras.json`` or ``~/.keras/keras.json``,
    else ``"tensorflow"``), without importing it. The backend is fixed per process."""
    if "keras" in sys.modules and hasattr(sys.modules["keras"], "backend"):
        return sys.modules["keras"].backend.backend()
    value = os.environ.get(BACKEND_VAR, "").strip()
    if value:
        return value
    import json

    settings = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "keras.json"
    try:
        return str(json.loads(settings.read_text(encoding="utf-8")).get("backend") or "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def backend_version(name: str) -> str:
    """The installed version of the library behind backend ``name`` (``"not installed"`` when it is absent)."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def backend_problem() -> str:
    """Why Keras cannot start on the backend asked for (``KERAS_BACKEND`` or keras.json) and what to do; "" if it can."""
    name = backend()
    if name not in BACKENDS:
        return (f"{BACKEND_VAR}={name!r} is not a Keras backend; the course runs on {BACKENDS[0]!r} (the default) or "
                f"{BACKENDS[1]!r}. Unset {BACKEND_VAR} for TensorFlow.")
    if backend_version(name) == "not installed":
        if name == "jax":
            return ("the JAX backend is asked for (KERAS_BACKEND=jax) but jax is not installed: run "
                    "`python3 course.py setup --jax` (or `pip install -e .[jax]`), or unset KERAS_BACKEND for TensorFlow")
        return (f"the {BACKEND_NAMES[name]} backend is asked for but {name} is not installed (the course does not install "
                f"it; see the README's \"Choosing a backend\"); unset {BACKEND_VAR} for TensorFlow")
    return ""
