"""course.py, the README's entry point: usage errors, the environment fingerprint, starting the lab as root."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests._paths import REPO



def test_unknown_command_prints_usage_and_exits_2():
    proc = subprocess.run([sys.executable, str(REPO / "course.py"), "bogus"], capture_output=True, text=True)
    assert proc.returncode == 2 and "python3 course.py lab" in proc.stdout
    assert "error: unknown command 'bogus'; commands: setup, lab" in proc.stderr


@pytest.mark.parametrize("option", ["--help", "-h", "help"])
def test_help_prints_usage_and_exits_0(option):
    proc = subprocess.run([sys.executable, str(REPO / "course.py"), option], capture_output=True, text=True)
    assert proc.returncode == 0 and "python3 course.py lab" in proc.stdout and proc.stderr == ""


@pytest.fixture
def course_in(tmp_path, monkeypatch):
    """course.py with its environment folder moved into tmp_path (nothing real is created or installed)."""
    course = _course()
    venv_dir = tmp_path / ".venv"
    bin_dir = venv_dir / ("Scripts" if os.name == "nt" else "bin")
    for name, value in {"VENV": venv_dir, "BIN": bin_dir, "PYTHON": bin_dir / course.PYTHON.name,
                        "STAMP": venv_dir / ".course-setup-stamp",
                        "SELECTED": venv_dir / ".course-lock-selected.txt"}.items():
        monkeypatch.setattr(course, name, value)
    return course


class FakeBuilder:
    """Stands in for venv.EnvBuilder: records how it was asked and makes a bin/python that is only a file."""
    made = []

    def __init__(self, with_pip=False, clear=False):
        self.options = {"with_pip": with_pip, "clear": clear}

    def create(self, folder):
        FakeBuilder.made.append(self.options)
        python = Path(folder) / "bin" / "python"
        python.parent.mkdir(parents=True, exist_ok=True)
        python.write_text("")


def _fake_run(codes):
    """A subprocess.run that records commands and answers with the code of the first matching word."""
    calls = []

    def run(command, *args, **kwargs):
        calls.append(command)
        code = next((c for word, c in codes.items() if word in command), 0)
        return subprocess.CompletedProcess(command, code, b"", b"")

    return run, calls


def test_setup_when_pip_fails_is_a_clear_message_and_nothing_is_marked_installed(course_in, monkeypatch, capsys):
    """Was: a CalledProcessError traceback."""
    course = course_in
    monkeypatch.setattr(course.venv, "EnvBuilder", FakeBuilder)
    run, calls = _fake_run({"install": 1, "--version": 0})
    monkeypatch.setattr(course.subprocess, "run", run)
    with pytest.raises(SystemExit) as info:
        course.setup()
    message = str(info.value.code)
    assert message.startswith("error: installing the course's packages failed (pip exited with code 1")
    assert "python3 course.py setup again" in message and "Traceback" not in message
    assert not course.STAMP.exists() and any("install" in c for c in calls)


def test_a_half_made_environment_is_detected(course_in, tmp_path):
    import venv

    course = course_in
    assert course.half_made() == ""  # no .venv at all: a first setup, nothing to rebuild
    course.VENV.mkdir()
    assert "no bin/python" in course.half_made() or "no Scripts" in course.half_made()  # Ctrl-C at once
    venv.EnvBuilder(with_pip=False).create(course.VENV)  # Ctrl-C during ensurepip: a Python without pip
    assert course.half_made() == "its Python has no working pip"
    course.STAMP.write_text("done")  # a finished setup is trusted
    assert course.half_made() == ""


def test_setup_rebuilds_a_half_made_environment(course_in, monkeypatch, capsys):
    """Was: every command failed for ever ('No module named pip') after a Ctrl-C during the first setup."""
    course = course_in
    course.BIN.mkdir(parents=True)
    course.PYTHON.write_text("")  # a Python that cannot even start: as broken as can be
    FakeBuilder.made = []
    monkeypatch.setattr(course.venv, "EnvBuilder", FakeBuilder)
    run, calls = _fake_run({"--version": 1})
    monkeypatch.setattr(course.subprocess, "run", run)
    course.setup()
    assert FakeBuilder.made == [{"with_pip": True, "clear": True}]
    assert "is incomplete (its Python has no working pip" in capsys.readouterr().out
    assert course.STAMP.exists()


def test_ctrl_c_during_a_command_is_one_line_not_a_traceback(course_in, monkeypatch, capsys):
    course = course_in

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(course, "setup", interrupted)
    assert course.main(["setup"]) == 130
    assert "run python3 course.py setup again" in capsys.readouterr().err


def test_fingerprint_changes_with_the_pinned_files(tmp_path, monkeypatch):
    sys.path.insert(0, str(REPO))
    try:
        import course
    finally:
        sys.path.remove(str(REPO))
    for name in ("pyproject.toml", "requirements-lock.txt"):
        (tmp_path / name).write_text((REPO / name).read_text())
    monkeypatch.setattr(course, "ROOT", tmp_path)
    before = course._fingerprint()
    assert course._fingerprint() == before  # a second call reuses the environment
    (tmp_path / "requirements-lock.txt").write_text("numpy==0.0.0\n")
    assert course._fingerprint() != before  # a changed lock file triggers a reinstall


def _course():
    sys.path.insert(0, str(REPO))
    try:
        import course
    finally:
        sys.path.remove(str(REPO))
    return course


def test_supported_versions_come_from_pyproject_and_the_message_names_the_range(tmp_path):
    course = _course()
    assert course.supported_pythons() == ((3, 10), (3, 13))
    (tmp_path / "pyproject.toml").write_text('requires-python = ">=3.9,<3.12"\n')
    assert course.supported_pythons(tmp_path / "pyproject.toml") == ((3, 9), (3, 11))
    readme = (REPO / "README.md").read_text()
    assert "Python 3.10 to 3.13" in readme


def test_only_the_lock_python_installs_the_lock_file_other_versions_use_the_ranges():
    course = _course()
    for version in ((3, 10), (3, 12), (3, 13)):
        (command,) = course.install_commands(version, python="py", root="/r")
        assert command[-2:] == ["-e", "/r[test]"] and "-r" not in command
    lock, package = course.install_commands(course.LOCK_PYTHON, python="py", root="/r", selected="/v/pins.txt")
    assert lock[-2:] == ["-r", "/v/pins.txt"] and package[-3:] == ["--no-deps", "-e", "/r"]
    (command,) = course.install_commands((3, 12), python="py", root="/r", site=True)
    assert command[-2:] == ["-e", "/r[test,site]"]


def test_the_site_extra_is_a_separate_section_of_the_lock_installed_only_when_wanted(monkeypatch, tmp_path):
    course = _course()
    base, full = course.lock_pins(site=False), course.lock_pins(site=True)
    names = lambda pins: {p.split("==")[0].lower() for p in pins}  # noqa: E731
    assert {"sphinx", "myst-nb", "playwright"} <= names(full) - names(base)  # lean default install
    assert {"tensorflow", "pytest"} <= names(base)
    assert len(full) == len(set(full)) and set(base) < set(full)
    monkeypatch.setattr(course, "STAMP", tmp_path / "stamp")
    monkeypatch.setenv("CI", "true")
    assert course._wants_site(False)  # CI always installs it (the browser test runs in `course.py test`)
    monkeypatch.delenv("CI")
    assert not course._wants_site(False) and course._wants_site(True)
    (tmp_path / "stamp").write_text("abc+site")
    assert course._wants_site(False)  # an environment that has the extra keeps it


def test_the_jax_extra_is_the_last_section_of_the_lock_installed_when_asked_or_when_keras_backend_is_jax(
        monkeypatch, tmp_path):
    course = _course()
    base, site, jax = (course.lock_pins(site=False), course.lock_pins(site=True),
                       course.lock_pins(site=False, jax=True))
    names = lambda pins: {p.split("==")[0].lower() for p in pins}  # noqa: E731
    assert names(jax) - names(base) == {"jax", "jaxlib"} and not names(site) & {"jax", "jaxlib"}
    assert set(course.lock_pins(site=True, jax=True)) == set(site) | set(jax)
    (command,) = course.install_commands((3, 12), python="py", root="/r", jax=True)
    assert command[-2:] == ["-e", "/r[test,jax]"]
    (command,) = course.install_commands((3, 12), python="py", root="/r", site=True, jax=True)
    assert command[-2:] == ["-e", "/r[test,site,jax]"]
    monkeypatch.setattr(course, "STAMP", tmp_path / "stamp")
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert not course._wants_jax(False) and course._wants_jax(True)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert course._wants_jax(False)
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert not course._wants_jax(False)
    (tmp_path / "stamp").write_text("abc+site+jax")
    assert course._wants_jax(False) and course._wants_site(False)  # an environment keeps each extra it has


def test_setup_takes_only_the_jax_option(monkeypatch, capsys):
    course = _course()
    calls = []
    monkeypatch.setattr(course, "setup", lambda **kwargs: calls.append(kwargs))
    assert course.main(["setup", "--jax"]) == 0 and calls == [{"jax": True}]
    assert course.main(["setup"]) == 0 and calls[-1] == {"jax": False}
    assert course.main(["setup", "--torch"]) == 2 and "setup takes only --jax" in capsys.readouterr().err


@pytest.mark.parametrize("as_root", [True, False])
def test_lab_as_root_adds_allow_root_with_a_notice(monkeypatch, capsys, as_root):
    course = _course()
    calls = []
    monkeypatch.setattr(course, "setup", lambda: None)
    monkeypatch.setattr(course.subprocess, "call", lambda args, **kw: calls.append(args) or 0)
    monkeypatch.setattr(course.os, "geteuid", lambda: 0 if as_root else 1000, raising=False)
    assert course.main(["lab", "--no-browser"]) == 0
    notice = capsys.readouterr().out
    assert ("--allow-root" in calls[0]) is as_root and calls[0].count("--allow-root") <= 1
    assert ("running as root" in notice) is as_root and len(notice.strip().splitlines()) <= 1
    assert course.lab_options(["--allow-root"]).count("--allow-root") == 1  # not added twice


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root sees Jupyter's refusal")
def test_jupyterlab_really_starts_as_root_with_those_options(tmp_path):
    """Start the real server (loopback, random port, no browser) with course.py's options, then stop it."""
    course = _course()
    env = {**os.environ, **{f"JUPYTER_{k}_DIR": str(tmp_path / k) for k in ("RUNTIME", "CONFIG", "DATA")}}
    options = course.lab_options(["--no-browser", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0"])
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", str(tmp_path), *options], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if "is running at" in line:
                break
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert any("is running at" in line for line in seen), "".join(seen[-20:])
    assert not any("Running as root is not recommended" in line for line in seen)


def test_the_course_lab_never_asks_about_jupyter_news(tmp_path):
    """Issue 31: the offline course's JupyterLab neither asks "get notified about official Jupyter news?" nor
    fetches news or updates; the override lives in the environment's app folder, not in the user's settings."""
    from jupyterlab.commands import get_app_dir
    from jupyterlab_server.settings_utils import _get_overrides

    course = _course()
    path = course.lab_settings(tmp_path)
    assert path == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "course.json"
    overrides, error = _get_overrides(str(path.parent.parent))
    assert error == ""
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}
    # the folder JupyterLab reads in an environment is the one lab_settings writes under that environment's prefix
    assert Path(get_app_dir()) == Path(sys.prefix) / "share" / "jupyter" / "lab"
    assert course.lab_settings(tmp_path) == path  # idempotent
