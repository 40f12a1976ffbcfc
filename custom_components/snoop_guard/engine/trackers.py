"""Tracker knowledge and the domain matcher.

Rules are domain suffixes matched on label boundaries, the way dnsmasq's
``address=/domain/`` and ``nftset=/domain/`` directives match: the rule
``gz-data.com`` covers ``gz-data.com`` and ``api.gz-data.com`` but not
``xgz-data.com``. The matcher keeps one dict keyed by rule domain and does one
lookup per label of the queried name, longest suffix first, so the most specific
rule wins.

The bundled knowledge is the curated table (:mod:`.curated`) plus the Perflyst
lists in ``data/``. Perflyst lists are Pi-hole lists, where a line blocks only
that exact name; here a rule covers its subdomains too, so a Perflyst rule is
dropped when the lists themselves mark a name under it as needed (commented out
with a reason), e.g. ``samsungcloudsolution.com`` which would otherwise cover
``time.samsungcloudsolution.com``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .curated import CURATED, KNOWN_OWNERS

__all__ = [
    "BUNDLED_LISTS",
    "CATEGORIES",
    "SAFE_DOMAIN_RE",
    "ParsedList",
    "TrackerInfo",
    "TrackerMatcher",
    "is_safe_rule_domain",
    "normalize_domain",
    "parse_blocklist",
]

CATEGORIES: frozenset[str] = frozenset(
    {"ads", "analytics", "acr", "telemetry", "network-scanning", "geolocation"}
)
SAFE_DOMAIN_RE = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)+\Z")
BUNDLED_LISTS: tuple[str, ...] = ("SmartTV.txt", "AmazonFireTV.txt", "android-tracking.txt")

_MAX_NAME = 253
_MAX_LABEL = 63
_MAX_INPUT = 1024
_ALLOWED = "abcdefghijklmnopqrstuvwxyz0123456789-_."
_DELETE_ALLOWED = str.maketrans("", "", _ALLOWED)
_DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True, slots=True)
class TrackerInfo:
    """What is known about a tracker rule."""

    rule: str
    company: str
    category: str
    source: str


def normalize_domain(name: str) -> str | None:
    """Normalise a DNS name for matching; None when it is not a valid name.

    Lower-cases, strips one trailing dot, converts internationalised names to
    punycode (stdlib ``idna`` codec) and validates: no empty label, labels of at
    most 63 and names of at most 253 characters, only ``[a-z0-9-_.]``.
    """
    if not isinstance(name, str) or not name or len(name) > _MAX_INPUT:
        return None
    text = name.lower()
    if text.endswith("."):
        text = text[:-1]
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii").lower()
        except ValueError:  # UnicodeError is a ValueError
            return None
    if not text or len(text) > _MAX_NAME or text.translate(_DELETE_ALLOWED):
        return None
    if text[0] == "." or text[-1] == "." or ".." in text:
        return None
    if len(text) > _MAX_LABEL and any(len(label) > _MAX_LABEL for label in text.split(".")):
        return None
    return text


def is_safe_rule_domain(domain: str) -> bool:
    """Return True when ``domain`` is normalised and safe to write into a dnsmasq line."""
    return (
        isinstance(domain, str)
        and normalize_domain(domain) == domain
        and SAFE_DOMAIN_RE.fullmatch(domain) is not None
    )


def _suffixes(domain: str) -> Iterable[str]:
    """Yield ``domain`` and each of its parent names, longest first."""
    yield domain
    index = domain.find(".")
    while index != -1:
        yield domain[index + 1 :]
        index = domain.find(".", index + 1)


class TrackerMatcher:
    """Suffix matcher from domain rules to :class:`TrackerInfo`."""

    __slots__ = ("_rules", "excluded_rules", "rule_count", "skipped_lines")

    def __init__(
        self,
        rules: Mapping[str, TrackerInfo],
        *,
        skipped_lines: int = 0,
        excluded_rules: int = 0,
    ) -> None:
        self._rules: dict[str, TrackerInfo] = dict(rules)
        self.rule_count: int = len(self._rules)
        self.skipped_lines: int = skipped_lines
        self.excluded_rules: int = excluded_rules

    @classmethod
    def from_rules(cls, rules: Iterable[tuple[str, TrackerInfo]]) -> TrackerMatcher:
        """Build a matcher from ``(domain, info)`` pairs; the first rule for a domain wins.

        Domains are normalised; ones that are not safe rule domains are skipped and
        counted in ``skipped_lines``. ``info.rule`` is set to the normalised domain.
        """
        table: dict[str, TrackerInfo] = {}
        skipped = 0
        for item in rules:
            domain, info = _unpack_rule(item)
            key = normalize_domain(domain) if domain is not None else None
            if info is None or key is None or not SAFE_DOMAIN_RE.fullmatch(key):
                skipped += 1
                continue
            if key not in table:
                table[key] = info if info.rule == key else dataclasses.replace(info, rule=key)
        return cls(table, skipped_lines=skipped)

    @classmethod
    def from_bundled(cls) -> TrackerMatcher:
        """Build the matcher from the curated table and the bundled Perflyst lists.

        Reads files from ``engine/data`` (blocking I/O: run it in an executor).
        Curated attribution wins; Perflyst rules already covered by a curated rule
        are redundant and left out; Perflyst rules that would cover a name the lists
        mark as needed are excluded and counted in ``excluded_rules``.
        """
        curated = cls.from_rules(
            (row.domain, TrackerInfo(row.domain, row.company, row.category, "curated"))
            for row in CURATED
        )
        table = dict(curated._rules)
        skipped = curated.skipped_lines
        parsed: list[ParsedList] = []
        for list_name in BUNDLED_LISTS:
            try:
                text = (_DATA_DIR / list_name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            parsed.append(parse_blocklist(text, list_name))
        protected: set[str] = set()
        for result in parsed:
            for exception in result.exceptions:
                protected.update(_suffixes(exception))
        excluded = 0
        for result in parsed:
            skipped += result.skipped_lines
            for domain, info in result.rules:
                if domain in table or curated.match(domain) is not None:
                    continue
                if domain in protected:
                    excluded += 1
                    continue
                table[domain] = info
        return cls(table, skipped_lines=skipped, excluded_rules=excluded)

    def match(self, name: str) -> TrackerInfo | None:
        """Return the most specific rule covering ``name``, or None. Never raises."""
        normalized = normalize_domain(name)
        if normalized is None:
            return None
        rules = self._rules
        info = rules.get(normalized)
        if info is not None:
            return info
        index = normalized.find(".")
        while index != -1:  # one dict lookup per parent name, longest first
            info = rules.get(normalized[index + 1 :])
            if info is not None:
                return info
            index = normalized.find(".", index + 1)
        return None

    def domains(self) -> list[str]:
        """Return all rule domains, sorted; each matches :data:`SAFE_DOMAIN_RE`."""
        return sorted(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.match(name) is not None


def _unpack_rule(item: object) -> tuple[str | None, TrackerInfo | None]:
    if not isinstance(item, tuple) or len(item) != 2:
        return None, None
    domain, info = item
    if not isinstance(domain, str) or not isinstance(info, TrackerInfo):
        return None, None
    return domain, info


# ---------------------------------------------------------------------------
# Perflyst (Pi-hole style) lists
# ---------------------------------------------------------------------------

_UNKNOWN_SMARTTV = "Unknown (Perflyst SmartTV list)"
_UNKNOWN_ANDROID = "Unknown (Perflyst android-tracking list)"

# list name -> (default company, default category)
_LIST_DEFAULTS: dict[str, tuple[str, str]] = {
    "SmartTV.txt": (_UNKNOWN_SMARTTV, "telemetry"),
    "AmazonFireTV.txt": ("Amazon", "telemetry"),
    "android-tracking.txt": (_UNKNOWN_ANDROID, "analytics"),
}

# list name -> {lower-cased section comment: (company, default category)}
_SECTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "SmartTV.txt": {
        "panasonic viera & panny tv": ("Panasonic", "telemetry"),
        "sony bravia": ("Sony", "telemetry"),
        "lg": ("LG Electronics", "telemetry"),
        "philips": ("Philips", "telemetry"),
        "samsung": ("Samsung", "telemetry"),
        "roku": ("Roku", "telemetry"),
        "vizio": ("Vizio", "telemetry"),
        "hbbtv": ("HbbTV broadcasters (Perflyst SmartTV list)", "analytics"),
        "other useless connections from smart-tv": (_UNKNOWN_SMARTTV, "telemetry"),
        "netflix": ("Netflix", "telemetry"),
        "spotify": ("Spotify", "telemetry"),
        "hulu": ("Hulu", "telemetry"),
        "sharp smart tv using opera os (thanks to sml156)": ("Sharp", "telemetry"),
        "hisense smart tv": ("Hisense", "telemetry"),
        "silicondust hdhomerun": ("SiliconDust", "telemetry"),
        "foxtel australia cable/satellite set-top box": ("Foxtel", "telemetry"),
        "yamaha av receivers": ("Yamaha", "telemetry"),
        "toshiba": ("Toshiba", "telemetry"),
        "xioami mi tv": ("Xiaomi", "telemetry"),
        "android tv (including nvidia shield tv)": ("Google (Android TV)", "telemetry"),
    },
    "AmazonFireTV.txt": {
        "third party": ("Unknown (Perflyst AmazonFireTV list, third party)", "analytics"),
    },
    "android-tracking.txt": {
        "facebook": ("Meta (Facebook)", "analytics"),
        "crashlytics": ("Google (Firebase Crashlytics)", "telemetry"),
        "uncatagorized": (_UNKNOWN_ANDROID, "analytics"),
        "google": ("Google", "ads"),
        "apple": ("Apple", "analytics"),
        "huawei": ("Huawei", "telemetry"),
        "snapchat ads and tracking": ("Snap", "ads"),
        "whatsapp": ("Meta (WhatsApp)", "telemetry"),
        "quizduell": ("AppLovin", "ads"),
        "leanplum": ("Leanplum", "analytics"),
    },
}

_HOSTS_SINKS = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1"})  # noqa: S104 - list syntax
_ADS_WORDS = frozenset({"ad", "ads", "adv", "adserver", "adservice", "advertising", "adsystem"})
_GEO_WORDS = frozenset({"geo", "geoip", "gps", "location", "geolocation"})
_TELEMETRY_WORDS = frozenset(
    {
        *("log", "logs", "logging", "metrics", "telemetry", "crash", "crashlogs", "events"),
        *("event", "collect", "usage", "beacon", "tracking", "track", "tracksrv", "diag"),
    }
)
_ANALYTICS_WORDS = frozenset({"analytics", "stats", "stat", "measurement", "mistat", "count"})


@dataclass(frozen=True, slots=True)
class ParsedList:
    """Result of parsing one Pi-hole style list."""

    rules: tuple[tuple[str, TrackerInfo], ...]
    exceptions: frozenset[str]
    skipped_lines: int


def _guess_category(domain: str, default: str) -> str:
    labels = domain.split(".")
    words = {word for label in labels for word in label.split("-")}
    if any(
        label.startswith("acr") or label.endswith("acr") or "-acr" in label or "acr-" in label
        for label in labels
    ):
        return "acr"
    if words & _ADS_WORDS or any(
        label.startswith(("ads", "adserv", "advert")) or label.endswith(("ads", "adhub", "smartad"))
        for label in labels
    ):
        return "ads"
    if words & _GEO_WORDS:
        return "geolocation"
    if words & _TELEMETRY_WORDS or any(
        label.startswith("log") or "metric" in label or "telemetr" in label or "crash" in label
        for label in labels
    ):
        return "telemetry"
    if words & _ANALYTICS_WORDS or any("analytics" in label for label in labels):
        return "analytics"
    return default


def _owner(domain: str) -> str | None:
    for suffix in _suffixes(domain):
        owner = KNOWN_OWNERS.get(suffix)
        if owner is not None:
            return owner
    return None


def _domain_token(text: str) -> str | None:
    """Return the normalised rule domain in an entry such as ``0.0.0.0 x.com``."""
    tokens = text.split()
    if len(tokens) == 2 and tokens[0] in _HOSTS_SINKS:
        tokens = tokens[1:]
    if len(tokens) != 1:
        return None
    token = tokens[0]
    if token.startswith("||") and token.endswith("^"):
        token = token[2:-1]
    domain = normalize_domain(token)
    if domain is None or not SAFE_DOMAIN_RE.fullmatch(domain):
        return None
    return domain


def parse_blocklist(text: str, list_name: str) -> ParsedList:
    """Parse a Pi-hole style list (one domain a line, ``#`` comments).

    Section comments (e.g. ``# Samsung``) set the company of the rules below
    them; a registrable domain in :data:`KNOWN_OWNERS` overrides the section.
    Commented-out domains (``#time.example.com # needed for ...``) are returned
    as ``exceptions``. Lines that are not a single valid domain are skipped and
    counted.
    """
    default_company, default_category = _LIST_DEFAULTS.get(
        list_name, (f"Unknown (Perflyst {list_name})", "telemetry")
    )
    sections = _SECTIONS.get(list_name, {})
    source = f"perflyst:{list_name}"
    company, category = default_company, default_category
    rules: list[tuple[str, TrackerInfo]] = []
    exceptions: set[str] = set()
    skipped = 0
    previous_blank = True
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            previous_blank = True
            continue
        if line.startswith("#"):
            comment = line.lstrip("#").strip()
            first = comment.split(maxsplit=1)[0] if comment else ""
            commented_domain = _domain_token(first) if "." in first else None
            if commented_domain is not None:
                exceptions.add(commented_domain)
            elif comment.lower() in sections:
                company, category = sections[comment.lower()]
            elif previous_blank and comment:
                company, category = default_company, default_category
            previous_blank = False
            continue
        previous_blank = False
        domain = _domain_token(line.split("#", 1)[0])
        if domain is None:
            skipped += 1
            continue
        info = TrackerInfo(
            rule=domain,
            company=_owner(domain) or company,
            category=_guess_category(domain, category),
            source=source,
        )
        rules.append((domain, info))
    return ParsedList(rules=tuple(rules), exceptions=frozenset(exceptions), skipped_lines=skipped)
