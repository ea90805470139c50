"""A non-editable install (a wheel, as `pip install .` or a Git URL in a cloud notebook builds) holds every module."""
import shutil
import subprocess
import sys
import zipfile

from tests._paths import REPO



def test_the_wheel_holds_every_module_of_the_source_tree(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "course_utils", source / "course_utils", ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"),
         str(source)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("course_utils-*.whl"))
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "course_utils").rglob("*.py") if "__pycache__" not in p.parts}
    assert len(modules) > 20
    assert modules - in_wheel == set(), f"missing from the wheel: {sorted(modules - in_wheel)}"
