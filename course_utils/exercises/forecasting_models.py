"""Chapter 09's exercises in Keras: a windowed dataset cut from one part of a split with
``keras.utils.timeseries_dataset_from_array`` (no window may cross the split), and a direct multi-horizon
forecaster (a GRU whose Dense head predicts all ``horizon`` steps at once), checked by behaviour."""
from __future__ import annotations

import numpy as np

from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register
from course_utils.exercises.models import LayerGraph, Learns, ModelCase, OutputShape, ParameterCount, model_exercise

KERAS_TIME_LIMIT = 60.0  # seconds per case: the first case may import TensorFlow (about 4 s on the course's machine)


def _keras():
    from course_utils.config import import_tensorflow

    import_tensorflow()  # quietly
    import keras

    return keras


# ---------------------------------------------------------------------------------- the windowed dataset

def split_windows(series, start, end, input_width, horizon):
    """Every (inputs, targets) window of ``series[start:end]``, one part of a chronological split, as a batched
    ``tf.data.Dataset`` made by ``keras.utils.timeseries_dataset_from_array``.

    Inputs: ``input_width`` consecutive values with a feature axis, batches of shape ``(B, input_width, 1)``;
    targets: the ``horizon`` values right after them, ``(B, horizon)``. Windows start one step apart, and every
    input and target lies inside ``[start, end)``: no window crosses the split.
    """
    keras = _keras()
    part = np.asarray(series[start:end], dtype="float32")
    count = len(part) - input_width - horizon + 1  # windows whose targets all lie inside the part
    targets = np.stack([part[input_width + h: input_width + h + count] for h in range(horizon)], axis=1)
    return keras.utils.timeseries_dataset_from_array(part[: count + input_width - 1, None], targets,
                                                     sequence_length=input_width, batch_size=32)


def _materialise(result):
    """A dataset of (inputs, targets) batches -> the two arrays, all batches concatenated (other answers as given)."""
    if hasattr(result, "as_numpy_iterator"):
        batches = list(result.as_numpy_iterator())
        if not batches:
            return np.zeros((0,)), np.zeros((0,))
        if not all(isinstance(b, tuple) and len(b) == 2 for b in batches):
            return "a dataset whose elements are not (inputs, targets) pairs"
        return tuple(np.concatenate([np.asarray(b[k]) for b in batches]).astype(float) for k in (0, 1))
    return result


def _window_dataset_cases(seed: int = 0) -> list:
    """The cases; another seed gives other values and another split in the last case."""
    rng = np.random.default_rng(seed)
    numbered = 100.0 + np.arange(20)  # each value says where it comes from
    start = int(rng.integers(2, 6))
    return [
        Case("a split in the middle", "that every input and target lies inside [start, end): no window crosses the "
             "split", {"series": numbered, "start": 5, "end": 13, "input_width": 3, "horizon": 2}),
        Case("horizon 1 from the start", "where the targets begin (right after the inputs) and the feature axis",
             {"series": numbered, "start": 0, "end": 10, "input_width": 4, "horizon": 1}),
        Case("a long horizon", "that the targets hold all `horizon` next values",
             {"series": numbered, "start": 3, "end": 15, "input_width": 2, "horizon": 5}),
        Case("random values", "everything together on another series and split",
             {"series": rng.normal(size=40), "start": start, "end": start + 25, "input_width": 5, "horizon": 3}),
    ]


def _windows_with(series, start, end, input_width, horizon, *, overrun=0, shift=0, feature_axis=True, one_step=False):
    """The reference with one thing changed (the typical mistakes below)."""
    keras = _keras()
    part = np.asarray(series[start:end + overrun], dtype="float32")
    count = len(part) - input_width - horizon + 1 - max(shift, 0)
    targets = np.stack([part[input_width + shift + h: input_width + shift + h + count] for h in range(horizon)], axis=1)
    if one_step:
        targets = targets[:, 0]
    data = part[: count + input_width - 1]
    return keras.utils.timeseries_dataset_from_array(data[:, None] if feature_axis else data, targets,
                                                     sequence_length=input_width, batch_size=32)


def _crosses_split(series, start, end, input_width, horizon):
    """Mistake: the targets of the last windows are read from after ``end`` (series[start:end + horizon])."""
    return _windows_with(series, start, end, input_width, horizon, overrun=horizon)


def _targets_on_last_input(series, start, end, input_width, horizon):
    """Mistake: the targets start on the last input step."""
    return _windows_with(series, start, end, input_width, horizon, shift=-1)


def _no_feature_axis(series, start, end, input_width, horizon):
    """Mistake: inputs of shape (B, input_width), without the feature axis a recurrent layer reads."""
    return _windows_with(series, start, end, input_width, horizon, feature_axis=False)


def _one_step_targets(series, start, end, input_width, horizon):
    """Mistake: only the next value as the target, shape (B,)."""
    return _windows_with(series, start, end, input_width, horizon, one_step=True)


CROSSES_HINT = ("the last windows' targets lie at or after `end`: they cross the split. Cut series[start:end] first "
                "and keep only the windows whose targets all fit inside it.")
register(Exercise(
    "split_windows", "A windowed dataset of one part of a chronological split (timeseries_dataset_from_array)",
    split_windows, _window_dataset_cases, output_names=("inputs", "targets"), normalize=_materialise,
    time_limit=KERAS_TIME_LIMIT,
    variants=(Variant(CROSSES_HINT, _crosses_split),
              Variant("the targets start on the last input step; they start right after it (input_width steps after "
                      "the window's first step).", _targets_on_last_input),
              Variant("the inputs have no feature axis: a recurrent layer reads (batch, time steps, features); give "
                      "timeseries_dataset_from_array the values as a column, part[:, None].", _no_feature_axis),
              Variant("the targets hold one value; a direct multi-horizon model needs all `horizon` next values, shape "
                      "(batch, horizon).", _one_step_targets)),
    mistakes=[Mistake(_crosses_split, "a split in the middle", "cross the split"),
              Mistake(_targets_on_last_input, "a split in the middle", "start on the last input step"),
              Mistake(_no_feature_axis, "a split in the middle", "no feature axis"),
              Mistake(_one_step_targets, "a split in the middle", "all `horizon` next values")],
))


# ---------------------------------------------------------------------------------- the direct forecaster

def direct_forecaster(input_width, horizon, units, learning_rate):
    """A direct multi-horizon forecaster: windows of shape (B, input_width, 1) -> GRU(units) -> Dense(horizon),
    all ``horizon`` steps predicted at once from the GRU's final state. Returns it compiled with
    Adam(learning_rate) and the mean squared error."""
    keras = _keras()
    model = keras.Sequential([
        keras.Input(shape=(input_width, 1)),  # input_width time steps, one feature
        keras.layers.GRU(units),  # the final hidden state summarises the window
        keras.layers.Dense(horizon),  # one linear output per horizon
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    return model


def _forecaster_cases(seed: int = 0) -> list:
    """The cases; another seed gives other batches and other initial weights of the same design."""
    rng = np.random.default_rng(seed)
    small = {"input_width": 6, "horizon": 3, "units": 4, "learning_rate": 0.02}
    other = {"input_width": 5, "horizon": 2, "units": 3, "learning_rate": 0.02}
    x_small, x_other = (rng.normal(size=(4, 6, 1)).astype("float32"), rng.normal(size=(3, 5, 1)).astype("float32"))
    x_train = rng.normal(size=(8, 6, 1)).astype("float32")
    y_train = (x_train[:, -3:, 0] + 0.5).astype("float32")  # a learnable target: the last values, shifted
    learns_hint = "check the loss (the mean squared error) and the optimizer and its learning rate (the exercise gives them)."
    return [
        ModelCase("the layers", "the layers and their order: GRU -> Dense", small, checks=(LayerGraph(),), seed=seed),
        ModelCase("sizes 6, 3, 4", "the output shape (B, horizon), one value per horizon, and the parameter count",
                  small, checks=(OutputShape(x_small), ParameterCount(x_small)), seed=seed),
        ModelCase("sizes 5, 2, 3", "that the sizes come from the arguments, not from numbers written in the code",
                  other, checks=(OutputShape(x_other), ParameterCount(x_other)), seed=seed),
        ModelCase("learns on 8 windows", "that the compiled model learns: 15 steps on 8 windows at least halve the loss",
                  small, checks=(Learns(x_train, y_train, steps=15, factor=2.0, hint=learns_hint),), seed=seed),
    ]


def _forecaster_with(input_width, horizon, units, learning_rate, *, cell="GRU", outputs=None, sequences=False):
    """The reference with one thing changed (the typical mistakes below)."""
    keras = _keras()
    model = keras.Sequential([keras.Input(shape=(input_width, 1)),
                              getattr(keras.layers, cell)(units, return_sequences=sequences),
                              keras.layers.Dense(horizon if outputs is None else outputs)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    return model


def _one_step_head(input_width, horizon, units, learning_rate):
    """Mistake: Dense(1), a one-step head, in a model meant to forecast `horizon` steps at once."""
    return _forecaster_with(input_width, horizon, units, learning_rate, outputs=1)


def _all_states(input_width, horizon, units, learning_rate):
    """Mistake: GRU(return_sequences=True): a forecast per input step instead of one from the final state."""
    return _forecaster_with(input_width, horizon, units, learning_rate, sequences=True)


def _fixed_sizes(input_width, horizon, units, learning_rate):
    """Mistake: the sizes of the first case written as numbers, the arguments ignored."""
    return _forecaster_with(6, 3, 4, learning_rate)


def _lstm_cell(input_width, horizon, units, learning_rate):
    """Mistake: an LSTM where the exercise asks for a GRU (4 gates' weights instead of 3)."""
    return _forecaster_with(input_width, horizon, units, learning_rate, cell="LSTM")


register(model_exercise(
    "direct_forecaster", "A direct multi-horizon forecaster in Keras: GRU -> Dense(horizon)",
    direct_forecaster, _forecaster_cases,
    mistakes=[
        Mistake(_one_step_head, "sizes 6, 3, 4", "the last axis has 1 values, expected 3"),
        Mistake(_all_states, "sizes 6, 3, 4", "return_sequences"),
        Mistake(_fixed_sizes, "sizes 5, 2, 3", "expected (3, 2)"),
        Mistake(_lstm_cell, "the layers", "layer 1 is an LSTM where the model needs a GRU"),
    ],
))
