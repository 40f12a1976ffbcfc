"""Names no bundled or default list may block, and why: the withholding policy.

A TV needs some names that tracker lists carry anyway: its app store, updates,
sign-in, push channel, home screen and time. Three tables keep them unblocked:

* :data:`WITHHELD`: names with a reason each (the shared-hosting ones are held
  back only for want of an owner, from the lists without sections);
* :func:`vendor_function_name`: a device maker's service name whose host labels
  name a function (:data:`FUNCTION_WORDS`) and carry no telemetry word;
* :data:`NEEDED`: the functional allow-list's names with every parent.

:func:`held_back` is the test the parser (:mod:`.perflyst`) and the default
lists (:mod:`.compiled`) apply to every entry. Pure, no I/O beyond the bundled
Public Suffix List.
"""

from __future__ import annotations

import re

from . import psl
from .allowlist import FUNCTIONAL_ALLOW
from .bundled import VENDOR_SERVICE_DOMAINS
from .names import suffixes
from .suspect import STRONG_TOKENS

__all__ = [
    "ALLOWED_NAMES",
    "FUNCTION_WORDS",
    "HELD_NEEDED",
    "NEEDED",
    "WITHHELD",
    "function_words",
    "held_back",
    "shown_function_words",
    "vendor_function_name",
]

_SAMSUNG_HUB = "Samsung Smart Hub service endpoint (the allow-list keeps osb-ussvc.samsungqbe.com)"
_SHARED = "shared hosting name: the company behind it is unknown, so no attribution"
_LG_STORE = "LG content store / SDP service (the allow-list keeps us.lgtvsdp.com)"
_FIRE_TV_TIME = "Fire TV time (NTP) service host: without time, TLS and apps fail"
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
    "pl.youku.com": "Youku's HLS playlists (/playlist/m3u8): playback of the Youku app",
    "res.hunantv.com": "Mango TV media and images (mp4.res., image.res.): playback",
}
# The WITHHELD names a TV needs (not the shared-hosting ones): a name under one of them
# is never suspected because a list names one of its parents.
HELD_NEEDED = frozenset(name for name, reason in WITHHELD.items() if reason != _SHARED)
# Host-label words that name a device function (store, media, update, sign-in,
# payment, input). Under VENDOR_SERVICE_DOMAINS, an entry of any bundled or
# default list with one of them and no telemetry word is withheld: e.g. t1.a.market.xiaomi.com
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

    Such an entry of a bundled or default list is withheld (:data:`FUNCTION_WORDS`).
    """
    return _function_name(domain, psl.registrable_domain(domain))


def held_back(domain: str, registrable: str | None = None) -> bool:
    """Return True for a name no list loads: a WITHHELD name a TV needs or a function name.

    ``registrable`` is the name's registrable domain when the caller has it already
    (a list parser does); left out, it is looked up.
    """
    reason = WITHHELD.get(domain)
    if reason is not None and reason != _SHARED:
        return True
    if registrable is None:
        registrable = psl.registrable_domain(domain)
    return _function_name(domain, registrable)


def _function_name(domain: str, registrable: str | None) -> bool:
    return bool(function_words(domain, registrable))


def shown_function_words(domain: str, registrable: str | None = None) -> tuple[str, ...]:
    """Return the function words of a held-back list entry the matcher shows as suspected.

    Empty for a WITHHELD name (a name a TV needs is no suspicion, whoever lists it)
    and for a name that is no vendor function name (:func:`function_words`).
    """
    return () if domain in WITHHELD else function_words(domain, registrable)


def function_words(domain: str, registrable: str | None = None) -> tuple[str, ...]:
    """Return the :data:`FUNCTION_WORDS` that make ``domain`` a vendor function name, sorted.

    Empty when ``domain`` is not under a device maker's service domain, is that
    domain itself, or carries a telemetry word. ``registrable`` is looked up when
    left out.
    """
    if registrable is None:
        registrable = psl.registrable_domain(domain)
    if registrable not in VENDOR_SERVICE_DOMAINS or registrable == domain:
        return ()
    words = {word for word in _WORD_SPLIT.split(domain[: -len(registrable)]) if word}
    if any(word in STRONG_TOKENS for word in words) or any(
        hint in word for word in words for hint in _TELEMETRY_HINTS_IN
    ):
        return ()
    return tuple(sorted(words & FUNCTION_WORDS))


# Names the functional allow-list keeps, with every parent (a rule on a parent covers them).
ALLOWED_NAMES = frozenset(row.domain for row in FUNCTIONAL_ALLOW)
NEEDED = frozenset(parent for name in ALLOWED_NAMES for parent in suffixes(name))
