"""course_utils.translation: the chapter-08 tokenisation, teacher-forced scores, and what Keras divides a masked loss by."""
import numpy as np
import pytest

from course_utils import decoding
from course_utils.translation import (GLUE, compounding_prediction, detokenize, masked_token_loss, sparse_cross_entropy,
                                      teacher_forced_sentence_match, teacher_forced_token_accuracy, tokenize)
from tests.course_utils.test_decoding import END, START, TinyModel


def test_tokenize_splits_digits_and_symbols_and_glues():
    assert tokenize("MX$383.96") == ["MX", "##$", "##3", "##8", "##3", "##.", "##9", "##6"]
    assert tokenize("3,6 grados") == ["3", "##,", "##6", "grados"]
    assert all(GLUE not in t[len(GLUE):] for t in tokenize("a, b. c"))


@pytest.mark.parametrize("text", ["383,96 MXN", "sáb, 24 de septiembre de 2078", "10:22 AM", "€7,283.31", "hace 1320 segundos"])
def test_detokenize_inverts_tokenize(text):
    assert detokenize(tokenize(text)) == text


def test_round_trip_on_the_phrase_corpus():
    from course_utils.datasets import load_translation_pairs

    data = load_translation_pairs(source="offline", size=600, seed=0)
    pairs = data.train.pairs + data.val.pairs + data.test.pairs
    assert all(detokenize(tokenize(s)) == s for pair in pairs for s in pair)


def _one_hot_logits(ids, vocab):
    logits = np.full(ids.shape + (vocab,), -5.0)
    np.put_along_axis(logits, ids[..., None], 5.0, axis=-1)
    return logits


def test_teacher_forced_sentence_match_ignores_padding_and_refuses_unknown():
    targets = np.array([[4, 5, 2, 0], [4, 5, 2, 0], [3, 1, 2, 0], [0, 0, 0, 0]])
    predicted = np.array([[4, 5, 2, 7], [4, 6, 2, 0], [3, 1, 2, 0], [0, 0, 0, 0]])  # padding positions may be anything
    matched = teacher_forced_sentence_match(_one_hot_logits(predicted, 8), targets)
    assert matched.tolist() == [True, False, False, False]  # a wrong token; an OOV reference; no real token
    assert teacher_forced_sentence_match(_one_hot_logits(predicted, 8), targets, unknown_id=None).tolist()[2]
    assert teacher_forced_token_accuracy(_one_hot_logits(predicted, 8), targets) == pytest.approx(8 / 9)
    with pytest.raises(ValueError):
        teacher_forced_sentence_match(np.zeros((2, 3)), targets)


@pytest.mark.parametrize("seed", range(6))
def test_teacher_forced_match_is_greedy_exact_match(seed):
    """With greedy decoding, a sentence is right free-running exactly when it is right under teacher forcing."""
    vocab, max_len, batch = 3, 4, 40
    model = TinyModel(vocab, max_len, seed, sharpness=3.0)
    greedy = decoding.greedy_search(model.step, model.initial_state(batch), batch, START, END, max_len)
    rng = np.random.default_rng(seed)
    for row in range(batch):
        # a reference: the greedy output itself, or a random sequence ending with END
        length = int(rng.integers(1, max_len))
        reference = list(greedy.tokens[row]) if rng.uniform() < 0.5 else [int(t) for t in rng.integers(2, vocab, length)]
        if len(reference) + 1 > max_len:
            continue
        sequence = reference + [END]
        state, token, logits = model.initial_state(1, offset=row), np.array([START]), []
        for target in sequence:  # teacher forcing: feed the reference prefix
            log_probs, state = model.step(token, state)
            logits.append(np.concatenate([[-np.inf], log_probs[0]]))  # id 0 is padding: shift tokens by one
            token = np.array([target])
        match = teacher_forced_sentence_match(np.array([logits]), np.array([sequence]) + 1, unknown_id=None)[0]
        assert match == (list(greedy.tokens[row]) == reference)


def test_compounding_prediction():
    assert compounding_prediction(1.0, [3, 7]) == 1.0
    assert compounding_prediction(0.9, [1, 2]) == pytest.approx((0.9 + 0.81) / 2)
    with pytest.raises(ValueError):
        compounding_prediction(1.2, [3])
    with pytest.raises(ValueError):
        compounding_prediction(0.5, [])


def test_sparse_cross_entropy_and_masked_loss():
    logits = np.log(np.array([[[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]]))
    losses = sparse_cross_entropy(logits, np.array([[0, 1]]))
    assert losses == pytest.approx(np.array([[np.log(2), -np.log(0.8)]]))
    assert masked_token_loss(losses, np.array([[1, 0]]), 2) == pytest.approx(np.log(2) / 2)
    with pytest.raises(ValueError):
        masked_token_loss(losses, np.array([1, 0]), 1)


def test_keras_divides_a_masked_loss_by_the_non_padding_decoder_inputs():
    """What chapter 08 states: with a masked target embedding, Keras's loss is sum(w * loss) / (non-padding inputs)."""
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    target_in = keras.Input((None,), dtype="int32")
    states = keras.layers.GRU(4, return_sequences=True)(keras.layers.Embedding(9, 3, mask_zero=True)(target_in))
    model = keras.Model(target_in, keras.layers.Dense(9)(states))
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    sentences = [[1, 4, 5, 6, 2], [1, 7, 2], [1, 3, 8, 2]]  # [start] ... [end], padded to 5
    full = np.array([s + [0] * (5 - len(s)) for s in sentences])
    y_in, y_out = full[:, :-1], full[:, 1:]
    weights = (y_out > 0).astype("float32")
    reported = model.evaluate(y_in, y_out, sample_weight=weights, batch_size=3, verbose=0)
    losses = sparse_cross_entropy(model.predict_on_batch(y_in), y_out)
    assert (y_in > 0).sum() == weights.sum() + 2  # two sentences are shorter than the padded length
    assert reported == pytest.approx(masked_token_loss(losses, weights, (y_in > 0).sum()), rel=1e-4)
    assert reported != pytest.approx(masked_token_loss(losses, weights, weights.sum()), rel=1e-3)
