"""Pi-hole v6 steady state: cheap read-backs, refused names, blocking switched off."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from custom_components.snoop_guard.backends.base import (
    BackendResponseError,
    DevicePolicy,
    TrackerSet,
)
from custom_components.snoop_guard.backends.pihole import PiholeBackend
from custom_components.snoop_guard.backends.pihole_api import PiholeApiError
from custom_components.snoop_guard.backends.pihole_plan import (
    OUR_COMMENT,
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

TRACKERS = TrackerSet(
    domains=tuple(f"t{i}.tracker.example" for i in range(2000)),
    snippet="",
    sha256="ab" * 32,
)
POLICIES = (
    DevicePolicy("aa:bb:cc:00:00:01", ("192.168.1.20",), block_trackers=True),
    DevicePolicy("aa:bb:cc:00:00:02", ("192.168.1.30",), block_internet=True),
)


def _writes(pihole: PiholeEmulator) -> list[tuple[str, str, object]]:
    return [r for r in pihole.requests if r[0] != "GET" and r[1] != "/api/auth"]


async def test_steady_read_back_does_not_fetch_the_deny_list(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    await backend.async_apply(POLICIES, TRACKERS)
    sent = pihole.reply_bytes
    assert (await backend.async_read_state(POLICIES, TRACKERS)).in_sync  # Reads it once.
    full = pihole.reply_bytes - sent
    for _ in range(3):
        before, sent = len(pihole.requests), pihole.reply_bytes
        state = await backend.async_read_state(POLICIES, TRACKERS)
        steady = pihole.requests[before:]
        assert (pihole.reply_bytes - sent) * 20 < full
        assert state.in_sync
        assert state.block_trackers == {"aa:bb:cc:00:00:01"}
        assert state.tracker_addresses == 2000
        paths = [path.split("?")[0] for _method, path, _body in steady]
        assert not [p for p in paths if p.startswith("/api/domains")]
        assert len(steady) <= 4  # groups, clients, counts, blocking

    # An edit by hand changes Pi-hole's counts: the next read-back sees it.
    pihole.domains = [d for d in pihole.domains if "t7\\.tracker" not in d["domain"]]
    assert len(pihole.domains) == len(tracker_regexes(tracker_domains(TRACKERS.domains)))
    before = len(pihole.requests)
    state = await backend.async_read_state(POLICIES, TRACKERS)
    assert any("/api/domains/deny/regex" in path for _m, path, _b in pihole.requests[before:])
    assert not state.in_sync
    assert not state.dns_snippet_current
    assert state.block_trackers == frozenset()


async def test_refused_names_are_left_out_and_a_steady_state_is_reached(
    pihole: PiholeEmulator,
    backend: PiholeBackend,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A regex entry Pi-hole refuses leaves its names out; the other chunks stay."""
    valid = pihole._invalid

    def invalid(table: str, item: object, params: dict[str, Any]) -> str | None:
        if isinstance(item, str) and "refuse-me" in item:
            return "Regex validation failed"
        return valid(table, item, params)

    monkeypatch.setattr(pihole, "_invalid", invalid)
    names = (*(f"t{i}.tracker.example" for i in range(600)), "refuse-me.example")
    trackers = TrackerSet(domains=names, snippet="", sha256="cd" * 32)
    chunks = tracker_regexes(tracker_domains(names))
    bad = next(v for k, v in chunks.items() if "refuse-me" in k)
    policies = POLICIES[:1]
    with caplog.at_level(logging.WARNING):
        await backend.async_apply(policies, trackers)
    assert backend.refused_domains == len(bad)
    assert sum(f"for {len(bad)} tracker names" in r.getMessage() for r in caplog.records) == 1
    ours = {d["domain"] for d in pihole.domains if d["comment"] == OUR_COMMENT}
    assert ours == (chunks.keys() - {next(k for k in chunks if "refuse-me" in k)}) | {"^.*$"}
    writes = len(_writes(pihole))
    for _ in range(3):
        state = await backend.async_read_state(policies, trackers)
        assert state.in_sync
        assert state.block_trackers == {"aa:bb:cc:00:00:01"}
        assert state.tracker_addresses == 601 - len(bad)
        await backend.async_apply(policies, trackers)
    assert len(_writes(pihole)) == writes  # Nothing re-posted.


async def test_blocking_disabled_is_a_limit_not_a_reapply(
    pihole: PiholeEmulator, backend: PiholeBackend
) -> None:
    await backend.async_apply(POLICIES, TRACKERS)
    state = await backend.async_read_state(POLICIES, TRACKERS)
    assert state.in_sync
    assert state.limits == ()
    assert state.block_internet == {"aa:bb:cc:00:00:02"}
    writes = len(_writes(pihole))
    pihole.blocking = False
    for _ in range(3):
        state = await backend.async_read_state(POLICIES, TRACKERS)
        assert state.in_sync  # Our rows are as written: nothing to re-apply.
        assert state.block_trackers == frozenset()
        assert state.block_internet == frozenset()
        assert state.limits == ("blocking_disabled",)
    await backend.async_apply(POLICIES, TRACKERS)
    assert len(_writes(pihole)) == writes
    pihole.blocking = True
    state = await backend.async_read_state(POLICIES, TRACKERS)
    assert state.limits == ()
    assert state.block_trackers == {"aa:bb:cc:00:00:01"}


async def test_an_invalid_regex_as_the_spec_answers_it_is_refused(
    pihole: PiholeEmulator, backend: PiholeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spec's ``regex_error`` reply refuses the entry (a whole batch fails: one by one)."""
    post = pihole._post

    def spec_post(table: str, params: dict[str, Any], body: dict[str, Any]) -> Any:
        items = body.get("domain")
        if params.get("kind") == "regex" and isinstance(items, list) and bad_key in items:
            return 400, {
                "error": {
                    "key": "regex_error",
                    "message": "Regex validation failed",
                    "hint": "Missing ']'",
                }
            }
        return post(table, params, body)

    names = (*(f"t{i}.tracker.example" for i in range(600)), "refuse-me.example")
    chunks = tracker_regexes(tracker_domains(names))
    bad_key = next(k for k in chunks if "refuse-me" in k)
    monkeypatch.setattr(pihole, "_post", spec_post)
    trackers = TrackerSet(domains=names, snippet="", sha256="ef" * 32)
    await backend.async_apply(POLICIES[:1], trackers)
    assert backend.refused_domains == len(chunks[bad_key])
    ours = {d["domain"] for d in pihole.domains if d["comment"] == OUR_COMMENT}
    assert ours == (chunks.keys() - {bad_key}) | {"^.*$"}
    assert (await backend.async_read_state(POLICIES[:1], trackers)).in_sync


async def test_a_transient_database_error_is_raised_not_refused(
    pihole: PiholeEmulator, backend: PiholeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy database (``pihole -g`` running) drops nothing: the next apply adds it."""
    valid = pihole._invalid

    def busy(table: str, item: object, params: dict[str, Any]) -> str | None:
        if isinstance(item, str) and "t7\\.tracker" in item:
            return "database is locked"
        return valid(table, item, params)

    monkeypatch.setattr(pihole, "_invalid", busy)
    trackers = TrackerSet(domains=TRACKERS.domains, snippet="", sha256="12" * 32)
    with pytest.raises(BackendResponseError, match="database is locked"):
        await backend.async_apply(POLICIES, trackers)
    assert backend.refused_domains == 0
    assert not (await backend.async_read_state(POLICIES, trackers)).in_sync

    monkeypatch.setattr(pihole, "_invalid", valid)
    await backend.async_apply(POLICIES, trackers)
    assert backend.refused_domains == 0
    state = await backend.async_read_state(POLICIES, trackers)
    assert state.in_sync
    assert state.tracker_addresses == 2000
    ours = {d["domain"] for d in pihole.domains if d["comment"] == OUR_COMMENT}
    assert ours == tracker_regexes(tracker_domains(TRACKERS.domains)).keys() | {"^.*$"}


async def test_a_server_error_is_raised_at_once_not_split_nor_refused(
    pihole: PiholeEmulator, backend: PiholeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 5xx on a batch of regexes is not retried item by item and refuses nothing."""
    request = backend.api.request
    failed: list[str] = []

    async def flaky(method: str, path: str, **kwargs: Any) -> Any:
        if method == "POST" and path == "/domains/deny/regex" and not failed:
            failed.append(path)
            raise PiholeApiError(503, "http_error", "HTTP 503")
        return await request(method, path, **kwargs)

    monkeypatch.setattr(backend.api, "request", flaky)
    posts = len(pihole.requests)
    with pytest.raises(PiholeApiError):
        await backend.async_apply(POLICIES, TRACKERS)
    assert failed
    assert backend.refused_domains == 0
    # The emulator saw no regex POST at all: no one-by-one retries after the 503.
    sent = pihole.requests[posts:]
    assert not [r for r in sent if r[0] == "POST" and r[1] == "/api/domains/deny/regex"]

    await backend.async_apply(POLICIES, TRACKERS)
    assert backend.refused_domains == 0
    assert (await backend.async_read_state(POLICIES, TRACKERS)).in_sync
