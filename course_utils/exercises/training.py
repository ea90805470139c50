"""Chapter 11: the multiply-accumulate count of an LSTM layer per time step; global batch and scaled learning rate."""
from __future__ import annotations

import math

from course_utils.measure import cost
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
    """The global batch of synchronous data parallelism and the learning rate by the linear scaling rule.

    Each of ``replicas`` replicas takes ``per_replica_batch`` examples per step, so one update averages over
    ``global_batch = per_replica_batch * replicas`` examples. A learning rate ``base_learning_rate`` tuned for
    ``base_batch`` examples per update is scaled in proportion (Goyal et al. 2017):
    ``learning_rate = base_learning_rate * global_batch / base_batch``. Returns ``(global_batch, learning_rate)``.
    """
    global_batch = int(per_replica_batch) * int(replicas)
    return global_batch, float(base_learning_rate) * global_batch / float(base_batch)


def _batch_cases(seed: int = 0) -> list:
    """Fixed settings (the seed is not used)."""
    return [
        Case("one replica at the base batch", "that nothing changes: one replica taking the base batch keeps both",
             {"per_replica_batch": 64, "replicas": 1, "base_learning_rate": 1e-3, "base_batch": 64}),
        Case("two replicas", "the global batch (per-replica batch x replicas) and a learning rate scaled with it",
             {"per_replica_batch": 64, "replicas": 2, "base_learning_rate": 1e-3, "base_batch": 64}),
        Case("a base batch unlike the per-replica batch", "that the scale is global batch / base batch, not the "
             "number of replicas: 4 x 32 = 128 examples against a base of 256 halves the learning rate",
             {"per_replica_batch": 32, "replicas": 4, "base_learning_rate": 0.01, "base_batch": 256}),
        Case("eight replicas", "a large scale-up: 8 x 16 = 128 examples against a base of 32",
             {"per_replica_batch": 16, "replicas": 8, "base_learning_rate": 3e-4, "base_batch": 32}),
    ]


def _lr_unscaled(per_replica_batch, replicas, base_learning_rate, base_batch):
    return per_replica_batch * replicas, float(base_learning_rate)


def _lr_times_replicas(per_replica_batch, replicas, base_learning_rate, base_batch):
    return per_replica_batch * replicas, float(base_learning_rate) * replicas


def _global_is_per_replica(per_replica_batch, replicas, base_learning_rate, base_batch):
    return per_replica_batch, float(base_learning_rate) * per_replica_batch / base_batch


def _lr_square_root(per_replica_batch, replicas, base_learning_rate, base_batch):
    global_batch = per_replica_batch * replicas
    return global_batch, float(base_learning_rate) * math.sqrt(global_batch / base_batch)


def _lr_inverse(per_replica_batch, replicas, base_learning_rate, base_batch):
    global_batch = per_replica_batch * replicas
    return global_batch, float(base_learning_rate) * base_batch / global_batch


BATCH_MISTAKES = (
    Variant("the learning rate must grow with the global batch: multiply it by global_batch / base_batch.",
            _lr_unscaled),
    Variant("scale by global_batch / base_batch, not by the number of replicas (they agree only when the base batch "
            "is the per-replica batch).", _lr_times_replicas),
    Variant("the global batch is the per-replica batch times the number of replicas: every replica takes its own.",
            _global_is_per_replica),
    Variant("this exercise asks for the linear scaling rule (factor global_batch / base_batch), not its square root.",
            _lr_square_root),
    Variant("the ratio is upside down: a larger global batch gets a larger learning rate, "
            "base_learning_rate * global_batch / base_batch.", _lr_inverse),
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
