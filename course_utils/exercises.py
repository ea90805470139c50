"""The exercise framework: a learner fills in a stub, one checker call tests it.

A chapter defines a stub and passes it to :func:`check`::

    def ema_states(x, alpha, h0=0.0):
        raise NotImplementedError  # your code here

    ema_states = check("ema_states", ema_states)

The checker runs the function on several cases, each built to isolate one mistake (one term of an equation,
the initial state, the axis of time, ...), and compares the result with the reference solution in
:mod:`course_utils.solutions`. It prints which case failed, what that case isolates, and expected vs got.
An untouched stub (it raises ``NotImplementedError``) is reported as not attempted. Whatever happens, ``check``
returns a function the notebook can go on with: the learner's when it passed, the reference otherwise,
so a chapter always runs top to bottom. ``show_solution(name)`` prints a reference solution.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import solutions

PASSED, NOT_ATTEMPTED, FAILED = "passed", "not attempted", "failed"


@dataclass
class Case:
    """One test case: its name, the mistake it isolates, and the keyword arguments to call with."""

    name: str
    isolates: str
    kwargs: dict


@dataclass
class Exercise:
    """An exercise: the reference function and a factory of cases (called afresh for every check)."""

    name: str
    title: str
    reference: Callable
    make_cases: Callable[[], list]
    atol: float = 1e-6
    rtol: float = 1e-6
    diagnose: Callable | None = None  # (expected, got, kwargs) -> a hint naming a typical mistake, or None


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
        expected = exercise.reference(**case.kwargs)
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
        problem = compare(expected, got, exercise.atol, exercise.rtol)
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


def _copy_args(kwargs: dict) -> dict:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}


def check(name: str, fn: Callable) -> Callable:
    """Check a learner's function, print the report, and return the function to continue with.

    Returns ``fn`` when every case passed, otherwise the reference solution (so the notebook keeps running).
    """
    report = evaluate(name, fn)
    print(report.message)
    if report.status == FAILED:
        print("  The notebook continues with the reference solution; fix the function and run the cell again.")
    return fn if report.passed else get(name).reference


def show_solution(name: str) -> None:
    """Print the source of the reference solution of exercise ``name``."""
    print(inspect.getsource(get(name).reference))


def solution(name: str) -> Callable:
    """The reference solution of exercise ``name``, as a function."""
    return get(name).reference


# ----------------------------------------------------------------------------------------------------------
# Chapter 00: the warm-up
# ----------------------------------------------------------------------------------------------------------

def _ema_cases() -> list:
    rng = np.random.default_rng(0)
    return [
        Case(
            "alpha = 0, no memory",
            "the input term (1 - alpha) * x_t on its own: with alpha = 0 every state must equal its input",
            {"x": rng.normal(size=(2, 5)), "alpha": 0.0, "h0": 0.0},
        ),
        Case(
            "zero input, h0 = 1",
            "the recurrent term alpha * h_{t-1} and the initial state on their own: with x = 0 and h_0 = 1 "
            "the states are alpha, alpha^2, ..., alpha^T (h_0 itself is not an output)",
            {"x": np.zeros((2, 6)), "alpha": 0.5, "h0": 1.0},
        ),
        Case(
            "3 sequences of 4 steps",
            "that time runs along axis 1 and the batch along axis 0, with one state per time step",
            {"x": rng.normal(size=(3, 4)), "alpha": 0.7, "h0": 0.0},
        ),
        Case(
            "general case",
            "everything together: random inputs, a per-sequence initial state and alpha = 0.9",
            {"x": rng.normal(size=(4, 9)), "alpha": 0.9, "h0": rng.normal(size=(4,))},
        ),
    ]


def _ema_diagnose(expected, got, kwargs):
    got = np.asarray(got, dtype=float)
    if got.shape == expected.shape and expected.shape[1] > 1 and np.allclose(got[:, 1:], expected[:, :-1]):
        return "your states are shifted one step late: store h_t after updating it, not h_{t-1} before."
    return None


register(
    Exercise(
        "ema_states", "Exponential moving average as a recurrence", solutions.ema_states, _ema_cases,
        diagnose=_ema_diagnose,
    )
)


# ----------------------------------------------------------------------------------------------------------
# Chapter 02: the RNN forward pass
# ----------------------------------------------------------------------------------------------------------

def _rnn_weights(rng, d, n, scale=0.5):
    return rng.normal(scale=scale, size=(d, n)), rng.normal(scale=scale, size=(n, n)), rng.normal(scale=scale, size=(n,))


def _rnn_step_cases() -> list:
    rng = np.random.default_rng(2)
    W_x, W_h, b = _rnn_weights(rng, 3, 4)
    zeros_h = np.zeros((2, 4))
    return [
        Case("input term only", "x_t W_x alone: h_prev = 0 and b = 0, so h_t = tanh(x_t W_x)",
             {"x_t": rng.normal(size=(2, 3)), "h_prev": zeros_h, "W_x": W_x, "W_h": W_h, "b": np.zeros(4)}),
        Case("recurrent term only", "h_{t-1} W_h alone: x_t = 0 and b = 0, so h_t = tanh(h_{t-1} W_h)",
             {"x_t": np.zeros((2, 3)), "h_prev": rng.normal(size=(2, 4)), "W_x": W_x, "W_h": W_h, "b": np.zeros(4)}),
        Case("bias only", "the bias: x_t = 0 and h_prev = 0, so h_t = tanh(b) for every row",
             {"x_t": np.zeros((2, 3)), "h_prev": zeros_h, "W_x": W_x, "W_h": W_h, "b": rng.normal(size=4)}),
        Case("large pre-activation", "the non-linearity: with large weights the states must saturate at +-1 (tanh, not sigmoid or none)",
             {"x_t": rng.normal(size=(2, 3)), "h_prev": zeros_h, "W_x": 10 * W_x, "W_h": W_h, "b": np.zeros(4)}),
        Case("general case", "all terms together with a batch of 5, d = 3, n = 4",
             {"x_t": rng.normal(size=(5, 3)), "h_prev": rng.normal(size=(5, 4)), "W_x": W_x, "W_h": W_h, "b": rng.normal(size=4)}),
    ]


def _rnn_step_diagnose(expected, got, kwargs):
    got = np.asarray(got, dtype=float)
    pre = kwargs["x_t"] @ kwargs["W_x"] + kwargs["h_prev"] @ kwargs["W_h"] + kwargs["b"]
    if got.shape == expected.shape and np.allclose(got, pre):
        return "you return the pre-activation: apply tanh."
    if got.shape == expected.shape and np.allclose(got, 1 / (1 + np.exp(-pre))):
        return "you applied a sigmoid; a simple RNN uses tanh."
    if kwargs["h_prev"].shape[0] and got.shape == expected.shape and np.allclose(
            got, np.tanh(kwargs["x_t"] @ kwargs["W_x"] + kwargs["h_prev"] @ kwargs["W_h"].T + kwargs["b"])):
        return "W_h is transposed: the row-vector convention is h_{t-1} @ W_h."
    return None


def _rnn_forward_cases() -> list:
    rng = np.random.default_rng(3)
    W_x, W_h, b = _rnn_weights(rng, 2, 3)
    return [
        Case("one time step", "a single step from h0: the result must have shape (B, 1, n), one state per step",
             {"x": rng.normal(size=(2, 1, 2)), "W_x": W_x, "W_h": W_h, "b": b, "h0": rng.normal(size=(2, 3))}),
        Case("zero input, non-zero h0", "that the state is carried: h0 must feed step 1, and each h_t feeds step t+1",
             {"x": np.zeros((2, 4, 2)), "W_x": W_x, "W_h": W_h, "b": np.zeros(3), "h0": rng.normal(size=(2, 3))}),
        Case("zero h0, several steps", "that inputs are read along the time axis (axis 1) in order",
             {"x": rng.normal(size=(3, 5, 2)), "W_x": W_x, "W_h": W_h, "b": b, "h0": np.zeros((3, 3))}),
        Case("general case", "everything together: B = 4, T = 7, d = 2, n = 3",
             {"x": rng.normal(size=(4, 7, 2)), "W_x": W_x, "W_h": W_h, "b": b, "h0": rng.normal(size=(4, 3))}),
    ]


def _rnn_forward_diagnose(expected, got, kwargs):
    got = np.asarray(got, dtype=float)
    if got.shape == expected.shape[::2] or got.shape == (expected.shape[0], expected.shape[2]):
        return "you returned only the final state; return every h_t, stacked along axis 1."
    if got.shape == expected.shape and got.shape[1] > 1 and np.allclose(got[:, 1:], expected[:, :-1]):
        return "your states are one step late: store h_t after computing it."
    return None


register(Exercise("rnn_step", "One step of a simple RNN", solutions.rnn_step, _rnn_step_cases, diagnose=_rnn_step_diagnose))
register(Exercise("rnn_forward", "The forward loop of a simple RNN", solutions.rnn_forward, _rnn_forward_cases,
                  diagnose=_rnn_forward_diagnose))
