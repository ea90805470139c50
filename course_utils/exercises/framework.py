"""The exercise framework: a learner fills in a stub, one checker call tests it.

The exercises themselves live in the topic modules of this package (one per chapter or group of chapters);
this module holds the machinery: :class:`Case`, :class:`Variant`, :class:`Exercise`, :class:`Report`,
:func:`register`, :func:`evaluate`, :func:`check` and :func:`show_solution` (comparing lives in
:mod:`._compare`, calling with a time limit in :mod:`._calling`).

A chapter defines a stub and passes it to :func:`check`::

    def ema_states(x, alpha, h0=0.0):
        raise NotImplementedError  # your code here

    ema_states = check("ema_states", ema_states)

The checker runs the function on several cases, each built to isolate one mistake (one term of an equation,
the initial state, the axis of time, ...), and compares the result with the exercise's solution (for the
recurrent cells the functions of :mod:`course_utils.from_scratch.recurrences`). It prints which case failed, what that case
isolates, and expected vs got, plus a hint when the results match one registered typical mistake
(:class:`Variant`) on every case. Tolerances follow the learner's dtype (a correct float32 answer passes); a list
passes where a tuple is expected; a complex result fails; renamed parameters are passed by position, with a note.
Each case runs under a time limit (:data:`DEFAULT_TIME_LIMIT` seconds), so an endless loop is stopped and reported.

An untouched stub (it raises ``NotImplementedError`` on every case) is reported as not attempted; one that raises
it on some cases only has failed there. Whatever happens, ``check`` returns a function the notebook can go on
with: the learner's when it passed, the reference otherwise (also after an interrupt), so a chapter always runs
top to bottom. ``show_solution(name)`` prints a reference solution.

Exercises of another ``kind`` are judged by behaviour instead of by comparing results: an exercise of kind
``"model"`` (:mod:`course_utils.exercises.models`) has the learner build a Keras model, and each of its cases runs
checks on the model (layers, parameter count, output shape, padding, learning) under a longer time limit.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from course_utils import progress as _progress
from course_utils.exercises._calling import CaseTimeout, call_with_limit, calling_convention, copy_args
from course_utils.exercises._compare import mismatch

PASSED, NOT_ATTEMPTED, FAILED = "passed", "not attempted", "failed"
DEFAULT_TIME_LIMIT = 5.0  # seconds per checked case; check(..., time_limit=None) removes the limit
OWN_LIMIT = "the exercise's own"  # the default time_limit of evaluate/check: Exercise.time_limit
FUNCTION = "function"  # the kind of an exercise whose results are compared with the solution's
# Judges of the other kinds, filled in by the module that defines each kind (kind -> object with prepare() and
# __call__(exercise, fn, args, kwargs, case) returning None or a (message, hint) pair); see models.py.
JUDGES: dict = {}


@dataclass
class Case:
    """One test case: its name, the mistake it isolates, and the keyword arguments to call with."""

    name: str
    isolates: str
    kwargs: dict


@dataclass(frozen=True)
class Variant:
    """A typical mistake: a wrong implementation (same parameters as the solution) and the hint that names it.

    The hint is given only when the learner's results equal this variant's on *every* case, differ from the
    solution on at least one, and no other variant explains them as well: a hint is never a guess.
    """

    hint: str
    wrong: Callable


@dataclass
class Exercise:
    """An exercise: its solution, a factory of cases (called afresh for every check) and its typical mistakes.

    ``make_cases(seed, **sizes)`` builds the cases; the defaults give the cases a learner sees, other seeds and
    sizes give cases of the same design (the property tests use them). ``variants`` are the mistakes the checker
    recognises and names in a hint (:class:`Variant`); ``mistakes`` are wrong answers the tests run with the case
    that must catch each (:class:`Mistake`).
    """

    name: str
    title: str
    solution: Callable
    make_cases: Callable[..., list]
    atol: float = 1e-6
    rtol: float = 1e-6
    variants: tuple = ()  # Variant(hint, wrong function), see above
    output_names: tuple = ()  # names of the items when the function returns a tuple, used in messages
    normalize: Callable | None = None  # applied to expected and learner results before comparing
    # Typical wrong answers, each a Mistake: the tests check that each fails on the case named, with those words.
    mistakes: list = field(default_factory=list)
    kind: str = FUNCTION  # FUNCTION: results compared with the solution's; another kind is judged by JUDGES[kind]
    time_limit: float | None = DEFAULT_TIME_LIMIT  # seconds per case (a model build needs more), None: no limit


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


def evaluate(name: str, fn: Callable, time_limit: float | None | str = OWN_LIMIT, cases: list | None = None) -> Report:
    """Run ``fn`` on every case of exercise ``name`` and return a :class:`Report` (prints nothing).

    Each case may run for ``time_limit`` seconds (None: no limit; by default the exercise's own). A learner's
    ``KeyboardInterrupt`` propagates. ``cases`` replaces the exercise's own cases (e.g.
    ``exercise.make_cases(seed=1, n=5)`` in property tests).
    """
    exercise = get(name)
    time_limit = exercise.time_limit if time_limit == OWN_LIMIT else time_limit
    judge = None
    if exercise.kind != FUNCTION:
        judge = JUDGES[exercise.kind]
        judge.prepare()  # e.g. import Keras, before any time limit runs
    if not callable(fn):
        return Report(name, FAILED, f"{name}: expected a function, got {type(fn).__name__}")
    cases = exercise.make_cases() if cases is None else cases
    names = list(cases[0].kwargs)
    convention, note = calling_convention(fn, names)
    if convention is None:
        return Report(name, FAILED, f"{name}: {note}.")
    note = f"\n  Note: {note}" if note else ""

    def run(case):
        kwargs = copy_args(case.kwargs)
        args, kwargs = ((tuple(kwargs[k] for k in names), {}) if convention == "positional" else ((), kwargs))
        if judge is not None:  # the answer is built and judged by behaviour, all within the time limit
            return call_with_limit(judge, (exercise, fn, args, kwargs, case), {}, time_limit)
        return call_with_limit(fn, args, kwargs, time_limit)

    outputs = []
    for number, case in enumerate(cases, start=1):
        label = f"{name}: case {number}/{len(cases)} '{case.name}'"
        try:
            got = run(case)
        except NotImplementedError:
            if number == 1 and _all_raise_not_implemented(run, cases[1:]):
                return Report(
                    name, NOT_ATTEMPTED,
                    f"{name}: not attempted yet (the stub still raises NotImplementedError). "
                    f"The notebook continues with the reference solution; show_solution({name!r}) prints it.",
                )
            return Report(name, FAILED, f"{label} raised NotImplementedError, although other cases ran: a branch of "
                          f"your function is still unfinished.\n  This case checks {case.isolates}.{note}", case=case.name)
        except CaseTimeout as error:
            return Report(name, FAILED, f"{label} {error} and was stopped (an endless loop? a loop whose condition "
                          f"never changes?).\n  This case checks {case.isolates}.{note}", case=case.name)
        except Exception as error:  # the learner's code may raise anything; report it precisely
            return Report(name, FAILED, f"{label} raised {type(error).__name__}: {error}\n"
                          f"  This case checks {case.isolates}.{note}", case=case.name)
        if judge is not None:
            if got is not None:
                problem, hint = got
                return Report(name, FAILED, f"{label} failed.\n  This case checks {case.isolates}.\n  {problem}"
                              + (f"\n  Hint: {hint}" if hint else "") + note, case=case.name, details={"hint": hint})
            continue
        outputs.append(got)
        expected = _prepare(exercise, exercise.solution(**copy_args(case.kwargs)))
        problem = _compare_named(expected, _prepare(exercise, got), exercise)
        if problem:
            hint = _diagnose(exercise, cases, outputs, run)
            return Report(
                name, FAILED,
                f"{label} failed.\n  This case checks {case.isolates}.\n  {problem}"
                + (f"\n  Hint: {hint}" if hint else "") + note,
                case=case.name, details={"expected": expected, "got": got, "hint": hint},
            )
    return Report(name, PASSED, f"{name}: all {len(cases)} cases passed. Well done!")


def _all_raise_not_implemented(run, cases) -> bool:
    """True when every one of ``cases`` raises NotImplementedError too (an untouched stub)."""
    for case in cases:
        try:
            run(case)
        except NotImplementedError:
            continue
        except (Exception, CaseTimeout):
            return False
        return False
    return True


def _prepare(exercise, result):
    return exercise.normalize(result) if exercise.normalize is not None else result


def _diagnose(exercise, cases, outputs, run) -> str | None:
    """The hint of the one variant that explains the learner's results on every case, or None."""
    if not exercise.variants:
        return None
    try:
        outputs = outputs + [run(case) for case in cases[len(outputs):]]
    except (Exception, CaseTimeout):
        return None
    explaining = []
    for variant in exercise.variants:
        differs = False
        for case, got in zip(cases, outputs):
            try:
                with np.errstate(all="ignore"):
                    wrong = _prepare(exercise, variant.wrong(**copy_args(case.kwargs)))
                    expected = _prepare(exercise, exercise.solution(**copy_args(case.kwargs)))
                if _compare_named(wrong, _prepare(exercise, got), exercise) is not None:
                    break
                differs = differs or _compare_named(expected, wrong, exercise) is not None
            except Exception:
                break
        else:
            if differs:
                explaining.append(variant)
    return explaining[0].hint if len(explaining) == 1 else None


def _compare_named(expected, got, exercise) -> str | None:
    names = exercise.output_names
    if names and isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            return f"the function should return a tuple of {len(names)} items ({', '.join(names)})"
        for name, e, g in zip(names, expected, got):
            problem = mismatch(e, g, exercise.atol, exercise.rtol, where=name)
            if problem:
                return problem
        return None
    return mismatch(expected, got, exercise.atol, exercise.rtol)


def check(name: str, fn: Callable, time_limit: float | None | str = OWN_LIMIT) -> Callable:
    """Check a learner's function, print the report, and return the function to continue with.

    Returns ``fn`` when every case passed, otherwise the reference solution (so the notebook keeps running),
    also when the check is interrupted (the stop button, Ctrl-C). ``time_limit``: seconds per case (None: none;
    by default the exercise's own, :data:`DEFAULT_TIME_LIMIT` unless it builds a model).
    """
    try:
        report = evaluate(name, fn, time_limit)
    except KeyboardInterrupt:
        print(f"{name}: the check was interrupted. The notebook continues with the reference solution; "
              "run the cell again to check your function.")
        return get(name).solution
    _progress.log_attempt(name, report.status)  # the learner's progress file (never raises)
    _progress.log_check(name, report.status, report.case, report.details.get("hint"), report.message)
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
