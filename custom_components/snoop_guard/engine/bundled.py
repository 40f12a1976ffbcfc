"""The bundled tracker lists: which files, in which order, and how each is attributed.

Every list here is permissively licensed and ships with its notice (see
``data/THIRD-PARTY-LISTS-NOTICE.md`` and ``data/SOURCES.json``); GPL, non-commercial
or unlicensed lists are never bundled (they are subscriptions, fetched at run
time). Order is precedence: the first list to name a domain attributes it.

Two kinds of file:

* lists with section comments (Perflyst): a ``# Samsung`` comment names the
  company of the rules below it (:mod:`.perflyst` knows the sections);
* section-less lists: a rule's company is :data:`.owners.KNOWN_OWNERS`'s for its
  domain, else the list's default. Entries the functional allow-list covers, and
  :data:`.withheld.WITHHELD` names, are not loaded from them.

Files whose name starts with ``tv-`` are *TV subsets* written by
``scripts/bundle_lists.py`` from a larger upstream list: only the entries under a
registrable domain of :data:`TV_SCOPE` (device makers and TV ad / ACR companies),
converted to one domain per line. The script records upstream commit and
sha256 of input and output in ``SOURCES.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BUNDLED",
    "BUNDLED_BY_FILE",
    "SDK_CATEGORIES",
    "SDK_SCOPE",
    "SDK_SITES",
    "TV_SCOPE",
    "VENDOR_SERVICE_DOMAINS",
    "BundledList",
]


@dataclass(frozen=True, slots=True)
class BundledList:
    """One bundled list file and its identity."""

    file: str
    source: str  # rule source id shown with a verdict
    citation: str
    company: str  # default company (section-less lists: when KNOWN_OWNERS has none)
    category: str  # default category (words in a name may say better)
    devices: tuple[str, ...]  # device kinds its rules concern
    sections: bool = False  # Perflyst-style section comments name the company


def _unknown(what: str) -> str:
    return f"Unknown ({what})"


_PERFLYST = "Perflyst/PiHoleBlocklist"
_TV = ("tv",)
_TV_STREAMER = ("tv", "streamer")
_ALL_KINDS = ("speaker", "streamer", "tv")

BUNDLED: tuple[BundledList, ...] = (
    BundledList(
        "SmartTV.txt",
        "perflyst:SmartTV.txt",
        f"{_PERFLYST} SmartTV.txt",
        _unknown("Perflyst SmartTV list"),
        "telemetry",
        _TV,
        sections=True,
    ),
    BundledList(
        "AmazonFireTV.txt",
        "perflyst:AmazonFireTV.txt",
        f"{_PERFLYST} AmazonFireTV.txt",
        "Amazon",
        "telemetry",
        ("streamer", "tv"),
        sections=True,
    ),
    BundledList(
        "android-tracking.txt",
        "perflyst:android-tracking.txt",
        f"{_PERFLYST} android-tracking.txt",
        _unknown("Perflyst android-tracking list"),
        "analytics",
        (),
        sections=True,
    ),
    BundledList(
        "blocklistproject-smart-tv.txt",
        "blocklistproject:smart-tv.txt",
        "blocklistproject/Lists smart-tv.txt (Unlicense)",
        _unknown("Block List Project smart-tv list"),
        "telemetry",
        _TV,
    ),
    *(
        BundledList(
            f"nextdns-{ident}.txt",
            f"nextdns:native-tracking-domains/{ident}",
            f"nextdns/native-tracking-domains domains/{ident} (MIT)",
            company,
            "telemetry",
            devices,
        )
        for ident, company, devices in (
            ("alexa", "Amazon", _ALL_KINDS),
            ("apple", "Apple", ("speaker", "streamer")),
            ("huawei", "Huawei", _TV),
            ("roku", "Roku", ("streamer", "tv")),
            ("samsung", "Samsung", _TV),
            ("sonos", "Sonos", ("speaker",)),
            ("xiaomi", "Xiaomi", _TV_STREAMER),
        )
    ),
    BundledList(
        "hkamran80-smart-tv.txt",
        "hkamran80:smart-tv.txt",
        "hkamran80/blocklists smart-tv.txt (MIT)",
        _unknown("hkamran80 smart-tv list"),
        "telemetry",
        _TV,
    ),
    BundledList(
        "lagthesystem-smart-tv.txt",
        "lagthesystem:Smart-TV-Blocklist",
        "LagTheSystem/Smart-TV-Blocklist main.txt (Unlicense)",
        _unknown("LagTheSystem Smart-TV list"),
        "telemetry",
        _TV,
    ),
    BundledList(
        "goodbyeads-samsung.txt",
        "goodbyeads:Samsung-AdBlock",
        "jerryn70/GoodbyeAds Extension/GoodbyeAds-Samsung-AdBlock.txt (MIT)",
        "Samsung",
        "ads",
        _TV,
    ),
    BundledList(
        "goodbyeads-xiaomi.txt",
        "goodbyeads:Xiaomi-Extension",
        "jerryn70/GoodbyeAds Extension/GoodbyeAds-Xiaomi-Extension.txt (MIT)",
        "Xiaomi",
        "ads",
        _TV_STREAMER,
    ),
    BundledList(
        "tv-shadowwhisperer-tracking.txt",
        "shadowwhisperer:Tracking (TV subset)",
        "ShadowWhisperer/BlockLists Lists/Tracking, TV vendor subset (Unlicense)",
        _unknown("ShadowWhisperer Tracking list"),
        "analytics",
        _ALL_KINDS,
    ),
    BundledList(
        "tv-shadowwhisperer-ads.txt",
        "shadowwhisperer:Ads (TV subset)",
        "ShadowWhisperer/BlockLists Lists/Ads, TV vendor subset (Unlicense)",
        _unknown("ShadowWhisperer Ads list"),
        "ads",
        _ALL_KINDS,
    ),
    BundledList(
        "tv-anudeep-adservers.txt",
        "anudeep:adservers (TV subset)",
        "anudeepND/blacklist adservers.txt, TV vendor subset (MIT)",
        _unknown("anudeepND adservers list"),
        "ads",
        _ALL_KINDS,
    ),
    BundledList(
        "tv-stevenblack.txt",
        "stevenblack:hosts (TV subset)",
        "StevenBlack/hosts data/StevenBlack/hosts, TV vendor subset (MIT)",
        _unknown("StevenBlack hosts list"),
        "tracking",
        _ALL_KINDS,
    ),
    BundledList(
        "v2fly-ads.txt",
        "v2fly:domain-list-community @ads",
        "v2fly/domain-list-community data files, entries marked @ads (MIT)",
        _unknown("v2fly domain-list-community @ads entries"),
        "ads",
        _ALL_KINDS,
    ),
)
BUNDLED_BY_FILE: dict[str, BundledList] = {entry.file: entry for entry in BUNDLED}

# Registrable domains whose entries the TV subsets keep: device makers' service
# domains and TV ad / ACR companies. Each has an owner in KNOWN_OWNERS (tested).
# Domains that only serve content (image CDNs, video delivery) are left out on
# purpose: a general list's entry there is more likely a false positive.
TV_SCOPE: frozenset[str] = frozenset(
    {
        # Samsung (TVs, Samsung Ads)
        *("samsung.com", "samsungacr.com", "samsungads.com", "samsungadhub.com"),
        *("samsungcloudsolution.com", "samsungcloudsolution.net", "samsungelectronics.com"),
        *("samsungosp.com", "samsungqbe.com", "samsungrm.net", "samsungtvads.com"),
        *("samsungyosemite.com", "samsungrs.com", "adgrx.com"),
        # LG (webOS TVs, LG Ad Solutions)
        *("lge.com", "lgappstv.com", "lgsmartad.com", "lgtvcommon.com", "lgtvsdp.com"),
        *("lgsmartplatform.com", "lgads.tv"),
        # Roku
        *("roku.com", "ravm.tv"),
        # Amazon (Fire TV, Echo): device, ads and associates domains
        *("amazon.com", "amazon.co.uk", "amazon.de", "amazon.fr", "amazon.it", "amazon.es"),
        *("amazon.co.jp", "amazon.ca", "amazon.in", "amazon.com.au", "amazon.com.br"),
        *("amazon-adsystem.com", "assoc-amazon.com", "a2z.com", "amazonalexa.com"),
        "alexa.com",
        # Xiaomi (Mi TV, Mi Box, MIUI)
        *("xiaomi.com", "xiaomi.net", "miui.com", "mi.com"),
        # ACR and TV measurement companies
        *("alphonso.tv", "samba.tv", "tvinteractive.tv", "smartclip.net", "smartclip.com"),
        "kuyun.com",
        # Other TV makers
        *("hismarttv.com", "sony.tv", "nettvservices.com", "vizio.com"),
    }
)

# Registrable domains of ad, measurement, analytics and crash-reporting companies
# whose SDKs or ad servers TV and streaming apps embed (CTV ad exchanges and
# verification, audience measurement, video analytics, app analytics). They exist
# for that purpose only, so a general list's entries under them are kept in the
# ``tv-*`` subsets too. Each has an owner in KNOWN_OWNERS (tested).
SDK_SCOPE: frozenset[str] = frozenset(
    {
        "2o7.net",
        "adcolony.com",
        "adjust.com",
        "adnxs.com",
        "adsafeprotected.com",
        "amplitude.com",
        "app-measurement.com",
        "appboy.com",
        "applovin.com",
        "appsflyer.com",
        "bluekai.com",
        "branch.io",
        "braze.com",
        "casalemedia.com",
        "chartbeat.net",
        "chartboost.com",
        "conviva.com",
        "crashlytics.com",
        "criteo.com",
        "criteo.net",
        "demdex.net",
        "doubleclick.net",
        "doubleverify.com",
        "everesttech.net",
        "flurry.com",
        "fwmrm.net",
        "google-analytics.com",
        "googleadservices.com",
        "googlesyndication.com",
        "imrworldwide.com",
        "inmobi.com",
        "innovid.com",
        "kochava.com",
        "krxd.net",
        "litix.io",
        "mixpanel.com",
        "moatads.com",
        "mopub.com",
        "mparticle.com",
        "newrelic.com",
        "nice264.com",
        "nr-data.net",
        "omtrdc.net",
        "openx.net",
        "pubmatic.com",
        "quantserve.com",
        "rlcdn.com",
        "rubiconproject.com",
        "scorecardresearch.com",
        "segment.io",
        "sentry.io",
        "smartadserver.com",
        "spotx.tv",
        "spotxchange.com",
        "springserve.com",
        "stickyadstv.com",
        "tapjoy.com",
        "tapjoyads.com",
        "teads.tv",
        "tremorhub.com",
        "tvsquared.com",
        "umeng.com",
        "vungle.com",
        "youboranqs01.com",
        # CTV programmatic buying, ad serving and exchanges, identity and data
        # brokers, video analytics, and the ad networks of Android TV games
        # (issue 14, third pass: companies the TV studies' ad ecosystems name).
        # Not here: companies in the media path itself, whose hosts also carry the
        # stream (AdsWizz's audio ad insertion serves radio streams, Vidible hosts
        # video players and content) or an app's API (AdRise is Tubi's former name
        # and domain): a rule there would stop playback.
        *("adsrvr.org", "bidswitch.net", "1rx.io", "tubemogul.com", "serving-sys.com"),
        *("flashtalking.com", "mathtag.com", "contextweb.com", "adform.net", "360yield.com"),
        *("yieldmo.com", "sharethrough.com", "gumgum.com", "lkqd.net", "bfmio.com"),
        *("adgear.com", "tidaltv.com", "turn.com", "amobee.com", "advertising.com"),
        *("adtechus.com", "spotxcdn.com", "agkn.com", "exelator.com", "tapad.com"),
        *("crwdcntrl.net", "adsymptotic.com", "nmrodam.com", "youborafds01.com", "jwpltx.com"),
        *("localytics.com", "optimizely.com", "supersonicads.com", "startappservice.com"),
        *("fyber.com", "rayjump.com"),
        *("videoplaza.tv", "vertamedia.com", "adtelligent.com"),
        *("mookie1.com", "measurementapi.com", "mobileapptracking.com", "auditude.com"),
        *("brightroll.com", "btrll.com", "w55c.net", "crittercism.com", "singular.net"),
        *("admob.com", "atdmt.com", "mediaplex.com", "dotomi.com", "tribalfusion.com"),
        *("sonobi.com", "33across.com", "triplelift.com", "3lift.com", "lijit.com"),
        *("smaato.net", "inner-active.mobi", "mobvista.com", "pubnative.net", "hyprmx.com"),
        "liadm.com",
        "voicefive.com",
        # Ad and data companies of the Roku and Fire TV channels Mohajeri Moghaddam et
        # al. crawled (citp/ott-tracking analysis notebooks).
        *("truoptik.com", "reson8.com", "emxdgt.com", "eyeviewads.com", "rfihub.com"),
        *("sitescout.com", "bidr.io", "fqtag.com", "jivox.com", "cogocast.net", "clrstm.com"),
        *("clearstream.tv", "extend.tv", "videologygroup.com", "adap.tv"),
        *("vindicosuite.com", "aniview.com", "eum-appdynamics.com", "ad-score.com"),
        *("adbutler-exciton.com", "survata.com"),
    }
)
# SDK_SCOPE domains that also carry the company's own web site (product pages,
# docs, sign-in): the subsets keep their collection hosts but not an entry for
# the domain itself or its ``www`` name, which would block the whole site.
SDK_SITES: frozenset[str] = frozenset(
    {
        *("adcolony.com", "adjust.com", "amplitude.com", "applovin.com", "appsflyer.com"),
        *("bluekai.com", "braze.com", "branch.io", "chartboost.com", "conviva.com"),
        *("criteo.com", "doubleverify.com", "flurry.com", "inmobi.com", "innovid.com"),
        *("kochava.com", "mixpanel.com", "mopub.com", "mparticle.com", "newrelic.com"),
        *("pubmatic.com", "sentry.io", "smartadserver.com", "springserve.com", "spotx.tv"),
        *("tapjoy.com", "tvsquared.com", "umeng.com", "vungle.com"),
        *("flashtalking.com", "yieldmo.com", "sharethrough.com", "gumgum.com", "adgear.com"),
        *("turn.com", "amobee.com", "advertising.com", "tapad.com", "localytics.com"),
        *("optimizely.com", "fyber.com", "tubemogul.com", "brightroll.com", "admob.com"),
        *("33across.com", "triplelift.com", "sonobi.com", "singular.net", "hyprmx.com"),
        *("mobvista.com", "pubnative.net", "tribalfusion.com", "crittercism.com"),
        *("vertamedia.com", "adtelligent.com", "lijit.com", "auditude.com"),
        *("videoplaza.tv", "inner-active.mobi", "mediaplex.com", "mobileapptracking.com"),
        "dotomi.com",
        *("jivox.com", "clearstream.tv", "videologygroup.com", "adap.tv", "aniview.com"),
        *("ad-score.com", "survata.com"),
        # Not here: truoptik.com (now TransUnion's), sitescout.com (now Basis') and
        # extend.tv (ZypMedia's site is zypmedia.com) serve collection and ads only.
    }
)

# Device makers' service domains: the device's store, updates, sign-in, home
# screen and media share them with its telemetry. From a third-party list, an
# entry under one of them whose host labels name a function (store, image, CDN,
# update, sign-in, payment ...) and no telemetry word is not loaded: general lists
# often block such names, and blocking them breaks the device (see withheld.py).
# Dedicated ad / ACR domains (samsungads.com, lgsmartad.com ...) are not here.
VENDOR_SERVICE_DOMAINS: frozenset[str] = frozenset(
    {
        *("samsung.com", "samsungcloudsolution.com", "samsungcloudsolution.net"),
        *("samsungqbe.com", "samsungosp.com", "samsungelectronics.com"),
        *("lge.com", "lgappstv.com", "lgtvcommon.com", "lgtvsdp.com", "lgsmartplatform.com"),
        *("roku.com", "amazon.com", "amazonvideo.com", "a2z.com", "amazonalexa.com"),
        *("xiaomi.com", "xiaomi.net", "miui.com", "mi.com", "mi-img.com"),
        *("hismarttv.com", "sony.tv", "nettvservices.com", "vizio.com"),
    }
)

# The category of an SDK_SCOPE company's rules when the list's default (ads) is
# wrong: measurement, app analytics and attribution, crash and performance reporting.
SDK_CATEGORIES: dict[str, str] = {
    **dict.fromkeys(
        (
            *("conviva.com", "imrworldwide.com", "scorecardresearch.com", "litix.io"),
            *("youboranqs01.com", "nice264.com", "chartbeat.net", "quantserve.com"),
            *("amplitude.com", "segment.io", "mixpanel.com", "mparticle.com", "braze.com"),
            *("appboy.com", "kochava.com", "appsflyer.com", "adjust.com", "branch.io"),
            *("flurry.com", "umeng.com", "google-analytics.com", "app-measurement.com"),
            *("demdex.net", "omtrdc.net", "2o7.net", "krxd.net", "bluekai.com", "rlcdn.com"),
            *("agkn.com", "exelator.com", "tapad.com", "crwdcntrl.net", "adsymptotic.com"),
            *("nmrodam.com", "youborafds01.com", "jwpltx.com", "localytics.com", "optimizely.com"),
            *("measurementapi.com", "mobileapptracking.com", "singular.net", "liadm.com"),
            "voicefive.com",
            *("truoptik.com", "reson8.com", "survata.com"),
        ),
        "analytics",
    ),
    # Ad tech that a tracking list's default would call analytics.
    **dict.fromkeys(("bidr.io", "clrstm.com", "vindicosuite.com", "fqtag.com"), "ads"),
    **dict.fromkeys(
        (
            *("newrelic.com", "nr-data.net", "sentry.io", "crashlytics.com", "crittercism.com"),
            "eum-appdynamics.com",
        ),
        "telemetry",
    ),
}
