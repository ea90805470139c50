"""tf.distribute on this machine: two real worker processes (talking over loopback) train like one process."""
import numpy as np
import pytest

from course_utils import distributed

# the module's subject is tf.distribute (MirroredStrategy, MultiWorkerMirroredStrategy, a TensorFlow gRPC server)
pytestmark = pytest.mark.tensorflow_only("tf.distribute strategies and TensorFlow's gRPC workers are the subject")

SMALL = distributed.Config(examples=256, steps=8, units=4, global_batch=32, epochs=1, seed=3)


def test_two_workers_and_two_mirrored_replicas_reproduce_the_single_process_losses():
    """single and mirrored run at once (train_modes' parallel path, as in quick mode), multiworker on its own: every
    mode trains the same losses, whichever way it was started."""
    together = distributed.train_modes(("single", "mirrored"), SMALL, timeout=180, parallel=True)
    assert list(together) == ["single", "mirrored"]
    single, mirrored = together["single"], together["mirrored"]
    workers = distributed.train("multiworker", SMALL, timeout=180)
    assert len(single.losses) == SMALL.examples // SMALL.global_batch == len(workers.losses) == len(mirrored.losses)
    np.testing.assert_allclose(workers.losses, single.losses, rtol=1e-4)
    np.testing.assert_allclose(mirrored.losses, single.losses, rtol=1e-4)
    assert [w["task"] for w in workers.workers] == [0, 1]
    assert all(w["replicas"] == 2 for w in workers.workers) and mirrored.workers[0]["replicas"] == 2
    np.testing.assert_array_equal(workers.workers[0]["losses"], workers.workers[1]["losses"])  # both agree exactly
    assert single.examples_per_second > 0 and workers.seconds > 0


def test_a_run_over_its_time_limit_is_stopped_and_reported():
    with pytest.raises(distributed.DistributedError, match="did not finish within"):
        distributed.train("multiworker", SMALL, timeout=0.5)


@pytest.mark.parametrize("kwargs, message", [
    ({"global_batch": 33}, "must be even"),
    ({"examples": 16}, "at least one global batch"),
    ({"units": 0}, "units must be a positive int"),
    ({"epochs": 1.5}, "epochs must be a positive int"),
])
def test_bad_configurations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        distributed.Config(**kwargs)
    with pytest.raises(ValueError, match="mode must be one of"):
        distributed.train("parameter-server", SMALL)


def test_free_ports_are_distinct_loopback_ports():
    ports = distributed.free_ports(3)
    assert len(set(ports)) == 3 and all(1024 <= p < 65536 for p in ports)


def test_train_modes_refuses_an_unknown_mode_before_starting_anything():
    with pytest.raises(ValueError, match="mode must be one of"):
        distributed.train_modes(("single", "ring"), SMALL)


_SERVER_PROBE = '''
import sys
from course_utils import distributed
from course_utils.config import import_tensorflow
from course_utils.measure import fresh_process

port = distributed.free_ports(1)[0]
tf = import_tensorflow()
server = tf.distribute.Server(tf.train.ClusterSpec({"worker": [f"127.0.0.1:{port}"]}), job_name="worker",
                              task_index=0, start=True)
listening = []
for table in ("tcp", "tcp6"):  # /proc/net/tcp*: local address as hex "ADDRESS:PORT", state 0A = LISTEN
    for line in open(f"/proc/net/{table}").read().splitlines()[1:]:
        fields = line.split()
        address, hex_port = fields[1].split(":")
        if fields[3] == "0A" and int(hex_port, 16) == port:
            listening.append([table, address])
fresh_process.answer({"listening": listening})
'''


@pytest.mark.skipif(not __import__("os").path.exists("/proc/net/tcp6"), reason="needs Linux's /proc/net/tcp6")
def test_what_a_worker_s_grpc_server_listens_on_is_what_the_module_says(tmp_path):
    """TensorFlow's gRPC server binds the wildcard address whatever the cluster spec says; the module and chapter 11
    say so (SERVER_LISTENS_ON_ALL_INTERFACES). If a TensorFlow release binds loopback, this fails: update both."""
    from course_utils.measure import fresh_process

    (tmp_path / "server_probe.py").write_text(_SERVER_PROBE)
    listening = fresh_process.run("server_probe", time_limit=120, threads=1, cwd=tmp_path)["listening"]
    assert listening, "the server listens nowhere?"
    wildcard = {("tcp", "00000000"), ("tcp6", "0" * 32)}
    loopback = {("tcp", "0100007F"), ("tcp6", "0" * 24 + "01000000")}
    on_all = any((table, address) in wildcard for table, address in listening)
    assert on_all or all((table, address) in loopback for table, address in listening), listening
    assert on_all == distributed.SERVER_LISTENS_ON_ALL_INTERFACES, listening
