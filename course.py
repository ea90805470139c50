#!/usr/bin/env python3
"""Set the course up and start it, with nothing but Python installed (the versions pyproject.toml names).

    python3 course.py lab     # set up (once) and open the course in JupyterLab (no news prompt: offline)
    python3 course.py test    # set up (once) and run the whole test suite
    python3 course.py setup   # only set up (--jax: also Keras's JAX backend, the jax extra)
    python3 course.py site    # build the course website into _build/html (installs the site extra on first use)
    python3 course.py serve   # build it and serve it on http://127.0.0.1:8000/ (--port N for another port)

Every other command of the course runs inside that environment as ``python -m course_build <command>``:

    python3 course.py doctor             # versions, hardware, mode, cache, what will not work
    python3 course.py run [NOTEBOOK ...] # execute chapters and report; --write stores them (maintainers)
    python3 course.py download [NAME]    # prefetch the canonical datasets into the cache
    python3 course.py data               # every dataset: size, licence, source, here (cache/mirror) and verified
    python3 course.py results            # every chapter's recorded results, targets and their status
    python3 course.py slides [NN ...]    # reveal.js decks;  python3 course.py guide: the instructor guide
    python3 course.py readme             # rewrite the README's generated tables from the stored notebooks
    python3 course.py new-chapter NN topic "Title"   # a new chapter from the template (maintainers)
    python3 course.py handout [NN ...]   # instructors: learners' copies (outputs cleared) in _build/handout
    python3 course.py grade FOLDER       # instructors: run every checker of submitted notebooks, CSV + summary
    python3 course.py progress           # your exercises per chapter

Setting up creates a virtual environment in .venv and installs the course package with its dependencies:
the exact versions of requirements-lock.txt on the Python version the lock was made with (LOCK_PYTHON, what CI
uses), the ranges of pyproject.toml on the other supported versions (``requires-python`` in pyproject.toml). A second call reuses the environment; it reinstalls only when pyproject.toml or the lock
file changed. Uses the standard library only.

The ``site`` extra (Sphinx, MyST-NB, the theme, offline MathJax and reveal.js, Playwright) is not part of the
learner's default install: ``site`` and ``serve`` install it on first use, CI (``CI=true``) always installs it, and
an environment that has it keeps it. On LOCK_PYTHON its pins are the last section of requirements-lock.txt (after
SITE_MARKER); elsewhere the ranges of the extra in pyproject.toml.

The ``jax`` extra (JAX and jaxlib, for ``KERAS_BACKEND=jax``; README "Choosing a backend") is not part of the
default install either: ``setup --jax`` installs it, and so does any command run with ``KERAS_BACKEND=jax`` in the
environment; an environment that has it keeps it. On LOCK_PYTHON its pins are the lock's section after JAX_MARKER.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".course-setup-stamp"
LOCK = ROOT / "requirements-lock.txt"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCK_PYTHON = (3, 11)  # requirements-lock.txt is a pip freeze made on this version
SITE_MARKER = "# --- site extra"  # the lock's pins after this line belong to the site extra
JAX_MARKER = "# --- jax extra"  # ... and after this one to the jax extra (Keras's JAX backend)
SELECTED = VENV / ".course-lock-selected.txt"  # the part of the lock a setup installs


def supported_pythons(pyproject=None) -> tuple:
    """(lowest, highest) supported (major, minor), read from ``requires-python = ">=3.10,<3.14"`` in pyproject.toml."""
    text = Path(pyproject or ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'requires-python\s*=\s*">=\s*3\.(\d+)\s*,\s*<\s*3\.(\d+)"', text)
    if not match:
        raise SystemExit("pyproject.toml must say requires-python = \">=3.X,<3.Y\"")
    return (3, int(match.group(1))), (3, int(match.group(2)) - 1)


def lock_pins(site: bool, root=None, jax: bool = False) -> list:
    """The pinned lines of requirements-lock.txt to install: the base section, plus the site section if ``site``
    and the jax section if ``jax``."""
    pins, section = [], "base"
    wanted = {"base": True, "site": site, "jax": jax}
    for line in (Path(root or ROOT) / "requirements-lock.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith(SITE_MARKER):
            section = "site"
        elif line.startswith(JAX_MARKER):
            section = "jax"
        elif line.strip() and not line.startswith("#") and wanted[section]:
            pins.append(line.strip())
    return pins


def install_commands(version, python=None, root=None, site: bool = False, selected=None, jax: bool = False) -> list:
    """The pip commands that set the course up on Python ``version`` (a (major, minor) tuple): the lock file's pins
    (written to ``selected``: the base section, and the site and jax sections when asked) and the package without
    dependencies on LOCK_PYTHON; the ranges of pyproject.toml (the test extra, and the site and jax extras)
    elsewhere."""
    pip = [str(python or PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    root = root or ROOT
    if tuple(version[:2]) == LOCK_PYTHON:
        return [pip + ["-r", str(selected or SELECTED)], pip + ["--no-deps", "-e", str(root)]]
    extras = ",".join(["test"] + (["site"] if site else []) + (["jax"] if jax else []))
    return [pip + ["-e", f"{root}[{extras}]"]]


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "requirements-lock.txt"):
        digest.update((ROOT / name).read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def _has_extra(name: str) -> bool:
    """Whether the finished setup of this environment installed the extra ``name`` (its stamp says "+name")."""
    return STAMP.exists() and f"+{name}" in STAMP.read_text()


def _wants_site(site: bool) -> bool:
    """Install the site extra when asked, under CI, or when this environment already has it."""
    on_ci = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    return site or on_ci or _has_extra("site")


def _wants_jax(jax: bool) -> bool:
    """Install the jax extra when asked, when KERAS_BACKEND=jax, or when this environment already has it."""
    return jax or os.environ.get("KERAS_BACKEND", "").strip().lower() == "jax" or _has_extra("jax")


def half_made() -> str:
    """Why ``.venv`` is a half-made environment (no Python in it, or no pip: a first setup stopped with Ctrl-C), or
    "" when it is absent or usable. An environment whose setup finished (the stamp is written last) is trusted
    without starting its Python."""
    if not VENV.exists():
        return ""
    if not PYTHON.exists():
        return f"no {PYTHON.relative_to(VENV).as_posix()}"
    if STAMP.exists():
        return ""
    try:
        works = subprocess.run([str(PYTHON), "-m", "pip", "--version"], capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.SubprocessError):
        works = False
    return "" if works else "its Python has no working pip"


def setup(site: bool = False, jax: bool = False) -> None:
    low, high = supported_pythons()
    if not (low <= sys.version_info[:2] <= high):
        sys.exit(f"Python {sys.version.split()[0]} is not supported: use Python {low[0]}.{low[1]} to "
                 f"{high[0]}.{high[1]} (pyproject.toml's requires-python).")
    problem = half_made()
    if problem:
        print(f"the virtual environment {VENV.name}/ is incomplete ({problem}; an earlier setup was interrupted?): "
              "rebuilding it ...", flush=True)
    if problem or not VENV.exists():
        if not problem:
            print(f"creating the virtual environment {VENV.name}/ ...", flush=True)
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(f"error: creating the virtual environment {VENV} failed ({error}). On Debian or Ubuntu install "
                     f"the venv module (sudo apt install python3-venv); then delete the folder {VENV} and run "
                     "python3 course.py setup again.")
    site, jax = _wants_site(site), _wants_jax(jax)
    wanted = _fingerprint() + ("+site" if site else "") + ("+jax" if jax else "")
    if STAMP.exists() and STAMP.read_text() == wanted:
        print("environment is up to date (.venv)", flush=True)
        return
    extra = " and ".join(name for name, on in (("the site extra", site), ("the jax extra", jax)) if on)
    extra = f" with {extra}" if extra else ""
    if sys.version_info[:2] == LOCK_PYTHON:
        print(f"installing the pinned versions of requirements-lock.txt{extra} ...", flush=True)
        SELECTED.write_text("\n".join(lock_pins(site, jax=jax)) + "\n", encoding="utf-8")
    else:
        print(f"installing from the ranges in pyproject.toml{extra} (the lock file is for Python "
              f"{LOCK_PYTHON[0]}.{LOCK_PYTHON[1]}) ...", flush=True)
    for command in install_commands(sys.version_info[:2], site=site, jax=jax):
        code = subprocess.run(command).returncode
        if code != 0:
            sys.exit(f"error: installing the course's packages failed (pip exited with code {code}; its messages are "
                     f"above): {' '.join(command)}\nCheck the network (or a proxy), the free disk space and the "
                     "Python version, then run python3 course.py setup again; nothing is marked as installed.")
    STAMP.write_text(wanted)
    print("environment ready (.venv)", flush=True)


def running_as_root() -> bool:
    """True for the superuser on Unix (a Docker container, a cloud notebook VM); never on Windows."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_options(options: list) -> list:
    """JupyterLab's options: as root, ``--allow-root`` is added with a one-line notice.

    Jupyter refuses to start as root ("Running as root is not recommended") unless told otherwise; in a
    container or a notebook VM root is the only user there is, so the course starts anyway and says so.
    """
    options = list(options)
    if running_as_root() and not any(o == "--allow-root" or o.startswith("--ServerApp.allow_root") for o in options):
        print("notice: running as root (a container or VM?); starting JupyterLab with --allow-root", flush=True)
        options.append("--allow-root")
    return options


# JupyterLab settings for the course's own lab (the environment's app folder, never the user's settings): no
# "Would you like to get notified about official Jupyter news?" prompt, no news or update request (offline course).
LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def lab_settings(prefix=None) -> Path:
    """Write :data:`LAB_OVERRIDES` to ``<prefix>/share/jupyter/lab/settings/overrides.d/course.json`` (prefix: the
    course's .venv), where JupyterLab reads environment-wide overrides; returns the file's path."""
    import json

    path = Path(prefix or VENV) / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "course.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(LAB_OVERRIDES, indent=1) + "\n", encoding="utf-8")
    return path


OWN_COMMANDS = ("setup", "lab", "test", "site", "serve")
# The commands of course_build.cli, run as ``python -m course_build`` in the environment (a test keeps this equal
# to course_build.cli.commands(); this file cannot import it, it runs before the environment exists).
TOOL_COMMANDS = ("doctor", "run", "download", "data", "results", "slides", "guide", "handout", "readme",
                 "new-chapter", "grade", "progress")


def main(argv: list) -> int:
    if argv and argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if len(argv) < 1 or argv[0] not in OWN_COMMANDS + TOOL_COMMANDS:
        print(__doc__)
        known = ", ".join(OWN_COMMANDS + TOOL_COMMANDS)
        print(f"error: {'unknown command ' + repr(argv[0]) if argv else 'no command given'}; commands: {known}",
              file=sys.stderr)
        return 2
    cache = os.environ.get("COURSE_CACHE_DIR")
    if cache and not Path(cache).expanduser().is_absolute():  # lab and test run in ROOT: keep the folder meant here
        os.environ["COURSE_CACHE_DIR"] = str(Path(cache).expanduser().absolute())
    try:
        return _run(argv[0], argv[1:])
    except KeyboardInterrupt:
        print("\ninterrupted. If it was during setup, run python3 course.py setup again: an incomplete .venv is "
              "rebuilt.", file=sys.stderr)
        return 130


def _run(command: str, rest: list) -> int:
    if command in TOOL_COMMANDS:
        setup()
        return subprocess.call([str(PYTHON), "-m", "course_build", command, *rest])
    if command in ("site", "serve"):
        setup(site=True)
    elif command == "setup":
        unknown = [option for option in rest if option != "--jax"]
        if unknown:
            print(f"error: setup takes only --jax (the jax extra), not {' '.join(unknown)}", file=sys.stderr)
            return 2
        setup(jax="--jax" in rest)
    else:
        setup()
    if command == "lab":
        lab_settings()
        return subprocess.call([str(PYTHON), "-m", "jupyterlab", str(ROOT / "notebooks"), *lab_options(rest)], cwd=ROOT)
    if command == "test":
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
    if command == "site":
        return subprocess.call([str(PYTHON), "-m", "course_build", "site", *rest], cwd=ROOT)
    if command == "serve":
        return subprocess.call([str(PYTHON), "-m", "course_build", "site", "--serve", *rest], cwd=ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
