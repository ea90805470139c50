"""course_build/backends.py: every chapter has one backend verdict, with its reason."""
import pytest

from course_build import backends
from course_build.repository import chapters
from tests._paths import REPO


def test_every_chapter_has_a_verdict_and_every_verdict_a_chapter():
    numbers = [path.name[:2] for path in chapters(REPO)]
    assert sorted(backends.CHAPTERS) == sorted(numbers)
    for path in chapters(REPO):
        assert backends.verdict(path) is backends.CHAPTERS[path.name[:2]]


def test_each_verdict_says_why_and_the_jax_pass_runs_only_portable_chapters():
    for number, verdict in backends.CHAPTERS.items():
        assert len(verdict.reason.split()) >= 5, number
    assert backends.JAX_SMOKE and all(backends.CHAPTERS[n].portable for n in backends.JAX_SMOKE)
    assert any(not v.portable for v in backends.CHAPTERS.values())


def test_runs_on_and_labels():
    portable = next(n for n, v in backends.CHAPTERS.items() if v.portable)
    only = next(n for n, v in backends.CHAPTERS.items() if not v.portable)
    assert backends.runs_on(f"notebooks/{portable}_x.ipynb", "jax") and backends.runs_on(only, "tensorflow")
    assert not backends.runs_on(only, "jax") and not backends.runs_on(portable, "torch")
    assert backends.CHAPTERS[portable].label == "TensorFlow, JAX"
    assert backends.CHAPTERS[only].label == "TensorFlow only"
    assert backends.unchecked("ran to cell 5 of 9 in time").label == "TensorFlow (JAX unchecked)"
    assert not backends.runs_on(only, "torch")
    with pytest.raises(KeyError, match="no backend verdict"):
        backends.verdict("99")


def test_the_readme_s_jax_pass_runs_the_jax_smoke_chapters():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    line = next(l for l in readme.splitlines() if l.startswith("KERAS_BACKEND=jax python3 course.py test "))
    named = sorted(word.split("/")[1][:2] for word in line.split() if word.startswith("notebooks/"))
    assert named == sorted(backends.JAX_SMOKE)
    assert "tests/course_utils/from_scratch" in line.split()
