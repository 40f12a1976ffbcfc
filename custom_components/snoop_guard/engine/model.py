"""Value types of the tracker knowledge base: rules, allow rules and verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CATEGORIES", "CONFIDENCES", "AllowInfo", "TrackerInfo", "Verdict"]

CATEGORIES: frozenset[str] = frozenset(
    {
        *("ads", "analytics", "acr", "telemetry", "network-scanning", "geolocation"),
        "tracking",  # unspecified ads/tracking, from a subscribed list without categories
    }
)
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")


@dataclass(frozen=True, slots=True)
class TrackerInfo:
    """What is known about a tracker rule.

    ``rule`` is the rule's domain, ``kind`` ``"suffix"`` (the domain and its
    subdomains) or ``"exact"`` (that name only). ``source`` is ``"curated"``,
    ``"perflyst:<list>"`` or ``"list:<subscription>"``. ``vendors`` and
    ``devices`` say which makers and device kinds (``"tv"``, ``"streamer"``,
    ``"speaker"``) the rule concerns (empty: any). ``confidence`` is
    ``"high"`` (curated with a public source), ``"medium"`` (maintained TV list)
    or ``"low"`` (a general subscription).
    """

    rule: str
    company: str
    category: str
    source: str
    kind: str = "suffix"
    vendors: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    confidence: str = "medium"
    citation: str = ""


@dataclass(frozen=True, slots=True)
class AllowInfo:
    """An allow rule: a name that must keep working, whatever tracker rules say.

    ``source`` is ``"functional"`` for the bundled functional allow-list and
    ``"list:<subscription>"`` for an ``@@`` exception of a subscribed list.
    A list exception does not beat a tracker rule marked ``$important`` unless
    it is ``$important`` itself; functional rules always win (until the user
    overrides them).
    """

    id: str
    rule: str
    kind: str
    reason: str
    citation: str
    source: str
    vendors: tuple[str, ...] = ()
    important: bool = False

    @property
    def beats_important(self) -> bool:
        """Whether this rule also wins over ``$important`` tracker rules."""
        return self.source == "functional" or self.important


@dataclass(frozen=True, slots=True)
class Verdict:
    """The full decision for one name, for ``classify``/``explain`` (not the hot path).

    ``info`` is the most specific tracker rule that matched, also when an allow
    rule won (then ``tracker`` is False and ``allowed_by`` names the winner).
    ``block_matches`` and ``allow_matches`` list every matching rule, most
    specific first; ``overridden`` the allow rules that matched but that the
    user chose not to honour. ``error`` says why an invalid name was refused.
    ``suspected`` (with ``suspected_category`` and ``evidence``) marks a name no
    rule knows that looks like telemetry by its structure, or that a list names
    but that was held back as a device function; ``tracker`` stays False.
    """

    domain: str
    normalized: str | None
    tracker: bool
    info: TrackerInfo | None = None
    allowed_by: AllowInfo | None = None
    block_matches: tuple[TrackerInfo, ...] = ()
    allow_matches: tuple[AllowInfo, ...] = ()
    overridden: tuple[AllowInfo, ...] = ()
    error: str | None = None
    # Suspected tracker (:mod:`.suspect`): no rule matched, no allow rule covers
    # the name, but its structure looks like telemetry or a list's entry held back as a
    # device function names it (:class:`.ruletables.Listed`). Never enforced.
    suspected: bool = False
    suspected_category: str | None = None
    evidence: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the stable one-line JSON object of the ``classify`` CLI."""
        info = self.info
        out: dict[str, Any] = {
            "domain": self.domain,
            "tracker": self.tracker,
            "company": info.company if info else None,
            "category": info.category if info else None,
            "rule": info.rule if info else None,
            "source": info.source if info else None,
            "allowed_by": self.allowed_by.id if self.allowed_by else None,
        }
        if self.normalized is not None and self.normalized != self.domain:
            out["normalized"] = self.normalized
        if self.allowed_by is not None:
            out["allow_reason"] = self.allowed_by.reason
        if self.overridden:
            out["overridden"] = [allow.id for allow in self.overridden]
        if self.error is not None:
            out["error"] = self.error
        if self.suspected:
            out["suspected"] = True
            out["suspected_category"] = self.suspected_category
            out["evidence"] = list(self.evidence)
        return out
