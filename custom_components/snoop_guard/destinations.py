"""Unknown and suspected destinations per watched device.

For every watched device, the names it looked up in the last 24 hours that no
list classifies: neither a tracker rule nor an allow rule (functional, a list's
exception, or the user's own "needed" mark) covers them. Those whose structure
looks like telemetry, or that a list names but that were held back as a device
function (:meth:`.engine.trackers.TrackerMatcher.suspect`), carry their evidence
and are shown apart as *suspected*; they are never blocked.

The user can mark a name as a tracker or as needed (the ``mark_destination``
action); the knowledge then knows it (``knowledge.py``) and the name leaves
these lists. Names are data: they are shown, never interpreted.

Memory is bounded: :data:`MAX_NAMES` names per device (the least recently seen
go first), :data:`MAX_DEVICES` devices, :data:`MAX_MARKS` verdicts. Counts are
lookups since the name was first seen within the window; a name not looked up
for :data:`WINDOW` is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .engine.model import CATEGORIES
from .engine.names import normalize_domain
from .engine.routerdata import normalize_mac
from .engine.trackers import TrackerMatcher

WINDOW: Final = timedelta(hours=24)
MAX_NAMES: Final = 200
MAX_DEVICES: Final = 2000
MAX_MARKS: Final = 5000
MAX_EVIDENCE: Final = 4
MAX_EVIDENCE_CHARS: Final = 300
MAX_COUNT: Final = 1_000_000
VERDICTS: Final = ("tracker", "needed")
# Names that are about the home network itself, never a destination on the internet.
_LOCAL_SUFFIXES: Final = (".arpa", ".local", ".lan", ".home", ".internal", ".localdomain")
_MEMO_SIZE: Final = 4096


# (no list classifies the name, its suspicion (category, evidence) or None)
Verdict = tuple[bool, tuple[str, tuple[str, ...]] | None]


def _verdict(name: str, matcher: TrackerMatcher) -> Verdict:
    """Read one name: unknown unless a tracker or allow rule matches; its suspicion."""
    verdict = matcher.classify(name)
    if verdict.block_matches or verdict.allow_matches or verdict.overridden:
        return (False, None)
    if verdict.suspected and verdict.suspected_category:
        return (True, (str(verdict.suspected_category), tuple(verdict.evidence)))
    return (True, None)


@dataclass(slots=True)
class Destination:
    """One name a device looked up that no list classifies."""

    name: str
    count: int
    first: datetime
    last: datetime
    category: str | None = None
    evidence: tuple[str, ...] = field(default_factory=tuple)

    @property
    def suspected(self) -> bool:
        """Whether the name is suspected (its structure, or a held-back list entry)."""
        return self.category is not None

    def to_json(self) -> dict[str, Any]:
        """Return the stored / shown form."""
        out: dict[str, Any] = {
            "name": self.name,
            "count": self.count,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
        }
        if self.category is not None:
            out["category"] = self.category
            out["evidence"] = list(self.evidence)
        return out

    @classmethod
    def from_json(cls, raw: object) -> Destination | None:
        """Return a saved destination, or None when it is malformed."""
        if not isinstance(raw, Mapping):
            return None
        name = raw.get("name")
        count = raw.get("count")
        first = _parse_time(raw.get("first"))
        last = _parse_time(raw.get("last"))
        if (
            not isinstance(name, str)
            or normalize_domain(name) != name
            or not _showable(name)
            or not isinstance(count, int)
            or isinstance(count, bool)
            or count < 1
            or first is None
            or last is None
        ):
            return None
        category = raw.get("category")
        evidence = raw.get("evidence")
        if category not in CATEGORIES:
            category = None
        shown: tuple[str, ...] = ()
        if category is not None and isinstance(evidence, list):
            shown = tuple(
                item[:MAX_EVIDENCE_CHARS]
                for item in evidence[:MAX_EVIDENCE]
                if isinstance(item, str)
            )
        return cls(name, min(count, MAX_COUNT), min(first, last), last, category, shown)


def _parse_time(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _showable(name: str) -> bool:
    """Whether a normalised name is an internet destination worth showing."""
    return "." in name and not name.endswith(_LOCAL_SUFFIXES)


def _covered(name: str, marked: str) -> bool:
    return name == marked or name.endswith(f".{marked}")


class DestinationLog:
    """Per watched device: unknown and suspected names of the last 24 hours."""

    def __init__(self, marks: dict[str, str] | None = None) -> None:
        """Start empty; use from_dict to restore.

        ``marks`` is the user's verdicts as the knowledge keeps them (one copy, shared:
        ``knowledge.TrackerKnowledge.marks``); without it the log keeps its own.
        """
        # mac -> name -> Destination, both least recently seen first.
        self._devices: dict[str, dict[str, Destination]] = {}
        self.marks: dict[str, str] = marks if marks is not None else {}
        self._memo: dict[str, Verdict] = {}
        self._memo_matcher: TrackerMatcher | None = None

    # -- classification -------------------------------------------------------------

    def _unclassified(self, name: str, matcher: TrackerMatcher) -> Verdict:
        """Return (no list classifies ``name``, its suspicion (category, evidence) or None).

        Remembered per matcher: a rebuilt knowledge (a new matcher) starts afresh.
        """
        if matcher is not self._memo_matcher:
            self._memo.clear()
            self._memo_matcher = matcher
        found = self._memo.get(name)
        if found is not None:
            return found
        found = _verdict(name, matcher)
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[name] = found
        return found

    def feed(self, mac: str, name: str, when: datetime, matcher: TrackerMatcher) -> bool:
        """Note that ``mac`` looked up ``name``; True when something shown changed.

        A new name (or one that came back after the window) changes what is shown;
        another lookup of a name already shown only raises its count, which the
        next update of the entities shows.
        """
        normalized = normalize_domain(name)
        if normalized is None or not _showable(normalized):
            return False
        if self._marked_parents(normalized):
            return False
        if matcher.match(normalized) is not None:
            return False
        unknown, suspicion = self._unclassified(normalized, matcher)
        if not unknown:
            return False
        names = self._devices.pop(mac, None)
        if names is None:
            names = {}
            while len(self._devices) >= MAX_DEVICES:
                self._devices.pop(next(iter(self._devices)))
        self._devices[mac] = names
        seen = names.pop(normalized, None)
        if seen is not None and when - seen.first < WINDOW:
            seen.count = min(seen.count + 1, MAX_COUNT)
            seen.last = max(seen.last, when)
            names[normalized] = seen
            return False
        self._prune_device(names, when)
        category, evidence = suspicion if suspicion is not None else (None, ())
        while len(names) >= MAX_NAMES:
            names.pop(next(iter(names)))
        names[normalized] = Destination(normalized, 1, when, when, category, evidence)
        return True

    def reclassify(self, matcher: TrackerMatcher) -> bool:
        """Re-read every kept name with new knowledge; True when something shown changed.

        After a list update (or a rebuild at start-up) a name a list now knows as a
        tracker or allows leaves the lists, and a suspicion's evidence is the new one
        (a list that held it back may be gone, or another may name it). The reading
        itself (:meth:`verdicts`) may run in an executor; see :meth:`apply`.
        """
        return self.apply(self.verdicts(self.names(), matcher))

    def names(self) -> set[str]:
        """Return every kept name once (a name several devices looked up is read once)."""
        return {name for names in self._devices.values() for name in names}

    @staticmethod
    def verdicts(names: Iterable[str], matcher: TrackerMatcher) -> dict[str, Verdict]:
        """Read ``names`` with ``matcher``: (still unknown, suspicion). Thread-safe, no state."""
        return {name: _verdict(name, matcher) for name in names}

    def apply(self, verdicts: Mapping[str, Verdict]) -> bool:
        """Apply :meth:`verdicts`; True when something shown changed.

        Names without a verdict (looked up since the verdicts were taken, with the
        knowledge of the time) are left as they are.
        """
        changed = False
        for names in self._devices.values():
            for name, seen in list(names.items()):
                found = verdicts.get(name)
                if found is None:
                    continue
                unknown, suspicion = found
                if not unknown:
                    del names[name]
                    changed = True
                    continue
                category, evidence = suspicion if suspicion is not None else (None, ())
                if (seen.category, seen.evidence) != (category, evidence):
                    seen.category, seen.evidence = category, evidence
                    changed = True
        for mac in [mac for mac, names in self._devices.items() if not names]:
            del self._devices[mac]
        return changed

    def _marked_parents(self, name: str) -> list[str]:
        if not self.marks:
            return []
        labels = name.split(".")
        return [
            candidate
            for i in range(len(labels))
            if (candidate := ".".join(labels[i:])) in self.marks
        ]

    @staticmethod
    def _prune_device(names: dict[str, Destination], now: datetime) -> bool:
        stale = [name for name, seen in names.items() if now - seen.last >= WINDOW]
        for name in stale:
            del names[name]
        return bool(stale)

    def prune(self, now: datetime) -> bool:
        """Drop names not looked up within the window; True when any went."""
        changed = False
        for mac in list(self._devices):
            changed |= self._prune_device(self._devices[mac], now)
            if not self._devices[mac]:
                del self._devices[mac]
        return changed

    # -- what is shown ------------------------------------------------------------------

    def _current(self, mac: str, now: datetime | None) -> list[Destination]:
        now = now or datetime.now(UTC)
        return [seen for seen in self._devices.get(mac, {}).values() if now - seen.last < WINDOW]

    def unknown(
        self, mac: str, limit: int | None = None, now: datetime | None = None
    ) -> list[Destination]:
        """Return the device's unclassified names (suspected ones too), most looked up first."""
        found = sorted(self._current(mac, now), key=lambda d: (-d.count, -d.last.timestamp()))
        return found if limit is None else found[: max(0, limit)]

    def suspected(self, mac: str, now: datetime | None = None) -> list[Destination]:
        """Return the device's suspected names, most recently seen first."""
        found = [seen for seen in self._current(mac, now) if seen.suspected]
        return sorted(found, key=lambda d: d.last, reverse=True)

    # -- the user's verdicts --------------------------------------------------------------

    def mark(self, name: str, verdict: str) -> bool:
        """Keep the user's verdict on a normalised name; it leaves every device's lists.

        Returns True when something shown changed.
        """
        if verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {verdict!r}")
        normalized = normalize_domain(name)
        if normalized is None:
            raise ValueError("not a DNS name")
        self.marks.pop(normalized, None)
        self.marks[normalized] = verdict
        while len(self.marks) > MAX_MARKS:
            self.marks.pop(next(iter(self.marks)))
        self._memo.clear()
        changed = False
        for names in self._devices.values():
            for shown in [n for n in names if _covered(n, normalized)]:
                del names[shown]
                changed = True
        return changed

    # -- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready state."""
        return {
            "devices": {
                mac: [seen.to_json() for seen in names.values()]
                for mac, names in self._devices.items()
                if names
            }
        }

    @classmethod
    def from_dict(cls, raw: object, marks: dict[str, str] | None = None) -> DestinationLog:
        """Restore a saved state; anything malformed is left out.

        Verdicts saved by an older version (``marks``) are taken only without a shared
        ``marks`` (the knowledge's copy is the one that counts).
        """
        shared = marks is not None
        log = cls(marks)
        if not isinstance(raw, Mapping):
            return log
        devices = raw.get("devices")
        if isinstance(devices, Mapping):
            for key, items in list(devices.items())[-MAX_DEVICES:]:
                mac = normalize_mac(key) if isinstance(key, str) else None
                if mac is None or not isinstance(items, list):
                    continue
                names: dict[str, Destination] = {}
                for item in items[-MAX_NAMES:]:
                    seen = Destination.from_json(item)
                    if seen is not None:
                        names.pop(seen.name, None)
                        names[seen.name] = seen
                if names:
                    log._devices[mac] = dict(sorted(names.items(), key=lambda kv: kv[1].last))
        saved = raw.get("marks")
        if not shared and isinstance(saved, Mapping):
            for name, verdict in list(saved.items())[-MAX_MARKS:]:
                if isinstance(name, str) and verdict in VERDICTS and normalize_domain(name) == name:
                    log.marks[name] = verdict
        return log
