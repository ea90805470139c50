"""Chapter 11: the multiply-accumulate count of an LSTM layer per time step; global batch and scaled learning rate
(the square-root rule, for Adam); a callback that keeps the best epoch's weights and stops on a non-finite loss."""
from __future__ import annotations

import math

import numpy as np

from course_utils.measure import cost
from course_utils.exercises._callback_checks import CallbackCase, _keras, callback_exercise
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register


# ------------------------------------------------------------------------------------------- LSTM MACs

def lstm_macs_per_step(d, n):
    """Multiply-accumulates per example and per time step of ``keras.layers.LSTM(n)`` on ``d`` input features:
    four blocks of ``x_t W_x + h_{t-1} W_h`` (i, f, c~, o: ``4 n (d + n)``) and three element-wise products
    (``f * c_{t-1}``, ``i * c~_t``, ``o * tanh(c_t)``: ``3 n``). Biases and activations are not multiplications."""
    return cost.macs_per_step("lstm", int(d), int(n))


def _macs_cases(seed: int = 0) -> list:
    """Fixed sizes (the seed is not used: each case's sizes are chosen to isolate one term)."""
    return [
        Case("one feature, one unit", "the whole count at the smallest size: 4 * 1 * (1 + 1) + 3 = 11",
             {"d": 1, "n": 1}),
        Case("many features, few units", "the input term 4 n d: with d = 50 and n = 2 it dominates", {"d": 50, "n": 2}),
        Case("few features, many units", "the recurrent term 4 n^2: with d = 2 and n = 40 it dominates",
             {"d": 2, "n": 40}),
        Case("a layer of this chapter", "everything at once, at the size of the chapter's models (d = 32, n = 64)",
             {"d": 32, "n": 64}),
    ]


def _macs_without_elementwise(d, n):
    return 4 * n * (d + n)


def _macs_without_input(d, n):
    return 4 * n * n + 3 * n


def _macs_without_recurrent(d, n):
    return 4 * n * d + 3 * n


def _macs_three_blocks(d, n):
    return 3 * n * (d + n) + 3 * n


def _macs_with_biases(d, n):
    return 4 * n * (d + n + 1) + 3 * n


def _macs_parameters(d, n):
    return 4 * n * (d + n + 1)


MACS_MISTAKES = (
    Variant("add the three element-wise products of the cell update, f*c, i*c~ and o*tanh(c): 3n more.",
            _macs_without_elementwise),
    Variant("the input product x_t W_x is missing: 4 blocks of d x n each, 4nd MACs.", _macs_without_input),
    Variant("the recurrent product h_{t-1} W_h is missing: 4 blocks of n x n each, 4n^2 MACs.",
            _macs_without_recurrent),
    Variant("an LSTM has four blocks (input, forget and output gates and the candidate), not three as a GRU.",
            _macs_three_blocks),
    Variant("adding a bias is an addition, not a multiplication: biases add no MACs.", _macs_with_biases),
    Variant("that is the layer's parameter count (weights and biases), not its multiply-accumulates per step.",
            _macs_parameters),
)


# -------------------------------------------------------------------------- batch size and learning rate

def global_batch_and_learning_rate(per_replica_batch, replicas, base_learning_rate, base_batch):
    """The global batch of synchronous data parallelism and an Adam learning rate by the square-root scaling rule.

    Each of ``replicas`` replicas takes ``per_replica_batch`` examples per step, so one update averages over
    ``global_batch = per_replica_batch * replicas`` examples. An Adam learning rate ``base_learning_rate`` tuned for
    ``base_batch`` examples per update is scaled with the square root of the batch ratio (Malladi et al. 2022; the
    linear rule of Goyal et al. 2017 is SGD's): ``learning_rate = base_learning_rate * sqrt(global_batch /
    base_batch)``. Returns ``(global_batch, learning_rate)``.
    """
    global_batch = int(per_replica_batch) * int(replicas)
    return global_batch, float(base_learning_rate) * math.sqrt(global_batch / float(base_batch))


def _batch_cases(seed: int = 0) -> list:
    """Fixed settings (the seed is not used)."""
    return [
        Case("one replica at the base batch", "that nothing changes: one replica taking the base batch keeps both",
             {"per_replica_batch": 64, "replicas": 1, "base_learning_rate": 1e-3, "base_batch": 64}),
        Case("two replicas", "the global batch (per-replica batch x replicas) and a learning rate scaled with it",
             {"per_replica_batch": 64, "replicas": 2, "base_learning_rate": 1e-3, "base_batch": 64}),
        Case("a base batch unlike the per-replica batch", "that the scale is global batch / base batch, not the "
             "number of replicas: 4 x 16 = 64 examples against a base of 256 halves the learning rate",
             {"per_replica_batch": 16, "replicas": 4, "base_learning_rate": 0.01, "base_batch": 256}),
        Case("eight replicas", "a large scale-up: 8 x 16 = 128 examples against a base of 32 doubles it",
             {"per_replica_batch": 16, "replicas": 8, "base_learning_rate": 3e-4, "base_batch": 32}),
    ]


def _lr_unscaled(per_replica_batch, replicas, base_learning_rate, base_batch):
    return per_replica_batch * replicas, float(base_learning_rate)


def _lr_times_sqrt_replicas(per_replica_batch, replicas, base_learning_rate, base_batch):
    return per_replica_batch * replicas, float(base_learning_rate) * math.sqrt(replicas)


def _global_is_per_replica(per_replica_batch, replicas, base_learning_rate, base_batch):
    return per_replica_batch, float(base_learning_rate) * math.sqrt(per_replica_batch / base_batch)


def _lr_linear(per_replica_batch, replicas, base_learning_rate, base_batch):
    global_batch = per_replica_batch * replicas
    return global_batch, float(base_learning_rate) * global_batch / base_batch


def _lr_inverse(per_replica_batch, replicas, base_learning_rate, base_batch):
    global_batch = per_replica_batch * replicas
    return global_batch, float(base_learning_rate) * math.sqrt(base_batch / global_batch)


BATCH_MISTAKES = (
    Variant("the learning rate must grow with the global batch: multiply it by sqrt(global_batch / base_batch).",
            _lr_unscaled),
    Variant("scale by sqrt(global_batch / base_batch), not by the square root of the number of replicas (they agree "
            "only when the base batch is the per-replica batch).", _lr_times_sqrt_replicas),
    Variant("the global batch is the per-replica batch times the number of replicas: every replica takes its own.",
            _global_is_per_replica),
    Variant("that is the linear rule (factor global_batch / base_batch), derived for SGD; for Adam, the optimizer "
            "here, use its square root (Malladi et al. 2022).", _lr_linear),
    Variant("the ratio is upside down: a larger global batch gets a larger learning rate, "
            "base_learning_rate * sqrt(global_batch / base_batch).", _lr_inverse),
)


register(Exercise("lstm_macs_per_step", "Multiply-accumulates of an LSTM layer per time step", lstm_macs_per_step,
                  _macs_cases, variants=MACS_MISTAKES,
                  mistakes=[Mistake(lambda d, n: 4 * n * (d + n) + 2 * n, "one feature, one unit", "expected")]))
register(Exercise("global_batch_and_learning_rate", "Global batch size and scaled learning rate for N replicas",
                  global_batch_and_learning_rate, _batch_cases, variants=BATCH_MISTAKES,
                  output_names=("global_batch", "learning_rate"),
                  mistakes=[Mistake(lambda per_replica_batch, replicas, base_learning_rate, base_batch:
                                    (per_replica_batch + replicas, base_learning_rate), "one replica at the base batch",
                                    "global_batch")]))


# ------------------------------------------------------------------- a callback: keep the best epoch, stop on nan

def keep_best_weights(monitor="val_accuracy", mode="max"):
    """A callback that keeps a copy of the weights of the epoch with the best ``monitor`` value (higher is better
    for ``mode="max"``, lower for ``"min"``; of equal values the first), puts them back into the model when training
    ends, sets ``best_epoch`` (counted from 1) and ``best``, and stops training after an epoch whose loss is not
    finite (nan or infinite). Keras's ``EarlyStopping(restore_best_weights=True)`` and ``TerminateOnNaN`` do the
    same jobs (the second after each batch)."""
    keras = _keras()

    class KeepBestWeights(keras.callbacks.Callback):
        def __init__(self, monitor, mode):
            super().__init__()
            self.monitor, self.mode = monitor, mode

        def on_train_begin(self, logs=None):
            self.best, self.best_epoch, self.best_weights = None, None, None

        def on_epoch_end(self, epoch, logs=None):
            if not math.isfinite(logs["loss"]):
                self.model.stop_training = True  # the weights are broken: later epochs would start from them
                return
            value = logs[self.monitor]
            if self.best is None or (value > self.best if self.mode == "max" else value < self.best):
                self.best, self.best_epoch = value, epoch + 1
                self.best_weights = self.model.get_weights()  # a copy of the values (NumPy arrays)

        def on_train_end(self, logs=None):
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return KeepBestWeights(monitor, mode)


def _wrong_keeper(restore=True, strict=True, stop_on_nan=True, one_based=True, honour_mode=True, monitor=None):
    """A builder of the reference callback with one mistake switched on (the registered Mistakes)."""

    def build(monitor_name="val_accuracy", mode="max"):
        keras = _keras()
        watched = monitor or monitor_name

        class Wrong(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.best, self.best_epoch, self.best_weights = None, None, None

            def on_epoch_end(self, epoch, logs=None):
                if stop_on_nan and not math.isfinite(logs["loss"]):
                    self.model.stop_training = True
                    return
                value = logs[watched]
                higher = mode == "max" or not honour_mode
                if self.best is None:
                    better = True
                elif strict:
                    better = value > self.best if higher else value < self.best
                else:
                    better = value >= self.best if higher else value <= self.best
                if better:
                    self.best, self.best_epoch = value, epoch + 1 if one_based else epoch
                    self.best_weights = self.model.get_weights()

            def on_train_end(self, logs=None):
                if restore and self.best_weights is not None:
                    self.model.set_weights(self.best_weights)

        return Wrong()

    return lambda monitor, mode: build(monitor, mode)


def _keeper_cases(seed: int = 0) -> list:
    """Scripted histories, each isolating one rule; other seeds shift each metric's values by one common amount
    (orders and ties are kept)."""
    rng = np.random.default_rng(seed)

    def shifted(values):
        shift = 0.0 if seed == 0 else float(rng.uniform(-0.01, 0.01))
        return [v + shift for v in values]

    nan = float("nan")
    return [
        CallbackCase("accuracy rises, then falls", "that the best epoch's weights (epoch 2 of 4) are put back when "
                     "training ends, and best_epoch counted from 1",
                     {"monitor": "val_accuracy", "mode": "max"}, epochs=4,
                     history={"loss": shifted([0.69, 0.60, 0.55, 0.50]), "val_accuracy": shifted([0.55, 0.72, 0.68, 0.70]),
                              "val_loss": shifted([0.68, 0.62, 0.66, 0.60])}),
        CallbackCase("a loss, lower is better", "mode='min' and the monitor argument: the lowest val_loss wins, "
                     "whatever val_accuracy does", {"monitor": "val_loss", "mode": "min"}, epochs=5,
                     history={"loss": shifted([0.69, 0.60, 0.55, 0.50, 0.45]),
                              "val_accuracy": shifted([0.50, 0.75, 0.70, 0.72, 0.74]),
                              "val_loss": shifted([0.62, 0.55, 0.70, 0.50, 0.52])}),
        CallbackCase("two equally good epochs", "that of equal values the first is kept (a strict improvement)",
                     {"monitor": "val_accuracy", "mode": "max"}, epochs=4,
                     history={"loss": shifted([0.69, 0.60, 0.55, 0.50]), "val_accuracy": shifted([0.60, 0.80, 0.80, 0.70])}),
        CallbackCase("the loss becomes nan", "that training stops after the first epoch whose loss is nan, and the best "
                     "epoch before it is kept", {"monitor": "val_accuracy", "mode": "max"}, epochs=6,
                     history={"loss": [0.69, 0.60, nan, nan, nan, nan], "val_accuracy": shifted([0.60, 0.70, 0.50, 0.80, 0.90, 0.90])}),
    ]


register(callback_exercise(
    "keep_best_weights", "A callback: keep the best epoch's weights, stop on a non-finite loss", keep_best_weights,
    _keeper_cases, mistakes=[
        Mistake(_wrong_keeper(restore=False), "accuracy rises, then falls", "put them back in on_train_end"),
        Mistake(_wrong_keeper(one_based=False), "accuracy rises, then falls", "best_epoch counts from 1"),
        Mistake(_wrong_keeper(honour_mode=False), "a loss, lower is better", "with mode='min' (a loss) lower is better"),
        Mistake(_wrong_keeper(monitor="val_accuracy"), "a loss, lower is better", "read logs[self.monitor]"),
        Mistake(_wrong_keeper(strict=False), "two equally good epochs", "of equally good epochs keep the first"),
        Mistake(_wrong_keeper(stop_on_nan=False), "the loss becomes nan", "training must stop after an epoch whose loss"),
    ]))
