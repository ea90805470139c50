"""Chapter 12's package code: BIO tags and spans agree with seqeval, the gazetteer finds only what it has seen,
the masked accuracy leaves padding out, and the exercises' checkers catch each typical mistake with its hint."""
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics.sequence_labeling import get_entities

from course_utils import tagging
from course_utils.exercises import FAILED, PASSED, evaluate
from course_utils.exercises import tagging as tagging_exercises


def test_bio_to_spans_reads_tags_as_seqeval_does_and_round_trips():
    rng = random.Random(0)
    for _ in range(2000):
        tags = [rng.choice(["O", "B-LOC", "I-LOC", "B-DATE", "I-DATE"]) for _ in range(rng.randint(0, 9))]
        spans = tagging.bio_to_spans(tags)
        assert spans == [(kind, start, end + 1) for kind, start, end in get_entities(tags)]
        assert tagging.bio_to_spans(tagging.spans_to_bio(spans, len(tags))) == spans


def test_spans_to_bio_on_known_input():
    assert tagging.spans_to_bio([("LOC", 0, 2), ("LOC", 2, 3)], 4) == ["B-LOC", "I-LOC", "B-LOC", "O"]


def test_masked_accuracy_ignores_padding():
    y = np.array([[1, 2, 0, 0]])
    scores = np.eye(3)[[[1, 0, 0, 0]]]  # right, wrong, then padding predicted as 0
    assert tagging.masked_token_accuracy(y, scores, y > 0) == 0.5


def test_gazetteer_finds_only_strings_it_has_seen():
    gazetteer = tagging.Gazetteer([("LOC", ("New", "York")), ("LOC", ("York",)), ("LANGUAGE", ("Welsh",))])
    assert gazetteer.tag("I left New York for Welsh lessons".split()) == ["O", "O", "B-LOC", "I-LOC", "O",
                                                                         "B-LANGUAGE", "O"]
    assert gazetteer.tag("I left Nairobi".split()) == ["O", "O", "O"]


def test_error_analysis_counts():
    gold = [["B-LOC", "I-LOC", "O", "B-LANGUAGE"], ["B-DATE", "O"]]
    guess = [["B-LOC", "B-LOC", "O", "B-LOC"], ["O", "O"]]
    outcomes = tagging.span_outcomes(gold, guess)
    assert outcomes == {"boundary": 1, "LANGUAGE as LOC": 1, "missed": 1}
    assert tagging.boundary_errors(gold, guess) == {"B as I": 0, "I as B": 1, "other": 2}
    scores = tagging.entity_scores(gold, guess, ("LOC", "LANGUAGE", "DATE", "MONEY"))
    assert scores["overall"]["precision"] == 0 and np.isnan(scores["MONEY"]["f1"])


def test_highlight_escapes_and_labels():
    text = tagging.highlight_html(["<b>", "Paris", "."], ["O", "B-LOC", "O"])
    assert "&lt;b&gt;" in text and "Paris <b" in text and "LOC</b>" in text


def test_shapes_and_vocabulary():
    assert [tagging.shape(t) for t in ["Paris", "paris", "USD", "1999", "1,234.50", ","]] == ["Xx", "x", "X", "d", "d.d", "."]
    vocab = tagging.Vocabulary([["a", "b"], ["b"]])
    assert vocab.encode([["b", "zzz"]], 3).tolist() == [[3, 1, 0]]


@pytest.mark.parametrize("name,variants", [("bio_to_spans", tagging_exercises.SPANS_MISTAKES),
                                           ("spans_to_bio", tagging_exercises.BIO_MISTAKES),
                                           ("masked_token_accuracy", tagging_exercises.ACCURACY_MISTAKES)])
def test_each_mistake_gets_its_own_hint(name, variants):
    for variant in variants:
        report = evaluate(name, variant.wrong)
        assert report.status == FAILED and f"Hint: {variant.hint}" in report.message, report.message


def test_spans_as_lists_with_numpy_integers_pass():
    def learner(tags):
        return [[kind, np.int64(start), np.int64(end)] for kind, start, end in tagging.bio_to_spans(tags)]

    assert evaluate("bio_to_spans", learner).status == PASSED


def test_a_wrong_tag_is_named_with_its_position():
    def learner(spans, length):
        return [tag.replace("I-LANGUAGE", "I-LOC") for tag in tagging.spans_to_bio(spans, length)]

    report = evaluate("spans_to_bio", learner)
    assert report.status == FAILED and "expected 'I-LANGUAGE'" in report.message and "Hint" not in report.message


def test_float32_scores_pass_the_accuracy_checker():
    def learner(y_true, scores, mask):
        return np.float32(tagging.masked_token_accuracy(y_true, np.asarray(scores, np.float32), mask))

    assert evaluate("masked_token_accuracy", learner).status == PASSED


# ------------------------------------------------------------------------ issue 28: checkers wrong on some inputs

def test_a_correct_answer_in_another_container_passes_the_bio_checkers():
    """spans_to_bio returned as a NumPy array, a tuple or a pandas Series is as correct as a list."""
    import pandas as pd

    for container in (np.array, tuple, pd.Series, lambda tags: np.array(tags, dtype=object)):
        report = evaluate("spans_to_bio", lambda spans, length: container(tagging.spans_to_bio(spans, length)))
        assert report.status == PASSED, report.message
    report = evaluate("bio_to_spans", lambda tags: tuple(tagging.bio_to_spans(np.array(tags))))
    assert report.status == PASSED, report.message


def test_a_wrong_answer_in_an_array_still_fails_with_its_hint():
    variant = tagging_exercises.BIO_MISTAKES[1]  # every token of an entity tagged B-
    report = evaluate("spans_to_bio", lambda spans, length: np.array(variant.wrong(spans, length)))
    assert report.status == FAILED and f"Hint: {variant.hint}" in report.message, report.message


@pytest.mark.parametrize("seed", range(30))
def test_finding_padding_from_the_tags_fails_on_the_case_with_real_tag_0(seed):
    """Ignoring the mask in favour of y_true != 0 agrees with the mask on every case but the one where real tokens
    carry tag 0 ("O"): there it differs, whatever the seed and sizes."""
    for B, T in ((3, 5), (2, 2), (6, 6)):
        cases = tagging_exercises._accuracy_cases(seed, B=B, T=T)
        for case in cases:
            same = np.isclose(tagging_exercises._accuracy_nonzero_tags(**case.kwargs),
                              tagging.masked_token_accuracy(**case.kwargs))
            assert same == (case.name != "real tokens tagged 0"), (B, T, case.name)
    report = evaluate("masked_token_accuracy", lambda y_true, scores, mask: float(
        ((np.asarray(scores).argmax(-1) == y_true) & (y_true != 0)).sum() / (y_true != 0).sum()))
    assert report.case == "real tokens tagged 0" and "not y_true != 0" in report.message, report.message


TAG_STRATEGY = st.lists(st.sampled_from(["O", "B-LOC", "I-LOC", "B-DATE", "I-DATE", "B-MONEY"]), min_size=0, max_size=7)


def _counted(true_tags, predicted_tags, kind):
    """(right, predicted, gold) entity counts of ``kind``, by exact span matching."""
    right = predicted = gold = 0
    for t, p in zip(true_tags, predicted_tags):
        g = {span for span in tagging.bio_to_spans(t) if span[0] == kind}
        q = {span for span in tagging.bio_to_spans(p) if span[0] == kind}
        right, predicted, gold = right + len(g & q), predicted + len(q), gold + len(g)
    return right, predicted, gold


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(TAG_STRATEGY, TAG_STRATEGY), min_size=1, max_size=4))
def test_entity_scores_follow_their_docstring_for_absent_and_unpredicted_types(pairs):
    true_tags = [t[:min(len(t), len(p))] for t, p in pairs]
    predicted_tags = [p[:min(len(t), len(p))] for t, p in pairs]
    scores = tagging.entity_scores(true_tags, predicted_tags, ("LOC", "DATE", "MONEY", "QUANTITY"))
    for kind in ("LOC", "DATE", "MONEY", "QUANTITY"):
        right, predicted, gold = _counted(true_tags, predicted_tags, kind)
        row = scores[kind]
        if gold == 0:  # nothing to find: recall and F1 undefined; precision 0 if it was predicted anyway
            assert np.isnan(row["recall"]) and np.isnan(row["f1"])
            assert row["precision"] == 0.0 if predicted else np.isnan(row["precision"])
        else:
            assert row["recall"] == pytest.approx(right / gold)
            assert row["precision"] == pytest.approx(right / predicted if predicted else 0.0)
            p, r = row["precision"], row["recall"]
            assert row["f1"] == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)


def test_entity_scores_of_a_type_absent_from_the_gold_tags_do_not_depend_on_whether_it_is_predicted():
    gold = [["B-LOC", "O", "O"]]
    never, once = [["B-LOC", "O", "O"]], [["B-LOC", "O", "B-MONEY"]]
    for guess in (never, once):
        assert np.isnan(tagging.entity_scores(gold, guess, ("MONEY",))["MONEY"]["f1"])
    assert tagging.entity_scores(gold, once, ("MONEY",))["MONEY"]["precision"] == 0.0


def test_length_batches_cover_every_sentence_once_in_the_narrowest_bucket():
    lengths = np.array([3, 17, 5, 40, 16, 9, 33, 2])
    batches = tagging.length_batches(lengths, 2, (16, 32, 40), np.random.default_rng(0))
    rows = np.concatenate([r for r, _ in batches])
    assert sorted(rows) == list(range(len(lengths)))
    for r, width in batches:
        assert len(r) <= 2 and (lengths[r] <= width).all()
        assert width == min(e for e in (16, 32, 40) if e >= lengths[r].max())
        assert len({min(e for e in (16, 32, 40) if e >= n) for n in lengths[r]}) == 1  # one bucket per batch
    again = tagging.length_batches(lengths, 2, (16, 32, 40), np.random.default_rng(0))
    assert [list(r) for r, _ in again] == [list(r) for r, _ in batches]
    with pytest.raises(ValueError, match="longest"):
        tagging.length_batches(lengths, 2, (16, 32), np.random.default_rng(0))
