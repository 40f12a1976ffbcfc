"""Passive scan detection under a broadcast flood, against a bare packet socket (root, lab).

Run: ``.venv/bin/python benchmarks/bench_scan.py [--pps 10000] [--seconds 10]``

A lab client floods the LAN with broadcasts (``lab/gozen.py --flood``): half ARP
requests from random, spoofed source MACs, half other broadcast frames. In the root
namespace, on the lab's ``host_iface`` (where Home Assistant sits), this process runs
in turn:

* **snoop_guard**: ``ArpListener`` (BPF filter: received ARP requests only) feeding a
  ``ScanDetector``, on an asyncio loop;
* **peer**: the same asyncio read loop on an ``AF_PACKET``/``ETH_P_ALL`` socket with no
  filter and no detector (what any capture-based tool starts from, before it parses
  a single packet);
* **idle**: snoop_guard with no flood.

For each: frames and ARP requests processed per second, CPU % of one core
(``getrusage``), peak RSS growth (``/proc/self/statm`` sampled every 50 ms), the
largest event-loop stall (a 10 ms ticker's lateness; target: none over 50 ms) and the
kernel's drop counter. Then the detection latency from the start of a Gozen sweep
(``lab/gozen.py --cycles 1``) to ``lan_scan``, without and with the flood (target:
5 s). Timestamps are CLOCK_MONOTONIC, shared by every namespace.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from custom_components.snoop_guard.engine.arp import ArpRequest  # noqa: E402
from custom_components.snoop_guard.engine.scan import ScanDetector  # noqa: E402
from custom_components.snoop_guard.listener import ArpListener  # noqa: E402
from lab.netlab import Lab  # noqa: E402

GOZEN_PY = REPO / "lab" / "gozen.py"
GOZEN_MAC = "14:11:5d:00:00:77"
FLOOD_MAC = "02:f1:00:00:00:01"
ETH_P_ALL = 0x0003
PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * PAGE


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Result:
    name: str
    seconds: float
    frames: int
    requests: int
    cpu_s: float
    rss_growth: int
    max_stall_ms: float
    stalls_over_50ms: int
    kernel_drops: int | None
    offered: float  # frames/s the flood sender achieved

    def row(self) -> str:
        drops = "-" if self.kernel_drops is None else str(self.kernel_drops)
        return (
            f"  {self.name:<34} {self.frames / self.seconds:>9.0f}"
            f" {self.requests / self.seconds:>9.0f}"
            f" {100 * self.cpu_s / self.seconds:>7.1f} {self.rss_growth / 1024:>9.0f}"
            f" {self.max_stall_ms:>8.1f} {self.stalls_over_50ms:>6} {drops:>7}"
        )


class Probe:
    """A 10 ms ticker (loop lateness) and an RSS sampler."""

    def __init__(self) -> None:
        self.max_late = 0.0
        self.over_50 = 0
        self.rss_peak = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        samples = 0
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            late = loop.time() - before - 0.01
            self.max_late = max(self.max_late, late)
            self.over_50 += late > 0.05
            samples += 1
            if samples % 5 == 0:
                self.rss_peak = max(self.rss_peak, _rss())

    def start(self) -> None:
        self.rss_peak = _rss()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class RawPeer:
    """The bare peer: read and count every frame, nothing else."""

    def __init__(self, interface: str, max_batch: int = 64) -> None:
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((interface, ETH_P_ALL))
        self.sock.setblocking(False)
        self.frames = 0
        self.max_batch = max_batch

    def start(self) -> None:
        asyncio.get_running_loop().add_reader(self.sock.fileno(), self._read)

    def _read(self) -> None:
        recv = self.sock.recv
        for _ in range(self.max_batch):
            try:
                recv(2048)
            except BlockingIOError:
                return
            self.frames += 1

    def stop(self) -> int:
        asyncio.get_running_loop().remove_reader(self.sock.fileno())
        raw = self.sock.getsockopt(263, 6, 8)  # PACKET_STATISTICS
        self.sock.close()
        return int.from_bytes(raw[4:8], sys.byteorder)


class Bench:
    def __init__(self, lab: Lab, work: Path, args: argparse.Namespace) -> None:
        self.lab = lab
        self.work = work
        self.args = args
        info = lab.info
        router_mac = lab.run_in("router", ["cat", "/sys/class/net/br0/address"]).stdout.strip()
        ha_mac = Path("/sys/class/net", info.host_iface, "address").read_text().strip()
        self.allow = {ha_mac, info.host_ip, router_mac, info.router_ip}

    def _spawn(self, device: str, extra: list[str], events: Path) -> subprocess.Popen[bytes]:
        netns = self.lab.netns_of(device)
        assert netns is not None
        argv = ["ip", "netns", "exec", netns, sys.executable, "-I", "-S", str(GOZEN_PY)]
        argv += ["--router", self.lab.info.router_ip, "--events", str(events), *extra]
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _flood(self, seconds: float, tag: str) -> tuple[subprocess.Popen[bytes], Path]:
        events = self.work / f"flood-{tag}.jsonl"
        extra = ["--flood", str(self.args.pps), "--seconds", str(seconds)]
        return self._spawn("flooder", extra, events), events

    @staticmethod
    def _flood_summary(events: Path) -> dict[str, object]:
        for line in events.read_text().splitlines():
            record = json.loads(line)
            if record["event"] == "flood_end":
                return record
        return {}

    async def measure(self, name: str, *, ours: bool, flood: bool) -> Result:
        seconds = self.args.seconds
        rss0 = _rss()  # before the listener, the detector and the flood's warm-up
        detector = ScanDetector(allow=self.allow)
        requests = 0

        def on_arp(request: ArpRequest) -> None:
            nonlocal requests
            requests += 1
            detector.feed_arp(request)

        listener = ArpListener(self.lab.info.host_iface, on_arp) if ours else None
        peer = None if ours else RawPeer(self.lab.info.host_iface)
        probe = Probe()
        if listener is not None:
            listener.start()
        else:
            assert peer is not None
            peer.start()
        proc = summary_path = None
        if flood:
            proc, summary_path = self._flood(seconds + 1.0, name.split()[0])
            await asyncio.sleep(0.5)  # let the flood reach its rate
        probe.start()
        cpu0 = _cpu()
        t0 = time.monotonic()

        def frames_read() -> int:
            if listener is not None:
                return listener.stats.frames
            assert peer is not None
            return peer.frames

        frames0 = frames_read()
        req0 = requests
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - t0
        cpu = _cpu() - cpu0
        frames = frames_read() - frames0
        await probe.stop()
        if listener is not None:
            listener.stop()
            drops: int | None = listener.stats.kernel_drops
        else:
            assert peer is not None
            drops = peer.stop()
        offered = 0.0
        if proc is not None and summary_path is not None:
            await asyncio.get_running_loop().run_in_executor(None, proc.wait)
            summary = self._flood_summary(summary_path)
            sent = float(str(summary.get("sent", 0)))
            offered = sent / max(float(str(summary.get("seconds", 1))), 1e-9)
        return Result(
            name=name,
            seconds=elapsed,
            frames=frames,
            requests=requests - req0,
            cpu_s=cpu,
            rss_growth=max(0, probe.rss_peak - rss0),
            max_stall_ms=probe.max_late * 1000,
            stalls_over_50ms=probe.over_50,
            kernel_drops=drops,
            offered=offered,
        )

    async def latency(self, trials: int, *, flood: bool) -> list[float]:
        results: list[float] = []
        proc = None
        if flood:
            proc, _ = self._flood(trials * 4.0 + 2.0, "latency")
            await asyncio.sleep(0.5)
        try:
            for trial in range(trials):
                detector = ScanDetector(allow=self.allow)
                caught: list[float] = []
                seen = asyncio.Event()

                def on_arp(
                    request: ArpRequest,
                    det: ScanDetector = detector,
                    hit: list[float] = caught,
                    flag: asyncio.Event = seen,
                ) -> None:
                    if det.feed_arp(request) and not hit:
                        hit.append(time.monotonic())
                        flag.set()

                listener = ArpListener(self.lab.info.host_iface, on_arp)
                listener.start()
                events = self.work / f"gozen-{'flood' if flood else 'idle'}-{trial}.jsonl"
                gozen = self._spawn("gozen", ["--cycles", "1", "--interval", "1"], events)
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(seen.wait(), timeout=10)
                finally:
                    listener.stop()
                    await asyncio.get_running_loop().run_in_executor(None, gozen.wait)
                start = next(
                    json.loads(line)["mono"]
                    for line in events.read_text().splitlines()
                    if json.loads(line)["event"] == "sweep_start"
                )
                results.append(caught[0] - float(start) if caught else float("inf"))
        finally:
            if proc is not None:
                proc.terminate()
                await asyncio.get_running_loop().run_in_executor(None, proc.wait)
        return results


def _ms(values: list[float]) -> str:
    finite = [v for v in values if v != float("inf")]
    missed = len(values) - len(finite)
    if not finite:
        return "all missed"
    text = (
        f"p50 {statistics.median(finite) * 1000:7.1f} ms  max {max(finite) * 1000:7.1f} ms"
        f"  ({len(values)} sweeps)"
    )
    return text + (f", {missed} MISSED" if missed else "")


async def run(lab: Lab, args: argparse.Namespace) -> str:
    work = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    lab.add_client("flooder", FLOOD_MAC, "flooder")
    lab.add_client("gozen", GOZEN_MAC, "Skyworth-Gozen")
    bench = Bench(lab, work, args)
    ours = await bench.measure("snoop_guard (BPF + detector)", ours=True, flood=True)
    peer = await bench.measure("peer (ETH_P_ALL, no BPF/detector)", ours=False, flood=True)
    idle = await bench.measure("snoop_guard, no flood", ours=True, flood=False)
    lat_idle = await bench.latency(args.trials, flood=False)
    lat_flood = await bench.latency(args.trials, flood=True)
    offered = ours.offered
    lines = [
        f"Passive scan detection, lab host_iface {lab.info.host_iface}:"
        f" {args.pps} broadcast frames/s offered for {args.seconds:g} s"
        f" (50% ARP requests from random MACs, 50% other broadcasts);"
        f" (sender achieved {offered:.0f}/s). The idle row is the probes' own cost.",
        f"  {'':<34} {'frames/s':>9} {'ARPreq/s':>9} {'CPU %':>7} {'RSS+ KiB':>9}"
        f" {'stall ms':>8} {'>50ms':>6} {'drops':>7}",
        ours.row(),
        peer.row(),
        idle.row(),
        f"  ratio snoop_guard / peer: CPU {ours.cpu_s / max(peer.cpu_s, 1e-9):.2f} x,"
        f" frames read {ours.frames / max(peer.frames, 1):.2f} x,"
        f" CPU per frame read {ours.cpu_s / max(ours.frames, 1) * 1e6:.1f} us vs"
        f" {peer.cpu_s / max(peer.frames, 1) * 1e6:.1f} us",
        f"  targets: max loop stall <= 50 ms: {'OK' if ours.max_stall_ms <= 50 else 'FAIL'}",
        "Detection latency, Gozen sweep start -> lan_scan (target <= 5 s):",
        f"  no flood    : {_ms(lat_idle)}",
        f"  under flood : {_ms(lat_flood)}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pps", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("bench_scan: needs root (network namespaces, AF_PACKET)", file=sys.stderr)
        return 2
    with Lab() as lab:
        report = asyncio.run(run(lab, args))
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
