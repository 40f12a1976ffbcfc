"""Suspected trackers: names no list knows but whose structure looks like telemetry.

A TV that looks up ``giga.logs.roku.com`` or ``device-metrics-eu.example-tv.com``
is very likely reporting something, even when no list names that host yet. This
module recognises such names *by structure only*:

* a label token of the host part (the labels left of the registrable domain,
  split on ``-``, ``_`` and digits) is a telemetry word: ``metrics``,
  ``analytics``, ``telemetry``, ``log``/``logs``, ``events``, ``ads``,
  ``adserver``, ``acr``, ``beacon``, ``tracking``, ``stats``, ``feedback``,
  ``report``, ``traces``, ``sentry``, ``bigdata``…;
* a host label, or one of its tokens, has a known vendor telemetry shape
  (``smetrics``, ``errordump``, ``diagmon``, a telemetry word inside the label
  such as ``b2banalytics``, ``mistat``/``gstat``, ``*log`` other than English
  words such as ``blog``/``catalog``, ``logupload``, ``*report``, ``fls-eu``…);
* under a device maker's or TV ad/ACR company's domain, a whole host label is a
  monitoring or business-intelligence abbreviation (``mon``, ``bi``), never a
  token of a longer label (``mon-compte``);
* the registrable domain's own label contains a long, unambiguous telemetry
  word (``…analytics.com``, ``…telemetry.net``, ``…adserver.com``);
* the host is under the registrable domain of an ad, measurement or analytics
  company (:data:`.bundled.SDK_SCOPE`, and the TV ad / ACR companies' domains)
  and is not the company's web site (the domain itself, ``www``, ``docs`` ...):
  ``sync.springserve.com`` or ``tms.truoptik.com``, hosts the lists name
  nowhere while they name the company's others.

The matcher adds one more kind of evidence that is not structural: a bundled or
default list's entry held back because it names a device function
(:class:`.ruletables.Listed`, :meth:`.trackers.TrackerMatcher.suspect`).

A suspicion is a separate verdict with its evidence: it is counted apart from
known trackers and never enforced (``TrackerMatcher.domains()`` holds rule
domains only). Names an allow rule covers are never suspected; that check is the
matcher's (:meth:`.trackers.TrackerMatcher.suspect`), this module only reads the
name. Pure functions, no I/O beyond the bundled Public Suffix List.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import psl
from .bundled import SDK_CATEGORIES, SDK_SCOPE, TV_SCOPE, VENDOR_SERVICE_DOMAINS
from .owners import KNOWN_OWNERS

__all__ = ["MAX_EVIDENCE", "STRONG_TOKENS", "Suspicion", "suspect_name"]

# Whole tokens of a host label that say "this name collects something".
# Token -> category guess (the model's categories).
STRONG_TOKENS: dict[str, str] = {
    **dict.fromkeys(("metric", "metrics", "telemetry", "diag", "diagmon", "crash"), "telemetry"),
    **dict.fromkeys(("log", "logs", "logging", "logger", "ingest", "ingestion"), "telemetry"),
    **dict.fromkeys(("errorlog", "errorlogs", "crashlog", "crashlogs", "crashreport"), "telemetry"),
    **dict.fromkeys(("analytics", "stats", "stat", "statistics", "measurement"), "analytics"),
    **dict.fromkeys(("event", "events", "beacon", "beacons", "pixel", "collect"), "analytics"),
    **dict.fromkeys(("collector", "insight", "insights", "usage", "rum"), "analytics"),
    **dict.fromkeys(("tracking", "tracker", "track", "trk"), "analytics"),
    **dict.fromkeys(("ad", "ads", "adserver", "adservice", "adservices", "adsystem"), "ads"),
    **dict.fromkeys(("adlog", "adlogs", "adx", "adtech", "advertising", "rtb", "vast"), "ads"),
    **dict.fromkeys(("impression", "impressions", "adsdk", "admob", "ssp", "dsp"), "ads"),
    **dict.fromkeys(("acr", "fingerprint"), "acr"),
    # Issue 14: error/feedback reporting and tracing endpoints, self-hosted SDK names.
    **dict.fromkeys(("feedback", "feedbacks", "bugreport", "bugreports", "crashes"), "telemetry"),
    **dict.fromkeys(("report", "reports", "reporting", "trace", "traces", "tracing"), "telemetry"),
    **dict.fromkeys(("sentry", "bugsnag", "crashlytics", "bigdata"), "telemetry"),
    **dict.fromkeys(("matomo", "piwik"), "analytics"),
    # Performance monitoring, measurement, experiments.
    **dict.fromkeys(("monitor", "monitoring", "apm", "perfmon"), "telemetry"),
    **dict.fromkeys(("measurements", "abtest", "abtesting"), "analytics"),
    **dict.fromkeys(("analyze", "analysis", "pingback", "pingbacks"), "analytics"),
    **dict.fromkeys(("diagnostic", "diagnostics", "bugly"), "telemetry"),
    "adv": "ads",
    # Vendor telemetry codenames (Amazon device metrics: unagi.amazon.<cc>).
    "unagi": "telemetry",
}
# Long words that are unambiguous even inside a registrable domain's label.
_DOMAIN_WORDS: dict[str, str] = {
    "analytics": "analytics",
    "telemetry": "telemetry",
    "adserver": "ads",
    "adservice": "ads",
    "adsystem": "ads",
    "advertising": "ads",
    "tracking": "analytics",
    "tvads": "ads",
    "adhub": "ads",
    "smartad": "ads",
    "metrics": "telemetry",
}
# Words that contain a _DOMAIN_WORDS entry but mean something else.
_DOMAIN_WORD_EXCEPTIONS = ("biometrics", "psychometrics", "econometrics", "trackingnumber")
# Vendor telemetry host shapes seen in TV traffic (a host label, whole-label match).
_LABEL_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"[sn]metrics\d*"), "telemetry", "Adobe-style metrics host"),
    (
        re.compile(r"[a-z]*(?:errordump|crashdump|devicelog|errorlog)[a-z0-9]*"),
        "telemetry",
        "error/device log host",
    ),
    (re.compile(r"[a-z]*diagmon[a-z0-9]*"), "telemetry", "diagnostics monitor host"),
    (
        re.compile(
            r"[a-z0-9]*(?:analytics|telemetry|adserver|adlog|feedback|bugreport|crashreport"
            r"|bugsnag|bigdata|metrics|datacollect)[a-z0-9]*"
        ),
        "telemetry",
        "telemetry word inside host label",
    ),
    # mistat, gstat: a one-to-three letter vendor prefix on "stat(s)".
    (re.compile(r"[a-z]{1,3}stats?"), "analytics", "prefixed stat host"),
    # miuilog, applog, syslog; English words ending in "log" are excepted below.
    (re.compile(r"[a-z0-9]+logs?"), "telemetry", "log host"),
    (
        re.compile(
            r"log(?:upload|update|service|server|collect|collector|report|sink|push)[a-z0-9]*"
        ),
        "telemetry",
        "log compound host",
    ),
    (re.compile(r"[a-z0-9]+reports?"), "telemetry", "report host"),
    # Amazon first-party logging service: fls-na, fls-eu, fls-fe, fls-cn (+ suffix).
    (re.compile(r"fls-(?:na|eu|fe|cn)(?:-[a-z]{1,8})?"), "telemetry", "vendor logging host"),
)
# Abbreviations that count only as a whole host label, never as a token of one,
# and only under a device maker's or TV ad/ACR company's domain (elsewhere they are
# language codes, bi.wikipedia.org, or ordinary words): "mon" (monitoring, as in
# mon.be.xiaomi.com) and "bi" (business-intelligence collection).
_WHOLE_LABEL_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"mon\d*"), "telemetry", "monitoring host"),
    (re.compile(r"bi\d*"), "analytics", "business-intelligence host"),
)
# Labels the shapes above would match that are ordinary words.
_SHAPE_EXCEPTIONS = frozenset(
    (
        *("blog", "blogs", "vlog", "vlogs", "weblog", "clog", "flog", "slog", "catalog"),
        *("catalogs", "dialog", "dialogs", "analog", "backlog", "changelog", "changelogs"),
        *("prolog", "epilog", "monolog", "travelog", "homolog", "ortholog", "eclog"),
    )
)
_SHAPE_EXCEPTION_SUFFIXES = (
    *("blog", "blogs", "catalog", "catalogs", "dialog", "dialogs"),
    *("biometrics", "psychometrics", "econometrics"),
)
_DEVICE_MAKER_DOMAINS = TV_SCOPE | VENDOR_SERVICE_DOMAINS
# Registrable domains of companies that exist to serve ads, measure audiences or
# collect app analytics: a host under one of them is collection or ad serving,
# unless it is the company's own web site. TV makers' domains are not here: their
# store, update and sign-in hosts share them.
_AD_COMPANY_DOMAINS: frozenset[str] = SDK_SCOPE | frozenset(
    {
        *("samsungacr.com", "samsungads.com", "samsungadhub.com", "samsungtvads.com"),
        *("adgrx.com", "lgsmartad.com", "lgads.tv", "ravm.tv", "amazon-adsystem.com"),
        *("assoc-amazon.com", "alphonso.tv", "samba.tv", "tvinteractive.tv", "kuyun.com"),
        *("smartclip.net", "smartclip.com"),
    }
)
# The TV companies among them that recognise what is on screen (ACR).
_ACR_COMPANY_DOMAINS = frozenset(("samsungacr.com", "alphonso.tv", "samba.tv", "tvinteractive.tv"))
# First host labels of a company's web site, documentation, sign-in and dashboard.
_SITE_LABELS = frozenset(
    {
        *("www", "www2", "docs", "doc", "developer", "developers", "dev", "support", "help"),
        *("blog", "blogs", "careers", "jobs", "status", "investors", "investor", "press"),
        *("news", "login", "signin", "sso", "auth", "account", "accounts", "dashboard"),
        *("console", "app", "portal", "community", "forum", "academy", "learn", "kb", "go"),
        *("info", "marketing", "mail", "email", "shop", "store", "partners", "ui"),
        *("one", "pulse", "download", "downloads", "get", "signup", "register", "web"),
    }
)
_TOKEN_SPLIT = re.compile(r"[-_0-9]+")
MAX_EVIDENCE = 4


@dataclass(frozen=True, slots=True)
class Suspicion:
    """Why a name looks like a tracker: a category guess and the evidence, in words."""

    name: str
    category: str
    evidence: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """Return the JSON-ready form (for the CLI, diagnostics and attributes)."""
        return {"category": self.category, "evidence": list(self.evidence)}


def _host_labels(name: str) -> tuple[list[str], str | None]:
    """Split ``name`` into its host labels and its registrable domain.

    On shared hosting (a suffix of the Public Suffix List's private section, such
    as ``s3.amazonaws.com`` or ``herokuapp.com``) the label left of the suffix is a
    customer's chosen name, like a host label: it is returned among the host
    labels, and the hosting company's domain is the registrable domain.
    """
    registrable = psl.registrable_domain(name)
    if registrable is None:
        return name.split("."), None
    icann = psl.bundled().registrable_domain(name, private=False)
    if icann is not None and icann != registrable:
        registrable = icann
    head = name[: -len(registrable)].rstrip(".")
    return (head.split(".") if head else []), registrable


def _shape(label: str) -> tuple[str, str] | None:
    """Return ``(category, what)`` when ``label`` has a vendor telemetry shape."""
    if label in _SHAPE_EXCEPTIONS or label.endswith(_SHAPE_EXCEPTION_SUFFIXES):
        return None
    for pattern, category, what in _LABEL_PATTERNS:
        if pattern.fullmatch(label):
            return category, what
    return None


def _label_evidence(label: str, device_maker: bool) -> tuple[str, str] | None:
    """Return ``(category, evidence)`` for one host label, or None.

    A telemetry token wins; otherwise the whole label, then each of its tokens
    (``in-miuilog``: ``miuilog``), is checked against the shapes. The whole-label
    abbreviations count only when ``device_maker`` (the name is under a device
    maker's or TV ad/ACR company's domain).
    """
    tokens = [token for token in _TOKEN_SPLIT.split(label) if token]
    for token in tokens:
        category = STRONG_TOKENS.get(token)
        if category is not None:
            where = "" if token == label else f" in {label!r}"
            return category, f"label token {token!r}{where}"
    found = _shape(label)
    if found is not None:
        return found[0], f"{found[1]} {label!r}"
    for pattern, category, what in _WHOLE_LABEL_PATTERNS if device_maker else ():
        if pattern.fullmatch(label):
            return category, f"{what} {label!r} under a device maker's domain"
    for token in tokens:
        if token != label and (found := _shape(token)) is not None:
            return found[0], f"{found[1]} {token!r} in {label!r}"
    return None


def suspect_name(name: str) -> Suspicion | None:
    """Return a :class:`Suspicion` when the normalised ``name`` looks like telemetry.

    ``name`` must be a normalised DNS name (:func:`.names.normalize_domain`);
    allow rules are not consulted here.
    """
    labels, registrable = _host_labels(name)
    own = registrable.split(".", 1)[0] if registrable is not None else None
    device_maker = registrable in _DEVICE_MAKER_DOMAINS
    evidence: list[str] = []
    categories: list[str] = []
    for label in labels:
        found = _label_evidence(label, device_maker)
        if found is not None:
            categories.append(found[0])
            evidence.append(found[1])
    if own is not None and not any(exc in own for exc in _DOMAIN_WORD_EXCEPTIONS):
        for word, category in _DOMAIN_WORDS.items():
            if word in own:
                evidence.append(f"domain label {own!r} contains {word!r}")
                categories.append(category)
                break
    if registrable in _AD_COMPANY_DOMAINS and labels and labels[0] not in _SITE_LABELS:
        company = KNOWN_OWNERS.get(registrable, registrable)
        acr = registrable in _ACR_COMPANY_DOMAINS
        category = "acr" if acr else SDK_CATEGORIES.get(registrable, "ads")
        evidence.append(
            f"host under {registrable!r} of {company} ({category} company), "
            "not one of its known collection hosts"
        )
        categories.append(category)
    if not evidence:
        return None
    # The most specific (leftmost) evidence names the category.
    return Suspicion(name, categories[0], tuple(evidence[:MAX_EVIDENCE]))
