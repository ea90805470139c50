"""The checkers under odd but correct answers, wrong answers with misleading coincidences, and runaway code."""
import time

import numpy as np
import pytest

from course_utils import exercises
from course_utils.from_scratch import recurrences
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED, check, evaluate


def as_float32(function):
    """The same computation done in float32, as a learner using float32 arrays would (result in float32)."""
    def cast(value):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return value.astype(np.float32)
        if isinstance(value, list):
            return [cast(v) for v in value]
        return value

    def learner(**kwargs):
        with np.errstate(all="ignore"):
            return function(**{k: cast(v) for k, v in kwargs.items()})

    return learner


def positional(function, names):
    """``function`` with keyword-only use turned into a function of renamed positional parameters."""
    namespace = {"f": function}
    params = ", ".join(f"arg{i}" for i in range(len(names)))
    exec(f"def renamed({params}):\n    return f({', '.join(f'{n}=arg{i}' for i, n in enumerate(names))})", namespace)
    return namespace["renamed"]


# ------------------------------------------------------------------------------------------- hints never wrong

def test_bptt_other_mistake_with_a_correct_derivative_gets_no_derivative_hint():
    def wrong_dW_x(dh, h_t, h_prev, x_t, W_h):
        dW_x, dW_h, db, dh_prev = recurrences.bptt_step(dh, h_t, h_prev, x_t, W_h)
        return 2 * dW_x, dW_h, db, dh_prev  # the tanh derivative is right; dW_x is not

    report = evaluate("bptt_step", wrong_dW_x)
    assert report.status == FAILED and report.case == "h_t = 0, so tanh' = 1"
    assert "Hint" not in report.message, report.message


def test_a_correct_float32_answer_passes_every_checker():
    for name, exercise in exercises.REGISTRY.items():
        if exercise.kind != exercises.FUNCTION:  # a model exercise has no float inputs (tests/course_utils/exercises/test_models.py)
            continue
        report = evaluate(name, as_float32(exercise.solution))
        assert report.status == PASSED, report.message


def test_bias_added_after_tanh_is_not_told_it_returns_the_pre_activation():
    report = evaluate("rnn_step", lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_x + h_prev @ W_h) + b)
    assert report.status == FAILED and report.case == "bias only"
    assert "pre-activation" not in report.message and "the bias goes inside tanh" in report.message


def test_a_gru_style_parameter_count_is_not_told_it_forgot_the_bias():
    report = evaluate("lstm_parameter_count", lambda d, n: 3 * (d * n + n * n + n))
    assert report.status == FAILED and "forgot the bias" not in report.message
    assert "GRU's count" in report.message


@pytest.mark.parametrize("name", sorted(exercises.REGISTRY))
def test_each_registered_mistake_gets_exactly_its_own_hint(name):
    exercise = exercises.get(name)
    for variant in exercise.variants:
        report = evaluate(name, variant.wrong)
        assert report.status == FAILED and f"Hint: {variant.hint}" in report.message, report.message


# ------------------------------------------------------------------------------------------- other correct forms

def test_a_list_where_a_tuple_is_expected_passes():
    assert evaluate("lstm_step", lambda **kw: list(recurrences.lstm_step(**kw))).status == PASSED
    assert evaluate("bptt_step", lambda **kw: list(recurrences.bptt_step(**kw))).status == PASSED
    assert evaluate("clip_by_global_norm", lambda **kw: list(recurrences.clip_by_global_norm(**kw))).status == PASSED
    assert evaluate("clip_by_global_norm",
                    lambda **kw: (tuple(recurrences.clip_by_global_norm(**kw)[0]), recurrences.clip_by_global_norm(**kw)[1])
                    ).status == PASSED


@pytest.mark.parametrize("name", ["rnn_step", "bptt_step", "lstm_step", "lstm_parameter_count"])
def test_a_complex_result_fails(name):
    exercise = exercises.get(name)

    def complex_result(**kwargs):
        result = exercise.solution(**kwargs)
        if isinstance(result, tuple):
            return tuple(np.asarray(r) + 0j for r in result)
        return np.asarray(result) + 0j

    report = evaluate(name, complex_result)
    assert report.status == FAILED and "complex" in report.message, report.message


def test_text_is_not_read_as_numbers():
    report = evaluate("lstm_parameter_count", lambda d, n: str(4 * (d * n + n * n + n)))
    assert report.status == FAILED and "text" in report.message


def test_renamed_parameters_are_given_by_position():
    names = ["x_t", "h_prev", "W_x", "W_h", "b"]
    report = evaluate("rnn_step", positional(recurrences.rnn_step, names))
    assert report.status == PASSED, report.message

    def renamed_and_wrong(x, h, wx, wh, bias):
        return np.tanh(x @ wx + bias)

    report = evaluate("rnn_step", renamed_and_wrong)
    assert report.status == FAILED and "given by position" in report.message
    assert "Keep the stub's parameter names (x_t, h_prev, W_x, W_h, b)" in report.message


def test_parameters_that_cannot_be_matched_are_named():
    report = evaluate("rnn_step", lambda x_t, h_prev: x_t)
    assert report.status == FAILED and "keep the stub's parameter names (x_t, h_prev, W_x, W_h, b)" in report.message


# ------------------------------------------------------------------------------------------- partial stubs

def test_not_implemented_on_some_cases_only_is_a_failure_on_that_case():
    solution = exercises.solution("ema_states")

    def unfinished(x, alpha, h0=0.0):
        if np.ndim(h0) > 0:
            raise NotImplementedError  # the learner has not handled a per-sequence h0 yet
        return solution(x, alpha, h0)

    report = evaluate("ema_states", unfinished)
    assert report.status == FAILED and report.case == "general case"
    assert "case 4/4" in report.message and "NotImplementedError" in report.message

    def unfinished_first(x, alpha, h0=0.0):
        if alpha == 0:
            raise NotImplementedError
        return solution(x, alpha, h0)

    report = evaluate("ema_states", unfinished_first)
    assert report.status == FAILED and "case 1/4" in report.message and "not attempted" not in report.message


def test_an_untouched_stub_is_still_not_attempted():
    def stub(x, alpha, h0=0.0):
        raise NotImplementedError

    assert evaluate("ema_states", stub).status == NOT_ATTEMPTED


# ------------------------------------------------------------------------------------------- time limit

def test_a_real_infinite_loop_is_stopped_and_the_reference_is_returned(capsys):
    def endless(x, alpha, h0=0.0):
        while True:
            pass

    start = time.perf_counter()
    chosen = check("ema_states", endless, time_limit=0.5)
    assert time.perf_counter() - start < 5
    assert chosen is exercises.solution("ema_states")
    out = capsys.readouterr().out
    assert "case 1/4 'alpha = 0, no memory' did not finish within 0.5 s" in out
    time.sleep(0.7)  # no stray interrupt arrives later


def test_a_loop_on_one_case_only_is_reported_on_that_case():
    solution = exercises.solution("ema_states")

    def loops_when_h0_is_an_array(x, alpha, h0=0.0):
        while np.ndim(h0) > 0:
            pass
        return solution(x, alpha, h0)

    report = evaluate("ema_states", loops_when_h0_is_an_array, time_limit=0.3)
    assert report.status == FAILED and report.case == "general case" and "did not finish" in report.message


def test_a_fast_function_is_never_interrupted_afterwards():
    for _ in range(20):
        assert evaluate("ema_states", exercises.solution("ema_states"), time_limit=0.001).status in (PASSED, FAILED)
    time.sleep(0.05)  # a timer that fired late would raise KeyboardInterrupt here


def test_a_learners_own_interrupt_leaves_the_reference_bound(capsys):
    def stopped_by_the_learner(x, alpha, h0=0.0):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate("ema_states", stopped_by_the_learner)
    assert check("ema_states", stopped_by_the_learner) is exercises.solution("ema_states")
    assert "interrupted" in capsys.readouterr().out


def test_the_time_limit_stops_an_endless_loop_in_a_real_kernel(tmp_path):
    """In a Jupyter kernel (as a learner runs it): the cell after the check runs with the reference."""
    from course_build import notebooks
    from tests.course_build.test_notebooks import make_notebook

    loop = ("from course_utils import check\n"
            "def ema_states(x, alpha, h0=0.0):\n    while True:\n        pass\n"
            "ema_states = check('ema_states', ema_states, time_limit=1)")
    use = "import numpy as np\nprint(ema_states(np.ones((1, 3)), 0.5).round(3).tolist())"
    path = make_notebook(tmp_path / "99_loop.ipynb", loop, use)
    notebooks.run_notebook(path, mode="quick", write=True, timeout=60)
    nb = notebooks.read(path)
    assert "did not finish within 1 s" in nb.cells[1].outputs[0]["text"]
    assert nb.cells[2].outputs[0]["text"].strip() == "[[0.5, 0.75, 0.875]]"
