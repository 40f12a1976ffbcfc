"""The scan detector's memory across restarts: a versioned, bounded, validated format.

:meth:`.detector.ScanDetector.to_dict` writes, and :meth:`.detector.ScanDetector.restore`
reads, what the detector has learnt about each device that matters after a
restart: when its DNS baseline began, the sites it has looked up (so a
never-seen destination still means something), its recent scans with their
evidence (so an upload right after a restart is still correlated), the
counters shown on the entities and the per-kind event times (so a restart does
not repeat an alarm). The short sweep windows are not kept.

Stored data is untrusted (a file anyone with access to the configuration can
edit): :func:`parse_state` checks every field's type, range and size, drops a
device whose record has any bad field, drops timestamps from the future, and
caps every collection. Nothing here raises on any input. Format (version 1)::

    {"version": 1, "devices": {"<mac>": device, ...}}     # most recently active first
    device  = {"clock": ts, "ip": str|null, "dns_since": ts|null,
               "sites": [domain, ...] (oldest first), "methods": {method: ts},
               "lan": episode|null, "wifi": episode|null, "scans": int,
               "wifi_scans": int, "contacts": [[ts, name, reason], ...],
               "last_upload": ts|null, "last_upload_domain": name|null,
               "last_event": {kind: ts}}
    episode = {"start": ts, "last": ts, "rule": str, "closed": bool,
               "methods": {method: ts}, "prefixes": {"<int /24>": "<hex bitmap>"},
               "others": [str], "uploads": [name], "chain": [{str: scalar}]}

Timestamps are POSIX seconds (UTC). A ``domain`` is a normalised name (as
``site_of`` gives it); a ``name`` is a DNS name as the device asked it (any case),
kept as evidence only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..names import normalize_domain
from ..routerdata import normalize_ip, normalize_mac

__all__ = [
    "MAX_CHAIN",
    "MAX_CONTACTS",
    "MAX_STORED_SITES",
    "STATE_VERSION",
    "StoredDevice",
    "StoredEpisode",
    "dump_state",
    "parse_state",
    "stored_device",
]

STATE_VERSION = 1
MAX_STORED_SITES = 16_384  # learnt sites over all devices (about 400 KB of JSON)
MAX_CHAIN = 8
MAX_CONTACTS = 16
MAX_PREFIXES = 64
MAX_OTHERS = 256
MAX_TEXT = 256
_MAX_NAME = 253
MAX_COUNT = 1_000_000_000
FUTURE_SLACK_S = 300.0  # clock skew tolerated between the save and now
_EPOCH_MIN = 946_684_800.0  # 2000-01-01: anything earlier is not a real timestamp
_CONTACT_REASONS = frozenset({"tracker", "new_domain"})
_HEX_RE = re.compile(r"[0-9a-f]{1,64}")


@dataclass(frozen=True, slots=True)
class StoredEpisode:
    """One scan as stored (see the module docstring)."""

    start: float
    last: float
    rule: str
    closed: bool = False
    methods: dict[str, float] = field(default_factory=dict)
    prefixes: dict[int, int] = field(default_factory=dict)
    others: tuple[str, ...] = ()
    uploads: tuple[str, ...] = ()
    chain: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class StoredDevice:
    """One device as stored (see the module docstring)."""

    clock: float
    ip: str | None = None
    dns_since: float | None = None
    sites: tuple[str, ...] = ()
    methods: dict[str, float] = field(default_factory=dict)
    lan: StoredEpisode | None = None
    wifi: StoredEpisode | None = None
    scans: int = 0
    wifi_scans: int = 0
    contacts: tuple[tuple[float, str, str], ...] = ()
    last_upload: float | None = None
    last_upload_domain: str | None = None
    last_event: dict[str, float] = field(default_factory=dict)


# -- writing ------------------------------------------------------------------------------


class EpisodeView(Protocol):
    """What :func:`stored_device` reads of the detector's internal scan episode."""

    @property
    def start(self) -> float: ...
    @property
    def last(self) -> float: ...
    @property
    def rule(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    @property
    def methods(self) -> Mapping[str, float]: ...
    @property
    def prefixes(self) -> Mapping[int, int]: ...
    @property
    def others(self) -> Collection[str]: ...
    @property
    def uploads(self) -> Collection[str]: ...
    @property
    def chain(self) -> Sequence[dict[str, Any]]: ...


class DeviceView(Protocol):
    """What :func:`stored_device` reads of the detector's internal device record."""

    @property
    def clock(self) -> float: ...
    @property
    def ip(self) -> str | None: ...
    @property
    def dns_since(self) -> float | None: ...
    @property
    def sites(self) -> Collection[str] | None: ...
    @property
    def methods(self) -> Mapping[str, float]: ...
    @property
    def lan(self) -> EpisodeView | None: ...
    @property
    def wifi(self) -> EpisodeView | None: ...
    @property
    def scans(self) -> int: ...
    @property
    def wifi_scans(self) -> int: ...
    @property
    def contacts(self) -> Collection[tuple[float, str, str]]: ...
    @property
    def last_upload(self) -> float | None: ...
    @property
    def last_upload_domain(self) -> str | None: ...
    @property
    def last_event(self) -> Mapping[str, float]: ...


def _stored_episode(episode: EpisodeView | None) -> StoredEpisode | None:
    if episode is None:
        return None
    return StoredEpisode(
        start=episode.start,
        last=episode.last,
        rule=episode.rule,
        closed=episode.closed,
        methods={str(m): t for m, t in episode.methods.items()},
        prefixes=dict(episode.prefixes),
        others=tuple(episode.others),
        uploads=tuple(episode.uploads),
        chain=tuple(dict(step) for step in episode.chain),
    )


def stored_device(device: DeviceView) -> StoredDevice:
    """Snapshot the detector's record of one device (no validation: the record is ours)."""
    return StoredDevice(
        clock=device.clock,
        ip=device.ip,
        dns_since=device.dns_since,
        sites=tuple(device.sites or ()),
        methods={str(m): t for m, t in device.methods.items()},
        lan=_stored_episode(device.lan),
        wifi=_stored_episode(device.wifi),
        scans=device.scans,
        wifi_scans=device.wifi_scans,
        contacts=tuple(device.contacts),
        last_upload=device.last_upload,
        last_upload_domain=device.last_upload_domain,
        last_event={str(k): t for k, t in device.last_event.items()},
    )


def _episode_dict(episode: StoredEpisode) -> dict[str, Any]:
    return {
        "start": episode.start,
        "last": episode.last,
        "rule": episode.rule,
        "closed": episode.closed,
        "methods": dict(episode.methods),
        "prefixes": {str(prefix): f"{bits:x}" for prefix, bits in episode.prefixes.items()},
        "others": sorted(episode.others),
        "uploads": sorted(episode.uploads),
        "chain": [dict(step) for step in episode.chain],
    }


def dump_state(
    devices: Iterable[tuple[str, StoredDevice]], *, max_sites: int = MAX_STORED_SITES
) -> dict[str, Any]:
    """JSON-ready state of ``devices`` (most recently active first).

    Learnt sites are kept newest first per device until ``max_sites`` over all
    devices are written, so the most active devices keep the most.
    """
    budget = max(0, max_sites)
    out: dict[str, Any] = {}
    for mac, device in devices:
        sites = list(device.sites[-budget:]) if budget else []
        budget -= len(sites)
        out[mac] = {
            "clock": device.clock,
            "ip": device.ip,
            "dns_since": device.dns_since,
            "sites": sites,
            "methods": dict(device.methods),
            "lan": _episode_dict(device.lan) if device.lan is not None else None,
            "wifi": _episode_dict(device.wifi) if device.wifi is not None else None,
            "scans": device.scans,
            "wifi_scans": device.wifi_scans,
            "contacts": [list(contact) for contact in device.contacts],
            "last_upload": device.last_upload,
            "last_upload_domain": device.last_upload_domain,
            "last_event": dict(device.last_event),
        }
    return {"version": STATE_VERSION, "devices": out}


# -- reading ------------------------------------------------------------------------------


class _Invalid(Exception):
    """A stored record is not usable (internal: the record is dropped)."""


def _check(condition: bool) -> None:
    if not condition:
        raise _Invalid


def _map(value: object) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise _Invalid
    return value


def _list(value: object, limit: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > limit:
        raise _Invalid
    return value


def _time(value: object, now: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid
    stamp = float(value)
    _check(math.isfinite(stamp) and _EPOCH_MIN <= stamp <= now + FUTURE_SLACK_S)
    return stamp


def _opt_time(value: object, now: float) -> float | None:
    return None if value is None else _time(value, now)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise _Invalid
    return value


def _text(value: object, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise _Invalid
    return value


def _name(value: object) -> str:
    # A DNS name as the device asked it (case kept: DNS 0x20), kept as evidence only.
    return _text(value, _MAX_NAME)


def _opt_name(value: object) -> str | None:
    return None if value is None else _name(value)


def _domain(value: object) -> str:
    if not isinstance(value, str) or normalize_domain(value) != value:
        raise _Invalid
    return value


def _stamps(value: object, names: frozenset[str], now: float) -> dict[str, float]:
    raw = _map(value)
    _check(len(raw) <= len(names))
    out: dict[str, float] = {}
    for key, stamp in raw.items():
        _check(key in names)
        out[str(key)] = _time(stamp, now)
    return out


def _scalar(value: object) -> object:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        _check(math.isfinite(value))
        return value
    return _text(value)


def _chain(value: object) -> tuple[dict[str, Any], ...]:
    steps: list[dict[str, Any]] = []
    for item in _list(value, MAX_CHAIN):
        step = _map(item)
        _check(len(step) <= 8 and isinstance(step.get("when"), str))
        steps.append({_text(key, 32): _scalar(v) for key, v in step.items()})
    return tuple(steps)


def _prefixes(value: object) -> dict[int, int]:
    raw = _map(value)
    _check(len(raw) <= MAX_PREFIXES)
    out: dict[int, int] = {}
    for key, bits in raw.items():
        _check(isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 8)
        _check(isinstance(bits, str) and _HEX_RE.fullmatch(bits) is not None)
        prefix = int(key)
        _check(prefix < 1 << 24)
        out[prefix] = int(bits, 16)
    return out


def _episode(value: object, methods: frozenset[str], now: float) -> StoredEpisode | None:
    if value is None:
        return None
    raw = _map(value)
    start = _time(raw.get("start"), now)
    last = _time(raw.get("last"), now)
    closed = raw.get("closed")
    if start > last or not isinstance(closed, bool):
        raise _Invalid
    return StoredEpisode(
        start=start,
        last=last,
        rule=_text(raw.get("rule")),
        closed=closed,
        methods=_stamps(raw.get("methods"), methods, now),
        prefixes=_prefixes(raw.get("prefixes")),
        others=tuple(_text(item) for item in _list(raw.get("others"), MAX_OTHERS)),
        uploads=tuple(_name(item) for item in _list(raw.get("uploads"), MAX_CHAIN)),
        chain=_chain(raw.get("chain")),
    )


def _contact(value: object, now: float) -> tuple[float, str, str]:
    item = _list(value, 3)
    _check(len(item) == 3 and item[2] in _CONTACT_REASONS)
    return _time(item[0], now), _name(item[1]), str(item[2])


def _device(
    value: object,
    *,
    now: float,
    methods: frozenset[str],
    kinds: frozenset[str],
    max_sites: int,
) -> StoredDevice:
    raw = _map(value)
    ip = raw.get("ip")
    if ip is not None and (not isinstance(ip, str) or normalize_ip(ip) != ip):
        raise _Invalid
    raw_sites = raw.get("sites")
    if not isinstance(raw_sites, list):
        raise _Invalid
    newest = raw_sites[max(0, len(raw_sites) - max_sites) :] if max_sites > 0 else []
    return StoredDevice(
        clock=_time(raw.get("clock"), now),
        ip=ip,
        dns_since=_opt_time(raw.get("dns_since"), now),
        sites=tuple(dict.fromkeys(_domain(site) for site in newest)),
        methods=_stamps(raw.get("methods"), methods, now),
        lan=_episode(raw.get("lan"), methods, now),
        wifi=_episode(raw.get("wifi"), methods, now),
        scans=_count(raw.get("scans")),
        wifi_scans=_count(raw.get("wifi_scans")),
        contacts=tuple(_contact(c, now) for c in _list(raw.get("contacts"), MAX_CONTACTS)),
        last_upload=_opt_time(raw.get("last_upload"), now),
        last_upload_domain=_opt_name(raw.get("last_upload_domain")),
        last_event=_stamps(raw.get("last_event"), kinds, now),
    )


def parse_state(
    data: object,
    *,
    now: float,
    methods: frozenset[str],
    kinds: frozenset[str],
    max_devices: int,
    max_sites: int,
) -> tuple[dict[str, StoredDevice], int]:
    """Validate stored state: ``({mac: device}, dropped records)``; never raises.

    ``now``: POSIX seconds; later timestamps (beyond a few minutes of clock skew)
    make a record invalid. ``methods``/``kinds``: the scan method and event kind
    names accepted. At most ``max_devices`` devices (the first ones, i.e. the most
    recently active) and ``max_sites`` sites per device (the newest) are kept.
    Data of another version, or not a mapping, gives nothing.
    """
    if not isinstance(data, Mapping) or data.get("version") != STATE_VERSION:
        return {}, 0
    raw = data.get("devices")
    if not isinstance(raw, Mapping):
        return {}, 0
    found: dict[str, StoredDevice] = {}
    dropped = 0
    for index, (raw_mac, record) in enumerate(raw.items()):
        if len(found) >= max_devices:
            dropped += len(raw) - index
            break
        mac = normalize_mac(raw_mac) if isinstance(raw_mac, str) else None
        if mac is None or mac != raw_mac or mac in found:
            dropped += 1
            continue
        try:
            found[mac] = _device(record, now=now, methods=methods, kinds=kinds, max_sites=max_sites)
        except (_Invalid, ValueError, TypeError, OverflowError, RecursionError):
            dropped += 1
    return found, dropped
