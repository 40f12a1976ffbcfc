"""Pi-hole v6 blocking against the emulator: our groups, the user's configuration untouched."""

from __future__ import annotations

import re
from typing import Any

import pytest

from custom_components.snoop_guard.backends.base import DevicePolicy, TrackerSet
from custom_components.snoop_guard.backends.pihole import PiholeBackend
from custom_components.snoop_guard.backends.pihole_plan import (
    GROUP_INTERNET,
    GROUP_TRACKERS,
    INTERNET_REGEX,
    OUR_COMMENT,
    ere_exact,
    tracker_domains,
)
from tests.emulators.pihole import PiholeEmulator
from tests.emulators.pihole_fixtures import (  # noqa: F401
    PASSWORD,
    fixture_backend,
    fixture_http,
    fixture_make_backend,
    fixture_pihole,
)

HOSTILE = "tv$(reboot)`id`;rm -rf / (.*)|^[a]+$ <script>alert(1)</script>"
TRACKERS = TrackerSet(
    domains=("tracker-a.example", "tracker-b.example", "Metrics.TV.example.", "bad name!$(x)"),
    snippet="",
    sha256="",
)
A = DevicePolicy("aa:bb:cc:00:00:01", ("192.168.1.20",), block_trackers=True)
B = DevicePolicy("aa:bb:cc:00:00:02", ("192.168.1.30",), block_internet=True)
C = DevicePolicy("AA-BB-CC-00-00-03", ("192.168.1.40",), block_trackers=True)
D = DevicePolicy("aa:bb:cc:00:00:04", ("192.168.2.7",), block_trackers=True, block_internet=True)
E = DevicePolicy("aa:bb:cc:00:00:05", ("192.168.1.50",))
POLICIES = (A, B, C, D, E)


@pytest.fixture
def home(pihole: PiholeEmulator) -> dict[str, int]:
    """The user's own Pi-hole configuration."""
    kids = pihole.add_group("Kids", "bedtime rules")
    iot = pihole.add_group("IoT", None, enabled=False)
    pihole.add_client("192.168.1.20", [0, kids], "living room tv")
    pihole.add_client("AA:BB:CC:00:00:03", [iot], "speaker by MAC")
    pihole.add_client("192.168.2.0/24", [kids], "guest subnet")
    pihole.add_client("192.168.1.50", [0], "laptop")
    pihole.add_client(HOSTILE, [kids], "a host name entry")
    pihole.add_domain("ads.example.com", "deny", "exact", [0], "my ad block")
    pihole.add_domain("tracker-b.example", "deny", "exact", [kids], "I block it too")
    pihole.add_domain(r"(^|\.)doubleclick\.net$", "deny", "regex", [0])
    pihole.add_domain("allowed.example", "allow", "exact", [0, kids])
    pihole.lists.append({"address": "https://lists.example/hosts", "groups": [0], "id": 1})
    pihole.add_device("aa:bb:cc:00:00:01", [("192.168.1.20", HOSTILE)], "eth0")
    return {"kids": kids, "iot": iot}


def _group(pihole: PiholeEmulator, name: str) -> dict[str, Any]:
    return next(g for g in pihole.groups if g["name"] == name)


def _client(pihole: PiholeEmulator, key: str) -> dict[str, Any]:
    return next(c for c in pihole.clients if c["client"] == key)


def _theirs(state: dict[str, Any], *, ignore_modified: tuple[str, ...] = ()) -> dict[str, Any]:
    """The user's part of a state: everything not ours (times of re-grouped clients left out)."""
    groups = [g for g in state["groups"] if g["name"] not in (GROUP_TRACKERS, GROUP_INTERNET)]
    clients = [
        {k: v for k, v in c.items() if k != "date_modified" or c["client"] not in ignore_modified}
        for c in state["clients"]
        if c["comment"] != OUR_COMMENT
    ]
    domains = [d for d in state["domains"] if d["comment"] != OUR_COMMENT]
    return {"groups": groups, "clients": clients, "domains": domains, "lists": state["lists"]}


def _writes(pihole: PiholeEmulator) -> list[tuple[str, str, object]]:
    return [r for r in pihole.requests if r[0] != "GET" and r[1] != "/api/auth"]


async def test_block_joins_our_groups_and_keeps_the_users(
    pihole: PiholeEmulator, home: dict[str, int], backend: PiholeBackend
) -> None:
    before = pihole.state()
    await backend.async_apply(POLICIES, TRACKERS)

    tg, ig = _group(pihole, GROUP_TRACKERS), _group(pihole, GROUP_INTERNET)
    assert (tg["enabled"], ig["enabled"], tg["comment"]) == (True, True, OUR_COMMENT)
    kids, iot = home["kids"], home["iot"]
    assert _client(pihole, "192.168.1.20")["groups"] == [0, kids, tg["id"]]
    assert _client(pihole, "AA:BB:CC:00:00:03")["groups"] == [iot, tg["id"]]
    created = {c["client"]: c["groups"] for c in pihole.clients if c["comment"] == OUR_COMMENT}
    both = sorted((tg["id"], ig["id"]))
    assert created == {
        "192.168.1.30": [0, ig["id"]],
        "192.168.1.40": [iot, tg["id"]],
        "192.168.2.7": [kids, *both],
        # For the addresses we do not know (IPv6 privacy addresses): Default plus ours.
        "AA:BB:CC:00:00:01": [0, tg["id"]],
        "AA:BB:CC:00:00:02": [0, ig["id"]],
        "AA:BB:CC:00:00:04": [0, *both],
    }
    ours = {
        (d["domain"], d["kind"]): d["groups"]
        for d in pihole.domains
        if d["comment"] == OUR_COMMENT and d["type"] == "deny" and d["enabled"]
    }
    assert ours == {
        ("tracker-a.example", "exact"): [tg["id"]],
        ("metrics.tv.example", "exact"): [tg["id"]],
        (r"^tracker-b\.example$", "regex"): [tg["id"]],
        (INTERNET_REGEX, "regex"): [ig["id"]],
    }
    # Apart from the two entries that gained our group (asserted above), nothing of theirs moved.
    regrouped = ("192.168.1.20", "AA:BB:CC:00:00:03")
    now = _theirs(pihole.state(), ignore_modified=regrouped)
    was = _theirs(before, ignore_modified=regrouped)
    for view in (now, was):
        view["clients"] = [
            {k: v for k, v in c.items() if k != "groups" or c["client"] not in regrouped}
            for c in view["clients"]
        ]
    assert now == was

    state = await backend.async_read_state(POLICIES, TRACKERS)
    assert (state.table_present, state.rules_intact, state.in_sync) == (True, True, True)
    assert state.dns_snippet_current
    assert state.tracker_addresses == 2
    assert state.block_trackers == {"aa:bb:cc:00:00:01", "aa:bb:cc:00:00:03", "aa:bb:cc:00:00:04"}
    assert state.block_internet == {"aa:bb:cc:00:00:02", "aa:bb:cc:00:00:04"}

    pihole.requests.clear()
    await backend.async_apply(POLICIES, TRACKERS)
    assert _writes(pihole) == []


async def test_removal_restores_everything(
    pihole: PiholeEmulator, home: dict[str, int], backend: PiholeBackend
) -> None:
    before = pihole.state()
    await backend.async_apply(POLICIES, TRACKERS)
    await backend.async_remove_all()
    after = pihole.state()
    modified = ("192.168.1.20", "AA:BB:CC:00:00:03")
    assert _theirs(after, ignore_modified=modified) == _theirs(before, ignore_modified=modified)
    assert after["groups"] == before["groups"]
    assert len(after["clients"]) == len(before["clients"])
    assert after["domains"] == before["domains"]
    state = await backend.async_read_state(POLICIES, TRACKERS)
    assert not state.table_present
    assert state.block_trackers == state.block_internet == frozenset()


async def test_unblocking_restores_membership_and_deletes_our_clients(
    pihole: PiholeEmulator, home: dict[str, int], backend: PiholeBackend
) -> None:
    before = pihole.state()
    await backend.async_apply(POLICIES, TRACKERS)
    released = [DevicePolicy(p.mac, p.ips) for p in POLICIES]
    await backend.async_apply(released, TRACKERS)
    clients = pihole.state()["clients"]
    assert [c for c in clients if c["comment"] == OUR_COMMENT] == []
    assert {c["client"]: c["groups"] for c in clients} == {
        c["client"]: c["groups"] for c in before["clients"]
    }
    state = await backend.async_read_state(released, TRACKERS)
    assert state.in_sync
    assert state.block_trackers == state.block_internet == frozenset()


async def test_block_is_on_only_when_pihole_says_so(
    pihole: PiholeEmulator, home: dict[str, int], backend: PiholeBackend
) -> None:
    await backend.async_apply(POLICIES, TRACKERS)
    tg = _group(pihole, GROUP_TRACKERS)

    tg["enabled"] = False
    state = await backend.async_read_state(POLICIES, TRACKERS)
    assert state.block_trackers == frozenset()
    assert not state.rules_intact
    assert not state.in_sync
    assert state.block_internet == {"aa:bb:cc:00:00:02", "aa:bb:cc:00:00:04"}
    await backend.async_apply(POLICIES, TRACKERS)
    assert tg["enabled"] is True

    _client(pihole, "192.168.1.20")["groups"] = [0, home["kids"]]
    state = await backend.async_read_state(POLICIES, TRACKERS)
    assert "aa:bb:cc:00:00:01" not in state.block_trackers
    assert not state.in_sync

    pihole.domains = [d for d in pihole.domains if d["domain"] != "tracker-a.example"]
    state = await backend.async_read_state(POLICIES, TRACKERS)
    assert state.block_trackers == frozenset()
    assert not state.dns_snippet_current
    await backend.async_apply(POLICIES, TRACKERS)
    assert (await backend.async_read_state(POLICIES, TRACKERS)).in_sync


async def test_device_known_only_by_mac(pihole: PiholeEmulator, backend: PiholeBackend) -> None:
    only_mac = DevicePolicy("aa:bb:cc:00:00:09", (), block_trackers=True)
    await backend.async_apply([only_mac], TRACKERS)
    tg = _group(pihole, GROUP_TRACKERS)["id"]
    assert {c["client"]: c["groups"] for c in pihole.clients} == {"AA:BB:CC:00:00:09": [0, tg]}
    state = await backend.async_read_state([only_mac], TRACKERS)
    assert (state.in_sync, state.block_trackers) == (True, {"aa:bb:cc:00:00:09"})
    _client(pihole, "AA:BB:CC:00:00:09")["groups"] = [0]
    assert (await backend.async_read_state([only_mac], TRACKERS)).block_trackers == frozenset()


async def test_large_tracker_lists_go_in_batches(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    big = TrackerSet(tuple(f"t{n}.tracker.example" for n in range(2500)), "", "")
    await backend.async_apply([A], big)
    posts = [r for r in _writes(pihole) if r[1] == "/api/domains/deny/exact"]
    assert len(posts) == 3
    assert (await backend.async_read_state([A], big)).tracker_addresses == 2500

    pihole.requests.clear()
    small = TrackerSet(big.domains[:1200], "", "")
    await backend.async_apply([A], small)
    deletes = [r for r in _writes(pihole) if r[1] == "/api/domains:batchDelete"]
    assert len(deletes) == 2
    state = await backend.async_read_state([A], small)
    assert (state.tracker_addresses, state.in_sync) == (1200, True)


async def test_device_names_are_never_sent(
    pihole: PiholeEmulator, home: dict[str, int], backend: PiholeBackend
) -> None:
    pihole.add_query("tracker-a.example", "192.168.1.20", HOSTILE)
    pihole.add_query(HOSTILE, "192.168.1.20", "tv")
    entries, _ = await backend.async_poll_queries(None)
    assert [(e.client_name, e.domain) for e in entries] == [
        (HOSTILE, "tracker-a.example"),
        ("tv", HOSTILE),
    ]
    clients = await backend.async_list_clients()
    assert clients[0].hostname == HOSTILE
    pihole.requests.clear()
    await backend.async_apply(POLICIES, TRACKERS)
    await backend.async_remove_all()
    sent = " ".join(f"{path} {body}" for _, path, body in pihole.requests)
    for fragment in ("reboot", "rm -rf", "script", "bad name", "$(x)"):
        assert fragment not in sent


def test_regexes_escape_every_special_character() -> None:
    assert ere_exact("a.b-c.example") == r"^a\.b-c\.example$"
    hostile = r"x.y(z)|[w]+*?{1}^$\ "
    pattern = ere_exact(hostile)
    assert re.fullmatch(pattern, hostile)
    assert not re.fullmatch(pattern, "xay(z)|[w]+*?{1}^$\\ ")
    assert tracker_domains(["Ads.Example.", "bad name", "a/b", "x" * 300, "ok_1.example"]) == {
        "ads.example",
        "ok_1.example",
    }


def test_tracker_domains_take_whole_multi_label_names_only() -> None:
    assert tracker_domains(["Foo.com.", "foo.com\n.", "x", "a b.com", "ok.example"]) == {
        "foo.com",
        "ok.example",
    }
