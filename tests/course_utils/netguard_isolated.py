"""Cases of the offline network guard; run only inside a network namespace whose only interface is loopback.

``tests/course_utils/test_netguard.py`` runs this file under ``unshare -n``. Run directly elsewhere, it skips itself, so that
nothing here can ever reach another machine. Where a call could go out if the guard failed, the real function
behind the guard is replaced by a recorder; outside targets are documentation addresses and ``example.invalid``.
"""
import _socket
import ipaddress
import socket
import sys
import textwrap
import threading
import urllib.error
import urllib.request

import pytest

from course_utils import netguard

OUTSIDE = ("192.0.2.7", 9)  # TEST-NET-1, a documentation address
COPIED = {"gethostbyname": socket.gethostbyname, "getaddrinfo": _socket.getaddrinfo,
          "gethostbyaddr": socket.gethostbyaddr}  # copied before any guard: `from socket import gethostbyname`


def _only_loopback() -> bool:
    try:
        return [name for _, name in socket.if_nameindex()] == ["lo"]
    except (OSError, AttributeError):
        return False


if not _only_loopback():
    pytest.skip("run only inside a network namespace of its own (tests/course_utils/test_netguard.py does that)",
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


@pytest.mark.parametrize("call", ["base class", "super", "connect_ex of the base class", "sendto of the base class"])
def test_the_base_class_s_methods_are_refused_too(guard, call):
    kind = socket.SOCK_DGRAM if "sendto" in call else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as sock:
        with pytest.raises(netguard.NetworkBlockedError):
            if call == "base class":
                _socket.socket.connect(sock, OUTSIDE)
            elif call == "super":
                super(socket.socket, sock).connect(OUTSIDE)
            elif call.startswith("connect_ex"):
                _socket.socket.connect_ex(sock, OUTSIDE)
            else:
                _socket.socket.sendto(sock, b"x", OUTSIDE)


@pytest.mark.parametrize("name, args", [("gethostbyname", ("example.invalid",)),
                                        ("getaddrinfo", ("example.invalid", 80)),
                                        ("getaddrinfo", ("localhost.", 80)),  # a name: the hook cannot answer
                                        ("gethostbyaddr", ("127.0.0.1",))])  # a reverse query
def test_functions_copied_before_the_guard_are_refused_by_the_audit_hook(guard, name, args):
    with pytest.raises(netguard.NetworkBlockedError):
        COPIED[name](*args)


def test_the_audit_hook_does_nothing_once_the_guard_is_off(guard):
    netguard.unblock_network()
    assert COPIED["getaddrinfo"]("127.0.0.1", 80)
    with socket.socket() as sock:
        with pytest.raises(OSError) as info:  # no route out of this namespace: the kernel, not the guard, says no
            _socket.socket.connect(sock, OUTSIDE)
    assert not isinstance(info.value, netguard.NetworkBlockedError)


# ---------------------------------------------------------------------------------------------- loopback names

@pytest.fixture
def resolver_calls(monkeypatch):
    """Record what the guard passes to the real lookup functions (and still call them)."""
    calls = []

    def spy(name, real):
        def call(*args, **kwargs):
            calls.append((name, args))
            return real(*args, **kwargs)
        return call

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo", "connect"):
        monkeypatch.setitem(netguard._ORIGINALS, name, spy(name, netguard._ORIGINALS[name]))
    return calls


def _numeric(host) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _only_numbers_reached_the_resolver(calls) -> bool:
    for name, args in calls:
        if name == "connect":
            if not _numeric(args[1][0]):
                return False
        elif name == "getnameinfo":
            if not (_numeric(args[0][0]) and args[1] & socket.NI_NUMERICHOST):
                return False
        elif name == "getaddrinfo":
            if not (_numeric(args[0]) and args[5] & socket.AI_NUMERICHOST):
                return False
        else:  # gethostbyname*, gethostbyaddr: the guard answers loopback names itself
            return False
    return True


@pytest.mark.parametrize("call, expected", [
    (lambda: socket.getaddrinfo("ip6-localhost", 80), {"::1"}),
    (lambda: socket.getaddrinfo("localhost.", 80), {"127.0.0.1", "::1"}),
    (lambda: socket.getaddrinfo("localhost", 80, socket.AF_INET6), {"::1"}),
    (lambda: socket.getaddrinfo("LocalHost", 80, socket.AF_INET, socket.SOCK_STREAM), {"127.0.0.1"}),
    (lambda: _socket.getaddrinfo(b"ip6-loopback.", 80), {"::1"}),
    (lambda: [socket.gethostbyname("LOCALHOST.")], {"127.0.0.1"}),
    (lambda: socket.gethostbyname_ex("localhost.")[2], {"127.0.0.1"}),
    (lambda: socket.gethostbyaddr("127.0.0.1")[2], {"127.0.0.1"}),
    (lambda: socket.gethostbyaddr("::1")[2], {"::1"}),
    (lambda: [socket.getnameinfo(("127.0.0.1", 80), socket.NI_NUMERICHOST)[0]], {"127.0.0.1"}),
], ids=["ip6-localhost", "localhost.", "localhost AF_INET6", "LocalHost AF_INET", "bytes ip6-loopback.",
        "gethostbyname LOCALHOST.", "gethostbyname_ex", "gethostbyaddr v4", "gethostbyaddr v6", "getnameinfo"])
def test_loopback_names_are_answered_without_the_system_resolver(guard, resolver_calls, call, expected):
    answer = call()
    hosts = {entry[4][0] if isinstance(entry, tuple) else entry for entry in answer}
    assert hosts == expected
    assert _only_numbers_reached_the_resolver(resolver_calls), resolver_calls


def test_getaddrinfo_with_canonname_and_reverse_names(guard, resolver_calls):
    first = socket.getaddrinfo("localhost.", 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_CANONNAME)[0]
    assert first[3] == "localhost" and first[4] == ("127.0.0.1", 80)
    assert socket.getnameinfo(("127.0.0.1", 80), 0)[0] == "localhost"
    assert socket.gethostbyaddr("localhost")[0] == "localhost"
    assert _only_numbers_reached_the_resolver(resolver_calls), resolver_calls


def test_an_ipv6_only_name_has_no_ipv4_address(guard, resolver_calls):
    with pytest.raises(socket.gaierror):
        socket.gethostbyname("ip6-localhost")
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("ip6-localhost", 80, socket.AF_INET)
    assert resolver_calls == []


@pytest.mark.parametrize("host", ["LOCALHOST.", "localhost", "Localhost."])
def test_connecting_to_a_loopback_name_connects_to_the_number(guard, resolver_calls, server, host):
    with socket.socket() as sock:
        sock.settimeout(5)
        sock.connect((host, server.address[1]))
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
    assert resolver_calls and _only_numbers_reached_the_resolver(resolver_calls), resolver_calls


# ---------------------------------------------------------------------------------------------- fresh processes

_PROBE = """
import socket
from course_utils import netguard
from course_utils.measure import fresh_process
try:
    socket.create_connection(("192.0.2.7", 9), timeout=2)
    refused = "no"
except netguard.NetworkBlockedError:
    refused = "guard"
except OSError as error:
    refused = type(error).__name__
fresh_process.answer({"blocked": netguard.is_blocked(), "refused": refused})
"""


@pytest.mark.parametrize("how", ["guard on in the parent", "COURSE_OFFLINE=1", "off"])
def test_the_course_s_fresh_processes_run_under_the_guard_when_it_is_on(tmp_path, monkeypatch, how):
    from course_utils.measure import fresh_process

    (tmp_path / "guard_probe.py").write_text(textwrap.dedent(_PROBE))
    netguard.unblock_network()
    monkeypatch.setenv("COURSE_OFFLINE", "1" if how == "COURSE_OFFLINE=1" else "0")
    if how == "guard on in the parent":
        netguard.block_network()
    try:
        got = fresh_process.run("guard_probe", time_limit=120, cwd=tmp_path)
    finally:
        netguard.unblock_network()
    if how == "off":
        assert got["blocked"] is False and got["refused"] != "guard"
    else:
        assert got == {"blocked": True, "refused": "guard"}


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
