"""Chapter 07: masked mean pooling over time, and occlusion importance of the words of one review."""
from __future__ import annotations

import numpy as np

from .. import sentiment
from .framework import Case, Exercise, register


def _pooling_cases() -> list:
    rng = np.random.default_rng(70)
    B, T, d = 3, 5, 2
    values = rng.normal(size=(B, T, d))
    lengths = np.array([2, 5, 3])
    ragged = np.arange(T)[None, :] < lengths[:, None]
    pre = ragged[:, ::-1].copy()
    return [
        Case("no padding", "the plain mean over time (axis 1, not the batch or the features) when every step is real",
             {"values": values, "mask": np.ones((B, T), dtype=bool)}),
        Case("same length, padded", "that padded steps are left out of the sum AND of the count: two real steps of five",
             {"values": values, "mask": np.tile(np.arange(T) < 2, (B, 1))}),
        Case("different lengths", "that each review is divided by its own number of real steps (2, 5 and 3 here)",
             {"values": values, "mask": ragged}),
        Case("pre-padding, 0/1 mask", "that the mask's position does not matter and a 0/1 integer mask works too",
             {"values": values, "mask": pre.astype("int32")}),
    ]


def _pooling_diagnose(expected, got, kwargs):
    got = np.asarray(got, dtype=float)
    values, mask = np.asarray(kwargs["values"], float), np.asarray(kwargs["mask"]).astype(bool)
    if got.shape != expected.shape:
        if got.shape == (values.shape[1], values.shape[2]) or got.shape == values.shape[:2]:
            return "average over the time axis (axis=1) of the (B, T, d) values; the result is (B, d)."
        return None
    masked_sum = (values * mask[:, :, None]).sum(axis=1)
    if np.allclose(got, values.mean(axis=1)):
        return "that is the mean over all T steps: padded steps must not count (multiply by the mask first)."
    if np.allclose(got, masked_sum / values.shape[1]):
        return "the padded steps are out of the sum but still in the count: divide by the number of real steps per review."
    if np.allclose(got, masked_sum):
        return "that is the masked sum; divide it by the number of real steps of each review."
    if np.allclose(got, masked_sum / mask.sum()):
        return "you divided by the number of real steps in the whole batch; each review needs its own count (sum over axis 1)."
    return None


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


def _occlusion_diagnose(expected, got, kwargs):
    got = np.asarray(got, dtype=float).reshape(-1)
    if got.shape != expected.shape:
        if got.shape[0] == expected.shape[0] + 1:
            return "return one score per word; leave out the probability of the full text itself."
        return None
    predict, words = kwargs["predict"], list(kwargs["words"])
    full = predict([" ".join(words)])[0]
    without = np.array([predict([" ".join(words[:i] + words[i + 1:])])[0] for i in range(len(words))])
    if np.allclose(got, -expected):
        return "the sign is reversed: importance is p(full text) minus p(text without the word)."
    if np.allclose(got, without):
        return "these are the probabilities without each word; subtract them from the probability of the full text."
    all_copies = np.array([full - predict([" ".join(w for w in words if w != words[i])])[0] for i in range(len(words))])
    if np.allclose(got, all_copies):
        return "every copy of the word was removed; remove only the word at position i."
    return None


register(Exercise("masked_mean_pooling", "Mean over time that ignores padded steps", sentiment.masked_mean,
                  _pooling_cases, diagnose=_pooling_diagnose, atol=1e-5, rtol=1e-5))
register(Exercise("occlusion_importance", "Occlusion importance of each word of a review",
                  sentiment.occlusion_importance, _occlusion_cases, diagnose=_occlusion_diagnose, atol=1e-6, rtol=1e-5))
