"""A simulated day on an accelerated clock: ordinary home chatter vs the Gozen pattern.

Twenty ordinary devices (phones that come and go, laptops, TVs, speakers, IoT) and
Home Assistant talk for 24 simulated hours; a Skyworth TV runs the Gozen SDK every
ten minutes. Every ordinary device must stay silent, the Gozen TV must be caught
every time, with events rate-limited.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise

from custom_components.snoop_guard.engine.arp import ArpRequest
from custom_components.snoop_guard.engine.scan import (
    ScanConfig,
    ScanDetector,
    ScanEvent,
    ScanEventKind,
)

from .test_scan_support import GOZEN, HA_IP, HA_MAC, ROUTER_IP, ROUTER_MAC, at, ptr, query

DAY = 86_400
NET = "192.168.1"
GOZEN_IP = f"{NET}.77"
COMMON = ["www.youtube.com", "www.google.com", "api.spotify.com", "www.bbc.co.uk", "github.com"]
TV_SITES = ["nflxvideo.net", "www.netflix.com", "samsungcloudsolution.com", "time.android.com"]
TRACKERS = ["gz-data.com", "samba.tv", "device-metrics-us.amazon.com", "alphonso.tv"]
PEERS = [f"{NET}.{h}" for h in (20, 21, 22, 23)]  # NAS, printer, Chromecast, Sonos

Action = Callable[[ScanDetector], list[ScanEvent]]


class Sim:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.queue: list[tuple[float, int, Action]] = []
        self.n = 0

    def at(self, t: float, action: Action) -> None:
        if 0 <= t < DAY:
            self.n += 1
            heapq.heappush(self.queue, (t, self.n, action))

    def arp(self, t: float, mac: str, sender: str, target: str) -> None:
        request = ArpRequest(mac, sender, target, at(t))
        self.at(t, lambda d: d.feed_arp(request))

    def dns(
        self, t: float, mac: str, ip: str, name: str, qtype: str = "A", *, tracker: bool = False
    ) -> None:
        event = query(name, qtype, ip)
        when = at(t)
        self.at(t, lambda d: d.feed_dns(event, mac, tracker, when=when))

    def discovery(self, t: float, mac: str, protocol: str, target: str | None = None) -> None:
        when = at(t)
        self.at(t, lambda d: d.feed_discovery_query(mac, protocol, when, target=target))

    def probes(self, t: float, mac: str, count: int) -> None:
        when = at(t)
        self.at(t, lambda d: d.probe_requests(mac, count, timedelta(seconds=60), when=when))


def ordinary_device(sim: Sim, index: int, kind: str) -> tuple[str, str]:
    rng = sim.rng
    mac = f"02:10:00:00:00:{index:02x}"
    ip = f"{NET}.{100 + index}"
    peers = rng.sample(PEERS, k=rng.randint(1, 3))
    sites = [*COMMON, *(TV_SITES if kind == "tv" else [])]
    online = [(0.0, float(DAY))]
    if kind == "phone":  # comes and goes a few times a day
        cuts = sorted(rng.uniform(0, DAY) for _ in range(8))
        online = [(cuts[i], cuts[i + 1]) for i in range(0, 8, 2)]
    for start, end in online:
        # joining: RFC 5227 probes and announcements for its own address, gateway ARP
        for k in range(3):
            sim.arp(start + k * 0.3, mac, "0.0.0.0", ip)
        sim.arp(start + 1.0, mac, ip, ip)  # gratuitous announcement
        sim.arp(start + 1.1, mac, ip, ROUTER_IP)
        t = start + rng.uniform(1, 60)
        while t < end:  # ARP cache refresh of the gateway
            sim.arp(t, mac, ip, ROUTER_IP)
            t += rng.uniform(30, 90)
        t = start + rng.uniform(1, 300)
        while t < end:  # talks to its peers (cast target, NAS, printer)
            sim.arp(t, mac, ip, rng.choice(peers))
            t += rng.expovariate(1 / 300)
        if kind == "laptop":  # wakes up: gateway and every peer at once, an nslookup
            for wake in range(6):
                t = start + wake * 4 * 3600 + rng.uniform(0, 3600)
                sim.arp(t, mac, ip, ROUTER_IP)
                for k, peer in enumerate(peers):
                    sim.arp(t + 0.2 * (k + 1), mac, ip, peer)
                sim.dns(t + 2, mac, ip, ptr(ROUTER_IP), "PTR")
                sim.dns(t + 3, mac, ip, ptr(peers[0]), "PTR")
                for k in range(3):  # Windows' SSDP discovery on wake-up
                    sim.discovery(t + 4 + k, mac, "ssdp")
        t = start + rng.uniform(0, 120)
        while t < end:  # ordinary lookups, some of sites never seen before
            name = rng.choice(sites) if rng.random() < 0.9 else f"site{rng.randrange(10**6)}.com"
            sim.dns(t, mac, ip, name)
            t += rng.expovariate(1 / 120)
        if kind == "tv":
            t = start + rng.uniform(0, 300)
            while t < end:  # the usual telemetry (counted elsewhere, not a scan)
                sim.dns(t, mac, ip, rng.choice(TRACKERS), tracker=True)
                t += rng.expovariate(1 / 300)
        if kind in ("phone", "laptop"):
            t = start
            while t < end:  # RFC 6762 continuous querier, restarted when an app opens
                interval = 1.0
                burst_end = t + 3600
                while t < min(burst_end, end):
                    sim.discovery(t, mac, "mdns")
                    t += interval
                    interval = min(interval * 2, 3600)
                t = burst_end + rng.uniform(0, 3 * 3600)
        if kind == "phone":
            t = start
            while t < end:  # background Wi-Fi scans of an associated phone
                sim.probes(t, mac, rng.randint(4, 20))
                t += rng.uniform(60, 600)
    return mac, ip


def home_assistant(sim: Sim) -> None:
    t = 0.0
    while t < DAY:  # HA pings three hosts every 30 s (allow-listed)
        for k, peer in enumerate(PEERS[:3]):
            sim.arp(t + k * 0.01, HA_MAC, HA_IP, peer)
        t += 30
    t = 0.0
    while t < DAY:  # the router ARPs for its clients
        sim.arp(t, ROUTER_MAC, ROUTER_IP, f"{NET}.{100 + sim.rng.randrange(20)}")
        t += 7


def gozen_tv(sim: Sim, period: float = 600.0) -> int:
    cycles = 0
    t = 5.0
    while t < DAY - 60:
        for i, host in enumerate(h for h in range(1, 255) if f"{NET}.{h}" != GOZEN_IP):
            sim.arp(t + i / 200, GOZEN, GOZEN_IP, f"{NET}.{host}")
        after = t + 1.5
        for i, host in enumerate([1, 2, 20, 21, 22, 23, *range(3, 19)]):
            sim.dns(after + i * 0.01, GOZEN, GOZEN_IP, ptr(f"{NET}.{host}"), "PTR")
        sim.dns(after + 0.5, GOZEN, GOZEN_IP, "gs-loc.apple.com")
        sim.dns(after + 0.6, GOZEN, GOZEN_IP, "gz-data.com", tracker=True)
        for k in range(1, 9):  # between cycles: gateway and the usual streaming
            sim.arp(t + k * 60, GOZEN, GOZEN_IP, ROUTER_IP)
            sim.dns(t + k * 60 + 5, GOZEN, GOZEN_IP, "nflxvideo.net")
        cycles += 1
        t += period
    return cycles


def run(sim: Sim) -> tuple[ScanDetector, list[ScanEvent], Counter[str]]:
    clock: list[datetime] = [at(0)]
    detector = ScanDetector(
        ScanConfig(), allow={ROUTER_MAC, ROUTER_IP, HA_MAC, HA_IP}, now=lambda: clock[0]
    )
    events: list[ScanEvent] = []
    ended: Counter[str] = Counter()
    next_tick = 60.0
    while sim.queue:
        t, _, action = heapq.heappop(sim.queue)
        while t >= next_tick:
            clock[0] = at(next_tick)
            ended.update(detector.tick(at(next_tick)))
            next_tick += 60
        clock[0] = at(t)
        events += action(detector)
    return detector, events, ended


def test_a_day_of_ordinary_chatter_raises_nothing_and_gozen_is_caught_every_time() -> None:
    sim = Sim(seed=6)
    ordinary = [
        ordinary_device(sim, i, kind)
        for i, kind in enumerate(
            ["phone"] * 5 + ["laptop"] * 3 + ["tv"] * 3 + ["speaker"] * 4 + ["iot"] * 5
        )
    ]
    home_assistant(sim)
    cycles = gozen_tv(sim)
    assert cycles == 144
    feeds = len(sim.queue)
    detector, events, ended = run(sim)
    assert feeds > 100_000
    assert detector.errors == 0

    by_mac = Counter(e.mac for e in events)
    assert set(by_mac) == {GOZEN}, f"false alarms: {by_mac}"
    for mac, _ in ordinary:
        state = detector.state(mac, at(DAY))
        assert not state.lan_scanning
        assert not state.wifi_scanning
        assert state.scans_detected == 0

    state = detector.state(GOZEN, at(DAY))
    assert state.scans_detected == cycles  # every sweep is a detection
    assert state.wifi_scans_detected == cycles
    assert state.methods == ("arp_sweep", "ptr_sweep", "wifi_geolocation")
    assert state.hosts_probed_last_scan == 253
    assert state.last_upload_domain == "gz-data.com"
    assert ended[GOZEN] == 0  # never quiet for 15 minutes during the day

    for kind in ScanEventKind:
        mine = [e for e in events if e.kind is kind]
        assert cycles // 2 <= len(mine) <= cycles, kind
        assert all(b.when - a.when >= timedelta(minutes=10) for a, b in pairwise(mine))
    upload = next(e for e in events if e.kind is ScanEventKind.UPLOAD_SUSPECTED)
    assert [s["signal"] for s in upload.evidence["chain"]] == [
        "arp_sweep",
        "ptr_sweep",
        "wifi_geolocation",
        "tracker",
    ]

    # and the day after, with the SDK switched off, everything decays
    assert detector.tick(at(DAY + 3600)) == (GOZEN,)
    assert not detector.state(GOZEN, at(DAY + 3600)).lan_scanning


def test_twenty_ordinary_devices_alone_for_a_day() -> None:
    sim = Sim(seed=11)
    for i in range(20):
        ordinary_device(sim, i, ["phone", "laptop", "tv", "speaker", "iot"][i % 5])
    home_assistant(sim)
    detector, events, ended = run(sim)
    assert events == []
    assert not ended
    assert detector.states(at(DAY)) == {}
    assert detector.stats.devices <= 20
