"""Chapter 13's CTC helpers: the collapse, the label convention with keras.ops.ctc_loss / ctc_decode (checked by
summing over every alignment), and the edit distance and digit error rate against jiwer."""
import itertools

import jiwer
import numpy as np
import pytest

from course_utils.speech import ctc


def test_collapse_merges_repeats_then_removes_blanks():
    assert ctc.collapse([1, 1, 0, 1, 2, 2, 0]).tolist() == [1, 1, 2]
    assert ctc.collapse([0, 3, 3, 3, 0, 0, 5]).tolist() == [3, 5]
    assert ctc.collapse([0, 0, 0]).tolist() == [] and ctc.collapse([]).tolist() == []
    assert ctc.collapse([10, 0, 0, 10, 0], blank=10).tolist() == [0, 0]
    with pytest.raises(ValueError, match="whole class indices"):
        ctc.collapse([1.5, 2.0])


def test_labels_round_trip_and_batches_are_padded_with_the_blank():
    assert ctc.digits_to_labels("3907").tolist() == [4, 10, 1, 8]
    assert ctc.labels_to_digits([4, 10, 1, 8, -1, -1]) == "3907"
    labels, lengths = ctc.encode_batch(["12", "09876", ""])
    assert labels.tolist() == [[2, 3, 0, 0, 0], [1, 10, 9, 8, 7], [0, 0, 0, 0, 0]] and lengths.tolist() == [2, 5, 0]
    with pytest.raises(ValueError, match="0 is the blank"):
        ctc.labels_to_digits([0, 3])
    with pytest.raises(TypeError, match="string of digits"):
        ctc.digits_to_labels(3907)


def _brute_force_nll(log_probs, target, blank=0):
    """-log of the total probability of every frame-level path that collapses to ``target``."""
    T, C = log_probs.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        if ctc.collapse(path, blank).tolist() == list(target):
            total += np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    return -np.log(total)


def test_our_label_convention_gives_keras_ctc_loss_the_sum_over_all_alignments():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    T, C = 5, 4  # blank + 3 classes
    logits = rng.normal(size=(2, T, C)).astype("float32")
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = [[1, 1], [3, 2, 1]]  # a repeated label needs a blank between its frames
    expected = [_brute_force_nll(log_probs[i], targets[i]) for i in range(2)]
    labels = np.array([[1, 1, 0], [3, 2, 1]], dtype="int32")  # padded with 0
    loss = keras.ops.convert_to_numpy(keras.ops.ctc_loss(labels, logits, np.array([2, 3]), np.array([T, T])))
    np.testing.assert_allclose(loss, expected, rtol=1e-4)
    other_padding = labels.copy()
    other_padding[0, 2] = 3  # what lies beyond a target's length is ignored by ctc_loss
    again = keras.ops.convert_to_numpy(keras.ops.ctc_loss(other_padding, logits, np.array([2, 3]), np.array([T, T])))
    np.testing.assert_allclose(again, loss, rtol=1e-6)
    # keras.losses.CTC counts the non-zero labels itself and uses every frame: the same numbers
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.losses.CTC(reduction=None)(labels, logits)), loss, rtol=1e-5)
    # shorter outputs: only the first output_length frames count
    short = keras.ops.convert_to_numpy(keras.ops.ctc_loss(labels, logits, np.array([2, 3]), np.array([4, T])))
    assert short[0] == pytest.approx(_brute_force_nll(log_probs[0, :4], targets[0]), rel=1e-4)


def test_ctc_decode_output_reads_back_as_digit_strings():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    paths = [[0, 4, 4, 0, 10, 1, 1, 0], [3, 0, 3, 3, 0, 0, 0, 0]]  # "390" and "22" (+ padding frames)
    logits = rng.normal(scale=0.1, size=(2, 8, ctc.N_CLASSES)).astype("float32")
    for row, path in enumerate(paths):
        logits[row, np.arange(8), path] += 8.0
    lengths = np.array([8, 5])
    greedy, _ = keras.ops.ctc_decode(logits, lengths, strategy="greedy")
    assert ctc.decoded_to_digits(keras.ops.convert_to_numpy(greedy)) == ["390", "22"]
    beam, _ = keras.ops.ctc_decode(logits, lengths, strategy="beam_search", beam_width=8, top_paths=2)
    beam = keras.ops.convert_to_numpy(beam)
    assert beam.shape[0] == 2 and ctc.decoded_to_digits(beam) == ["390", "22"]
    assert ctc.decoded_to_digits(greedy[0]) == [ctc.labels_to_digits(ctc.collapse(np.argmax(logits[i, :n], -1)))
                                                for i, n in enumerate(lengths)]


def _random_strings(rng, n):
    return ["".join(str(d) for d in rng.integers(0, 10, size=rng.integers(0, 9))) for _ in range(n)]


def test_edit_distance_and_digit_error_rate_agree_with_jiwer():
    rng = np.random.default_rng(2)
    references = [r or "0" for r in _random_strings(rng, 300)]
    hypotheses = _random_strings(rng, 300)
    for r, h in zip(references, hypotheses):
        expected = jiwer.process_characters(r, h) if h else None
        distance = ctc.edit_distance(r, h)
        ops = ctc.edit_operations(r, h)
        assert sum(ops.values()) == distance
        if expected is not None:
            assert distance == expected.substitutions + expected.deletions + expected.insertions
        else:
            assert distance == len(r) and ops["deletions"] == len(r)
    with_hyp = [(r, h) for r, h in zip(references, hypotheses) if h]
    refs, hyps = zip(*with_hyp)
    assert ctc.digit_error_rate(refs, hyps) == pytest.approx(jiwer.cer(list(refs), list(hyps)))
    assert ctc.edit_distance([1, 2, 3], [1, 3]) == 1  # label sequences work too


def test_edit_operations_where_the_alignment_is_unique():
    assert ctc.edit_operations("40917", "4917") == {"substitutions": 0, "deletions": 1, "insertions": 0}
    assert ctc.edit_operations("491", "40917") == {"substitutions": 0, "deletions": 0, "insertions": 2}
    assert ctc.edit_operations("123", "153") == {"substitutions": 1, "deletions": 0, "insertions": 0}


def test_string_accuracy_and_errors():
    assert ctc.string_accuracy(["12", "34", "5"], ["12", "43", "5"]) == pytest.approx(2 / 3)
    assert ctc.digit_error_rate(["12", "34"], ["12", "3"]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="pair up"):
        ctc.digit_error_rate(["1"], ["1", "2"])
    with pytest.raises(ValueError, match="0-9"):
        ctc.string_accuracy(["1a"], ["1"])
    with pytest.raises(TypeError, match="string or a sequence"):
        ctc.edit_distance(12, "12")
