"""Chapter 12: BIO tags to entity spans and back, a token-level accuracy that leaves padded steps out, and a masked
BiLSTM tagger built in Keras (an exercise of kind "model", judged by behaviour)."""
from __future__ import annotations

import numpy as np

from course_utils import tagging
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register
from course_utils.exercises.models import (
    LayerGraph, Learns, ModelCase, OutputShape, PaddingInvariance, ParameterCount, model_exercise,
)
from course_utils.exercises.warmup import _token_batch  # token ids post-padded with 0

# ------------------------------------------------------------------------------------------- BIO -> spans


def _spans_cases(seed: int = 0) -> list:
    """Fixed sentences (the seed is not used: the design has no random part)."""
    return [
        Case("one entity of two tokens", "the span of a B- tag followed by an I- tag: (type, start, end), end exclusive",
             {"tags": ["O", "B-LOC", "I-LOC", "O"]}),
        Case("an entity at the end", "an entity still open when the sentence ends is closed there",
             {"tags": ["O", "O", "B-DATE", "I-DATE", "I-DATE"]}),
        Case("two entities side by side", "a B- tag starts a new entity even right after an entity of the same type",
             {"tags": ["B-LANGUAGE", "B-LANGUAGE", "I-LANGUAGE", "O"]}),
        Case("a change of type", "an I- tag of another type does not continue the entity: it starts a new one",
             {"tags": ["B-CURRENCY", "I-CURRENCY", "I-LOC", "O"]}),
        Case("an I- tag after O", "an I- tag after O starts an entity (conlleval and seqeval read it so)",
             {"tags": ["O", "I-MONEY", "I-MONEY", "O", "B-LOC"]}),
        Case("no entity", "a sentence without entities gives an empty list", {"tags": ["O", "O", "O"]}),
    ]


def _spans_end_inclusive(tags):
    return [(kind, start, end - 1) for kind, start, end in tagging.bio_to_spans(tags)]


def _spans_start_end_type(tags):
    return [(start, end, kind) for kind, start, end in tagging.bio_to_spans(tags)]


def _spans_b_only(tags):
    """Mistake: an entity starts only at a B- tag (a stray I- tag is dropped)."""
    spans, kind, start = [], None, 0
    for position, tag in enumerate(list(tags) + ["O"]):
        prefix, _, label = tag.partition("-")
        if kind is not None and not (prefix == "I" and label == kind):
            spans.append((kind, start, position))
            kind = None
        if prefix == "B":
            kind, start = label, position
    return spans


def _spans_merge_same_type(tags):
    """Mistake: B-X right after an entity of type X continues it."""
    return tagging.bio_to_spans([("I-" + t[2:]) if t.startswith("B-") and i and tags[i - 1][2:] == t[2:] else t
                                 for i, t in enumerate(tags)])


def _spans_ignore_type_change(tags):
    """Mistake: any I- tag continues the open entity, whatever its type."""
    spans, kind, start = [], None, 0
    for position, tag in enumerate(list(tags) + ["O"]):
        prefix, _, label = tag.partition("-")
        if kind is not None and prefix != "I":
            spans.append((kind, start, position))
            kind = None
        if prefix == "B" or (prefix == "I" and kind is None):
            kind, start = label, position
    return spans


SPANS_MISTAKES = (
    Variant("the end is exclusive, as in Python slices: tokens[start:end] are the entity's tokens.", _spans_end_inclusive),
    Variant("each span is (type, start, end), in that order.", _spans_start_end_type),
    Variant("an I- tag after O (or after another type) starts an entity; only B- starts one in your version.",
            _spans_b_only),
    Variant("a B- tag always starts a new entity, also right after an entity of the same type.", _spans_merge_same_type),
    Variant("an I- tag of another type ends the open entity and starts a new one.", _spans_ignore_type_change),
)


# ------------------------------------------------------------------------------------------- spans -> BIO

def _bio_cases(seed: int = 0) -> list:
    """Fixed spans (the seed is not used)."""
    return [
        Case("one entity", "B- on the first token of the entity, I- on the others, O elsewhere",
             {"spans": [("LOC", 1, 3)], "length": 5}),
        Case("two adjacent entities", "each entity opens with its own B-, also when one follows another directly",
             {"spans": [("LANGUAGE", 0, 1), ("LANGUAGE", 1, 3)], "length": 4}),
        Case("an entity of one token", "a one-token entity is a single B- tag; end is exclusive",
             {"spans": [("DATE", 2, 3)], "length": 4}),
        Case("no entity", "every token is O when there are no spans", {"spans": [], "length": 3}),
    ]


def _bio_end_inclusive(spans, length):
    return tagging.spans_to_bio([(k, s, min(e + 1, length)) for k, s, e in spans], length)


def _bio_all_b(spans, length):
    tags = ["O"] * length
    for kind, start, end in spans:
        tags[start:end] = [f"B-{kind}"] * (end - start)
    return tags


def _bio_io(spans, length):
    tags = ["O"] * length
    for kind, start, end in spans:
        tags[start:end] = [f"I-{kind}"] * (end - start)
    return tags


BIO_MISTAKES = (
    Variant("the end is exclusive: the entity covers positions start, ..., end - 1.", _bio_end_inclusive),
    Variant("only the first token of an entity is B-; the others are I-.", _bio_all_b),
    Variant("the first token of an entity is B-, not I-: without B- two adjacent entities cannot be told apart.",
            _bio_io),
)


# ------------------------------------------------------------------------------------------- masked accuracy

def _accuracy_cases(seed: int = 12, B: int = 3, T: int = 5) -> list:
    """The cases; other seeds and sizes give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    C = T + 2  # never equal to T, so an argmax over the wrong axis has the wrong shape
    y_true = rng.integers(1, C, size=(B, T))
    scores = rng.normal(size=(B, T, C))
    no_padding = np.ones((B, T), dtype=bool)
    lengths = rng.integers(1, T, size=B)  # every row padded ...
    padded = np.arange(T)[None, :] < lengths[:, None]
    padded_true = np.where(padded, y_true, 0)  # padded steps carry tag 0 ...
    padded_scores = scores.copy()
    padded_scores[~padded, 0] = 10.0  # ... and a model predicts tag 0 there: padding looks right
    padded_scores[0, 0, y_true[0, 0]] = 20.0  # one real token right ...
    padded_scores[1, 0] = 0.0
    padded_scores[1, 0, (y_true[1, 0] + 1) % C] = 20.0  # ... and one wrong
    ragged = np.zeros((B, T), dtype=bool)  # row 0 full and all right, the others one token each and wrong
    ragged[0], ragged[1:, 0] = True, True
    ragged_scores = -np.abs(scores)
    ragged_scores[0, np.arange(T), y_true[0]] = 5.0
    ragged_scores[1:, 0, 0] = 5.0
    ragged_scores[~ragged, 0] = 10.0  # padding predicted as tag 0 here too
    # Real tokens tagged 0 ("O", the commonest tag): y_true == 0 no longer means padding
    with_o = np.arange(T)[None, :] < rng.integers(2, T + 1, size=B)[:, None]  # at least two real tokens a row
    o_true = np.where(with_o, y_true, 0)
    o_true[:, 0] = 0  # every sentence starts with a real token tagged 0, predicted right ...
    o_scores = scores.copy()
    o_scores[:, 0, 0] = 20.0
    o_scores[0, 1] = 0.0
    o_scores[0, 1, (o_true[0, 1] + 1) % C] = 20.0  # ... and one other real token is predicted wrong
    o_scores[~with_o, 0] = 10.0
    return [
        Case("no padding", "the share of tokens whose highest-scoring tag (argmax over the last axis) is the true tag",
             {"y_true": y_true, "scores": scores, "mask": no_padding}),
        Case("padding predicted right", "that padded steps are left out of the count of correct tokens and of the "
             "number of tokens (here the model predicts the padding tag 0 at every padded step)",
             {"y_true": padded_true, "scores": padded_scores, "mask": padded}),
        Case("sentences of different lengths", "that every real token counts once: a long sentence weighs more than a "
             "short one (not the mean of per-sentence accuracies)",
             {"y_true": np.where(ragged, y_true, 0), "scores": ragged_scores, "mask": ragged}),
        Case("a 0/1 integer mask, probabilities", "that an integer mask and softmax probabilities work too",
             {"y_true": padded_true, "scores": np.exp(padded_scores) / np.exp(padded_scores).sum(-1, keepdims=True),
              "mask": padded.astype("int32")}),
        Case("real tokens tagged 0", "that the mask says which tokens are real, not the tag: tag 0 (\"O\") is also "
             "a real tag, and real tokens tagged 0 count", {"y_true": o_true, "scores": o_scores, "mask": with_o}),
    ]


def _accuracy_unmasked(y_true, scores, mask):
    return float((np.asarray(scores).argmax(-1) == np.asarray(y_true)).mean())


def _accuracy_over_all_steps(y_true, scores, mask):
    real = np.asarray(mask).astype(bool)
    return float(((np.asarray(scores).argmax(-1) == np.asarray(y_true)) & real).sum() / real.size)


def _accuracy_per_sentence(y_true, scores, mask):
    real = np.asarray(mask).astype(bool)
    correct = (np.asarray(scores).argmax(-1) == np.asarray(y_true)) & real
    return float((correct.sum(1) / real.sum(1)).mean())


def _accuracy_nonzero_tags(y_true, scores, mask):
    """Mistake: the padding found from the tags (y_true != 0) instead of the mask."""
    real = np.asarray(y_true) != 0
    return float(((np.asarray(scores).argmax(-1) == np.asarray(y_true)) & real).sum() / real.sum())


ACCURACY_MISTAKES = (
    Variant("padded steps were counted: leave them out of the correct tokens and of the number of tokens.",
            _accuracy_unmasked),
    Variant("divide by the number of real tokens (mask.sum()), not by all B * T steps.", _accuracy_over_all_steps),
    Variant("that is the mean of the sentences' accuracies; count every real token of the batch once instead.",
            _accuracy_per_sentence),
    Variant("use the mask to find the real tokens, not y_true != 0: tag 0 (\"O\") is also the tag of real tokens, "
            "and those count.", _accuracy_nonzero_tags),
)


def _accuracy_wrong_axis(y_true, scores, mask):
    real = np.asarray(mask).astype(bool)
    return float(((np.asarray(scores).argmax(1) == np.asarray(y_true)) & real).sum() / real.sum())


register(Exercise("bio_to_spans", "BIO tags to entity spans", tagging.bio_to_spans, _spans_cases,
                  variants=SPANS_MISTAKES))
register(Exercise("spans_to_bio", "Entity spans to BIO tags", tagging.spans_to_bio, _bio_cases, variants=BIO_MISTAKES))
register(Exercise("masked_token_accuracy", "Token accuracy without the padded steps", tagging.masked_token_accuracy,
                  _accuracy_cases, variants=ACCURACY_MISTAKES,
                  mistakes=[Mistake(_accuracy_wrong_axis, "no padding", "raised"),
                            Mistake(_accuracy_nonzero_tags, "real tokens tagged 0", "not y_true != 0")]))


# ------------------------------------------------------------------------------------------- a masked BiLSTM tagger

def masked_bilstm_tagger(vocab_size, n_tags, embedding_dim, units, learning_rate):
    """A BiLSTM tagger: token ids (0 = padding) -> Embedding (masked) -> Bidirectional(LSTM) -> one tag distribution
    per token.

    vocab_size: number of token ids, padding id 0 included. n_tags: number of tags. embedding_dim: size of each
    token's vector. units: size of each LSTM direction's state. learning_rate: Adam's learning rate.
    Returns a keras.Model compiled with Adam(learning_rate) and sparse categorical cross-entropy, that maps token
    ids of shape (B, T), any T, to tag probabilities of shape (B, T, n_tags).
    """
    import keras

    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),  # any sentence length
        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True),  # id 0 is padding: masked out
        keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True)),  # (B, T, 2 * units)
        keras.layers.Dense(n_tags, activation="softmax"),  # the same Dense at every step: (B, T, n_tags)
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="sparse_categorical_crossentropy")
    return model


def _tagger_cases(seed: int = 0) -> list:
    """The cases; another seed gives other sentences and other initial weights of the same design."""
    rng = np.random.default_rng(seed)
    small = {"vocab_size": 12, "n_tags": 5, "embedding_dim": 4, "units": 6, "learning_rate": 0.03}
    other = {"vocab_size": 20, "n_tags": 7, "embedding_dim": 3, "units": 5, "learning_rate": 0.03}
    x_small, x_other, x_train = _token_batch(rng, 4, 6, 12), _token_batch(rng, 3, 5, 20), _token_batch(rng, 8, 6, 12)
    y_train = np.where(x_train > 0, x_train % 5, 0).astype("int32")  # each word has its tag; padding tagged 0
    learns_hint = ("check the loss (sparse categorical cross-entropy: integer tag ids, one softmax per token) and the "
                   "optimizer and its learning rate (the exercise gives them).")
    return [
        ModelCase("the layers", "the layers and their order: Embedding -> Bidirectional(LSTM) -> Dense(n_tags, "
                  "activation='softmax')", small, checks=(LayerGraph({"Dense": ("units", "activation")}),), seed=seed),
        ModelCase("sizes 12, 5, 4, 6", "the sizes: the parameter count (641 here) and one tag distribution per token, "
                  "output shape (B, T, n_tags)", small, checks=(ParameterCount(x_small), OutputShape(x_small)), seed=seed),
        ModelCase("sizes 20, 7, 3, 5", "that the sizes come from the arguments, not from numbers written in the code",
                  other, checks=(ParameterCount(x_other), OutputShape(x_other)), seed=seed),
        ModelCase("padding appended", "that padding is ignored: three more 0 ids at the end of every sentence leave "
                  "the tag probabilities of its real tokens unchanged (the backward LSTM would read them first)",
                  small, checks=(PaddingInvariance(x_small, extra=3, per_step=True),), seed=seed),
        ModelCase("learns on 8 sentences", "that the compiled model learns: 20 steps on 8 sentences at least halve "
                  "the loss", small, checks=(Learns(x_train, y_train, steps=20, factor=2.0, hint=learns_hint),),
                  seed=seed),
    ]


def _tagger_with(vocab_size, n_tags, embedding_dim, units, learning_rate, mask_zero=True, bidirectional=True,
                 return_sequences=True, activation="softmax"):
    """The reference tagger with one thing changed (the typical mistakes below)."""
    import keras

    lstm = keras.layers.LSTM(units, return_sequences=return_sequences)
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero),
        keras.layers.Bidirectional(lstm) if bidirectional else lstm,
        keras.layers.Dense(n_tags, activation=activation),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="sparse_categorical_crossentropy")
    return model


def _tagger_one_direction(vocab_size, n_tags, embedding_dim, units, learning_rate):
    """Mistake: a plain LSTM, so the tag of a token cannot depend on the words after it."""
    return _tagger_with(vocab_size, n_tags, embedding_dim, units, learning_rate, bidirectional=False)


def _tagger_no_softmax(vocab_size, n_tags, embedding_dim, units, learning_rate):
    """Mistake: Dense without softmax: scores, while the loss expects probabilities."""
    return _tagger_with(vocab_size, n_tags, embedding_dim, units, learning_rate, activation=None)


def _tagger_last_state_only(vocab_size, n_tags, embedding_dim, units, learning_rate):
    """Mistake: return_sequences left False: one distribution per sentence instead of per token."""
    return _tagger_with(vocab_size, n_tags, embedding_dim, units, learning_rate, return_sequences=False)


def _tagger_fixed_sizes(vocab_size, n_tags, embedding_dim, units, learning_rate):
    """Mistake: the sizes of the first case written as numbers, the arguments ignored."""
    return _tagger_with(12, 5, 4, 6, learning_rate)


def _tagger_no_mask(vocab_size, n_tags, embedding_dim, units, learning_rate):
    """Mistake: Embedding without mask_zero=True: the backward LSTM reads the padding before the sentence."""
    return _tagger_with(vocab_size, n_tags, embedding_dim, units, learning_rate, mask_zero=False)


register(model_exercise(
    "masked_bilstm_tagger", "A Keras BiLSTM tagger: Embedding (masked) -> Bidirectional(LSTM) -> Dense(softmax)",
    masked_bilstm_tagger, _tagger_cases,
    mistakes=[
        Mistake(_tagger_one_direction, "the layers", "where the model needs a Bidirectional"),
        Mistake(_tagger_no_softmax, "the layers", "activation='softmax'"),
        Mistake(_tagger_last_state_only, "sizes 12, 5, 4, 6", "return_sequences=True"),
        Mistake(_tagger_fixed_sizes, "sizes 20, 7, 3, 5", "its Embedding layer has 48 parameters, expected 60"),
        Mistake(_tagger_no_mask, "padding appended", "mask_zero=True"),
    ],
))
