"""course_utils.seq2seq: chapter 08's tokenisation (round trip), the vectorised pairs, greedy decoding and exact
match, on a small slice of the offline phrase corpus."""
import numpy as np
import pytest

from course_utils import config, seq2seq

config.import_tensorflow()
import keras  # noqa: E402


def test_tokenize_splits_digits_and_symbols_and_detokenize_gives_the_string_back():
    assert seq2seq.tokenize("MX$383.96") == ["MX", "##$", "##3", "##8", "##3", "##.", "##9", "##6"]
    for text in ("sáb, 24 de septiembre de 2078", "10:22 AM", "a_b  c", ""):
        assert seq2seq.detokenize(seq2seq.tokenize(text)) == " ".join(text.split())


@pytest.fixture(scope="module")
def pipe():
    from course_utils.datasets import load_translation_pairs

    return seq2seq.vectorise(load_translation_pairs(source="offline", size=400, seed=0), train_pairs=200,
                             test_pairs=30)


def test_vectorise_shifts_the_target_by_one_step_and_keeps_the_references(pipe):
    source, target_in, target_out = pipe["arrays"]["train"]
    assert len(source) == len(target_in) == 200 and len(pipe["arrays"]["test"][0]) == len(pipe["references"]) == 30
    assert (target_in[:, 0] == pipe["start_id"]).all()
    np.testing.assert_array_equal(target_in[:, 1:], target_out[:, :-1])
    assert target_in.shape[1] == pipe["max_len"] and (target_out == pipe["end_id"]).any(1).all()


class _Teacher:
    """A 'model' that outputs, at step t, the reference's token t of each row: greedy decoding must return it."""

    def __init__(self, targets, vocabulary_size):
        self.targets, self.vocabulary_size = targets, vocabulary_size

    def predict_on_batch(self, inputs):
        source, prefix = inputs
        logits = np.zeros(prefix.shape + (self.vocabulary_size,))
        rows = np.arange(len(source))[:, None]
        logits[rows, np.arange(prefix.shape[1])[None], self.targets[:, : prefix.shape[1]]] = 1
        return logits


def test_greedy_decoding_of_a_perfect_model_misses_only_the_references_with_an_unknown_token(pipe):
    targets = pipe["arrays"]["test"][2]
    without_unknown = float(np.mean([(row != 1).all() for row in targets]))  # id 1: [UNK], never reproducible
    assert 0 < without_unknown < 1  # (200 training pairs leave some test tokens out of the vocabulary)
    assert seq2seq.exact_match(_Teacher(targets, pipe["target_vocab_size"]), pipe) == without_unknown


def test_the_gru_translator_has_chapter_08s_layers(pipe):
    keras.utils.set_random_seed(0)
    model = seq2seq.gru_attention_translator(pipe["source_vocab_size"], pipe["target_vocab_size"])
    names = [layer.name for layer in model.layers]
    assert {"encoder", "decoder", "attention", "query_projection", "key_projection", "next_token"} <= set(names)
    source, target_in, _ = pipe["arrays"]["test"]
    assert np.asarray(model([source, target_in])).shape == target_in.shape + (pipe["target_vocab_size"],)
    assert 0 <= seq2seq.exact_match(model, pipe) <= 1
