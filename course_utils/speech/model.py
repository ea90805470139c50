"""The acoustic model of chapter 13 and how it is trained and evaluated with CTC.

* :func:`output_lengths`: frames left after strided ``"same"`` convolutions (``ceil(T / s)`` per layer), the
  ``logit_length`` that ``keras.ops.ctc_loss`` and ``keras.ops.ctc_decode`` need;
* :func:`mask_time_frequency`: time and frequency masking (the masking half of SpecAugment, Park et al. 2019):
  a few bands of mel channels and a few runs of frames of each utterance set to a value (0, the mean of
  normalised features);
* :func:`build_acoustic_model`: log-mel frames -> two strided ``Conv1D`` -> bidirectional GRU layers ->
  ``Dense(11)`` logits (class 0 the blank, digit d class d + 1, :mod:`course_utils.speech.ctc`);
* :func:`length_batches`, :func:`train_ctc` (a time-boxed custom loop: batches of similar length, optional
  masking, Adam with gradient clipping), :func:`evaluate` and :func:`transcribe` (greedy or beam decoding with
  ``keras.ops.ctc_decode``) and :func:`frame_posteriors` (the per-frame class probabilities of one utterance).

Runs of several configurations in parallel processes, on features computed once, live in
:mod:`course_utils.speech.runs`.
"""
from __future__ import annotations

import time

import numpy as np

from course_utils import config, validation
from course_utils.speech import ctc
from course_utils.speech import features as F

STRIDES = (2, 2)


def output_lengths(lengths, strides=STRIDES) -> np.ndarray:
    """Frames after convolutions with ``padding="same"`` and the given strides: ``ceil(T / s)`` per layer.

    ``lengths``: int array (B,) of input frame counts; returns int32 (B,). ``[172, 9, 1]`` -> ``[43, 3, 1]``.
    """
    lengths = np.asarray(lengths)
    if lengths.dtype.kind not in "iu" or np.any(lengths < 0):
        raise ValueError(f"lengths must be non-negative integers, got {lengths!r}")
    out = lengths.astype(np.int64)
    for stride in strides:
        stride = validation.integer("stride", stride, minimum=1)
        out = -(-out // stride)
    return out.astype(np.int32)


def mask_time_frequency(x, lengths, rng, n_freq_masks: int = 2, max_freq_width: int = 5, n_time_masks: int = 2,
                        max_time_width: int = 10, value: float = 0.0) -> np.ndarray:
    """Time and frequency masking of a padded batch ``x`` (B, T, n_mels); returns a masked copy.

    For each utterance, ``n_freq_masks`` times: a band of ``w`` ~ U{0..max_freq_width} neighbouring mel channels
    is set to ``value`` over all its frames; ``n_time_masks`` times: a run of ``w`` ~ U{0..max_time_width}
    frames inside its own length (``lengths`` (B,)) is set to ``value`` in every channel. ``rng``: a NumPy
    Generator (the masks depend only on it). Padding frames are left as they are.
    """
    x = np.array(x, dtype=np.float32, copy=True)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (B, T, n_mels), got {x.shape}")
    lengths = np.asarray(lengths)
    if lengths.shape != (x.shape[0],):
        raise ValueError(f"lengths must have shape ({x.shape[0]},), got {lengths.shape}")
    n_mels = x.shape[2]
    for row, length in zip(x, lengths):
        for _ in range(n_freq_masks):
            width = int(rng.integers(0, min(max_freq_width, n_mels) + 1))
            start = int(rng.integers(0, n_mels - width + 1))
            row[:length, start:start + width] = value
        for _ in range(n_time_masks):
            width = int(rng.integers(0, min(max_time_width, int(length)) + 1))
            start = int(rng.integers(0, int(length) - width + 1))
            row[start:start + width] = value
    return x


def build_acoustic_model(n_mels: int = F.N_MELS, filters: int = 96, kernel_size: int = 5, strides=STRIDES,
                         units: int = 64, n_recurrent: int = 2, n_classes: int = ctc.N_CLASSES):
    """Conv1D front end + bidirectional GRUs + Dense logits: (B, T, n_mels) -> (B, T', n_classes).

    One ``Conv1D(filters, kernel_size, strides=s, padding="same", relu)`` per stride in ``strides`` (each halves
    the frame rate for s = 2: :func:`output_lengths` gives T'), then ``n_recurrent``
    ``Bidirectional(GRU(units, return_sequences=True))``, then ``Dense(n_classes)`` (logits, no softmax).
    """
    import keras

    inputs = keras.Input((None, validation.integer("n_mels", n_mels, minimum=1)), name="log_mel")
    x = inputs
    for i, stride in enumerate(strides):
        x = keras.layers.Conv1D(filters, kernel_size, strides=stride, padding="same", activation="relu",
                                name=f"conv{i + 1}")(x)
    for i in range(validation.integer("n_recurrent", n_recurrent, minimum=1)):
        x = keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=True), name=f"bigru{i + 1}")(x)
    outputs = keras.layers.Dense(n_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="acoustic_model")


def length_batches(lengths, batch_size: int, rng=None) -> list:
    """Index arrays of batches of utterances of similar length (sorted by length, cut into ``batch_size``
    groups); with a NumPy Generator ``rng`` the order of the groups is shuffled."""
    lengths = np.asarray(lengths)
    batch_size = validation.integer("batch_size", batch_size, minimum=1)
    order = np.argsort(lengths, kind="stable")
    groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(groups)
    return groups


def _strategy(strategy: str) -> str:
    """``"greedy"`` or ``"beam"`` (also spelled ``"beam_search"``, Keras's name) -> Keras's name."""
    strategy = validation.option("strategy", strategy, ("greedy", "beam", "beam_search"))
    return "beam_search" if strategy.startswith("beam") else "greedy"


def _predict_function(model):
    tf = config.import_tensorflow()
    if getattr(model, "_course_predict", None) is None:
        model._course_predict = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    return model._course_predict


def _check_pairs(features, digits):
    if len(features) != len(digits):
        raise ValueError(f"got {len(features)} feature matrices and {len(digits)} digit strings; they must pair up")
    if not len(features):
        raise ValueError("need at least one utterance")


def evaluate(model, features, digits, batch_size: int = 64, strategy: str = "greedy", beam_width: int = 10,
             strides=STRIDES) -> dict:
    """Decode every utterance and score it: ``{"der", "strings", "loss", "hypotheses"}``.

    ``features``: list of (T_i, n_mels) arrays; ``digits``: their reference strings. ``der``: digit error rate
    (:func:`course_utils.speech.ctc.digit_error_rate`), ``strings``: whole-string accuracy, ``loss``: mean CTC loss per
    utterance, ``hypotheses``: the decoded strings in input order. ``strategy``: ``"greedy"`` or ``"beam"``.
    """
    import keras

    _check_pairs(features, digits)
    strategy = _strategy(strategy)
    predict = _predict_function(model)
    hypotheses, losses = [None] * len(features), []
    for group in length_batches([len(f) for f in features], batch_size):
        x, lengths = F.pad_batch([features[i] for i in group])
        logits = predict(x)
        logit_lengths = output_lengths(lengths, strides)
        labels, label_lengths = ctc.encode_batch([digits[i] for i in group])
        losses.extend(keras.ops.convert_to_numpy(keras.ops.ctc_loss(labels, logits, label_lengths, logit_lengths)))
        decoded, _ = keras.ops.ctc_decode(logits, logit_lengths, strategy=strategy, beam_width=beam_width,
                                          top_paths=1)
        for i, text in zip(group, ctc.decoded_to_digits(keras.ops.convert_to_numpy(decoded))):
            hypotheses[i] = text
    digits = list(digits)
    return {"der": ctc.digit_error_rate(digits, hypotheses), "strings": ctc.string_accuracy(digits, hypotheses),
            "loss": float(np.mean(losses)), "hypotheses": hypotheses}


def transcribe(model, features, strategy: str = "greedy", beam_width: int = 10, batch_size: int = 64,
               strides=STRIDES) -> list:
    """The decoded digit strings of a list of (T_i, n_mels) feature matrices (greedy or beam decoding)."""
    import keras

    strategy = _strategy(strategy)
    predict = _predict_function(model)
    out = [None] * len(features)
    for group in length_batches([len(f) for f in features], batch_size):
        x, lengths = F.pad_batch([features[i] for i in group])
        decoded, _ = keras.ops.ctc_decode(predict(x), output_lengths(lengths, strides), strategy=strategy,
                                          beam_width=beam_width, top_paths=1)
        for i, text in zip(group, ctc.decoded_to_digits(keras.ops.convert_to_numpy(decoded))):
            out[i] = text
    return out


def frame_posteriors(model, feature, strides=STRIDES) -> np.ndarray:
    """Per-output-frame class probabilities (T', n_classes) of one utterance's features (T, n_mels)."""
    import keras

    feature = validation.real_array("feature", feature, ndim=2, expected="(frames, n_mels)")
    logits = _predict_function(model)(feature[None].astype(np.float32))
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))[0]
    return probabilities[: int(output_lengths(np.array([len(feature)]), strides)[0])]


def train_ctc(model, features, digits, val_features, val_digits, *, budget_seconds: float = 120.0,
              max_epochs: int = 30, batch_size: int = 32, masking: bool = False, learning_rate: float = 1e-3,
              clipnorm: float = 5.0, seed: int = 0, strides=STRIDES, verbose: bool = True) -> list:
    """Train ``model`` with the CTC loss; returns one dict per epoch (epoch, seconds, loss, val_loss, val_der,
    val_strings).

    Time-boxed: training stops after ``max_epochs`` or after the first epoch that ends past ``budget_seconds``
    of training (validation time excluded). Batches hold utterances of similar length, in an order shuffled
    each epoch from ``seed``; with ``masking`` each batch goes through :func:`mask_time_frequency` first.
    Adam(``learning_rate``, ``clipnorm``); loss = mean over the batch of ``keras.ops.ctc_loss``.
    """
    import keras

    tf = config.import_tensorflow()
    _check_pairs(features, digits)
    _check_pairs(val_features, val_digits)
    budget_seconds = validation.real_number("budget_seconds", budget_seconds)
    max_epochs = validation.integer("max_epochs", max_epochs, minimum=1)
    optimizer = keras.optimizers.Adam(learning_rate, clipnorm=clipnorm)

    @tf.function(reduce_retracing=True)
    def train_step(x, labels, label_lengths, logit_lengths):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = tf.reduce_mean(keras.ops.ctc_loss(labels, logits, label_lengths, logit_lengths))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    rng = np.random.default_rng(seed)
    lengths = np.array([len(f) for f in features])
    history, trained = [], 0.0
    for epoch in range(1, max_epochs + 1):
        start, losses = time.perf_counter(), []
        for group in length_batches(lengths, batch_size, rng):
            x, x_lengths = F.pad_batch([features[i] for i in group])
            if masking:
                x = mask_time_frequency(x, x_lengths, rng)
            labels, label_lengths = ctc.encode_batch([digits[i] for i in group])
            losses.append(float(train_step(x, labels, label_lengths, output_lengths(x_lengths, strides))))
        seconds = time.perf_counter() - start
        trained += seconds
        scores = evaluate(model, val_features, val_digits, strides=strides)
        history.append({"epoch": epoch, "seconds": round(seconds, 2), "loss": float(np.mean(losses)),
                        "val_loss": scores["loss"], "val_der": scores["der"], "val_strings": scores["strings"]})
        if verbose:
            print(f"epoch {epoch}: {seconds:.0f} s, loss {history[-1]['loss']:.3f}, val loss {scores['loss']:.3f}, "
                  f"val DER {scores['der']:.3f}", flush=True)
        if trained >= budget_seconds:
            break
    return history
