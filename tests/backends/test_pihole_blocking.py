"""Pi-hole v6 blocking against the emulator: our groups, the user's configuration untouched."""

from __future__ import annotations

import re
from typing import Any

import pytest

from custom_components.snoop_guard.backends.base import DevicePolicy, TrackerSet
from custom_components.snoop_guard.backends.pihole import PiholeBackend
from custom_components.snoop_guard.backends.pihole_plan import (
    CHUNK_CHARS,
    CHUNK_DOMAINS,
    GROUP_INTERNET,
    GROUP_TRACKERS,
    INTERNET_REGEX,
    OUR_COMMENT,
    ere_exact,
    tracker_domains,
    tracker_regexes,
)
from tests.emulators.pihole import PiholeEmulator
from tests.emulators.pihole_fixtures import (  # noqa: F401
    fixture_backend,
    fixture_http,
    fixture_make_backend,
    fixture_pihole,
)
from tests.emulators.pihole_resolver import blocks

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
    chunk = r"(^|\.)(metrics\.tv\.example|tracker-a\.example|tracker-b\.example)$"
    assert ours == {(chunk, "regex"): [tg["id"]], (INTERNET_REGEX, "regex"): [ig["id"]]}
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
    assert state.tracker_addresses == 3
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

    pihole.domains = [d for d in pihole.domains if "tracker-a" not in d["domain"]]
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


async def test_large_tracker_lists_go_in_batches_of_stable_chunks(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    big = TrackerSet(tuple(f"t{n}.tracker.example" for n in range(2500)), "", "")
    await backend.async_apply([A], big)
    chunks = tracker_regexes(tracker_domains(big.domains))
    posts = [r for r in _writes(pihole) if r[1] == "/api/domains/deny/regex"]
    assert 2500 / 200 <= len(chunks) <= 60
    assert len(posts) == -(-len(chunks) // 8) + 1  # tracker chunks by 8, the internet entry
    assert not [r for r in _writes(pihole) if "/exact" in r[1]]
    assert (await backend.async_read_state([A], big)).tracker_addresses == 2500
    assert blocks(pihole, "cdn.t2499.tracker.example", "192.168.1.20")

    pihole.requests.clear()
    small = TrackerSet(big.domains[:1200], "", "")
    await backend.async_apply([A], small)
    kept = chunks.keys() & tracker_regexes(tracker_domains(small.domains)).keys()
    assert kept  # chunks whose names all stay are not rewritten
    assert {d["domain"] for d in pihole.domains} >= kept
    deletes = [r for r in _writes(pihole) if r[1] == "/api/domains:batchDelete"]
    assert len(deletes) == 1
    state = await backend.async_read_state([A], small)
    assert (state.tracker_addresses, state.in_sync) == (1200, True)
    assert not blocks(pihole, "t2499.tracker.example", "192.168.1.20")


async def test_subdomains_of_trackers_are_blocked_for_members_only(
    pihole: PiholeEmulator, home: dict[str, int], backend: PiholeBackend
) -> None:
    await backend.async_apply(POLICIES, TRACKERS)
    tv = "192.168.1.20"
    for name in ("tracker-a.example", "x.tracker-a.example", "A.B.Metrics.TV.example."):
        assert blocks(pihole, name, tv), name
    for name in ("nottracker-a.example", "tracker-a.example.org", "tv.example", "a.example"):
        assert not blocks(pihole, name, tv), name
    assert not blocks(pihole, "x.tracker-a.example", "192.168.1.50")  # not blocked
    assert blocks(pihole, "x.doubleclick.net", "192.168.1.50")  # the user's own regex
    assert blocks(pihole, "anything.example", "192.168.1.30")  # block internet


async def test_old_exact_entries_are_migrated(
    pihole: PiholeEmulator, home: dict[str, int], backend: PiholeBackend
) -> None:
    tg = pihole.add_group(GROUP_TRACKERS, OUR_COMMENT)
    pihole.add_domain("tracker-a.example", "deny", "exact", [tg], OUR_COMMENT)
    pihole.add_domain("gone.example", "deny", "exact", [tg], OUR_COMMENT)
    pihole.add_domain(r"^tracker-b\.example$", "deny", "regex", [tg], OUR_COMMENT)
    theirs = [d for d in pihole.domains if d["comment"] != OUR_COMMENT]
    state = await backend.async_read_state(POLICIES, TRACKERS)
    assert not state.in_sync
    assert not state.dns_snippet_current

    await backend.async_apply(POLICIES, TRACKERS)
    ours = [d for d in pihole.domains if d["comment"] == OUR_COMMENT]
    assert {(d["kind"], d["domain"]) for d in ours} == {
        ("regex", next(iter(tracker_regexes(tracker_domains(TRACKERS.domains))))),
        ("regex", INTERNET_REGEX),
    }
    assert [d for d in pihole.domains if d["comment"] != OUR_COMMENT] == theirs
    assert (await backend.async_read_state(POLICIES, TRACKERS)).in_sync


async def test_a_users_subnet_entry_wins_over_the_mac_entry(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    """FTL gives an address without its own entry the subnet's groups, not the MAC's."""
    kids = pihole.add_group("Kids")
    pihole.add_client("192.168.1.0/24", [kids], "home subnet")
    pihole.add_client("AA:BB:CC:00:00:01", [0], "tv by MAC")
    await backend.async_apply([A], TRACKERS)
    tg = _group(pihole, GROUP_TRACKERS)["id"]
    assert _client(pihole, "AA:BB:CC:00:00:01")["groups"] == [0, tg]
    assert _client(pihole, "192.168.1.20")["groups"] == [kids, tg]
    assert blocks(pihole, "x.tracker-a.example", "192.168.1.20", "aa:bb:cc:00:00:01")
    assert (await backend.async_read_state([A], TRACKERS)).block_trackers == {A.mac}

    # Our IP entry deleted by hand: the MAC entry still has our group, but the
    # subnet's entry decides for 192.168.1.20, so the block is off.
    pihole.clients = [c for c in pihole.clients if c["client"] != "192.168.1.20"]
    assert not blocks(pihole, "x.tracker-a.example", "192.168.1.20", "aa:bb:cc:00:00:01")
    state = await backend.async_read_state([A], TRACKERS)
    assert state.block_trackers == frozenset()
    assert not state.in_sync
    await backend.async_apply([A], TRACKERS)
    assert _client(pihole, "192.168.1.20")["groups"] == [kids, tg]
    assert (await backend.async_read_state([A], TRACKERS)).block_trackers == {A.mac}


def test_tracker_chunks_are_bounded_deterministic_and_stable() -> None:
    domains = frozenset(f"host{n}.site{n % 97}.example" for n in range(5000))
    chunks = tracker_regexes(domains)
    assert list(chunks) == list(tracker_regexes(frozenset(sorted(domains))))
    assert sorted(d for names in chunks.values() for d in names) == sorted(domains)
    assert all(len(k) <= CHUNK_CHARS for k in chunks)
    assert all(len(v) <= CHUNK_DOMAINS for v in chunks.values())
    assert len(chunks) <= 5000 / 50
    for regex, names in chunks.items():
        pattern = re.compile(regex, re.IGNORECASE)
        assert all(pattern.search(n) and pattern.search("a.b." + n) for n in names)
        assert not pattern.search("x" + names[0])
    for extra in ("aaa.example", "host2500x.site1.example", "zzz.example"):
        changed = chunks.keys() ^ tracker_regexes(domains | {extra}).keys()
        assert len(changed) <= 4, extra  # the chunk it joins (old and new), not all after it
    smaller = tracker_regexes(domains - {"host10.site10.example"})
    assert len(chunks.keys() ^ smaller.keys()) <= 4


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
