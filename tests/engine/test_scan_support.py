"""Helpers shared by the scan detector tests (no tests here; named to match test_scan*)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from custom_components.snoop_guard.engine.arp import ArpRequest
from custom_components.snoop_guard.engine.dnslog import DnsEvent, DnsEventKind
from custom_components.snoop_guard.engine.scan import ScanDetector, ScanEvent

T0 = datetime(2026, 1, 1, tzinfo=UTC)
GOZEN = "14:11:5d:00:00:77"
ROUTER_MAC = "02:53:47:00:00:01"
ROUTER_IP = "192.168.1.1"
HA_MAC = "02:00:00:00:00:02"
HA_IP = "192.168.1.2"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def arp(mac: str, target: str, seconds: float, sender: str = "192.168.1.50") -> ArpRequest:
    return ArpRequest(sender_mac=mac, sender_ip=sender, target_ip=target, when=at(seconds))


def query(name: str, qtype: str = "A", client: str = "192.168.1.50") -> DnsEvent:
    return DnsEvent(
        kind=DnsEventKind.QUERY,
        timestamp=None,
        pid=1,
        serial=1,
        client_ip=client,
        qtype=qtype,
        name=name,
        answer=None,
        line_key="0" * 16,
    )


def ptr(ip: str) -> str:
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa"


def sweep(
    detector: ScanDetector,
    mac: str,
    start: float,
    hosts: Iterable[int] = range(1, 255),
    *,
    rate: float = 200.0,
    net: str = "192.168.1",
    sender: str = "192.168.1.50",
) -> list[ScanEvent]:
    """ARP who-has for each host of ``net`` at ``rate`` per second, from ``start``."""
    events: list[ScanEvent] = []
    for i, host in enumerate(hosts):
        target = f"{net}.{host}"
        if target == sender:
            continue
        events += detector.feed_arp(arp(mac, target, start + i / rate, sender))
    return events


def dns(
    detector: ScanDetector,
    mac: str,
    seconds: float,
    name: str,
    *,
    qtype: str = "A",
    tracker: bool = False,
    client: str = "192.168.1.50",
) -> list[ScanEvent]:
    return detector.feed_dns(query(name, qtype, client), mac, tracker, when=at(seconds))
