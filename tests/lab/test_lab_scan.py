"""Scan detection on real parts: lab/gozen.py in a client namespace -> raw packets / dnsmasq log.

A Skyworth "Gozen" TV (``lab/gozen.py``, a sweep every 3 s instead of 600 s) sweeps
the lab LAN, enumerates it over mDNS/SSDP/NetBIOS, reverse-resolves it through the
router, looks up Apple's Wi-Fi geolocation service and POSTs the inventory to
gz-data.com. Home Assistant's side is played by the real ``ArpListener`` in the root
namespace (on the lab's ``host_iface``) and the router's real dnsmasq log read with
``DnsmasqLogParser``, both feeding one ``ScanDetector``. Meanwhile the lab TV and
speaker talk to their trackers and a phone runs ``gozen.py --normal`` (joining with
DHCP, ARP for the gateway, Chromecast-style mDNS, an HA-style check of three hosts):
none of them may raise an alarm.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from custom_components.snoop_guard.engine.compiled import build_matcher
from custom_components.snoop_guard.engine.dnslog import DnsEventKind, DnsmasqLogParser
from custom_components.snoop_guard.engine.scan import ScanConfig, ScanDetector, ScanEvent
from custom_components.snoop_guard.engine.trackers import TrackerMatcher
from custom_components.snoop_guard.listener import ArpListener
from lab.netlab import Lab

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
GOZEN_PY = REPO / "lab" / "gozen.py"
GOZEN_MAC = "14:11:5d:00:00:77"  # 14:11:5d = Skyworth
PHONE_MAC = "3c:22:fb:00:00:10"
PERIOD = 3.0


def _unavailable() -> str | None:
    if sys.platform != "linux":
        return "needs Linux network namespaces"
    if os.geteuid() != 0:
        return "the lab needs root"
    if shutil.which("ip") is None or shutil.which("dnsmasq") is None:
        return "the lab needs iproute2 and dnsmasq (run scripts/setup as root)"
    return None


@dataclass
class ScanLab:
    lab: Lab
    allow: set[str]
    ip_to_mac: dict[str, str]
    matcher: TrackerMatcher
    work: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    gozen_events: Path | None = None

    def spawn(self, device: str, args: list[str], events: Path) -> subprocess.Popen[bytes]:
        netns = self.lab.netns_of(device)
        assert netns is not None
        argv = ["ip", "netns", "exec", netns, sys.executable, "-I", "-S", str(GOZEN_PY)]
        argv += ["--router", self.lab.info.router_ip, "--events", str(events), *args]
        err = (self.work / f"{device}.err").open("ab")
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        finally:
            err.close()
        self.procs.append(proc)
        return proc


@pytest.fixture(scope="module")
def scan_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanLab]:
    if (reason := _unavailable()) is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("scan")
    with Lab(state_dir=work / "lab") as lab:
        info = lab.info
        lab.add_client("gozen", GOZEN_MAC, "Skyworth-Gozen")
        lab.add_client("handset", PHONE_MAC, "Pixel-8")
        router_mac = lab.run_in("router", ["cat", "/sys/class/net/br0/address"]).stdout.strip()
        ha_mac = Path("/sys/class/net", info.host_iface, "address").read_text().strip()
        state = ScanLab(
            lab=lab,
            # Home Assistant itself, the router (also the DNS server)
            allow={ha_mac, info.host_ip, router_mac, info.router_ip},
            ip_to_mac={d.ip: d.mac for d in info.devices},
            matcher=build_matcher(),
            work=work,
        )
        lab.start_traffic(interval=1.0)
        try:
            yield state
        finally:
            for proc in state.procs:
                proc.terminate()
            for proc in state.procs:
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            lab.stop_traffic()


@pytest.fixture(scope="module")
def gozen(scan_lab: ScanLab) -> Path:
    """The Gozen SDK running (every PERIOD s) in the TV's namespace; its event file."""
    events = scan_lab.work / "gozen-events.jsonl"
    events.touch()
    scan_lab.spawn("gozen", ["--interval", str(PERIOD)], events)
    scan_lab.gozen_events = events
    return events


def _events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def _next_event(path: Path, kind: str, after: float, within: float) -> dict[str, object]:
    """The first ``kind`` event of gozen.py logged after monotonic time ``after``."""
    deadline = time.monotonic() + within
    while True:
        for event in _events(path):
            if event["event"] == kind and float(event["mono"]) > after:  # type: ignore[arg-type]
                return event
        if time.monotonic() > deadline:
            raise AssertionError(f"gozen.py logged no {kind!r} in time")
        await asyncio.sleep(0.02)


class Observer:
    """Home Assistant's side: ArpListener + dnsmasq log -> one ScanDetector."""

    def __init__(self, state: ScanLab, *, arp: bool = True, dns: bool = True) -> None:
        info = state.lab.info
        self.state = state
        self.detector = ScanDetector(ScanConfig(), allow=state.allow)
        self.events: list[tuple[float, ScanEvent]] = []
        self.listener = ArpListener(info.host_iface, self._on_arp) if arp else None
        self.parser = DnsmasqLogParser()
        self.dns = dns
        self.log = Path(info.dnsmasq_log)
        self.offset = self.log.stat().st_size
        self.buffer = b""
        self.queries = 0
        self.tracker_queries = 0
        self.arp_requests = 0

    def _record(self, events: list[ScanEvent]) -> None:
        now = time.monotonic()
        self.events.extend((now, e) for e in events)

    def _on_arp(self, request: object) -> None:
        self.arp_requests += 1
        self._record(self.detector.feed_arp(request))  # type: ignore[arg-type]

    def pump_dns(self) -> None:
        with self.log.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        self.offset += len(chunk)
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        for raw in lines:
            event = self.parser.parse_line(raw.decode("utf-8", "replace"))
            if event is None or event.kind is not DnsEventKind.QUERY or not event.client_ip:
                continue
            mac = self.state.ip_to_mac.get(event.client_ip)
            if mac is None:
                continue
            tracker = self.state.matcher.match(event.name) is not None
            self.queries += 1
            self.tracker_queries += tracker
            self._record(self.detector.feed_dns(event, mac, tracker))

    async def run(self, until: Callable[[], bool], within: float) -> None:
        deadline = time.monotonic() + within
        while True:
            if self.dns:
                self.pump_dns()
            if until() or time.monotonic() > deadline:
                return
            await asyncio.sleep(0.02)

    def __enter__(self) -> Observer:
        if self.listener is not None:
            self.listener.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.listener is not None:
            self.listener.stop()

    def of(self, mac: str, kind: str | None = None) -> list[tuple[float, ScanEvent]]:
        return [(t, e) for t, e in self.events if e.mac == mac and (kind is None or e.kind == kind)]

    def strangers(self) -> list[ScanEvent]:
        return [e for _, e in self.events if e.mac != GOZEN_MAC]


async def test_ordinary_devices_raise_no_alarm(scan_lab: ScanLab, socket_enabled: None) -> None:
    lab = scan_lab.lab
    peers = [lab.info.device("tv").ip, lab.info.device("speaker").ip, lab.info.host_ip]
    with Observer(scan_lab) as observer:
        phone = scan_lab.work / "handset-events.jsonl"
        scan_lab.spawn(
            "handset", ["--normal", "--interval", "2", "--peers", ",".join(peers)], phone
        )
        await observer.run(lambda: False, within=10.0)
        assert observer.listener is not None
        arp_stats = observer.listener.stats
    assert observer.events == [], [e.as_event_data() for _, e in observer.events]
    # not vacuous: the listener saw the phone's ARP, the log the TV's tracker lookups
    kinds = [e["event"] for e in _events(phone)]
    assert "joined" in kinds
    assert kinds.count("normal") >= 3
    assert observer.arp_requests >= 3
    assert arp_stats.kernel_drops == 0
    assert observer.tracker_queries >= 5
    assert observer.detector.errors == 0
    for mac in (PHONE_MAC, lab.info.device("tv").mac, lab.info.device("speaker").mac):
        state = observer.detector.state(mac)
        assert not state.lan_scanning
        assert not state.wifi_scanning


async def test_gozen_sweep_is_caught_within_five_seconds(
    scan_lab: ScanLab, socket_enabled: None
) -> None:
    with Observer(scan_lab, dns=False) as observer:
        started = time.monotonic()
        events_file = scan_lab.gozen_events
        if events_file is None:  # start the SDK now, so its first sweep is watched whole
            events_file = scan_lab.work / "gozen-events.jsonl"
            events_file.touch()
            scan_lab.spawn("gozen", ["--interval", str(PERIOD)], events_file)
            scan_lab.gozen_events = events_file
        await observer.run(lambda: bool(observer.of(GOZEN_MAC, "lan_scan")), within=15.0)
        detections = observer.of(GOZEN_MAC, "lan_scan")
        assert detections, "no lan_scan for the Gozen TV"
        detected_at, event = detections[0]
        sweep_starts = [
            float(e["mono"])  # type: ignore[arg-type]
            for e in _events(events_file)
            if e["event"] == "sweep_start"
        ]
        # the sweep during which it was caught (or the listener's start, if that was later)
        first = max([started, *(s for s in sweep_starts if s <= detected_at)])
        # the rest of that sweep lands in the same scan
        await _next_event(events_file, "sweep_end", after=first, within=10)
        await observer.run(lambda: False, within=0.3)
    latency = detected_at - first
    print(f"\nlan_scan latency from sweep start: {latency * 1000:.1f} ms")  # noqa: T201
    assert 0 <= latency <= 5.0
    assert event.methods == ("arp_sweep",)
    state = observer.detector.state(GOZEN_MAC)
    assert state.lan_scanning
    assert state.hosts_probed_last_scan >= 200
    assert observer.strangers() == []


async def test_ptr_sweep_and_geolocation_from_the_router_log(
    scan_lab: ScanLab, gozen: Path, socket_enabled: None
) -> None:
    # start watching between two cycles, so that the whole next cycle is seen
    await _next_event(gozen, "upload", after=time.monotonic(), within=3 * PERIOD)
    with Observer(scan_lab, arp=False) as observer:

        def done() -> bool:
            kinds = {e.kind for _, e in observer.of(GOZEN_MAC)}
            return {"lan_scan", "wifi_scan", "upload_suspected"} <= kinds

        await observer.run(done, within=4 * PERIOD + 5)
    assert done(), [e.as_event_data() for _, e in observer.events]
    (_, lan), *_ = observer.of(GOZEN_MAC, "lan_scan")
    assert lan.methods == ("ptr_sweep",)
    (_, wifi), *_ = observer.of(GOZEN_MAC, "wifi_scan")
    assert wifi.evidence["service"] == "gs-loc.apple.com"
    assert wifi.evidence["provider"] == "Apple"
    state = observer.detector.state(GOZEN_MAC)
    assert state.methods == ("ptr_sweep", "wifi_geolocation")
    assert state.lan_scanning
    assert state.wifi_scanning
    assert observer.strangers() == []


async def test_upload_after_the_scan_is_suspected(
    scan_lab: ScanLab, gozen: Path, socket_enabled: None
) -> None:
    lab = scan_lab.lab
    gozen_ip = lab.info.device("gozen").ip
    await _next_event(gozen, "upload", after=time.monotonic(), within=3 * PERIOD)
    with Observer(scan_lab) as observer:
        await observer.run(
            lambda: bool(observer.of(GOZEN_MAC, "upload_suspected")), within=4 * PERIOD + 5
        )
        await observer.run(lambda: False, within=1.0)  # let the POST land in the WAN's log
    uploads = observer.of(GOZEN_MAC, "upload_suspected")
    assert uploads, [e.as_event_data() for _, e in observer.events]
    _, upload = uploads[0]
    evidence = upload.evidence
    assert evidence["domain"] == "gz-data.com"
    assert evidence["reason"] == "tracker"
    signals = [step["signal"] for step in evidence["chain"]]
    assert signals[0] == "arp_sweep"
    assert {"arp_sweep", "ptr_sweep", "wifi_geolocation"} <= set(signals)
    assert signals[-1] == "tracker"
    assert 0 < evidence["seconds_after_scan_start"] < PERIOD + 2
    # the inventory really was POSTed to gz-data.com's lab address by the TV
    posts = [
        line.split()
        for line in Path(lab.info.wan_http_log).read_text().splitlines()
        if f" {gozen_ip} 203.0.113.10:80 POST " in f" {line} "
    ]
    assert posts
    state = observer.detector.state(GOZEN_MAC)
    assert state.last_upload_domain == "gz-data.com"
    assert state.methods == ("arp_sweep", "ptr_sweep", "wifi_geolocation")
    assert observer.strangers() == []
    assert observer.detector.errors == 0
