"""Parser for the bundled Pi-hole style lists (:data:`.bundled.BUNDLED`).

Perflyst's lists are grouped under comments such as ``# Samsung``; the section
names the company (unless :data:`~.owners.KNOWN_OWNERS` knows the registrable
domain better) and the vendor the rule concerns. Commented-out domains
(``#time.example.com # needed for ...``) are returned as ``exceptions``: the
list's authors found that blocking them breaks something.

The other bundled lists (hosts format or one domain a line) carry no sections:
the company is :data:`~.owners.KNOWN_OWNERS`'s, else the list's default. From
these lists, entries the functional allow-list marks as needed (the same name
or a parent of it) are not loaded, except a parent below an ad or measurement
company's registrable domain (see ``_needed``). From every list (default
subscriptions too), the names :func:`.withheld.held_back` names are not loaded;
the device-function names among them are returned as ``listed``, which the matcher
shows as suspected, never as known trackers.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import psl
from .bundled import BUNDLED, BUNDLED_BY_FILE, SDK_CATEGORIES, SDK_SCOPE, SDK_SITES
from .model import TrackerInfo
from .names import SAFE_DOMAIN_RE, normalize_domain, suffixes
from .owners import KNOWN_OWNERS
from .withheld import ALLOWED_NAMES, NEEDED, WITHHELD, held_back, shown_function_words

__all__ = ["BUNDLED_LISTS", "ParsedList", "guess_category", "owner_of", "parse_blocklist"]

BUNDLED_LISTS: tuple[str, ...] = tuple(entry.file for entry in BUNDLED)

_UNKNOWN_SMARTTV = "Unknown (Perflyst SmartTV list)"
_UNKNOWN_ANDROID = "Unknown (Perflyst android-tracking list)"

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

# Device makers a rule of a section-less list names as vendor (from its company).
_DEVICE_VENDORS = frozenset({"Samsung", "LG Electronics", "Roku", "Amazon", "Sonos", "Xiaomi"})
# Section companies that are not device vendors (apps, broadcasters, unknown).
_NOT_VENDORS = frozenset(
    {
        _UNKNOWN_SMARTTV,
        _UNKNOWN_ANDROID,
        "HbbTV broadcasters (Perflyst SmartTV list)",
        "Unknown (Perflyst AmazonFireTV list, third party)",
        *("Netflix", "Spotify", "Hulu", "Meta (Facebook)", "Google (Firebase Crashlytics)"),
        *("Snap", "Meta (WhatsApp)", "AppLovin", "Leanplum", "Google"),
    }
)

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
    withheld: tuple[str, ...] = ()  # entries not loaded (see WITHHELD)
    # Of those, the device-function names with the rule they would have been and the
    # function words: shown as suspected, never loaded (:class:`.ruletables.Listed`).
    listed: tuple[tuple[str, TrackerInfo, tuple[str, ...]], ...] = ()


def guess_category(domain: str, default: str) -> str:
    """Guess a rule's category from words in its labels, else ``default``."""
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


def owner_of(domain: str) -> str | None:
    """Return the company :data:`KNOWN_OWNERS` names for ``domain`` or a parent, if any."""
    for suffix in suffixes(domain):
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


def _needed(domain: str, registrable: str | None) -> bool:
    """Tell whether a section-less list's entry names or covers a name the TV needs.

    Under a device maker's or other company's domain a parent of an allow-listed
    name would also cover that company's other services, so it is not loaded.
    An ad or measurement company of the SDK scope without a web site on that
    domain has no other services: there a parent below the registrable domain
    is loaded (it classifies that company's hosts; the allow rule wins for its
    own name, and :meth:`.trackers.TrackerMatcher.domains` leaves the parent out
    while the allow rule holds) and only the allow-listed name itself and the
    registrable domain are left out, so overriding the allow rule enforces the
    parent, never the whole domain.
    """
    if registrable in SDK_SCOPE and registrable not in SDK_SITES:
        return domain in ALLOWED_NAMES or (domain == registrable and domain in NEEDED)
    return domain in NEEDED


def parse_blocklist(text: str, list_name: str) -> ParsedList:
    """Parse a Pi-hole style list (one domain a line, ``#`` comments).

    Section comments (e.g. ``# Samsung``) set the company of the rules below
    them; a registrable domain in :data:`KNOWN_OWNERS` overrides the section.
    Commented-out domains (``#time.example.com # needed for ...``) are returned
    as ``exceptions``. Lines that are not a single valid domain are skipped and
    counted.
    """
    entry = BUNDLED_BY_FILE.get(list_name)
    devices: tuple[str, ...] = ()
    if entry is None:
        default_company, default_category = f"Unknown (Perflyst {list_name})", "telemetry"
        source, citation = f"perflyst:{list_name}", f"Perflyst/PiHoleBlocklist {list_name}"
        sectionless = False
    else:
        default_company, default_category = entry.company, entry.category
        source, citation = entry.source, entry.citation
        sectionless, devices = not entry.sections, entry.devices
    sections = _SECTIONS.get(list_name, {})
    company, category = default_company, default_category
    rules: list[tuple[str, TrackerInfo]] = []
    withheld: list[str] = []
    listed: list[tuple[str, TrackerInfo, tuple[str, ...]]] = []
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
        registrable = psl.registrable_domain(domain)
        needed = sectionless and (_needed(domain, registrable) or domain in WITHHELD)
        if needed or held_back(domain, registrable):
            withheld.append(domain)
            functions = () if needed else shown_function_words(domain, registrable)
            if not functions:
                continue
        else:
            functions = ()
        owner = owner_of(domain)
        if sectionless:
            vendor = owner if owner in _DEVICE_VENDORS else company
            vendors = (vendor,) if vendor in _DEVICE_VENDORS else ()
        else:
            vendors = () if company in _NOT_VENDORS else (company,)
        info = TrackerInfo(
            rule=domain,
            company=owner or company,
            category=guess_category(domain, SDK_CATEGORIES.get(registrable or "", category)),
            source=source,
            vendors=vendors,
            devices=devices,
            confidence="medium",
            citation=citation,
        )
        if functions:
            listed.append((domain, info, functions))
        else:
            rules.append((domain, info))
    return ParsedList(
        rules=tuple(rules),
        exceptions=frozenset(exceptions),
        skipped_lines=skipped,
        withheld=tuple(withheld),
        listed=tuple(listed),
    )
