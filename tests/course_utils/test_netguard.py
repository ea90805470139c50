"""The offline network guard, tested inside a network namespace of its own so nothing can leave the machine.

The cases live in ``tests/course_utils/netguard_isolated.py`` (not collected on their own). This test runs them under
``unshare -n`` (as root) or ``unshare -rn`` (in a user namespace), where the only interface is loopback: even a
broken guard cannot send a packet off this machine. Inside, the real socket functions behind the guard are also
replaced by recorders wherever a call could go out, and the only outside targets are documentation addresses
(192.0.2.x) and ``example.invalid``.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests._paths import REPO

CASES = Path(__file__).with_name("netguard_isolated.py")

# Brings the new namespace's loopback interface up (it starts down), then runs pytest on the cases.
_BOOT = """
import fcntl, socket, struct, sys
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    flags = struct.unpack('16sH14s', fcntl.ioctl(s, 0x8913, struct.pack('16sH14s', b'lo', 0, b'')))[1]
    fcntl.ioctl(s, 0x8914, struct.pack('16sH14s', b'lo', flags | 1, b''))
import pytest
sys.exit(pytest.main([sys.argv[1], '-q', '-p', 'no:xdist', '-p', 'no:cacheprovider', '-o', 'addopts=', '-rs']))
"""


def _isolating_command():
    unshare = shutil.which("unshare")
    if not unshare or not sys.platform.startswith("linux"):
        return None
    for prefix in ([unshare, "-n"], [unshare, "-rn"]):  # as root; else in a user namespace
        if subprocess.run(prefix + ["true"], capture_output=True).returncode == 0:
            return prefix
    return None


def test_guard_cases_pass_in_a_network_namespace_of_their_own():
    prefix = _isolating_command()
    if prefix is None:
        pytest.skip("cannot create a network namespace here (needs Linux, unshare, and root or user namespaces)")
    proc = subprocess.run(prefix + [sys.executable, "-c", _BOOT, str(CASES)], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert " passed" in report and "failed" not in report and "skipped" not in report, report
