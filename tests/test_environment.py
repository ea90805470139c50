"""pyproject.toml, environment.yml and requirements-lock.txt agree, and what is installed satisfies them."""
import os
import re
import sys
from importlib import metadata

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from tests._paths import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

CONDA_NAMES = {"arch": "arch-py"}  # PyPI name -> conda-forge name where they differ


def _pyproject():
    data = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = data["optional-dependencies"]
    reqs = [Requirement(r) for r in data["dependencies"] + extras["test"] + extras["site"]]
    return {r.name.lower(): r.specifier for r in reqs}


def _extra_requirements(name):
    return [Requirement(r) for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"][name]]


def _site_extra():
    return {Requirement(r).name.lower() for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["site"]}


def _environment():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    specs, python = {}, None
    for item in env["dependencies"]:
        entries = item["pip"] if isinstance(item, dict) else [item]
        for entry in entries:
            name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", entry).groups()
            if name == "python":
                python = spec
            elif name != "pip":
                specs[name.lower()] = SpecifierSet(spec.replace(" ", ""))
    return specs, python, env


def test_environment_yml_uses_conda_forge_and_python_311():
    specs, python, env = _environment()
    assert env["channels"] == ["conda-forge"]
    assert python == "=3.11"


def test_environment_yml_names_the_same_packages_with_the_same_ranges():
    wanted = _pyproject()
    specs, _, _ = _environment()
    expected = {CONDA_NAMES.get(name, name): spec for name, spec in wanted.items()}
    assert set(specs) == set(expected), f"only in environment.yml: {set(specs) - set(expected)}; only in pyproject: {set(expected) - set(specs)}"
    for name, spec in expected.items():
        assert specs[name] == spec, f"{name}: environment.yml has {specs[name]}, pyproject.toml has {spec}"


def _lock():
    pins = {}
    for line in (REPO / "requirements-lock.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_lock_pins_every_dependency_within_its_range():
    pins = _lock()
    for name, spec in _pyproject().items():
        assert name in pins, f"{name} is not pinned in requirements-lock.txt"
        assert pins[name] in spec, f"lock pins {name}=={pins[name]}, outside pyproject's {spec}"


def test_the_site_extra_is_pinned_in_the_lock_section_that_a_plain_setup_skips():
    text = (REPO / "requirements-lock.txt").read_text()
    marker = next(line for line in text.splitlines() if line.startswith("# --- site extra"))
    base, site = text.split(marker)
    site = site.split("# --- jax extra")[0]
    base_names = {l.split("==")[0].lower().replace("_", "-") for l in base.splitlines() if l and not l.startswith("#")}
    site_names = {l.split("==")[0].lower().replace("_", "-") for l in site.splitlines() if l and not l.startswith("#")}
    assert _site_extra() <= site_names and not (site_names & base_names)


def test_installed_versions_satisfy_the_ranges():
    site = _site_extra()
    for name, spec in _pyproject().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            if name in site and os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
                continue  # the site extra is installed on first use of `course.py site` (CI always has it)
            raise
        assert installed in spec, f"{name} {installed} is installed but pyproject.toml asks for {spec}: run `python3 course.py setup`"


def test_the_jax_extra_is_optional_and_pinned_in_the_last_section_of_the_lock():
    """Keras's JAX backend: not a dependency of the default install (TensorFlow stays the default backend), pinned
    within its range in the lock's jax section, which neither a plain setup nor the site extra installs."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert not any(Requirement(r).name.lower() in ("jax", "jaxlib") for r in project["dependencies"])
    wanted = {r.name.lower(): r.specifier for r in _extra_requirements("jax")}
    assert set(wanted) == {"jax"}
    text = (REPO / "requirements-lock.txt").read_text()
    marker = next(line for line in text.splitlines() if line.startswith("# --- jax extra"))
    before, section = text.split(marker)
    assert "# --- site extra" in before  # the jax section comes last
    names = {l.split("==")[0].lower(): l.split("==")[1] for l in section.splitlines() if l and not l.startswith("#")}
    assert set(names) == {"jax", "jaxlib"} and names["jax"] == names["jaxlib"]  # jaxlib must match jax
    assert names["jax"] in wanted["jax"]
    before_names = {l.split("==")[0].lower() for l in before.splitlines() if l and not l.startswith("#")}
    assert not (set(names) & before_names)


def test_installed_jax_if_any_satisfies_the_extra():
    try:
        installed = metadata.version("jax")
    except metadata.PackageNotFoundError:
        pytest.skip("the jax extra is not installed (python3 course.py setup --jax installs it)")
    (requirement,) = _extra_requirements("jax")
    assert installed in requirement.specifier, f"jax {installed} is installed, pyproject.toml asks {requirement.specifier}"
    assert metadata.version("jaxlib") == installed
