"""Exercises: the framework (:mod:`.framework`) and one module per topic, each registering its exercises.

Topic modules are found automatically: a new chapter adds a module here (``from .framework import Case,
Exercise, Mistake, register`` and one ``register(Exercise(..., mistakes=[Mistake(...), ...]))`` per exercise,
with at least two typical mistakes) and edits nothing else; tests/course_utils/exercises/test_exercises.py checks every registered
exercise generically (its solution passes, each mistake fails on its case with its words). An exercise whose
answer is a Keras model is registered with :func:`.models.model_exercise` and checked by behaviour (:mod:`.models`).
"""
import importlib
import pkgutil

from course_utils.exercises._calling import CaseTimeout
from course_utils.exercises.framework import (
    DEFAULT_TIME_LIMIT, FAILED, FUNCTION, JUDGES, NOT_ATTEMPTED, PASSED, REGISTRY, Case, Exercise, Mistake, Report,
    Variant, check, mismatch, evaluate, get, register, show_solution, solution,
)
from course_utils.exercises.models import MODEL  # registers the judge of the exercises that build a Keras model

MACHINERY = ("framework", "models")  # modules of the framework itself, not topics
TOPICS = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in MACHINERY and not m.name.startswith("_")))
for _topic in TOPICS:
    importlib.import_module(f"{__name__}.{_topic}")

__all__ = [
    "Case", "Exercise", "Mistake", "Report", "Variant", "CaseTimeout", "DEFAULT_TIME_LIMIT", "REGISTRY", "PASSED",
    "FAILED", "NOT_ATTEMPTED", "TOPICS", "FUNCTION", "MODEL", "JUDGES",
    "check", "mismatch", "evaluate", "get", "register", "show_solution", "solution",
]
