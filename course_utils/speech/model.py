"""The acoustic model of chapter 13 and how it is trained and evaluated with CTC.

* from :mod:`course_utils.speech.batching` (imported here): :func:`output_lengths`, :func:`pad_frames`,
  :func:`length_batches`, :func:`mask_time_frequency` (time and frequency masking, SpecAugment's);
* :func:`build_acoustic_model`: log-mel frames -> two strided ``Conv1D`` -> bidirectional GRU layers ->
  ``Dense(11)`` logits (class 0 the blank, digit d class d + 1, :mod:`course_utils.speech.ctc`); with
  ``mask_padding=True`` it also takes the frame counts and masks the padding in the recurrent layers
  (:func:`model_inputs` says what to call it with);
* :func:`train_ctc` (a custom loop of a fixed number of epochs: batches of similar length, optional time and
  frequency masking, Adam with gradient clipping; a time budget only warns), :func:`evaluate` and
  :func:`transcribe` (greedy or beam decoding with ``keras.ops.ctc_decode``) and :func:`frame_posteriors` (the per-frame class probabilities of one utterance).

Runs of several configurations in parallel processes, on features computed once, live in
:mod:`course_utils.speech.runs`.
"""
from __future__ import annotations

import time

import numpy as np

from course_utils import config, validation
from course_utils.speech import ctc
from course_utils.speech import features as F
from course_utils.speech.batching import (STRIDES, _frame_mask_layer, length_batches, mask_time_frequency,  # noqa: F401
                                          output_lengths, pad_frames, total_stride)


def build_acoustic_model(n_mels: int = F.N_MELS, filters: int = 96, kernel_size: int = 5, strides=STRIDES,
                         units: int = 64, n_recurrent: int = 2, n_classes: int = ctc.N_CLASSES,
                         mask_padding: bool = False):
    """Conv1D front end + bidirectional GRUs + Dense logits: (B, T, n_mels) -> (B, T', n_classes).

    One ``Conv1D(filters, kernel_size, strides=s, padding="same", relu)`` per stride in ``strides`` (each halves
    the frame rate for s = 2: :func:`output_lengths` gives T'), then ``n_recurrent``
    ``Bidirectional(GRU(units, return_sequences=True))``, then ``Dense(n_classes)`` (logits, no softmax).

    With ``mask_padding`` the model takes two inputs, ``[log_mel (B, T, n_mels), frames (B,) int]`` (each
    utterance's number of real input frames), and passes the mask of the real output frames (``frames`` divided
    by the strides, rounded up) to every recurrent layer: the forward GRU stops at an utterance's end and the
    backward GRU starts there instead of reading the batch's padding first. (A ``Masking`` layer would not do:
    ``Conv1D`` drops Keras masks, and the strides change the number of frames.) Without it, one input, as before.
    """
    import keras

    mask_padding = validation.boolean("mask_padding", mask_padding)
    inputs = keras.Input((None, validation.integer("n_mels", n_mels, minimum=1)), name="log_mel")
    x = inputs
    for i, stride in enumerate(strides):
        x = keras.layers.Conv1D(filters, kernel_size, strides=stride, padding="same", activation="relu",
                                name=f"conv{i + 1}")(x)
    mask = None
    if mask_padding:
        frames = keras.Input((), dtype="int32", name="frames")
        mask = _frame_mask_layer(strides)(frames, x)
        inputs = [inputs, frames]
    for i in range(validation.integer("n_recurrent", n_recurrent, minimum=1)):
        x = keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=True), name=f"bigru{i + 1}")(
            x, mask=mask)
    outputs = keras.layers.Dense(n_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="acoustic_model")


def masks_padding(model) -> bool:
    """Whether ``model`` (from :func:`build_acoustic_model`) takes the frame counts as a second input."""
    return len(model.inputs) == 2


def model_inputs(model, x, lengths):
    """What to call ``model`` with on a padded batch ``x`` and its frame counts: ``x``, or ``[x, lengths]`` for a
    model built with ``mask_padding=True``."""
    return [x, np.asarray(lengths, dtype=np.int32)] if masks_padding(model) else x


def _strategy(strategy: str) -> str:
    """``"greedy"`` or ``"beam"`` (also spelled ``"beam_search"``, Keras's name) -> Keras's name."""
    strategy = validation.option("strategy", strategy, ("greedy", "beam", "beam_search"))
    return "beam_search" if strategy.startswith("beam") else "greedy"


def _predict_function(model):
    """``predict(x, lengths)``: the model's logits on a padded batch (a ``tf.function`` on TensorFlow, made once per
    model; a plain call on another Keras backend)."""
    import keras

    if getattr(model, "_course_predict", None) is None:
        if keras.backend.backend() == "tensorflow":
            tf = config.import_tensorflow()
            call = tf.function(lambda inputs: model(inputs, training=False), reduce_retracing=True)
        else:
            def call(inputs):
                return model(inputs, training=False)
        model._course_predict = lambda x, lengths: call(model_inputs(model, x, lengths))
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
        x, lengths = pad_frames([features[i] for i in group], strides)
        logits = predict(x, lengths)
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
               strides=STRIDES, bucketing: bool = True) -> list:
    """The decoded digit strings of a list of (T_i, n_mels) feature matrices (greedy or beam decoding).

    ``bucketing``: batches of utterances of similar length (little padding); False: batches in the input order
    (as much padding as chance gives; for measuring what the padding does)."""
    import keras

    strategy = _strategy(strategy)
    predict = _predict_function(model)
    out = [None] * len(features)
    groups = (length_batches([len(f) for f in features], batch_size) if validation.boolean("bucketing", bucketing)
              else np.array_split(np.arange(len(features)), -(-len(features) // batch_size)))
    for group in groups:
        x, lengths = pad_frames([features[i] for i in group], strides)
        decoded, _ = keras.ops.ctc_decode(predict(x, lengths), output_lengths(lengths, strides), strategy=strategy,
                                          beam_width=beam_width, top_paths=1)
        for i, text in zip(group, ctc.decoded_to_digits(keras.ops.convert_to_numpy(decoded))):
            out[i] = text
    return out


def frame_posteriors(model, feature, strides=STRIDES) -> np.ndarray:
    """Per-output-frame class probabilities (T', n_classes) of one utterance's features (T, n_mels)."""
    import keras

    feature = validation.real_array("feature", feature, ndim=2, expected="(frames, n_mels)")
    x, lengths = pad_frames([feature.astype(np.float32)], strides)
    logits = _predict_function(model)(x, lengths)
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))[0]
    return probabilities[: int(output_lengths(np.array([len(feature)]), strides)[0])]


def train_ctc(model, features, digits, val_features, val_digits, *, epochs: int | None = None,
              budget_seconds: float | None = None, max_epochs: int | None = None, batch_size: int = 32,
              masking: bool = False, learning_rate: float = 1e-3, clipnorm: float = 5.0, seed: int = 0,
              strides=STRIDES, verbose: bool = True, validate_each_epoch: bool = True) -> list:
    """Train ``model`` with the CTC loss for a fixed number of ``epochs``; returns one dict per epoch (epoch,
    seconds, loss, val_loss, val_der, val_strings).

    The number of epochs is fixed in advance (``epochs``; ``max_epochs``, its old name, is accepted; default 30),
    so a run trains the same way on any machine. ``budget_seconds`` is only a guard: when the training time
    (validation excluded) passes it, a warning says so once, and training goes on. Batches hold utterances of
    similar length (padded to a multiple of the total stride, :func:`pad_frames`), in an order shuffled each epoch
    from ``seed``; with ``masking`` each batch goes through :func:`mask_time_frequency` first. A model built with
    ``mask_padding=True`` gets each batch's frame counts. Adam(``learning_rate``, ``clipnorm``); loss = mean over
    the batch of ``keras.ops.ctc_loss``. With ``validate_each_epoch=False`` only the last epoch is scored on the
    validation set (the training itself is the same; the other epochs' entries have no ``val_*`` keys).
    """
    import warnings

    import keras

    tf = config.import_tensorflow()
    _check_pairs(features, digits)
    _check_pairs(val_features, val_digits)
    if epochs is not None and max_epochs is not None and epochs != max_epochs:
        raise ValueError(f"give epochs or max_epochs (its old name), not both: got {epochs} and {max_epochs}")
    epochs = validation.integer("epochs", epochs if epochs is not None else max_epochs if max_epochs is not None
                                else 30, minimum=1)
    if budget_seconds is not None:
        budget_seconds = validation.real_number("budget_seconds", budget_seconds)
    optimizer = keras.optimizers.Adam(learning_rate, clipnorm=clipnorm)

    @tf.function(reduce_retracing=True)
    def train_step(inputs, labels, label_lengths, logit_lengths):
        with tf.GradientTape() as tape:
            logits = model(inputs, training=True)
            loss = tf.reduce_mean(keras.ops.ctc_loss(labels, logits, label_lengths, logit_lengths))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    rng = np.random.default_rng(seed)
    lengths = np.array([len(f) for f in features])
    history, trained, warned = [], 0.0, False
    for epoch in range(1, epochs + 1):
        start, losses = time.perf_counter(), []
        for group in length_batches(lengths, batch_size, rng):
            x, x_lengths = pad_frames([features[i] for i in group], strides)
            if masking:
                x = mask_time_frequency(x, x_lengths, rng)
            labels, label_lengths = ctc.encode_batch([digits[i] for i in group])
            losses.append(float(train_step(model_inputs(model, x, x_lengths), labels, label_lengths,
                                           output_lengths(x_lengths, strides))))
        seconds = time.perf_counter() - start
        trained += seconds
        history.append({"epoch": epoch, "seconds": round(seconds, 2), "loss": float(np.mean(losses))})
        if validate_each_epoch or epoch == epochs:
            scores = evaluate(model, val_features, val_digits, strides=strides)
            history[-1].update(val_loss=scores["loss"], val_der=scores["der"], val_strings=scores["strings"])
        if verbose:
            print(f"epoch {epoch}: {seconds:.0f} s, loss {history[-1]['loss']:.3f}"
                  + (f", val loss {scores['loss']:.3f}, val DER {scores['der']:.3f}" if "val_loss" in history[-1] else ""),
                  flush=True)
        if budget_seconds is not None and trained > budget_seconds and not warned:
            warned = True
            warnings.warn(f"training has taken {trained:.0f} s after epoch {epoch} of {epochs}, over its guard of "
                          f"{budget_seconds:.0f} s: this machine is slower or busier than the one the chapter was "
                          "timed on; it trains all its epochs anyway (the results do not depend on the time)",
                          RuntimeWarning, stacklevel=2)
    return history
