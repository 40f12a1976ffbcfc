"""Diagnostics: what Snoop Guard knows, with secrets and identifying data redacted."""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from ipaddress import ip_address
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import (
    CONF_ALLOWED_SCANNERS,
    CONF_EXCLUDE,
    CONF_HOST_KEY,
    CONF_INCLUDE,
    CONF_PRIVATE_KEY,
    CONF_ROUTER_ID,
    CONF_SUBSCRIPTIONS,
)
from .engine.routerdata import normalize_mac
from .engine.vendorlists import CATALOGUE_BY_URL
from .runtime import SnoopGuardConfigEntry

TO_REDACT = {
    CONF_PASSWORD,
    CONF_PRIVATE_KEY,
    CONF_HOST,
    CONF_USERNAME,
    CONF_HOST_KEY,
    CONF_ROUTER_ID,
}
_MAC_OPTIONS = (CONF_INCLUDE, CONF_EXCLUDE, CONF_ALLOWED_SCANNERS)
# Fields of discovery records (and mDNS TXT keys) that name or identify one device.
_RECORD_NAMES = frozenset({"hostname", "name", "friendly_name", "fn", "n"})
_RECORD_IDS = frozenset(
    {"serial_number", "udn", "id", "cd", "deviceid", "pi", "psi", "gid", "serialnumber", "bs"}
)
# Names shorter than this are not searched for (they would mangle ordinary words),
# nor default names that a million routers share and that identify nobody.
_MIN_NAME = 3
_SHARED_NAMES = frozenset({"router", "openwrt", "lede", "gateway", "localhost", "linux"})
_MIN_SECRET = 4
# Long words of a key (its base64 lines) and of a URL's path are hidden on their own too.
_MIN_WORD = 16
_URL = r"[a-z][a-z0-9+.-]*://[^\s\"'<>]+"
_MAC = (
    r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}|(?:[0-9a-f]{2}-){5}[0-9a-f]{2}"
    r"|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}"
)
# IPv6: all eight groups, or a "::" form (an IPv4-mapped tail included). Clock times
# ("02:10:33") have neither and are left alone.
_IPV4_TAIL = r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}"
_IPV6 = (
    r"(?<![0-9a-f:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
    r"|(?=[0-9a-f:.]*[0-9a-f])(?:[0-9a-f]{1,4}:){0,6}(?:[0-9a-f]{1,4})?::"
    rf"(?:[0-9a-f]{{1,4}}:){{0,6}}(?:{_IPV4_TAIL}|[0-9a-f]{{1,4}})?)(?![0-9a-f:])"
)
_IPV4 = r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9])"
_GENERIC = re.compile(
    f"(?P<url>{_URL})|(?P<mac>{_MAC})|(?P<ipv6>{_IPV6})|(?P<ipv4>{_IPV4})", re.IGNORECASE
)


class _Redactor:
    """Replaces identifying values anywhere in the diagnostics with stable labels.

    MAC addresses in any notation become ``device_N`` (the labels the devices get),
    IP addresses ``address_N``, host and device names ``host_N``, subscribed lists
    ``list_N`` (the whole URL: a query or path can carry a token and the host can
    identify a private server), any other URL ``url_N``; credentials become
    ``**REDACTED**``. Every string is searched, keys included, so values added to
    the diagnostics later are covered too.
    """

    def __init__(self, keep_urls: set[str]) -> None:
        self._labels: dict[tuple[str, str], str] = {}
        self._counts: Counter[str] = Counter()
        self._literals: dict[str, str] = {}
        self._keep_urls = keep_urls
        self._pattern: re.Pattern[str] | None = None

    def _label(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._labels:
            self._labels[key] = f"{kind}_{self._counts[kind]}"
            self._counts[kind] += 1
        return self._labels[key]

    def _literal(self, text: str, label: str) -> None:
        self._literals.setdefault(text.lower(), label)
        self._pattern = None

    def mac(self, raw: str) -> str:
        """Return the label of a MAC address, learning its notations."""
        mac = normalize_mac(raw)
        if mac is None:
            return REDACTED
        label = self._label("device", mac)
        # Colon, dash and dot forms are found by pattern (any case); the bare form,
        # twelve hex digits like any hash, only as a known value.
        self._literal(mac.replace(":", ""), label)
        return label

    def address(self, raw: str) -> str:
        """Return the label of an IP address."""
        return self.name(raw.split("%")[0])

    def name(self, raw: str | None) -> str:
        """Return the label of a host or device name, learning it."""
        if not raw:
            return ""
        if normalize_mac(raw) is not None:
            return self.mac(raw)
        with contextlib.suppress(ValueError):
            return self._label("address", str(ip_address(raw)))
        label = self._label("host", raw.lower())
        if len(raw) >= _MIN_NAME and raw.lower() not in _SHARED_NAMES:
            self._literal(raw, label)
        return label

    def secret(self, raw: str | None) -> None:
        """Never show this value (a credential, a key), nor any long word of it."""
        if not raw or len(raw.strip()) < _MIN_SECRET:
            return
        if normalize_mac(raw) is not None:
            self.mac(raw)  # a device id that is a MAC: labelled like the device
            return
        self._literal(raw.strip(), REDACTED)
        for word in raw.split():
            if len(word) >= _MIN_WORD and not word.startswith("-----"):
                self._literal(word, REDACTED)

    def url(self, url: str) -> str:
        """Return the label of a subscribed list, learning its host and its tokens."""
        label = self._label("list", url)
        self._literal(url, label)
        parts = urlsplit(url)
        self.name(parts.hostname)
        self.secret(parts.username)
        self.secret(parts.password)
        for _key, value in parse_qsl(parts.query):
            self.secret(value)
        for segment in parts.path.split("/"):
            if len(segment) >= _MIN_WORD:
                self.secret(segment)
        return label

    def learn(self, value: Any) -> None:
        """Label every MAC, IP address and URL found in ``value`` (before scrubbing)."""
        for text in _strings(value):
            for match in _GENERIC.finditer(text):
                self._generic(match)

    def _generic(self, match: re.Match[str]) -> str:
        text = match.group(0)
        if match.lastgroup == "url":
            if text in self._keep_urls:
                return text
            known = self._literals.get(text.lower())
            return known if known is not None else self._label("url", text)
        if match.lastgroup == "mac":
            return self.mac(text)
        try:
            return self._label("address", str(ip_address(text)))
        except ValueError:
            return text  # a time of day, a version: not an address

    def _replace(self, match: re.Match[str]) -> str:
        if match.lastgroup == "literal":
            return self._literals[match.group(0).lower()]
        return self._generic(match)

    def scrub(self, value: Any) -> Any:
        """Return ``value`` with every identifying string replaced."""
        if self._pattern is None:
            literals = sorted(self._literals, key=len, reverse=True)
            alternatives = "|".join(re.escape(text) for text in literals) or r"(?!x)x"
            self._pattern = re.compile(
                f"(?P<url>{_URL})|(?P<literal>{alternatives})|(?P<mac>{_MAC})"
                f"|(?P<ipv6>{_IPV6})|(?P<ipv4>{_IPV4})",
                re.IGNORECASE,
            )
        pattern = self._pattern
        if isinstance(value, str):
            return pattern.sub(self._replace, value)
        if isinstance(value, Mapping):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [self.scrub(item) for item in value]
        return value


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings(item)


def _redactor_for(entry: SnoopGuardConfigEntry) -> _Redactor:
    """Learn every identifying value Snoop Guard holds for this entry."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    policies = coordinator.blocks.policies
    # Default lists are public addresses (engine/vendorlists.py): shown as they are.
    redactor = _Redactor(
        keep_urls=set(_urls(runtime.knowledge.current.bundled))
        | set(CATALOGUE_BY_URL)
        | {item.homepage for item in CATALOGUE_BY_URL.values()}
    )
    devices = coordinator.data.devices
    inventory = coordinator.devices.inventory
    records = inventory.devices()
    options = entry.options
    # Watched devices first, so their labels are device_0, device_1… in MAC order.
    for mac in sorted(devices):
        redactor.mac(mac)
    others = {r.mac for r in records} | set(policies)
    others |= set(coordinator.data.ip_to_mac.values())
    others |= {str(m) for key in _MAC_OPTIONS for m in options.get(key, [])}
    for mac in sorted(others - set(devices)):
        redactor.mac(mac)
    for device in devices.values():
        for name in (device.hostname, device.name, *device.ips):
            redactor.name(name)
    for record in records:
        for name in (record.hostname, *record.names, *record.ips):
            redactor.name(name)
    # Every sighting, not only the names the inventory settled on.
    sightings = inventory.to_dict()
    for raw in _strings_at(sightings, _RECORD_NAMES):
        redactor.name(raw)
    for raw in _strings_at(sightings, _RECORD_IDS):
        redactor.secret(raw)
    for policy in policies.values():
        for ip in policy.ips:
            redactor.address(ip)
    for ip in coordinator.data.ip_to_mac:
        redactor.address(ip)
    info = runtime.router_info
    for name in (entry.data.get(CONF_HOST), entry.title, info.hostname):
        redactor.name(name)
    for url in (*options.get(CONF_SUBSCRIPTIONS, []), *runtime.knowledge.subscriptions.urls):
        if url not in CATALOGUE_BY_URL:
            redactor.url(str(url))
    for key in (CONF_PASSWORD, CONF_PRIVATE_KEY, CONF_HOST_KEY, CONF_ROUTER_ID):
        redactor.secret(entry.data.get(key))
    redactor.secret(entry.unique_id)  # the host key's fingerprint
    return redactor


def _strings_at(value: Any, keys: frozenset[str]) -> Iterator[str]:
    """Yield the strings stored under any of ``keys``, at any depth."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, str) and str(key).lower() in keys:
                yield item
            else:
                yield from _strings_at(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_at(item, keys)


def _urls(value: Any) -> Iterator[str]:
    """Yield the URLs of bundled provenance: public, shown as they are."""
    for text in _strings(value):
        if "://" in text:
            yield text


def _options(options: Mapping[str, Any], redactor: _Redactor) -> dict[str, Any]:
    """Return the options with MAC addresses and list URLs replaced by labels."""
    shown = dict(options)
    for key in _MAC_OPTIONS:
        if key in shown:
            shown[key] = [redactor.mac(str(mac)) for mac in shown[key]]
    if CONF_SUBSCRIPTIONS in shown:
        shown[CONF_SUBSCRIPTIONS] = [redactor.url(str(url)) for url in shown[CONF_SUBSCRIPTIONS]]
    return shown


def _labelled(shown: dict[str, Any], redactor: _Redactor) -> dict[str, Any]:
    """Replace a destination's name by its label; its evidence quotes parts of it: dropped."""
    shown["name"] = redactor.name(str(shown.get("name", "")))
    shown.pop("evidence", None)
    return shown


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SnoopGuardConfigEntry
) -> dict[str, Any]:
    """Return diagnostics; MACs, IPs, names and list URLs are replaced by labels."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    policies = coordinator.blocks.policies
    dns = coordinator.dns
    now = dt_util.utcnow()
    redactor = _redactor_for(entry)
    labels = {mac: redactor.mac(mac) for mac in coordinator.data.devices}
    enforced = coordinator.data.enforced
    diagnostics: dict[str, Any] = {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": _options(entry.options, redactor),
        },
        "knowledge": runtime.knowledge.summary(),
        "discovery_sources": runtime.watchers.as_dict(),
        "router": {
            "capabilities": sorted(coordinator.roles.capabilities),
            "enforcement": str(coordinator.roles.enforcement),
            "dns_source": str(coordinator.backend.dns_source),
            "stream_connected": dns.connected,
            "polls": dns.polls,
            "last_poll": dns.last_poll.isoformat() if dns.last_poll else None,
            "reapply_count": coordinator.reapply_count,
            "log_lines": {
                "parsed": dns.parser.parsed,
                "malformed": dns.parser.malformed,
                "ignored": dns.parser.ignored,
            },
            "enforced": None
            if enforced is None
            else {
                "table_present": enforced.table_present,
                "rules_intact": enforced.rules_intact,
                "in_sync": enforced.in_sync,
                "not_enforced_because": list(enforced.limits),
                "dns_snippet_current": enforced.dns_snippet_current,
                "tracker_addresses": enforced.tracker_addresses,
                "shared_tracker_addresses": {
                    "about": "public addresses of tracker services that allow-listed (needed)"
                    " names resolved to as well; never rejected; not personal data",
                    "count": len(enforced.shared_addresses),
                    "addresses": sorted(enforced.shared_addresses)[:100],
                },
                "block_trackers": sorted(redactor.mac(m) for m in enforced.block_trackers),
                "block_internet": sorted(redactor.mac(m) for m in enforced.block_internet),
            },
        },
        "devices": {
            labels[mac]: {
                "kind": str(device.classification.kind),
                "vendor": device.classification.vendor,
                "model": device.classification.model,
                "confidence": device.classification.confidence,
                "evidence": list(device.classification.evidence or (device.classification.reason,)),
                "addresses": len(device.ips),
                # How its addresses were tied to its MAC: router, dns_filter,
                # neighbour_table (this host's ARP/NDP table) or home_assistant (DHCP
                # watcher and discovery records); None: no address known now.
                "identified_by": coordinator.addresses.methods.get(mac),
                "contacts_24h": coordinator.counters.count(mac, now),
                "companies": coordinator.counters.companies(mac, now),
                # Names a device looked up are browsing history: labels, counts and
                # categories only (the names are on the device's own sensor).
                "unknown_destinations": [
                    _labelled(d.to_json(), redactor)
                    for d in coordinator.destinations.unknown(mac, 50, now)
                ],
                "suspected": [
                    _labelled(d.to_json(), redactor)
                    for d in coordinator.destinations.suspected(mac, now)
                ],
                "block_trackers": mac in policies and policies[mac].block_trackers,
                "block_internet": mac in policies and policies[mac].block_internet,
            }
            for mac, device in coordinator.data.devices.items()
        },
    }
    # Found anywhere: a MAC in evidence, an address in an error, keys added later.
    redactor.learn(diagnostics)
    scrubbed: dict[str, Any] = redactor.scrub(diagnostics)
    return scrubbed
