"""Chapter 12's package code: BIO tags and spans agree with seqeval, the gazetteer finds only what it has seen,
the masked accuracy leaves padding out, and the exercises' checkers catch each typical mistake with its hint."""
import random

import numpy as np
import pytest
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
