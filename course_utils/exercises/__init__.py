"""Exercises: the framework (:mod:`.framework`) and one module per topic, each registering its exercises.

Topic modules are found automatically: a new chapter adds a module here (``from .framework import Case,
Exercise, register`` and one ``register(Exercise(...))`` per exercise) and edits nothing else.
"""
import importlib
import pkgutil

from .framework import (
    FAILED, NOT_ATTEMPTED, PASSED, REGISTRY, Case, Exercise, Report, check, compare, evaluate, get, register,
    show_solution, solution,
)

TOPICS = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "framework" and not m.name.startswith("_")))
for _topic in TOPICS:
    importlib.import_module(f"{__name__}.{_topic}")

__all__ = [
    "Case", "Exercise", "Report", "REGISTRY", "PASSED", "FAILED", "NOT_ATTEMPTED", "TOPICS",
    "check", "compare", "evaluate", "get", "register", "show_solution", "solution",
]
