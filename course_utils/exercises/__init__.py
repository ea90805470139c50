"""Exercises: the framework (:mod:`.framework`) and one module per topic, each registering its exercises.

Topic modules are found automatically: a new chapter adds a module here (``from .framework import Case,
Exercise, Mistake, register`` and one ``register(Exercise(..., mistakes=[Mistake(...), ...]))`` per exercise,
with at least two typical mistakes) and edits nothing else; tests/test_exercises.py checks every registered
exercise generically (its solution passes, each mistake fails on its case with its words).
"""
import importlib
import pkgutil

from course_utils.exercises._calling import CaseTimeout
from course_utils.exercises.framework import (
    DEFAULT_TIME_LIMIT, FAILED, NOT_ATTEMPTED, PASSED, REGISTRY, Case, Exercise, Mistake, Report, Variant, check,
    compare, evaluate, get, register, show_solution, solution,
)

TOPICS = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "framework" and not m.name.startswith("_")))
for _topic in TOPICS:
    importlib.import_module(f"{__name__}.{_topic}")

__all__ = [
    "Case", "Exercise", "Mistake", "Report", "Variant", "CaseTimeout", "DEFAULT_TIME_LIMIT", "REGISTRY", "PASSED",
    "FAILED", "NOT_ATTEMPTED", "TOPICS",
    "check", "compare", "evaluate", "get", "register", "show_solution", "solution",
]
