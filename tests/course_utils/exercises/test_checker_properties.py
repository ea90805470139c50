"""Property-based tests of every checker (hypothesis, a bounded number of examples so the suite stays fast).

Over random seeds, sizes and dtypes of the cases, every checker of results (kind FUNCTION) accepts its reference in
float64 and float32 and in other correct forms (a list for a tuple, an array for a list of tags, renamed parameters), and rejects each
registered wrong variant, in float64 and float32, with that variant's own hint.

Exercises of another kind (MODEL: the answer builds a Keras model, judged by behaviour, not by comparing numbers)
have no dtypes, tuples or output variants to vary; over random seeds (other batches, other initial weights) their
checkers accept the reference, also with renamed parameters, and catch each registered mistake on its case with
its words. A model build takes about a second, so they run fewer examples.
"""
import inspect

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils import exercises
from course_utils.exercises import FAILED, FUNCTION, PASSED, evaluate

from tests.course_utils.exercises.test_checker_faults import as_float32, positional

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
MODEL_SETTINGS = settings(SETTINGS, max_examples=3)
# split_windows builds a tf.data pipeline per call (about a tenth of a second; a rejected variant's diagnosis makes
# dozens): 12 examples took 4-5 minutes of the suite. Its cases take only a seed, which changes one case of four
# (the other three are the same in every example), so 4 examples draw as many random splits as matter.
EXAMPLES = {"split_windows": 4}
NAMES = sorted(n for n, e in exercises.REGISTRY.items() if e.kind == FUNCTION)  # compared number by number
pytestmark = pytest.mark.spread  # about 40 independent tests of seconds to a minute each: dealt out one by one
BEHAVIOUR = sorted(n for n, e in exercises.REGISTRY.items() if e.kind != FUNCTION)  # judged by behaviour


def test_every_exercise_is_of_a_known_kind():
    assert {e.kind for e in exercises.REGISTRY.values()} <= {FUNCTION, *exercises.JUDGES}
    assert BEHAVIOUR, "the framework's own model exercise (chapter 00's tiny_sentiment_model) is registered"


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

    def as_array(**kwargs):  # a list of scalars (e.g. BIO tags) returned as a NumPy array is as correct
        result = solution(**kwargs)
        if isinstance(result, list) and all(np.ndim(item) == 0 for item in result):
            return np.asarray(result)
        return result

    forms["list"] = as_list
    forms["array"] = as_array
    return forms


def for_drawn_cases(name, body):
    """Run ``body(cases, data)`` on the random cases of exercise ``name``, over its number of examples."""
    @settings(SETTINGS, max_examples=EXAMPLES.get(name, SETTINGS.max_examples))
    @given(data=st.data())
    def run(data):
        body(data.draw(random_cases(name)), data)

    run()


@pytest.mark.parametrize("name", NAMES)
def test_every_checker_accepts_its_reference_in_every_correct_form(name):
    def body(cases, data):
        for form, function in correct_forms(name).items():
            report = evaluate(name, function, cases=cases)
            assert report.status == PASSED, f"{form}: {report.message}"

    for_drawn_cases(name, body)


@pytest.mark.parametrize("name", [n for n in NAMES if exercises.get(n).variants])
def test_every_checker_rejects_each_registered_variant_with_its_hint(name):
    def body(cases, data):
        for variant in exercises.get(name).variants:
            for dtype, wrong in (("float64", variant.wrong), ("float32", as_float32(variant.wrong))):
                report = evaluate(name, wrong, cases=cases)
                assert report.status == FAILED, f"{dtype} variant '{variant.hint}' passed"
                assert f"Hint: {variant.hint}" in report.message, f"{dtype}: {report.message}"

    for_drawn_cases(name, body)


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
def test_an_unregistered_mistake_never_gets_a_hint(name):
    def body(cases, data):
        index, factor = data.draw(st.integers(0, 3)), data.draw(st.sampled_from([0.5, 1.5, -1.0]))
        report = evaluate(name, _perturbed(exercises.solution(name), index, factor), cases=cases)
        if report.status == FAILED:  # (scaling an output that is zero on every case changes nothing)
            assert "Hint" not in report.message, report.message

    for_drawn_cases(name, body)


@pytest.mark.parametrize("name", BEHAVIOUR)
@MODEL_SETTINGS
@given(seed=st.integers(0, 2 ** 16))
def test_every_behaviour_checker_accepts_its_reference_over_seeds_also_renamed(name, seed):
    cases = exercises.get(name).make_cases(seed=seed)
    solution = exercises.solution(name)
    for form, function in {"reference": solution, "renamed": positional(solution, list(cases[0].kwargs))}.items():
        report = evaluate(name, function, cases=cases)
        assert report.status == PASSED, f"seed {seed}, {form}: {report.message}"


@pytest.mark.parametrize("name", BEHAVIOUR)
@MODEL_SETTINGS
@given(seed=st.integers(0, 2 ** 16))
def test_every_behaviour_checker_catches_each_registered_mistake_over_seeds(name, seed):
    exercise = exercises.get(name)
    assert len(exercise.mistakes) >= 2 and not exercise.variants  # output variants mean nothing for a model
    for mistake in exercise.mistakes:
        report = evaluate(name, mistake.function, cases=exercise.make_cases(seed=seed))
        assert report.status == FAILED and report.case == mistake.case, f"seed {seed}: {report.message}"
        assert mistake.words in report.message, f"seed {seed}: {report.message}"
