"""Reconciliation compares digests: the snippet is built once per knowledge change, off the loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.snoop_guard import knowledge as knowledge_module
from custom_components.snoop_guard import routerload
from custom_components.snoop_guard.backends.base import TrackerSet
from custom_components.snoop_guard.const import CONF_SUBSCRIPTIONS, DOMAIN
from tests.fakes import FakeRouter

from .conftest import ListServer

BIG_LIST = "".join(f"t{n}.bigtracker.example\n" for n in range(40))


@dataclass
class PrepareSpy:
    """Counts snippet builds and the threads they ran on."""

    threads: list[int] = field(default_factory=list)

    def __call__(self, domains: Iterable[str], allowed: Iterable[str] = ()) -> TrackerSet:
        self.threads.append(threading.get_ident())
        return prepare_real(domains, allowed)


prepare_real = knowledge_module.prepare_trackers


@pytest.fixture
def spy() -> Generator[PrepareSpy]:
    found = PrepareSpy()
    with patch.object(knowledge_module, "prepare_trackers", found):
        yield found


async def _wait_for_uploads(router: FakeRouter, count: int) -> None:
    async with asyncio.timeout(5):
        while router.snippet_uploads < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_steady_state_reconcile_builds_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, spy: PrepareSpy
) -> None:
    # The spy is installed after setup here: setup's build is covered below.
    router: FakeRouter = setup_entry.runtime_data.coordinator.backend.router
    coordinator = setup_entry.runtime_data.coordinator
    uploads, applies = router.snippet_uploads, router.apply_calls
    assert uploads == 1
    for _ in range(3):
        await coordinator.async_refresh()
    assert spy.threads == []
    assert router.snippet_uploads == uploads
    assert router.apply_calls == applies
    assert coordinator.data.enforced is not None
    assert coordinator.data.enforced.dns_snippet_current


async def test_knowledge_change_builds_once_in_an_executor(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    server: ListServer,
    spy: PrepareSpy,
) -> None:
    server.body = BIG_LIST
    hass.config_entries.async_update_entry(mock_entry, options={CONF_SUBSCRIPTIONS: [server.url]})
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    # Setup's knowledge, then the downloaded list's: one build each, none on the loop.
    await _wait_for_uploads(patch_backend, 2)
    await hass.async_block_till_done()
    loop_thread = threading.get_ident()
    assert len(spy.threads) == 2
    assert loop_thread not in spy.threads
    coordinator = mock_entry.runtime_data.coordinator
    knowledge = mock_entry.runtime_data.knowledge
    assert "t7.bigtracker.example" in knowledge.current.trackers.domains
    assert patch_backend.snippet_sha256 == knowledge.current.trackers.sha256

    await coordinator.async_refresh()
    assert len(spy.threads) == 2
    assert patch_backend.snippet_uploads == 2


async def test_snippet_changed_on_the_router_is_uploaded_again(
    hass: HomeAssistant, setup_entry: MockConfigEntry, spy: PrepareSpy
) -> None:
    coordinator = setup_entry.runtime_data.coordinator
    router: FakeRouter = coordinator.backend.router
    router.snippet_sha256 = "0" * 64  # edited by hand on the router
    reapplied = coordinator.reapply_count
    await coordinator.async_refresh()
    assert router.snippet_uploads == 2
    assert router.snippet_sha256 == coordinator.knowledge.current.trackers.sha256
    assert coordinator.reapply_count == reapplied + 1
    assert coordinator.data.enforced is not None
    assert coordinator.data.enforced.in_sync
    assert spy.threads == []


def _heavy_issues(hass: HomeAssistant) -> list[ir.IssueEntry]:
    return [
        issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue_id.startswith("dnsmasq_too_heavy_")
    ]


async def test_too_heavy_lists_raise_a_repair_issue_that_clears(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    patch_backend: FakeRouter,
    server: ListServer,
) -> None:
    bundled = await hass.async_add_executor_job(
        knowledge_module.build_knowledge, {}, [], hass.config.path("bundled-only")
    )
    # The router can take the bundled knowledge, but not 40 domains more.
    server.body = BIG_LIST
    hass.config_entries.async_update_entry(mock_entry, options={CONF_SUBSCRIPTIONS: [server.url]})
    with patch.object(routerload, "MAX_DOMAINS", len(bundled.trackers.domains) + 10):
        assert await hass.config_entries.async_setup(mock_entry.entry_id)
        await hass.async_block_till_done()
        await _wait_for_uploads(patch_backend, 2)
        await hass.async_block_till_done()
        issues = _heavy_issues(hass)
        assert len(issues) == 1
        issue = issues[0]
        assert issue.translation_key == "dnsmasq_too_heavy"
        assert not issue.is_fixable
        assert issue.severity is ir.IssueSeverity.WARNING
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["lists"] == f"`{server.url}` (40 rules)"
        total = len(bundled.trackers.domains) + 40
        assert issue.translation_placeholders["domains"] == f"{total:,}"
        # The list is still enforced: the issue only warns.
        assert "t1.bigtracker.example" in (patch_backend.snippet_domains or ())

        # The list shrinks: the next knowledge build clears the issue.
        knowledge = mock_entry.runtime_data.knowledge
        small = await hass.async_add_executor_job(
            knowledge_module.build_knowledge,
            {server.url: "t1.bigtracker.example\n"},
            [],
            hass.config.path("small"),
        )
        assert not routerload.async_check_router_load(hass, mock_entry.entry_id, small)
        assert _heavy_issues(hass) == []
        assert routerload.async_check_router_load(hass, mock_entry.entry_id, knowledge.current)
        assert len(_heavy_issues(hass)) == 1

    # Unloading the entry takes its issue away.
    assert await hass.config_entries.async_unload(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert _heavy_issues(hass) == []


async def test_bundled_knowledge_is_within_the_budget(
    hass: HomeAssistant, setup_entry: MockConfigEntry
) -> None:
    knowledge = setup_entry.runtime_data.knowledge.current
    assert len(knowledge.trackers.domains) < routerload.MAX_DOMAINS
    assert _heavy_issues(hass) == []
