"""Cases of the offline network guard; run only inside a network namespace whose only interface is loopback.

``tests/test_netguard.py`` runs this file under ``unshare -n``. Run directly elsewhere, it skips itself, so that
nothing here can ever reach another machine. Where a call could go out if the guard failed, the real function
behind the guard is replaced by a recorder; outside targets are documentation addresses and ``example.invalid``.
"""
import _socket
import socket
import threading
import urllib.error
import urllib.request

import pytest

from course_utils import netguard

OUTSIDE = ("192.0.2.7", 9)  # TEST-NET-1, a documentation address


def _only_loopback() -> bool:
    try:
        return [name for _, name in socket.if_nameindex()] == ["lo"]
    except (OSError, AttributeError):
        return False


if not _only_loopback():
    pytest.skip("run only inside a network namespace of its own (tests/test_netguard.py does that)",
                allow_module_level=True)


@pytest.fixture
def guard():
    netguard.unblock_network()
    netguard.block_network()
    yield
    netguard.unblock_network()


@pytest.fixture
def recorder(monkeypatch):
    """Replace the real function behind the guard by one that records its call and sends nothing."""
    calls = []

    def install(name):
        monkeypatch.setitem(netguard._ORIGINALS, name, lambda *args, **kwargs: calls.append((name, args)))
        return calls

    return install


class LocalServer:
    """A loopback TCP server that records what it receives and answers like an HTTP server or proxy.

    It never forwards anything: as a "proxy" it only shows whether a request reached it."""

    def __init__(self):
        self.received = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.address = self.sock.getsockname()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    data = conn.recv(65536)
                except OSError:
                    continue
                if data:
                    self.received.append(data)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    @property
    def url(self):
        return f"http://{self.address[0]}:{self.address[1]}"

    def close(self):
        self.sock.close()


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.close()


def _caused_by_guard(error) -> bool:
    while error is not None:
        if isinstance(error, netguard.NetworkBlockedError):
            return True
        error = getattr(error, "reason", None) or error.__cause__ or error.__context__
    return False


# ---------------------------------------------------------------------------------------------- refused

@pytest.mark.parametrize("method", ["connect", "connect_ex"])
def test_remote_connection_is_refused_before_the_real_call(guard, recorder, method):
    calls = recorder(method)
    with socket.socket() as sock:
        with pytest.raises(netguard.NetworkBlockedError, match="COURSE_OFFLINE"):
            getattr(sock, method)(OUTSIDE)
    assert calls == []


@pytest.mark.parametrize("name, args", [
    ("getaddrinfo", ("example.invalid", 443)),
    ("gethostbyname", ("example.invalid",)),
    ("gethostbyname_ex", ("example.invalid",)),
    ("gethostbyaddr", ("192.0.2.7",)),
    ("getnameinfo", (("192.0.2.7", 443), 0)),
])
@pytest.mark.parametrize("module", [socket, _socket], ids=["socket", "_socket"])
def test_host_name_lookups_are_refused(guard, recorder, name, args, module):
    calls = recorder(name)
    with pytest.raises(netguard.NetworkBlockedError, match="offline mode"):
        getattr(module, name)(*args)
    assert calls == []


def test_udp_datagrams_to_outside_are_refused(guard, recorder):
    calls = recorder("sendto") + recorder("sendmsg")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(netguard.NetworkBlockedError):
            sock.sendto(b"x", OUTSIDE)
        with pytest.raises(netguard.NetworkBlockedError):
            sock.sendto(b"x", 0, OUTSIDE)
        with pytest.raises(netguard.NetworkBlockedError):
            sock.sendmsg([b"x"], [], 0, OUTSIDE)
    assert calls == []


def test_the_low_level_socket_module_is_guarded_too(guard, recorder):
    calls = recorder("connect") + recorder("sendto")
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        with pytest.raises(netguard.NetworkBlockedError):
            raw.connect(OUTSIDE)
    finally:
        raw.close()
    raw = _socket.SocketType(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        with pytest.raises(netguard.NetworkBlockedError):
            raw.sendto(b"x", OUTSIDE)
    finally:
        raw.close()
    assert calls == []


@pytest.mark.parametrize("url", ["http://example.invalid/data.zip", "https://example.invalid/data.zip",
                                 "http://192.0.2.7:8080/data.zip"])
def test_requests_through_a_loopback_proxy_to_outside_are_refused(guard, server, url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.url, "https": server.url}))
    with pytest.raises(urllib.error.URLError) as info:
        opener.open(url, timeout=5)
    assert _caused_by_guard(info.value)
    assert server.received == []  # the proxy never saw the request


def test_requests_library_through_a_proxy_is_refused(guard, server):
    requests = pytest.importorskip("requests")
    with pytest.raises(requests.RequestException) as info:
        requests.get("http://example.invalid/", proxies={"http": server.url, "https": server.url}, timeout=5)
    assert _caused_by_guard(info.value)
    assert server.received == []


@pytest.mark.parametrize("request_bytes", [
    b"\x05\x01\x00\x01\xc0\x00\x02\x07\x01\xbb",  # SOCKS5 to 192.0.2.7:443
    b"\x05\x01\x00\x03\x0fexample.invalid\x01\xbb",  # SOCKS5 to a host name
    b"\x04\x01\x01\xbb\xc0\x00\x02\x07\x00",  # SOCKS4 to 192.0.2.7:443
    b"POST http://example.invalid/upload HTTP/1.0\r\n\r\n",
])
def test_socks_and_raw_proxy_requests_are_refused(guard, server, request_bytes):
    with socket.create_connection(server.address, timeout=5) as sock:
        with pytest.raises(netguard.NetworkBlockedError, match="through the proxy"):
            sock.sendall(request_bytes)
    assert server.received == []


def test_without_the_guard_the_proxy_would_see_the_request(server):
    """The control for the proxy tests: the fake proxy does see what the guard stops (it forwards nothing)."""
    netguard.unblock_network()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.url}))
    assert opener.open("http://example.invalid/data.zip", timeout=5).read() == b"ok"
    assert server.received[0].startswith(b"GET http://example.invalid/data.zip HTTP/1.1")


# ---------------------------------------------------------------------------------------------- allowed

def test_loopback_servers_keep_working(guard, server):
    assert urllib.request.urlopen(server.url + "/local", timeout=5).read() == b"ok"
    proxied = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.url}))
    assert proxied.open(f"http://localhost:{server.address[1]}/via-proxy", timeout=5).read() == b"ok"
    assert server.received[0].startswith(b"GET /local HTTP/1.1")
    assert server.received[1].startswith(b"GET http://localhost:")


def test_local_lookups_datagrams_and_unix_sockets_keep_working(guard):
    assert socket.getaddrinfo("localhost", 80)
    assert socket.gethostbyname("localhost") == "127.0.0.1"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
        rx.bind(("127.0.0.1", 0))
        tx.sendto(b"ping", rx.getsockname())
        rx.settimeout(5)
        assert rx.recv(10) == b"ping"
    a, b = socket.socketpair()
    with a, b:
        a.sendall(b"GET http://example.invalid/ HTTP/1.1\r\n\r\n"[:3])  # not a request line: allowed
        assert b.recv(10) == b"GET"


def test_unblock_restores_every_function():
    before = (socket.socket.connect, socket.socket.sendto, socket.gethostbyname, _socket.socket, _socket.getaddrinfo)
    netguard.block_network()
    assert netguard.is_blocked() and socket.socket.connect is not before[0] and _socket.socket is not before[3]
    netguard.unblock_network()
    after = (socket.socket.connect, socket.socket.sendto, socket.gethostbyname, _socket.socket, _socket.getaddrinfo)
    assert after == before and not netguard.is_blocked()
    assert "connect" not in socket.socket.__dict__
