"""The compiled rule tables: what the compiler builds, the cache stores and the matcher reads.

Tracker rules are grouped by what they share: an :class:`Attribution` (company,
category, source...) is stored once and referenced by every rule domain it
covers. :class:`CompiledRules` holds suffix rules in one dict per top-level label
(keyed by the rest of the rule: ``"gz-data"`` in the ``"com"`` dict), exact rules
and the allow rules. :mod:`.compiled` builds them, :mod:`.matchercache` stores
them, :class:`.trackers.TrackerMatcher` looks names up in them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from .lists import ParseReport
from .model import AllowInfo, TrackerInfo

__all__ = ["Attribution", "CompiledRules", "Listed", "split_rule", "tracker_info"]


class Attribution(NamedTuple):
    """What a group of rules shares (everything in :class:`TrackerInfo` but the rule)."""

    company: str
    category: str
    source: str
    vendors: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    confidence: str = "medium"
    citation: str = ""
    important: bool = False  # adblock ``$important``: beats list exceptions

    @classmethod
    def of(cls, info: TrackerInfo, *, important: bool = False) -> Attribution:
        """Return the attribution part of ``info``."""
        return cls(
            info.company,
            info.category,
            info.source,
            info.vendors,
            info.devices,
            info.confidence,
            info.citation,
            important,
        )


class Listed(NamedTuple):
    """A list entry that was not loaded because it names a device function.

    A bundled or default list names it as a tracker, but under a device maker's
    service domain its labels name a function (:func:`.withheld.function_words`):
    blocking it could break the store, updates or sign-in. The matcher shows it as
    *suspected* with this evidence, never as a known tracker, and never enforces it.
    ``kind`` is ``"suffix"`` (the entry covers subdomains) or ``"exact"``.
    """

    kind: str
    attr: Attribution
    functions: tuple[str, ...]


class CompiledRules:
    """The immutable rule tables a :class:`TrackerMatcher` works on.

    ``suffix`` maps a top-level label to ``{rest of the rule: attribution}``;
    ``exact`` maps whole names to attributions; ``allows`` holds every allow rule;
    ``listed`` maps list entries held back as device functions to :class:`Listed`.
    """

    __slots__ = (
        "allows",
        "exact",
        "excluded_rules",
        "listed",
        "notes",
        "reports",
        "rule_count",
        "skipped_lines",
        "source_hash",
        "suffix",
    )

    def __init__(
        self,
        suffix: dict[str, dict[str, Attribution]],
        exact: dict[str, Attribution],
        allows: Iterable[AllowInfo] = (),
        *,
        skipped_lines: int = 0,
        excluded_rules: int = 0,
        reports: Iterable[ParseReport] = (),
        notes: Iterable[str] = (),
        source_hash: str = "",
        listed: dict[str, Listed] | None = None,
    ) -> None:
        self.suffix = suffix
        self.exact = exact
        self.allows: tuple[AllowInfo, ...] = tuple(allows)
        self.rule_count: int = sum(map(len, suffix.values())) + len(exact)
        self.skipped_lines = skipped_lines
        self.excluded_rules = excluded_rules
        self.reports: tuple[ParseReport, ...] = tuple(reports)
        self.notes: tuple[str, ...] = tuple(notes)
        self.source_hash = source_hash
        self.listed: dict[str, Listed] = listed if listed is not None else {}


def split_rule(domain: str) -> tuple[str, str]:
    """Split a rule domain into (top-level label, rest)."""
    dot = domain.rfind(".")
    return domain[dot + 1 :], domain[:dot]


def tracker_info(rule: str, attr: Attribution, kind: str) -> TrackerInfo:
    """Return the :class:`TrackerInfo` of ``rule`` with attribution ``attr``."""
    return TrackerInfo(
        rule,
        attr.company,
        attr.category,
        attr.source,
        kind,
        attr.vendors,
        attr.devices,
        attr.confidence,
        attr.citation,
    )
