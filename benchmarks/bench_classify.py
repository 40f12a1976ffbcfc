"""Device classification over the discovery fixture table, against the hostname baseline.

Run: ``python benchmarks/bench_classify.py`` (from the repository root).

Prints, for ``engine.discovery.classify`` given every record (mDNS + SSDP + DHCP + OUI
evidence) and for the baseline of what a router alone knows (the same classifier given only
the DHCP record: host name, vendor class, and the OUI), both measured in this run on the
same fixtures (tests/engine/fixtures/discovery):

* precision / recall per kind (tv, streamer, speaker, other), kind accuracy and
  kind+vendor accuracy;
* throughput (classifications per second, best of 5 rounds) and the ratio between the two.
  Record construction (sanitising the announcements) is timed separately: the Home
  Assistant side pays it once per announcement, not per classification.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from custom_components.snoop_guard.engine.classify import Classification, DeviceKind  # noqa: E402
from custom_components.snoop_guard.engine.discovery import (  # noqa: E402
    DhcpRecord,
    MdnsRecord,
    SsdpRecord,
    classify,
)
from tests.engine.test_discovery_fixtures import (  # noqa: E402
    dhcp_only,
    fixture_records,
    load_fixtures,
)

KINDS = (DeviceKind.TV, DeviceKind.STREAMER, DeviceKind.SPEAKER, DeviceKind.OTHER)


def _table(name: str, fixtures: list[dict[str, Any]], results: list[Classification]) -> None:
    print(f"\n{name}")
    print(f"  {'kind':<9} {'precision':>9} {'recall':>7} {'support':>8}")
    for kind in KINDS:
        tp = sum(
            1
            for f, r in zip(fixtures, results, strict=True)
            if r.kind is kind and f["expect"]["kind"] == kind
        )
        predicted = sum(1 for r in results if r.kind is kind)
        actual = sum(1 for f in fixtures if f["expect"]["kind"] == kind)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        print(f"  {kind.value:<9} {precision:>9.2f} {recall:>7.2f} {actual:>8}")
    kind_ok = sum(
        1 for f, r in zip(fixtures, results, strict=True) if r.kind == f["expect"]["kind"]
    )
    both_ok = sum(
        1
        for f, r in zip(fixtures, results, strict=True)
        if r.kind == f["expect"]["kind"] and r.vendor == f["expect"]["vendor"]
    )
    print(f"  kind accuracy        {kind_ok / len(fixtures):.3f} ({kind_ok}/{len(fixtures)})")
    print(f"  kind+vendor accuracy {both_ok / len(fixtures):.3f} ({both_ok}/{len(fixtures)})")
    misses = [
        f"{f['id']} -> {r.kind.value}/{r.vendor}"
        for f, r in zip(fixtures, results, strict=True)
        if r.kind != f["expect"]["kind"] or r.vendor != f["expect"]["vendor"]
    ]
    if misses:
        print("  misses: " + ", ".join(misses))


def _rate(run: Callable[[], object], count: int, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> int:
    fixtures = load_fixtures()
    records = [fixture_records(f) for f in fixtures]
    ours = [classify(r, f["mac"]) for f, r in zip(fixtures, records, strict=True)]
    router_view = [dhcp_only(r) for r in records]
    baseline = [classify(r, f["mac"]) for f, r in zip(fixtures, router_view, strict=True)]
    print(f"{len(fixtures)} fixtures, {sum(len(r) for r in records)} records")
    _table("engine.discovery.classify (mDNS + SSDP + DHCP + OUI)", fixtures, ours)
    _table("baseline: discovery.classify, DHCP record only (hostname + OUI)", fixtures, baseline)

    print("\nablation: kind / kind+vendor accuracy with one source only (plus the MAC's OUI)")
    for label, wanted in (
        ("mDNS only", MdnsRecord),
        ("SSDP only", SsdpRecord),
        ("DHCP only", DhcpRecord),
    ):
        only = [
            classify([r for r in recs if isinstance(r, wanted)], f["mac"])
            for f, recs in zip(fixtures, records, strict=True)
        ]
        kind_ok = sum(
            1 for f, r in zip(fixtures, only, strict=True) if r.kind == f["expect"]["kind"]
        )
        both_ok = sum(
            1
            for f, r in zip(fixtures, only, strict=True)
            if r.kind == f["expect"]["kind"] and r.vendor == f["expect"]["vendor"]
        )
        print(f"  {label:<10} {kind_ok / len(fixtures):.3f} / {both_ok / len(fixtures):.3f}")
    confidences = sorted(r.confidence for r in ours)
    print(
        f"\nconfidence: min {confidences[0]:.2f}, median {confidences[len(confidences) // 2]:.2f},"
        f" max {confidences[-1]:.2f}"
    )

    repeat = 40
    pairs = list(zip(fixtures, records, strict=True)) * repeat
    router_pairs = list(zip(fixtures, router_view, strict=True)) * repeat
    count = len(pairs)

    def run_ours() -> None:
        for fixture, recs in pairs:
            classify(recs, fixture["mac"])

    def run_baseline() -> None:
        for fixture, recs in router_pairs:
            classify(recs, fixture["mac"])

    def run_records() -> None:
        for fixture in fixtures * repeat:
            fixture_records(fixture)

    ours_rate = _rate(run_ours, count)
    base_rate = _rate(run_baseline, count)
    record_rate = _rate(run_records, count)
    print("\nthroughput (devices per second, best of 5 rounds)")
    print(f"  discovery.classify        {ours_rate:>10.0f}/s  ({1e6 / ours_rate:.0f} us/device)")
    print(f"  baseline DHCP record only {base_rate:>10.0f}/s  ({1e6 / base_rate:.1f} us/device)")
    print(f"  ratio baseline/discovery  {base_rate / ours_rate:>10.1f}x")
    print(
        f"  building the records      {record_rate:>10.0f}/s  ({1e6 / record_rate:.0f} us/device)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
