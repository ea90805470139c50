"""Chapter 07 helpers: per-phenomenon accuracy, negated sentiment words, the compositional split, occlusion.

What the learner should read (vectorisation, models, training loops) stays in the notebook; this module holds
the bookkeeping that the chapter's tables rest on, tested in ``tests/course_utils/test_sentiment.py``:

* :func:`accuracy_by_tag` and :func:`confusion_by_tag`: accuracy and confusion counts overall and per tag.
* :func:`negated_words`: which sentiment words a review of the offline grammar negates (its clause rule).
* :func:`compositional_split`: hold out the *negated* forms of a fraction of the sentiment words.
* :func:`masked_mean` and :func:`occlusion_importance`: the solutions of the chapter's two exercises.
* :func:`importance_html`: word importances rendered as coloured text (a colour-blind-safe blue/orange scale).
* :func:`has_and_clause`: whether a review holds the grammar's "<negated clause>, and <un-negated clause>" sentence.
* :func:`tuned_bag_of_words`: TF-IDF over 1-2-grams and logistic regression, ``C`` chosen on validation.
* :func:`nested_subsets` and :func:`learning_curve`: accuracy against training-set size.
* :func:`predict_saved`: load a saved ``.keras`` text model in a fresh process and predict (``python -m
  course_utils.sentiment MODEL TEXTS_JSON`` is that process).
"""
from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass

import numpy as np

from course_utils.datasets.corpora.reviews import NEGATIVE_VERBS, PHENOMENA, POSITIVE_VERBS, sentiment_vocabulary
from course_utils.datasets.text_classification import TextClassificationData, TextSplit

NEGATORS = ("not", "nobody", "never", "no")
_CLAUSE_BREAK = re.compile(r"[.,;:!?]")
_WORD = re.compile(r"[a-zé'-]+")
# Past forms of the grammar's verbs map to their base form: "loved" and "love" are one sentiment word.
LEMMA = {past: base for base, past in POSITIVE_VERBS + NEGATIVE_VERBS}


def _check_lengths(predictions, labels, tags=None):
    predictions, labels = np.asarray(predictions).reshape(-1), np.asarray(labels).reshape(-1)
    if predictions.shape != labels.shape:
        raise ValueError(f"predictions and labels must have the same length, got {predictions.shape[0]} and {labels.shape[0]}")
    if tags is not None and len(tags) != len(labels):
        raise ValueError(f"tags must have one entry per label, got {len(tags)} tags for {len(labels)} labels")
    return predictions, labels


def accuracy_by_tag(predictions, labels, tags, order=PHENOMENA) -> dict:
    """Accuracy overall and per tag: ``{"overall": a, "plain": a, ...}`` (tags in ``order`` that occur).

    ``predictions``: predicted labels (0/1), shape ``(N,)``; ``labels``: true labels ``(N,)``; ``tags``: N strings.
    """
    predictions, labels = _check_lengths(predictions, labels, tags)
    tags = np.asarray(tags)
    result = {"overall": float(np.mean(predictions == labels))}
    for tag in list(order) + sorted(set(tags) - set(order)):
        chosen = tags == tag
        if chosen.any():
            result[tag] = float(np.mean(predictions[chosen] == labels[chosen]))
    return result


def confusion_by_tag(predictions, labels, tags, order=PHENOMENA):
    """A pandas DataFrame, one row per tag: reviews, true/false negatives/positives, accuracy."""
    import pandas as pd

    predictions, labels = _check_lengths(predictions, labels, tags)
    tags = np.asarray(tags)
    rows = []
    for tag in [t for t in order if (tags == t).any()]:
        p, y = predictions[tags == tag], labels[tags == tag]
        rows.append({"tag": tag, "reviews": int(len(y)),
                     "negative -> negative": int(np.sum((y == 0) & (p == 0))),
                     "negative -> positive": int(np.sum((y == 0) & (p == 1))),
                     "positive -> negative": int(np.sum((y == 1) & (p == 0))),
                     "positive -> positive": int(np.sum((y == 1) & (p == 1))),
                     "accuracy": float(np.mean(p == y))})
    return pd.DataFrame(rows).set_index("tag")


def negated_words(text: str, vocabulary: dict | None = None) -> list:
    """Sentiment words of ``text`` that a negation has in its scope, as lemmas (verbs in their base form).

    The offline grammar's rule: a negation ("not", "nobody", ...) scopes over its own clause, and clauses end at
    punctuation. So a sentiment word is negated when its clause holds a negator. Neutral sentences hold negators
    but no sentiment words, and attributed opinions are never negated. Returns the lemmas in order of appearance.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    vocabulary = sentiment_vocabulary() if vocabulary is None else vocabulary
    found = []
    for clause in _CLAUSE_BREAK.split(text.lower()):
        words = _WORD.findall(clause)
        if any(w in NEGATORS for w in words):
            found += [LEMMA.get(w, w) for w in words if w in vocabulary]
    return found


def negatable_lemmas() -> list:
    """Every sentiment lemma of the grammar (adjectives, verbs in base form, nouns), sorted."""
    return sorted({LEMMA.get(w, w) for w in sentiment_vocabulary()})


@dataclass
class CompositionalSplit:
    """Training and validation data without the negated forms of ``held_out`` words, and two test sets.

    ``novel``: reviews (from any split; none is in training) that negate held-out words only.
    ``control``: test reviews that negate only words whose negated forms the training data contains.
    """

    held_out: list
    train: TextSplit
    val: TextSplit
    novel: TextSplit
    control: TextSplit
    removed: int


def _subset(split: TextSplit, keep) -> TextSplit:
    keep = list(keep)
    return TextSplit([split.texts[i] for i in keep], split.labels[keep], [split.tags[i] for i in keep])


def compositional_split(data: TextClassificationData, fraction: float = 0.2, seed: int = 0) -> CompositionalSplit:
    """Hold out the negated forms of ``fraction`` of the sentiment lemmas of each polarity (chosen by ``seed``).

    Every review that negates a held-out word leaves training and validation; those negating held-out words only
    form the ``novel`` test set (from all three splits, as none of them is trained on). Reviews mixing held-out and
    seen negations are dropped. The held-out words still occur un-negated in training.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    vocabulary = sentiment_vocabulary()
    rng = random.Random(seed)
    held_out = []
    for polarity in (1, -1):
        lemmas = [w for w in negatable_lemmas() if vocabulary[w][0] == polarity]
        held_out += rng.sample(lemmas, max(1, round(fraction * len(lemmas))))
    held = set(held_out)

    def kinds(split):
        found = [set(negated_words(t, vocabulary)) for t in split.texts]
        return ([i for i, w in enumerate(found) if not (w & held)],          # trainable
                [i for i, w in enumerate(found) if w and w <= held],           # novel negations only
                [i for i, w in enumerate(found) if w and not (w & held)])      # seen negations only

    train_keep, train_novel, _ = kinds(data.train)
    val_keep, val_novel, _ = kinds(data.val)
    _, test_novel, test_control = kinds(data.test)
    novel_parts = [_subset(data.train, train_novel), _subset(data.val, val_novel), _subset(data.test, test_novel)]
    novel = TextSplit(sum((p.texts for p in novel_parts), []), np.concatenate([p.labels for p in novel_parts]),
                      sum((p.tags for p in novel_parts), []))
    removed = len(data.train) - len(train_keep) + len(data.val) - len(val_keep)
    return CompositionalSplit(sorted(held_out), _subset(data.train, train_keep), _subset(data.val, val_keep),
                              novel, _subset(data.test, test_control), removed)


def masked_mean(values, mask):
    """Mean over time of ``values`` (B, T, d) counting only the steps where ``mask`` (B, T) is true -> (B, d).

    Every row of ``mask`` must have at least one true step.
    """
    values = np.asarray(values, dtype=float)
    mask = np.asarray(mask).astype(bool)
    if values.ndim != 3 or mask.shape != values.shape[:2]:
        raise ValueError(f"values must be (B, T, d) and mask (B, T); got {values.shape} and {mask.shape}")
    counts = mask.sum(axis=1, keepdims=True)
    if np.any(counts == 0):
        raise ValueError("every row of mask needs at least one true (real) step")
    return (values * mask[:, :, None]).sum(axis=1) / counts


def occlusion_importance(predict, words):
    """Occlusion importance of each word: p(text) - p(text without that one word), shape ``(len(words),)``.

    ``predict``: takes a list of strings, returns one probability (of the positive class) per string.
    ``words``: the review as a list of words. Positive importance: the word pushed the prediction up.
    Only the occurrence at position i is removed; the other words keep their order.
    """
    words = list(words)
    texts = [" ".join(words)] + [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    probabilities = np.asarray(predict(texts), dtype=float).reshape(-1)
    if probabilities.shape[0] != len(texts):
        raise ValueError(f"predict returned {probabilities.shape[0]} probabilities for {len(texts)} texts")
    return probabilities[0] - probabilities[1:]


def importance_html(words, scores, scale: float | None = None) -> str:
    """HTML of ``words`` coloured by ``scores``: blue pushes towards positive, orange towards negative.

    ``scale``: the score shown at full colour (default: the largest absolute score). Blue/orange is readable
    with the common colour-vision deficiencies.
    """
    scores = np.asarray(scores, dtype=float).reshape(-1)
    if len(scores) != len(words):
        raise ValueError(f"got {len(words)} words but {len(scores)} scores")
    scale = float(np.max(np.abs(scores))) if scale is None else float(scale)
    scale = scale if scale > 0 else 1.0
    spans = []
    for word, score in zip(words, scores):
        strength = min(abs(score) / scale, 1.0)
        rgb = (33, 102, 172) if score > 0 else (230, 97, 1)
        spans.append(f'<span title="{score:+.3f}" style="background: rgba({rgb[0]},{rgb[1]},{rgb[2]},{strength:.2f}); '
                     f'padding: 1px 2px; border-radius: 3px">{html.escape(word)}</span>')
    return " ".join(spans)


_NEGATION_FORMS = [("nobody could call", "'nobody could call the X <adj>'"), ("did not find", "'I did not find the X <adj>'"),
                   ("is not a", "'the film is not a <noun>'"), ("did not", "'I did not <verb> the X'"),
                   ("was not", "'the X was not <adj>'"), ("were not", "'the X was not <adj>'")]
_CONTRAST_FORMS = [("despite", "'despite the <adj> X, B'"), ("although", "'although A, B'"),
                   ("however", "'A; however, B'"), ("but", "'A, but B'")]


def error_cause(text: str, tag: str, max_tokens: int | None = None) -> str:
    """A short description of the construction a review of the offline grammar rests on, to group errors by.

    ``negation``: the form of the first negated opinion; ``contrast``: the connective; ``long-distance``: its
    length (and whether ``max_tokens`` truncates it); ``plain``: whether a softener or intensifier modifies a word.
    """
    lowered = text.lower()
    if tag == "negation":
        for clause in _CLAUSE_BREAK.split(lowered):
            if negated_words(clause):
                for key, form in _NEGATION_FORMS:
                    if key in clause:
                        return f"negation: {form}"
        return "negation: other form"
    if tag == "contrast":
        for key, form in _CONTRAST_FORMS:
            if re.search(rf"\b{key}\b", lowered):
                return f"contrast: {form}"
        return "contrast: other form"
    if tag == "long-distance":
        n = len(text.split())
        if max_tokens is not None and n > max_tokens:
            return f"long-distance: truncated (over {max_tokens} words)"
        return f"long-distance: {'150-199' if n < 200 else '200-249' if n < 250 else '250 or more'} words"
    if tag == "plain":
        from course_utils.datasets.corpora.reviews import INTENSIFIERS, SOFTENERS

        if any(re.search(rf"\b{s}\b", lowered) for s in SOFTENERS if s != "quite"):
            return "plain: with a softener"
        if any(re.search(rf"\b{s}\b", lowered) for s in INTENSIFIERS):
            return "plain: with an intensifier"
        return "plain: bare opinions"
    return tag


# ------------------------------------------------------------------------- the compositional split's confound

def has_and_clause(text: str) -> bool:
    """Whether ``text`` holds ", and ": in the offline grammar only a negation review's "<negated clause>, and
    <un-negated clause>." sentence does, and its second clause has the label's polarity un-negated, so such a review
    can be classified without reading the negation."""
    return ", and " in text


# ------------------------------------------------------------------------- the tuned bag-of-words baseline

C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0)


@dataclass
class TunedBagOfWords:
    """A fitted TF-IDF + logistic-regression classifier and how its ``C`` was chosen.

    ``validation``: validation accuracy for each ``C`` of the grid; ``C``: the chosen one (the highest validation
    accuracy, the smallest ``C`` on ties)."""

    vectorizer: object
    classifier: object
    C: float
    validation: dict

    def predict(self, texts) -> np.ndarray:
        """Predicted labels (0 or 1) of a list of strings."""
        return self.classifier.predict(self.vectorizer.transform(list(texts)))

    def accuracy(self, split: TextSplit) -> float:
        """Accuracy on a :class:`TextSplit`."""
        return float(np.mean(self.predict(split.texts) == np.asarray(split.labels)))


def tuned_bag_of_words(train: TextSplit, val: TextSplit, *, ngrams=(1, 2), grid=C_GRID, seed: int = 0) -> TunedBagOfWords:
    """TF-IDF features of 1-2-grams (``ngrams``, vocabulary from ``train`` only) and a logistic regression whose
    inverse regularisation ``C`` (solver liblinear) is chosen from ``grid`` by accuracy on ``val``; returns the classifier fitted on
    ``train`` with that ``C``. Logistic regression is convex: ``seed`` changes nothing but is passed on."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if not grid:
        raise ValueError("grid must hold at least one value of C")
    vectorizer = TfidfVectorizer(ngram_range=tuple(ngrams))
    x_train, x_val = vectorizer.fit_transform(train.texts), None
    x_val = vectorizer.transform(val.texts)
    fitted, validation = {}, {}
    for C in grid:
        classifier = LogisticRegression(C=float(C), solver="liblinear", max_iter=5000, random_state=seed).fit(x_train, train.labels)
        fitted[float(C)] = classifier
        validation[float(C)] = float(np.mean(classifier.predict(x_val) == np.asarray(val.labels)))
    best = max(validation.values())
    chosen = min(C for C, accuracy in validation.items() if accuracy == best)
    return TunedBagOfWords(vectorizer, fitted[chosen], chosen, validation)


# ------------------------------------------------------------------------- learning curves

def nested_subsets(split: TextSplit, sizes, seed: int = 0) -> dict:
    """``size -> TextSplit`` of the first ``size`` examples of one seeded permutation of ``split``, so each subset
    contains the smaller ones (a learning curve then adds data, it does not redraw it). Each subset keeps the
    examples in their order in ``split``: the subset of every example is ``split`` itself."""
    sizes = [int(n) for n in sizes]
    if any(n < 1 or n > len(split) for n in sizes):
        raise ValueError(f"sizes must lie between 1 and {len(split)}, got {sizes}")
    order = np.random.default_rng(seed).permutation(len(split))
    return {n: _subset(split, np.sort(order[:n])) for n in sizes}


def learning_curve(fit_and_score, train: TextSplit, sizes, seed: int = 0) -> dict:
    """``size -> fit_and_score(subset)`` for the nested subsets of ``train`` (:func:`nested_subsets`);
    ``fit_and_score`` trains on the subset it is given and returns a number (e.g. test accuracy)."""
    return {n: float(fit_and_score(subset)) for n, subset in nested_subsets(train, sizes, seed).items()}


# ------------------------------------------------------------------------- a saved model, in a fresh process

def predict_saved(path, texts, time_limit: float = 300.0) -> np.ndarray:
    """Load the ``.keras`` model at ``path`` (raw strings in, probabilities out) in a fresh Python process, as a
    learner would after the notebook has ended, and return its probabilities for ``texts``."""
    import json

    from course_utils.measure import fresh_process

    answer = fresh_process.run("course_utils.sentiment", str(path), json.dumps(list(texts)), time_limit=time_limit,
                               threads=1, label="load the saved sentiment model")
    return np.asarray(answer["probabilities"], dtype=float)


def _main(argv) -> None:
    import json

    import keras
    import tensorflow as tf

    from course_utils.measure import fresh_process

    path, texts = argv[0], json.loads(argv[1])
    model = keras.models.load_model(path)
    probabilities = model.predict(tf.constant(texts)[:, None], verbose=0)[:, 0]
    fresh_process.answer({"probabilities": [float(p) for p in probabilities]})


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
