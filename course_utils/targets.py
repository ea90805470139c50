"""Targets, declared before a chapter's experiments run: a **claim** (the conclusions rely on it; a stored
full-mode run that misses it fails CI) or an **expectation** (a hypothesis stated in advance; a miss is recorded
and shown as "missed"). :func:`declare_targets` prints and stores them; :func:`course_utils.results.record`
takes each result's target from them. See :mod:`course_utils.results` for the whole workflow.
"""
from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

from course_utils import config

TARGETS_MIME = "application/vnd.course.targets+json"
MIN_SEEDS = 3
KINDS = ("claim", "expectation")
_OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_TARGET = re.compile(r"^\s*(>=|<=|>|<)\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")


class ResultError(ValueError):
    """A result or a target cannot be recorded as given (bad name, values, target, labels or declaration)."""


def parse_target(target: str) -> tuple:
    """``">= 0.98"`` -> (">=", 0.98). Raises :class:`ResultError` naming the accepted forms."""
    if not isinstance(target, str) or not _TARGET.match(target):
        raise ResultError(
            f"target must be a comparison with a number such as '>= 0.98' or '< 0.05' "
            f"(operators {', '.join(_OPERATORS)}), got {target!r}"
        )
    match = _TARGET.match(target)
    return match.group(1), float(match.group(2))


def meets(values, target: str) -> bool:
    """True when every value satisfies ``target`` (a NaN never does)."""
    op, threshold = parse_target(target)
    return all(not math.isnan(v) and _OPERATORS[op](v, threshold) for v in values)


def at_least_as_strict(new: str, old: str) -> bool:
    """Whether target ``new`` demands at least what ``old`` demanded (same direction, same or stricter bound)."""
    (op_new, t_new), (op_old, t_old) = parse_target(new), parse_target(old)
    if op_new[0] != op_old[0]:
        return False
    if op_new[0] == ">":
        return t_new > t_old or (t_new == t_old and (op_new == op_old or op_new == ">"))
    return t_new < t_old or (t_new == t_old and (op_new == op_old or op_new == "<"))


def _check_labels(labels: dict) -> dict:
    for key, value in labels.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ResultError(f"label {key}={value!r} must be a string or a number")
    return dict(labels)


def humanise(name: str) -> str:
    """A readable fallback label for a result recorded without one: ``test_accuracy`` -> 'test accuracy'."""
    return name.replace("_", " ").replace(".", " ")


# ------------------------------------------------------------------------------------------------------
# Targets, declared before the experiments run
# ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A target declared in advance for the result ``name`` (restricted to results carrying ``labels``)."""

    name: str
    condition: str
    kind: str
    label: str
    labels: tuple = ()
    modes: tuple = ("full",)

    @property
    def key(self) -> tuple:
        return (self.name, self.labels)

    def matches(self, name: str, labels: dict) -> bool:
        return name == self.name and all(labels.get(k) == v for k, v in self.labels)

    def describe(self) -> str:
        setting = f" [{', '.join(f'{k}={v}' for k, v in self.labels)}]" if self.labels else ""
        modes = "" if self.modes == ("full",) else f" (in {' and '.join(self.modes)} mode)"
        return f"{self.kind} {self.name}{setting} {self.condition}{modes}: {self.label}"

    def to_json(self) -> dict:
        return {"name": self.name, "condition": self.condition, "kind": self.kind, "label": self.label,
                "labels": dict(self.labels), "modes": list(self.modes)}

    @classmethod
    def from_json(cls, data: dict) -> "Target":
        try:
            return _target(data["kind"], data["name"], data["condition"], data["label"], tuple(data.get("modes", ["full"])),
                           data.get("labels", {}))
        except (KeyError, TypeError) as error:
            raise ResultError(f"a stored target declaration is malformed ({error!r}): {data!r}") from None


def _target(kind, name, condition, label, modes, labels) -> Target:
    if kind not in KINDS:
        raise ResultError(f"a target's kind is one of {KINDS}, got {kind!r}")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ResultError(f"name must start with a letter and hold letters, digits, '_', '.', '-', got {name!r}")
    parse_target(condition)
    if not isinstance(label, str) or not label.strip():
        raise ResultError(f"{name}: give the target a human label for tables, e.g. 'GRU test accuracy', got {label!r}")
    if isinstance(modes, str):
        modes = (modes,)
    modes = tuple(modes)
    if not modes or any(m not in config.MODES for m in modes):
        raise ResultError(f"{name}: modes must be a non-empty subset of {config.MODES}, got {modes!r}")
    return Target(name, condition.strip(), kind, label.strip(), tuple(sorted(_check_labels(labels).items())), modes)


def claim(name: str, condition: str, label: str, *, modes=("full",), **labels) -> Target:
    """A target the chapter's conclusions rely on: a stored full-mode run that misses it fails CI."""
    return _target("claim", name, condition, label, modes, labels)


def expect(name: str, condition: str, label: str, *, modes=("full",), **labels) -> Target:
    """A hypothesis stated in advance: it may miss, and a miss is recorded and shown as "missed"."""
    return _target("expectation", name, condition, label, modes, labels)


_DECLARED: dict = {}  # (name, labels) -> Target, for this process (one notebook kernel)


def declared() -> list:
    """The targets declared so far in this process, in order."""
    return list(_DECLARED.values())


def clear_declarations() -> None:
    """Forget this process's declared targets (tests; a notebook never needs it)."""
    _DECLARED.clear()


def declare_targets(*targets: Target) -> list:
    """Declare a chapter's targets before its experiments run (:func:`claim` and :func:`expect` make them).

    Prints them and stores them in the cell's output. A target cannot be changed once declared in a run (the
    same declaration again, as when a cell is re-run, is fine). Returns the declared targets.
    """
    if not targets:
        raise ResultError("declare at least one target: declare_targets(claim(...), expect(...))")
    for target in targets:
        if not isinstance(target, Target):
            raise ResultError(f"declare targets made by claim(...) or expect(...), got {target!r}")
    for target in targets:
        old = _DECLARED.get(target.key)
        if old is not None and old != target:
            raise ResultError(f"{target.name}: already declared as {old.describe()!r}; a target is set once, before "
                              "the experiment, and never changed in the same run")
    for target in targets:
        _DECLARED[target.key] = target
    text = "Targets set before the experiments run:\n" + "\n".join("  " + t.describe() for t in targets)
    _display(text, {TARGETS_MIME: {"targets": [t.to_json() for t in targets]}})
    return list(targets)


def _matching_target(name: str, labels: dict):
    found = [t for t in _DECLARED.values() if t.matches(name, labels)]
    if len(found) > 1:
        found.sort(key=lambda t: len(t.labels), reverse=True)
        if len(found[0].labels) == len(found[1].labels):
            raise ResultError(f"{name}: several declared targets match labels {labels}: "
                              + "; ".join(t.describe() for t in found))
    return found[0] if found else None


def _display(text: str, data: dict) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with the course's dependencies
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None and hasattr(get_ipython(), "kernel"):
        display({"text/plain": text, **data}, raw=True)
    else:
        print(text)
