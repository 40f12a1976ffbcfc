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
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .backends.base import TrackerSet
from .backends.dnsmasq import allowed_domains
from .backends.trackerset import prepare_trackers
from .const import (
    CONF_ALLOW_OVERRIDES,
    CONF_DEFAULT_LISTS_OFF,
    CONF_SUBSCRIPTIONS,
    DOMAIN,
    LOGGER,
)
from .engine.compiled import ListSource, build_matcher
from .engine.lists import parse_list
from .engine.names import normalize_domain
from .engine.trackers import TrackerMatcher
from .engine.vendorlists import CATALOGUE_BY_URL, default_urls, subscription_sources
from .subscriptions import MAX_LIST_BYTES, SubscriptionManager

SOURCES_FILE = Path(__file__).parent / "engine" / "data" / "SOURCES.json"
# The name of the list made of the user's own verdicts (mark_destination).
USER_MARKS = "your-marks"
VERDICTS: Final = ("tracker", "needed")
MAX_MARKS: Final = 5000


def subscription_urls(options: Mapping[str, Any]) -> list[str]:
    """Return the lists an entry subscribes to: the default lists not opted out, then its own.

    An entry saved before default lists existed has no opt-out key: it gets them all.
    """
    off = options.get(CONF_DEFAULT_LISTS_OFF, [])
    own = options.get(CONF_SUBSCRIPTIONS, [])
    return list(
        dict.fromkeys(
            [
                *default_urls(off if isinstance(off, list) else []),
                *(str(u) for u in own if isinstance(u, str)),
            ]
        )
    )


def marks_source(marks: Mapping[str, str]) -> ListSource | None:
    """Turn the user's verdicts into a list: trackers are rules, needed names allow rules.

    A "needed" mark is an ``$important`` exception, so it wins over every tracker
    rule (the functional allow-list's strength). Names were validated when marked
    and are checked again here (a store edited by hand).
    """
    lines = []
    for name, verdict in sorted(marks.items()):
        if normalize_domain(name) != name:
            continue
        if verdict == "tracker":
            lines.append(f"||{name}^")
        elif verdict == "needed":
            lines.append(f"@@||{name}^$important")
    if not lines:
        return None
    return ListSource(
        name=USER_MARKS,
        text="\n".join(lines) + "\n",
        category="tracking",
        company="Marked by you",
        confidence="high",
    )


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


def marks_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where the user's verdicts on names are kept (in backups: they are the user's work)."""
    return Store(hass, 1, f"{DOMAIN}.{entry_id}.marks")


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
    """Name each bundled list's upstream and version (SOURCES.json), for the rules sensor."""
    try:
        data = json.loads(SOURCES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    out: dict[str, Any] = {}
    for key, section in data.items():
        if not isinstance(section, dict) or not isinstance(section.get("lists"), dict):
            continue
        lists: dict[str, str] = {}
        for name, item in section["lists"].items():
            if not isinstance(item, dict):
                continue
            upstream = str(item.get("upstream") or "").removeprefix("https://github.com/")
            commit = item.get("commit") or section.get("commit") or ""
            version = item.get("version_line") or str(commit)[:12]
            version = version or str(item.get("sha256") or "")[:12]
            lists[name] = f"{upstream}@{version}" if upstream else str(version)
        # Sections written per list (tv_lists) date each list: show the latest copy.
        dates = [
            str(item["copied"])
            for item in section["lists"].values()
            if isinstance(item, dict) and item.get("copied")
        ]
        out[key] = {
            "upstream": section.get("upstream"),
            "copied": section.get("copied") or (max(dates) if dates else None),
            "lists": lists,
        }
    return out


def build_knowledge(
    texts: Mapping[str, str],
    overrides: Sequence[str],
    directory: str,
    marks: Mapping[str, str] | None = None,
) -> Knowledge:
    """Build the matcher from the bundled data, the user's marks and subscribed lists. Blocking.

    The user's marks come first (their tracker rules name the domain), then the
    default lists (attributed by vendor), then the user's own subscriptions.
    """
    Path(directory).mkdir(parents=True, exist_ok=True)
    own = marks_source(marks or {})
    sources = [*([own] if own is not None else []), *subscription_sources(texts)]
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
    for url, entry in CATALOGUE_BY_URL.items():
        if entry.id in reports:
            reports[url] = reports[entry.id]
    return {
        "rules": matcher.rule_count,
        "allow_rules": len(matcher.allow_rules),
        "overridden_allow_rules": [a.id for a in matcher.overridden],
        "dnsmasq_domains": len(knowledge.domains),
        "skipped_lines": matcher.skipped_lines,
        "excluded_rules": matcher.excluded_rules,
        # Build notes about the default lists only: a user's list is named by its
        # address, which can carry a token.
        "notes": [
            note
            for note in matcher.notes
            if note.startswith("bundled list ")
            or any(f" of {entry.id} " in note for entry in CATALOGUE_BY_URL.values())
        ],
        "cache": matcher.cache_status,
        "built": knowledge.built,
        "bundled": knowledge.bundled,
        "user_marks": reports[USER_MARKS].block_rules if USER_MARKS in reports else 0,
        "subscriptions": [
            {
                "url": url,
                **_attribution(url),
                "fetched": getattr(status, "fetched", None),
                "last_error": getattr(status, "last_error", None),
                "rules": reports[url].block_rules if url in reports else 0,
                "format": reports[url].format if url in reports else None,
                "unsupported_lines": dict(reports[url].unsupported) if url in reports else {},
            }
            for url, status in lists.items()
        ],
    }


def _attribution(url: str) -> dict[str, Any]:
    """Say whose list a default subscription is (nothing for the user's own lists)."""
    entry = CATALOGUE_BY_URL.get(url)
    if entry is None:
        return {"default": False}
    return {
        "default": True,
        "id": entry.id,
        "title": entry.title,
        "vendor": entry.vendor,
        "company": entry.company,
        "category": entry.category,
        "license": entry.license,
        "homepage": entry.homepage,
    }


def _valid_marks(raw: object) -> dict[str, str]:
    """Return the saved marks that are still well-formed (a store edited by hand)."""
    if not isinstance(raw, dict):
        return {}
    marks = {
        name: verdict
        for name, verdict in raw.items()
        if isinstance(name, str) and verdict in VERDICTS and normalize_domain(name) == name
    }
    return dict(list(marks.items())[-MAX_MARKS:])


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
        marks: Mapping[str, str] | None = None,
    ) -> None:
        """Hold a built knowledge; use async_create to build the first one."""
        self._hass = hass
        self._entry_id = entry_id
        self.subscriptions = subscriptions
        self._overrides = list(overrides)
        self.current = current
        self.marks: dict[str, str] = dict(marks or {})
        self._marks_store: Store[dict[str, Any]] = marks_store(hass, entry_id)

    @classmethod
    async def async_create(
        cls, hass: HomeAssistant, entry_id: str, options: Mapping[str, Any]
    ) -> TrackerKnowledge:
        """Load the saved list copies and build (or load the compiled) knowledge."""
        subscriptions = SubscriptionManager(
            hass, entry_id, subscription_urls(options), validate_list
        )
        await subscriptions.async_load()
        overrides = list(options.get(CONF_ALLOW_OVERRIDES, []))
        saved = await marks_store(hass, entry_id).async_load() or {}
        marks = _valid_marks(saved.get("marks"))
        current = await hass.async_add_executor_job(
            build_knowledge,
            await subscriptions.async_texts(),
            overrides,
            cache_dir(hass, entry_id),
            marks,
        )
        return cls(hass, entry_id, subscriptions, overrides, current, marks)

    def summary(self) -> dict[str, Any]:
        """Describe what the knowledge is made of (diagnostic sensor, diagnostics)."""
        return summary(self.current, self.subscriptions.status)

    async def async_refresh(self) -> bool:
        """Fetch subscribed lists that are due; rebuild when one changed (returns True)."""
        if not await self.subscriptions.async_refresh():
            return False
        await self.async_rebuild()
        return True

    async def async_mark(self, name: str, verdict: str) -> None:
        """Keep the user's verdict on a (normalised, validated) name and rebuild."""
        if verdict not in VERDICTS:
            raise ValueError(verdict)
        self.marks.pop(name, None)
        self.marks[name] = verdict
        while len(self.marks) > MAX_MARKS:
            self.marks.pop(next(iter(self.marks)))
        await self._marks_store.async_save({"marks": dict(self.marks)})
        await self.async_rebuild()

    async def async_rebuild(self) -> None:
        """Rebuild the knowledge from the saved list copies and the user's marks."""
        texts = await self.subscriptions.async_texts()
        self.current = knowledge = await self._hass.async_add_executor_job(
            build_knowledge,
            texts,
            self._overrides,
            cache_dir(self._hass, self._entry_id),
            dict(self.marks),
        )
        LOGGER.info(
            "Tracker lists changed: %d rules, %d domains for dnsmasq",
            knowledge.matcher.rule_count,
            len(knowledge.domains),
        )
