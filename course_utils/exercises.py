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
    output_names: tuple = ()  # names of the items when the function returns a tuple, used in messages
    normalize: Callable | None = None  # applied to expected and learner results before comparing


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
        expected = exercise.reference(**_copy_args(case.kwargs))
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


# ----------------------------------------------------------------------------------------------------------
# Chapters 03-04: backpropagation through time and gradient clipping
# ----------------------------------------------------------------------------------------------------------

def _bptt_cases() -> list:
    rng = np.random.default_rng(4)
    B, d, n = 2, 3, 4
    W_h = rng.normal(size=(n, n))  # not symmetric, so W_h and W_h.T differ
    x_t, h_prev = rng.normal(size=(B, d)), np.tanh(rng.normal(size=(B, n)))
    return [
        Case("h_t = 0, so tanh' = 1", "the products and their transposes alone: with h_t = 0 the gradient at the "
             "pre-activation equals dh, so dW_x = x_t^T dh, dW_h = h_prev^T dh, db = sum of dh over the batch",
             {"dh": rng.normal(size=(B, n)), "h_t": np.zeros((B, n)), "h_prev": h_prev, "x_t": x_t, "W_h": W_h}),
        Case("saturated state", "the derivative of tanh: with h_t near +-1 it is 1 - h_t^2, close to 0, so every gradient is small",
             {"dh": rng.normal(size=(B, n)), "h_t": 0.99 * np.sign(rng.normal(size=(B, n))), "h_prev": h_prev, "x_t": x_t, "W_h": W_h}),
        Case("batch of 5", "that db and the weight gradients add up (not average) the contributions of every sequence",
             {"dh": rng.normal(size=(5, n)), "h_t": np.tanh(rng.normal(size=(5, n))), "h_prev": np.tanh(rng.normal(size=(5, n))),
              "x_t": rng.normal(size=(5, d)), "W_h": W_h}),
        Case("general case", "everything together, with a non-symmetric W_h",
             {"dh": rng.normal(size=(B, n)), "h_t": np.tanh(rng.normal(size=(B, n))), "h_prev": h_prev, "x_t": x_t, "W_h": W_h}),
    ]


def _bptt_diagnose(expected, got, kwargs):
    try:
        dW_x, dW_h, db, dh_prev = (np.asarray(g, dtype=float) for g in got)
    except (TypeError, ValueError):
        return None
    dh, h_t, W_h = kwargs["dh"], kwargs["h_t"], kwargs["W_h"]
    if np.allclose(dh_prev, dh @ W_h.T) and not np.allclose(expected[3], dh @ W_h.T):
        return "you skipped the tanh derivative: multiply dh by (1 - h_t**2) first."
    if dh_prev.shape == expected[3].shape and np.allclose(dh_prev, (dh * (1 - h_t ** 2)) @ W_h):
        return "dh_prev needs W_h transposed: da @ W_h.T (the forward pass used h_prev @ W_h)."
    if np.allclose(db, expected[2] / dh.shape[0]):
        return "db is averaged over the batch; the loss already contains any averaging, so sum here."
    if np.allclose(dh_prev, (dh * (1 - h_t)) @ W_h.T):
        return "tanh'(a) = 1 - tanh(a)**2 = 1 - h_t**2, not 1 - h_t."
    return None


def _clip_cases() -> list:
    rng = np.random.default_rng(5)
    return [
        Case("norm below the threshold", "that small gradients are returned unchanged, with their global norm",
             {"grads": [np.array([0.3, -0.4])], "max_norm": 1.0}),
        Case("one array above the threshold", "the scaling: every entry is multiplied by max_norm / norm",
             {"grads": [np.array([3.0, 4.0])], "max_norm": 1.0}),
        Case("two arrays", "that the norm is global, sqrt of the sum of squares over *all* arrays, not one norm per array",
             {"grads": [np.array([3.0, 0.0]), np.array([[0.0, 4.0], [0.0, 0.0]])], "max_norm": 2.5}),
        Case("all zeros", "that zero gradients stay zero (no division by zero)",
             {"grads": [np.zeros(3), np.zeros((2, 2))], "max_norm": 1.0}),
        Case("general case", "several random arrays of different shapes",
             {"grads": [rng.normal(size=(4, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)], "max_norm": 1.5}),
    ]


def _clip_normalize(result):
    """(clipped list, norm) -> one flat tuple (array, ..., norm), so each item is compared and named."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], (list, tuple)):
        return tuple(result[0]) + (result[1],)
    return result


def _clip_diagnose(expected, got, kwargs):
    grads = kwargs["grads"]
    per_array = [g * min(1.0, kwargs["max_norm"] / np.linalg.norm(g)) if np.linalg.norm(g) > 0 else g for g in grads]
    try:
        if len(grads) > 1 and all(np.allclose(p, np.asarray(g)) for p, g in zip(per_array, got[:-1])):
            return "each array was clipped by its own norm; compute one global norm over all arrays first."
        if np.isclose(float(got[-1]), min(float(expected[-1]), kwargs["max_norm"])) and expected[-1] > kwargs["max_norm"]:
            return "return the global norm *before* clipping (it is what you would log to see explosions)."
    except (TypeError, ValueError, IndexError):
        return None
    return None


register(Exercise("bptt_step", "One step of backpropagation through time", solutions.bptt_step, _bptt_cases,
                  atol=1e-8, rtol=1e-6, diagnose=_bptt_diagnose, output_names=("dW_x", "dW_h", "db", "dh_prev")))
register(Exercise("clip_by_global_norm", "Clipping gradients by their global norm", solutions.clip_by_global_norm,
                  _clip_cases, diagnose=_clip_diagnose, normalize=_clip_normalize))


# ----------------------------------------------------------------------------------------------------------
# Chapters 05-06: LSTM and GRU
# ----------------------------------------------------------------------------------------------------------

BIG = 30.0  # a bias this large saturates a sigmoid gate at 0 or 1


def _gate_bias(n, values):
    """A bias vector whose blocks are constant: e.g. values (-BIG, BIG, 0, BIG) for i, f, c, o."""
    return np.concatenate([np.full(n, v) for v in values])


def _lstm_cases() -> list:
    rng = np.random.default_rng(6)
    B, d, n = 2, 3, 4
    kernel, recurrent = rng.normal(scale=0.5, size=(d, 4 * n)), rng.normal(scale=0.5, size=(n, 4 * n))
    x_t, h_prev, c_prev = rng.normal(size=(B, d)), np.tanh(rng.normal(size=(B, n))), rng.normal(size=(B, n))
    common = {"x_t": x_t, "h_prev": h_prev, "c_prev": c_prev, "kernel": kernel, "recurrent_kernel": recurrent}
    return [
        Case("keep the cell", "the forget gate: i = 0 and f = 1 (saturated by the bias), so c_t = c_prev exactly "
             "and h_t = o * tanh(c_prev) with o = 1",
             {**common, "bias": _gate_bias(n, (-BIG, BIG, 0, BIG))}),
        Case("write the candidate", "the input gate and the candidate: f = 0 and i = 1, so c_t = tanh(block c of the pre-activation)",
             {**common, "bias": _gate_bias(n, (BIG, -BIG, 0, BIG))}),
        Case("closed output gate", "the output gate: o = 0, so h_t = 0 while the cell still updates",
             {**common, "bias": _gate_bias(n, (0, 0, 0, -BIG))}),
        Case("general case", "all four gates together with random weights and bias (Keras's order i, f, c, o)",
             {**common, "bias": rng.normal(size=4 * n)}),
    ]


def _lstm_diagnose(expected, got, kwargs):
    try:
        h, c = (np.asarray(v, dtype=float) for v in got)
    except (TypeError, ValueError):
        return None
    n = kwargs["h_prev"].shape[1]
    z = kwargs["x_t"] @ kwargs["kernel"] + kwargs["h_prev"] @ kwargs["recurrent_kernel"] + kwargs["bias"]
    sig = lambda a: 1 / (1 + np.exp(-a))
    blocks = [z[:, k * n:(k + 1) * n] for k in range(4)]
    i, f, g, o = sig(blocks[0]), sig(blocks[1]), np.tanh(blocks[2]), sig(blocks[3])
    if c.shape == expected[1].shape and np.allclose(c, i * kwargs["c_prev"] + f * g):
        return "the input and forget gates are swapped: Keras's order is i, f, c, o, and c_t = f * c_prev + i * c~."
    if np.allclose(c, expected[1]) and np.allclose(h, o * c):
        return "h_t = o * tanh(c_t): the cell passes through tanh before the output gate."
    return None


def _lstm_count_cases() -> list:
    return [
        Case("one feature, two units", "a small layer: d = 1, n = 2", {"d": 1, "n": 2}),
        Case("more units than features", "how n enters: the recurrent weights are n x n for each of the four blocks", {"d": 2, "n": 5}),
        Case("more features than units", "how d enters: the input weights are d x n for each block", {"d": 50, "n": 3}),
    ]


def _lstm_count_diagnose(expected, got, kwargs):
    d, n = kwargs["d"], kwargs["n"]
    hints = {
        4 * (d * n + n * n): "you forgot the bias: each of the four blocks has n bias values.",
        d * n + n * n + n: "that is one block; an LSTM has four (input, forget, candidate, output).",
        4 * (d * n + n) + n * n: "each of the four blocks has its own n x n recurrent weights.",
        4 * (d * n + n * n) + n: "each of the four blocks has its own bias.",
    }
    try:
        return hints.get(int(got))
    except (TypeError, ValueError):
        return None


def _gru_cases() -> list:
    rng = np.random.default_rng(7)
    B, d, n = 2, 3, 4
    kernel, recurrent = rng.normal(scale=0.5, size=(d, 3 * n)), rng.normal(scale=0.5, size=(n, 3 * n))
    common = {"x_t": rng.normal(size=(B, d)), "h_prev": np.tanh(rng.normal(size=(B, n))), "kernel": kernel,
              "recurrent_kernel": recurrent}
    return [
        Case("update gate z = 1", "Keras's convention h_t = z * h_prev + (1 - z) * h~: with z = 1 the state is copied unchanged",
             {**common, "bias": _gate_bias(n, (BIG, 0, 0))}),
        Case("z = 0, reset gate r = 0", "the candidate with the past switched off: h_t = tanh(x_t W_h + b_h)",
             {**common, "bias": _gate_bias(n, (-BIG, -BIG, 0))}),
        Case("z = 0, reset gate r = 1", "the candidate with the full past: h_t = tanh(x_t W_h + h_prev U_h + b_h), "
             "the reset gate multiplying h_prev *before* U_h",
             {**common, "bias": _gate_bias(n, (-BIG, BIG, 0))}),
        Case("general case", "all gates together with random weights and bias (Keras's order z, r, h)",
             {**common, "bias": rng.normal(size=3 * n)}),
    ]


def _gru_diagnose(expected, got, kwargs):
    got = np.asarray(got, dtype=float)
    n = kwargs["h_prev"].shape[1]
    if got.shape != expected.shape:
        return None
    sig = lambda a: 1 / (1 + np.exp(-a))
    x_part = kwargs["x_t"] @ kwargs["kernel"] + kwargs["bias"]
    h_prev, U = kwargs["h_prev"], kwargs["recurrent_kernel"]
    z = sig(x_part[:, :n] + h_prev @ U[:, :n])
    r = sig(x_part[:, n:2 * n] + h_prev @ U[:, n:2 * n])
    cand = np.tanh(x_part[:, 2 * n:] + (r * h_prev) @ U[:, 2 * n:])
    if np.allclose(got, (1 - z) * h_prev + z * cand):
        return "z and 1 - z are swapped: Keras keeps the old state in proportion z."
    if np.allclose(got, z * h_prev + (1 - z) * np.tanh(x_part[:, 2 * n:] + r * (h_prev @ U[:, 2 * n:]))):
        return "that is the reset_after=True form; here r multiplies h_prev before the product with U_h."
    return None


def _candidate_cases() -> list:
    rng = np.random.default_rng(8)
    B, d, n = 3, 2, 4
    W, U, b = rng.normal(size=(d, n)), rng.normal(size=(n, n)), rng.normal(size=n)
    x_t = rng.normal(size=(B, d))
    return [
        Case("r = 0", "that a closed reset gate removes the past: the candidate must not depend on h_prev at all",
             {"x_t": x_t, "h_prev": 5 * rng.normal(size=(B, n)), "r": np.zeros((B, n)), "W_h": W, "U_h": U, "b_h": b}),
        Case("r = 1", "that an open reset gate lets the whole previous state into the candidate",
             {"x_t": x_t, "h_prev": rng.normal(size=(B, n)), "r": np.ones((B, n)), "W_h": W, "U_h": U, "b_h": b}),
        Case("r per unit", "that r acts element-wise on h_prev, unit by unit, before the product with U_h",
             {"x_t": x_t, "h_prev": rng.normal(size=(B, n)), "r": rng.uniform(size=(B, n)), "W_h": W, "U_h": U, "b_h": b}),
    ]


register(Exercise("lstm_step", "One LSTM step", solutions.lstm_step, _lstm_cases, diagnose=_lstm_diagnose,
                  output_names=("h_t", "c_t")))
register(Exercise("lstm_parameter_count", "Parameters of an LSTM layer", solutions.lstm_parameter_count,
                  _lstm_count_cases, diagnose=_lstm_count_diagnose))
register(Exercise("gru_step", "One GRU step (original formulation)", solutions.gru_step, _gru_cases, diagnose=_gru_diagnose))
register(Exercise("gru_candidate", "The GRU candidate and its reset gate", solutions.gru_candidate, _candidate_cases))
