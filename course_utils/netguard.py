"""A network guard for offline mode: any access that would leave this machine raises at once.

:func:`setup` installs it when ``COURSE_OFFLINE`` is on, so a chapter that would touch the network in CI
fails loudly instead of hanging or silently downloading. It covers this Python process (a notebook's kernel
included), at the socket layer, so every library built on it is covered (urllib, http.client, requests,
asyncio, ssl):

* connections (``connect``, ``connect_ex``) and datagrams (``sendto``, ``sendmsg`` with an address) to any
  address that is not loopback;
* host-name lookups of names other than ``localhost`` (``getaddrinfo``, ``gethostbyname``,
  ``gethostbyname_ex``, ``gethostbyaddr``, ``getnameinfo``);
* the same calls through the low-level ``_socket`` module;
* requests that a local proxy would forward to an outside host: an HTTP request with an absolute URL or a
  ``CONNECT``, or a SOCKS 4/5 connect request, sent over a loopback connection.

Loopback and Unix sockets stay allowed (Jupyter talks to its kernel over them; local servers keep working).
Not covered: programs this process starts (``curl``, ``pip``, another Python), and references to socket
functions that a module copied before the guard was installed (``from socket import gethostbyname``).
"""
from __future__ import annotations

import _socket
import ipaddress
import re
import socket

_ORIGINALS: dict = {}  # the real functions, called by the guarded ones (tests replace them by recorders)
_PATCHED: list = []  # (namespace, attribute, previous value or _MISSING) to restore
_MISSING = object()

_SOCKET_METHODS = ("connect", "connect_ex", "sendto", "sendmsg", "send", "sendall")
_LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo")
_HTTP_PROXY_REQUEST = re.compile(rb"^([A-Z]{3,10}) (\S+) HTTP/1\.[01]\r?\n")
_LOCAL_NAMES = ("localhost", "localhost.", "ip6-localhost", "", None)


class NetworkBlockedError(OSError):
    """Raised instead of a network access that would leave this machine while offline mode is on."""


def _is_local_host(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in _LOCAL_NAMES or (isinstance(host, str) and host.lower().rstrip(".") == "localhost"):
        return True
    if isinstance(host, int):  # an IPv4 address as an integer (gethostbyaddr does not take these, but be safe)
        host = str(ipaddress.ip_address(host))
    try:
        address = ipaddress.ip_address(str(host).strip("[]").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def _is_local(address) -> bool:
    """True for loopback (host, port[, ...]) tuples and for non-tuple addresses (AF_UNIX paths, netlink ids)."""
    if not isinstance(address, tuple) or not address:
        return True
    return _is_local_host(address[0])


def _refuse(what) -> NetworkBlockedError:
    return NetworkBlockedError(
        f"offline mode (COURSE_OFFLINE=1) blocked a network access to {what!r}. "
        "Course code must use the offline data; unset COURSE_OFFLINE to allow downloads."
    )


def _proxy_target(data) -> str | None:
    """The outside host a proxy request in ``data`` asks to reach, or None if ``data`` is not such a request."""
    head = bytes(memoryview(data)[:1024]) if data else b""
    match = _HTTP_PROXY_REQUEST.match(head)
    if match:
        method, target = match.group(1), match.group(2).decode("ascii", "replace")
        if method == b"CONNECT":
            host = target.rsplit(":", 1)[0] if not target.startswith("[") else target[1:].split("]")[0]
        elif "://" in target:
            host = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/]*@)?", "", target)
            host = host[1:].split("]")[0] if host.startswith("[") else re.split(r"[:/?#]", host, 1)[0]
        else:  # origin-form ("GET /path"): a request to the server itself
            return None
        return None if _is_local_host(host) else f"{method.decode()} {target}"
    if len(head) >= 10 and head[:3] == b"\x05\x01\x00":  # SOCKS5 connect request
        kind = head[3]
        if kind == 1 and len(head) == 10:
            host = ".".join(str(b) for b in head[4:8])
        elif kind == 4 and len(head) == 22:
            host = str(ipaddress.IPv6Address(head[4:20]))
        elif kind == 3 and len(head) == 7 + head[4]:
            host = head[5:5 + head[4]].decode("ascii", "replace")
        else:
            return None
        return None if _is_local_host(host) else f"SOCKS5 connect to {host}"
    if len(head) >= 9 and head[:2] == b"\x04\x01" and head.endswith(b"\x00"):  # SOCKS4/4a connect request
        ip = head[4:8]
        if ip[:3] == b"\x00\x00\x00" and ip[3]:  # SOCKS4a: the host name follows the user id
            parts = head[8:].split(b"\x00")
            host = parts[1].decode("ascii", "replace") if len(parts) > 2 else ""
        else:
            host = ".".join(str(b) for b in ip)
        return None if _is_local_host(host) else f"SOCKS4 connect to {host}"
    return None


def _check_payload(sock, data) -> None:
    try:
        target = _proxy_target(data)
    except (TypeError, ValueError):  # not a bytes-like object: let the real call report it
        return
    if target is not None:
        try:
            via = sock.getpeername()
        except OSError:
            via = "a local socket"
        raise _refuse(f"{target} (through the proxy at {via})")


def _guarded_methods() -> dict:
    def connect(sock, address):
        if not _is_local(address):
            raise _refuse(address)
        return _ORIGINALS["connect"](sock, address)

    def connect_ex(sock, address):
        if not _is_local(address):
            raise _refuse(address)
        return _ORIGINALS["connect_ex"](sock, address)

    def sendto(sock, data, *args):
        if args and not _is_local(args[-1]):
            raise _refuse(args[-1])
        return _ORIGINALS["sendto"](sock, data, *args)

    def sendmsg(sock, buffers, *args):
        address = args[2] if len(args) >= 3 else None
        if address is not None and not _is_local(address):
            raise _refuse(address)
        buffers = list(buffers)
        if buffers:
            _check_payload(sock, buffers[0])
        return _ORIGINALS["sendmsg"](sock, buffers, *args)

    def send(sock, data, *args):
        _check_payload(sock, data)
        return _ORIGINALS["send"](sock, data, *args)

    def sendall(sock, data, *args):
        _check_payload(sock, data)
        return _ORIGINALS["sendall"](sock, data, *args)

    return {"connect": connect, "connect_ex": connect_ex, "sendto": sendto, "sendmsg": sendmsg,
            "send": send, "sendall": sendall}


def _guarded_lookup(name):
    def lookup(host, *args, **kwargs):
        target = host[0] if name == "getnameinfo" and isinstance(host, tuple) else host
        if not _is_local_host(target):
            raise _refuse(target)
        return _ORIGINALS[name](host, *args, **kwargs)

    lookup.__name__ = name
    return lookup


def _patch(namespace, attribute, value) -> None:
    previous = namespace.__dict__.get(attribute, _MISSING) if isinstance(namespace, type) else getattr(
        namespace, attribute, _MISSING)
    _PATCHED.append((namespace, attribute, previous))
    setattr(namespace, attribute, value)


def block_network() -> None:
    """Install the guard (idempotent): see the module docstring for what it refuses and what it allows."""
    if _ORIGINALS:
        return
    methods = _guarded_methods()
    for name in _SOCKET_METHODS:
        if hasattr(socket.socket, name):
            _ORIGINALS[name] = getattr(socket.socket, name)
    for name in _LOOKUPS:
        _ORIGINALS[name] = getattr(_socket, name)
    try:
        for name in _ORIGINALS:
            if name in methods:
                _patch(socket.socket, name, methods[name])
        raw = type("socket", (_socket.socket,), {"__module__": "_socket", "__doc__": _socket.socket.__doc__,
                                                   **{n: methods[n] for n in _ORIGINALS if n in methods}})
        _patch(_socket, "socket", raw)
        _patch(_socket, "SocketType", raw)
        for name in _LOOKUPS:
            guarded = _guarded_lookup(name)
            _patch(_socket, name, guarded)  # socket.getaddrinfo calls _socket.getaddrinfo
            if getattr(socket, name, None) is _ORIGINALS[name]:
                _patch(socket, name, guarded)  # the others were copied into socket by `from _socket import *`
    except BaseException:
        unblock_network()
        raise


def unblock_network() -> None:
    """Undo :func:`block_network` (used by tests)."""
    while _PATCHED:
        namespace, attribute, previous = _PATCHED.pop()
        if previous is _MISSING:
            delattr(namespace, attribute)
        else:
            setattr(namespace, attribute, previous)
    _ORIGINALS.clear()


def is_blocked() -> bool:
    """True while the guard is installed."""
    return bool(_ORIGINALS)
