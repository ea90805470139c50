"""Chapter 07: masked mean pooling over time, occlusion importance of the words of one review, and a model (the
bidirectional GRU classifier, checked by behaviour: layers, sizes, padding, loss and accuracy, learning)."""
from __future__ import annotations

import numpy as np

from course_utils import sentiment
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register
from course_utils.exercises.models import (
    CompiledLoss, LayerGraph, Learns, LossSpec, ModelCase, OutputShape, PaddingInvariance, ParameterCount,
    model_exercise,
)


def _pooling_cases(seed: int = 70, B: int = 3, T: int = 5, d: int = 2) -> list:
    """The cases; other seeds and sizes give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(B, T, d))
    lengths = rng.integers(1, max(T, 2), size=B)  # shorter than T ...
    lengths[0] = T  # ... except the first row, so rows differ in length
    ragged = np.arange(T)[None, :] < lengths[:, None]
    pre = ragged[:, ::-1].copy()
    return [
        Case("no padding", "the plain mean over time (axis 1, not the batch or the features) when every step is real",
             {"values": values, "mask": np.ones((B, T), dtype=bool)}),
        Case("same length, padded", "that padded steps are left out of the sum AND of the count (half the steps are real)",
             {"values": values, "mask": np.tile(np.arange(T) < max(1, T // 2), (B, 1))}),
        Case("different lengths", "that each review is divided by its own number of real steps",
             {"values": values, "mask": ragged}),
        Case("pre-padding, 0/1 mask", "that the mask's position does not matter and a 0/1 integer mask works too",
             {"values": values, "mask": pre.astype("int32")}),
    ]


def _pool_all_steps(values, mask):
    """Mistake: the mean over all T steps, padding included."""
    return np.asarray(values, dtype=float).mean(axis=1)


def _masked_sum(values, mask):
    return (np.asarray(values, dtype=float) * np.asarray(mask).astype(bool)[:, :, None]).sum(axis=1)


def _pool_divide_by_T(values, mask):
    """Mistake: padding out of the sum, but the count is T."""
    return _masked_sum(values, mask) / np.asarray(values).shape[1]


def _pool_sum_only(values, mask):
    """Mistake: the masked sum, not divided."""
    return _masked_sum(values, mask)


def _pool_batch_count(values, mask):
    """Mistake: divided by the number of real steps of the whole batch."""
    return _masked_sum(values, mask) / np.asarray(mask).astype(bool).sum()


POOLING_MISTAKES = (
    Variant("that is the mean over all T steps: padded steps must not count (multiply by the mask first).", _pool_all_steps),
    Variant("the padded steps are out of the sum but still in the count: divide by the number of real steps per review.",
            _pool_divide_by_T),
    Variant("that is the masked sum; divide it by the number of real steps of each review.", _pool_sum_only),
    Variant("you divided by the number of real steps in the whole batch; each review needs its own count (sum over axis 1).",
            _pool_batch_count),
)


# Toy predict functions: each maps a list of strings to one probability per string.
_LEXICON = {"good": 2.0, "great": 3.0, "bad": -2.0, "dull": -1.5, "plot": 0.2, "the": 0.0, "was": 0.0, "not": 0.0}


def lexicon_predict(texts):
    """Sigmoid of the summed word scores of a small lexicon: a bag of words."""
    return np.array([1 / (1 + np.exp(-sum(_LEXICON.get(w, 0.0) for w in t.split()))) for t in texts])


def negation_predict(texts):
    """Like :func:`lexicon_predict`, but "not" flips the score of the next word: word order matters."""
    out = []
    for text in texts:
        words, total = text.split(), 0.0
        for i, word in enumerate(words):
            score = _LEXICON.get(word, 0.0)
            total += -score if i > 0 and words[i - 1] == "not" else score
        out.append(1 / (1 + np.exp(-total)))
    return np.array(out)


def _occlusion_cases() -> list:
    return [
        Case("bag of words", "the sign: importance = p(full text) - p(text without the word), positive for 'good'",
             {"predict": lexicon_predict, "words": ["the", "plot", "was", "good"]}),
        Case("a repeated word", "that only the occurrence at position i is removed, not every copy of the word",
             {"predict": lexicon_predict, "words": ["good", "and", "good", "but", "dull"]}),
        Case("word order", "that the other words keep their order: removing 'not' un-flips 'dull'",
             {"predict": negation_predict, "words": ["the", "plot", "was", "not", "dull", "and", "great"]}),
    ]


def _occlusion_reversed(predict, words):
    """Mistake: p(without the word) - p(full text)."""
    return -sentiment.occlusion_importance(predict, words)


def _occlusion_probabilities(predict, words):
    """Mistake: the probabilities without each word, not their difference to the full text."""
    words = list(words)
    return np.asarray(predict([" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]), dtype=float)


def _occlusion_all_copies(predict, words):
    """Mistake: every copy of the word removed, not only the one at position i."""
    words = list(words)
    full = np.asarray(predict([" ".join(words)]), dtype=float)[0]
    return np.array([full - np.asarray(predict([" ".join(w for w in words if w != word)]), dtype=float)[0] for word in words])


OCCLUSION_MISTAKES = (
    Variant("these are the probabilities without each word; subtract them from the probability of the full text.",
            _occlusion_probabilities),
    Variant("every copy of the word was removed; remove only the word at position i.", _occlusion_all_copies),
)


register(Exercise("masked_mean_pooling", "Mean over time that ignores padded steps", sentiment.masked_mean,
                  _pooling_cases, variants=POOLING_MISTAKES, atol=1e-5, rtol=1e-5,
                  mistakes=[Mistake(_pool_all_steps, "same length, padded", "all T steps"),
                            Mistake(_pool_sum_only, "no padding", "masked sum")]))
register(Exercise("occlusion_importance", "Occlusion importance of each word of a review",
                  sentiment.occlusion_importance, _occlusion_cases, variants=OCCLUSION_MISTAKES, atol=1e-6, rtol=1e-5,
                  # a reversed sign gets no hint: it cannot be told from other sign errors (e.g. -1 x the answer)
                  mistakes=[Mistake(_occlusion_reversed, "bag of words", "differs"),
                            Mistake(_occlusion_probabilities, "bag of words", "subtract them")]))


# ------------------------------------------------------------------------- a model: the bidirectional classifier

def build_classifier(vocab_size, embedding_dim, units, learning_rate):
    """The chapter's bidirectional GRU review classifier: token ids (0 = padding) -> Embedding (masked) ->
    Bidirectional(GRU) -> probability that the review is positive.

    vocab_size: number of token ids, padding id 0 included. embedding_dim: size of each token's vector.
    units: size of the hidden state of each direction. learning_rate: Adam's learning rate.
    Returns a keras.Model compiled with Adam(learning_rate), binary cross-entropy and the accuracy metric, that maps
    token ids of shape (B, T), any T, to probabilities of shape (B, 1).
    """
    import keras

    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),  # any number of time steps
        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True),  # id 0 is padding: masked out
        # a forward and a backward GRU, both skipping the padded steps; their final states side by side (2 * units)
        keras.layers.Bidirectional(keras.layers.GRU(units)),
        keras.layers.Dense(1, activation="sigmoid"),  # the probability of "positive"
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def _binary_cross_entropy(keras, y, p):
    return np.mean(keras.ops.convert_to_numpy(keras.losses.binary_crossentropy(y, p)))


def _squared_error(keras, y, p):
    return np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2)


def _cross_entropy_on_logits(keras, y, p):
    return np.mean(keras.ops.convert_to_numpy(keras.losses.binary_crossentropy(y, p, from_logits=True)))


def _accuracy(keras, y, p):
    return np.mean((np.asarray(p) > 0.5) == (np.asarray(y) > 0.5))


BCE = LossSpec("binary cross-entropy of its outputs", _binary_cross_entropy, "loss='binary_crossentropy'")
CLASSIFIER_WRONG_LOSSES = (
    LossSpec("mean squared error", _squared_error, "the loss of a probability against a 0/1 label is the binary "
             "cross-entropy: loss='binary_crossentropy', not 'mse'."),
    LossSpec("binary cross-entropy of the outputs read as logits", _cross_entropy_on_logits,
             "the sigmoid already gives probabilities: use loss='binary_crossentropy' without from_logits=True."),
)
ACCURACY = LossSpec("accuracy", _accuracy, "metrics=['accuracy']")
BIDIRECTIONAL_MASK_HINT = ("the model reads the appended padding as input (the backward GRU even reads it first): "
                           "create the Embedding with mask_zero=True, so that both directions skip padded steps.")


def _classifier_cases(seed: int = 0) -> list:
    """The cases; another seed gives other batches and other initial weights of the same design."""
    from course_utils.exercises.warmup import _token_batch

    rng = np.random.default_rng(seed)
    small = {"vocab_size": 12, "embedding_dim": 3, "units": 4, "learning_rate": 0.05}
    other = {"vocab_size": 20, "embedding_dim": 2, "units": 5, "learning_rate": 0.05}
    x_small, x_other = _token_batch(rng, 4, 6, 12), _token_batch(rng, 3, 5, 20)
    x_train = _token_batch(rng, 8, 6, 12)
    y_train = rng.permutation([0.0, 1.0] * 4).astype("float32")[:, None]
    return [
        ModelCase("the layers", "the layers and their order: Embedding -> Bidirectional(GRU) -> Dense(1, "
                  "activation='sigmoid')", small,
                  checks=(LayerGraph({"Bidirectional": ("merge_mode",), "Dense": ("units", "activation")}),), seed=seed),
        ModelCase("sizes 12, 3, 4", "the sizes: the parameter count (261 here: two GRUs of 4 units, and a Dense layer "
                  "reading their 8 values) and the output shape (B, 1)",
                  small, checks=(ParameterCount(x_small), OutputShape(x_small)), seed=seed),
        ModelCase("sizes 20, 2, 5", "that the sizes come from the arguments, not from numbers written in the code",
                  other, checks=(ParameterCount(x_other), OutputShape(x_other)), seed=seed),
        ModelCase("padding appended", "that padding is ignored in both directions: three more 0 ids at the end of "
                  "every review leave the outputs unchanged", small,
                  checks=(PaddingInvariance(x_small, extra=3, hint=BIDIRECTIONAL_MASK_HINT),), seed=seed),
        ModelCase("loss and accuracy", "the compile step: the reported loss is the binary cross-entropy of the "
                  "outputs, and the accuracy is reported too", small,
                  checks=(CompiledLoss(x_train, y_train, BCE, metrics=(ACCURACY,), wrong=CLASSIFIER_WRONG_LOSSES),),
                  seed=seed),
        ModelCase("learns on 8 reviews", "that the compiled model learns: 15 steps on 8 reviews at least halve the loss",
                  small, checks=(Learns(x_train, y_train, steps=15, factor=2.0),), seed=seed),
    ]


def _classifier_with(vocab_size, embedding_dim, units, learning_rate, mask_zero=True, recurrent=None,
                     return_sequences=False, loss="binary_crossentropy", metrics=("accuracy",)):
    """The reference model with one thing changed (the typical mistakes below)."""
    import keras

    recurrent = recurrent or keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=return_sequences))
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero), recurrent,
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss=loss, metrics=list(metrics))
    return model


def _classifier_one_direction(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: a plain GRU, not wrapped in Bidirectional."""
    import keras

    return _classifier_with(vocab_size, embedding_dim, units, learning_rate, recurrent=keras.layers.GRU(units))


def _classifier_lstm(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: a bidirectional LSTM instead of a bidirectional GRU."""
    import keras

    return _classifier_with(vocab_size, embedding_dim, units, learning_rate,
                            recurrent=keras.layers.Bidirectional(keras.layers.LSTM(units)))


def _classifier_fixed_sizes(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: the sizes of the first case written as numbers, the arguments ignored."""
    return _classifier_with(12, 3, 4, learning_rate)


def _classifier_sequences(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: the GRU returns every step's state (return_sequences=True): one output per time step."""
    return _classifier_with(vocab_size, embedding_dim, units, learning_rate, return_sequences=True)


def _classifier_no_mask(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: Embedding without mask_zero=True: both GRUs read the padding as words."""
    return _classifier_with(vocab_size, embedding_dim, units, learning_rate, mask_zero=False)


def _classifier_mse(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: compiled with the mean squared error."""
    return _classifier_with(vocab_size, embedding_dim, units, learning_rate, loss="mse")


def _classifier_no_metric(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: compiled without the accuracy metric."""
    return _classifier_with(vocab_size, embedding_dim, units, learning_rate, metrics=())


register(model_exercise(
    "build_classifier", "The bidirectional GRU review classifier: Embedding (masked) -> Bidirectional(GRU) -> Dense",
    build_classifier, _classifier_cases,
    mistakes=[
        Mistake(_classifier_one_direction, "the layers", "layer 2 is a GRU where the model needs a Bidirectional(GRU)"),
        Mistake(_classifier_lstm, "the layers", "a Bidirectional(LSTM) where the model needs a Bidirectional(GRU)"),
        Mistake(_classifier_sequences, "sizes 12, 3, 4", "return_sequences=False"),
        Mistake(_classifier_fixed_sizes, "sizes 20, 2, 5", "its Embedding layer has 36 parameters, expected 40"),
        Mistake(_classifier_no_mask, "padding appended", "mask_zero=True"),
        Mistake(_classifier_mse, "loss and accuracy", "not 'mse'"),
        Mistake(_classifier_no_metric, "loss and accuracy", "metrics=['accuracy']"),
    ],
))
