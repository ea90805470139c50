"""What a sequence layer costs against sequence length, measured: time and peak memory of one training pass.

Chapter 10 compares an LSTM layer with a multi-head self-attention layer. For each (layer, length) pair
:func:`measure` starts a **fresh Python process** (``python -m course_utils.measure.sequence_cost ...``, through
:mod:`course_utils.measure.fresh_process`) with a time limit, which

1. builds the layer (``keras.layers.LSTM(width, return_sequences=True)`` or
   ``keras.layers.MultiHeadAttention(heads, width // heads)`` used as self-attention) and an input
   ``(batch, length, width)``;
2. notes the process's peak resident size so far (Python, TensorFlow, the layer: the baseline; ``VmHWM`` of
   ``/proc/self/status``, see :func:`_peak_mib`);
3. runs one forward + backward pass (loss = mean of the squared outputs, gradients for the layer's weights: a
   ``tf.function`` with ``tf.GradientTape`` on TensorFlow, ``jax.jit(jax.value_and_grad(...))`` over the layer's
   ``stateless_call`` on JAX; the backend is the parent's ``KERAS_BACKEND``) to trace and warm up, then times
   ``repeats`` more passes and keeps the fastest;
4. prints one JSON line: ``seconds`` (the fastest pass), ``peak_mib`` (the process's peak resident size) and
   ``pass_mib`` (peak minus baseline: what the passes added).

A fresh process per length matters for memory: the peak resident size only ever grows, and
TensorFlow's allocations are invisible to ``tracemalloc``. :func:`loglog_slope` fits ``log(cost) = a + s log(T)``;
``s`` near 1 is linear, near 2 quadratic. :func:`crossing` says where one curve overtakes another.
"""
from __future__ import annotations

import math
import sys
import time

import numpy as np

from course_utils.measure import fresh_process

KINDS = ("lstm", "attention")


def _check(kind, length, batch, width, heads, repeats):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    for name, value in (("length", length), ("batch", batch), ("width", width), ("heads", heads),
                        ("repeats", repeats)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if kind == "attention" and width % heads:
        raise ValueError(f"width ({width}) must be a multiple of heads ({heads}) for attention")


def _peak_mib() -> float:
    """This process's peak resident size in MiB: ``VmHWM`` of ``/proc/self/status`` (Linux), else ``ru_maxrss``.

    ``VmHWM`` belongs to the process's own memory map, which ``exec`` replaces; ``ru_maxrss`` survives ``exec`` and
    would report the *parent's* peak in a child started from a large process (a notebook kernel after training).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:  # pragma: no cover - not Linux
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB (macOS: bytes)


def one_pass_cost(kind: str, length: int, *, batch: int = 1, width: int = 64, heads: int = 4,
                  repeats: int = 3) -> dict:
    """Measure in *this* process (``measure`` runs it in a fresh one): see the module docstring."""
    _check(kind, length, batch, width, heads, repeats)
    from course_utils import config

    tf = config.import_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    if kind == "lstm":
        layer = keras.layers.LSTM(width, return_sequences=True)

        def arguments(x):
            return (x,)
    else:
        layer = keras.layers.MultiHeadAttention(heads, width // heads)

        def arguments(x):
            return (x, x)  # self-attention
    if keras.backend.backend() == "jax":
        x = keras.random.normal((batch, length, width))
        layer(*arguments(x[:, :2]))  # build the weights on a short input
        training_pass = _jax_training_pass(layer, arguments)
    else:
        x = tf.random.normal((batch, length, width))
        layer(*arguments(x[:, :2]))

        @tf.function
        def training_pass(inputs):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(layer(*arguments(inputs))))
            return loss, tape.gradient(loss, layer.trainable_variables)

    baseline = _peak_mib()
    training_pass(x)  # trace and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        loss, grads = training_pass(x)
        float(loss)
        _ = [np.asarray(g) for g in grads]
        times.append(time.perf_counter() - start)
    peak = _peak_mib()
    return {"kind": kind, "length": int(length), "seconds": min(times), "peak_mib": peak,
            "pass_mib": peak - baseline}


def _jax_training_pass(layer, arguments):
    """One compiled forward + backward pass on JAX: the loss's value and its gradients for the layer's weights."""
    import jax
    import jax.numpy as jnp

    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]

    def loss(weights, inputs):
        outputs, _ = layer.stateless_call(weights, non_trainable, *arguments(inputs))
        return jnp.mean(jnp.square(outputs))

    value_and_grad = jax.jit(jax.value_and_grad(loss))
    return lambda inputs: value_and_grad(trainable, inputs)


def measure(kind: str, length: int, *, batch: int = 1, width: int = 64, heads: int = 4, repeats: int = 3,
            time_limit: float = 120.0) -> dict:
    """Run :func:`one_pass_cost` in a fresh process; stop it after ``time_limit`` seconds.

    Returns the same dict; when the process fails or runs out of time, ``seconds``, ``peak_mib`` and ``pass_mib``
    are NaN and ``error`` says why (so a sweep continues past a length the machine cannot afford).
    """
    _check(kind, length, batch, width, heads, repeats)
    try:
        return fresh_process.run("course_utils.measure.sequence_cost", kind, str(length), str(batch), str(width),
                                 str(heads), str(repeats), time_limit=time_limit, label=f"{kind} at length {length}")
    except fresh_process.FreshProcessError as error:
        return {"kind": kind, "length": int(length), "seconds": math.nan, "peak_mib": math.nan, "pass_mib": math.nan,
                "error": error.brief[:200] + (f": {error.stderr_tail[-1][:200]}" if error.stderr_tail else "")}


def measure_all(kinds, lengths, **options):
    """:func:`measure` for every kind and length (in that order); a pandas DataFrame, one row per process."""
    import pandas as pd

    return pd.DataFrame([measure(kind, int(length), **options) for kind in kinds for length in lengths])


def loglog_slope(lengths, values) -> float:
    """The slope ``s`` of a least-squares line through ``(log T, log value)``: cost grows like ``T^s``.

    Pairs with a NaN or non-positive value are left out; at least two must remain.
    """
    lengths, values = np.asarray(lengths, float), np.asarray(values, float)
    if lengths.shape != values.shape or lengths.ndim != 1:
        raise ValueError(f"lengths and values must be 1-D of the same length, got {lengths.shape} and {values.shape}")
    keep = np.isfinite(values) & (values > 0) & (lengths > 0)
    if keep.sum() < 2:
        raise ValueError("need at least two positive, finite values to fit a slope")
    return float(np.polyfit(np.log(lengths[keep]), np.log(values[keep]), 1)[0])


def crossing(lengths, cheaper_first, other):
    """The first length at which ``other`` costs more than ``cheaper_first`` after costing less (or the same) at
    the previous length, interpolated linearly in log-log coordinates; None when the curves do not cross that way.
    """
    lengths = np.asarray(lengths, float)
    a, b = np.asarray(cheaper_first, float), np.asarray(other, float)
    for i in range(1, len(lengths)):
        if b[i - 1] <= a[i - 1] and b[i] > a[i]:
            gap0, gap1 = np.log(b[i - 1]) - np.log(a[i - 1]), np.log(b[i]) - np.log(a[i])
            fraction = gap0 / (gap0 - gap1) if gap0 != gap1 else 0.0
            return float(np.exp(np.log(lengths[i - 1]) + fraction * (np.log(lengths[i]) - np.log(lengths[i - 1]))))
    return None


def _main(argv) -> None:
    kind, length, batch, width, heads, repeats = argv[0], *(int(v) for v in argv[1:6])
    fresh_process.answer(one_pass_cost(kind, length, batch=batch, width=width, heads=heads, repeats=repeats))


if __name__ == "__main__":
    _main(sys.argv[1:])
