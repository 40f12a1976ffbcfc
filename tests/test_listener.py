"""The passive ARP listener (listener.py).

Without root: the read loop on a socket pair (batches, errors, stop/start) and the
failure modes (missing interface, no CAP_NET_RAW). As root: a real AF_PACKET
socket in a private network namespace with a veth pair, to check that the BPF
filter lets only received ARP requests through and that the interface never
becomes promiscuous.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from custom_components.snoop_guard.engine.arp import ArpRequest, build_arp_request
from custom_components.snoop_guard.listener import (
    ARP_REQUEST_FILTER,
    ArpListener,
    ListenerError,
    interface_addresses,
)

REPO = Path(__file__).resolve().parents[1]
MAC = "14:11:5d:00:00:77"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _request(target: str, sender_ip: str = "198.18.250.50", mac: str = MAC) -> bytes:
    return build_arp_request(mac, sender_ip, target)


async def _until(predicate: Callable[[], bool], within: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    yield ours, theirs
    ours.close()
    theirs.close()


# -- the read loop ----------------------------------------------------------------------


async def test_requests_reach_the_callback(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    seen: list[ArpRequest] = []
    listener = ArpListener("test0", seen.append, socket_factory=lambda: ours, now=lambda: NOW)
    listener.start()
    try:
        assert listener.running
        theirs.send(_request("198.18.250.7"))
        theirs.send(_request("198.18.250.50"))  # gratuitous: parsed to nothing
        theirs.send(b"\x00" * 10)  # garbage
        await _until(lambda: listener.stats.frames == 3)
    finally:
        listener.stop()
    assert seen == [ArpRequest(MAC, "198.18.250.50", "198.18.250.7", NOW)]
    stats = listener.stats
    assert (stats.requests, stats.ignored) == (1, 2)
    assert not listener.running
    listener.stop()  # idempotent


async def test_work_per_wakeup_is_bounded(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    seen: list[ArpRequest] = []
    listener = ArpListener("test0", seen.append, max_batch=16, socket_factory=lambda: ours)
    for host in range(1, 101):
        theirs.send(_request(f"198.18.250.{host}"))
    listener.start()
    try:
        listener._on_readable()  # one wake-up
        assert len(seen) == 16
        assert listener.stats.full_batches == 1
        await _until(lambda: listener.stats.frames == 100)
    finally:
        listener.stop()
    assert len(seen) == 99  # .50 asks for its own address: gratuitous
    assert listener.stats.wakeups >= 7


async def test_callback_errors_are_counted_and_logged_once(
    pair: tuple[socket.socket, socket.socket], caplog: pytest.LogCaptureFixture
) -> None:
    ours, theirs = pair

    def broken(_request: ArpRequest) -> None:
        raise RuntimeError("boom")

    listener = ArpListener("test0", broken, socket_factory=lambda: ours)
    listener.start()
    try:
        with caplog.at_level(logging.ERROR):
            for host in range(1, 6):
                theirs.send(_request(f"198.18.250.{host}"))
            await _until(lambda: listener.stats.callback_errors == 5)
    finally:
        listener.stop()
    assert sum("callback failed" in r.message for r in caplog.records) == 1


class _FailingSocket(socket.socket):
    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        raise OSError(errno.ENETDOWN, "Network is down")


async def test_persistent_read_errors_stop_the_listener() -> None:
    raw_a, raw_b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    failing = _FailingSocket(socket.AF_UNIX, socket.SOCK_DGRAM, 0, raw_a.detach())
    errors: list[ListenerError] = []
    listener = ArpListener(
        "test0", lambda _r: None, socket_factory=lambda: failing, on_error=errors.append
    )
    listener.start()
    try:
        raw_b.send(b"x")  # makes it readable; every recv fails
        await _until(lambda: not listener.running)
    finally:
        listener.stop()
        raw_b.close()
    assert listener.error is not None
    assert listener.error.reason == "os_error"
    assert errors == [listener.error]
    assert listener.stats.read_errors == 100


async def test_async_context_manager(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, _ = pair
    async with ArpListener("test0", lambda _r: None, socket_factory=lambda: ours) as listener:
        assert listener.running
        listener.start()  # already running: no-op
    assert not listener.running


def test_start_needs_a_running_loop(pair: tuple[socket.socket, socket.socket]) -> None:
    listener = ArpListener("test0", lambda _r: None, socket_factory=lambda: pair[0])
    with pytest.raises(ListenerError) as info:
        listener.start()
    assert info.value.reason == "no_loop"


async def test_factory_failure_is_an_error_object() -> None:
    def factory() -> socket.socket:
        raise OSError(errno.EMFILE, "Too many open files")

    listener = ArpListener("test0", lambda _r: None, socket_factory=factory)
    with pytest.raises(ListenerError) as info:
        listener.start()
    assert info.value.reason == "os_error"
    assert listener.error is info.value
    assert not listener.running


def test_bad_batch_size() -> None:
    with pytest.raises(ValueError):
        ArpListener("eth0", lambda _r: None, max_batch=0)


def test_filter_program_shape() -> None:
    assert len(ARP_REQUEST_FILTER) == 14
    for index, (code, jt, jf, _k) in enumerate(ARP_REQUEST_FILTER):
        if code == 0x15:  # every conditional jump lands inside the program
            assert index + 1 + jt < len(ARP_REQUEST_FILTER)
            assert index + 1 + jf < len(ARP_REQUEST_FILTER)
    assert ARP_REQUEST_FILTER[-1] == (0x06, 0, 0, 0)  # drop
    assert ARP_REQUEST_FILTER[-2][0] == 0x06  # accept


# -- failure modes on real interfaces ---------------------------------------------------


@pytest.mark.parametrize("name", ["sg-no-such-if0", "", "a/b", "x" * 20, "nul\x00"])
async def test_missing_interface(name: str) -> None:
    listener = ArpListener(name, lambda _r: None)
    with pytest.raises(ListenerError) as info:
        listener.start()
    assert info.value.reason == "no_interface"
    assert listener.error is info.value
    assert not listener.running


_PERMISSION_PROBE = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from custom_components.snoop_guard.listener import ArpListener, ListenerError
async def main():
    listener = ArpListener("lo", lambda r: None)
    try:
        listener.start()
    except ListenerError as err:
        return {"reason": err.reason, "message": str(err)}
    listener.stop()
    return {"reason": None}
print(json.dumps(asyncio.run(main())))
"""


def test_without_cap_net_raw_start_fails_cleanly() -> None:
    argv = [sys.executable, "-B", "-c", _PERMISSION_PROBE, str(REPO)]
    if os.geteuid() == 0:
        # Drop the capability, not the user: an unprivileged user may be unable to reach
        # the private Python inside a checkout under a 0700 directory (/root, mktemp -d).
        # Without CAP_NET_RAW in the bounding and inheritable sets, the exec'd child has
        # it in none of its sets, although it still runs as root.
        setpriv = shutil.which("setpriv")  # util-linux, essential on Debian
        if setpriv is None:
            pytest.skip("needs setpriv to drop CAP_NET_RAW")
        argv = [setpriv, "--bounding-set=-net_raw", "--inh-caps=-net_raw", "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["reason"] == "permission"
    assert "CAP_NET_RAW" in outcome["message"]


def test_interface_addresses_of_loopback(socket_enabled: None) -> None:
    mac, addresses = interface_addresses("lo")
    assert mac == "00:00:00:00:00:00"
    assert "127.0.0.1" in addresses
    assert interface_addresses("sg-no-such-if0") == (None, ())


# -- a real packet socket in a private network namespace (root) -------------------------


def _root_reason() -> str | None:
    if sys.platform != "linux":
        return "needs Linux"
    if os.geteuid() != 0:
        return "needs root (network namespaces, AF_PACKET)"
    if shutil.which("ip") is None or not hasattr(os, "setns"):
        return "needs iproute2 and os.setns"
    return None


@contextlib.contextmanager
def in_netns(name: str) -> Iterator[None]:
    """Run the block with this thread in netns ``name`` (sockets opened there stay there)."""
    original = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        os.setns(target, os.CLONE_NEWNET)
        try:
            yield
        finally:
            os.setns(original, os.CLONE_NEWNET)
    finally:
        os.close(target)
        os.close(original)


@pytest.fixture
def veth_netns(socket_enabled: None) -> Generator[str]:
    """A private netns with a veth pair sgla <-> sglb (both up, no addresses)."""
    if (reason := _root_reason()) is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    name = f"sglst{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=10)
    try:
        subprocess.run(
            ["ip", "-n", name, "-batch", "-"],
            input="link add sgla type veth peer name sglb\nlink set sgla up\nlink set sglb up\n",
            text=True,
            check=True,
            timeout=10,
        )
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=10)


def _packet_socket(name: str, iface: str) -> socket.socket:
    with in_netns(name):
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        sock.bind((iface, 0))
    return sock


def _promiscuity(name: str, iface: str) -> int:
    out = subprocess.run(
        ["ip", "-n", name, "-d", "-j", "link", "show", iface],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    return int(json.loads(out)[0]["promiscuity"])


async def test_real_socket_sees_only_received_arp_requests(veth_netns: str) -> None:
    seen: list[ArpRequest] = []
    listener = ArpListener("sgla", seen.append)
    with in_netns(veth_netns):
        listener.start()
    peer = _packet_socket(veth_netns, "sglb")
    own = _packet_socket(veth_netns, "sgla")
    try:
        assert _promiscuity(veth_netns, "sgla") == 0
        peer.send(_request("198.18.250.7"))  # received request: in
        reply = bytearray(_request("198.18.250.8"))
        reply[21] = 2
        peer.send(bytes(reply))  # reply: filtered by the kernel
        ipv4 = bytearray(_request("198.18.250.9"))
        ipv4[12:14] = b"\x08\x00"
        peer.send(bytes(ipv4))  # not ARP: filtered
        peer.send(_request("198.18.250.50"))  # gratuitous: passes the filter, parsed away
        own.send(_request("198.18.250.10", sender_ip="198.18.250.2"))  # outgoing: filtered
        peer.send(_request("198.18.250.11"))
        await _until(lambda: len(seen) == 2)
        await asyncio.sleep(0.1)
        stats = listener.stats
        assert [r.target_ip for r in seen] == ["198.18.250.7", "198.18.250.11"]
        assert stats.frames == 3
        assert stats.ignored == 1
        assert stats.kernel_packets == 3  # only what passed the BPF program
        assert stats.kernel_drops == 0
        assert _promiscuity(veth_netns, "sgla") == 0
        assert seen[0].when.tzinfo is not None
    finally:
        listener.stop()
        peer.close()
        own.close()


async def test_interface_removal_stops_the_listener(veth_netns: str) -> None:
    errors: list[ListenerError] = []
    listener = ArpListener("sgla", lambda _r: None, on_error=errors.append)
    with in_netns(veth_netns):
        listener.start()
    try:
        deleted = await asyncio.create_subprocess_exec(
            "ip", "-n", veth_netns, "link", "del", "sgla"
        )
        assert await deleted.wait() == 0
        await _until(lambda: not listener.running)
    finally:
        listener.stop()
    assert listener.error is not None
    assert listener.error.reason == "interface_gone"
    assert errors == [listener.error]


async def test_sweep_through_a_real_socket_is_detected(veth_netns: str) -> None:
    from custom_components.snoop_guard.engine.scan import ScanDetector  # noqa: PLC0415

    detector = ScanDetector()
    events = []
    listener = ArpListener("sgla", lambda r: events.extend(detector.feed_arp(r)))
    with in_netns(veth_netns):
        listener.start()
    peer = _packet_socket(veth_netns, "sglb")
    try:
        for host in range(1, 40):
            peer.send(_request(f"198.18.250.{host}"))
        await _until(lambda: listener.stats.requests == 39)
    finally:
        listener.stop()
        peer.close()
    assert [(str(e.kind), e.mac) for e in events] == [("lan_scan", MAC)]
    assert detector.state(MAC).hosts_probed_last_scan == 39
