"""Benchmark: detection and block latency through AdGuard Home and Pi-hole, and poll CPU.

Run from the repository root (any user, loopback only, ~40 s)::

    .venv/bin/python -m benchmarks.bench_filter_latency
    .venv/bin/python -m benchmarks.bench_filter_latency --queries 100 --toggles 100 --entries 50000

It prints numbers; it asserts nothing. No Home Assistant instance runs: the
coordinator-level pieces are driven directly, as the integration wires them:
the real backend (``AdGuardBackend`` / ``PiholeBackend``) on an aiohttp session,
``DnsFeed`` with the real ``POLL_INTERVAL`` (2 s) and the bundled tracker
matcher, and ``ContactCounters``. What Home Assistant adds after a contact is
counted (one ``async_update_listeners`` and a state write, microseconds) is
not in these numbers. Each emulator (tests/emulators) runs in its own thread
with its own event loop, so its CPU is not charged to the client.

* **detection latency**: a tracker query is appended to the emulator's log (at
  uniformly random moments) → the contact counter changes. Peer: the floor of
  any poller with this interval, for arrivals uniform over the interval: mean
  interval/2, p95 0.95 x interval. The difference is what a poll round trip
  and our parsing add.
* **block latency**: "Block trackers" on / off as the switch does it
  (``async_apply`` then ``async_read_state``): time until the emulator holds the
  new state (its last write of the change), and until the read-back that lets
  the switch show it.
* **poll CPU per 1 000 entries**: this thread's CPU to drain a backlog of
  ``--entries`` log entries through ``async_poll_dns`` and ``DnsFeed``
  (HTTP client, JSON, cursor, matching, counting). Peer: ``json.loads`` of the
  same entries as the server sent them (the least any client spends).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402

from custom_components.snoop_guard.backends.adguard import AdGuardBackend  # noqa: E402
from custom_components.snoop_guard.backends.base import (  # noqa: E402
    DevicePolicy,
    TrackerSet,
)
from custom_components.snoop_guard.backends.pihole import PiholeBackend  # noqa: E402
from custom_components.snoop_guard.backends.trackerset import prepare_trackers  # noqa: E402
from custom_components.snoop_guard.const import POLL_INTERVAL  # noqa: E402
from custom_components.snoop_guard.dnsfeed import DnsFeed  # noqa: E402
from custom_components.snoop_guard.engine.compiled import build_matcher  # noqa: E402
from custom_components.snoop_guard.engine.counters import Contact, ContactCounters  # noqa: E402
from custom_components.snoop_guard.engine.trackers import TrackerMatcher  # noqa: E402
from tests.emulators.adguard import AdGuardEmulator, serve  # noqa: E402
from tests.emulators.pihole import PiholeEmulator  # noqa: E402

TV_MAC, TV_IP = "58:b4:2d:11:22:33", "192.168.1.50"
ADGUARD_PASSWORD = "s3cret"
PIHOLE_PASSWORD = "correct horse"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class ServerThread:
    """An emulator served by its own event loop in its own thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run[T](self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def call(self, fn: Callable[[], None]) -> None:
        self.loop.call_soon_threadsafe(fn)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@dataclass
class Filter:
    """One DNS filter under test: its emulator, thread and how to drive it."""

    name: str
    server: ServerThread
    backend: Callable[[aiohttp.ClientSession], Any]
    add_query: Callable[[str], None]
    reset_log: Callable[[int], None]
    """Put that many entries in the log (called on the server's thread)."""
    pages: Callable[[int], list[bytes]]
    """The log's entries as the server sends them, in pages of ~500."""
    writes: list[float] = field(default_factory=list)
    close: Callable[[], None] = lambda: None


async def _adguard() -> Filter:
    server = ServerThread()
    emulator = AdGuardEmulator(password=ADGUARD_PASSWORD)
    emulator.dhcp_enabled = True
    emulator.leases = [{"mac": TV_MAC, "ip": TV_IP, "hostname": "Samsung-TV"}]
    writes: list[float] = []
    for attr in ("_set_rules", "_access_set"):
        original = getattr(emulator, attr)

        async def stamped(request: Any, _original: Any = original) -> Any:
            response = await _original(request)
            writes.append(time.monotonic())
            return response

        setattr(emulator, attr, stamped)
    started = threading.Event()
    port: list[int] = []

    async def run() -> None:
        async with serve(emulator.app()) as bound:
            port.append(bound)
            started.set()
            await asyncio.Event().wait()

    task = asyncio.run_coroutine_threadsafe(run(), server.loop)
    started.wait(10)

    def reset_log(count: int) -> None:
        for i in range(count):
            emulator.add_query(TV_IP, f"h{i % 5000}.t{i % 37}.example", "AAAA" if i % 3 else "A")

    def pages(count: int) -> list[bytes]:
        entries = [entry for _, entry in emulator.log[-count:]][::-1]
        return [
            json.dumps({"data": entries[i : i + 500], "oldest": ""}).encode()
            for i in range(0, len(entries), 500)
        ]

    def close() -> None:
        server.loop.call_soon_threadsafe(task.cancel)
        time.sleep(0.1)

    return Filter(
        name="AdGuard Home",
        server=server,
        backend=lambda session: AdGuardBackend(
            session, host="127.0.0.1", port=port[0], username="admin", password=ADGUARD_PASSWORD
        ),
        add_query=lambda name: emulator.add_query(TV_IP, name),
        reset_log=reset_log,
        pages=pages,
        writes=writes,
        close=close,
    )


async def _pihole() -> Filter:
    server = ServerThread()
    emulator = PiholeEmulator(password=PIHOLE_PASSWORD, clock=time.time())
    emulator.add_device(TV_MAC, [(TV_IP, "Samsung-TV")], "eth0")
    writes: list[float] = []
    dispatch = emulator._dispatch

    def stamped(template: str, request: Any, *args: Any) -> Any:
        reply = dispatch(template, request, *args)
        if request.method != "GET" and template != "/auth":
            writes.append(time.monotonic())
        return reply

    emulator._dispatch = stamped  # type: ignore[method-assign]
    server.run(emulator.start())

    def reset_log(count: int) -> None:
        for i in range(count):
            emulator.add_query(f"h{i % 5000}.t{i % 37}.example", TV_IP, "Samsung-TV")
            emulator.clock = max(emulator.clock, time.time())

    def pages(count: int) -> list[bytes]:
        # The emulator's own replies to the query log (newest first), 500 rows a page.
        total = min(count, len(emulator.queries))
        return [
            json.dumps(
                emulator._queries({"start": start, "length": min(500, total - start)})[1]
            ).encode()
            for start in range(0, total, 500)
        ]

    def add_query(name: str) -> None:
        emulator.clock = max(emulator.clock, time.time())
        emulator.add_query(name, TV_IP, "Samsung-TV")

    return Filter(
        name="Pi-hole v6",
        server=server,
        backend=lambda session: PiholeBackend(
            session, host="127.0.0.1", port=emulator.port, password=PIHOLE_PASSWORD
        ),
        add_query=add_query,
        reset_log=reset_log,
        pages=pages,
        writes=writes,
        close=lambda: server.run(emulator.close()),
    )


def _feed(
    backend: Any, matcher: TrackerMatcher, on_contact: Callable[[str, Contact], None]
) -> DnsFeed:
    return DnsFeed(
        backend,
        matcher=lambda: matcher,
        mac_of_ip=lambda ip: TV_MAC if ip == TV_IP else None,
        on_query=lambda event, mac, tracker: None,
        on_contact=on_contact,
        on_unknown_client=lambda: None,
    )


async def _detection(flt: Filter, matcher: TrackerMatcher, count: int, seed: int) -> list[float]:
    """Latency from 'query in the log' to 'counter changed', one unique tracker name each."""
    counters = ContactCounters()
    appended: dict[str, float] = {}
    counted: dict[str, float] = {}
    done = asyncio.Event()
    polled = asyncio.Event()

    def on_contact(mac: str, contact: Contact) -> None:
        if counters.record(mac, contact) and contact.domain in appended:
            counted[contact.domain] = time.monotonic()
            if len(counted) == count:
                done.set()

    async with aiohttp.ClientSession() as session:
        backend = flt.backend(session)
        await backend.async_connect()
        feed = _feed(backend, matcher, on_contact)
        feed._on_progress = polled.set  # the first poll stored a cursor
        follow = asyncio.create_task(feed.async_follow())
        await polled.wait()
        rng = random.Random(seed)
        # Arrivals spread uniformly, about two per poll interval: independent of the poll phase.
        offsets = sorted(rng.uniform(0, count * 0.5) for _ in range(count))
        start = time.monotonic()
        for i, offset in enumerate(offsets):
            await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
            name = f"q{seed}x{i}.samsungads.com"

            def append(name: str = name) -> None:
                flt.add_query(name)
                appended[name] = time.monotonic()

            flt.server.call(append)
        await asyncio.wait_for(done.wait(), timeout=30)
        follow.cancel()
        await asyncio.gather(follow, return_exceptions=True)
        await backend.async_close()
    return [counted[name] - appended[name] for name in appended]


async def _block(
    flt: Filter, trackers: TrackerSet, toggles: int
) -> tuple[list[float], list[float]]:
    """Switch on/off as the coordinator does it: (until the server holds it, until read back)."""
    to_server: list[float] = []
    to_readback: list[float] = []
    async with aiohttp.ClientSession() as session:
        backend = flt.backend(session)
        await backend.async_connect()
        await backend.async_apply([], trackers)  # the empty block every entry starts with
        for i in range(toggles):
            on = i % 2 == 0
            policies = [DevicePolicy(TV_MAC, (TV_IP,), block_trackers=on)]
            written = len(flt.writes)
            start = time.monotonic()
            await backend.async_apply(policies, trackers)
            state = await backend.async_read_state(policies, trackers)
            end = time.monotonic()
            if (TV_MAC in state.block_trackers) != on or len(flt.writes) == written:
                raise RuntimeError(f"{flt.name}: toggle {i} did not take effect")
            to_server.append(flt.writes[-1] - start)
            to_readback.append(end - start)
        await backend.async_remove_all()
        await backend.async_close()
    return to_server, to_readback


async def _cpu(flt: Filter, matcher: TrackerMatcher, entries: int) -> tuple[float, float]:
    """This thread's CPU per 1 000 entries: ours, and bare json.loads of the same pages."""
    seen = 0

    def on_contact(mac: str, contact: Contact) -> None:
        nonlocal seen
        seen += 1

    async with aiohttp.ClientSession() as session:
        backend = flt.backend(session)
        await backend.async_connect()
        feed = _feed(backend, matcher, on_contact)
        feed.poll_cursor = (await backend.async_poll_dns(None)).cursor
        ready = threading.Event()
        flt.server.call(lambda: (flt.reset_log(entries), ready.set()))  # type: ignore[func-returns-value]
        ready.wait(60)
        handled = 0
        start = time.thread_time()
        while True:
            batch = await backend.async_poll_dns(feed.poll_cursor)
            for query in batch.queries:
                feed.handle_query(query)
            handled += len(batch.queries)
            feed.poll_cursor = batch.cursor
            if not batch.more:
                break
        ours = time.thread_time() - start
        await backend.async_close()
    pages = flt.pages(entries)
    start = time.thread_time()
    for page in pages:
        json.loads(page)
    peer = time.thread_time() - start
    if handled != entries:
        print(f"  note: {flt.name} returned {handled} of {entries} entries", file=sys.stderr)
    return ours / handled * 1000, peer / entries * 1000


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--queries", type=int, default=60, help="detection trials (>= 50)")
    parser.add_argument("--toggles", type=int, default=50, help="block on/off trials")
    parser.add_argument("--entries", type=int, default=20000, help="backlog for the CPU figure")
    args = parser.parse_args(argv)

    matcher = await asyncio.to_thread(build_matcher)
    trackers = await asyncio.to_thread(prepare_trackers, matcher.domains())
    filters = [await _adguard(), await _pihole()]
    interval = POLL_INTERVAL.total_seconds()
    try:
        # Both filters at once: the run takes one detection stretch (~queries/2 s).
        detections = await asyncio.gather(
            *(_detection(f, matcher, args.queries, seed) for seed, f in enumerate(filters))
        )
        rows = []
        for flt, detection in zip(filters, detections, strict=True):
            to_server, to_readback = await _block(flt, trackers, args.toggles)
            cpu, peer_cpu = await _cpu(flt, matcher, args.entries)
            rows.append((flt.name, detection, to_server, to_readback, cpu, peer_cpu))
    finally:
        for flt in filters:
            flt.close()
            flt.server.close()

    print(
        f"Filter latency and poll CPU (poll interval {interval:.0f} s, {args.queries} queries,"
        f" {args.toggles} toggles, {len(trackers.domains)} tracker domains,"
        f" {args.entries} backlog entries)"
    )
    header = f"{'':<46}{'p50':>10}{'p95':>10}{'mean':>10}"
    print(header)
    print("-" * len(header))
    print(
        f"{'floor (uniform arrival)':<46}{interval / 2 * 1000:>8.0f}ms"
        f"{0.95 * interval * 1000:>8.0f}ms{interval / 2 * 1000:>8.0f}ms"
    )
    for name, detection, to_server, to_readback, _cpu_ours, _cpu_peer in rows:
        for label, values in (
            ("detection (log → counter)", detection),
            ("block (switch → server state)", to_server),
            ("block (switch → read back)", to_readback),
        ):
            print(
                f"{name + ' ' + label:<46}"
                f"{statistics.median(values) * 1000:>8.0f}ms"
                f"{_pct(values, 0.95) * 1000:>8.0f}ms"
                f"{statistics.fmean(values) * 1000:>8.0f}ms"
            )
    print()
    print(f"{'poll CPU per 1 000 entries':<46}{'ours':>10}{'json.loads':>12}{'ratio':>8}")
    for name, *_, cpu, peer_cpu in rows:
        print(f"{name:<46}{cpu * 1000:>8.1f}ms{peer_cpu * 1000:>10.1f}ms{cpu / peer_cpu:>7.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
