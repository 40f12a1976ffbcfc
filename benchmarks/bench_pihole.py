"""Pi-hole v6 backend: CPU per 1,000 polled queries, and block latency, against peers.

Run: ``python benchmarks/bench_pihole.py`` (from the repository root; serves the
test emulator on 127.0.0.1).

1. **Query parsing** (client CPU per 1,000 entries, ``time.process_time``, best of
   7 rounds of 50 replies): the bytes of a real-shaped ``/api/queries`` reply of
   1,000 entries, decoded and turned into typed ``PiholeQuery`` rows by our code,
   against the peer ``json.loads`` of the same bytes (the least any client pays).
2. **Polling over loopback**: wall time of ``async_poll_queries`` reading 1,000 new
   entries (one page) and 10,000 new entries (forward walk, 10 windows), emulator
   in the same process (its own CPU is included).
3. **Read-back of a large list**: client CPU to decode 100,000 tracker entries and
   compare them with the wanted set, against ``json.loads`` of the same reply.
4. **Block latency**: from the start of ``async_apply`` (block one device's trackers,
   300 tracker domains already installed) to the moment the emulator handled the
   request that put the device in our group, p50/p95 over 200 toggles, against the
   peer: one authenticated ``GET /api/groups`` round trip on the same connection.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402

from custom_components.snoop_guard.backends.base import DevicePolicy, TrackerSet  # noqa: E402
from custom_components.snoop_guard.backends.pihole import PiholeBackend  # noqa: E402
from custom_components.snoop_guard.backends.pihole_api import PiholeApi  # noqa: E402
from custom_components.snoop_guard.backends.pihole_plan import (  # noqa: E402
    GROUP_INTERNET,
    GROUP_TRACKERS,
    INTERNET_REGEX,
    OUR_COMMENT,
    Snapshot,
    enforced_state,
    tracker_domains,
    tracker_regexes,
)
from custom_components.snoop_guard.backends.pihole_queries import parse_queries  # noqa: E402
from tests.emulators.pihole import PiholeEmulator  # noqa: E402

PASSWORD = "bench"


def _reply(emulator: PiholeEmulator, n: int) -> bytes:
    for i in range(n):
        emulator.add_query(
            f"host{i % 97}.tracker{i % 13}.example",
            f"192.168.1.{i % 200 + 2}",
            f"device-{i % 200}.lan",
            "A" if i % 3 else "AAAA",
        )
    status, body = emulator._queries({"length": str(n)})
    assert status == 200
    assert isinstance(body, dict)
    return json.dumps({**body, "took": 0.002}).encode()


def bench_parse() -> None:
    raw = _reply(PiholeEmulator(password=PASSWORD), 1000)

    async def ours() -> None:
        parse_queries(await PiholeApi._decode(raw))

    def best(fn: Any) -> float:
        rounds = []
        for _ in range(7):
            start = time.process_time()
            for _ in range(50):
                fn()
            rounds.append((time.process_time() - start) / 50)
        return min(rounds)

    loop = asyncio.new_event_loop()
    mine = best(lambda: loop.run_until_complete(ours()))
    loop.close()
    peer = best(lambda: json.loads(raw))
    print(f"reply of 1,000 entries: {len(raw) / 1024:.0f} KiB")
    print(
        f"CPU per 1,000 entries: ours {mine * 1e3:.2f} ms, json.loads {peer * 1e3:.2f} ms, "
        f"ratio {mine / peer:.2f}"
    )


async def bench_poll_and_block() -> None:
    emulator = PiholeEmulator(password=PASSWORD)
    await emulator.start()
    async with aiohttp.ClientSession() as http:
        backend = PiholeBackend(http, host="127.0.0.1", port=emulator.port, password=PASSWORD)
        await backend.async_connect()
        emulator.add_query("seed.example", "192.168.1.2")
        _, cursor = await backend.async_poll_queries(None)
        for n in (1000, 10000):
            for i in range(n):
                emulator.add_query(f"n{i}.example", "192.168.1.2")
            start = time.perf_counter()
            entries, cursor = await backend.async_poll_queries(cursor)
            took = time.perf_counter() - start
            assert len(entries) == n
            print(
                f"poll of {n:>6,} new entries over loopback: {took * 1e3:.1f} ms "
                f"({took * 1e6 / n:.1f} µs per entry, emulator included)"
            )

        trackers = TrackerSet(tuple(f"t{i}.tracker.example" for i in range(300)), "", "")
        mac, ip = "aa:bb:cc:00:00:01", "192.168.1.20"
        emulator.add_client(ip, [0])
        await backend.async_apply([DevicePolicy(mac, (ip,))], trackers)
        landed: list[float] = []
        original = emulator._put

        def put(table: str, params: Any, body: Any) -> Any:
            reply = original(table, params, body)
            if table == "clients":
                landed.append(time.perf_counter())
            return reply

        emulator._put = put  # type: ignore[method-assign]
        latencies, peers = [], []
        for i in range(200):
            on = i % 2 == 0
            start = time.perf_counter()
            await backend.async_apply([DevicePolicy(mac, (ip,), block_trackers=on)], trackers)
            latencies.append(landed[-1] - start)
            start = time.perf_counter()
            await backend.api.request("GET", "/groups")
            peers.append(time.perf_counter() - start)
        state = await backend.async_read_state([DevicePolicy(mac, (ip,))], trackers)
        assert state.in_sync
        await backend.async_close()

    def pct(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] * 1e3

    print(
        f"block latency (apply -> membership stored), 300 trackers installed: "
        f"p50 {pct(latencies, 50):.1f} ms, p95 {pct(latencies, 95):.1f} ms"
    )
    print(
        f"peer, one GET /api/groups round trip: p50 {pct(peers, 50):.2f} ms, "
        f"p95 {pct(peers, 95):.2f} ms; ratio p50 {pct(latencies, 50) / pct(peers, 50):.1f}"
    )
    await emulator.close()


def bench_large_readback(n: int = 100_000) -> None:
    """Client CPU to read back ``n`` tracker domains (as regex chunks): decode + compare."""
    domains = tuple(f"t{i}.tracker{i % 1000}.example" for i in range(n))
    wanted = tracker_domains(domains)
    start = time.process_time()
    chunks = tracker_regexes(wanted)
    chunking = time.process_time() - start
    rows = [
        {
            "domain": regex,
            "unicode": regex,
            "type": "deny",
            "kind": "regex",
            "comment": OUR_COMMENT,
            "groups": [1],
            "enabled": True,
            "id": i,
            "date_added": 1,
            "date_modified": 1,
        }
        for i, regex in enumerate(chunks)
    ]
    rows.append({"domain": INTERNET_REGEX, "comment": OUR_COMMENT, "groups": [2], "enabled": True})
    raw = json.dumps({"domains": rows, "took": 0.1}).encode()
    groups = [
        {"name": GROUP_TRACKERS, "id": 1, "enabled": True},
        {"name": GROUP_INTERNET, "id": 2, "enabled": True},
    ]

    def ours() -> None:
        tracker_regexes.cache_clear()  # the chunking once per read-back, at worst
        snap = Snapshot(groups, [], [], json.loads(raw)["domains"])
        assert enforced_state(snap, [], wanted).dns_snippet_current

    def best(fn: Any) -> float:
        rounds = []
        for _ in range(3):
            start = time.process_time()
            fn()
            rounds.append(time.process_time() - start)
        return min(rounds)

    start = time.process_time()
    tracker_domains(domains)
    prepare = time.process_time() - start
    mine, peer = best(ours), best(lambda: json.loads(raw))
    print(
        f"read-back of {n:,} tracker domains in {len(chunks)} regex entries"
        f" ({len(raw) / 2**20:.1f} MiB of JSON; chunking {chunking * 1e3:.0f} ms): "
        f"ours {mine * 1e3:.0f} ms CPU (in an executor for the JSON), json.loads "
        f"{peer * 1e3:.0f} ms, ratio {mine / peer:.2f}; "
        f"preparing the set once {prepare * 1e3:.0f} ms"
    )


async def bench_steady_readback(n: int = 20_000, rounds: int = 5) -> None:
    """Steady ``async_read_state`` with ``n`` tracker entries installed: requests and bytes.

    "full" forgets the deny list read before (as every read-back did before the
    counts check); "steady" is the backend as it is (``/info/ftl`` counts unchanged:
    the deny list is not fetched). Wall time includes the emulator (same process).
    """
    emulator = PiholeEmulator(password=PASSWORD)
    await emulator.start()
    results: dict[str, tuple[float, float, float]] = {}
    async with aiohttp.ClientSession() as http:
        backend = PiholeBackend(http, host="127.0.0.1", port=emulator.port, password=PASSWORD)
        trackers = TrackerSet(tuple(f"t{i}.tracker.example" for i in range(n)), "", "ef" * 32)
        policy = DevicePolicy("aa:bb:cc:00:00:01", ("192.168.1.20",), block_trackers=True)
        await backend.async_apply([policy], trackers)
        await backend.async_read_state([policy], trackers)
        for mode in ("full", "steady"):
            walls: list[float] = []
            requests = sent = 0
            for _ in range(rounds):
                if mode == "full":
                    backend._lists = None
                before, bytes_before = len(emulator.requests), emulator.reply_bytes
                start = time.perf_counter()
                state = await backend.async_read_state([policy], trackers)
                walls.append(time.perf_counter() - start)
                assert state.in_sync
                requests += len(emulator.requests) - before
                sent += emulator.reply_bytes - bytes_before
            results[mode] = (statistics.median(walls), requests / rounds, sent / rounds)
        await backend.async_close()
    await emulator.close()
    print(f"steady read-back, {n:,} tracker entries installed (median of {rounds}):")
    for mode, (wall, requests, sent) in results.items():
        print(
            f"  {mode:<6}: {wall * 1e3:7.1f} ms, {requests:.0f} requests, "
            f"{sent / 1024:9.1f} KiB of replies"
        )


if __name__ == "__main__":
    bench_parse()
    bench_large_readback()
    asyncio.run(bench_poll_and_block())
    asyncio.run(bench_steady_readback())
