"""The exercise framework: a learner fills in a stub, one checker call tests it.

The exercises themselves live in the topic modules of this package (one per chapter or group of chapters);
this module holds only the machinery: :class:`Case`, :class:`Exercise`, :class:`Report`, :func:`register`,
:func:`evaluate`, :func:`check` and :func:`show_solution`.

A chapter defines a stub and passes it to :func:`check`::

    def ema_states(x, alpha, h0=0.0):
        raise NotImplementedError  # your code here

    ema_states = check("ema_states", ema_states)

The checker runs the function on several cases, each built to isolate one mistake (one term of an equation,
the initial state, the axis of time, ...), and compares the result with the exercise's solution (for the recurrent cells the functions of
:mod:`course_utils.cells`). It prints which case failed, what that case isolates, and expected vs got.
An untouched stub (it raises ``NotImplementedError``) is reported as not attempted. Whatever happens, ``check``
returns a function the notebook can go on with: the learner's when it passed, the reference otherwise,
so a chapter always runs top to bottom. ``show_solution(name)`` prints a reference solution.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import progress as _progress

PASSED, NOT_ATTEMPTED, FAILED = "passed", "not attempted", "failed"


@dataclass
class Case:
    """One test case: its name, the mistake it isolates, and the keyword arguments to call with."""

    name: str
    isolates: str
    kwargs: dict


@dataclass
class Exercise:
    """An exercise: its solution and a factory of cases (called afresh for every check)."""

    name: str
    title: str
    solution: Callable
    make_cases: Callable[[], list]
    atol: float = 1e-6
    rtol: float = 1e-6
    diagnose: Callable | None = None  # (expected, got, kwargs) -> a hint naming a typical mistake, or None
    output_names: tuple = ()  # names of the items when the function returns a tuple, used in messages
    normalize: Callable | None = None  # applied to expected and learner results before comparing
    # Typical wrong answers, each a Mistake: the tests check that each fails on the case named, with those words.
    mistakes: list = field(default_factory=list)


@dataclass
class Mistake:
    """A typical wrong answer to an exercise: a function that makes the mistake, the case that must catch it,
    and words the checker's message must contain (e.g. the hint). Registered with its exercise, so the tests
    (and the instructor's material) know every mistake a checker is built to diagnose."""

    function: Callable
    case: str
    words: str


@dataclass
class Report:
    """The outcome of checking one function: status, the failing case (if any) and a readable message."""

    exercise: str
    status: str
    message: str
    case: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __str__(self) -> str:
        return self.message


REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (names are unique)."""
    if exercise.name in REGISTRY:
        raise ValueError(f"an exercise named {exercise.name!r} is already registered")
    REGISTRY[exercise.name] = exercise
    return exercise


def get(name: str) -> Exercise:
    """Look an exercise up by name; an unknown name raises a KeyError listing the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY)) or "(none)"
        raise KeyError(f"no exercise named {name!r}; known exercises: {known}") from None


def _fmt(value) -> str:
    array = np.asarray(value)
    if array.size <= 12:
        return np.array2string(array, precision=4, suppress_small=True, separator=", ")
    return f"array of shape {array.shape}"


def compare(expected, got, atol=1e-6, rtol=1e-6, where="result") -> str | None:
    """Return None when ``got`` matches ``expected``, else a sentence saying what differs and where."""
    if got is None and expected is not None:
        return f"{where} is None: did the function forget to `return` its result?"
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            length = len(got) if isinstance(got, (tuple, list)) else "not a tuple"
            return f"{where} should be a tuple of {len(expected)} items, got {length}"
        for index, (e, g) in enumerate(zip(expected, got)):
            problem = compare(e, g, atol, rtol, where=f"{where}[{index}]")
            if problem:
                return problem
        return None
    expected_array = np.asarray(expected)
    try:
        got_array = np.asarray(got, dtype=float if expected_array.dtype.kind == "f" else None)
    except (TypeError, ValueError):
        return f"{where} could not be read as an array (got {type(got).__name__})"
    if got_array.shape != expected_array.shape:
        return f"{where} has shape {got_array.shape}, expected shape {expected_array.shape}"
    if expected_array.dtype.kind in "fc":
        if not np.all(np.isfinite(got_array)):
            return f"{where} contains nan or inf: {_fmt(got_array)}"
        if not np.allclose(got_array, expected_array, atol=atol, rtol=rtol):
            diff = np.abs(got_array - expected_array)
            index = np.unravel_index(np.argmax(diff), diff.shape) if diff.ndim else ()
            location = f" at index {tuple(int(i) for i in index)}" if diff.ndim else ""
            return (
                f"{where} differs from the expected value (max abs difference {diff.max():.3g}{location}).\n"
                f"    expected: {_fmt(expected_array)}\n    got:      {_fmt(got_array)}"
            )
        return None
    if not np.array_equal(got_array, expected_array):
        return f"{where} is {_fmt(got_array)}, expected {_fmt(expected_array)}"
    return None


def evaluate(name: str, fn: Callable) -> Report:
    """Run ``fn`` on every case of exercise ``name`` and return a :class:`Report` (prints nothing)."""
    exercise = get(name)
    if not callable(fn):
        return Report(name, FAILED, f"{name}: expected a function, got {type(fn).__name__}")
    cases = exercise.make_cases()
    for number, case in enumerate(cases, start=1):
        expected = exercise.solution(**_copy_args(case.kwargs))
        try:
            got = fn(**_copy_args(case.kwargs))
        except NotImplementedError:
            return Report(
                name,
                NOT_ATTEMPTED,
                f"{name}: not attempted yet (the stub still raises NotImplementedError). "
                f"The notebook continues with the reference solution; show_solution({name!r}) prints it.",
            )
        except Exception as error:  # the learner's code may raise anything; report it precisely
            return Report(
                name,
                FAILED,
                f"{name}: case {number}/{len(cases)} '{case.name}' raised "
                f"{type(error).__name__}: {error}\n  This case checks {case.isolates}.",
                case=case.name,
            )
        if exercise.normalize is not None:
            expected, got = exercise.normalize(expected), exercise.normalize(got)
        problem = _compare_named(expected, got, exercise)
        if problem and exercise.diagnose is not None:
            try:
                hint = exercise.diagnose(expected, got, case.kwargs)
            except Exception:  # a hint must never hide the report itself
                hint = None
            if hint:
                problem += f"\n  Hint: {hint}"
        if problem:
            return Report(
                name,
                FAILED,
                f"{name}: case {number}/{len(cases)} '{case.name}' failed.\n"
                f"  This case checks {case.isolates}.\n  {problem}",
                case=case.name,
                details={"expected": expected, "got": got},
            )
    return Report(name, PASSED, f"{name}: all {len(cases)} cases passed. Well done!")


def _compare_named(expected, got, exercise) -> str | None:
    names = exercise.output_names
    if names and isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            return f"the function should return a tuple of {len(names)} items ({', '.join(names)})"
        for name, e, g in zip(names, expected, got):
            problem = compare(e, g, exercise.atol, exercise.rtol, where=name)
            if problem:
                return problem
        return None
    return compare(expected, got, exercise.atol, exercise.rtol)


def _copy_args(kwargs: dict) -> dict:
    def copy(value):
        if isinstance(value, np.ndarray):
            return value.copy()
        if isinstance(value, list):
            return [copy(v) for v in value]
        return value

    return {k: copy(v) for k, v in kwargs.items()}


def check(name: str, fn: Callable) -> Callable:
    """Check a learner's function, print the report, and return the function to continue with.

    Returns ``fn`` when every case passed, otherwise the reference solution (so the notebook keeps running).
    """
    report = evaluate(name, fn)
    _progress.record(name, report.status)  # the learner's progress file (never raises)
    print(report.message)
    if report.status == FAILED:
        print("  The notebook continues with the reference solution; fix the function and run the cell again.")
    return fn if report.passed else get(name).solution


def show_solution(name: str) -> None:
    """Print the source of the reference solution of exercise ``name``."""
    print(inspect.getsource(get(name).solution))


def solution(name: str) -> Callable:
    """The reference solution of exercise ``name``, as a function."""
    return get(name).solution
