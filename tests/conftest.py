"""Shared test helpers."""
import pytest

from course_utils.exercises import FAILED, evaluate


@pytest.fixture
def assert_caught():
    """``assert_caught(name, wrong, case, hint)``: the checker of exercise ``name`` fails ``wrong`` on ``case``, and
    its message gives a hint containing ``hint`` (or no hint at all when ``hint`` is None: a hint is shown only when
    the output matches a known mistake)."""

    def check(name, wrong, case, hint):
        report = evaluate(name, wrong)
        assert report.status == FAILED and report.case == case, report.message
        if hint:
            assert "Hint: " in report.message and hint in report.message, report.message
        else:
            assert "Hint" not in report.message, report.message

    return check
