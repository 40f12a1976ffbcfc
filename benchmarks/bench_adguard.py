"""Benchmark: the AdGuard Home backend's query-log polling and block latency.

Run from the repository root::

    .venv/bin/python benchmarks/bench_adguard.py             # 20,000 entries, 50 toggles
    .venv/bin/python benchmarks/bench_adguard.py --entries 100000 --toggles 200

It prints numbers; it asserts nothing. Two measurements, each against a peer
measured in the same run:

* **poll CPU per 1,000 log entries**: ours (``QueryPoller`` over pages as the
  server sends them: ``json.loads`` of each page, entry parsing, de-duplication
  and the cursor) against a bare ``json.loads`` of the same pages (the least any
  client must spend to read them). Pages come from the emulator's own JSON (500
  entries a page, newest first), fed from memory so only CPU is counted.
* **block latency**: ``async_apply`` turning one device's tracker block on or off
  (read clients, rules and access list, re-read, write) until the emulator on
  loopback holds the new rules, p50/p95; the peer is one bare ``POST
  /control/filtering/set_rules`` of the same rules on the same session.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import queue
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.snoop_guard.backends import adguard  # noqa: E402
from custom_components.snoop_guard.backends.adguard import AdGuardBackend  # noqa: E402
from custom_components.snoop_guard.backends.adguard_plan import (  # noqa: E402
    EXECUTOR_LINES,
    BlockCache,
)
from custom_components.snoop_guard.backends.adguard_query import (  # noqa: E402
    BACKLOG,
    PROBE_LIMIT,
    QueryPoller,
    parse_time_ns,
)
from custom_components.snoop_guard.backends.base import DevicePolicy, TrackerSet  # noqa: E402
from tests.emulators.adguard import AdGuardEmulator, serve  # noqa: E402

BASE_NS = 1_796_000_000_000_000_000


def _log(entries: int) -> tuple[list[int], list[dict[str, object]]]:
    """The query log as the emulator serves it: times (ascending) and entries."""
    emulator = AdGuardEmulator()
    for i in range(entries):
        emulator.add_query(
            f"192.168.1.{i % 200 + 2}",
            f"host{i % 5000}.tracker{i % 37}.example",
            "AAAA" if i % 3 else "A",
            ns=BASE_NS + i * 1_000_003,
        )
    return [ns for ns, _ in emulator.log], [entry for _, entry in emulator.log]


async def _ours(times: list[int], log: list[dict[str, object]]) -> tuple[int, float, list[bytes]]:
    """Walk the whole backlog through QueryPoller; the server side is served from memory.

    Returns the entries read, the CPU the fake server spent (excluded) and the pages.
    """
    served: list[bytes] = []
    excluded = 0.0

    async def fetch(older_than: str | None, offset: int, limit: int) -> list[object]:
        nonlocal excluded
        start = time.process_time()
        end = (
            len(log)
            if older_than is None
            else bisect.bisect_left(times, parse_time_ns(older_than) or 0)
        )
        end -= offset
        page = log[max(0, end - limit) : max(0, end)][::-1]
        raw = json.dumps({"data": page, "oldest": page[-1]["time"] if page else ""}).encode()
        served.append(raw)
        excluded += time.process_time() - start
        data: list[object] = json.loads(raw)["data"]
        return data

    # A cursor just below the oldest entry: every entry is new (a long outage).
    cursor: dict[str, object] = {"v": 2, "top": [BASE_NS, []], "gaps": []}
    poller = QueryPoller(fetch)
    total = 0
    while True:
        entries, cursor = await poller.poll(cursor)
        total += len(entries)
        if not cursor["gaps"] and not entries:
            return total, excluded, served


def bench_poll(entries: int, rounds: int) -> None:
    times, log = _log(entries)
    ours: list[float] = []
    bare: list[float] = []
    requests = 0
    for _ in range(rounds):
        start = time.process_time()
        got, excluded, served = asyncio.run(_ours(times, log))
        ours.append(time.process_time() - start - excluded)
        assert got == entries, (got, entries)
        requests = len(served)
        start = time.process_time()
        for page in served:
            json.loads(page)
        bare.append(time.process_time() - start)
    per = 1000 / entries * 1e3
    o, b = statistics.median(ours) * per, statistics.median(bare) * per
    print(
        f"poll CPU per 1,000 entries ({entries} entries, {requests} requests, median of {rounds}):"
    )
    print(f"  ours (json + parse + cursor): {o:7.2f} ms")
    print(f"  bare json.loads (peer):       {b:7.2f} ms")
    print(f"  ratio ours / peer:            {o / b:7.2f}x")


def bench_idle(polls: int) -> None:
    """CPU of a poll when nothing is new (the steady state at a 1-2 s interval)."""
    _times, log = _log(1000)
    newest = log[::-1]

    async def fetch(older_than: str | None, offset: int, limit: int) -> list[object]:
        data: list[object] = json.loads(raw_by_limit[limit])["data"]
        return data

    raw_by_limit = {
        n: json.dumps({"data": newest[:n], "oldest": newest[n - 1]["time"]}).encode()
        for n in (PROBE_LIMIT, BACKLOG)
    }

    async def run() -> float:
        poller = QueryPoller(fetch)
        _, cursor = await poller.poll(None)
        start = time.process_time()
        for _ in range(polls):
            entries, cursor = await poller.poll(cursor)
            assert entries == []
        return time.process_time() - start

    ours = asyncio.run(run())
    start = time.process_time()
    for _ in range(polls):
        json.loads(raw_by_limit[PROBE_LIMIT])
    bare = time.process_time() - start
    print(f"idle poll ({polls} polls, one request of {PROBE_LIMIT} entries each):")
    print(f"  ours:                         {ours / polls * 1e6:7.1f} us")
    print(f"  bare json.loads (peer):       {bare / polls * 1e6:7.1f} us")
    print(f"  ratio ours / peer:            {ours / bare:7.2f}x")


async def bench_block(toggles: int, domains: int) -> None:
    emulator = AdGuardEmulator()
    emulator.user_rules = [f"||user{i}.example^" for i in range(200)]
    trackers = TrackerSet(
        domains=tuple(f"t{i}.tracker.example" for i in range(domains)), snippet="", sha256="ab" * 32
    )
    async with serve(emulator.app()) as port, aiohttp.ClientSession() as session:
        backend = AdGuardBackend(
            session, host="127.0.0.1", port=port, username="admin", password="s3cret"
        )
        ours: list[float] = []
        for i in range(toggles):
            on = i % 2 == 0
            policy = DevicePolicy("aa:bb:cc:00:00:01", ("192.168.1.50",), block_trackers=on)
            before = list(emulator.user_rules)
            start = time.perf_counter()
            await backend.async_apply([policy], trackers)
            ours.append(time.perf_counter() - start)
            assert emulator.user_rules != before
        rules = list(emulator.user_rules)
        url = f"http://127.0.0.1:{port}/control/filtering/set_rules"
        auth = aiohttp.BasicAuth("admin", "s3cret")
        bare: list[float] = []
        for _ in range(toggles):
            start = time.perf_counter()
            async with session.post(url, json={"rules": rules}, auth=auth) as reply:
                await reply.read()
            bare.append(time.perf_counter() - start)
        assert emulator.violations == []

    def pct(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] * 1e3

    print(f"block latency ({toggles} toggles, {domains} tracker domains, 200 user rules):")
    print(
        f"  ours apply -> state changed: p50 {pct(ours, 50):6.2f} ms  p95 {pct(ours, 95):6.2f} ms"
    )
    print(
        f"  bare set_rules POST (peer):  p50 {pct(bare, 50):6.2f} ms  p95 {pct(bare, 95):6.2f} ms"
    )
    print(f"  ratio p50 ours / peer:       {pct(ours, 50) / pct(bare, 50):6.2f}x")


def _serve_in_thread(emulator: AdGuardEmulator) -> tuple[int, Callable[[], None]]:
    """Serve the emulator from its own thread and loop: its CPU is not the backend's loop."""
    ready: queue.Queue[int] = queue.Queue()
    loop = asyncio.new_event_loop()
    stop = loop.create_future()

    async def run() -> None:
        async with serve(emulator.app()) as port:
            ready.put(port)
            await stop

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    port = ready.get(timeout=30)

    def close() -> None:
        loop.call_soon_threadsafe(stop.set_result, None)
        thread.join(timeout=30)

    return port, close


async def bench_steady(domains: int, rounds: int) -> None:
    """Event-loop CPU of one steady reconcile (read_state, nothing to change).

    "before" re-derives the tracker names and the block on the loop every time (as
    the backend did before caching per TrackerSet and moving big work off the
    loop); "after" is the backend as it is. Only the backend loop thread's CPU is
    counted (``time.thread_time``); the emulator runs in another thread, executor
    work does not block the loop. Decoding the 50 k-line JSON reply stays on the
    loop in both (the ``adguardhome`` client does it).
    """
    emulator = AdGuardEmulator()
    emulator.user_rules = [f"||user{i}.example^" for i in range(200)]
    trackers = TrackerSet(
        domains=tuple(f"t{i}.tracker.example" for i in range(domains)), snippet="", sha256="cd" * 32
    )
    policy = DevicePolicy("aa:bb:cc:00:00:01", ("192.168.1.50",), block_trackers=True)
    results: dict[str, float] = {}
    port, close = _serve_in_thread(emulator)
    try:
        async with aiohttp.ClientSession() as session:
            backend = AdGuardBackend(
                session, host="127.0.0.1", port=port, username="admin", password="s3cret"
            )
            await backend.async_apply([policy], trackers)
            for mode in ("before", "after"):
                loop_cpu: list[float] = []
                for _ in range(rounds):
                    if mode == "before":
                        adguard.EXECUTOR_LINES = 10**12  # Everything on the loop...
                        backend._names_cache = None  # ...and nothing cached.
                        backend._blocks = BlockCache()
                    else:
                        adguard.EXECUTOR_LINES = EXECUTOR_LINES
                    start = time.thread_time()
                    state = await backend.async_read_state([policy], trackers)
                    loop_cpu.append(time.thread_time() - start)
                    assert state.in_sync
                results[mode] = statistics.median(loop_cpu)
    finally:
        close()
    assert emulator.violations == []
    print(f"steady reconcile, loop-thread CPU ({domains} tracker domains, median of {rounds}):")
    print(f"  before (on loop, uncached):   {results['before'] * 1e3:7.1f} ms")
    print(f"  after (cached, executor):     {results['after'] * 1e3:7.1f} ms")
    print(f"  ratio before / after:         {results['before'] / results['after']:7.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--toggles", type=int, default=50)
    parser.add_argument("--domains", type=int, default=300)
    parser.add_argument("--steady-domains", type=int, default=50_000)
    args = parser.parse_args()
    bench_poll(args.entries, args.rounds)
    bench_idle(2000)
    asyncio.run(bench_block(args.toggles, args.domains))
    asyncio.run(bench_steady(args.steady_domains, args.rounds))


if __name__ == "__main__":
    main()
