"""Recorded results: each chapter's headline numbers, with their seeds and targets, stored in the notebook itself.

In a chapter, a comparison runs over seeds and each headline number is recorded in one call::

    scores = over_seeds(train_and_score, seeds=SEEDS)      # a table, one row per seed
    record("test_accuracy", scores["accuracy"], model="GRU", target=">= 0.98")

:func:`record` prints one line (the value, or its mean and min-max over seeds, and whether the target is met)
and, inside a notebook, stores the same result as machine-readable JSON in that cell's output (MIME type
:data:`MIME`). Nothing else needs to be written down: ``python -m course_utils results`` reads the stored
notebooks and prints every chapter's results, the README's "Headline results" table is generated from them,
and a test fails when a stored full-mode result misses its target or rests on fewer than 3 seeds.

A target is a comparison with a number, such as ``">= 0.98"`` or ``"< 0.05"``. It is met when **every** value
(every seed) satisfies it, because the prose claims only what holds in every seed.
"""
from __future__ import annotations

import json
import math
import operator
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import config

MIME = "application/vnd.course.result+json"
MIN_SEEDS = 3
_OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_TARGET = re.compile(r"^\s*(>=|<=|>|<)\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")


class ResultError(ValueError):
    """A result cannot be recorded as given (bad name, values, target or labels)."""


def parse_target(target: str) -> tuple:
    """``">= 0.98"`` -> (">=", 0.98). Raises :class:`ResultError` naming the accepted forms."""
    if not isinstance(target, str) or not _TARGET.match(target):
        raise ResultError(
            f"target must be a comparison with a number such as '>= 0.98' or '< 0.05' "
            f"(operators {', '.join(_OPERATORS)}), got {target!r}"
        )
    match = _TARGET.match(target)
    return match.group(1), float(match.group(2))


@dataclass
class Result:
    """One recorded result: a named quantity measured once or once per seed, with labels and an optional target."""

    name: str
    values: list
    seeds: list | None = None
    labels: dict = field(default_factory=dict)
    target: str | None = None
    unit: str = ""
    digits: int = 3
    headline: bool = False
    mode: str = "full"
    chapter: str = ""

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def met(self) -> bool | None:
        """True when every value meets the target, False when one misses it, None without a target."""
        if self.target is None:
            return None
        op, threshold = parse_target(self.target)
        return all(not math.isnan(v) and _OPERATORS[op](v, threshold) for v in self.values)

    @property
    def key(self) -> tuple:
        """What identifies a result within a chapter: its name and its labels."""
        return (self.name, tuple(sorted(self.labels.items())))

    def label_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.labels.items())

    def value_text(self) -> str:
        """'0.981' for one value; '0.985 (0.981-0.989, 3 seeds)' for several."""
        fmt = f"{{:.{self.digits}f}}"
        unit = f" {self.unit}" if self.unit else ""
        if len(self.values) == 1:
            return fmt.format(self.values[0]) + unit
        return (f"{fmt.format(self.mean)}{unit} ({fmt.format(self.low)}-{fmt.format(self.high)}, "
                f"{len(self.values)} seeds)")

    def describe(self) -> str:
        """The line :func:`record` prints."""
        labels = f" [{self.label_text()}]" if self.labels else ""
        text = f"result {self.name}{labels}: "
        text += ("mean " + self.value_text()) if len(self.values) > 1 else self.value_text()
        if self.target is not None:
            text += f"; target {self.target} in every seed: {'met' if self.met else 'MISSED'}"
            if self.mode != "full":
                text += f" (targets are for full mode; this is {self.mode} mode)"
        return text

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("chapter")
        data["values"] = [None if math.isnan(v) else v for v in self.values]
        return data

    @classmethod
    def from_json(cls, data: dict, chapter: str = "") -> "Result":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        known["values"] = [math.nan if v is None else float(v) for v in known.get("values", [])]
        return cls(**known, chapter=chapter)


def _as_values(values, seeds):
    """Numbers (a scalar, a sequence, a dict {seed: value} or a pandas Series) -> (floats, seeds or None)."""
    if hasattr(values, "to_dict") and hasattr(values, "index"):  # a pandas Series indexed by seed
        values = values.to_dict()
    if isinstance(values, dict):
        if seeds is not None:
            raise ResultError("give the seeds either as the keys of values or as seeds=, not both")
        seeds, values = list(values.keys()), list(values.values())
    elif isinstance(values, (int, float)) or (hasattr(values, "ndim") and getattr(values, "ndim") == 0):
        values = [values]
    try:
        floats = [float(v) for v in values]
    except (TypeError, ValueError):
        raise ResultError(f"values must be numbers (one, a list per seed, or a dict seed -> value), got {values!r}") from None
    if not floats:
        raise ResultError("values is empty: record at least one measurement")
    if any(isinstance(v, bool) for v in values):
        raise ResultError("values must be numbers, not booleans")
    if seeds is not None:
        seeds = [int(s) for s in seeds]
        if len(seeds) != len(floats):
            raise ResultError(f"got {len(floats)} values but {len(seeds)} seeds")
    return floats, seeds


def record(name: str, values, *, target: str | None = None, seeds=None, unit: str = "", digits: int = 3,
           headline: bool | None = None, **labels) -> Result:
    """Record a headline number of this chapter: print it and store it, machine-readable, in the cell's output.

    ``values``: one number, one number per seed (a list, or a dict / pandas Series keyed by seed, as
    :func:`over_seeds` returns). ``target``: e.g. ``">= 0.98"``, met when every value satisfies it; a result
    with a target needs at least 3 seeds in full mode. ``labels`` say which model, task or setting the number
    belongs to (``model="GRU"``). ``headline`` puts the result in the README's table (default: when it has a
    target). Returns the :class:`Result`.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ResultError(f"name must start with a letter and hold letters, digits, '_', '.', '-', got {name!r}")
    floats, seeds = _as_values(values, seeds)
    if target is not None:
        parse_target(target)
    for key, value in labels.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ResultError(f"label {key}={value!r} must be a string or a number")
    run_mode = config.mode()
    if target is not None and run_mode == "full" and len(floats) < MIN_SEEDS:
        raise ResultError(
            f"{name}: a result with a target must be measured on at least {MIN_SEEDS} seeds in full mode, "
            f"got {len(floats)} value(s); run the comparison with over_seeds(...)"
        )
    result = Result(name, floats, seeds, dict(labels), target, unit, int(digits),
                    bool(target is not None if headline is None else headline), run_mode)
    _emit(result)
    return result


def _emit(result: Result) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with the course's dependencies
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None and hasattr(get_ipython(), "kernel"):
        display({"text/plain": result.describe(), MIME: result.to_json()}, raw=True)
    else:
        print(result.describe())


def over_seeds(fn, seeds=(0, 1, 2), *, verbose: bool = True):
    """Run ``fn(seed)`` once per seed and return a pandas DataFrame with one row per seed (index ``seed``).

    Before each call Python, NumPy and Keras are seeded with that seed (``keras.utils.set_random_seed``), so a
    row depends only on its seed. ``fn`` returns a number or a dict of numbers (one column each); a column
    ``seconds`` holds the wall time of each call. With ``verbose`` a line per seed is printed as it finishes.
    """
    import random

    import numpy as np
    import pandas as pd

    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
        raise ResultError(f"seeds must be a non-empty list of non-negative ints, got {seeds!r}")
    rows = []
    for seed in seeds:
        random.seed(seed)
        np.random.seed(seed)
        try:
            import keras

            keras.utils.set_random_seed(seed)
        except ImportError:  # pragma: no cover - keras is a dependency
            pass
        start = time.perf_counter()
        out = fn(seed)
        seconds = time.perf_counter() - start
        row = dict(out) if isinstance(out, dict) else {"value": out}
        row["seconds"] = round(seconds, 2)
        rows.append(row)
        if verbose:
            shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in row.items()
                              if k != "seconds")
            print(f"seed {seed}: {shown} ({seconds:.1f} s)", flush=True)
    return pd.DataFrame(rows, index=pd.Index(seeds, name="seed"))


# ------------------------------------------------------------------------------------------------------
# Reading results back from stored notebooks
# ------------------------------------------------------------------------------------------------------

def notebook_results(path) -> list:
    """Every result recorded in a stored notebook, in order, each with its chapter number and the run's mode."""
    import nbformat

    path = Path(path)
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as error:  # not JSON, not a notebook: say which file
        raise ResultError(f"{path}: cannot be read as a notebook ({type(error).__name__}: {error})") from None
    chapter = path.name[:2] if path.name[:2].isdigit() else path.stem
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if MIME in data:
                payload = data[MIME]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                found.append(Result.from_json(payload, chapter=chapter))
    return found


def collect(paths) -> list:
    """The results of several notebooks, in the order given."""
    return [result for path in paths for result in notebook_results(path)]


def table(results, *, markdown: bool = False) -> str:
    """A readable table of results: chapter, result, labels, value (mean, min-max, seeds), target and status."""
    header = ("chapter", "result", "setting", "value", "target", "status")
    rows = []
    for r in results:
        status = "" if r.target is None else ("met" if r.met else "MISSED")
        if r.mode != "full":
            status = (status + f" ({r.mode} mode)").strip()
        rows.append((r.chapter, r.name, r.label_text(), r.value_text(), r.target or "", status))
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def problems(results) -> list:
    """What is wrong with stored results, as sentences: a full-mode target missed, or met on fewer than 3 seeds."""
    found = []
    for r in results:
        where = f"chapter {r.chapter}: {r.name}" + (f" [{r.label_text()}]" if r.labels else "")
        if r.target is None:
            continue
        if r.mode != "full":
            found.append(f"{where} was recorded in {r.mode} mode; store full-mode results")
            continue
        if len(r.values) < MIN_SEEDS:
            found.append(f"{where} has a target but only {len(r.values)} seed(s); at least {MIN_SEEDS} are needed")
        if not r.met:
            found.append(f"{where} misses its target {r.target}: {r.value_text()}")
    return found


def compare(stored, mine) -> tuple:
    """Compare a learner's executed copy of a chapter with the stored results.

    Returns (rows, all_reproduced): one row per stored result with the stored value, the learner's, and a
    verdict: "reproduced" when the learner's values meet the stored target (or, without a target, when their
    mean lies within the stored min-max widened by 10% of the stored mean's magnitude or 0.01), "differs"
    otherwise, "missing" when the copy has no such result.
    """
    theirs = {r.key: r for r in notebook_results(mine)}
    rows, ok = [], True
    for r in notebook_results(stored):
        other = theirs.get(r.key)
        if other is None:
            verdict = "missing"
        elif r.target is not None:
            op, threshold = parse_target(r.target)
            verdict = "reproduced" if all(_OPERATORS[op](v, threshold) for v in other.values) else "differs"
        else:
            slack = max(0.1 * abs(r.mean), 0.01)
            verdict = "reproduced" if r.low - slack <= other.mean <= r.high + slack else "differs"
        ok = ok and verdict == "reproduced"
        rows.append((r, other, verdict))
    return rows, ok


def compare_text(rows) -> str:
    header = ("result", "setting", "course", "yours", "target", "verdict")
    body = [(r.name, r.label_text(), r.value_text(), other.value_text() if other else "-", r.target or "", verdict)
            for r, other, verdict in rows]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip() for row in body]
    return "\n".join(lines)


def mean_range(values, digits: int = 3) -> str:
    """'0.896 (0.880-0.910)': the mean and the min-max of per-seed values, as :func:`record` prints them."""
    floats, _ = _as_values(values, None)
    fmt = f"{{:.{digits}f}}"
    if len(floats) == 1:
        return fmt.format(floats[0])
    return f"{fmt.format(sum(floats) / len(floats))} ({fmt.format(min(floats))}-{fmt.format(max(floats))})"
