"""Chapter 13's exercises (solutions passing and stubs not attempted: tests/course_utils/exercises/test_exercises.py): each typical mistake
fails on the case that isolates it with its hint, and the solutions are the package's CTC helpers (checked against jiwer);
ctc_batch_loss accepts correct answers written with tf.nn.ctc_loss, log-probabilities or the package's output_lengths and
names the mistakes of real code (tf.nn.ctc_loss's time-major default, blank_index=-1, keras.losses.CTC reading every
frame, the input frame counts not divided by the strides, T // 4)."""
import jiwer
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.exercises import _ctc_wiring as wiring
from course_utils.exercises import evaluate, get, solution, speech


@pytest.mark.parametrize("name,fn,case,hint", [
    ("collapse_ctc_path", speech._collapse_blanks_first, "a digit said twice", "merge the repeats before"),
    ("collapse_ctc_path", speech._collapse_keeps_blanks, "blanks between different digits", "remove the blank class"),
    ("collapse_ctc_path", speech._collapse_no_merge, "repeated frames", "merge each run"),
    ("collapse_ctc_path", speech._collapse_blank_zero, "the blank is the last class", "use the `blank` argument"),
    ("collapse_ctc_path", lambda path, blank: [int(c) for c in path if c != blank], "repeated frames", "merge each run"),
    ("digit_edit_distance", speech._edit_substitution_two, "one substitution", "costs 1 (one changed digit)"),
    ("digit_edit_distance", speech._edit_positionwise, "a deletion inside", "position by position"),
    ("digit_edit_distance", speech._edit_no_insertion, "an insertion at the end", "the move across the table"),
    ("digit_edit_distance", speech._edit_no_deletion, "a deletion at the end", "the move down the table"),
    ("digit_edit_distance", speech._edit_zero_border, "an insertion at the start", "first row and column"),
    ("digit_edit_distance", speech._edit_transposition, "two neighbours swapped", "no transposition"),
    ("digit_edit_distance", speech._edit_length_only, "one substitution", "not only the difference in length"),
    ("digit_edit_distance", lambda reference, hypothesis: len(set(reference) ^ set(hypothesis)), "one substitution", None),
])
def test_each_mistake_is_caught_where_it_is_made(name, fn, case, hint, assert_caught):
    assert_caught(name, fn, case, hint)


def test_a_list_and_a_float_are_accepted():
    assert evaluate("collapse_ctc_path", lambda path, blank: solution("collapse_ctc_path")(path, blank).tolist()).passed
    assert evaluate("digit_edit_distance", lambda reference, hypothesis: float(
        solution("digit_edit_distance")(reference, hypothesis))).passed


@pytest.mark.parametrize("seed", range(40))
def test_each_edit_distance_mistake_fails_first_on_its_own_case_whatever_the_seed(seed):
    """Each typical mistake is invisible on the cases before its own (so the failing case names it) and caught
    there, for the cases of any seed; and no two mistakes agree on every case (so each gets its own hint)."""
    cases = speech._edit_cases(seed)
    right = solution("digit_edit_distance")
    results = {}
    for mistake in speech.EDIT_WRONG_ANSWERS:
        wrong = [mistake.function(**case.kwargs) for case in cases]
        first = next(case.name for case, w in zip(cases, wrong) if w != right(**case.kwargs))
        assert first == mistake.case, (mistake.function.__name__, first)
        results[mistake.function.__name__] = tuple(wrong)
    assert len(set(results.values())) == len(results)


@pytest.mark.parametrize("seed", range(20))
def test_the_cases_agree_with_jiwer(seed):
    for case in speech._edit_cases(seed):
        r, h = case.kwargs["reference"], case.kwargs["hypothesis"]
        expected = len(r) if not h else sum(getattr(jiwer.process_characters(r, h), k)
                                            for k in ("substitutions", "deletions", "insertions"))
        assert solution("digit_edit_distance")(r, h) == expected, case.name
    for case in speech._collapse_cases(seed):
        path, blank = case.kwargs["path"], case.kwargs["blank"]
        merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        assert solution("collapse_ctc_path")(path, blank).tolist() == [int(c) for c in merged if c != blank]


# ---------------------------------------------------------------------------------------------- ctc_batch_loss

def _tf_learner(time_major_default=False, blank_index=0, divide=True):
    def ctc_batch_loss(logits, labels, frame_lengths, label_lengths):
        import tensorflow as tf

        options = {} if time_major_default else {"logits_time_major": False}
        logit_lengths = (tf.cast(tf.math.ceil(tf.cast(frame_lengths, tf.float32) / 4), tf.int32) if divide
                         else frame_lengths)  # ceil(ceil(T / 2) / 2) == ceil(T / 4)
        return tf.reduce_mean(tf.nn.ctc_loss(labels, logits, label_lengths, logit_lengths, blank_index=blank_index,
                                             **options))

    return ctc_batch_loss


def test_ctc_batch_loss_accepts_correct_answers_written_with_tensorflow_or_log_probabilities():
    import keras

    from course_utils.speech import model as speech_model

    assert evaluate("ctc_batch_loss", wiring.ctc_batch_loss).passed  # the solution show_solution prints

    def log_probabilities(logits, labels, frame_lengths, label_lengths):
        return keras.ops.mean(keras.ops.ctc_loss(labels, keras.ops.log_softmax(logits), label_lengths,
                                                 speech_model.output_lengths(frame_lengths)))

    for learner in (_tf_learner(), log_probabilities):
        assert evaluate("ctc_batch_loss", learner).passed


def _keras_ctc_loss_object():
    import keras

    return keras.losses.CTC()  # counts each string's non-zero labels, but always reads every frame


@pytest.mark.parametrize("learner,case,hint", [
    (_tf_learner(time_major_default=True), "batch first", "logits_time_major=False"),
    (_tf_learner(blank_index=-1), "the blank is class 0", "class 0 is the blank"),
    (lambda logits, labels, frame_lengths, label_lengths: _keras_ctc_loss_object()(labels, logits),
     "shorter utterances", "own output length"),
    (_tf_learner(divide=False), "shorter utterances", "divide each frame count"),
    (lambda logits, labels, frame_lengths, label_lengths: _tf_learner()(logits, labels,
                                                                      4 * (np.asarray(frame_lengths) // 4),
                                                                      label_lengths),
     "frames not a multiple of 4", "round up"),
])
def test_ctc_batch_loss_names_the_mistakes_of_real_code(learner, case, hint, assert_caught):
    assert_caught("ctc_batch_loss", learner, case, hint)


@pytest.mark.parametrize("seed", range(8))
def test_each_ctc_wiring_mistake_is_invisible_before_its_own_case_whatever_the_seed(seed):
    cases = wiring.make_cases(seed)
    names = [case.name for case in cases]
    for mistake in get("ctc_batch_loss").mistakes:
        for case in cases[: names.index(mistake.case)]:
            wrong, right = mistake.function(**case.kwargs), wiring.cached_solution(**case.kwargs)
            assert np.shape(wrong) != () or np.isclose(wrong, right, rtol=1e-4), (mistake.function.__name__, case.name)
        case = cases[names.index(mistake.case)]
        wrong = mistake.function(**case.kwargs)
        assert np.shape(wrong) != () or not np.isclose(wrong, wiring.cached_solution(**case.kwargs), rtol=1e-3)


@pytest.mark.parametrize("seed", range(8))
def test_the_length_mistakes_differ_from_each_other_on_some_case(seed):
    """Passing the input frame counts, the padded length or T // 4 gives three different results on some case, so
    each gets its own hint; and every case's strings fit their utterances' output frames."""
    cases = wiring.make_cases(seed)
    mistakes = (wiring.padded_logit_lengths, wiring.input_frame_lengths, wiring.rounded_down)
    for a in mistakes:
        for b in mistakes:
            if a is not b:
                assert any(not np.isclose(a(**c.kwargs), b(**c.kwargs)) for c in cases), (a.__name__, b.__name__)
    for case in cases:
        assert np.isfinite(wiring.cached_solution(**case.kwargs)), case.name
        out = wiring._output_lengths(case.kwargs["frame_lengths"])
        assert (case.kwargs["label_lengths"] <= out).all() and (out <= case.kwargs["logits"].shape[1]).all()


# ------------------------------------------------------------------------------- edit distance: property tests
DIGITS = st.text("0123456789", max_size=9)


@settings(max_examples=150, deadline=None)
@given(DIGITS, DIGITS)
def test_the_edit_distance_solution_agrees_with_jiwer_on_any_strings(reference, hypothesis):
    expected = len(reference) if not hypothesis else len(hypothesis) if not reference else sum(
        getattr(jiwer.process_characters(reference, hypothesis), k) for k in ("substitutions", "deletions", "insertions"))
    assert solution("digit_edit_distance")(reference, hypothesis) == expected


@settings(max_examples=150, deadline=None)
@given(st.text("0123456789", min_size=2, max_size=8), st.data())
def test_an_insertion_after_the_first_digit_costs_one_and_the_table_without_insertions_says_more(reference, data):
    """Whatever the string and wherever a digit unlike its neighbours is inserted after the first position (inside or
    at the end), the distance is 1 and a table without the insertion move counts more: the cases can catch it."""
    i = data.draw(st.integers(1, len(reference)))
    neighbours = set(reference[i - 1: i + 1])
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d not in neighbours]))
    hypothesis = reference[:i] + digit + reference[i:]
    assert solution("digit_edit_distance")(reference, hypothesis) == 1
    assert speech._edit_no_insertion(reference, hypothesis) > 1
