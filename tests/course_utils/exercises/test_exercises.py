"""Every checker passes its reference solution and fails deliberately wrong variants with a specific message."""
import numpy as np
import pytest

from course_utils import exercises
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED, check, evaluate, show_solution, warmup


# Every exercise registers its typical wrong answers with itself (Exercise(..., mistakes=[Mistake(function, case,
# words)]) in course_utils/exercises/<topic>.py): the one registry the tests and the instructor guide both read.
ALL_WRONG = {name: [(m.function, m.case, m.words) for m in ex.mistakes] for name, ex in exercises.REGISTRY.items()}


@pytest.mark.parametrize("name", sorted(exercises.REGISTRY))
def test_every_exercise_has_at_least_two_wrong_variants(name):
    # Variants (mistakes with a hint) are checked by tests/course_utils/exercises/test_checker_properties.py; both kinds count here.
    assert len(ALL_WRONG[name]) + len(exercises.REGISTRY[name].variants) >= 2, (
        f"register at least two typical mistakes of {name!r}: Exercise(..., variants=(Variant(hint, wrong), ...)) "
        "and/or mistakes=[Mistake(function, 'case name', 'words of the message'), ...] in its topic module "
        "(see CONTRIBUTING.md)")


@pytest.mark.parametrize("name", sorted(exercises.REGISTRY))
def test_reference_passes(name):
    report = evaluate(name, exercises.solution(name))
    assert report.status == PASSED, report.message


@pytest.mark.parametrize(
    "name,wrong,case,words", [(name, *variant) for name, variants in ALL_WRONG.items() for variant in variants],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_wrong_variant_fails_on_the_case_that_isolates_it(name, wrong, case, words):
    report = evaluate(name, wrong)
    assert report.status == FAILED
    assert report.case == case, report.message
    assert words in report.message, report.message


@pytest.mark.parametrize("name", sorted(exercises.REGISTRY))
def test_an_untouched_stub_of_every_exercise_is_not_attempted(name):
    def stub(**kwargs):
        raise NotImplementedError

    assert evaluate(name, stub).status == NOT_ATTEMPTED


def test_untouched_stub_is_not_attempted_and_check_returns_the_reference(capsys):
    def stub(x, alpha, h0=0.0):
        raise NotImplementedError

    report = evaluate("ema_states", stub)
    assert report.status == NOT_ATTEMPTED
    chosen = check("ema_states", stub)
    assert chosen is exercises.solution("ema_states")
    assert "not attempted yet" in capsys.readouterr().out


def test_check_keeps_a_passing_function_and_replaces_a_failing_one(capsys):
    def mine(x, alpha, h0=0.0):
        return exercises.solution("ema_states")(x, alpha, h0)

    assert check("ema_states", mine) is mine
    assert check("ema_states", warmup._ema_swapped_alpha) is exercises.solution("ema_states")
    out = capsys.readouterr().out
    assert "all 4 cases passed" in out and "continues with the reference solution" in out


def test_exception_in_learner_code_is_reported_with_its_case():
    def broken(x, alpha, h0=0.0):
        return x[:, 99]

    report = evaluate("ema_states", broken)
    assert report.status == FAILED and "IndexError" in report.message and "case 1/4" in report.message


def test_learner_cannot_corrupt_the_cases():
    def mutating(x, alpha, h0=0.0):
        result = exercises.solution("ema_states")(x, alpha, h0)
        x[:] = 0
        return result

    assert evaluate("ema_states", mutating).status == PASSED


def test_show_solution_prints_source(capsys):
    show_solution("ema_states")
    assert "def ema_states" in capsys.readouterr().out


def test_unknown_exercise_lists_known_ones():
    with pytest.raises(KeyError, match="ema_states"):
        evaluate("no_such_exercise", print)


def test_compare_reports_nan_and_shape():
    assert "nan" in exercises.mismatch(np.zeros(3), np.array([0, np.nan, 0]))
    assert "shape" in exercises.mismatch(np.zeros((2, 3)), np.zeros(3))
    assert exercises.mismatch((np.zeros(2), 1.0), (np.zeros(2), 1.0)) is None
    assert "tuple of 2" in exercises.mismatch((np.zeros(2), 1.0), np.zeros(2))
