"""Tests for the per-device contact counters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.snoop_guard.engine.counters import Contact, ContactCounters

T0 = datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC)
TV = "58:b4:2d:11:22:33"


def contact(when: datetime, domain: str = "gz-data.com", company: str = "Gozen Data") -> Contact:
    return Contact(when=when, domain=domain, company=company, category="network-scanning")


def test_record_and_count() -> None:
    c = ContactCounters()
    assert c.record(TV, contact(T0))
    assert c.record(TV, contact(T0 + timedelta(seconds=10)))
    assert c.record(TV, contact(T0 + timedelta(seconds=11), "samba.tv", "Samba TV"))
    assert c.count(TV, T0 + timedelta(minutes=1)) == 3
    assert c.companies(TV, T0 + timedelta(minutes=1)) == {"Gozen Data": 2, "Samba TV": 1}
    assert c.count("unknown", T0) == 0
    assert c.companies("unknown", T0) == {}
    assert c.devices() == [TV]


def test_dedupe_a_aaaa_https_of_one_lookup() -> None:
    c = ContactCounters()
    assert c.record(TV, contact(T0))  # A
    assert not c.record(TV, contact(T0 + timedelta(milliseconds=5)))  # AAAA
    assert not c.record(TV, contact(T0 + timedelta(seconds=1, milliseconds=900)))  # HTTPS
    assert c.record(TV, contact(T0 + timedelta(seconds=2)))
    # Another device or another domain is not a duplicate.
    assert c.record("other", contact(T0))
    assert c.record(TV, contact(T0 + timedelta(seconds=2), "samba.tv", "Samba TV"))
    assert c.count(TV, T0) == 3


def test_dedupe_disabled() -> None:
    c = ContactCounters(dedupe=timedelta(0))
    assert c.record(TV, contact(T0))
    assert c.record(TV, contact(T0))
    assert c.count(TV, T0) == 2


def test_window_slides() -> None:
    c = ContactCounters()
    c.record(TV, contact(T0))
    c.record(TV, contact(T0 + timedelta(hours=12)))
    assert c.count(TV, T0 + timedelta(hours=23, minutes=59)) == 2
    assert c.count(TV, T0 + timedelta(hours=24, minutes=1)) == 1
    assert c.count(TV, T0 + timedelta(hours=36, minutes=1)) == 0


def test_memory_is_bounded_per_device() -> None:
    c = ContactCounters(window=timedelta(minutes=10), bucket=timedelta(minutes=1))
    for minute in range(100):
        c.record(TV, contact(T0 + timedelta(minutes=minute), domain=f"d{minute}.com"))
    state = c._devices[TV]
    assert len(state.buckets) <= 10
    assert c.count(TV, T0 + timedelta(minutes=99)) == 10


def test_too_old_contacts_are_not_counted() -> None:
    c = ContactCounters()
    assert c.record(TV, contact(T0))
    assert not c.record(TV, contact(T0 - timedelta(days=2), "old.com"))
    assert c.record(TV, contact(T0 - timedelta(hours=1), "recent.com"))
    assert c.count(TV, T0) == 2


def test_last_contact_and_naive_is_utc() -> None:
    c = ContactCounters()
    naive = datetime(2026, 11, 24, 12, 0, 0)
    c.record(TV, contact(naive, "a.com"))
    c.record(TV, contact(naive - timedelta(minutes=5), "older.com"))
    last = c.last(TV)
    assert last is not None
    assert last.domain == "a.com"
    assert last.when == naive.replace(tzinfo=UTC)
    assert c.last("nobody") is None


def test_aware_non_utc_input() -> None:
    c = ContactCounters()
    plus_two = datetime(2026, 11, 24, 14, 0, 30, tzinfo=UTC) + timedelta(0)
    c.record(TV, contact(plus_two.astimezone()))
    last = c.last(TV)
    assert last is not None
    assert last.when.tzinfo is UTC


def test_prune() -> None:
    c = ContactCounters()
    c.record(TV, contact(T0))
    c.record("speaker", contact(T0 + timedelta(hours=20)))
    c.prune(T0 + timedelta(hours=25))
    assert c.devices() == ["speaker"]
    assert c.count("speaker", T0 + timedelta(hours=25)) == 1
    c.prune(T0 + timedelta(hours=50))
    assert c.devices() == []


def test_max_devices_evicts_least_recent() -> None:
    c = ContactCounters(max_devices=2)
    c.record("a", contact(T0))
    c.record("b", contact(T0))
    c.record("a", contact(T0 + timedelta(minutes=1)))
    c.record("c", contact(T0 + timedelta(minutes=2)))
    assert c.devices() == ["a", "c"]


def test_invalid_settings() -> None:
    with pytest.raises(ValueError):
        ContactCounters(bucket=timedelta(0))
    with pytest.raises(ValueError):
        ContactCounters(window=timedelta(seconds=1), bucket=timedelta(minutes=1))
    with pytest.raises(ValueError):
        ContactCounters(max_devices=0)


def test_persistence_round_trip() -> None:
    c = ContactCounters()
    c.record(TV, contact(T0))
    c.record(TV, contact(T0 + timedelta(minutes=3), "samba.tv", "Samba TV"))
    c.record("speaker", contact(T0 + timedelta(hours=1), "logs.roku.com", "Roku"))
    data = json.loads(json.dumps(c.to_dict()))
    restored = ContactCounters.from_dict(data)
    now = T0 + timedelta(hours=2)
    assert restored.devices() == c.devices()
    for device in c.devices():
        assert restored.count(device, now) == c.count(device, now)
        assert restored.companies(device, now) == c.companies(device, now)
        assert restored.last(device) == c.last(device)
    assert restored.to_dict() == c.to_dict()


def test_restored_window_keeps_sliding() -> None:
    c = ContactCounters()
    c.record(TV, contact(T0))
    restored = ContactCounters.from_dict(c.to_dict())
    assert restored.count(TV, T0 + timedelta(hours=25)) == 0
    assert restored.record(TV, contact(T0 + timedelta(seconds=1)))  # dedupe state not persisted


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        1,
        "x",
        [],
        {"devices": "nope"},
        {"window_s": -1, "bucket_s": "a", "devices": {}},
        {"window_s": 10, "bucket_s": 60},
        {"window_s": float("nan"), "bucket_s": float("inf"), "max_devices": True},
        {"devices": {1: {}, "": {}, "x" * 1000: {}}},
        {"devices": {"a": {"buckets": {"not-a-date": {"X": 1}}}}},
        {"devices": {"a": {"buckets": {"2026-11-24T12:00:00+00:00": {"X": -1, "Y": True}}}}},
        {"devices": {"a": {"buckets": [], "last": {"when": 5}}}},
        {"devices": {"a": {"last": {"when": "2026-11-24T12:00:00", "domain": 1}}}},
        {"devices": {"a": None, "b": []}},
    ],
)
def test_from_dict_garbage(garbage: object) -> None:
    c = ContactCounters.from_dict(garbage)
    assert c.devices() == []
    assert c.record(TV, contact(T0))


def test_from_dict_partial_keeps_good_parts() -> None:
    data = {
        "version": 1,
        "devices": {
            "good": {
                "buckets": {
                    "2026-11-24T12:00:00+00:00": {"Gozen Data": 2, "": 5, "Bad": "x"},
                    "garbage": {"X": 1},
                    "2026-11-24T12:01:00": {"Samba TV": 1},
                },
                "last": {"when": "not a date"},
            },
            "bad": {"buckets": "x"},
        },
    }
    c = ContactCounters.from_dict(data)
    assert c.devices() == ["good"]
    assert c.companies("good", T0) == {"Gozen Data": 2, "Samba TV": 1}
    assert c.last("good") is None
