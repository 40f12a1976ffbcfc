"""Passive ARP-request listener for the scan detector (stdlib + asyncio; no Home Assistant).

:class:`ArpListener` opens an ``AF_PACKET``/``SOCK_RAW`` socket on one interface
of the Home Assistant host and hands every ARP *request* it sees to a callback as
an :class:`~.engine.arp.ArpRequest`. It is built to cost nothing while nobody
sweeps the LAN and little under a broadcast flood:

* A classic BPF program (``SO_ATTACH_FILTER``) passes only Ethernet/IPv4 ARP
  requests that were *received* (our own outgoing requests are dropped) and cuts
  them to 64 bytes, so the kernel discards everything else before it is queued.
  The socket is created with protocol 0 (it receives nothing), the filter is
  attached, and only then is it bound to ``ETH_P_ARP`` on the interface, so not
  a single unfiltered frame is ever queued.
* Never promiscuous: no ``PACKET_MR_PROMISC`` membership is added. ARP requests
  are broadcasts and reach every host anyway.
* Non-blocking reads from the event loop (``loop.add_reader``); at most
  ``max_batch`` frames per wake-up, so a flood cannot stall the loop (the rest
  stays in the socket buffer, or is dropped by the kernel and counted in
  :attr:`ListenerStats.kernel_drops`).
* Failures are values, not crashes: :meth:`ArpListener.start` raises
  :class:`ListenerError` with a ``reason`` (``permission`` without CAP_NET_RAW,
  ``no_interface``, ``unsupported`` off Linux, ``os_error``); an error while
  running (the interface disappeared) stops the listener, sets
  :attr:`ArpListener.error` and calls ``on_error``.

The read loop, the socket set-up and the failure handling are generic
(:class:`PacketListener`: a kernel filter, a pure parser, a callback);
``listener_discovery.py`` reuses them for mDNS/SSDP/NetBIOS queries.

Needs CAP_NET_RAW (Home Assistant OS and the official container run as root).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import logging
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from .engine.arp import ETH_P_ARP, ArpRequest, parse_arp_frame

__all__ = [
    "ARP_REQUEST_FILTER",
    "ArpListener",
    "ListenerError",
    "ListenerStats",
    "PacketListener",
    "interface_addresses",
]

_LOGGER = logging.getLogger(__name__)

SO_ATTACH_FILTER = 26
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_OUTGOING = 4
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_MULTICAST = 0
_SIOCGIFADDR = 0x8915
_SNAPLEN = 64
_RECV_SIZE = 256
_MAX_CONSECUTIVE_ERRORS = 100

# BPF opcodes
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_LD_H_ABS = 0x28  # BPF_LD | BPF_H | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_AD_PKTTYPE = 0xFFFFF004  # SKF_AD_OFF + SKF_AD_PKTTYPE

# (code, jt, jf, k); jumps are relative to the next instruction. 13 = drop.
ARP_REQUEST_FILTER: tuple[tuple[int, int, int, int], ...] = (
    (_LD_W_ABS, 0, 0, _AD_PKTTYPE),  # 0: A = skb->pkt_type
    (_JEQ_K, 11, 0, PACKET_OUTGOING),  # 1: sent by this host -> drop
    (_LD_H_ABS, 0, 0, 12),  # 2: ethertype
    (_JEQ_K, 0, 9, ETH_P_ARP),  # 3
    (_LD_H_ABS, 0, 0, 14),  # 4: hardware type
    (_JEQ_K, 0, 7, 1),  # 5: Ethernet
    (_LD_H_ABS, 0, 0, 16),  # 6: protocol type
    (_JEQ_K, 0, 5, 0x0800),  # 7: IPv4
    (_LD_H_ABS, 0, 0, 18),  # 8: hlen, plen
    (_JEQ_K, 0, 3, 0x0604),  # 9: 6, 4
    (_LD_H_ABS, 0, 0, 20),  # 10: operation
    (_JEQ_K, 0, 1, 1),  # 11: request
    (_RET_K, 0, 0, _SNAPLEN),  # 12: accept (first 64 bytes)
    (_RET_K, 0, 0, 0),  # 13: drop
)


class ListenerError(Exception):
    """The listener cannot run; ``reason`` says why, in one word."""

    def __init__(self, reason: str, message: str, err: int | None = None) -> None:
        """Store the reason (permission, no_interface, unsupported, os_error, ...)."""
        super().__init__(message)
        self.reason = reason
        self.errno = err


@dataclass(slots=True)
class ListenerStats:
    """Counters of one listener."""

    frames: int = 0  # frames read from the socket
    requests: int = 0  # parsed frames (ARP requests, queries) handed to the callback
    ignored: int = 0  # frames that parsed to nothing (gratuitous ARP, malformed)
    wakeups: int = 0  # reader callbacks
    full_batches: int = 0  # wake-ups that hit max_batch (more was waiting)
    read_errors: int = 0
    callback_errors: int = 0
    kernel_packets: int = 0  # PACKET_STATISTICS: frames that passed the filter
    kernel_drops: int = 0  # PACKET_STATISTICS: frames dropped for a full buffer


def _filter_program(program: tuple[tuple[int, int, int, int], ...]) -> tuple[bytes, object]:
    """Return (struct sock_fprog, buffer to keep alive until setsockopt returns)."""
    code = b"".join(struct.pack("HBBI", *insn) for insn in program)
    buffer = ctypes.create_string_buffer(code, len(code))
    return struct.pack("HP", len(program), ctypes.addressof(buffer)), buffer


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _open_socket(
    interface: str,
    rcvbuf: int,
    program: tuple[tuple[int, int, int, int], ...] = ARP_REQUEST_FILTER,
    protocol: int = ETH_P_ARP,
    memberships: tuple[bytes, ...] = (),
) -> socket.socket:
    """Open a filtered, non-blocking packet socket on ``interface``; raise ListenerError.

    ``memberships``: link-layer multicast addresses to receive (PACKET_MR_MULTICAST,
    best effort; never PACKET_MR_PROMISC). They end with the socket.
    """
    family = getattr(socket, "AF_PACKET", None)
    if family is None:
        raise ListenerError("unsupported", "AF_PACKET sockets need Linux")
    if not interface or "/" in interface or len(interface) >= 16 or "\x00" in interface:
        raise ListenerError("no_interface", f"bad interface name {interface!r}")
    try:
        ifindex = socket.if_nametoindex(interface)
    except OSError as err:
        raise ListenerError("no_interface", f"no interface {interface!r}", err.errno) from err
    try:
        sock = socket.socket(family, socket.SOCK_RAW, 0)  # receives nothing until bound
    except PermissionError as err:
        raise ListenerError(
            "permission", "capturing packets needs CAP_NET_RAW (run as root)", err.errno
        ) from err
    except OSError as err:
        raise ListenerError("os_error", f"cannot open a packet socket: {err}", err.errno) from err
    try:
        fprog, keep = _filter_program(program)
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
        del keep
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.bind((interface, protocol))
        for address in memberships:
            mreq = struct.pack("iHH8s", ifindex, PACKET_MR_MULTICAST, len(address), address)
            with contextlib.suppress(OSError):
                sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
        sock.setblocking(False)
    except OSError as err:
        sock.close()
        if err.errno in (errno.ENODEV, errno.ENXIO):
            raise ListenerError("no_interface", f"no interface {interface!r}", err.errno) from err
        if err.errno in (errno.EPERM, errno.EACCES):
            raise ListenerError("permission", f"not permitted: {err}", err.errno) from err
        raise ListenerError(
            "os_error", f"cannot listen on {interface!r}: {err}", err.errno
        ) from err
    return sock


class PacketListener[T]:
    """Hand each frame that ``parse`` turns into a value to ``callback`` (asyncio, passive).

    The kernel filter ``program`` decides what is queued at all; ``parse`` (pure,
    never raises) turns a frame and its capture time into a ``T`` or None.
    ``start()`` and ``stop()`` must be called from the event loop's thread.
    ``callback`` runs in the event loop; an exception in it is counted and
    logged once, never propagated. ``now`` stamps the frames (one timestamp per
    wake-up). ``socket_factory`` replaces the packet socket (tests).
    """

    label = "packet"  # for log messages

    def __init__(
        self,
        interface: str,
        callback: Callable[[T], object],
        parse: Callable[[bytes, datetime], T | None],
        *,
        program: tuple[tuple[int, int, int, int], ...],
        protocol: int,
        recv_size: int = _RECV_SIZE,
        memberships: tuple[bytes, ...] = (),
        max_batch: int = 64,
        rcvbuf: int = 1 << 20,
        now: Callable[[], datetime] = _utcnow,
        on_error: Callable[[ListenerError], object] | None = None,
        socket_factory: Callable[[], socket.socket] | None = None,
    ) -> None:
        """Prepare; nothing is opened before :meth:`start`."""
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._parse = parse
        self._program = program
        self._protocol = protocol
        self._recv_size = recv_size
        self._memberships = memberships
        self.interface = interface
        self._callback = callback
        self._max_batch = max_batch
        self._rcvbuf = rcvbuf
        self._now = now
        self._on_error = on_error
        self._factory = socket_factory
        self._sock: socket.socket | None = None
        self._ifindex: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._consecutive_errors = 0
        self._callback_error_logged = False
        self.error: ListenerError | None = None
        self._stats = ListenerStats()

    @property
    def running(self) -> bool:
        """True between a successful start() and stop() (or a fatal error)."""
        return self._sock is not None

    @property
    def stats(self) -> ListenerStats:
        """Counters, with the kernel's filter/drop statistics folded in."""
        self._poll_kernel_stats()
        return self._stats

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Open the socket and start reading; raise :class:`ListenerError` on failure."""
        if self._sock is not None:
            return
        try:
            self._loop = loop if loop is not None else asyncio.get_running_loop()
        except RuntimeError as err:
            raise ListenerError("no_loop", "start() needs a running event loop") from err
        self.error = None
        try:
            sock = (
                self._factory()
                if self._factory is not None
                else _open_socket(
                    self.interface,
                    self._rcvbuf,
                    self._program,
                    self._protocol,
                    self._memberships,
                )
            )
            sock.setblocking(False)
            self._loop.add_reader(sock.fileno(), self._on_readable)
        except ListenerError as err:
            self.error = err
            raise
        except (OSError, ValueError) as err:
            failure = ListenerError("os_error", f"cannot start: {err}", getattr(err, "errno", None))
            self.error = failure
            raise failure from err
        self._sock = sock
        self._consecutive_errors = 0
        if self._factory is None:
            with contextlib.suppress(OSError):
                self._ifindex = socket.if_nametoindex(self.interface)

    def stop(self) -> None:
        """Stop reading and close the socket (idempotent)."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self._poll_kernel_stats(sock)
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(ValueError, OSError, RuntimeError):
                self._loop.remove_reader(sock.fileno())
        sock.close()

    async def __aenter__(self) -> Self:
        """Start on the running loop."""
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop."""
        self.stop()

    def _poll_kernel_stats(self, sock: socket.socket | None = None) -> None:
        sock = sock if sock is not None else self._sock
        if sock is None or sock.family != getattr(socket, "AF_PACKET", -1):
            return
        try:
            raw = sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
        except OSError:
            return
        if len(raw) == 8:
            packets, drops = struct.unpack("II", raw)  # the kernel resets them on read
            self._stats.kernel_packets += packets
            self._stats.kernel_drops += drops

    def _on_readable(self) -> None:
        sock = self._sock
        if sock is None:
            return
        stats = self._stats
        stats.wakeups += 1
        when = self._now()
        callback = self._callback
        recv = sock.recv
        parse = self._parse
        size = self._recv_size
        for _ in range(self._max_batch):
            try:
                frame = recv(size)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as err:
                self._read_error(err)
                return
            self._consecutive_errors = 0
            stats.frames += 1
            request = parse(frame, when)
            if request is None:
                stats.ignored += 1
                continue
            stats.requests += 1
            try:
                callback(request)
            except Exception:
                stats.callback_errors += 1
                if not self._callback_error_logged:
                    self._callback_error_logged = True
                    _LOGGER.exception("%s listener callback failed (logged once)", self.label)
        else:
            stats.full_batches += 1

    def _read_error(self, err: OSError) -> None:
        self._stats.read_errors += 1
        self._consecutive_errors += 1
        gone = False
        if self._ifindex is not None:
            try:
                gone = socket.if_nametoindex(self.interface) != self._ifindex  # re-created
            except OSError:
                gone = True
        if gone or self._consecutive_errors >= _MAX_CONSECUTIVE_ERRORS:
            reason = "interface_gone" if gone else "os_error"
            failure = ListenerError(reason, f"reading {self.interface!r} failed: {err}", err.errno)
            self.stop()
            self.error = failure
            _LOGGER.warning("%s listener stopped: %s", self.label, failure)
            if self._on_error is not None:
                try:
                    self._on_error(failure)
                except Exception:
                    _LOGGER.exception("%s listener on_error callback failed", self.label)


class ArpListener(PacketListener[ArpRequest]):
    """Hand each ARP request seen on ``interface`` to ``callback`` (see the module docstring)."""

    label = "ARP"

    def __init__(
        self,
        interface: str,
        callback: Callable[[ArpRequest], object],
        *,
        max_batch: int = 64,
        rcvbuf: int = 1 << 20,
        now: Callable[[], datetime] = _utcnow,
        on_error: Callable[[ListenerError], object] | None = None,
        socket_factory: Callable[[], socket.socket] | None = None,
    ) -> None:
        """Prepare; nothing is opened before :meth:`start`."""
        super().__init__(
            interface,
            callback,
            parse_arp_frame,
            program=ARP_REQUEST_FILTER,
            protocol=ETH_P_ARP,
            max_batch=max_batch,
            rcvbuf=rcvbuf,
            now=now,
            on_error=on_error,
            socket_factory=socket_factory,
        )


def interface_addresses(interface: str) -> tuple[str | None, tuple[str, ...]]:
    """Return (MAC, IPv4 addresses) of one of this host's interfaces, for the allow-list.

    Blocking (reads sysfs, one ioctl): call it from an executor. Only the primary
    IPv4 address is reported; unknown parts are None / empty.
    """
    mac: str | None = None
    try:
        text = Path("/sys/class/net", interface, "address").read_text(encoding="ascii").strip()
        if len(text) == 17:
            mac = text.lower()
    except (OSError, ValueError):
        mac = None
    addresses: list[str] = []
    if len(interface.encode()) < 16:
        try:
            import fcntl  # noqa: PLC0415 - POSIX only

            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                request = struct.pack("256s", interface.encode())
                reply = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, request)
                addresses.append(socket.inet_ntoa(reply[20:24]))
        except (OSError, ImportError):
            pass
    return mac, tuple(addresses)
