"""Parser for the bundled Pi-hole style lists (:data:`.bundled.BUNDLED`).

Perflyst's lists are grouped under comments such as ``# Samsung``; the section
names the company (unless :data:`~.owners.KNOWN_OWNERS` knows the registrable
domain better) and the vendor the rule concerns. Commented-out domains
(``#time.example.com # needed for ...``) are returned as ``exceptions``: the
list's authors found that blocking them breaks something.

The other bundled lists (hosts format or one domain a line) carry no sections:
the company is :data:`~.owners.KNOWN_OWNERS`'s, else the list's default. From
these lists, entries the functional allow-list marks as needed (the same name
or a parent of it) are not loaded. From every list (default subscriptions too,
see :func:`held_back`), the :data:`WITHHELD` names a TV needs and the device
makers' function names (:func:`vendor_function_name`) are not loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import psl
from .allowlist import FUNCTIONAL_ALLOW
from .bundled import BUNDLED, BUNDLED_BY_FILE, SDK_CATEGORIES, VENDOR_SERVICE_DOMAINS
from .model import TrackerInfo
from .names import SAFE_DOMAIN_RE, normalize_domain, suffixes
from .owners import KNOWN_OWNERS
from .suspect import STRONG_TOKENS

__all__ = [
    "BUNDLED_LISTS",
    "FUNCTION_WORDS",
    "NEEDED",
    "WITHHELD",
    "ParsedList",
    "guess_category",
    "held_back",
    "owner_of",
    "parse_blocklist",
    "vendor_function_name",
]

BUNDLED_LISTS: tuple[str, ...] = tuple(entry.file for entry in BUNDLED)

_SAMSUNG_HUB = "Samsung Smart Hub service endpoint (the allow-list keeps osb-ussvc.samsungqbe.com)"
_SHARED = "shared hosting name: the company behind it is unknown, so no attribution"
_LG_STORE = "LG content store / SDP service (the allow-list keeps us.lgtvsdp.com)"
# Entries that are not loaded: name -> why. The shared-hosting ones only from the
# section-less lists (Perflyst's sections name the owner); the others, names a TV
# needs, from every list. Names the functional allow-list covers (or whose subtree
# holds one) are withheld from the section-less lists as well.
WITHHELD: dict[str, str] = {
    "eu-auth2.samsungosp.com": "Samsung account sign-in (the allow-list keeps auth.samsungosp.com)",
    "gld.push.samsungosp.com": "Samsung push channel: blocking it stops app notifications",
    "ocfconnect-shard-eu02-euwest1.samsungiotcloud.com": "SmartThings cloud connection",
    "uimetadata.samsungiotcloud.com": "SmartThings UI metadata",
    "notice.samsungcloudsolution.com": "Smart Hub notices shown during setup",
    "noticecdn.samsungcloudsolution.com": "Smart Hub notices shown during setup",
    "noticefile.samsungcloudsolution.com": "Smart Hub notices shown during setup",
    "vdterms.samsungcloudsolution.com": "Smart Hub terms and privacy consent screens",
    "osb.samsungqbe.com": _SAMSUNG_HUB,
    "osb-v2.samsungqbe.com": _SAMSUNG_HUB,
    "osb-apps-v2.samsungqbe.com": _SAMSUNG_HUB,
    "scs.samsungqbe.com": _SAMSUNG_HUB,
    "img-resize-cdn-prod.samsungnyc.com": "image CDN of Samsung TV Plus tiles",
    "premium-videos.telly.com": "video content delivery",
    "smartshare.lgtvsdp.com": _LG_STORE,
    "us.rdx2.lgtvsdp.com": _LG_STORE,
    "us.ibs.lgappstv.com": "LG app store service",
    "bif.sr.roku.com": "Roku trick-play thumbnails (BIF) used while seeking",
    "ns11.whois.co.kr": "a DNS name server: blocking it breaks resolution of other names",
    "az43064.vo.msecnd.net": _SHARED,
    "coordinator-production-28516768.us-east-1.elb.amazonaws.com": _SHARED,
    "d179kwmlpc4o47.cloudfront.net": _SHARED,
    "d1oxlq5h9kq8q5.cloudfront.net": _SHARED,
    "d2tnx644ijgq6i.cloudfront.net": _SHARED,
    "d3mjsomixevyw7.cloudfront.net": _SHARED,
    "syncplusconfig.s3.amazonaws.com": _SHARED,
}
_FIRE_TV_TIME = "Fire TV time (NTP) service host: without time, TLS and apps fail"
WITHHELD.update(
    {
        "ftv-smtv.ntp-fireos.com": _FIRE_TV_TIME,
        "tcllauncher.com": "TCL TV launcher service (the whole domain): the home screen needs it",
        "leiniao.com": "TCL Thunderbird (Leiniao) TV platform (the whole domain, services too)",
        "us.att.rcs.telephony.goog": "Google RCS messaging (Jibe) for a carrier: not a tracker",
        "andr-25-aftkmst12-641002610.api.amazonvideo.com": "Prime Video API of a Fire TV model",
        "wwwimg.roku.com": "Roku web and channel-store images",
        "tvpnlogopus.samsungcloud.tv": "Samsung TV Plus channel logos",
        "invitation.samsungiotcloud.com": "SmartThings invitations",
        "internetcheck.fing.com": "an Internet connectivity check",
        "i.xiaomi.com": "Xiaomi account centre (the whole subtree)",
        "d.xiaomi.com": "Xiaomi downloads (the whole subtree)",
        "sys.intl.xiaomi.com": "Xiaomi system services, international (the whole subtree)",
    }
)
# Host-label words that name a device function (store, media, update, sign-in,
# payment, input). Under VENDOR_SERVICE_DOMAINS, a third-party list's entry with
# one of them and no telemetry word is withheld: e.g. t1.a.market.xiaomi.com
# (app store images), image.pandora.xiaomi.com (home screen), cdn.fds.api.xiaomi.com
# (downloads), url8807.global.passport.xiaomi.com (sign-in).
FUNCTION_WORDS = frozenset(
    {
        *("market", "appstore", "store", "shop", "mishop", "apps", "app", "package", "packages"),
        *("cdn", "static", "img", "image", "images", "pic", "gallery", "wallpaper", "theme"),
        *("video", "mvideo", "music", "media", "live", "epg", "guide", "weather", "launcher"),
        *("update", "updates", "upgrade", "ota", "fota", "firmware", "dl", "download", "files"),
        *("fds", "passport", "account", "accounts", "auth", "login", "id", "sso", "identity"),
        *("pay", "payment", "mibi", "wallet", "ime", "input", "time", "ntp", "box"),
        # push channels, casting, tuner, voice, remote apps, channel store
        *("push", "xmpush", "resolver", "milink", "cast", "dvb", "tuner", "assistant", "avs"),
        *("voice", "mobile", "remote", "channel", "channels", "userid", "xiazai"),
    }
)
_TELEMETRY_HINTS_IN = (
    *("track", "analytic", "telemetr", "mistat", "acr", "beacon", "collect", "insight"),
    *("metric", "report", "crash", "diag", "monitor", "measure", "bigdata"),
)
_WORD_SPLIT = re.compile(r"[-_.0-9]+")


def vendor_function_name(domain: str) -> bool:
    """Return True for a device maker's service name that names a function, not telemetry.

    Such an entry of a third-party list is withheld (:data:`FUNCTION_WORDS`).
    """
    registrable = psl.registrable_domain(domain)
    if registrable not in VENDOR_SERVICE_DOMAINS or registrable == domain:
        return False
    words = {word for word in _WORD_SPLIT.split(domain[: -len(registrable)]) if word}
    if any(word in STRONG_TOKENS for word in words) or any(
        hint in word for word in words for hint in _TELEMETRY_HINTS_IN
    ):
        return False
    return bool(words & FUNCTION_WORDS)


def held_back(domain: str) -> bool:
    """Return True for a name no list loads: a WITHHELD name a TV needs or a function name."""
    reason = WITHHELD.get(domain)
    return (reason is not None and reason != _SHARED) or vendor_function_name(domain)


# Names the functional allow-list keeps, with every parent (a rule on a parent covers them).
NEEDED = frozenset(parent for row in FUNCTIONAL_ALLOW for parent in suffixes(row.domain))

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
        if held_back(domain) or (sectionless and (domain in NEEDED or domain in WITHHELD)):
            withheld.append(domain)
            continue
        owner = owner_of(domain)
        if sectionless:
            vendor = owner if owner in _DEVICE_VENDORS else company
            vendors = (vendor,) if vendor in _DEVICE_VENDORS else ()
        else:
            vendors = () if company in _NOT_VENDORS else (company,)
        info = TrackerInfo(
            rule=domain,
            company=owner or company,
            category=guess_category(
                domain, SDK_CATEGORIES.get(psl.registrable_domain(domain) or "", category)
            ),
            source=source,
            vendors=vendors,
            devices=devices,
            confidence="medium",
            citation=citation,
        )
        rules.append((domain, info))
    return ParsedList(
        rules=tuple(rules),
        exceptions=frozenset(exceptions),
        skipped_lines=skipped,
        withheld=tuple(withheld),
    )
