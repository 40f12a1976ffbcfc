"""Tracker knowledge for one config entry: bundled lists, subscriptions, user overrides.

Building (or loading the compiled cache of) the matcher is blocking work and always
runs in an executor; the event loop only swaps the finished matcher in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .engine.compiled import ListSource, build_matcher
from .engine.lists import parse_list
from .engine.trackers import TrackerMatcher
from .subscriptions import MAX_LIST_BYTES

SOURCES_FILE = Path(__file__).parent / "engine" / "data" / "SOURCES.json"


@dataclass(frozen=True, slots=True)
class Knowledge:
    """A built matcher plus what it was built from."""

    matcher: TrackerMatcher
    domains: list[str]
    bundled: dict[str, Any]
    built: str


def validate_list(text: str) -> str | None:
    """Return None when ``text`` is a usable list, else why not. Blocking (CPU)."""
    result = parse_list(text, "subscription", max_bytes=MAX_LIST_BYTES)
    return None if result.report.accepted else (result.report.reason or "not a list")


def cache_dir(hass: HomeAssistant, entry_id: str) -> str:
    """Where this entry's compiled matcher is cached."""
    return hass.config.path(".storage", DOMAIN, entry_id)


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
    return Knowledge(
        matcher=matcher,
        domains=matcher.domains(),
        bundled=_bundled_provenance(),
        built=dt_util.utcnow().isoformat(),
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
