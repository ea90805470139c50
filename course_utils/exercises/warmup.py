"""Chapter 00: the warm-up exercises, an exponential moving average written as a recurrence, and a tiny Keras
model (the framework's own example of an exercise whose answer is a model, checked by behaviour)."""
from __future__ import annotations

import numpy as np

from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register
from course_utils.exercises.models import (
    LayerGraph, Learns, ModelCase, OutputShape, PaddingInvariance, ParameterCount, model_exercise,
)


def ema_states(x, alpha, h0=0.0):
    """Exponential moving average as a tiny recurrence: h_t = alpha * h_{t-1} + (1 - alpha) * x_t.

    x: array of shape (B, T), B sequences of T time steps. alpha: float in [0, 1], how much of the
    previous state is kept. h0: the initial state h_0, a float or an array of shape (B,).
    Returns the states h_1 ... h_T, shape (B, T).
    """
    x = np.asarray(x, dtype=float)
    batch_size, steps = x.shape
    h = np.broadcast_to(np.asarray(h0, dtype=float), (batch_size,)).copy()
    states = np.empty((batch_size, steps))
    for t in range(steps):
        h = alpha * h + (1.0 - alpha) * x[:, t]
        states[:, t] = h
    return states


def _ema_cases(seed: int = 0, B: int = 2, T: int = 5) -> list:
    """The cases; other seeds and sizes (T >= 2) give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    return [
        Case(
            "alpha = 0, no memory",
            "the input term (1 - alpha) * x_t on its own: with alpha = 0 every state must equal its input",
            {"x": rng.normal(size=(B, T)), "alpha": 0.0, "h0": 0.0},
        ),
        Case(
            "zero input, h0 = 1",
            "the recurrent term alpha * h_{t-1} and the initial state on their own: with x = 0 and h_0 = 1 "
            "the states are alpha, alpha^2, ..., alpha^T (h_0 itself is not an output)",
            {"x": np.zeros((B, T + 1)), "alpha": 0.5, "h0": 1.0},
        ),
        Case(
            f"{B + 1} sequences of {T - 1} steps",
            "that time runs along axis 1 and the batch along axis 0, with one state per time step",
            {"x": rng.normal(size=(B + 1, T - 1)), "alpha": 0.7, "h0": 0.0},
        ),
        Case(
            "general case",
            "everything together: random inputs, a per-sequence initial state and alpha = 0.9",
            {"x": rng.normal(size=(B + 2, T + 4)), "alpha": 0.9, "h0": rng.normal(size=(B + 2,))},
        ),
    ]


def _ema_stored_before_update(x, alpha, h0=0.0):
    """Mistake: h_{t-1} is stored before the update, so the states come one step late (starting with h_0)."""
    states = ema_states(x, alpha, h0)
    first = np.broadcast_to(np.asarray(h0, dtype=float), (states.shape[0],))
    return np.concatenate([first[:, None], states[:, :-1]], axis=1)


def _ema_swapped_alpha(x, alpha, h0=0.0):
    """Mistake: alpha weighs the input and 1 - alpha the memory."""
    x = np.asarray(x, float)
    h = np.broadcast_to(np.asarray(h0, float), (x.shape[0],)).copy()
    out = []
    for t in range(x.shape[1]):
        h = (1 - alpha) * h + alpha * x[:, t]
        out.append(h)
    return np.stack(out, axis=1)


def _ema_ignores_h0(x, alpha, h0=0.0):
    """Mistake: the initial state is always 0."""
    return ema_states(x, alpha, 0.0)


def _ema_final_state_only(x, alpha, h0=0.0):
    """Mistake: only h_T is returned."""
    return ema_states(x, alpha, h0)[:, -1]


def _ema_time_on_axis0(x, alpha, h0=0.0):
    """Mistake: the loop runs over axis 0 as if it were time."""
    x = np.asarray(x, float)
    h = np.broadcast_to(np.asarray(h0, float).mean(), (x.shape[1],)).copy()
    out = []
    for row in x:
        h = alpha * h + (1 - alpha) * row
        out.append(h)
    return np.stack(out, axis=0)


def _ema_forgets_return(x, alpha, h0=0.0):
    """Mistake: the states are computed but not returned."""
    ema_states(x, alpha, h0)


EMA_WRONG_ANSWERS = [
    Mistake(_ema_swapped_alpha, "alpha = 0, no memory", "input term"),
    Mistake(_ema_ignores_h0, "zero input, h0 = 1", "initial state"),
    Mistake(_ema_stored_before_update, "alpha = 0, no memory", "shifted one step late"),
    Mistake(_ema_final_state_only, "alpha = 0, no memory", "expected shape (2, 5)"),
    Mistake(_ema_time_on_axis0, "zero input, h0 = 1", "differs"),
    Mistake(_ema_forgets_return, "alpha = 0, no memory", "forget to `return`"),
]


register(
    Exercise(
        "ema_states", "Exponential moving average as a recurrence", ema_states, _ema_cases,
        variants=(Variant("your states are shifted one step late: store h_t after updating it, not h_{t-1} before.",
                          _ema_stored_before_update),),
        mistakes=EMA_WRONG_ANSWERS,
    )
)


def tiny_sentiment_model(vocab_size, embedding_dim, units, learning_rate):
    """A tiny review classifier: token ids (0 = padding) -> Embedding -> GRU -> probability that it is positive.

    vocab_size: number of token ids, padding id 0 included. embedding_dim: size of each token's vector.
    units: size of the GRU's hidden state. learning_rate: Adam's learning rate.
    Returns a keras.Model compiled with Adam(learning_rate) and binary cross-entropy, that maps a batch of token
    ids of shape (B, T), any T, to probabilities of shape (B, 1).
    """
    import keras

    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),  # any number of time steps
        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True),  # id 0 is padding: masked out
        keras.layers.GRU(units),  # reads the real steps only; returns the final hidden state
        keras.layers.Dense(1, activation="sigmoid"),  # the probability of "positive"
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="binary_crossentropy")
    return model


def _token_batch(rng, batch_size, steps, vocab_size):
    """Token ids 1..vocab_size-1, post-padded with 0 to ``steps`` (the first sequence fills all the steps)."""
    ids = rng.integers(1, vocab_size, size=(batch_size, steps)).astype("int32")
    lengths = rng.integers(2, steps + 1, size=batch_size)
    lengths[0] = steps
    ids[np.arange(steps)[None, :] >= lengths[:, None]] = 0
    return ids


def _tiny_model_cases(seed: int = 0) -> list:
    """The cases; another seed gives other batches and other initial weights of the same design."""
    rng = np.random.default_rng(seed)
    small = {"vocab_size": 12, "embedding_dim": 3, "units": 4, "learning_rate": 0.05}
    other = {"vocab_size": 20, "embedding_dim": 2, "units": 5, "learning_rate": 0.05}
    x_small, x_other = _token_batch(rng, 4, 6, 12), _token_batch(rng, 3, 5, 20)
    x_train = _token_batch(rng, 8, 6, 12)
    y_train = rng.permutation([0.0, 1.0] * 4).astype("float32")[:, None]
    return [
        ModelCase("the layers", "the layers and their order: Embedding -> GRU -> Dense(1, activation='sigmoid')",
                  small, checks=(LayerGraph({"Dense": ("units", "activation")}),), seed=seed),
        ModelCase("sizes 12, 3, 4", "the sizes: the parameter count (149 here) and the output shape (B, 1)",
                  small, checks=(ParameterCount(x_small), OutputShape(x_small)), seed=seed),
        ModelCase("sizes 20, 2, 5", "that the sizes come from the arguments, not from numbers written in the code",
                  other, checks=(ParameterCount(x_other), OutputShape(x_other)), seed=seed),
        ModelCase("padding appended", "that padding is ignored: three more 0 ids at the end of every review leave "
                  "the outputs unchanged", small, checks=(PaddingInvariance(x_small, extra=3),), seed=seed),
        ModelCase("learns on 8 reviews", "that the compiled model learns: 15 steps on 8 reviews at least halve the loss",
                  small, checks=(Learns(x_train, y_train, steps=15, factor=2.0),), seed=seed),
    ]


def _tiny_model_with(vocab_size, embedding_dim, units, learning_rate, mask_zero=True, reset_after=True,
                     gru_trainable=True):
    """The reference model with one thing changed (the typical mistakes below)."""
    import keras

    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=mask_zero),
        keras.layers.GRU(units, reset_after=reset_after, trainable=gru_trainable),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="binary_crossentropy")
    return model


def _tiny_reset_before(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: GRU(reset_after=False), one bias per gate: fewer parameters than Keras's default GRU."""
    return _tiny_model_with(vocab_size, embedding_dim, units, learning_rate, reset_after=False)


def _tiny_fixed_sizes(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: the sizes of the first case written as numbers, the arguments ignored."""
    return _tiny_model_with(12, 3, 4, learning_rate)


def _tiny_no_mask(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: Embedding without mask_zero=True: the GRU reads the padding as words."""
    return _tiny_model_with(vocab_size, embedding_dim, units, learning_rate, mask_zero=False)


def _tiny_zero_learning_rate(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: compiled with a learning rate of 0: the weights never change."""
    return _tiny_model_with(vocab_size, embedding_dim, units, 0.0)


def _tiny_frozen_gru(vocab_size, embedding_dim, units, learning_rate):
    """Mistake: the GRU frozen (trainable=False): its weights never learn."""
    return _tiny_model_with(vocab_size, embedding_dim, units, learning_rate, gru_trainable=False)


register(model_exercise(
    "tiny_sentiment_model", "A tiny Keras review classifier: Embedding (masked) -> GRU -> Dense",
    tiny_sentiment_model, _tiny_model_cases,
    mistakes=[
        Mistake(_tiny_reset_before, "sizes 12, 3, 4", "reset_after"),
        Mistake(_tiny_fixed_sizes, "sizes 20, 2, 5", "its Embedding layer has 36 parameters, expected 40"),
        Mistake(_tiny_no_mask, "padding appended", "mask_zero=True"),
        Mistake(_tiny_zero_learning_rate, "learns on 8 reviews", "learning rate is 0"),
        Mistake(_tiny_frozen_gru, "learns on 8 reviews", "GRU layer is frozen"),
    ],
))
