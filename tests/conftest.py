"""Shared test helpers, and the ``tensorflow_only`` marker.

``@pytest.mark.tensorflow_only("why")`` marks a test whose subject is TensorFlow itself (``tf.GradientTape``,
``tf.data``, ``tf.distribute``, ``tf.signal``, ``TextVectorization``'s TensorFlow ops): under another Keras backend
(``KERAS_BACKEND=jax``) it is skipped with that reason; under TensorFlow, the default, it runs as usual. The reason is
required, so every skip says why.
"""
import pytest

from course_utils import config as course_config


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "tensorflow_only(reason): the test's subject is TensorFlow itself; skipped, with the reason, under "
                   "another Keras backend (KERAS_BACKEND)")


def pytest_collection_modifyitems(config, items):
    backend = course_config.backend()
    for item in items:
        marker = item.get_closest_marker("tensorflow_only")
        if marker is None:
            continue
        if len(marker.args) != 1 or not isinstance(marker.args[0], str) or not marker.args[0].strip():
            raise pytest.UsageError(f"{item.nodeid}: tensorflow_only needs one reason, e.g. "
                                    '@pytest.mark.tensorflow_only("tf.GradientTape in the reference")')
        if backend != "tensorflow":
            item.add_marker(pytest.mark.skip(reason=f"TensorFlow-only under KERAS_BACKEND={backend}: {marker.args[0]}"))


@pytest.fixture
def assert_caught():
    """``assert_caught(name, wrong, case, hint)``: the checker of exercise ``name`` fails ``wrong`` on ``case``, and
    its message gives a hint containing ``hint`` (or no hint at all when ``hint`` is None: a hint is shown only when
    the output matches a known mistake)."""

    from course_utils.exercises import FAILED, evaluate

    def check(name, wrong, case, hint):
        report = evaluate(name, wrong)
        assert report.status == FAILED and report.case == case, report.message
        if hint:
            assert "Hint: " in report.message and hint in report.message, report.message
        else:
            assert "Hint" not in report.message, report.message

    return check
