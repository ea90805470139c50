"""A network guard for offline mode: network access from this Python process that would leave the machine raises.

:func:`setup` installs it when ``COURSE_OFFLINE`` is on, so a chapter that would touch the network in CI
fails loudly instead of hanging or silently downloading. It works at Python's socket layer, so every library built
on it is covered (urllib, http.client, requests, asyncio, ssl). What it refuses, with :class:`NetworkBlockedError`:

* connections (``connect``, ``connect_ex``) and datagrams (``sendto``, ``sendmsg`` with an address) to any
  address that is not loopback;
* host-name lookups (``getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr``,
  ``getnameinfo``) of anything but a loopback name or address. The loopback names ``localhost``,
  ``ip6-localhost`` and ``ip6-loopback`` (any case, with or without the final dot) are answered by the guard
  itself (127.0.0.1 and/or ::1, as the family asked for), and so are reverse lookups of loopback addresses
  (``localhost``): the system resolver is never asked, since it sends a DNS query off the machine for any
  spelling that ``/etc/hosts`` lacks. A connection to ``("localhost", port)`` is made to the number;
* the same calls through the low-level ``_socket`` module;
* the same calls through the C base class (``_socket.socket.connect(sock, ...)``, ``super().connect``) and through
  references copied before the guard was installed (``from socket import gethostbyname``): an audit hook
  (:func:`sys.addaudithook`, called by CPython's socket module itself) refuses outside addresses and every host
  name there (it cannot answer for ``localhost``; use the module's functions for that). The hook stays installed
  for the life of the process and does nothing while the guard is off;
* a request that a local proxy would forward to an outside host: an HTTP request with an absolute URL or a
  ``CONNECT``, or a SOCKS 4/5 connect request, when it is the start of the bytes given to one ``send``,
  ``sendall`` or ``sendmsg`` call on a loopback connection.

Loopback and Unix sockets stay allowed (Jupyter talks to its kernel over them; local servers keep working).

Its limits, precisely (deliberate bypasses are possible; the guard is a safety net against accidents, not a
sandbox):

* the proxy check reads one call's bytes: a proxy request split over two sends (``"GET http:"`` then the rest),
  bytes written to the socket's file descriptor with ``os.write``/``os.writev``, ``socket.sendfile``/
  ``os.sendfile``, and the C base class's ``send``/``sendall`` (CPython raises no audit event for them) reach a
  local proxy unchecked;
* networking that does not go through CPython's socket module: C/C++ libraries with their own sockets
  (TensorFlow's gRPC and its ``gs://``/``http`` file systems, libcurl, ctypes calls to libc);
* other processes: shell commands (``!curl``, ``!pip``) and subprocesses are not covered, except the course's own
  fresh processes (:mod:`course_utils.measure.fresh_process`, chapters 10, 11 and 13), which install the guard
  before their module runs whenever it is on in the parent or ``COURSE_OFFLINE`` is on.
"""
from __future__ import annotations

import _socket
import ipaddress
import re
import socket
import sys
import threading

_ORIGINALS: dict = {}  # the real functions, called by the guarded ones (tests replace them by recorders)
_PATCHED: list = []  # (namespace, attribute, previous value or _MISSING) to restore
_MISSING = object()

_SOCKET_METHODS = ("connect", "connect_ex", "sendto", "sendmsg", "send", "sendall")
_LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo")
_HTTP_PROXY_REQUEST = re.compile(rb"^([A-Z]{3,10}) (\S+) HTTP/1\.[01]\r?\n")
_IPV4_LOOPBACK, _IPV6_LOOPBACK = "127.0.0.1", "::1"
_LOOPBACK_NAMES = {"localhost": (_IPV4_LOOPBACK, _IPV6_LOOPBACK), "ip6-localhost": (_IPV6_LOOPBACK,),
                   "ip6-loopback": (_IPV6_LOOPBACK,)}
_INSIDE = threading.local()  # .depth > 0 while a guarded function calls the real one (the audit hook lets it)
_HOOKED = []  # [True] once the audit hook is installed (it cannot be removed; it does nothing while unblocked)


class NetworkBlockedError(OSError):
    """Raised instead of a network access that would leave this machine while offline mode is on."""


def _text(host):
    return host.decode("ascii", "replace") if isinstance(host, (bytes, bytearray)) else host


def _loopback_name(host) -> tuple | None:
    """The loopback addresses a loopback host name stands for, else None.

    ``localhost`` (both families) and ``ip6-localhost``/``ip6-loopback`` (IPv6), in any case, with or without the
    final dot: the guard answers for them itself, because the system resolver sends a DNS query off this machine
    for any spelling that ``/etc/hosts`` lacks."""
    host = _text(host)
    if not isinstance(host, str):
        return None
    name = host.lower()
    return _LOOPBACK_NAMES.get(name[:-1] if name.endswith(".") else name)


def _is_loopback_address(host) -> bool:
    """True for a numeric loopback address (IPv4, IPv6, IPv4-mapped IPv6, "[::1]", with a scope suffix), and for
    None and "" (no host: the local machine, never the resolver)."""
    host = _text(host)
    if host is None or host == "":
        return True
    if isinstance(host, int) and not isinstance(host, bool):
        try:
            host = str(ipaddress.ip_address(host))
        except ValueError:
            return False
    try:
        address = ipaddress.ip_address(str(host).strip("[]").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def _is_local_host(host) -> bool:
    return _loopback_name(host) is not None or _is_loopback_address(host)


def _is_local(address) -> bool:
    """True for loopback (host, port[, ...]) tuples and for non-tuple addresses (AF_UNIX paths, netlink ids)."""
    if not isinstance(address, tuple) or not address:
        return True
    return _is_local_host(address[0])


def _numeric(address, family):
    """``address`` with a loopback host name replaced by the loopback address of the socket's family (so that the
    real call does not ask the resolver); other addresses unchanged."""
    if not isinstance(address, tuple) or not address or _loopback_name(address[0]) is None:
        return address
    return (_IPV6_LOOPBACK if family == socket.AF_INET6 else _IPV4_LOOPBACK,) + address[1:]


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


def _real(name, *args, **kwargs):
    """Call the real function ``name`` (the audit hook lets it through: the guarded caller has checked)."""
    _INSIDE.depth = getattr(_INSIDE, "depth", 0) + 1
    try:
        return _ORIGINALS[name](*args, **kwargs)
    finally:
        _INSIDE.depth -= 1


def _guarded_methods() -> dict:
    def connect(sock, address):
        if not _is_local(address):
            raise _refuse(address)
        return _real("connect", sock, _numeric(address, sock.family))

    def connect_ex(sock, address):
        if not _is_local(address):
            raise _refuse(address)
        return _real("connect_ex", sock, _numeric(address, sock.family))

    def sendto(sock, data, *args):
        if args and not _is_local(args[-1]):
            raise _refuse(args[-1])
        if args:
            args = args[:-1] + (_numeric(args[-1], sock.family),)
        return _real("sendto", sock, data, *args)

    def sendmsg(sock, buffers, *args):
        address = args[2] if len(args) >= 3 else None
        if address is not None and not _is_local(address):
            raise _refuse(address)
        if address is not None:
            args = args[:2] + (_numeric(address, sock.family),) + args[3:]
        buffers = list(buffers)
        if buffers:
            _check_payload(sock, buffers[0])
        return _real("sendmsg", sock, buffers, *args)

    def send(sock, data, *args):
        _check_payload(sock, data)
        return _real("send", sock, data, *args)

    def sendall(sock, data, *args):
        _check_payload(sock, data)
        return _real("sendall", sock, data, *args)

    return {"connect": connect, "connect_ex": connect_ex, "sendto": sendto, "sendmsg": sendmsg,
            "send": send, "sendall": sendall}


def _no_such_name(host):
    return socket.gaierror(socket.EAI_NONAME, f"offline mode: {host!r} has no address of the family asked for")


def _getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    addresses = _loopback_name(host)
    if addresses is None:
        if not _is_loopback_address(host):
            raise _refuse(host)
        return _real("getaddrinfo", host, port, family, type, proto, flags)
    results, last = [], None
    for address in addresses:
        kind = socket.AF_INET6 if ":" in address else socket.AF_INET
        if family not in (socket.AF_UNSPEC, kind):
            continue
        numeric = (flags | socket.AI_NUMERICHOST) & ~socket.AI_CANONNAME
        try:
            results += _real("getaddrinfo", address, port, family, type, proto, numeric)
        except socket.gaierror as error:  # e.g. AI_ADDRCONFIG on a machine without IPv6
            last = error
    if not results:
        raise last or _no_such_name(host)
    if flags & socket.AI_CANONNAME:
        results[0] = results[0][:3] + ("localhost",) + results[0][4:]
    return results


def _ipv4_of(host):
    """The IPv4 address that gethostbyname* answers for a loopback ``host``: asked without the resolver."""
    addresses = _loopback_name(host)
    if addresses is None:
        if not _is_loopback_address(host):
            raise _refuse(host)
        return None  # numeric: the real call answers without the resolver
    if _IPV4_LOOPBACK not in addresses:
        raise _no_such_name(host)
    return _IPV4_LOOPBACK


def _gethostbyname(host):
    address = _ipv4_of(host)
    return address if address is not None else _real("gethostbyname", host)


def _gethostbyname_ex(host):
    address = _ipv4_of(host)
    return ("localhost", [], [address]) if address is not None else _real("gethostbyname_ex", host)


def _gethostbyaddr(host):
    """A loopback address or name is answered here: the real call asks the resolver for the reverse name."""
    addresses = _loopback_name(host)
    if addresses is not None:
        return "localhost", [], list(addresses)
    if not _is_loopback_address(host) or _text(host) in ("", None):
        raise _refuse(host)
    return "localhost", [], [str(_text(host)).strip("[]")]


def _getnameinfo(sockaddr, flags):
    """For a loopback address: the number (NI_NUMERICHOST) or ``localhost``, never a reverse query."""
    host = sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else sockaddr
    if not _is_local_host(host):
        raise _refuse(host)
    family = socket.AF_INET6 if isinstance(sockaddr, tuple) and len(sockaddr) == 4 else socket.AF_INET
    host_part, port = _real("getnameinfo", _numeric(sockaddr, family), flags | socket.NI_NUMERICHOST)
    return (host_part if flags & socket.NI_NUMERICHOST else "localhost"), port


_LOOKUP_FUNCTIONS = {"getaddrinfo": _getaddrinfo, "gethostbyname": _gethostbyname,
                     "gethostbyname_ex": _gethostbyname_ex, "gethostbyaddr": _gethostbyaddr,
                     "getnameinfo": _getnameinfo}


def _guarded_lookup(name):
    function = _LOOKUP_FUNCTIONS[name]

    def lookup(*args, **kwargs):
        return function(*args, **kwargs)

    lookup.__name__ = lookup.__qualname__ = name
    lookup.__doc__ = getattr(_ORIGINALS.get(name), "__doc__", None)
    return lookup


def _audit(event, args) -> None:
    """The backstop, called by CPython itself for every socket call made in C (sys.addaudithook): it sees what the
    patched Python functions do not, i.e. the base class's methods (``_socket.socket.connect(sock, ...)``, ``super()``)
    and functions copied before the guard was installed (``from socket import gethostbyname``). It cannot rewrite a
    call, so it refuses host names (loopback names too) and outside addresses; the guarded functions pass it only
    numeric loopback addresses."""
    if not _ORIGINALS or not event.startswith("socket.") or getattr(_INSIDE, "depth", 0):
        return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1]
        if isinstance(address, tuple) and address and not _is_loopback_address(address[0]):
            raise _refuse(address)
    elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
        if not _is_loopback_address(args[0]):
            raise _refuse(args[0])
    elif event in ("socket.gethostbyaddr", "socket.getnameinfo"):  # a reverse query, even for loopback
        target = args[0][0] if isinstance(args[0], tuple) and args[0] else args[0]
        raise _refuse(target)


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
    if not _HOOKED:
        sys.addaudithook(_audit)
        _HOOKED.append(True)
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
