"""Recorded results: each chapter's targets, declared before its experiments run, and its headline numbers.

A chapter first declares what it expects, in one cell near the top of the experiment::

    declare_targets(
        claim("test_accuracy", ">= 0.98", "GRU test accuracy, lengths 5-20", model="GRU"),
        expect("gap", "< 0.05", "train-test accuracy gap with recurrent dropout"),
    )

* a **claim** is what the chapter's conclusions rely on: a stored full-mode run that misses it fails CI;
* an **expectation** is a hypothesis stated in advance: it may miss, and a miss is recorded and shown as
  "missed" by ``python3 course.py results``, in the README's table and on the site.

Then each headline number is recorded in one call, and :func:`record` takes its target from the declaration::

    scores = over_seeds(train_and_score, seeds=SEEDS)      # a table, one row per seed
    record("test_accuracy", scores["accuracy"], model="GRU")

:func:`record` prints one line (the value, or its mean and min-max over seeds, and the target's status) and,
inside a notebook, stores the same result as machine-readable JSON in that cell's output (MIME type
:data:`MIME`); :func:`declare_targets` stores the declaration the same way (:data:`TARGETS_MIME`). The build
tools read both back (:mod:`course_build.results_report`): a declared target that the run never recorded is an
error, and so is a claim that missed.

A target is a comparison with a number, such as ``">= 0.98"`` or ``"< 0.05"``. It is met when **every** value
(every seed) satisfies it, because the prose claims only what holds in every seed. A target applies in the
modes it names (``modes=("full",)`` by default: quick mode trains too little to be judged).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

from course_utils import config
from course_utils.targets import (KINDS, MIN_SEEDS, TARGETS_MIME, ResultError, Target, _check_labels, _display,  # noqa: F401
                                  _matching_target, _NAME, _DECLARED, at_least_as_strict, claim, clear_declarations,
                                  declare_targets, declared, expect, humanise, meets, parse_target)

MIME = "application/vnd.course.result+json"


# ------------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------------

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
    kind: str | None = None  # "claim" or "expectation" when the target was declared; None for older inline targets
    label: str = ""
    target_modes: list | None = None

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
    def applies(self) -> bool:
        """Whether the target judges this run (a target applies in the modes it names; inline ones in full mode)."""
        return self.target is not None and self.mode in (self.target_modes or ["full"])

    @property
    def met(self) -> bool | None:
        """True when every value meets the target, False when one misses it, None without a target."""
        if self.target is None:
            return None
        return meets(self.values, self.target)

    @property
    def is_claim(self) -> bool:
        return self.target is not None and self.kind != "expectation"

    @property
    def status(self) -> str:
        """'' (no target), 'met', 'missed' (an expectation), 'MISSED' (a claim) or 'not judged in quick mode'."""
        if self.target is None:
            return ""
        if not self.applies:
            return f"not judged in {self.mode} mode"
        if self.met:
            return "met"
        return "MISSED" if self.is_claim else "missed"

    @property
    def key(self) -> tuple:
        """What identifies a result within a chapter: its name and its labels."""
        return (self.name, tuple(sorted(self.labels.items())))

    @property
    def title(self) -> str:
        """The human label shown in tables (the declared one, or one made from the name)."""
        return self.label or humanise(self.name)

    def label_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.labels.items())

    def seeds_text(self) -> str:
        if self.seeds:
            return ",".join(str(s) for s in self.seeds)
        return "1 run" if len(self.values) == 1 else f"{len(self.values)} runs"

    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{self.kind or 'claim'} {self.target}"

    def value_text(self) -> str:
        """'0.981' for one value; '0.985 (0.981-0.989, 3 seeds)' for several."""
        fmt = f"{{:.{self.digits}f}}"
        unit = f" {self.unit}" if self.unit else ""
        if len(self.values) == 1:
            return fmt.format(self.values[0]) + unit
        return (f"{fmt.format(self.mean)}{unit} ({fmt.format(self.low)}-{fmt.format(self.high)}, "
                f"{len(self.values)} seeds)")

    def describe(self, readable: bool = False) -> str:
        """The line :func:`record` prints (``result <name> [labels]: ...``, the name as the code spells it); with
        ``readable`` the same line under the result's human label instead (the site and the slides show that)."""
        labels = f" [{self.label_text()}]" if self.labels else ""
        text = f"{self.title}{labels}: " if readable else f"result {self.name}{labels}: "
        text += ("mean " + self.value_text()) if len(self.values) > 1 else self.value_text()
        if self.target is not None:
            kind = self.kind or "target"
            if self.applies:
                text += f"; {kind} {self.target} in every seed: {'met' if self.met else self.status}"
            else:
                text += (f"; {kind} {self.target} is judged in {' and '.join(self.target_modes or ['full'])} mode "
                         f"(this is {self.mode} mode)")
        return text

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("chapter")
        data["values"] = [None if math.isnan(v) else v for v in self.values]
        return data

    @classmethod
    def from_json(cls, data: dict, chapter: str = "") -> "Result":
        if not isinstance(data, dict) or "name" not in data or not isinstance(data.get("values"), list):
            raise ResultError(f"a stored result is malformed (no name or no list of values): {data!r}"[:300])
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "chapter"}
        try:
            known["values"] = [math.nan if v is None else float(v) for v in known.get("values", [])]
            _check_stored(known)
            return cls(**known, chapter=chapter)
        except (TypeError, ValueError) as error:
            raise ResultError(f"a stored result is malformed ({error}): {data!r}"[:300]) from None


def _check_stored(known: dict) -> None:
    """The types a stored result's fields must have (read back from a notebook that may have been edited by hand):
    a wrong one raises ValueError here rather than a TypeError later, in the middle of a table."""
    def want(name, ok, what):
        if name in known and not ok(known[name]):
            raise ValueError(f"{name} must be {what}, got {known[name]!r}")

    want("name", lambda v: isinstance(v, str) and v, "a non-empty string")
    want("seeds", lambda v: v is None or (isinstance(v, list) and all(
        isinstance(s, int) and not isinstance(s, bool) for s in v)), "null or a list of whole numbers")
    want("labels", lambda v: isinstance(v, dict) and all(
        isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in v.values()), "an object of strings or numbers")
    want("target", lambda v: v is None or (isinstance(v, str) and parse_target(v) is not None), "null or a comparison")
    for name in ("unit", "label"):
        want(name, lambda v: isinstance(v, str), "a string")
    want("digits", lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 12, "a whole number 0-12")
    want("headline", lambda v: isinstance(v, bool), "true or false")
    want("mode", lambda v: isinstance(v, str), "a string")
    want("kind", lambda v: v in (None, "claim", "expectation"), "null, 'claim' or 'expectation'")
    want("target_modes", lambda v: v is None or (isinstance(v, list) and all(isinstance(m, str) for m in v)),
         "null or a list of modes")


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
           headline: bool | None = None, label: str | None = None, **labels) -> Result:
    """Record a headline number of this chapter: print it and store it, machine-readable, in the cell's output.

    ``values``: one number, one number per seed (a list, or a dict / pandas Series keyed by seed, as
    :func:`over_seeds` returns). The target comes from :func:`declare_targets` (the declaration whose name and
    labels match); ``target=`` inline is the older form, refused once the chapter declares its targets.
    ``labels`` say which model, task or setting the number belongs to (``model="GRU"``); ``label`` is the
    human label for tables (default: the declared one). ``headline`` puts the result in the README's table
    (default: when it has a target). A target that judges this run needs at least 3 seeds.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ResultError(f"name must start with a letter and hold letters, digits, '_', '.', '-', got {name!r}")
    floats, seeds = _as_values(values, seeds)
    labels = _check_labels(labels)
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise ResultError(f"label must be a non-empty string, got {label!r}")
    declared_target = _matching_target(name, labels)
    run_mode = config.mode()
    kind, modes = None, None
    if declared_target is not None:
        if target is not None:
            raise ResultError(f"{name}: its target is declared in advance ({declared_target.describe()}); "
                              "do not pass target= to record()")
        target, kind, modes = declared_target.condition, declared_target.kind, list(declared_target.modes)
        label = label or declared_target.label
    elif target is not None:
        if _DECLARED:
            raise ResultError(f"{name}: this chapter declares its targets in advance; add claim(...) or expect(...) "
                              f"for {name!r} to declare_targets(...) before the experiment instead of target=")
        parse_target(target)
    result = Result(name, floats, seeds, labels, target, unit, int(digits),
                    bool(target is not None if headline is None else headline), run_mode, kind=kind,
                    label=(label or "").strip(), target_modes=modes)
    if result.applies and len(floats) < MIN_SEEDS:
        raise ResultError(
            f"{name}: a result with a target must be measured on at least {MIN_SEEDS} seeds, "
            f"got {len(floats)} value(s); run the comparison with over_seeds(...)"
        )
    _display(result.describe(), {MIME: result.to_json()})
    return result


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


def mean_range(values, digits: int = 3) -> str:
    """'0.896 (0.880-0.910)': the mean and the min-max of per-seed values, as :func:`record` prints them."""
    floats, _ = _as_values(values, None)
    fmt = f"{{:.{digits}f}}"
    if len(floats) == 1:
        return fmt.format(floats[0])
    return f"{fmt.format(sum(floats) / len(floats))} ({fmt.format(min(floats))}-{fmt.format(max(floats))})"
