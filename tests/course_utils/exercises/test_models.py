"""Exercises whose answer is a Keras model (course_utils.exercises.models), on chapter 00's tiny_sentiment_model.

test_exercises.py already runs, for every registered exercise, the reference, the untouched stub and the registered
mistakes (reset_after=False, sizes written as numbers, mask_zero=False, learning rate 0, a frozen GRU); here: other
wrong models and what the checker says about each, answers that are no model at all, correct models in other
forms, the time limit, and one check reused on a model of another design.
"""
import time

import numpy as np
import pytest

from course_utils import exercises
from course_utils.exercises import FAILED, MODEL, NOT_ATTEMPTED, PASSED, check, evaluate, show_solution
from course_utils.exercises import models

NAME = "tiny_sentiment_model"
keras = models._keras()


def build(vocab_size, embedding_dim, units, learning_rate, *, mask_zero=True, rnn=None, head=None, inputs=True,
          compile_with="binary_crossentropy", trainable=True):
    """The reference model with one thing changed."""
    layers = [keras.Input(shape=(None,), dtype="int32")] if inputs else []
    layers += [keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero),
               rnn or keras.layers.GRU(units), head or keras.layers.Dense(1, activation="sigmoid")]
    model = keras.Sequential(layers)
    model.trainable = trainable
    if compile_with:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss=compile_with)
    return model


# ---------------------------------------------------------------------------------------------- the reference

def test_the_reference_passes_and_each_case_fits_its_time_limit_with_a_wide_margin():
    exercise = exercises.get(NAME)
    assert exercise.kind == MODEL and exercise.time_limit == models.MODEL_TIME_LIMIT
    exercises.JUDGES[MODEL].prepare()  # TensorFlow imported (the check does it before any time limit runs)
    slowest = 0.0
    for case in exercise.make_cases():
        start = time.process_time()  # CPU seconds of this process (all its threads): the work, whatever the load
        assert evaluate(NAME, exercise.solution, cases=[case]).status == PASSED
        slowest = max(slowest, time.process_time() - start)
    # measured here: 1.3 CPU s for the case that trains, 0.1-0.3 for the others; a slow laptop must fit the limit
    assert slowest < models.MODEL_TIME_LIMIT / 10, slowest


def test_an_untouched_stub_is_not_attempted_and_the_notebook_goes_on_with_the_reference(capsys):
    def tiny_sentiment_model(vocab_size, embedding_dim, units, learning_rate):
        raise NotImplementedError

    assert evaluate(NAME, tiny_sentiment_model).status == NOT_ATTEMPTED
    assert check(NAME, tiny_sentiment_model) is exercises.solution(NAME)
    assert "not attempted yet" in capsys.readouterr().out


def test_check_keeps_a_passing_builder_in_another_form(capsys):
    def functional(vocab_size, embedding_dim, units, learning_rate):  # functional API, no keras.Input in Sequential
        ids = keras.Input(shape=(None,), dtype="int32")
        h = keras.layers.GRU(units)(keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(ids))
        model = keras.Model(ids, keras.layers.Dense(1, activation="sigmoid")(h))
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
        return model

    assert check(NAME, functional) is functional
    assert "all 5 cases passed" in capsys.readouterr().out
    assert evaluate(NAME, lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size, embedding_dim, units, learning_rate, inputs=None)).status == PASSED  # built at its first call


def test_show_solution_prints_the_builder(capsys):
    show_solution(NAME)
    out = capsys.readouterr().out
    assert "def tiny_sentiment_model" in out and "mask_zero=True" in out and "binary_crossentropy" in out


# ---------------------------------------------------------------------------------------------- wrong models

@pytest.mark.parametrize("wrong,case,hint", [
    # (a) the parameter count: the first layer whose count differs, with its formula
    (lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size, embedding_dim, units, learning_rate, rnn=keras.layers.GRU(units + 1)),
     "sizes 12, 3, 4", "its GRU layer has 150 parameters, expected 108; a GRU of 4 units on 3 inputs"),
    (lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size + 1, embedding_dim, units, learning_rate),
     "sizes 12, 3, 4", "its Embedding layer has 39 parameters, expected 36"),
    # (b) the mask
    (lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size, embedding_dim, units, learning_rate, mask_zero=False),
     "padding appended", "create the Embedding with mask_zero=True"),
    # (c) learning: the whole model frozen, no compile
    (lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size, embedding_dim, units, learning_rate, trainable=False),
     "learns on 8 reviews", "the whole model is frozen (model.trainable = False)"),
    (lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size, embedding_dim, units, learning_rate, compile_with=None),
     "learns on 8 reviews", "call model.compile("),
    # the layer graph and the output shape
    (lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size, embedding_dim, units, learning_rate, rnn=keras.layers.LSTM(units)),
     "the layers", "layer 2 is an LSTM where the model needs a GRU"),
    (lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size, embedding_dim, units, learning_rate, head=keras.layers.Dense(1)),
     "the layers", "create the Dense with activation='sigmoid'"),
    (lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size, embedding_dim, units, learning_rate, rnn=keras.layers.GRU(units, return_sequences=True)),
     "sizes 12, 3, 4", "return_sequences=True"),
], ids=["gru-units", "embedding-input-dim", "no-mask", "model-frozen", "not-compiled", "lstm", "no-sigmoid", "return-sequences"])
def test_a_wrong_model_fails_on_its_case_with_a_specific_hint(assert_caught, wrong, case, hint):
    assert_caught(NAME, wrong, case, hint)


def test_the_messages_state_expected_and_got():
    report = evaluate(NAME, lambda vocab_size, embedding_dim, units, learning_rate: build(
        vocab_size, embedding_dim, units, learning_rate, rnn=keras.layers.GRU(units + 1)))
    assert "the model has 192 parameters, expected 149" in report.message, report.message
    report = evaluate(NAME, exercises.get(NAME).mistakes[3].function)  # learning rate 0
    assert "went from 0.694 to 0.694 in 15 training steps; it should fall below 0.347" in report.message, report.message


# ---------------------------------------------------------------------------------------------- not a model at all

@pytest.mark.parametrize("answer,words", [
    (lambda vocab_size, embedding_dim, units, learning_rate: None, "returned None: did it forget to `return model`?"),
    (lambda vocab_size, embedding_dim, units, learning_rate: keras.layers.GRU(units),
     "returned a GRU layer, expected a keras.Model"),
    (lambda vocab_size, embedding_dim, units, learning_rate: np.zeros(3), "returned a numpy.ndarray, expected a keras.Model"),
    (lambda vocab_size, embedding_dim, units, learning_rate: keras.layers.Embedding(vocab_size, units, no_such_arg=1),
     "raised ValueError: Unrecognized keyword arguments"),
], ids=["none", "layer", "array", "raises"])
def test_an_answer_that_is_no_model_fails_on_the_first_case_with_a_clear_message(answer, words):
    report = evaluate(NAME, answer)
    assert report.status == FAILED and report.case == "the layers", report.message
    assert words in report.message, report.message


def test_a_builder_that_never_returns_is_stopped_and_the_reference_is_used(capsys):
    def endless(vocab_size, embedding_dim, units, learning_rate):
        while True:
            pass

    assert check(NAME, endless, time_limit=1) is exercises.solution(NAME)
    assert "case 1/5 'the layers' did not finish within 1 s" in capsys.readouterr().out
    time.sleep(0.3)  # no stray interrupt arrives later


# ---------------------------------------------------------------------------------------------- reuse

def test_the_checks_work_for_a_model_of_another_design():
    """A chapter's exercise of another design (an LSTM tagger) gets the same checks, with the LSTM's formula."""
    def tagger(vocab_size, units):
        model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                                  keras.layers.Embedding(vocab_size, 3, mask_zero=True),
                                  keras.layers.LSTM(units, return_sequences=True), keras.layers.Dense(2)])
        return model

    x = np.array([[3, 4, 1, 0], [2, 0, 0, 0]], dtype="int32")
    exercise = exercises.Exercise("tagger", "an LSTM tagger", tagger, lambda seed=0: [], kind=MODEL)
    case = models.ModelCase("sizes", "the sizes", {"vocab_size": 6, "units": 4},
                            checks=(models.LayerGraph(), models.ParameterCount(), models.OutputShape(x)))
    judge = exercises.JUDGES[MODEL]
    assert judge(exercise, tagger, (), {"vocab_size": 6, "units": 4}, case) is None
    problem = judge(exercise, lambda vocab_size, units: tagger(vocab_size, units + 1), (), dict(case.kwargs), case)
    assert "its LSTM layer has 180 parameters, expected 128; an LSTM of 4 units on 3 inputs has 4·(3·4 + 4·4 + 4)" in (
        problem.hint), problem


# ---------------------------------------------------------------------------------------------- chapters 07 and 08

@pytest.mark.parametrize("name", ["build_classifier", "luong_translator"])
def test_the_chapters_model_exercises_pass_their_reference_within_the_time_limit(name):
    exercise = exercises.get(name)
    assert exercise.kind == MODEL and exercise.time_limit == models.MODEL_TIME_LIMIT
    exercises.JUDGES[MODEL].prepare()
    slowest = 0.0
    for case in exercise.make_cases():
        start = time.process_time()
        assert evaluate(name, exercise.solution, cases=[case]).status == PASSED
        slowest = max(slowest, time.process_time() - start)
    # measured on the loaded 2-core machine: about 3 CPU s for the case that trains, under 1 s for the others
    assert slowest < models.MODEL_TIME_LIMIT / 5, slowest


@pytest.mark.parametrize("name,words", [
    ("build_classifier", ("def build_classifier", "Bidirectional(keras.layers.GRU(units))", "metrics=[\"accuracy\"]")),
    ("luong_translator", ("def luong_translator", "layers.Attention()([decoder_states, encoder_states]",
                          "from_logits=True")),
])
def test_the_chapters_model_exercises_show_their_solution_and_an_untouched_stub_is_not_attempted(name, words, capsys):
    show_solution(name)
    out = capsys.readouterr().out
    assert all(w in out for w in words), out
    parameters = list(exercises.get(name).make_cases()[0].kwargs)

    def stub(*args):
        raise NotImplementedError

    assert check(name, stub) is exercises.solution(name)
    assert "not attempted yet" in capsys.readouterr().out
    assert len(parameters) >= 4


def test_the_classifier_names_the_bidirectional_formula_and_accepts_other_spellings_of_loss_and_metric():
    def wider(vocab_size, embedding_dim, units, learning_rate):
        model = exercises.solution("build_classifier")(vocab_size, embedding_dim, units + 1, learning_rate)
        return model

    report = evaluate("build_classifier", wider)
    assert report.case == "sizes 12, 3, 4", report.message
    assert ("its Bidirectional layer has 300 parameters, expected 216; a Bidirectional GRU is two of them, forward "
            "and backward: 2 · 108 = 216, where a GRU of 4 units on 3 inputs has 3·(3·4 + 4·4 + 2·4) = 108") in (
        report.message), report.message

    def spelled_otherwise(vocab_size, embedding_dim, units, learning_rate):
        ids = keras.Input(shape=(None,), dtype="int32")
        h = keras.layers.Bidirectional(keras.layers.GRU(units))(
            keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(ids))
        model = keras.Model(ids, keras.layers.Dense(1, activation="sigmoid")(h))
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=keras.losses.BinaryCrossentropy(),
                      metrics=[keras.metrics.BinaryAccuracy()])
        return model

    assert evaluate("build_classifier", spelled_otherwise).status == PASSED


def test_the_translator_accepts_the_masks_keras_propagates_and_names_a_model_that_never_learns():
    """Without mask=..., Keras 3 passes the masks of the GRUs' outputs to Attention itself: that is correct."""
    def implicit_masks(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate):
        layers = keras.layers
        source, target_in = keras.Input((None,), dtype="int32"), keras.Input((None,), dtype="int32")
        states, final = layers.GRU(units, return_sequences=True, return_state=True)(
            layers.Embedding(source_vocab_size, embedding_dim, mask_zero=True)(source))
        decoder = layers.GRU(units, return_sequences=True)(
            layers.Embedding(target_vocab_size, embedding_dim, mask_zero=True)(target_in), initial_state=final)
        logits = layers.Dense(target_vocab_size)(layers.Concatenate()([decoder, layers.Attention()([decoder, states])]))
        model = keras.Model([source, target_in], logits)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    assert evaluate("luong_translator", implicit_masks).status == PASSED
    report = evaluate("luong_translator", lambda source_vocab_size, target_vocab_size, embedding_dim, units,
                      learning_rate: implicit_masks(source_vocab_size, target_vocab_size, embedding_dim, units, 0.0))
    assert report.case == "learns to copy" and "learning rate is 0" in report.message, report.message


# ---------------------------------------------------------------------------------------------- chapter 12's tagger

def test_the_tagger_reference_passes_within_a_tenth_of_the_limit_and_a_functional_tagger_passes_too():
    name = "masked_bilstm_tagger"
    exercise = exercises.get(name)
    exercises.JUDGES[MODEL].prepare()
    for case in exercise.make_cases():
        start = time.process_time()
        assert evaluate(name, exercise.solution, cases=[case]).status == PASSED
        assert time.process_time() - start < models.MODEL_TIME_LIMIT / 10, case.name

    def functional(vocab_size, n_tags, embedding_dim, units, learning_rate):
        ids = keras.Input(shape=(None,), dtype="int32")
        x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(ids)
        x = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True))(x)
        model = keras.Model(ids, keras.layers.Dense(n_tags, activation="softmax")(x))
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy")
        return model

    assert evaluate(name, functional).status == PASSED


def test_padding_invariance_per_step_compares_only_the_real_tokens():
    x = np.array([[3, 4, 0], [5, 0, 0]], dtype="int32")

    class Echo:  # outputs at padded steps differ with the padded length, real steps never do
        def __call__(self, ids):
            ids = np.asarray(ids)
            out = np.repeat(ids[..., None].astype("float32"), 2, axis=-1)
            out[ids == 0] = ids.shape[1]
            return out

    assert models.PaddingInvariance(x, per_step=True)(Echo(), None) is None
