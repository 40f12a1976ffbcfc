"""Tracker knowledge for one config entry: bundled lists, subscriptions, user overrides.

Building (or loading the compiled cache of) the matcher is blocking work and always
runs in an executor; the event loop only swaps the finished matcher in. The router's
dnsmasq snippet and its digest are built in the same executor job, once per change.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .backends.base import TrackerSet
from .backends.dnsmasq import allowed_domains
from .backends.trackerset import prepare_trackers
from .const import CONF_ALLOW_OVERRIDES, CONF_SUBSCRIPTIONS, DOMAIN, LOGGER
from .engine.compiled import ListSource, build_matcher
from .engine.lists import parse_list
from .engine.trackers import TrackerMatcher
from .subscriptions import MAX_LIST_BYTES, SubscriptionManager

SOURCES_FILE = Path(__file__).parent / "engine" / "data" / "SOURCES.json"


@dataclass(frozen=True, slots=True)
class Knowledge:
    """A built matcher plus what it was built from."""

    matcher: TrackerMatcher
    domains: list[str]
    bundled: dict[str, Any]
    built: str
    trackers: TrackerSet


def validate_list(text: str) -> str | None:
    """Return None when ``text`` is a usable list, else why not. Blocking (CPU)."""
    result = parse_list(text, "subscription", max_bytes=MAX_LIST_BYTES)
    return None if result.report.accepted else (result.report.reason or "not a list")


def cache_dir(hass: HomeAssistant, entry_id: str) -> str:
    """Where this entry's compiled matcher (and its list copies) are kept.

    HA's cache directory: rebuildable data stays out of ``.storage`` and so out of
    every backup.
    """
    return hass.config.cache_path(DOMAIN, entry_id)


def remove_cache(hass: HomeAssistant, entry_id: str) -> None:
    """Delete this entry's cache directory (and ours, once empty). Blocking."""
    shutil.rmtree(cache_dir(hass, entry_id), ignore_errors=True)
    with contextlib.suppress(OSError):
        Path(hass.config.cache_path(DOMAIN)).rmdir()


def _bundled_provenance() -> dict[str, Any]:
    try:
        data = json.loads(SOURCES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    perflyst = data.get("perflyst", {}) if isinstance(data, dict) else {}
    return {
        "perflyst": {
            "upstream": perflyst.get("upstream"),
            "copied": perflyst.get("copied"),
            "lists": {
                name: item.get("version_line") or item.get("sha256", "")[:12]
                for name, item in perflyst.get("lists", {}).items()
                if isinstance(item, dict)
            },
        }
    }


def build_knowledge(
    texts: Mapping[str, str], overrides: Sequence[str], directory: str
) -> Knowledge:
    """Build the matcher from the bundled data and subscribed lists. Blocking."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    sources = [ListSource(name=url, text=text) for url, text in sorted(texts.items())]
    matcher = build_matcher(sources, cache_dir=directory, overrides=overrides)
    domains = matcher.domains()
    return Knowledge(
        matcher=matcher,
        domains=domains,
        bundled=_bundled_provenance(),
        built=dt_util.utcnow().isoformat(),
        trackers=prepare_trackers(domains, allowed_domains(matcher)),
    )


def summary(knowledge: Knowledge, lists: Mapping[str, Any]) -> dict[str, Any]:
    """Describe what the knowledge is made of (diagnostic sensor, diagnostics)."""
    matcher = knowledge.matcher
    reports = {r.source.removeprefix("list:"): r for r in matcher.reports}
    return {
        "rules": matcher.rule_count,
        "allow_rules": len(matcher.allow_rules),
        "overridden_allow_rules": [a.id for a in matcher.overridden],
        "dnsmasq_domains": len(knowledge.domains),
        "skipped_lines": matcher.skipped_lines,
        "excluded_rules": matcher.excluded_rules,
        "cache": matcher.cache_status,
        "built": knowledge.built,
        "bundled": knowledge.bundled,
        "subscriptions": [
            {
                "url": url,
                "fetched": getattr(status, "fetched", None),
                "last_error": getattr(status, "last_error", None),
                "rules": reports[url].block_rules if url in reports else 0,
                "format": reports[url].format if url in reports else None,
                "unsupported_lines": dict(reports[url].unsupported) if url in reports else {},
            }
            for url, status in lists.items()
        ],
    }


class TrackerKnowledge:
    """The entry's knowledge in force, and the subscribed lists it is built from.

    Readers take ``current`` each time: a rebuild swaps it whole, never in place.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        subscriptions: SubscriptionManager,
        overrides: Sequence[str],
        current: Knowledge,
    ) -> None:
        """Hold a built knowledge; use async_create to build the first one."""
        self._hass = hass
        self._entry_id = entry_id
        self.subscriptions = subscriptions
        self._overrides = list(overrides)
        self.current = current

    @classmethod
    async def async_create(
        cls, hass: HomeAssistant, entry_id: str, options: Mapping[str, Any]
    ) -> TrackerKnowledge:
        """Load the saved list copies and build (or load the compiled) knowledge."""
        subscriptions = SubscriptionManager(
            hass, entry_id, list(options.get(CONF_SUBSCRIPTIONS, [])), validate_list
        )
        await subscriptions.async_load()
        overrides = list(options.get(CONF_ALLOW_OVERRIDES, []))
        current = await hass.async_add_executor_job(
            build_knowledge,
            await subscriptions.async_texts(),
            overrides,
            cache_dir(hass, entry_id),
        )
        return cls(hass, entry_id, subscriptions, overrides, current)

    def summary(self) -> dict[str, Any]:
        """Describe what the knowledge is made of (diagnostic sensor, diagnostics)."""
        return summary(self.current, self.subscriptions.status)

    async def async_refresh(self) -> bool:
        """Fetch subscribed lists that are due; rebuild when one changed (returns True)."""
        if not await self.subscriptions.async_refresh():
            return False
        texts = await self.subscriptions.async_texts()
        self.current = knowledge = await self._hass.async_add_executor_job(
            build_knowledge, texts, self._overrides, cache_dir(self._hass, self._entry_id)
        )
        LOGGER.info(
            "Tracker lists changed: %d rules, %d domains for dnsmasq",
            knowledge.matcher.rule_count,
            len(knowledge.domains),
        )
        return True
