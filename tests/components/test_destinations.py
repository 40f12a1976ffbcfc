"""Unknown and suspected destinations per device, and the user's verdicts on them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard import destinations
from custom_components.snoop_guard.const import DOMAIN
from custom_components.snoop_guard.destinations import DestinationLog
from custom_components.snoop_guard.diagnostics import async_get_config_entry_diagnostics
from custom_components.snoop_guard.engine.compiled import ListSource, build_matcher
from custom_components.snoop_guard.engine.trackers import TrackerMatcher
from custom_components.snoop_guard.engine.vendorlists import CATALOGUE_BY_ID
from custom_components.snoop_guard.knowledge import marks_store
from tests.fakes import FakeRouter

from .conftest import LAPTOP_IP, TV_IP, TV_MAC
from .helpers import entity_id

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MAC = "58:b4:2d:11:22:33"
OTHER = "00:0e:58:aa:bb:cc"
HOSTILE = (
    "<script>alert(1)</script>.example.com",
    "evil.example.com\nsecond.example.com",
    "a" * 300 + ".example.com",
    "",
)


@pytest.fixture(scope="module")
def matcher() -> TrackerMatcher:
    text = "||tracker.example.net^\n@@||needed.example.org^\n"
    return build_matcher([ListSource(name="test", text=text)], bundled=False)


def test_only_names_no_list_classifies_are_kept(matcher: TrackerMatcher) -> None:
    log = DestinationLog()
    assert log.feed(MAC, "Weather.Example.com.", NOW, matcher)
    assert not log.feed(MAC, "a.tracker.example.net", NOW, matcher)  # a known tracker
    assert not log.feed(MAC, "cdn.needed.example.org", NOW, matcher)  # allow-listed
    assert not log.feed(MAC, "printer.lan", NOW, matcher)  # the home network
    assert not log.feed(MAC, "localhost", NOW, matcher)
    # Another lookup of a name already shown only raises its count.
    assert not log.feed(MAC, "weather.example.com", NOW + timedelta(minutes=1), matcher)
    [shown] = log.unknown(MAC, 10, NOW)
    assert (shown.name, shown.count, shown.suspected) == ("weather.example.com", 2, False)
    assert log.unknown(OTHER, 10, NOW) == []
    assert log.suspected(MAC, NOW) == []


def test_suspected_names_carry_their_evidence(matcher: TrackerMatcher) -> None:
    log = DestinationLog()
    assert log.feed(MAC, "device-metrics.example-tv.com", NOW, matcher)
    assert log.feed(MAC, "plain.example.com", NOW, matcher)
    [suspected] = log.suspected(MAC, NOW)
    assert suspected.name == "device-metrics.example-tv.com"
    assert suspected.category == "telemetry"
    assert any("metrics" in item for item in suspected.evidence)
    # Unknown lists every unclassified name, suspected ones flagged.
    assert {d.name for d in log.unknown(MAC, None, NOW)} == {
        "device-metrics.example-tv.com",
        "plain.example.com",
    }
    # The allow-list wins over a suspicion: an allowed telemetry-looking name is neither.
    assert not log.feed(MAC, "metrics.needed.example.org", NOW, matcher)


def test_new_knowledge_reclassifies_kept_names(matcher: TrackerMatcher) -> None:
    """After a list update, names it now knows leave; suspicions carry the new evidence."""
    log = DestinationLog()
    for name in ("newly-listed.example.com", "plain.example.com", "ota.cdn.pandora.xiaomi.com"):
        assert log.feed(MAC, name, NOW, matcher)
    assert log.suspected(MAC, NOW) == []
    assert not log.reclassify(matcher)  # the same knowledge changes nothing
    xiaomi = CATALOGUE_BY_ID["hagezi-native-xiaomi"]
    updated = build_matcher(
        [
            ListSource(name="test", text="||newly-listed.example.com^\n"),
            xiaomi.source("ota.cdn.pandora.xiaomi.com\n"),
        ],
        bundled=False,
    )
    assert log.reclassify(updated)
    assert {d.name for d in log.unknown(MAC, None, NOW)} == {
        "plain.example.com",
        "ota.cdn.pandora.xiaomi.com",
    }
    [held] = log.suspected(MAC, NOW)
    assert held.name == "ota.cdn.pandora.xiaomi.com"
    assert "hagezi-native-xiaomi" in held.evidence[0]
    # The list is turned off again: the name stays, no longer suspected.
    assert log.reclassify(matcher)
    assert log.suspected(MAC, NOW) == []
    assert len(log.unknown(MAC, None, NOW)) == 2


def test_a_new_allow_rule_takes_a_kept_name_off_the_lists(matcher: TrackerMatcher) -> None:
    log = DestinationLog()
    assert log.feed(MAC, "metrics.partner.example.com", NOW, matcher)
    assert log.feed(OTHER, "metrics.partner.example.com", NOW, matcher)
    assert log.names() == {"metrics.partner.example.com"}  # read once for both devices
    allowing = build_matcher([ListSource(name="t", text="@@||partner.example.com^\n")])
    assert log.reclassify(allowing)
    assert log.unknown(MAC, None, NOW) == []
    assert log.unknown(OTHER, None, NOW) == []
    assert log.to_dict() == {"devices": {}}


def test_hostile_names_are_never_kept(matcher: TrackerMatcher) -> None:
    log = DestinationLog()
    for name in HOSTILE:
        assert not log.feed(MAC, name, NOW, matcher)
    assert log.unknown(MAC, None, NOW) == []


def test_names_leave_after_a_day_and_come_back_counted_anew(matcher: TrackerMatcher) -> None:
    log = DestinationLog()
    log.feed(MAC, "old.example.com", NOW, matcher)
    log.feed(MAC, "old.example.com", NOW, matcher)
    later = NOW + timedelta(hours=25)
    assert log.unknown(MAC, None, later) == []
    assert log.feed(MAC, "old.example.com", later, matcher)
    assert [d.count for d in log.unknown(MAC, None, later)] == [1]
    assert log.prune(later + timedelta(days=2))
    assert log.to_dict()["devices"] == {}


def test_memory_is_bounded(matcher: TrackerMatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(destinations, "MAX_NAMES", 3)
    monkeypatch.setattr(destinations, "MAX_DEVICES", 2)
    log = DestinationLog()
    for i in range(5):
        log.feed(MAC, f"n{i}.example.com", NOW + timedelta(seconds=i), matcher)
    # The least recently seen go first.
    assert {d.name for d in log.unknown(MAC, None, NOW)} == {f"n{i}.example.com" for i in (2, 3, 4)}
    for i in range(3):
        log.feed(f"02:00:00:00:00:0{i}", "x.example.com", NOW, matcher)
    assert len(log.to_dict()["devices"]) == 2


def test_state_survives_a_restart_and_bad_data_is_dropped(matcher: TrackerMatcher) -> None:
    log = DestinationLog()
    log.feed(MAC, "metrics.example-tv.com", NOW, matcher)
    log.feed(MAC, "plain.example.com", NOW, matcher)
    log.mark("marked.example.com", "needed")
    restored = DestinationLog.from_dict(log.to_dict())
    assert restored.to_dict() == log.to_dict()
    assert restored.suspected(MAC, NOW)[0].evidence == log.suspected(MAC, NOW)[0].evidence
    raw = log.to_dict()
    raw["devices"]["not a mac"] = [{"name": "x.example.com"}]
    raw["devices"][MAC].extend(
        [
            {
                "name": "<b>.example.com",
                "count": 1,
                "first": NOW.isoformat(),
                "last": NOW.isoformat(),
            },
            {"name": "ok.example.com", "count": "1", "first": NOW.isoformat()},
            {"name": "naive.example.com", "count": 1, "first": "2026-03-01T12:00:00"},
            "garbage",
        ]
    )
    # Verdicts are the knowledge's (one copy): an older version's saved ones are only
    # read without it, and bad ones are dropped.
    raw["marks"] = {
        "marked.example.com": "needed",
        "bad name!": "tracker",
        "fine.example.com": "delete-everything",
    }
    cleaned = DestinationLog.from_dict(raw)
    assert cleaned.to_dict() == log.to_dict()
    assert cleaned.marks == {"marked.example.com": "needed"}
    shared = {"other.example.com": "tracker"}
    assert DestinationLog.from_dict(raw, shared).marks is shared
    for junk in (None, [], "x", {"devices": [], "marks": 3}):
        assert DestinationLog.from_dict(junk).to_dict() == {"devices": {}}


def test_a_mark_removes_the_name_and_its_subdomains(matcher: TrackerMatcher) -> None:
    log = DestinationLog()
    log.feed(MAC, "a.vendor.example.com", NOW, matcher)
    log.feed(OTHER, "vendor.example.com", NOW, matcher)
    log.feed(MAC, "other.example.com", NOW, matcher)
    assert log.mark("vendor.example.com", "tracker")
    assert [d.name for d in log.unknown(MAC, None, NOW)] == ["other.example.com"]
    assert log.unknown(OTHER, None, NOW) == []
    assert not log.feed(MAC, "b.vendor.example.com", NOW, matcher)
    with pytest.raises(ValueError):
        log.mark("x.example.com", "maybe")
    with pytest.raises(ValueError):
        log.mark("<b>", "tracker")


# -- in Home Assistant --------------------------------------------------------------------


async def _lookup(hass: HomeAssistant, router: FakeRouter, line: str) -> None:
    router.log(line)
    await hass.async_block_till_done()


async def test_device_shows_unknown_and_suspected_destinations(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: Callable[[str, str], str],
) -> None:
    await _lookup(hass, patch_backend, log_line(TV_IP, "weather.example.com"))
    await _lookup(hass, patch_backend, log_line(TV_IP, "weather.example.com"))
    await _lookup(hass, patch_backend, log_line(TV_IP, "device-metrics.example-tv.com"))
    # A laptop is not watched: its lookups are nobody's business here.
    await _lookup(hass, patch_backend, log_line(LAPTOP_IP, "laptop-only.example.com"))
    unknown = hass.states.get(entity_id(hass, setup_entry, TV_MAC, "unknown_destinations"))
    assert unknown is not None
    assert unknown.state == "2"
    shown = {d["name"]: d for d in unknown.attributes["destinations"]}
    assert shown["weather.example.com"]["suspected"] is False
    assert shown["device-metrics.example-tv.com"]["suspected"] is True
    assert "laptop-only.example.com" not in shown
    contacts = hass.states.get(entity_id(hass, setup_entry, TV_MAC, "tracker_contacts"))
    assert contacts is not None
    assert contacts.state == "0"  # suspected contacts are counted apart
    assert contacts.attributes["suspected_contacts"] == 1
    [suspected] = contacts.attributes["suspected"]
    assert suspected["name"] == "device-metrics.example-tv.com"
    assert suspected["category"] == "telemetry"
    assert suspected["evidence"]

    diag = await async_get_config_entry_diagnostics(hass, setup_entry)
    [device] = [d for d in diag["devices"].values() if d["unknown_destinations"]]
    # Looked-up names are browsing history: labels in diagnostics, never the names.
    labels = {d["name"] for d in device["unknown_destinations"]}
    assert len(labels) == len(shown)
    assert all(label.startswith("host_") for label in labels)
    [suspected_row] = device["suspected"]
    assert suspected_row["name"] in labels
    assert suspected_row["category"] == "telemetry"
    assert "evidence" not in suspected_row  # it quotes parts of the name
    assert TV_MAC not in str(diag)
    assert not any(name in str(diag) for name in shown)


async def test_mark_destination_teaches_the_knowledge(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: Callable[[str, str], str],
) -> None:
    await _lookup(hass, patch_backend, log_line(TV_IP, "ping.vendor-tv.example.com"))
    coordinator = setup_entry.runtime_data.coordinator
    assert coordinator.destinations.unknown(TV_MAC, None)
    await hass.services.async_call(
        DOMAIN,
        "mark_destination",
        {"name": "Vendor-TV.example.com.", "verdict": "tracker"},
        blocking=True,
    )
    await hass.async_block_till_done()
    knowledge = setup_entry.runtime_data.knowledge
    found = knowledge.current.matcher.match("ping.vendor-tv.example.com")
    assert found is not None
    assert found.company == "Marked by you"
    assert "vendor-tv.example.com" in knowledge.current.domains  # enforced like any rule
    assert coordinator.destinations.unknown(TV_MAC, None) == []
    assert knowledge.summary()["user_marks"] == 1
    # Counted as a tracker from now on.
    await _lookup(hass, patch_backend, log_line(TV_IP, "ping.vendor-tv.example.com"))
    contacts = hass.states.get(entity_id(hass, setup_entry, TV_MAC, "tracker_contacts"))
    assert contacts is not None
    assert contacts.state == "1"

    # "Needed" beats every list, the bundled ones too; and it survives a restart.
    bundled = "samsungads.com"
    assert knowledge.current.matcher.match(bundled) is not None
    await hass.services.async_call(
        DOMAIN, "mark_destination", {"name": bundled, "verdict": "needed"}, blocking=True
    )
    assert knowledge.current.matcher.match(bundled) is None
    assert bundled not in knowledge.current.domains
    saved = await marks_store(hass, setup_entry.entry_id).async_load()
    assert saved == {"marks": {"vendor-tv.example.com": "tracker", bundled: "needed"}}
    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()
    matcher = setup_entry.runtime_data.knowledge.current.matcher
    assert matcher.match(bundled) is None
    assert matcher.match("vendor-tv.example.com") is not None


@pytest.mark.parametrize(
    "name", [*HOSTILE[:3], "com", "co.uk", "amazonaws.com", "single", "198.18.5.1"]
)
async def test_mark_destination_refuses_bad_names(
    hass: HomeAssistant, setup_entry: MockConfigEntry, name: str
) -> None:
    before = setup_entry.runtime_data.knowledge.current
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "mark_destination", {"name": name, "verdict": "tracker"}, blocking=True
        )
    assert err.value.translation_key == "invalid_destination"
    assert setup_entry.runtime_data.knowledge.current is before
    assert setup_entry.runtime_data.knowledge.marks == {}


async def test_mark_destination_for_a_device_that_is_not_ours(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "mark_destination",
            {"name": "x.example.com", "verdict": "needed", "device_id": "nope"},
            blocking=True,
        )
    assert err.value.translation_key == "not_our_device"


async def test_a_held_back_function_name_is_suspected_until_marked(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    log_line: Callable[[str, str], str],
) -> None:
    """A bundled list names a Xiaomi store host; it shows as suspected, blocked only when marked."""
    name = "t6.a.market.xiaomi.com"
    knowledge = setup_entry.runtime_data.knowledge
    assert knowledge.current.matcher.match(name) is None
    assert not any(domain.endswith("market.xiaomi.com") for domain in knowledge.current.domains)
    await _lookup(hass, patch_backend, log_line(TV_IP, name))
    contacts = hass.states.get(entity_id(hass, setup_entry, TV_MAC, "tracker_contacts"))
    assert contacts is not None
    assert contacts.state == "0"
    assert contacts.attributes["suspected_contacts"] == 1
    [suspected] = contacts.attributes["suspected"]
    assert suspected["name"] == name
    [evidence] = suspected["evidence"]
    assert " lists a.market.xiaomi.com as " in evidence
    assert "'market' names a device function the device may need" in evidence
    # The user asks: marked as a tracker, it is a rule and enforced.
    await hass.services.async_call(
        DOMAIN,
        "mark_destination",
        {"name": "a.market.xiaomi.com", "verdict": "tracker"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert knowledge.current.matcher.match(name) is not None
    assert "a.market.xiaomi.com" in knowledge.current.domains
    assert setup_entry.runtime_data.coordinator.destinations.unknown(TV_MAC, None) == []


async def test_saved_destinations_are_read_again_at_start_up(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    hass_storage: dict[str, Any],
) -> None:
    """Names kept by the last run that the knowledge now classifies are not shown."""
    key = f"{DOMAIN}.{mock_entry.entry_id}"
    when = dt_util.utcnow().isoformat()
    saved = [
        {
            "name": name,
            "count": 3,
            "first": when,
            "last": when,
            "category": "ads",
            "evidence": ["old"],
        }
        for name in ("samsungads.com", "plain-old.example.com", "t6.a.market.xiaomi.com")
    ]
    hass_storage[key] = {
        "version": 1,
        "key": key,
        "data": {"destinations": {"devices": {TV_MAC: saved}}},
    }
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    log = mock_entry.runtime_data.coordinator.destinations
    shown = {d.name: d for d in log.unknown(TV_MAC, None)}
    assert set(shown) == {"plain-old.example.com", "t6.a.market.xiaomi.com"}  # a known tracker left
    assert shown["plain-old.example.com"].category is None  # the stale suspicion is gone
    assert "a.market.xiaomi.com" in shown["t6.a.market.xiaomi.com"].evidence[0]
