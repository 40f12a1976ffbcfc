"""Reconciliation cost with big tracker lists, against today's path measured in the same run.

Run (root: it builds the network lab): ``.venv/bin/python benchmarks/bench_reconcile.py``
(``--sizes 300,100000,300000 --trials 5``). scripts/bench runs it.

Every 30 s the coordinator reconciles: it reads the router's state back and
re-applies ours when it differs. For 300 / 100,000 / 300,000 synthetic tracker
domains (benchmarks/synth.py), against the lab router over real SSH:

* **baseline**: TODAY's path before the digest change, copied below (``Baseline``):
  the dnsmasq snippet is built (and compared) on the event loop in every
  ``async_read_state``/``async_apply``, and the router's copy is read back in full
  with ``cat``;
* **digest**: the shipped path: the snippet and its SHA-256 are built once per
  knowledge change in an executor (``prepare_trackers``), and the router only
  answers ``sha256sum`` of its copy.

Per reconcile it reports the **event-loop time** (time the loop spent outside
``select()``, via a metered selector: the CPU the loop could not give to anything
else, SSH crypto included), the **longest single loop stall**, and the **bytes over
SSH** (channel payload: command, stdin, stdout and stderr of every command run).
"change" is the reconcile right after a knowledge change (the router has the old
snippet: upload and dnsmasq restart included; for digest, plus the executor job
that prepares the snippet, timed apart); "steady" is the median of ``--trials``
reconciles with nothing to do.

On the router it reports dnsmasq's resident memory (VmRSS of the lab router's
dnsmasq, in its namespace) and its restart time (the lab's restart script, run in
the router namespace without SSH: stop, start, answers DNS) with each snippet,
against the same dnsmasq with an empty snippet, in the same run. The bytes per
domain feed routerload.DNSMASQ_BYTES_PER_DOMAIN.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import platform
import selectors
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import synth_rules  # noqa: E402

from custom_components.snoop_guard.backends.base import (  # noqa: E402
    BackendResponseError,
    DevicePolicy,
    EnforcedState,
    TrackerSet,
)
from custom_components.snoop_guard.backends.dnsmasq import build_snippet  # noqa: E402
from custom_components.snoop_guard.backends.linux_ssh import (  # noqa: E402
    LinuxSshBackend,
    LogSource,
    SshSettings,
)
from custom_components.snoop_guard.backends.nftables import (  # noqa: E402
    build_ruleset,
    parse_state,
)
from custom_components.snoop_guard.backends.trackerset import prepare_trackers  # noqa: E402
from lab.netlab import Lab  # noqa: E402

MIB = 1024 * 1024


# -- measuring the loop -----------------------------------------------------------------


class MeteredSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """Counts the time the event loop spends outside select(): its busy time."""

    def __init__(self) -> None:
        super().__init__()
        self.busy = 0.0
        self.longest = 0.0
        self._left = time.perf_counter()

    def select(self, timeout: float | None = None) -> list[Any]:
        entered = time.perf_counter()
        stretch = entered - self._left
        self.busy += stretch
        self.longest = max(self.longest, stretch)
        try:
            return super().select(timeout)  # type: ignore[no-any-return]
        finally:
            self._left = time.perf_counter()

    def reset(self) -> None:
        self.busy = 0.0
        self.longest = 0.0
        self._left = time.perf_counter()


@dataclass
class ByteCounter:
    """Payload bytes of every command the backend runs over SSH."""

    sent: int = 0
    received: int = 0

    def install(self, backend: LinuxSshBackend) -> None:
        run = backend._run

        async def counted(command: str, *, stdin: str | None = None, limit: float = 30.0) -> Any:
            result = await run(command, stdin=stdin, limit=limit)
            self.sent += len(command.encode()) + len((stdin or "").encode())
            self.received += len(str(result.stdout or "").encode())
            self.received += len(str(result.stderr or "").encode())
            return result

        backend._run = counted  # type: ignore[method-assign]

    @property
    def total(self) -> int:
        return self.sent + self.received

    def reset(self) -> None:
        self.sent = self.received = 0


@dataclass
class Sample:
    loop: float
    longest: float
    sent: int
    received: int
    wall: float
    reapplied: int

    @property
    def ssh_bytes(self) -> int:
        return self.sent + self.received


async def measure(
    selector: MeteredSelector, counter: ByteCounter, step: Callable[[], Awaitable[int]]
) -> Sample:
    await asyncio.sleep(0)
    selector.reset()
    counter.reset()
    start = time.perf_counter()
    reapplied = await step()
    wall = time.perf_counter() - start
    await asyncio.sleep(0)  # close the last busy stretch
    return Sample(selector.busy, selector.longest, counter.sent, counter.received, wall, reapplied)


# -- BASELINE: today's reconcile path, before the digest change ----------------------
# A faithful copy of LinuxSshBackend._read_snippet / async_apply / async_read_state and
# SnoopGuardCoordinator._async_reconcile as they were, so the peer stays measurable
# after the product code changed.


class Baseline:
    """TODAY's path: snippet built on the loop each time, router copy read back with cat."""

    def __init__(self, backend: LinuxSshBackend) -> None:
        self.b = backend

    async def _read_snippet(self) -> str | None:
        path = shlex.quote(self.b.snippet_path)
        result = await self.b._run(f"if [ -f {path} ]; then cat {path}; else echo -n MISSING; fi")
        text = str(result.stdout or "")
        return None if text == "MISSING" else text

    async def async_apply(
        self, policies: Sequence[DevicePolicy], tracker_domains: Sequence[str]
    ) -> None:
        b = self.b
        await b._nft(build_ruleset(policies, b._lan_interfaces))
        snippet = build_snippet(tracker_domains)
        if await self._read_snippet() != snippet:
            path = shlex.quote(b.snippet_path)
            result = await b._run(
                f"umask 022 && cat > {path}.tmp && mv -f {path}.tmp {path}", stdin=snippet
            )
            if result.exit_status != 0:
                raise BackendResponseError(f"cannot write {b.snippet_path}")
            await b._restart_dnsmasq()

    async def async_read_state(
        self, policies: Sequence[DevicePolicy], tracker_domains: Sequence[str]
    ) -> EnforcedState:
        b = self.b
        listing, snippet = await asyncio.gather(
            b._run("nft -j list table inet snoop_guard"),
            self._read_snippet(),
        )
        current = snippet == build_snippet(tracker_domains)
        if listing.exit_status != 0:
            return EnforcedState(
                table_present=False, rules_intact=False, in_sync=False, dns_snippet_current=current
            )
        data = json.loads(str(listing.stdout))
        return parse_state(data, policies, b._lan_interfaces, dns_snippet_current=current)

    async def reconcile(self, policies: list[DevicePolicy], tracker_domains: list[str]) -> int:
        """The coordinator's _async_reconcile of today (lock and logging left out)."""
        state = await self.async_read_state(policies, tracker_domains)
        if state.in_sync:
            return 0
        await self.async_apply(policies, tracker_domains)
        state = await self.async_read_state(policies, tracker_domains)
        assert state.in_sync, state
        return 1


# -- the shipped path ------------------------------------------------------------------


async def digest_reconcile(
    backend: LinuxSshBackend, policies: list[DevicePolicy], trackers: TrackerSet
) -> int:
    """SnoopGuardCoordinator._async_reconcile as shipped (lock and logging left out)."""
    state = await backend.async_read_state(policies, trackers)
    if state.in_sync:
        return 0
    await backend.async_apply(policies, trackers)
    state = await backend.async_read_state(policies, trackers)
    assert state.in_sync, state
    return 1


# -- the router ------------------------------------------------------------------------


def dnsmasq_rss(lab: Lab) -> int:
    pid = Path(lab.info.state_dir, "dnsmasq.pid").read_text().strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def restart_seconds(lab: Lab, trials: int) -> float:
    times = []
    for _ in range(trials):
        start = time.perf_counter()
        result = lab.run_in("router", [lab.info.dnsmasq_restart], timeout=120)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise RuntimeError(f"dnsmasq restart failed: {result.stderr}")
    return statistics.median(times)


@dataclass
class SizeResult:
    domains: int
    snippet_bytes: int
    prepare: float = 0.0
    prepare_loop: float = 0.0
    change: dict[str, Sample] = field(default_factory=dict)
    steady: dict[str, Sample] = field(default_factory=dict)
    rss: int = 0
    restart: float = 0.0


def median_sample(samples: list[Sample]) -> Sample:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    return Sample(
        loop=med([s.loop for s in samples]),
        longest=med([s.longest for s in samples]),
        sent=int(med([s.sent for s in samples])),
        received=int(med([s.received for s in samples])),
        wall=med([s.wall for s in samples]),
        reapplied=max(s.reapplied for s in samples),
    )


async def run_size(
    lab: Lab,
    backend: LinuxSshBackend,
    selector: MeteredSelector,
    counter: ByteCounter,
    policies: list[DevicePolicy],
    empty: TrackerSet,
    domains: list[str],
    trials: int,
    restarts: int,
) -> SizeResult:
    baseline = Baseline(backend)
    loop = asyncio.get_running_loop()
    result = SizeResult(len(domains), len(build_snippet(domains).encode()))

    # baseline: knowledge change (router has the empty snippet), then steady state
    await backend.async_apply(policies, empty)
    result.change["baseline"] = await measure(
        selector, counter, lambda: baseline.reconcile(policies, domains)
    )
    steady = [
        await measure(selector, counter, lambda: baseline.reconcile(policies, domains))
        for _ in range(trials)
    ]
    result.steady["baseline"] = median_sample(steady)

    # digest: same change, the snippet prepared in an executor first
    await backend.async_apply(policies, empty)
    trackers: TrackerSet | None = None

    async def prepare() -> int:
        nonlocal trackers
        start = time.perf_counter()
        trackers = await loop.run_in_executor(None, prepare_trackers, domains)
        result.prepare = time.perf_counter() - start
        return 0

    result.prepare_loop = (await measure(selector, counter, prepare)).loop
    assert trackers is not None
    prepared = trackers
    assert prepared.sha256 == hashlib.sha256(build_snippet(domains).encode()).hexdigest()
    result.change["digest"] = await measure(
        selector, counter, lambda: digest_reconcile(backend, policies, prepared)
    )
    steady = [
        await measure(selector, counter, lambda: digest_reconcile(backend, policies, prepared))
        for _ in range(trials)
    ]
    result.steady["digest"] = median_sample(steady)
    assert all(s.reapplied == 0 for s in steady)

    # dnsmasq with this snippet (installed by the digest path above)
    result.restart = await loop.run_in_executor(None, restart_seconds, lab, restarts)
    result.rss = dnsmasq_rss(lab)
    return result


def fmt_bytes(n: float) -> str:
    if n >= MIB:
        return f"{n / MIB:.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n:.0f} B"


def report(results: list[SizeResult], empty_rss: int, empty_restart: float) -> str:
    out = []
    out.append("Per reconcile: event-loop busy time, longest stall, bytes over SSH")
    head = (
        f"{'domains':>9} {'case':<7} {'path':<9} {'loop':>10} {'stall':>10} "
        f"{'SSH bytes':>11} {'wall':>9}"
    )
    out += [head, "-" * len(head)]
    for r in results:
        for case, table in (("change", r.change), ("steady", r.steady)):
            for path in ("baseline", "digest"):
                s = table[path]
                out.append(
                    f"{r.domains:>9,} {case:<7} {path:<9} {s.loop * 1000:>8.1f}ms "
                    f"{s.longest * 1000:>8.1f}ms {fmt_bytes(s.ssh_bytes):>11} "
                    f"{s.wall * 1000:>7.0f}ms"
                )
    out.append("")
    out.append("Ratios baseline / digest (higher is better for digest)")
    head = (
        f"{'domains':>9} {'snippet':>10} {'steady loop':>12} {'steady bytes':>13} "
        f"{'change loop':>12} {'prepare (executor)':>19}"
    )
    out += [head, "-" * len(head)]
    for r in results:
        bs, ds = r.steady["baseline"], r.steady["digest"]
        bc, dc = r.change["baseline"], r.change["digest"]
        out.append(
            f"{r.domains:>9,} {fmt_bytes(r.snippet_bytes):>10} "
            f"{bs.loop / max(ds.loop, 1e-9):>11.0f}x {bs.ssh_bytes / max(ds.ssh_bytes, 1):>12.0f}x "
            f"{bc.loop / max(dc.loop + r.prepare_loop, 1e-9):>11.1f}x "
            f"{r.prepare * 1000:>11.0f} ms (loop {r.prepare_loop * 1000:.1f} ms)"
        )
    out.append("")
    out.append("dnsmasq on the router (peer: the same dnsmasq with an empty snippet)")
    head = (
        f"{'domains':>9} {'VmRSS':>10} {'vs empty':>9} {'B/domain':>9} "
        f"{'restart':>9} {'vs empty':>9}"
    )
    out += [head, "-" * len(head)]
    out.append(
        f"{0:>9,} {fmt_bytes(empty_rss):>10} {1:>8.2f}x {'-':>9} "
        f"{empty_restart * 1000:>7.0f}ms {1:>8.2f}x"
    )
    for r in results:
        per = (r.rss - empty_rss) / r.domains
        out.append(
            f"{r.domains:>9,} {fmt_bytes(r.rss):>10} {r.rss / empty_rss:>8.2f}x {per:>9.0f} "
            f"{r.restart * 1000:>7.0f}ms {r.restart / empty_restart:>8.2f}x"
        )
    return "\n".join(out)


async def main_async(lab: Lab, sizes: list[int], trials: int, restarts: int) -> str:
    loop = asyncio.get_running_loop()
    selector: MeteredSelector = loop._selector  # type: ignore[attr-defined]
    info = lab.info
    backend = LinuxSshBackend(
        SshSettings(
            host=info.router_ip,
            port=info.ssh_port,
            username=info.ssh_user,
            private_key=info.ssh_key_text,
            host_key=info.ssh_host_key,
            log_source=LogSource.FILE,
            log_path=info.dnsmasq_log,
            leases_path=info.dhcp_leases,
            dnsmasq_conf_dir=info.dnsmasq_conf_dir,
            dnsmasq_restart=info.dnsmasq_restart,
        )
    )
    counter = ByteCounter()
    counter.install(backend)
    try:
        await backend.async_connect()
        await backend.async_list_clients()  # learns the LAN interfaces, as setup does
        tv = info.device("tv")
        policies = [DevicePolicy(mac=tv.mac, ips=(tv.ip,), block_trackers=True)]
        empty = prepare_trackers([])
        await backend.async_apply(policies, empty)
        empty_restart = await loop.run_in_executor(None, restart_seconds, lab, restarts)
        empty_rss = dnsmasq_rss(lab)
        results = []
        for size in sizes:
            domains = synth_rules(size)
            print(f"... {size:,} domains", file=sys.stderr, flush=True)
            results.append(
                await run_size(
                    lab, backend, selector, counter, policies, empty, domains, trials, restarts
                )
            )
        await backend.async_remove_all()
    finally:
        await backend.async_close()
    return report(results, empty_rss, empty_restart)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="300,100000,300000")
    parser.add_argument("--trials", type=int, default=5, help="steady-state reconciles per size")
    parser.add_argument("--restarts", type=int, default=3, help="dnsmasq restarts per size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"Reconcile benchmark ({time.strftime('%Y-%m-%d')}, Python {platform.python_version()},"
        f" lab router over SSH)",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="sg-bench-reconcile-") as state,
        Lab(state_dir=Path(state)) as lab,
        asyncio.Runner(loop_factory=lambda: asyncio.SelectorEventLoop(MeteredSelector())) as runner,
    ):
        print(runner.run(main_async(lab, sizes, args.trials, args.restarts)))


if __name__ == "__main__":
    main()
