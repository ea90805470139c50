"""Chapter 07 helpers (course_utils.sentiment) and its exercises (course_utils.exercises.sentiment)."""
import collections
import re

import numpy as np
import pytest

from course_utils import datasets, sentiment
from course_utils.datasets.corpora import reviews
from course_utils.exercises import NOT_ATTEMPTED, PASSED, evaluate
from course_utils.exercises.sentiment import lexicon_predict


def test_accuracy_and_confusion_by_tag():
    predictions, labels = np.array([1, 0, 1, 1]), np.array([1, 0, 0, 1])
    tags = ["plain", "negation", "negation", "imdb"]
    accuracy = sentiment.accuracy_by_tag(predictions, labels, tags)
    assert accuracy == {"overall": 0.75, "plain": 1.0, "negation": 0.5, "imdb": 1.0}
    table = sentiment.confusion_by_tag(predictions, labels, tags)
    assert table.loc["negation", "negative -> positive"] == 1 and table.loc["negation", "negative -> negative"] == 1
    with pytest.raises(ValueError, match="same length"):
        sentiment.accuracy_by_tag([1, 0], [1], ["plain"])


def test_negated_words_follow_the_grammar_clause_rule():
    assert sentiment.negated_words("The plot was not dull, and the music was superb.") == ["dull"]
    assert sentiment.negated_words("I did not love the ending. I loved the cast.") == ["love"]
    assert sentiment.negated_words("I had not read the book. The acting was superb.") == []
    texts, _, tags = reviews.generate_reviews(2000, seed=11)
    found = collections.Counter((tag, bool(sentiment.negated_words(t))) for t, tag in zip(texts, tags))
    assert found[("negation", False)] == 0  # every negation review negates a sentiment word ...
    assert all(found[(tag, True)] == 0 for tag in ("plain", "contrast", "long-distance"))  # ... and no other does


def test_compositional_split_holds_out_negated_forms_only():
    data = datasets.load_reviews(source="offline", size=3000, seed=1)
    split = sentiment.compositional_split(data, fraction=0.2, seed=4)
    held = set(split.held_out)
    vocabulary = reviews.sentiment_vocabulary()
    for polarity in (1, -1):
        lemmas = [w for w in sentiment.negatable_lemmas() if vocabulary[w][0] == polarity]
        assert sum(vocabulary[w][0] == polarity for w in held) == round(0.2 * len(lemmas))
    for text in split.train.texts + split.val.texts:
        assert not set(sentiment.negated_words(text)) & held
    assert all(set(sentiment.negated_words(t)) <= held and sentiment.negated_words(t) for t in split.novel.texts)
    assert all(not set(sentiment.negated_words(t)) & held and sentiment.negated_words(t) for t in split.control.texts)
    assert not set(split.novel.texts) & set(split.train.texts + split.val.texts)
    assert set(split.control.texts) <= set(data.test.texts)
    counts = collections.Counter(sentiment.LEMMA.get(w, w) for w in re.findall(r"[a-zé'-]+", " ".join(split.train.texts).lower()))
    assert min(counts[w] for w in held) > 0  # held-out words are still seen, un-negated
    assert len(split.novel) > 50 and len(split.control) > 20
    with pytest.raises(ValueError, match="fraction"):
        sentiment.compositional_split(data, fraction=1.5)


def test_masked_mean_matches_keras_masked_pooling():
    from course_utils import config

    config.import_tensorflow()
    import keras

    rng = np.random.default_rng(0)
    values, mask = rng.normal(size=(4, 6, 3)), rng.uniform(size=(4, 6)) < 0.6
    mask[:, 0] = True
    keras_mean = keras.layers.GlobalAveragePooling1D()(values.astype("float32"), mask=mask)
    np.testing.assert_allclose(sentiment.masked_mean(values, mask), np.asarray(keras_mean), atol=1e-5)
    with pytest.raises(ValueError, match="at least one"):
        sentiment.masked_mean(values, np.zeros((4, 6), bool))


def test_occlusion_importance_and_html():
    scores = sentiment.occlusion_importance(lexicon_predict, ["the", "plot", "was", "good"])
    assert scores.shape == (4,) and scores[3] > 0.3 and abs(scores[0]) < 1e-12
    page = sentiment.importance_html(["good", "<b>"], [0.5, -0.1])
    assert "&lt;b&gt;" in page and "rgba(33,102,172,1.00)" in page
    with pytest.raises(ValueError, match="predict returned"):
        sentiment.occlusion_importance(lambda texts: [0.5], ["a", "b"])


# ---- the checkers: the solution passes, a stub is "not attempted", each typical mistake gets its own hint
def pool_all_steps(values, mask):
    return np.asarray(values).mean(axis=1)


def pool_divide_by_T(values, mask):
    return (np.asarray(values) * np.asarray(mask)[:, :, None]).sum(axis=1) / np.asarray(values).shape[1]


def pool_sum_only(values, mask):
    return (np.asarray(values) * np.asarray(mask)[:, :, None]).sum(axis=1)


def pool_batch_count(values, mask):
    return (np.asarray(values) * np.asarray(mask)[:, :, None]).sum(axis=1) / np.asarray(mask).sum()


def pool_float32(values, mask):
    return sentiment.masked_mean(values, mask).astype("float32")


def occlusion_reversed(predict, words):
    return -sentiment.occlusion_importance(predict, words)


def occlusion_probabilities(predict, words):
    return np.asarray(predict([" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]))


def occlusion_all_copies(predict, words):
    full = predict([" ".join(words)])[0]
    return np.array([full - predict([" ".join(w for w in words if w != word)])[0] for word in words])


def occlusion_sorted(predict, words):
    full = predict([" ".join(words)])[0]
    return np.array([full - predict([" ".join(sorted(words[:i] + words[i + 1:]))])[0] for i in range(len(words))])


@pytest.mark.parametrize("name,fn,case,hint", [
    ("masked_mean_pooling", pool_all_steps, "same length, padded", "all T steps"),
    ("masked_mean_pooling", pool_divide_by_T, "same length, padded", "still in the count"),
    ("masked_mean_pooling", pool_sum_only, "no padding", "masked sum"),
    ("masked_mean_pooling", pool_batch_count, "no padding", "whole batch"),
    ("occlusion_importance", occlusion_reversed, "bag of words", None),
    ("occlusion_importance", occlusion_probabilities, "bag of words", "subtract them"),
    ("occlusion_importance", occlusion_all_copies, "a repeated word", "every copy"),
    ("occlusion_importance", occlusion_sorted, "word order", None),
])
def test_checkers_isolate_mistakes(name, fn, case, hint, assert_caught):
    assert_caught(name, fn, case, hint)


@pytest.mark.parametrize("name,fn", [("masked_mean_pooling", sentiment.masked_mean), ("masked_mean_pooling", pool_float32),
                                     ("occlusion_importance", sentiment.occlusion_importance)])
def test_checkers_pass_solutions(name, fn):
    assert evaluate(name, fn).status == PASSED


def test_untouched_stubs_are_not_attempted():
    def stub(**kwargs):
        raise NotImplementedError

    assert evaluate("masked_mean_pooling", lambda values, mask: stub()).status == NOT_ATTEMPTED
    assert evaluate("occlusion_importance", lambda predict, words: stub()).status == NOT_ATTEMPTED


def test_error_cause_names_the_construction():
    assert sentiment.error_cause("I watched it at home. Nobody could call the plot dull.", "negation") == \
        "negation: 'nobody could call the X <adj>'"
    assert sentiment.error_cause("Although the plot was dull, I loved the cast.", "contrast") == "contrast: 'although A, B'"
    assert sentiment.error_cause("word " * 320, "long-distance", max_tokens=300).startswith("long-distance: truncated")
    assert sentiment.error_cause("The plot was somewhat dull.", "plain") == "plain: with a softener"
    texts, _, tags = reviews.generate_reviews(600, seed=2)
    causes = [sentiment.error_cause(t, tag, 300) for t, tag in zip(texts, tags)]
    assert not any(c.endswith("other form") for c in causes)


def test_has_and_clause_marks_only_the_negation_sentence_with_a_second_clause():
    data = datasets.load_reviews(source="offline", size=600, seed=0)
    marked = collections.Counter(tag for text, tag in zip(data.train.texts, data.train.tags)
                                 if sentiment.has_and_clause(text))
    assert set(marked) == {"negation"}  # the grammar writes ", and " in that construction only
    assert sentiment.has_and_clause("The plot was not dull, and the music was superb.")
    assert not sentiment.has_and_clause("The plot was not dull.")


def _toy_split(n, seed):
    rng = np.random.default_rng(seed)
    good, bad = ["great", "superb", "lovely"], ["awful", "dull", "poor"]
    labels = rng.integers(0, 2, n)
    texts = [" ".join([rng.choice(good if y else bad), "film", rng.choice(good + bad + ["plot"])]) for y in labels]
    return datasets.text_classification.TextSplit(texts, labels, ["toy"] * n)


def test_tuned_bag_of_words_chooses_c_on_validation():
    train, val = _toy_split(200, 0), _toy_split(80, 1)
    bow = sentiment.tuned_bag_of_words(train, val, grid=(0.01, 1.0, 100.0))
    assert set(bow.validation) == {0.01, 1.0, 100.0}
    assert bow.validation[bow.C] == max(bow.validation.values())  # the chosen C is the best on validation
    assert bow.C == min(C for C, a in bow.validation.items() if a == max(bow.validation.values()))  # ties: smallest C
    assert bow.accuracy(val) == bow.validation[bow.C]
    assert bow.accuracy(_toy_split(100, 2)) > 0.9  # the first word decides the toy label
    with pytest.raises(ValueError, match="grid"):
        sentiment.tuned_bag_of_words(train, val, grid=())


def test_nested_subsets_and_learning_curve():
    toy = _toy_split(50, 0)
    train = datasets.text_classification.TextSplit([f"{t} {i}" for i, t in enumerate(toy.texts)], toy.labels, toy.tags)
    subsets = sentiment.nested_subsets(train, [10, 30, 50], seed=3)
    assert [len(s) for s in subsets.values()] == [10, 30, 50]
    assert set(subsets[10].texts) <= set(subsets[30].texts)  # each subset holds the smaller ones
    positions = {text: i for i, text in enumerate(train.texts)}
    assert [positions[t] for t in subsets[30].texts] == sorted(positions[t] for t in subsets[30].texts)  # order kept
    assert subsets[50].texts == train.texts and (subsets[50].labels == train.labels).all()
    curve = sentiment.learning_curve(lambda subset: len(subset) / 100, train, [10, 50])
    assert curve == {10: 0.1, 50: 0.5}
    with pytest.raises(ValueError, match="sizes"):
        sentiment.nested_subsets(train, [51])


@pytest.mark.tensorflow_only("an end-to-end model whose input is raw strings: string tensors are TensorFlow's")
def test_predict_saved_loads_the_model_in_a_fresh_process(tmp_path):
    keras = pytest.importorskip("keras")
    import tensorflow as tf

    vectorizer = keras.layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorizer.adapt(["good film", "bad film"])
    text = keras.Input(shape=(1,), dtype="string")
    ids = vectorizer(text)
    hidden = keras.layers.GRU(2)(keras.layers.Embedding(vectorizer.vocabulary_size(), 3, mask_zero=True)(ids))
    model = keras.Model(text, keras.layers.Dense(1, activation="sigmoid")(hidden))
    path = tmp_path / "m.keras"
    model.save(path)
    texts = ["good film", "bad film", "unknown words"]
    here = model.predict(tf.constant(texts)[:, None], verbose=0)[:, 0]
    assert np.allclose(sentiment.predict_saved(path, texts, time_limit=240), here, atol=1e-6)
