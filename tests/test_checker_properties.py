"""Property-based tests of every checker (hypothesis, a bounded number of examples so the suite stays fast).

Over random seeds, sizes and dtypes of the cases, every checker accepts its reference in float64 and float32 and
in other correct forms (a list for a tuple, renamed parameters), and rejects each registered wrong variant, in
float64 and float32, with that variant's own hint.
"""
import inspect

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils import exercises
from course_utils.exercises import FAILED, PASSED, evaluate

from test_checker_faults import as_float32, positional

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
NAMES = sorted(exercises.REGISTRY)


@st.composite
def random_cases(draw, name):
    """Cases of the exercise's own design with a random seed and random sizes (2-6 for each size parameter)."""
    factory = exercises.get(name).make_cases
    params = inspect.signature(factory).parameters
    kwargs = {"seed": draw(st.integers(0, 2 ** 16))} if "seed" in params else {}
    for size in ("B", "T", "d", "n"):
        if size in params:
            kwargs[size] = draw(st.integers(2, 6))
    if "shapes" in params:
        kwargs["shapes"] = tuple(draw(st.lists(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
                                               min_size=1, max_size=4)))
    return factory(**kwargs)


def correct_forms(name):
    solution = exercises.solution(name)
    names = list(exercises.get(name).make_cases()[0].kwargs)
    forms = {"float64": solution, "float32": as_float32(solution), "renamed": positional(solution, names)}

    def as_list(**kwargs):
        result = solution(**kwargs)
        return list(result) if isinstance(result, tuple) else result

    forms["list"] = as_list
    return forms


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_every_checker_accepts_its_reference_in_every_correct_form(name, data):
    cases = data.draw(random_cases(name))
    for form, function in correct_forms(name).items():
        report = evaluate(name, function, cases=cases)
        assert report.status == PASSED, f"{form}: {report.message}"


@pytest.mark.parametrize("name", [n for n in NAMES if exercises.get(n).variants])
@SETTINGS
@given(data=st.data())
def test_every_checker_rejects_each_registered_variant_with_its_hint(name, data):
    cases = data.draw(random_cases(name))
    for variant in exercises.get(name).variants:
        for dtype, wrong in (("float64", variant.wrong), ("float32", as_float32(variant.wrong))):
            report = evaluate(name, wrong, cases=cases)
            assert report.status == FAILED, f"{dtype} variant '{variant.hint}' passed"
            assert f"Hint: {variant.hint}" in report.message, f"{dtype}: {report.message}"


def _perturbed(solution, index, factor):
    """A wrong answer that is no registered mistake: one output item (or the only one) scaled by ``factor``."""
    def learner(**kwargs):
        result = solution(**kwargs)
        if isinstance(result, tuple):
            items = list(result)
            position = index % len(items)
            item = items[position]
            items[position] = [g * factor for g in item] if isinstance(item, list) else np.asarray(item) * factor
            return tuple(items)
        return np.asarray(result) * factor if np.asarray(result).dtype.kind == "f" else result + 1

    return learner


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_an_unregistered_mistake_never_gets_a_hint(name, data):
    cases = data.draw(random_cases(name))
    index, factor = data.draw(st.integers(0, 3)), data.draw(st.sampled_from([0.5, 1.5, -1.0]))
    report = evaluate(name, _perturbed(exercises.solution(name), index, factor), cases=cases)
    if report.status == FAILED:  # (scaling an output that is zero on every case changes nothing)
        assert "Hint" not in report.message, report.message
