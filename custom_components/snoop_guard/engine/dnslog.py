"""Parser for dnsmasq's query log and a cursor that drops replayed lines.

dnsmasq with ``--log-queries=extra`` logs one line per step of a lookup::

    Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 query[A] gz-data.com from 198.18.0.189
    Nov 24 20:40:01 dnsmasq[4195]: 1 198.18.0.189/32884 reply gz-data.com is 203.0.113.10

The timestamp prefix may be dnsmasq's own log file / BSD syslog (``Nov 24 20:40:01``,
optionally followed by a host name), OpenWrt ``logread`` (``Tue Nov 24 20:40:01
2026 daemon.info``), ISO 8601 (``2026-11-24T20:40:01+01:00 host``) or absent.
The "extra" serial/requestor prefix is optional (plain ``--log-queries``).

Everything in a line is treated as data: the parser never raises, malformed
lines are counted and yield None.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .routerdata import normalize_ip, normalize_mac

__all__ = ["DnsEvent", "DnsEventKind", "DnsmasqLogParser", "LogCursor"]

_MAX_LINE = 8192
_MAX_SERIAL_DIGITS = 10
_FUTURE_TOLERANCE_S = 86_400

_MONTHS = {
    name: index
    for index, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}

_PROCESS_RE = re.compile(r"(?:^|\s)(dnsmasq(?:-dhcp|-tftp|-script)?)(?:\[(\d{1,10})\])?: ")
_PRI = r"(?:<\d{1,3}>)?"
_BSD_RE = re.compile(
    _PRI + r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?: \S{1,255})?"
)
_LOGREAD_RE = re.compile(
    _PRI + r"[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})"
    r"(?: \S{1,64})?"
)
_ISO_RE = re.compile(
    _PRI + r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})?)"
    r"(?: \S{1,255})?"
)
_QTYPE_RE = re.compile(r"[A-Za-z0-9=_-]{1,32}")
_DHCP_MSG_RE = re.compile(r"(DHCP[A-Z0-9]{2,16})\([^()\s]{0,32}\)")
_DHCP_NAMED = frozenset({"DHCPACK", "DHCPREPLY"})


class DnsEventKind(StrEnum):
    """Kind of a dnsmasq log line."""

    QUERY = "query"
    FORWARDED = "forwarded"
    REPLY = "reply"
    CACHED = "cached"
    CONFIG = "config"
    NFTSET = "nftset"
    DHCP = "dhcp"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class DnsEvent:
    """One parsed dnsmasq log line.

    ``client_ip`` is the ``from`` address for QUERY, else the requestor of the
    "extra" prefix. ``answer`` is the answer text of REPLY/CACHED/CONFIG, the IP
    added for NFTSET and the MAC for DHCP. For DHCP, ``qtype`` is the message
    type (``DHCPACK``) and ``name`` the lower-cased hostname, if any.
    """

    kind: DnsEventKind
    timestamp: datetime | None
    pid: int | None
    serial: int | None
    client_ip: str | None
    qtype: str | None
    name: str
    answer: str | None
    line_key: str


@dataclass(frozen=True, slots=True)
class _Body:
    kind: DnsEventKind
    serial: int | None = None
    client_ip: str | None = None
    qtype: str | None = None
    name: str = ""
    answer: str | None = None


def _line_key(line: str) -> str:
    data = line.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _clean_name(name: str) -> str:
    text = name.strip().lower()
    if text.endswith("."):
        text = text[:-1]
    return text


def _take_serial(text: str) -> tuple[int | None, str]:
    head, sep, rest = text.partition(" ")
    if sep and head.isascii() and head.isdigit() and len(head) <= _MAX_SERIAL_DIGITS:
        return int(head), rest
    return None, text


def _requestor(token: str) -> str | None:
    """Return the address of an ``address/port`` token, or None."""
    address, sep, port = token.rpartition("/")
    if not sep or not (port.isascii() and port.isdigit()) or len(port) > 5:
        return None
    return normalize_ip(address)


class DnsmasqLogParser:
    """Stateless-per-line parser of dnsmasq log lines with counters.

    ``now`` supplies the year for prefixes that lack one; the year is chosen so
    that the timestamp is not more than a day in the future (Dec -> Jan rollover).
    """

    def __init__(self, now: Callable[[], datetime] = datetime.now) -> None:
        self._now = now
        self.parsed: int = 0
        self.malformed: int = 0
        self.ignored: int = 0

    def parse_line(self, line: str) -> DnsEvent | None:
        """Parse one log line; None for non-dnsmasq or malformed lines. Never raises."""
        try:
            event, dnsmasq_line = self._parse(line)
        except Exception:  # last-resort guard: a hostile line is data, never a crash
            event, dnsmasq_line = None, True
        if event is not None:
            self.parsed += 1
        elif dnsmasq_line:
            self.malformed += 1
        else:
            self.ignored += 1
        return event

    def _parse(self, line: str) -> tuple[DnsEvent | None, bool]:
        """Return (event, looked like a dnsmasq line)."""
        raw: object = line
        if not isinstance(raw, str):
            return None, False
        text = raw.rstrip("\r\n")
        if len(text) > _MAX_LINE:
            return None, "dnsmasq" in text[:512]
        match = _PROCESS_RE.search(text)
        if match is None:
            return None, False
        process, pid_text = match.group(1), match.group(2)
        prefix = text[: match.start()].strip()
        ok, timestamp = self._timestamp(prefix)
        if not ok:
            return None, True
        body = text[match.end() :]
        if process == "dnsmasq":
            parsed = self._dns_body(body)
        elif process == "dnsmasq-dhcp":
            parsed = self._dhcp_body(body)
        else:
            parsed = _Body(DnsEventKind.OTHER)
        if parsed is None:
            return None, True
        event = DnsEvent(
            kind=parsed.kind,
            timestamp=timestamp,
            pid=int(pid_text) if pid_text is not None else None,
            serial=parsed.serial,
            client_ip=parsed.client_ip,
            qtype=parsed.qtype,
            name=parsed.name,
            answer=parsed.answer,
            line_key=_line_key(text),
        )
        return event, True

    # -- timestamps -------------------------------------------------------

    def _timestamp(self, prefix: str) -> tuple[bool, datetime | None]:
        """Return (prefix understood, naive local timestamp or None)."""
        if not prefix:
            return True, None
        if (m := _LOGREAD_RE.fullmatch(prefix)) is not None:
            month = _MONTHS.get(m.group(1))
            if month is None:
                return False, None
            day, hour, minute, second, year = (int(m.group(i)) for i in range(2, 7))
            try:
                return True, datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
            except ValueError:
                return False, None
        if (m := _BSD_RE.fullmatch(prefix)) is not None:
            month = _MONTHS.get(m.group(1))
            if month is None:
                return False, None
            day, hour, minute, second = (int(m.group(i)) for i in range(2, 6))
            stamp = self._with_year(month, day, hour, minute, second)
            return stamp is not None, stamp
        if (m := _ISO_RE.fullmatch(prefix)) is not None:
            try:
                stamp = datetime.fromisoformat(m.group(1))
                if stamp.tzinfo is not None:
                    stamp = stamp.astimezone().replace(tzinfo=None)
            except (ValueError, OverflowError, OSError):
                return False, None
            return True, stamp
        return False, None

    def _with_year(
        self, month: int, day: int, hour: int, minute: int, second: int
    ) -> datetime | None:
        now = self._now()
        if now.tzinfo is not None:
            now = now.astimezone().replace(tzinfo=None)
        best: datetime | None = None
        for year in (now.year + 1, now.year, now.year - 1, now.year - 2):
            try:
                candidate = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
            except ValueError:
                continue
            if (candidate - now).total_seconds() <= _FUTURE_TOLERANCE_S:
                best = candidate
                break
        return best

    # -- bodies -----------------------------------------------------------

    def _dns_body(self, body: str) -> _Body | None:
        serial, rest = _take_serial(body)
        requestor: str | None = None
        if serial is not None:
            head, sep, after = rest.partition(" ")
            address = _requestor(head) if sep else None
            if address is not None:
                requestor, rest = address, after
        source, _, remainder = rest.partition(" ")
        if source.startswith("query[") and source.endswith("]"):
            qtype = source[6:-1]
            name, sep, client = remainder.rpartition(" from ")
            if not sep or _QTYPE_RE.fullmatch(qtype) is None:
                return None
            return _Body(
                DnsEventKind.QUERY,
                serial=serial,
                client_ip=normalize_ip(client) or requestor,
                qtype=qtype,
                name=_clean_name(name),
            )
        if source == "forwarded":
            name, sep, _upstream = remainder.rpartition(" to ")
            if not sep:
                return None
            return _Body(
                DnsEventKind.FORWARDED, serial=serial, client_ip=requestor, name=_clean_name(name)
            )
        kind = _answer_kind(source)
        if kind is not None:
            name, sep, answer = remainder.rpartition(" is ")
            if not sep:
                return None
            return _Body(
                kind,
                serial=serial,
                client_ip=requestor,
                name=_clean_name(name),
                answer=answer.strip(),
            )
        if source in {"nftset", "ipset"}:
            words = remainder.split()
            if len(words) < 4 or words[0] != "add":
                return None
            return _Body(
                DnsEventKind.NFTSET,
                serial=serial,
                client_ip=requestor,
                name=_clean_name(words[-1]),
                answer=words[-2],
            )
        return _Body(DnsEventKind.OTHER, serial=serial, client_ip=requestor)

    def _dhcp_body(self, body: str) -> _Body | None:
        serial, rest = _take_serial(body)
        message, _, remainder = rest.partition(" ")
        match = _DHCP_MSG_RE.fullmatch(message)
        if match is None:
            return _Body(DnsEventKind.OTHER, serial=serial)
        msg_type = match.group(1)
        words = remainder.split()
        ip = normalize_ip(words[0]) if words else None
        mac = next((m for w in words[:2] if (m := normalize_mac(w)) is not None), None)
        name = ""
        if msg_type in _DHCP_NAMED and ip is not None and len(words) >= 3:
            name = _clean_name(words[2])
        return _Body(
            DnsEventKind.DHCP, serial=serial, client_ip=ip, qtype=msg_type, name=name, answer=mac
        )


def _answer_kind(source: str) -> DnsEventKind | None:
    if source == "reply":
        return DnsEventKind.REPLY
    if source in {"cached", "cached-stale"}:
        return DnsEventKind.CACHED
    if source in {"config", "DHCP"} or source.startswith("/"):
        return DnsEventKind.CONFIG
    return None


# ---------------------------------------------------------------------------
# Cursor
# ---------------------------------------------------------------------------

_CURSOR_VERSION = 1
_KEY_RE = re.compile(r"[0-9a-f]{16}")


class LogCursor:
    """Remembers what was processed so a reconnect or restart adds no duplicates.

    Keeps the newest timestamp processed, the line keys seen at that timestamp and
    a bounded set of recent keys. Lines older than the cursor are dropped, lines
    at the cursor's timestamp are dropped when their key was seen; lines without
    a timestamp are checked against the recent keys only (so identical untimed
    lines count once while their key is remembered).

    Timestamps are naive local time, so when the router's clock goes back (DST
    end, a clock correction) lines are dropped until it passes the cursor again;
    :meth:`reset` forgets the cursor.
    """

    def __init__(self, max_recent: int = 4096) -> None:
        self._max_recent = max(1, max_recent)
        self._newest: datetime | None = None
        self._at_newest: set[str] = set()
        self._recent: dict[str, None] = {}

    @property
    def newest(self) -> datetime | None:
        """Timestamp of the newest processed line."""
        return self._newest

    def start_at(self, stamp: datetime) -> None:
        """Drop lines older than ``stamp`` (naive router-local time) on a fresh cursor.

        Used on first setup: lines logged before it are not counted, lines logged
        from then on are, even if they arrive in the replayed backlog.
        """
        if self._newest is None and stamp.tzinfo is None:
            self._newest = stamp
            self._at_newest = set()

    def reset(self) -> None:
        """Forget everything."""
        self._newest = None
        self._at_newest.clear()
        self._recent.clear()

    def _remember(self, key: str) -> None:
        self._recent[key] = None
        while len(self._recent) > self._max_recent:
            del self._recent[next(iter(self._recent))]

    def should_process(self, event: DnsEvent) -> bool:
        """Return True (and remember the line) when ``event`` was not processed before."""
        key = event.line_key
        stamp = event.timestamp
        if stamp is not None and stamp.tzinfo is not None:
            stamp = stamp.astimezone().replace(tzinfo=None)
        if stamp is None:
            if key in self._recent:
                return False
            self._remember(key)
            return True
        if self._newest is None or stamp > self._newest:
            self._newest = stamp
            self._at_newest = {key}
            self._remember(key)
            return True
        if stamp < self._newest or key in self._at_newest or key in self._recent:
            return False
        if len(self._at_newest) < self._max_recent * 4:
            self._at_newest.add(key)
        self._remember(key)
        return True

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable snapshot."""
        return {
            "version": _CURSOR_VERSION,
            "newest": self._newest.isoformat() if self._newest is not None else None,
            "at_newest": sorted(self._at_newest),
            "recent": list(self._recent),
        }

    @classmethod
    def from_dict(cls, data: object, max_recent: int = 4096) -> LogCursor:
        """Restore from :meth:`to_dict` output; garbage gives a fresh cursor."""
        cursor = cls(max_recent)
        if not isinstance(data, dict):
            return cursor
        newest = data.get("newest")
        if isinstance(newest, str) and len(newest) <= 64:
            try:
                stamp = datetime.fromisoformat(newest)
            except ValueError:
                stamp = None
            if stamp is not None and stamp.tzinfo is None:
                cursor._newest = stamp
        keys = data.get("at_newest")
        if cursor._newest is not None and isinstance(keys, list):
            cursor._at_newest = {
                k
                for k in keys[: cursor._max_recent * 4]
                if isinstance(k, str) and _KEY_RE.fullmatch(k)
            }
        recent = data.get("recent")
        if isinstance(recent, list):
            for key in recent[-cursor._max_recent :]:
                if isinstance(key, str) and _KEY_RE.fullmatch(key):
                    cursor._remember(key)
        return cursor
