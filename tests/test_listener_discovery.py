"""The passive discovery-query listener (listener_discovery.py): kernel filter and wiring."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
from collections.abc import Callable, Generator
from datetime import UTC, datetime

import pytest

from custom_components.snoop_guard.engine.arp import ArpRequest
from custom_components.snoop_guard.engine.discovery_frame import (
    DiscoveryProtocol,
    DiscoveryQuery,
    parse_discovery_frame,
)
from custom_components.snoop_guard.engine.scan import ScanDetector
from custom_components.snoop_guard.engine.scan_discovery import DiscoveryWatch
from custom_components.snoop_guard.listener_discovery import (
    DISCOVERY_FILTER,
    DiscoveryListener,
    assemble,
)
from custom_components.snoop_guard.scanning_discovery import DiscoverySignal
from tests.discovery_frames import (
    BROADCAST,
    MDNS_V6,
    SRC_MAC,
    SSDP_V4,
    dns_query,
    msearch,
    neighbor_solicitation,
    netbios_query,
    udp_frame,
)
from tests.test_listener import _packet_socket, _promiscuity, _root_reason, in_netns

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def veth_netns(socket_enabled: None) -> Generator[str]:
    """A private netns with a veth pair sgla <-> sglb (both up, no addresses)."""
    if (reason := _root_reason()) is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    name = f"sgldq{secrets.token_hex(3)}"
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


TYPES = [f"_type{i}._tcp.local" for i in range(12)]


async def _until(predicate: Callable[[], bool], within: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def test_filter_program_is_assembled_within_the_kernel_limits() -> None:
    assert 0 < len(DISCOVERY_FILTER) <= 4096
    assert DISCOVERY_FILTER[-1] == (0x06, 0, 0, 0)  # drop
    for i, (code, jt, jf, _k) in enumerate(DISCOVERY_FILTER):
        if code & 0x07 == 0x05:  # a jump lands inside the program
            assert i + 1 + max(jt, jf) < len(DISCOVERY_FILTER)
    with pytest.raises(KeyError):
        assemble((("", 0x15, "nowhere", 0, 1),))


async def test_queries_reach_the_callback_through_a_socket_factory() -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    seen: list[DiscoveryQuery] = []
    listener = DiscoveryListener("test0", seen.append, socket_factory=lambda: ours, now=lambda: NOW)
    listener.start()
    try:
        theirs.send(udp_frame(dns_query(["_googlecast._tcp.local"]), 5353))
        theirs.send(b"\x00" * 30)  # garbage: counted as ignored
        theirs.send(udp_frame(msearch("ssdp:all"), 1900, dst=SSDP_V4))
        await _until(lambda: listener.stats.frames == 3)
    finally:
        listener.stop()
        theirs.close()
    assert [q.protocol for q in seen] == [DiscoveryProtocol.MDNS, DiscoveryProtocol.SSDP]
    assert listener.stats.ignored == 1
    assert seen[0].when == NOW


async def test_real_socket_gets_only_received_queries(veth_netns: str) -> None:
    seen: list[DiscoveryQuery] = []
    listener = DiscoveryListener("sgla", seen.append)
    with in_netns(veth_netns):
        listener.start()
    peer = _packet_socket(veth_netns, "sglb")
    own = _packet_socket(veth_netns, "sgla")
    to_host = ("198.18.250.9", "02:00:00:00:00:09")
    try:
        assert _promiscuity(veth_netns, "sgla") == 0
        shown = await asyncio.create_subprocess_exec(
            "ip", "-n", veth_netns, "maddr", "show", "dev", "sgla", stdout=asyncio.subprocess.PIPE
        )
        groups = (await shown.communicate())[0].decode()
        assert "01:00:5e:00:00:fb" in groups
        assert "01:00:5e:7f:ff:fa" in groups
        wanted = [
            udp_frame(dns_query(["_googlecast._tcp.local"]), 5353),
            udp_frame(dns_query(["_airplay._tcp.local"]), 5353, src_ip="fe80::1", dst=MDNS_V6),
            udp_frame(msearch("ssdp:all"), 1900, dst=SSDP_V4),
            udp_frame(netbios_query("*"), 137, dst=to_host, sport=40000),
            neighbor_solicitation("fd00::7"),
        ]
        unwanted = [
            udp_frame(dns_query(["tv.local"], flags=0x8400), 5353),  # mDNS response
            udp_frame(b"NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\n\r\n", 1900, dst=SSDP_V4),
            udp_frame(netbios_query("NAS", 0x20, flags=0x2910), 137, dst=BROADCAST),  # register
            udp_frame(dns_query(["example.com"]), 53, dst=to_host),  # plain DNS
        ]
        for frame in unwanted:
            peer.send(frame)
        own.send(udp_frame(dns_query(["_own._tcp.local"]), 5353, src_mac="02:00:00:00:00:01"))
        for frame in wanted:
            peer.send(frame)
        await _until(lambda: len(seen) == len(wanted))
        stats = listener.stats
        assert [q.protocol for q in seen] == [
            DiscoveryProtocol.MDNS,
            DiscoveryProtocol.MDNS,
            DiscoveryProtocol.SSDP,
            DiscoveryProtocol.NETBIOS,
            DiscoveryProtocol.NDP,
        ]
        assert {q.mac for q in seen} == {SRC_MAC}
        assert stats.frames == len(wanted)  # the kernel dropped the rest
        assert stats.kernel_packets == len(wanted)
        assert stats.kernel_drops == 0
    finally:
        listener.stop()
        peer.close()
        own.close()
    assert _promiscuity(veth_netns, "sgla") == 0


async def test_mdns_enumeration_through_a_real_socket_is_detected(veth_netns: str) -> None:
    watch = DiscoveryWatch(ScanDetector())
    events = []
    listener = DiscoveryListener("sgla", lambda q: events.extend(watch.feed(q)))
    with in_netns(veth_netns):
        listener.start()
    peer = _packet_socket(veth_netns, "sglb")
    try:
        peer.send(udp_frame(dns_query(["_services._dns-sd._udp.local"]), 5353))
        for name in TYPES:
            peer.send(udp_frame(dns_query([name]), 5353))
        await _until(lambda: listener.stats.requests == 1 + len(TYPES))
    finally:
        listener.stop()
        peer.close()
    assert [(str(e.kind), e.mac, e.methods) for e in events] == [("lan_scan", SRC_MAC, ("mdns",))]


async def test_signal_is_off_without_an_interface_and_learns_the_router() -> None:
    detector = ScanDetector(allow=["198.18.250.1"])
    events: list[object] = []
    signals = ["dns"]
    signal = DiscoverySignal(detector, events.extend, signals)
    signal.start(None)
    assert signal.problem is not None
    signal.start("sg-no-such-if0")
    assert signal.problem is not None
    assert signal.problem.startswith("no_interface")
    assert signals == ["dns"]
    assert signal.listener is None
    signal.learn_arp(ArpRequest("02:00:00:00:00:01", "198.18.250.1", "198.18.250.9", NOW))
    router_enum = udp_frame(
        dns_query([f"_t{i}._tcp.local" for i in range(16)]),
        5353,
        src_ip="198.18.250.200",
        src_mac="02:00:00:00:00:01",
    )
    query = parse_discovery_frame(router_enum, NOW)
    assert query is not None
    signal._on_query(query)
    assert events == []
    signal.stop()
    assert signals == ["dns"]
