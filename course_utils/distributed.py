"""Training one recurrent model with ``tf.distribute``, on this machine, compared with a single process.

Three ways to train the same GRU on the same adding-problem data with the same global batches:

* ``"single"``: one process, no strategy (the reference);
* ``"mirrored"``: ``tf.distribute.MirroredStrategy`` over two logical CPU devices of one process, with ``model.fit``;
* ``"multiworker"``: ``tf.distribute.MultiWorkerMirroredStrategy`` with two real worker processes that talk over
  loopback (``TF_CONFIG`` on 127.0.0.1). ``model.fit`` fails under this strategy in Keras 3.15 ("Attempt to convert
  a value (PerReplica...) to a Tensor"), so the workers run a custom loop: ``distribute_datasets_from_function``,
  ``strategy.run`` and ``strategy.reduce``.

In every mode each global batch of ``global_batch`` examples is split into equal per-replica halves, each replica's
loss is summed over its examples and divided by the *global* batch size, and the replicas' gradients are summed
(the all-reduce): the update equals the single-process update on the whole global batch, so the loss curves must
agree up to floating-point summation order. Each run happens in fresh processes started and stopped here, with a
time limit (:mod:`course_utils.measure.fresh_process`: a hung worker is killed and reported).

What listens, and where: the workers find each other at 127.0.0.1 (``TF_CONFIG``), but each worker's gRPC server
listens on **all interfaces** (``[::]:port``, which takes IPv4 too) while the worker runs. TensorFlow 2.21 offers no
way to bind it to loopback: its C++ ``GrpcServer::Init`` (``grpc_server_lib.cc``) hard-codes the listening address
``0.0.0.0:<port>`` (gRPC turns it into the dual-stack ``[::]``), and neither ``tf.distribute.Server`` (its
``protocol`` is ``"grpc"``) nor ``ServerDef`` (fields: cluster, job name, task index, protocol, port, session config,
device filters) nor ``ClusterSpec`` takes a bind address; the host in the cluster spec only tells the others where to
connect. So the exposure is kept short: the servers live only as long as their worker processes (a few seconds of
training, killed at the time limit), and :data:`SERVER_LISTENS_ON_ALL_INTERFACES` records the fact, which
``tests/course_utils/test_distributed.py`` checks by reading ``/proc/net/tcp6`` inside a process that runs such a server. On a
network you do not trust, run the multi-worker mode behind a firewall (or skip it).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from dataclasses import dataclass, field

from course_utils.measure import fresh_process

MODES = ("single", "mirrored", "multiworker")
# TensorFlow's gRPC server binds 0.0.0.0/[::] whatever the cluster spec says (see the module docstring).
SERVER_LISTENS_ON_ALL_INTERFACES = True


class DistributedError(fresh_process.FreshProcessError):
    """A training process failed or exceeded its time limit; the message holds the end of its error output."""


@dataclass
class Config:
    """What to train: a GRU(``units``) + Dense(1) on the adding problem of length ``steps``."""

    examples: int = 2048
    steps: int = 20
    units: int = 16
    global_batch: int = 64
    epochs: int = 2
    learning_rate: float = 1e-3
    seed: int = 0

    def __post_init__(self):
        for name in ("examples", "steps", "units", "global_batch", "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.global_batch % 2:
            raise ValueError(f"global_batch must be even (two replicas share it), got {self.global_batch}")
        if self.examples < self.global_batch:
            raise ValueError(f"examples ({self.examples}) must be at least one global batch ({self.global_batch})")


@dataclass
class Run:
    """The outcome of one mode: the loss after every step (the global batch's mean loss), the seconds spent in
    the training loop, examples per second, and what each worker reported."""

    mode: str
    losses: list
    seconds: float
    examples_per_second: float
    workers: list = field(default_factory=list)


def free_ports(count: int) -> list:
    """``count`` TCP ports on 127.0.0.1 that are free right now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _start(mode: str, config: Config, threads: int, label: str, tf_config: dict | None = None):
    """One training process; ``TF_CONFIG`` is removed from its environment unless ``tf_config`` is given."""
    return fresh_process.start("course_utils.distributed", mode, "--config", json.dumps(config.__dict__),
                               threads=threads, env={"TF_CONFIG": tf_config and json.dumps(tf_config)},
                               label=label)


def train(mode: str, config: Config | None = None, timeout: float = 300, threads: int = 1) -> Run:
    """Train in ``mode`` (``"single"``, ``"mirrored"`` or ``"multiworker"``) in fresh processes and return a
    :class:`Run`. ``threads`` is each process's intra-op thread count. Raises :class:`DistributedError` when a
    process fails or the run exceeds ``timeout`` seconds."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    config = config or Config()
    if mode == "multiworker":
        cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
        processes = [_start(mode, config, threads, f"{mode} training (worker {index})",
                            {"cluster": cluster, "task": {"type": "worker", "index": index}}) for index in range(2)]
    else:
        processes = [_start(mode, config, threads, f"{mode} training")]
    reports = fresh_process.collect(processes, timeout, DistributedError)
    first = reports[0]
    seconds = max(r["seconds"] for r in reports)
    total = config.epochs * (config.examples // config.global_batch) * config.global_batch
    return Run(mode, first["losses"], seconds, total / seconds, reports)


def train_modes(modes=MODES, config: Config | None = None, timeout: float = 300, threads: int = 1,
                parallel: bool = False) -> dict:
    """Train the same ``config`` in each of ``modes`` and return ``{mode: Run}`` in the order given.

    With ``parallel=False`` the runs happen one after the other, so each has the machine to itself and its
    throughput means something. ``parallel=True`` starts them all at once (one thread each) to save wall-clock
    time when only the losses matter (quick mode): their timings then measure a shared machine."""
    modes = list(modes)
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not parallel:
        return {mode: train(mode, config, timeout, threads) for mode in modes}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(modes)) as pool:
        futures = {mode: pool.submit(train, mode, config, timeout, threads) for mode in modes}
        return {mode: futures[mode].result() for mode in modes}


# ------------------------------------------------------------------------------------------------------
# What runs inside the training processes
# ------------------------------------------------------------------------------------------------------

def _data(config: Config):
    from course_utils.datasets import adding_problem

    x, y = adding_problem(config.examples, config.steps, seed=config.seed)
    usable = (config.examples // config.global_batch) * config.global_batch
    return x[:usable], y[:usable]


def _model(config: Config):
    import keras

    return keras.Sequential([keras.Input((config.steps, 2)), keras.layers.GRU(config.units), keras.layers.Dense(1)])


def _custom_loop(strategy, config: Config) -> dict:
    """The training loop shared by "single" and "multiworker": per-replica halves of each global batch."""
    import keras
    import tensorflow as tf

    x, y = _data(config)

    def dataset_fn(context):
        per_replica = context.get_per_replica_batch_size(config.global_batch)
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(config.global_batch, drop_remainder=True)
        if context.num_input_pipelines > 1:  # one worker's part of every global batch
            start = context.input_pipeline_id * per_replica
            ds = ds.map(lambda a, b: (a[start:start + per_replica], b[start:start + per_replica]))
        return ds.repeat(config.epochs)

    options = tf.distribute.InputOptions()
    dataset = strategy.distribute_datasets_from_function(dataset_fn, options)
    with strategy.scope():
        keras.utils.set_random_seed(config.seed)
        model = _model(config)
        optimizer = keras.optimizers.Adam(config.learning_rate)

    def step(inputs, targets):
        with tf.GradientTape() as tape:
            predictions = model(inputs, training=True)
            per_example = tf.reduce_mean(tf.square(predictions - targets), axis=-1)
            loss = tf.reduce_sum(per_example) / config.global_batch  # divide by the GLOBAL batch size
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def distributed_step(inputs, targets):
        per_replica = strategy.run(step, args=(inputs, targets))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    losses, start = [], None
    for index, (inputs, targets) in enumerate(dataset):
        if index == 1:
            start = time.perf_counter()  # the first step traces the function: not timed
        losses.append(float(distributed_step(inputs, targets)))
    seconds = time.perf_counter() - start if start is not None else 0.0
    steps_timed = max(1, len(losses) - 1)
    return {"losses": losses, "seconds": seconds * len(losses) / steps_timed}


def _mirrored_fit(config: Config) -> dict:
    """MirroredStrategy over two logical CPU devices of this process, with model.fit."""
    import keras
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])
    x, y = _data(config)
    with strategy.scope():
        keras.utils.set_random_seed(config.seed)
        model = _model(config)
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")

    class Losses(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.values, self.start = [], None

        def on_train_batch_begin(self, batch, logs=None):
            if self.start is None and self.values:
                self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.values.append(float(logs["loss"]))

    record = Losses()
    model.fit(x, y, batch_size=config.global_batch, epochs=config.epochs, shuffle=False, verbose=0,
              callbacks=[record])
    seconds = time.perf_counter() - record.start
    steps_timed = max(1, len(record.values) - 1)
    # Keras reports the running mean of the epoch's batch losses; turn it back into each batch's loss.
    per_epoch = len(record.values) // config.epochs
    losses = []
    for epoch in range(config.epochs):
        means = record.values[epoch * per_epoch:(epoch + 1) * per_epoch]
        losses += [means[0]] + [(k + 1) * means[k] - k * means[k - 1] for k in range(1, len(means))]
    return {"losses": losses, "seconds": seconds * len(losses) / steps_timed, "replicas": strategy.num_replicas_in_sync}


def _worker_main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.distributed")
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    config = Config(**json.loads(args.config))
    from course_utils.config import import_tensorflow

    tf = import_tensorflow()
    if args.mode == "mirrored":
        report = _mirrored_fit(config)
    elif args.mode == "multiworker":
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        report = _custom_loop(strategy, config)
        report["replicas"] = strategy.num_replicas_in_sync
        report["task"] = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    else:
        report = _custom_loop(tf.distribute.get_strategy(), config)
        report["replicas"] = 1
    fresh_process.answer(report)
    return 0


if __name__ == "__main__":
    sys.exit(_worker_main())
