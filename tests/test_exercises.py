"""Every checker passes its reference solution and fails deliberately wrong variants with a specific message."""
import numpy as np
import pytest

from course_utils import exercises
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED, check, evaluate, show_solution


# ---- wrong variants of each exercise: (function, the case that must catch it, words the message must hold)
def ema_swapped_alpha(x, alpha, h0=0.0):
    x = np.asarray(x, float)
    h = np.broadcast_to(np.asarray(h0, float), (x.shape[0],)).copy()
    out = []
    for t in range(x.shape[1]):
        h = (1 - alpha) * h + alpha * x[:, t]
        out.append(h)
    return np.stack(out, axis=1)


def ema_ignores_h0(x, alpha, h0=0.0):
    return exercises.solution("ema_states")(x, alpha, 0.0)


def ema_off_by_one(x, alpha, h0=0.0):
    x = np.asarray(x, float)
    h = np.broadcast_to(np.asarray(h0, float), (x.shape[0],)).copy()
    out = []
    for t in range(x.shape[1]):
        out.append(h)  # stores h_{t-1} instead of h_t
        h = alpha * h + (1 - alpha) * x[:, t]
    return np.stack(out, axis=1)


def ema_final_state_only(x, alpha, h0=0.0):
    return exercises.solution("ema_states")(x, alpha, h0)[:, -1]


def ema_time_on_axis0(x, alpha, h0=0.0):
    x = np.asarray(x, float)  # loops over axis 0 as if it were time
    h = np.broadcast_to(np.asarray(h0, float).mean(), (x.shape[1],)).copy()
    out = []
    for row in x:
        h = alpha * h + (1 - alpha) * row
        out.append(h)
    return np.stack(out, axis=0)


def ema_forgets_return(x, alpha, h0=0.0):
    exercises.solution("ema_states")(x, alpha, h0)


def step_no_tanh(x_t, h_prev, W_x, W_h, b):
    return x_t @ W_x + h_prev @ W_h + b


def step_sigmoid(x_t, h_prev, W_x, W_h, b):
    return 1 / (1 + np.exp(-(x_t @ W_x + h_prev @ W_h + b)))


def step_forgets_h(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + b)


def step_forgets_bias(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h_prev @ W_h)


def step_transposed_wh(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h_prev @ W_h.T + b)


def forward_final_only(x, W_x, W_h, b, h0):
    return exercises.solution("rnn_forward")(x, W_x, W_h, b, h0)[:, -1]


def forward_ignores_h0(x, W_x, W_h, b, h0):
    return exercises.solution("rnn_forward")(x, W_x, W_h, b, np.zeros_like(h0))


def forward_resets_state(x, W_x, W_h, b, h0):
    return np.stack([np.tanh(x[:, t] @ W_x + h0 @ W_h + b) for t in range(x.shape[1])], axis=1)


def forward_one_step_late(x, W_x, W_h, b, h0):
    states, h = [], h0
    for t in range(x.shape[1]):
        states.append(h)
        h = np.tanh(x[:, t] @ W_x + h @ W_h + b)
    return np.stack(states, axis=1)


def bptt_no_derivative(dh, h_t, h_prev, x_t, W_h):
    return x_t.T @ dh, h_prev.T @ dh, dh.sum(axis=0), dh @ W_h.T


def bptt_untransposed(dh, h_t, h_prev, x_t, W_h):
    da = dh * (1 - h_t ** 2)
    return x_t.T @ da, h_prev.T @ da, da.sum(axis=0), da @ W_h


def bptt_mean_bias(dh, h_t, h_prev, x_t, W_h):
    da = dh * (1 - h_t ** 2)
    return x_t.T @ da, h_prev.T @ da, da.mean(axis=0), da @ W_h.T


def bptt_wrong_derivative(dh, h_t, h_prev, x_t, W_h):
    da = dh * (1 - h_t)
    return x_t.T @ da, h_prev.T @ da, da.sum(axis=0), da @ W_h.T


def clip_per_array(grads, max_norm):
    norms = [np.linalg.norm(g) for g in grads]
    return [g * min(1.0, max_norm / n) if n > 0 else g for g, n in zip(grads, norms)], float(np.sqrt(sum(n * n for n in norms)))


def clip_returns_clipped_norm(grads, max_norm):
    clipped, norm = exercises.solution("clip_by_global_norm")(grads, max_norm)
    return clipped, min(norm, max_norm)


def clip_divides_by_zero(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    with np.errstate(invalid="ignore", divide="ignore"):
        return [g / norm * min(norm, max_norm) for g in grads], norm


def clip_always_scales(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * max_norm / norm if norm > 0 else g for g in grads], norm


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _lstm_blocks(x_t, h_prev, kernel, recurrent_kernel, bias):
    n = h_prev.shape[1]
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    return _sig(z[:, :n]), _sig(z[:, n:2 * n]), np.tanh(z[:, 2 * n:3 * n]), _sig(z[:, 3 * n:])


def lstm_swapped_if(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    i, f, g, o = _lstm_blocks(x_t, h_prev, kernel, recurrent_kernel, bias)
    c = i * c_prev + f * g
    return o * np.tanh(c), c


def lstm_no_tanh_on_cell(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    i, f, g, o = _lstm_blocks(x_t, h_prev, kernel, recurrent_kernel, bias)
    c = f * c_prev + i * g
    return o * c, c


def lstm_no_output_gate(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    i, f, g, o = _lstm_blocks(x_t, h_prev, kernel, recurrent_kernel, bias)
    c = f * c_prev + i * g
    return np.tanh(c), c


def gru_swapped_z(x_t, h_prev, kernel, recurrent_kernel, bias):
    n = h_prev.shape[1]
    x_part = x_t @ kernel + bias
    z = _sig(x_part[:, :n] + h_prev @ recurrent_kernel[:, :n])
    r = _sig(x_part[:, n:2 * n] + h_prev @ recurrent_kernel[:, n:2 * n])
    cand = np.tanh(x_part[:, 2 * n:] + (r * h_prev) @ recurrent_kernel[:, 2 * n:])
    return (1 - z) * h_prev + z * cand


def gru_no_reset(x_t, h_prev, kernel, recurrent_kernel, bias):
    n = h_prev.shape[1]
    x_part = x_t @ kernel + bias
    z = _sig(x_part[:, :n] + h_prev @ recurrent_kernel[:, :n])
    cand = np.tanh(x_part[:, 2 * n:] + h_prev @ recurrent_kernel[:, 2 * n:])
    return z * h_prev + (1 - z) * cand


def gru_reset_after(x_t, h_prev, kernel, recurrent_kernel, bias):
    n = h_prev.shape[1]
    x_part = x_t @ kernel + bias
    z = _sig(x_part[:, :n] + h_prev @ recurrent_kernel[:, :n])
    r = _sig(x_part[:, n:2 * n] + h_prev @ recurrent_kernel[:, n:2 * n])
    cand = np.tanh(x_part[:, 2 * n:] + r * (h_prev @ recurrent_kernel[:, 2 * n:]))
    return z * h_prev + (1 - z) * cand


def candidate_ignores_r(x_t, h_prev, r, W_xh, W_hh, b_h):
    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)


def candidate_r_after(x_t, h_prev, r, W_xh, W_hh, b_h):
    return np.tanh(x_t @ W_xh + r * (h_prev @ W_hh) + b_h)


def candidate_r_on_input(x_t, h_prev, r, W_xh, W_hh, b_h):
    return np.tanh(r * (x_t @ W_xh) + h_prev @ W_hh + b_h)


WRONG = {
    "lstm_step": [
        (lstm_swapped_if, "keep the cell", "swapped"),
        (lstm_no_tanh_on_cell, "keep the cell", "tanh(c_t)"),
        (lstm_no_output_gate, "closed output gate", "differs"),
    ],
    "lstm_parameter_count": [
        (lambda d, n: 4 * (d * n + n * n), "one feature, three units", "forgot the bias"),
        (lambda d, n: d * n + n * n + n, "one feature, three units", "four"),
        (lambda d, n: 4 * (d * n + n) + n * n, "one feature, three units", "own n x n"),
        (lambda d, n: 4 * (d * n + n * n) + n, "one feature, three units", "own bias"),
    ],
    "gru_step": [
        (gru_swapped_z, "update gate z = 1", "swapped"),
        (gru_no_reset, "z = 0, reset gate r = 0", "differs"),
        (gru_reset_after, "general case", "reset_after=True"),
    ],
    "gru_candidate": [
        (candidate_ignores_r, "r = 0", "differs"),
        (candidate_r_after, "r per unit", "differs"),
        (candidate_r_on_input, "r = 0", "differs"),
    ],
    "bptt_step": [
        (bptt_no_derivative, "saturated state", "skipped the tanh derivative"),
        (bptt_untransposed, "h_t = 0, so tanh' = 1", "W_h transposed"),
        (bptt_mean_bias, "h_t = 0, so tanh' = 1", "averaged over the batch"),
        (bptt_wrong_derivative, "saturated state", "1 - h_t**2"),
    ],
    "clip_by_global_norm": [
        (clip_per_array, "two arrays", "clipped by its own norm"),
        (clip_returns_clipped_norm, "one array above the threshold", "before* clipping"),
        (clip_divides_by_zero, "all zeros", "nan"),
        (clip_always_scales, "norm below the threshold", "differs"),
    ],
    "rnn_step": [
        (step_no_tanh, "input term only", "apply tanh"),
        (step_sigmoid, "input term only", "sigmoid"),
        (step_forgets_h, "recurrent term only", "h_{t-1} W_h alone"),
        (step_transposed_wh, "recurrent term only", "transposed"),
        (step_forgets_bias, "bias only", "tanh(b)"),
    ],
    "rnn_forward": [
        (forward_final_only, "one time step", "only the final state"),
        (forward_ignores_h0, "one time step", "differs"),
        (forward_resets_state, "zero input, non-zero h0", "state is carried"),
        (forward_one_step_late, "one time step", "differs"),
    ],
    "ema_states": [
        (ema_swapped_alpha, "alpha = 0, no memory", "input term"),
        (ema_ignores_h0, "zero input, h0 = 1", "initial state"),
        (ema_off_by_one, "alpha = 0, no memory", "shifted one step late"),
        (ema_final_state_only, "alpha = 0, no memory", "expected shape (2, 5)"),
        (ema_time_on_axis0, "zero input, h0 = 1", "differs"),
        (ema_forgets_return, "alpha = 0, no memory", "forget to `return`"),
    ],
    # chapter 07 (more variants, and the hint-free ones, in test_sentiment.py)
    "masked_mean_pooling": [
        (lambda values, mask: np.asarray(values).mean(axis=1), "same length, padded", "all T steps"),
        (lambda values, mask: (np.asarray(values) * np.asarray(mask)[:, :, None]).sum(axis=1), "no padding", "masked sum"),
    ],
    "occlusion_importance": [
        (lambda predict, words: np.asarray(predict([" ".join(words[:i] + words[i + 1:]) for i in range(len(words))])),
         "bag of words", "subtract them"),
    ],
}


# Exercises of chapters 00-06 keep their wrong variants above; newer ones register them with the exercise.
REGISTERED = {name: [(m.function, m.case, m.words) for m in ex.mistakes] for name, ex in exercises.REGISTRY.items()}
ALL_WRONG = {name: WRONG.get(name, []) + REGISTERED[name] for name in exercises.REGISTRY}


@pytest.mark.parametrize("name", sorted(exercises.REGISTRY))
def test_every_exercise_has_at_least_two_wrong_variants(name):
    # Variants (mistakes with a hint) are checked by tests/test_checker_properties.py; both kinds count here.
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
    assert check("ema_states", ema_swapped_alpha) is exercises.solution("ema_states")
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
    assert "nan" in exercises.compare(np.zeros(3), np.array([0, np.nan, 0]))
    assert "shape" in exercises.compare(np.zeros((2, 3)), np.zeros(3))
    assert exercises.compare((np.zeros(2), 1.0), (np.zeros(2), 1.0)) is None
    assert "tuple of 2" in exercises.compare((np.zeros(2), 1.0), np.zeros(2))
