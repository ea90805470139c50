"""A network guard for offline mode: any connection that leaves this machine raises at once.

:func:`setup` installs it when ``COURSE_OFFLINE`` is on, so a chapter that would touch the network in CI
fails loudly instead of hanging or silently downloading. Loopback and Unix sockets stay allowed
(Jupyter talks to its kernel over them).
"""
from __future__ import annotations

import ipaddress
import socket

_ORIGINALS: dict = {}


class NetworkBlockedError(OSError):
    """Raised instead of opening a network connection while offline mode is on."""


def _is_local(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX path or abstract socket
        return True
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what) -> NetworkBlockedError:
    return NetworkBlockedError(
        f"offline mode (COURSE_OFFLINE=1) blocked a network access to {what!r}. "
        "Course code must use the offline data; unset COURSE_OFFLINE to allow downloads."
    )


def block_network() -> None:
    """Make every non-loopback ``connect`` and host-name lookup raise :class:`NetworkBlockedError`."""
    if _ORIGINALS:
        return
    _ORIGINALS["connect"] = socket.socket.connect
    _ORIGINALS["connect_ex"] = socket.socket.connect_ex
    _ORIGINALS["getaddrinfo"] = socket.getaddrinfo

    def connect(sock, address):
        if not _is_local(address):
            raise _refuse(address)
        return _ORIGINALS["connect"](sock, address)

    def connect_ex(sock, address):
        if not _is_local(address):
            raise _refuse(address)
        return _ORIGINALS["connect_ex"](sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local((host,)):
            raise _refuse(host)
        return _ORIGINALS["getaddrinfo"](host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo


def unblock_network() -> None:
    """Undo :func:`block_network` (used by tests)."""
    if not _ORIGINALS:
        return
    socket.socket.connect = _ORIGINALS.pop("connect")
    socket.socket.connect_ex = _ORIGINALS.pop("connect_ex")
    socket.getaddrinfo = _ORIGINALS.pop("getaddrinfo")


def is_blocked() -> bool:
    """True while the guard is installed."""
    return bool(_ORIGINALS)
