"""Chapter 07: masked mean pooling over time, and occlusion importance of the words of one review."""
from __future__ import annotations

import numpy as np

from course_utils import sentiment
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register


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
