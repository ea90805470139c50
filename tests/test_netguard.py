"""The offline network guard blocks non-loopback connections without sending anything."""
import socket
import threading

import pytest

from course_utils import netguard


@pytest.fixture
def guard():
    netguard.unblock_network()
    netguard.block_network()
    yield
    netguard.unblock_network()


def test_remote_connection_is_refused_before_the_real_connect(guard, monkeypatch):
    calls = []
    # Replace the real connect behind the guard by a recorder: nothing can leave the machine.
    monkeypatch.setitem(netguard._ORIGINALS, "connect", lambda sock, addr: calls.append(addr))
    with socket.socket() as sock:
        with pytest.raises(netguard.NetworkBlockedError, match="COURSE_OFFLINE"):
            sock.connect(("198.51.100.7", 443))
    assert calls == []


def test_host_name_lookup_is_refused(guard, monkeypatch):
    calls = []
    monkeypatch.setitem(netguard._ORIGINALS, "getaddrinfo", lambda *a, **k: calls.append(a))
    with pytest.raises(OSError, match="offline mode"):
        socket.getaddrinfo("example.org", 443)
    assert calls == []


def test_loopback_still_works(guard):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0].close()))
    thread.start()
    with socket.create_connection(server.getsockname(), timeout=5):
        pass
    thread.join(5)
    server.close()
    assert accepted


def test_unblock_restores_socket_functions():
    original = socket.socket.connect
    netguard.block_network()
    assert socket.socket.connect is not original and netguard.is_blocked()
    netguard.unblock_network()
    assert socket.socket.connect is original and not netguard.is_blocked()
